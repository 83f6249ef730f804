//! What an app needs to adopt the SDK: its own HTTP client and headers,
//! request ids, error chains, and models it can store and send on.

use kataven::reqwest::Proxy;
use kataven::reqwest::header::{HeaderMap, HeaderValue};
use kataven::{CreatedWidgetKey, Error, WidgetKey};

use crate::support::hub::hub_and_client;
use crate::support::loopback::{LoopbackServer, Response, Step};

const KEY: &str = "sk_live_acme_0123456789abcdef";

/// An app's own reqwest client (here: a proxy and a default header) carries
/// the SDK's requests; the SDK adds its credentials and headers to each
/// request, never to the client; retries still apply.
#[tokio::test]
async fn a_supplied_client_carries_the_sdk_headers_per_request() {
    // The proxy answers itself: 503 once, then an empty list.
    let proxy = LoopbackServer::start(
        [Step::Respond(Response::text(503, "busy"))],
        Step::Respond(Response::json(200, "[]")),
    )
    .await;
    let mut defaults = HeaderMap::new();
    defaults.insert("x-app", HeaderValue::from_static("billing"));
    let http = kataven::Client::http_client_builder()
        .unwrap()
        .proxy(Proxy::all(proxy.base_url()).unwrap())
        .default_headers(defaults)
        .build()
        .unwrap();
    let client = kataven::Client::builder()
        .api_key(KEY)
        .base_url("http://hub.kataven.test")
        .allow_insecure_http(true)
        .header("x-team", "payments")
        .http_client(http)
        .backoff(std::time::Duration::ZERO, std::time::Duration::ZERO)
        .build()
        .unwrap();

    assert!(client.widget_keys().list().await.unwrap().is_empty());
    let requests = proxy.requests();
    assert_eq!(requests.len(), 2, "the 503 was retried: {requests:?}");
    for request in &requests {
        assert_eq!(request.target, "http://hub.kataven.test/api/v1/widget-keys");
        assert_eq!(request.header("x-app"), Some("billing"));
        assert_eq!(request.header("x-team"), Some("payments"));
        let auth = format!("Bearer {KEY}");
        assert_eq!(request.header("authorization"), Some(auth.as_str()));
        let agent = request.header("user-agent").unwrap_or_default();
        assert!(agent.starts_with("kataven-rust/"), "{agent}");
        let accept = request.header("accept").unwrap_or_default();
        assert!(accept.contains("text/plain"), "{accept}");
    }

    // The client the SDK hands out carries no credentials of its own.
    use kataven::raw::ClientInfo;
    let bare = client.raw().client().clone();
    bare.get("http://hub.kataven.test/other")
        .send()
        .await
        .unwrap();
    let last = proxy.requests().pop().unwrap();
    assert_eq!(last.target, "http://hub.kataven.test/other");
    assert_eq!(last.header("authorization"), None);
    assert_eq!(last.header("x-app"), Some("billing"));
}

#[test]
fn the_sdks_own_headers_are_refused_as_extra_headers() {
    for name in [
        "Authorization",
        "user-agent",
        "X-Account-ID",
        "Accept",
        "Host",
    ] {
        let err = kataven::Client::builder()
            .api_key(KEY)
            .header(name, "x")
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "header",
                    ..
                }
            ),
            "{name}: {err}"
        );
        assert!(err.to_string().contains(name), "{err}");
    }
    for (name, value) in [("bad header", "x"), ("x-ok", "line\nbreak")] {
        let err = kataven::Client::builder()
            .api_key(KEY)
            .header(name, value)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "header",
                    ..
                }
            ),
            "{err}"
        );
    }
}

/// The Hub's request id reaches the error and its message.
#[tokio::test]
async fn the_request_id_of_a_failed_call_is_in_the_error() {
    let (_hub, client) = hub_and_client().await;
    let err = client
        .widget_keys()
        .delete("0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90")
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let id = err.request_id().expect("the mock Hub sends x-request-id");
    assert!(id.starts_with("req_"), "{id}");
    assert!(
        err.to_string().contains(&format!("[request id {id}]")),
        "{err}"
    );
    assert!(
        err.to_string().contains("no widget key with this id"),
        "{err}"
    );
}

/// `Display` says what happened in the SDK's words; the underlying error is
/// `source()`, and no message in the chain repeats another (as `anyhow` and
/// `eyre` print every one of them).
#[tokio::test]
async fn an_error_chain_does_not_repeat_itself() {
    let client = kataven::Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.widget_keys().list().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let top = err.to_string();
    let mut source = std::error::Error::source(&err);
    assert!(source.is_some(), "the cause is kept as source()");
    while let Some(cause) = source {
        let text = cause.to_string();
        assert!(!top.contains(&text), "{top:?} repeats its source {text:?}");
        source = cause.source();
    }
}

/// The models' serde form is the Hub's: they round-trip to equal values,
/// and decode as the generated wire types do.
#[tokio::test]
async fn the_models_round_trip_through_serde_with_the_wire_names() {
    let (hub, client) = hub_and_client().await;
    let created = client
        .widget_keys()
        .create("acme.com production")
        .domain_allowlist(["acme.com"])
        .agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
        .await
        .unwrap();
    let used = client.widget_keys().create("used").await.unwrap();
    hub.widget_keys().mark_used(&used.widget_key.id);
    client
        .widget_keys()
        .revoke(&used.widget_key.id)
        .await
        .unwrap();

    let json = serde_json::to_value(&created).unwrap();
    assert_eq!(json["public_key"], created.public_key.as_str());
    assert_eq!(json["id"], created.widget_key.id.as_str());
    let back: CreatedWidgetKey = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, created);
    // The wire form: the generated type reads it, and writes it back as the
    // facade reads it.
    let wire: kataven::raw::types::DataCreatedWidgetKey = serde_json::from_value(json).unwrap();
    let again: CreatedWidgetKey =
        serde_json::from_value(serde_json::to_value(&wire).unwrap()).unwrap();
    assert_eq!(again, created);

    for key in client.widget_keys().list().await.unwrap() {
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<WidgetKey>(&json).unwrap(), key);
        let wire: kataven::raw::types::DataWidgetKey = serde_json::from_str(&json).unwrap();
        let again: WidgetKey =
            serde_json::from_value(serde_json::to_value(&wire).unwrap()).unwrap();
        assert_eq!(again, key);
    }
    let listed = client.widget_keys().list().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|k| k.is_disabled() && k.last_used_at.is_some())
    );
    assert!(listed.iter().any(|k| k.agent_id.is_some()));
}
