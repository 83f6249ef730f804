//! Retry limits, deadlines, bounded bodies, key recovery and redirects,
//! against the mock Hub.

use std::time::{Duration, Instant};

use crate::support::hub::client_for;
use crate::support::loopback::{LoopbackServer, Response, Step};
use kataven::mock::{Fault, MockHub};

#[tokio::test]
async fn a_retry_after_beyond_the_cap_fails_fast_with_the_hint() {
    let hub = MockHub::start().await;
    let client = client_for(&hub)
        .max_retry_after(Duration::from_secs(2))
        .build()
        .unwrap();
    hub.inject(Fault::rate_limited(Duration::from_secs(120)), 1);
    let started = Instant::now();
    let err = client.widget_keys().list().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(hub.requests().len(), 1);
}

#[tokio::test]
async fn the_total_timeout_bounds_all_retries() {
    let hub = MockHub::start().await;
    let client = client_for(&hub)
        .max_retries(10)
        .attempt_timeout(Duration::from_millis(300))
        .total_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    hub.inject(Fault::delay(Duration::from_secs(2)), 20);
    let started = Instant::now();
    let err = client.widget_keys().list().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    assert!(err.attempts() >= 3 && err.attempts() <= 4, "{err}");
    assert!(err.to_string().contains("timeout"), "{err}");
}

#[tokio::test]
async fn max_retries_zero_turns_retries_off() {
    let hub = MockHub::start().await;
    let client = client_for(&hub).max_retries(0).build().unwrap();
    hub.inject(Fault::status(503), 1);
    assert_eq!(
        client.widget_keys().list().await.unwrap_err().status(),
        Some(503)
    );
    assert_eq!(hub.requests().len(), 1);
}

#[tokio::test]
async fn revoke_is_retried_like_a_read_but_a_plain_update_is_not() {
    let hub = MockHub::start().await;
    let client = client_for(&hub).build().unwrap();
    let id = client
        .widget_keys()
        .create("k")
        .await
        .unwrap()
        .widget_key
        .id;
    hub.clear_requests();
    hub.inject(Fault::status(503), 1);
    client.widget_keys().revoke(&id).await.unwrap();
    assert_eq!(hub.requests().len(), 2);
    hub.clear_requests();
    hub.inject(Fault::status(503), 1);
    let err = client
        .widget_keys()
        .update(&id)
        .name("n")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(hub.requests().len(), 1);
}

#[tokio::test]
async fn error_bodies_are_bounded_and_unknown_fields_ignored() {
    let hub = MockHub::start().await;
    let client = client_for(&hub).max_retries(0).build().unwrap();
    hub.inject(Fault::respond(500, "text/plain", "e".repeat(1_000_000)), 1);
    let err = client.widget_keys().list().await.unwrap_err();
    assert_eq!(err.message().map(str::len), Some(64 * 1024));
    assert!(err.to_string().len() < 600, "Display stays one short line");

    let key = r#"{"id":"0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90","name":"k","key_last8":"Q7rT2xZ9","domain_allowlist":[],"agent_id":null,"created_at":"2026-11-02T09:15:27Z","updated_at":"2026-11-02T09:15:27Z","disabled_at":null,"last_used_at":null,"colour":"blue","tier":{"x":1}}"#;
    hub.inject(
        Fault::respond(200, "application/json", format!("[{key}]")),
        1,
    );
    let keys = client.widget_keys().list().await.unwrap();
    assert_eq!(keys[0].name, "k");
}

#[tokio::test]
async fn a_created_key_survives_a_response_that_does_not_decode() {
    let hub = MockHub::start().await;
    let client = client_for(&hub).build().unwrap();
    // The Hub renamed a field: the body no longer matches the spec.
    hub.inject(
        Fault::respond(
            201,
            "application/json",
            r#"{"id":"x","key":"pk_live_acme_Renamed123"}"#,
        ),
        1,
    );
    let err = client.widget_keys().create("k").await.unwrap_err();
    assert_eq!(
        err.public_key().as_ref().map(|k| k.as_str()),
        Some("pk_live_acme_Renamed123")
    );
    assert!(err.to_string().contains("store it now"), "{err}");
    assert!(matches!(&err, kataven::Error::Decode { body, .. } if body.contains("Renamed123")));
    assert_eq!(
        hub.requests().len(),
        1,
        "never retried: a second create would mint a second key"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_credentials_stay_put() {
    // A server that redirects to another host (the mock Hub on `localhost`).
    let target = MockHub::start().await;
    let location = format!(
        "http://localhost:{}/api/v1/widget-keys",
        target.addr().port()
    );
    let redirect = LoopbackServer::answering(Step::Respond(
        Response::new(307).header("location", location),
    ))
    .await;
    let client = kataven::Client::builder()
        .api_key("sk_live_acme_redirectsecret")
        .base_url(redirect.base_url())
        .build()
        .unwrap();
    let err = client.widget_keys().list().await.unwrap_err();
    assert_eq!(err.status(), Some(307), "{err}");
    assert!(
        target.requests().is_empty(),
        "the request followed the redirect to another host"
    );
}
