//! What a hostile or broken network, or a careless caller, could still do
//! to the SDK: one test per defect found in review, each failing before its
//! fix, over real loopback sockets (or in a child process, for what must not
//! abort the test runner or needs an environment of its own).

use std::time::{Duration, Instant};

use kataven::Error;

use crate::support::child;
use crate::support::loopback::{Close, LoopbackServer, Response, Step};

const KEY: &str = "sk_live_acme_0123456789abcdef";
const ID: &str = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";

/// A create response as the Hub sends it.
fn created(name: &str, public_key: &str) -> String {
    let last8 = &public_key[public_key.len() - 8..];
    format!(
        r#"{{"key_last8":"{last8}","name":"{name}","public_key":"{public_key}","id":"{ID}","domain_allowlist":[],"agent_id":null,"created_at":"2026-11-02T09:15:27Z","updated_at":"2026-11-02T09:15:27Z","disabled_at":null,"last_used_at":null}}"#
    )
}

fn builder(base_url: &str) -> kataven::ClientBuilder {
    kataven::Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .backoff(Duration::ZERO, Duration::ZERO)
}

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

/// The key's `name` comes before `public_key` in the Hub's object, so a name
/// that holds another key must never be reported as the new key.
#[tokio::test]
async fn a_broken_create_body_never_yields_a_wrong_key() {
    let body = created("rotate pk_live_acme_OLDkey99 now", "pk_live_acme_NEWkey12");
    // Inside the `public_key` value (`key_last8` holds the same tail earlier).
    let cut_in_key = body.rfind("NEWkey12\"").unwrap();
    let server = LoopbackServer::answering(Step::Cut {
        response: Response::json(201, body.clone()),
        body_bytes: cut_in_key,
        close: Close::Reset,
    })
    .await;
    let err = builder(&server.base_url())
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert_eq!(err.public_key(), None, "{err}");
    assert!(!err.to_string().contains("pk_live_acme_OLD"), "{err}");

    // Cut after the key: the key is the new one.
    let after_key = body.find(",\"id\"").unwrap();
    let server = LoopbackServer::answering(Step::Cut {
        response: Response::json(201, body),
        body_bytes: after_key,
        close: Close::Reset,
    })
    .await;
    let err = builder(&server.base_url())
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert_eq!(
        err.public_key().as_ref().map(|k| k.as_str()),
        Some("pk_live_acme_NEWkey12")
    );
    assert!(err.to_string().contains("store it now"), "{err}");
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

/// A server's `Content-Length` claim does not size the body buffer: with no
/// limit, a claim of a terabyte used to abort the process.
#[test]
fn a_claimed_length_never_decides_the_allocation() {
    let output = child::run("hardening::child_claimed_terabyte", &[]);
    assert!(output.status.success(), "{}", child::describe(&output));
}

#[tokio::test]
#[ignore = "run by a_claimed_length_never_decides_the_allocation in a child process"]
async fn child_claimed_terabyte() {
    if !child::in_child() {
        return;
    }
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1099511627776\r\nconnection: close\r\n\r\n";
    // Several frames: a single small frame is kept as it comes.
    let server = LoopbackServer::answering(Step::Trickle {
        pieces: vec![
            format!("{head}[").into_bytes(),
            b"[".to_vec(),
            b"[".to_vec(),
        ],
        pause: Duration::from_millis(50),
    })
    .await;
    let client = builder(&server.base_url())
        .max_response_bytes(usize::MAX)
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.widget_keys().list().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { .. }),
        "the body broke off long before its claim: {err:?}"
    );
}

/// A 201 whose body is lost still says that the key was created, so that
/// the caller lists instead of minting a second key.
#[tokio::test]
async fn a_create_whose_body_is_lost_says_the_key_exists() {
    let body = created("k", "pk_live_acme_3Jm9vXc2LpW8nKd4");
    let server = LoopbackServer::answering(Step::Cut {
        response: Response::json(201, body.clone()),
        body_bytes: 20,
        close: Close::Reset,
    })
    .await;
    let err = builder(&server.base_url())
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(201), "{err}");
    assert_eq!(err.public_key(), None);
    assert!(
        err.to_string()
            .contains("the key was created: do not retry"),
        "{err}"
    );
    assert!(err.to_string().contains("list the keys"), "{err}");
    assert_eq!((err.attempts(), server.request_count()), (1, 1));

    // A body that stalls past the attempt timeout: the same, not a timeout.
    let (head, rest) = body.split_at(20);
    let stalled = LoopbackServer::answering(Step::Trickle {
        pieces: vec![
            [
                Response::json(201, body.clone()).head(),
                head.as_bytes().to_vec(),
            ]
            .concat(),
            rest.as_bytes().to_vec(),
        ],
        pause: Duration::from_secs(2),
    })
    .await;
    let err = builder(&stalled.base_url())
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(201), "{err}");
    assert!(!err.is_timeout());
    assert!(err.to_string().contains("do not retry"), "{err}");
}

/// Plain HTTP would send the API key in cleartext: only loopback hosts may
/// use it, unless the caller opts in.
#[test]
fn plain_http_is_for_loopback_hosts_unless_the_caller_opts_in() {
    for url in [
        "http://api.kataven.ai",
        "http://10.1.2.3:8080",
        "http://[2001:db8::1]",
    ] {
        let err = builder(url).build().unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "base_url",
                    ..
                }
            ),
            "{url}: {err}"
        );
        assert!(err.to_string().contains("cleartext"), "{err}");
        assert!(
            builder(url).allow_insecure_http(true).build().is_ok(),
            "{url}"
        );
    }
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:3000",
        "http://[::1]:9000",
    ] {
        assert!(builder(url).build().is_ok(), "{url}");
    }
}

const PROXY_VARIABLES: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// A proxy from the environment would see a local Hub's traffic, API key
/// included, in cleartext: loopback hosts never go through one. Other hosts
/// do, as documented on the builder.
#[tokio::test(flavor = "multi_thread")]
async fn loopback_hosts_never_go_through_an_environment_proxy() {
    let proxy = LoopbackServer::answering(Step::Respond(Response::json(200, "[]"))).await;
    let url = proxy.base_url();
    let run = move |name: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let envs: Vec<(&str, &str)> =
                PROXY_VARIABLES.iter().map(|v| (*v, url.as_str())).collect();
            child::run(name, &envs)
        })
    };
    let output = run("hardening::child_loopback_with_proxy").await.unwrap();
    assert!(output.status.success(), "{}", child::describe(&output));
    assert_eq!(proxy.request_count(), 0, "{:?}", proxy.requests());

    let output = run("hardening::child_remote_with_proxy").await.unwrap();
    assert!(output.status.success(), "{}", child::describe(&output));
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0].target,
        "http://hub.kataven.test/api/v1/widget-keys"
    );
}

#[tokio::test]
#[ignore = "run by loopback_hosts_never_go_through_an_environment_proxy in a child process"]
async fn child_loopback_with_proxy() {
    if !child::in_child() {
        return;
    }
    let hub = kataven::mock::MockHub::start().await;
    let keys = hub.client().unwrap().widget_keys().list().await.unwrap();
    assert!(keys.is_empty());
}

#[tokio::test]
#[ignore = "run by loopback_hosts_never_go_through_an_environment_proxy in a child process"]
async fn child_remote_with_proxy() {
    if !child::in_child() {
        return;
    }
    let client = builder("http://hub.kataven.test")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert!(client.widget_keys().list().await.unwrap().is_empty());
}

/// A base URL in an error message never shows a password or a query.
#[test]
fn base_url_errors_never_echo_user_info_or_queries() {
    for (url, secret) in [
        ("ftp://user:PW-SECRET@host", "PW-SECRET"),
        ("https://user:PW-SECRET@host:99999", "PW-SECRET"),
        ("https://u:PW-SECRET@api.kataven.ai", "PW-SECRET"),
        ("https://api.kataven.ai/?token=Q-SECRET", "Q-SECRET"),
        ("https://api.kataven.ai/v1?token=Q-SECRET", "Q-SECRET"),
        ("http://example.com/?token=Q-SECRET", "Q-SECRET"),
        ("user:PW-SECRET@host", "PW-SECRET"),
    ] {
        let err = builder(url).build().unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(secret), "{url}: {shown}");
    }
}

/// A gateway that echoes the request must not put the client's own token
/// into an error.
#[tokio::test]
async fn an_echoed_token_is_scrubbed_from_errors() {
    let echo = format!("bad request: Authorization: Bearer {KEY}");
    let server = LoopbackServer::start(
        [Step::Respond(Response::text(400, echo.clone()))],
        Step::Respond(Response::new(200).body("text/html", format!("<p>{echo}</p>"))),
    )
    .await;
    let client = builder(&server.base_url()).build().unwrap();
    for _ in 0..2 {
        let err = client.widget_keys().list().await.unwrap_err();
        let shown = format!("{err} {err:?} {:?}", err.message());
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains("Bearer [redacted]"), "{shown}");
    }
}

/// Credentials are visible ASCII, or refused before anything is sent.
#[test]
fn credentials_must_be_visible_ascii() {
    for bad in [
        "sk_live_acme_\u{202e}0123",
        "sk_live_acmé_0123",
        "sk_live_acme_0123\u{200b}",
        "sk_live_acme_\u{7f}0123",
    ] {
        let err = kataven::Client::builder().api_key(bad).build().unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "api_key",
                    ..
                }
            ),
            "{bad:?}: {err}"
        );
        assert!(err.to_string().contains("visible ASCII"), "{err}");
        assert!(!err.to_string().contains(bad), "{err}");
    }
    let err = kataven::Client::builder()
        .bearer_token("eyJ\u{202e}.e30.c2ln")
        .account_id("acme")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: "bearer_token",
                ..
            }
        ),
        "{err}"
    );
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
