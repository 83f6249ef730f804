//! The mock Hub refuses exactly the names the Hub's contract refuses (a
//! disagreement schemathesis found; this runs without the contract tools).

/// The mock Hub and a plain HTTP client that carries its API key (the SDK's
/// own client never carries it as a default header).
async fn hub_and_http() -> (kataven::mock::MockHub, kataven::reqwest::Client) {
    use kataven::reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
    let hub = kataven::mock::MockHub::start().await;
    let mut headers = HeaderMap::new();
    let auth = HeaderValue::try_from(format!("Bearer {}", hub.api_key())).unwrap();
    headers.insert(AUTHORIZATION, auth);
    let http = kataven::Client::http_client_builder()
        .unwrap()
        .default_headers(headers)
        .no_proxy()
        .build()
        .unwrap();
    (hub, http)
}

/// Found by schemathesis (ST202, schema-valid request rejected): the mock
/// Hub refused a whitespace-only `name` with 400, but the spec says only
/// `minLength: 1`, and docs/hub-contract.md only "missing or empty gives
/// 400". The mock now refuses exactly what is documented (the SDK still
/// refuses a blank name before sending, as its own guard).
#[tokio::test]
async fn mock_hub_accepts_a_whitespace_name_and_refuses_an_empty_one() {
    let (hub, http) = hub_and_http().await;
    let url = format!("{}/api/v1/widget-keys", hub.base_url());
    let created = http
        .post(&url)
        .json(&serde_json::json!({"name": "\u{b}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let renamed = http
        .patch(format!("{url}/{id}"))
        .json(&serde_json::json!({"name": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    assert_eq!(hub.widget_keys().list()[0].name, " ");

    for (method, target) in [("POST", url.clone()), ("PATCH", format!("{url}/{id}"))] {
        let response = http
            .request(method.parse().unwrap(), &target)
            .json(&serde_json::json!({"name": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{method} with an empty name");
    }
}
