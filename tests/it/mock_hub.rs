//! The mock Hub itself, over real loopback HTTP: what app teams use to test
//! their own code (route faults, connection resets, seeded keys, reset) and
//! the Hub's own answers (the prefix, request bodies, the key's shape).

use std::time::Duration;

use kataven::mock::{Fault, MockHub, WidgetKeyFixture};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::hub::authed_http;

const COLLECTION: &str = "/api/v1/widget-keys";

#[tokio::test]
async fn requests_outside_the_path_prefix_get_a_gateway_404_and_never_reach_the_hub() {
    let hub = MockHub::builder().path_prefix("/hub-api").start().await;
    let http = authed_http(&hub);
    let root = format!("http://{}", hub.addr());
    for outside in [
        format!("{root}{COLLECTION}"),
        format!("{root}/hub-apix{COLLECTION}"),
        format!("{root}/other/hub-api{COLLECTION}"),
    ] {
        let response = http.get(&outside).send().await.unwrap();
        assert_eq!(response.status(), 404, "{outside}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
    }
    assert!(hub.requests().is_empty(), "{:?}", hub.requests());

    // A client that drops the prefix fails its tests, as it would in production.
    let dropped = hub.client_builder().base_url(&root).build().unwrap();
    let err = dropped.widget_keys().list().await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");

    // Under the prefix, the Hub answers.
    let response = http
        .get(format!("{}{COLLECTION}", hub.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(hub.requests().len(), 1);
    assert_eq!(hub.requests()[0].path, COLLECTION);
}

#[tokio::test]
async fn a_rate_limit_longer_than_any_header_saturates() {
    let fault = Fault::rate_limited(Duration::MAX);
    assert_eq!(
        fault,
        Fault::Status {
            status: 429,
            retry_after: Some(u64::MAX)
        }
    );

    let hub = MockHub::start().await;
    hub.inject(fault, 1);
    let response = authed_http(&hub)
        .get(format!("{}{COLLECTION}", hub.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], u64::MAX.to_string());

    hub.inject(Fault::rate_limited(Duration::MAX), 1);
    let client = hub.client_builder().max_retries(0).build().unwrap();
    let err = client.widget_keys().list().await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
}

#[tokio::test]
async fn a_route_fault_meets_only_its_route() {
    let hub = MockHub::start().await;
    let client = hub.client().unwrap();
    let keys = client.widget_keys();
    hub.inject_on("POST", COLLECTION, Fault::status(503), 1);

    assert!(keys.list().await.unwrap().is_empty(), "a GET passes");
    let err = keys.create("acme.com").await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(err.attempts(), 1, "a create is not retried on 503");
    assert!(hub.widget_keys().list().is_empty());
    let created = keys.create("acme.com").await.unwrap();

    // `{id}` stands for any id.
    let id = &created.widget_key.id;
    hub.inject_on("delete", "/api/v1/widget-keys/{id}", Fault::status(500), 1);
    keys.update(id).name("renamed").await.unwrap();
    assert_eq!(keys.delete(id).await.unwrap_err().status(), Some(500));
    keys.delete(id).await.unwrap();
    assert!(hub.widget_keys().list().is_empty());
}

#[tokio::test]
async fn route_faults_and_faults_for_any_route_queue_in_order() {
    let hub = MockHub::start().await;
    let client = hub.client_builder().max_retries(0).build().unwrap();
    let keys = client.widget_keys();
    hub.inject_on("POST", COLLECTION, Fault::status(503), 1);
    hub.inject(Fault::status(500), 1);

    // The GET skips the POST's fault and takes the next one that applies.
    assert_eq!(keys.list().await.unwrap_err().status(), Some(500));
    assert_eq!(keys.create("k").await.unwrap_err().status(), Some(503));
    keys.create("k").await.unwrap();
    assert!(keys.list().await.unwrap().len() == 1);

    hub.inject_on("POST", COLLECTION, Fault::status(503), 3);
    hub.clear_faults();
    keys.create("k").await.unwrap();
}

#[tokio::test]
async fn a_list_is_retried_through_a_connection_reset() {
    let hub = MockHub::start().await;
    let client = hub.client().unwrap();
    client.widget_keys().create("acme.com").await.unwrap();
    hub.clear_requests();

    hub.inject(Fault::connection_reset(), 1);
    let listed = client.widget_keys().list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(hub.requests().len(), 2);

    // Also when the reset comes after the Hub did the work (a read has none).
    hub.inject(Fault::connection_reset_after_handling(), 2);
    assert_eq!(client.widget_keys().list().await.unwrap().len(), 1);
    assert_eq!(hub.requests().len(), 5);
}

#[tokio::test]
async fn a_create_met_by_a_reset_is_not_retried_and_says_so() {
    let hub = MockHub::start().await;
    let client = hub.client().unwrap();

    // Reset before the Hub did anything: no key.
    hub.inject_on("POST", COLLECTION, Fault::connection_reset(), 1);
    let err = client.widget_keys().create("acme.com").await.unwrap_err();
    assert!(matches!(err, kataven::Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1, "{err}");
    assert_eq!(hub.requests().len(), 1);
    assert!(hub.widget_keys().list().is_empty());

    // Reset after the Hub created it: the key exists, its plaintext is lost.
    hub.inject_on(
        "POST",
        COLLECTION,
        Fault::connection_reset_after_handling(),
        1,
    );
    let err = client.widget_keys().create("acme.com").await.unwrap_err();
    assert!(matches!(err, kataven::Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1, "{err}");
    assert_eq!(err.public_key(), None);
    assert_eq!(hub.requests().len(), 2);
    assert_eq!(hub.widget_keys().list().len(), 1);
    assert_eq!(hub.widget_keys().issued().len(), 1);

    // The connection pool recovers: the next call works.
    assert_eq!(client.widget_keys().list().await.unwrap().len(), 1);
}

/// The reset is a TCP RST, not an orderly close: a raw socket reads
/// `ConnectionReset`, not the end of the stream.
#[tokio::test]
async fn a_reset_fault_sends_a_tcp_reset() {
    let hub = MockHub::start().await;
    for fault in [
        Fault::connection_reset(),
        Fault::connection_reset_after_handling(),
    ] {
        hub.inject(fault.clone(), 1);
        let mut socket = tokio::net::TcpStream::connect(hub.addr()).await.unwrap();
        let request = format!(
            "GET {COLLECTION} HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer {}\r\n\r\n",
            hub.api_key()
        );
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut answer))
            .await
            .expect("the Hub closes the connection");
        let err = read.expect_err("a reset, not an answer or a clean close");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{fault:?}");
        assert!(answer.is_empty(), "{fault:?}");
    }
    assert_eq!(hub.requests().len(), 2);
}

#[tokio::test]
async fn seeded_keys_are_listed_in_their_state_and_delete_treats_them_so() {
    let hub = MockHub::start().await;
    let fresh = hub
        .widget_keys()
        .seed(WidgetKeyFixture::new("fresh").domain_allowlist(["acme.com"]));
    let used = hub.widget_keys().seed(
        WidgetKeyFixture::new("used")
            .used()
            .agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
            .domain_allowlist(["acme.com", "*.acme.com"]),
    );
    let revoked = hub
        .widget_keys()
        .seed(WidgetKeyFixture::new("revoked").used().disabled());
    assert!(hub.requests().is_empty(), "seeding sends nothing");
    assert!(
        hub.widget_keys().issued().is_empty(),
        "create issued nothing"
    );

    let client = hub.client().unwrap();
    let keys = client.widget_keys();
    let listed = keys.list().await.unwrap();
    assert_eq!(
        listed,
        [
            fresh.widget_key.clone(),
            used.widget_key.clone(),
            revoked.widget_key.clone()
        ]
    );
    assert!(used.public_key.as_str().starts_with("pk_live_acme_"));
    assert_eq!(used.widget_key.key_last8, used.public_key.last8());
    assert_eq!(
        used.widget_key.agent_id.as_deref(),
        Some("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
    );
    assert!(used.widget_key.allows_origin("https://shop.acme.com"));
    assert!(revoked.widget_key.is_disabled());
    assert!(!revoked.widget_key.allows_origin("https://acme.com"));

    // Hard delete for the never-used key, soft for the used one.
    keys.delete(&fresh.widget_key.id).await.unwrap();
    keys.delete(&used.widget_key.id).await.unwrap();
    let left = keys.list().await.unwrap();
    let ids: Vec<_> = left.iter().map(|k| &k.id).collect();
    assert_eq!(ids, [&used.widget_key.id, &revoked.widget_key.id]);
    assert!(left.iter().all(|k| k.is_disabled()));
}

#[tokio::test]
async fn a_seeded_key_takes_the_hubs_account() {
    let hub = MockHub::builder().account("globex").start().await;
    let seeded = hub.widget_keys().seed(WidgetKeyFixture::new("k"));
    assert!(seeded.public_key.as_str().starts_with("pk_live_globex_"));
}

#[test]
fn a_built_fixture_has_the_hubs_json_shape() {
    let key = WidgetKeyFixture::new("k").used().disabled().build();
    let json = serde_json::to_value(&key).unwrap();
    let back: kataven::WidgetKey = serde_json::from_value(json).unwrap();
    assert_eq!(back, key);
    assert_eq!(key.disabled_at, key.last_used_at);
    assert!(uuid_like(key.id.as_str()), "{}", key.id);
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn reset_forgets_keys_faults_and_requests() {
    let hub = MockHub::start().await;
    let client = hub.client_builder().max_retries(0).build().unwrap();
    client.widget_keys().create("k").await.unwrap();
    hub.widget_keys().seed(WidgetKeyFixture::new("seeded"));
    hub.inject(Fault::status(500), 5);
    hub.inject_on("GET", COLLECTION, Fault::status(503), 5);
    hub.inject_randomly(1.0, [Fault::status(502)]);

    hub.reset();
    assert!(hub.widget_keys().list().is_empty());
    assert!(hub.widget_keys().issued().is_empty());
    assert!(hub.requests().is_empty());
    assert!(client.widget_keys().list().await.unwrap().is_empty());
    assert_eq!(hub.requests().len(), 1);
    // Same address, key and account.
    client.widget_keys().create("again").await.unwrap();
    assert_eq!(hub.widget_keys().list().len(), 1);
}

/// Create's answer is the listed key plus `public_key`, field for field.
#[tokio::test]
async fn the_created_answer_is_the_listed_key_and_its_plaintext() {
    let hub = MockHub::start().await;
    let http = authed_http(&hub);
    let url = format!("{}{COLLECTION}", hub.base_url());
    let created: Value = http
        .post(&url)
        .json(&json!({"name": "k", "domain_allowlist": ["acme.com"], "agent_id": "agent_a"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    let mut without_plaintext = created.clone();
    let public_key = without_plaintext
        .as_object_mut()
        .unwrap()
        .remove("public_key")
        .unwrap();
    assert_eq!(listed, json!([without_plaintext]));
    assert_eq!(
        public_key.as_str().unwrap()[public_key.as_str().unwrap().len() - 8..],
        created["key_last8"]
    );
    for field in [
        "id",
        "name",
        "key_last8",
        "domain_allowlist",
        "created_at",
        "updated_at",
    ] {
        assert!(created.get(field).is_some(), "{field} missing: {created}");
    }
}

/// The bodies the Hub refuses and accepts, as before the mock parsed them
/// with the generated request types.
#[tokio::test]
async fn request_bodies_are_refused_and_accepted_as_the_hub_does() {
    let hub = MockHub::start().await;
    let http = authed_http(&hub);
    let url = format!("{}{COLLECTION}", hub.base_url());
    let send = |method: &'static str, url: String, body: &'static str| {
        let http = http.clone();
        async move {
            let response = http
                .request(method.parse().unwrap(), url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    const CREATE_INVALID: &str = "Invalid body or name required";
    for body in [
        "",
        "not json",
        "[]",
        r#"[null, [], "x"]"#,
        r#""k""#,
        "{}",
        r#"{"name": ""}"#,
        r#"{"name": null}"#,
        r#"{"name": 1}"#,
        r#"{"name": "k", "domain_allowlist": null}"#,
        r#"{"name": "k", "domain_allowlist": "acme.com"}"#,
        r#"{"name": "k", "domain_allowlist": [1]}"#,
        r#"{"name": "k", "agent_id": 1}"#,
    ] {
        assert_eq!(
            send("POST", url.clone(), body).await,
            (400, CREATE_INVALID.to_string()),
            "create {body}"
        );
    }
    for body in [
        r#"{"name": " "}"#,
        r#"{"name": "k", "agent_id": null, "unknown": {"x": 1}}"#,
    ] {
        assert_eq!(
            send("POST", url.clone(), body).await.0,
            201,
            "create {body}"
        );
    }

    let id = hub.widget_keys().list()[0].id.clone();
    let item = format!("{url}/{id}");
    for body in [
        "",
        "[]",
        r#"{"name": ""}"#,
        r#"{"name": null}"#,
        r#"{"domain_allowlist": null}"#,
        r#"{"disabled": null}"#,
        r#"{"disabled": "yes"}"#,
        r#"{"agent_id": 1}"#,
    ] {
        assert_eq!(
            send("PATCH", item.clone(), body).await,
            (400, "Invalid body".to_string()),
            "update {body}"
        );
    }
    for body in [
        "{}",
        r#"{"agent_id": "agent_b"}"#,
        r#"{"unknown": null}"#,
        r#"{"name": "  ", "disabled": true}"#,
    ] {
        assert_eq!(
            send("PATCH", item.clone(), body).await,
            (200, "\"Updated\"".to_string()),
            "update {body}"
        );
    }
    let key = &hub.widget_keys().list()[0];
    assert_eq!(key.name, "  ");
    assert_eq!(key.agent_id.as_deref(), Some("agent_b"));
    assert!(key.is_disabled());
    assert_eq!(
        send("PATCH", item.clone(), r#"{"agent_id": null}"#).await.0,
        200
    );
    assert_eq!(hub.widget_keys().list()[0].agent_id, None);

    assert_eq!(
        send("PATCH", format!("{url}/not-a-uuid"), "{}").await,
        (400, "Invalid widget key id".to_string())
    );
    assert_eq!(
        send("DELETE", format!("{url}/{}", uuid_zero()), "").await,
        (404, "Widget key not found".to_string())
    );
}

fn uuid_zero() -> &'static str {
    "00000000-0000-0000-0000-000000000000"
}

/// The account rule is the SDK's own (`X-Account-ID` is checked before the
/// token), and the reserved account is refused.
#[tokio::test]
async fn the_account_header_follows_the_hubs_rule() {
    let hub = MockHub::start().await;
    let url = format!("{}{COLLECTION}", hub.base_url());
    let http = kataven::Client::http_client_builder()
        .unwrap()
        .no_proxy()
        .build()
        .unwrap();
    for (account, status, message) in [
        ("Acme", 400, "Invalid X-Account-ID"),
        ("-acme", 400, "Invalid X-Account-ID"),
        ("kataven-admin", 403, "Forbidden"),
        ("globex", 403, "Forbidden"),
        ("acme", 200, "[]"),
    ] {
        let response = http
            .get(&url)
            .bearer_auth(hub.jwt())
            .header("x-account-id", account)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{account}");
        assert_eq!(response.text().await.unwrap(), message, "{account}");
    }
}

#[tokio::test]
async fn debug_output_keeps_the_hubs_secrets_out() {
    let hub = MockHub::builder()
        .api_key("sk_live_acme_debugsecret")
        .start()
        .await;
    let shown = format!(
        "{hub:?} {:?}",
        MockHub::builder().api_key("sk_live_acme_debugsecret")
    );
    assert!(!shown.contains("debugsecret"), "{shown}");
    assert!(!shown.contains(hub.jwt()), "{shown}");
    assert!(shown.contains(hub.base_url()), "{shown}");
}

#[tokio::test]
async fn a_dropped_hub_stops_listening() {
    let hub = MockHub::start().await;
    let addr = hub.addr();
    let client = hub.client_builder().max_retries(0).build().unwrap();
    client.widget_keys().list().await.unwrap();
    drop(hub);
    // The accept loop ends on its next turn: poll for it, within a bound
    // no machine should reach.
    let mut refused = false;
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "still listening on {addr}");
}
