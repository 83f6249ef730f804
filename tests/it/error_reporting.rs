//! What a failed call's error tells the caller: the Hub's request id, the
//! number of attempts, the Hub's plain-text message, and a source chain that
//! does not repeat itself.

use kataven::Error;

use crate::fixtures::{KEY, builder};
use crate::support::hub::hub_and_client;
use crate::support::loopback::{LoopbackServer, Response, Step};

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

/// A decode error counts every request, like every other error.
#[tokio::test]
async fn a_decode_error_counts_every_attempt() {
    let server = LoopbackServer::start(
        [Step::Respond(
            Response::text(429, "rate_limited").header("retry-after", 0),
        )],
        Step::Respond(Response::json(201, "{not json")),
    )
    .await;
    let err = builder(&server.base_url())
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(server.request_count(), 2);
}

/// Found by Prism: the generated client sent `Accept: application/json`
/// only, but the Hub answers every error in `text/plain`
/// (docs/hub-contract.md; the spec's 4xx/5xx). Prism, negotiating on
/// `Accept`, then answered a forced 400 with a 200. The client must accept
/// both.
#[tokio::test]
async fn requests_accept_the_plain_text_errors() {
    let server = LoopbackServer::answering(Step::Respond(Response::text(
        400,
        "Invalid body or name required",
    )))
    .await;
    let client = kataven::Client::builder()
        .api_key("sk_live_acme_test")
        .base_url(server.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.widget_keys().create("x").await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.message(), Some("Invalid body or name required"));

    let requests = server.requests();
    let [request] = requests.as_slice() else {
        panic!("one request, not {requests:?}");
    };
    let accept = request.header("accept").expect("an Accept header");
    let types: Vec<&str> = accept
        .split(',')
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .collect();
    assert!(types.contains(&"application/json"), "{accept}");
    assert!(types.contains(&"text/plain"), "{accept}");
}
