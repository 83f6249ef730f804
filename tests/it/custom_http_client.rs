//! An app's own reqwest client and extra headers: the SDK's requests go
//! through them, with the SDK's credentials and headers added per request,
//! and the SDK's own headers cannot be overridden as extra ones.

use kataven::Error;
use kataven::reqwest::Proxy;
use kataven::reqwest::header::{HeaderMap, HeaderValue};

use crate::fixtures::KEY;
use crate::support::loopback::{LoopbackServer, Response, Step};

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

/// A client sends at most 100 extra header values: the 101st is refused when
/// the client is built, before any request (past http's own limit on a
/// header map, adding them to a request would panic).
#[test]
fn more_than_a_hundred_extra_headers_are_refused() {
    let with = |n: usize| {
        (0..n).fold(kataven::Client::builder().api_key(KEY), |builder, i| {
            builder.header(format!("x-extra-{i}"), "1")
        })
    };
    assert!(with(100).build().is_ok());
    let err = with(101).build().unwrap_err();
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
    assert!(err.to_string().contains("at most 100"), "{err}");
}
