//! What the SDK sends and what it accepts back, at the edges a caller's own
//! setup opens: extra headers given more than once, a caller's reqwest
//! client that follows redirects, and error bodies that echo the token in
//! another form.

use crate::support::hub::quick_backoff;
use crate::support::loopback::{LoopbackServer, Response, Step};

const CREATED: &str = r#"{"public_key":"pk_live_acme_3Jm9vXc2LpW8nKd4Q7rT2xZ9","id":"0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90","name":"k","key_last8":"Q7rT2xZ9","domain_allowlist":[],"agent_id":null,"created_at":"2026-11-02T09:15:27Z","updated_at":"2026-11-02T09:15:27Z","disabled_at":null,"last_used_at":null}"#;
const KEY: &str = "sk_live_acme_Secret+Value/42";

#[tokio::test]
async fn a_header_given_twice_is_sent_with_both_values() {
    let server = LoopbackServer::answering(Step::Respond(Response::json(200, "[]"))).await;
    let client = quick_backoff(kataven::Client::builder())
        .api_key(KEY)
        .base_url(server.base_url())
        .header("x-team", "payments")
        .header("x-team", "billing")
        .header("x-app", "shop")
        .build()
        .unwrap();
    client.widget_keys().list().await.unwrap();
    let request = &server.requests()[0];
    let teams: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("x-team"))
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(teams, ["payments", "billing"]);
    assert_eq!(request.header("x-app"), Some("shop"));
}

#[tokio::test]
async fn an_answer_after_a_redirect_is_refused_never_taken_as_the_hubs() {
    // The "Hub" redirects; the other origin answers as if it created a key.
    let elsewhere = LoopbackServer::answering(Step::Respond(Response::json(201, CREATED))).await;
    let hub = LoopbackServer::answering(Step::Respond(Response::new(307).header(
        "location",
        format!("{}/api/v1/widget-keys", elsewhere.base_url()),
    )))
    .await;
    // A caller's client that follows redirects (as reqwest's default does).
    let following = kataven::Client::http_client_builder()
        .unwrap()
        .redirect(kataven::reqwest::redirect::Policy::limited(10))
        .no_proxy()
        .build()
        .unwrap();
    let client = quick_backoff(kataven::Client::builder())
        .api_key(KEY)
        .base_url(hub.base_url())
        .http_client(following)
        .account_id("acme")
        .build()
        .unwrap();
    let err = client.widget_keys().create("k").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("after a redirect"), "{text}");
    assert!(text.contains(&elsewhere.base_url()), "{text}");
    assert!(
        err.public_key().is_none(),
        "a redirected answer's key is not the Hub's"
    );
    assert!(
        err.is_possibly_applied(),
        "the write went elsewhere: {text}"
    );
    // Not retried: one request each.
    assert_eq!((hub.request_count(), elsewhere.request_count()), (1, 1));
    // A read is refused too (and not retried into the same redirect).
    let err = client.widget_keys().list().await.unwrap_err();
    assert!(err.to_string().contains("after a redirect"), "{err}");
    assert!(!err.is_possibly_applied());
}

#[tokio::test]
async fn the_token_is_scrubbed_from_an_echo_in_any_case_or_percent_encoded() {
    let encoded = "sk_live_acme_Secret%2BValue%2F42";
    let echoes = [
        KEY.to_string(),
        KEY.to_uppercase(),
        KEY.to_lowercase(),
        encoded.to_string(),
        encoded.to_lowercase(),
    ];
    for echo in echoes {
        let body = format!("bad request: token={echo}; try again");
        let server = LoopbackServer::answering(Step::Respond(Response::text(400, body))).await;
        let client = quick_backoff(kataven::Client::builder())
            .api_key(KEY)
            .base_url(server.base_url())
            .build()
            .unwrap();
        let err = client.widget_keys().list().await.unwrap_err();
        let shown = format!("{err} {err:?} {:?}", err.message());
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(
            !shown.to_lowercase().contains("secret"),
            "the token leaked: {shown}"
        );
    }
}

/// The headers of a create, each exactly once: the generated method's
/// `api-version` and `Content-Type`, the SDK's `Accept`, the client's
/// credentials, user agent and account. Through `raw()`, an explicit
/// `X-Account-ID` parameter replaces the client's account (build.rs sets
/// header parameters on the request in place of progenitor's merged map;
/// this holds the two equal on the wire).
#[tokio::test]
async fn a_create_sends_each_header_once() {
    let server = LoopbackServer::answering(Step::Respond(Response::json(201, CREATED))).await;
    let client = quick_backoff(kataven::Client::builder())
        .api_key(KEY)
        .base_url(server.base_url())
        .account_id("acme")
        .build()
        .unwrap();
    client.widget_keys().create("k").await.unwrap();
    let body = kataven::raw::types::HandlersCreateWidgetKeyRequest {
        name: "k".to_string().try_into().unwrap(),
        domain_allowlist: vec![],
        agent_id: None,
    };
    let account: kataven::raw::types::CreateWidgetKeyXAccountId =
        "other".to_string().try_into().unwrap();
    client
        .raw()
        .create_widget_key(Some(&account), &body)
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for (request, account) in requests.iter().zip(["acme", "other"]) {
        let values = |name: &str| -> Vec<&str> {
            request
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect()
        };
        // The spec's version, whatever it is.
        assert_eq!(values("api-version").len(), 1, "{request:?}");
        assert_eq!(values("x-account-id"), [account], "{request:?}");
        assert_eq!(values("content-type"), ["application/json"]);
        assert_eq!(values("accept"), ["application/json, text/plain;q=0.9"]);
        let auth = format!("Bearer {KEY}");
        assert_eq!(values("authorization"), [auth.as_str()]);
        assert_eq!(values("user-agent").len(), 1);
    }
}
