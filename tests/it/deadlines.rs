//! Deadlines, timeouts and server hints: a retried write starts only with
//! its whole attempt before the deadline, and no setting or hint overflows.

use std::time::{Duration, Instant};

use crate::fixtures::{builder, created};
use crate::support::loopback::{LoopbackServer, Response, Step};

/// A retried write is started only with its whole attempt time before the
/// deadline: otherwise a Hub that mints the key just after the deadline
/// leaves the caller with a timeout and a lost key.
#[tokio::test]
async fn a_write_is_retried_only_with_its_whole_attempt_before_the_deadline() {
    let script = || {
        (
            [Step::Respond(
                Response::text(429, "rate_limited: per-minute (60) exceeded")
                    .header("retry-after", 1),
            )],
            Step::slow(
                Duration::from_millis(300),
                Step::Respond(Response::json(
                    201,
                    created("k", "pk_live_acme_3Jm9vXc2LpW8nKd4"),
                )),
            ),
        )
    };
    let (first, then) = script();
    let server = LoopbackServer::start(first, then).await;
    let client = builder(&server.base_url())
        .total_timeout(Duration::from_millis(1100))
        .build()
        .unwrap();
    let err = client.widget_keys().create("k").await.unwrap_err();
    assert!(err.is_rate_limited(), "the call ends with the 429: {err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(server.request_count(), 1, "no retry with 0.1 s left");

    // With room for a whole attempt after the wait, the same write is retried.
    let (first, then) = script();
    let server = LoopbackServer::start(first, then).await;
    let client = builder(&server.base_url())
        .attempt_timeout(Duration::from_millis(600))
        .total_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let created = client.widget_keys().create("k").await.unwrap();
    assert_eq!(created.public_key, "pk_live_acme_3Jm9vXc2LpW8nKd4");
    assert_eq!(server.request_count(), 2);
}

/// No setting and no server hint reaches an arithmetic panic.
#[tokio::test]
async fn huge_durations_and_hints_never_panic() {
    let ok = LoopbackServer::answering(Step::Respond(Response::json(200, "[]"))).await;
    let client = builder(&ok.base_url())
        .total_timeout(Duration::MAX)
        .attempt_timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .max_retry_after(Duration::MAX)
        .backoff(Duration::MAX, Duration::MAX)
        .build()
        .unwrap();
    assert!(client.widget_keys().list().await.unwrap().is_empty());

    // The longest hint there is, with the cap raised: no panic, no wait.
    let hinted = LoopbackServer::answering(Step::Respond(
        Response::text(429, "slow down").header("retry-after", u64::MAX),
    ))
    .await;
    let client = builder(&hinted.base_url())
        .max_retry_after(Duration::MAX)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.widget_keys().list().await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(hinted.request_count(), 1);
}
