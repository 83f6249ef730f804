//! The facade's scenarios against Prism, a third-party validator of
//! `openapi.json`: every method, every optional field, the three PATCH
//! states, and every declared error status.
//!
//! Ignored by a plain `cargo test`: `scripts/contract.sh` starts Prism, sets
//! `PRISM_URL` and runs them with `--ignored`. Run with `--ignored` and no
//! `PRISM_URL`, each one fails (never a silent pass). Passing is not enough:
//! Prism answers an invalid request with the spec's own 4xx, so the script
//! also fails the run on any violation (`✖`) in Prism's log.
//!
//! - `PRISM_MODE=mock` (default): `prism mock --errors openapi.json`. Prism
//!   is stateless and answers with the spec's examples; error statuses are
//!   forced with its `Prefer: code=NNN` request header, which a loopback
//!   relay in front of Prism adds (the facade has no per-request headers,
//!   and should not grow one for this).
//! - `PRISM_MODE=dynamic`: `prism mock -d --seed 1 --errors openapi.json`.
//!   The same, but Prism makes up every response from its schema (nulls,
//!   empty lists, odd strings) instead of serving the examples: the SDK must
//!   decode whatever the spec allows.
//! - `PRISM_MODE=proxy`: `prism proxy --errors openapi.json <mock Hub>`.
//!   Prism validates each request and the mock Hub's response to it (a
//!   response violation becomes a 500), so the flows are stateful and the
//!   errors are real ones (404, 401). The mock Hub's API key is
//!   `CONTRACT_API_KEY` (default `sk_live_acme_test`).

use std::time::Duration;

use kataven::{Client, Error};

use crate::support::loopback::LoopbackServer;

/// The id used against the stateless mock (the spec's example id).
const EXAMPLE_ID: &str = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";
const AGENT: &str = "agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Mock,
    Dynamic,
    Proxy,
}

/// Prism's base URL and mode. Without `PRISM_URL` the scenario fails: it
/// runs only when asked for (`--ignored`), and then a pass must mean Prism
/// saw it.
fn prism() -> (String, Mode) {
    let url = std::env::var("PRISM_URL").unwrap_or_default();
    assert!(
        !url.is_empty(),
        "PRISM_URL is not set: the contract scenarios need a running Prism; run scripts/contract.sh"
    );
    let mode = match std::env::var("PRISM_MODE").as_deref() {
        Ok("proxy") => Mode::Proxy,
        Ok("dynamic") => Mode::Dynamic,
        Ok("mock") | Err(_) => Mode::Mock,
        Ok(other) => panic!("PRISM_MODE must be `mock`, `dynamic` or `proxy`, not `{other}`"),
    };
    (url, mode)
}

fn api_key() -> String {
    std::env::var("CONTRACT_API_KEY").unwrap_or_else(|_| "sk_live_acme_test".to_string())
}

/// A client with no retries (a forced 429 or 5xx must reach the test once)
/// and short timeouts.
fn client(base_url: &str) -> Client {
    Client::builder()
        .api_key(api_key())
        .base_url(base_url)
        .max_retries(0)
        .total_timeout(Duration::from_secs(20))
        .build()
        .expect("client builds")
}

/// A key to update and delete: the example id against the stateless mock,
/// a freshly created key behind the proxy.
async fn some_key(client: &Client, mode: Mode) -> String {
    match mode {
        Mode::Mock | Mode::Dynamic => EXAMPLE_ID.to_string(),
        Mode::Proxy => client
            .widget_keys()
            .create("contract: scratch key")
            .domain_allowlist(["acme.com"])
            .await
            .expect("create")
            .widget_key
            .id
            .to_string(),
    }
}

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn list_decodes() {
    let (url, mode) = prism();
    let client = client(&url);
    let keys = client.widget_keys().list().await.expect("list");
    if mode == Mode::Mock {
        // The spec's example, decoded.
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].id.to_string(), EXAMPLE_ID);
        assert_eq!(keys[0].agent_id.as_deref(), Some(AGENT));
        assert!(!keys[0].is_disabled());
    }
}

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn create_with_every_field_and_with_name_only() {
    let (url, mode) = prism();
    let client = client(&url);
    let full = client
        .widget_keys()
        .create("contract: every field")
        .domain_allowlist(["acme.com", "*.acme.com", "localhost:*", "https://acme.com"])
        .agent_id(AGENT)
        .await
        .expect("create with every field");
    if mode != Mode::Dynamic {
        assert!(full.public_key.as_str().starts_with("pk_live_"));
        assert_eq!(full.widget_key.key_last8, full.public_key.last8());
    }

    let bare = client
        .widget_keys()
        .create("contract: name only")
        .await
        .expect("create with the name only");
    if mode != Mode::Dynamic {
        assert!(bare.public_key.as_str().starts_with("pk_live_"));
    }
    if mode == Mode::Proxy {
        assert!(bare.widget_key.domain_allowlist.is_empty());
        assert_eq!(bare.widget_key.agent_id, None);
        assert_eq!(full.widget_key.agent_id.as_deref(), Some(AGENT));
        let listed = client.widget_keys().list().await.expect("list");
        for created in [&full, &bare] {
            assert!(listed.iter().any(|k| k.id == created.widget_key.id));
        }
    }
}

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn update_each_field_and_the_three_agent_states() {
    let (url, mode) = prism();
    let client = client(&url);
    let keys = client.widget_keys();
    let id = some_key(&client, mode).await;

    keys.update(&id).name("renamed").await.expect("rename");
    keys.update(&id)
        .domain_allowlist(["acme.com", "*.acme.com"])
        .await
        .expect("replace the allowlist");
    keys.update(&id)
        .domain_allowlist(Vec::<String>::new())
        .await
        .expect("empty allowlist (blocks the key)");
    // agent_id: a value, then null; absent is every other update here.
    keys.update(&id).agent_id(AGENT).await.expect("pin");
    keys.update(&id)
        .clear_agent_id()
        .await
        .expect("unpin (null)");
    keys.update(&id).disabled(true).await.expect("disable");
    keys.update(&id).disabled(false).await.expect("re-enable");
    keys.update(&id)
        .name("every field")
        .domain_allowlist(["acme.com"])
        .agent_id(AGENT)
        .disabled(false)
        .await
        .expect("every field at once");

    if mode == Mode::Proxy {
        let key = find(&client, &id).await.expect("key still listed");
        assert_eq!(key.name, "every field");
        assert_eq!(key.domain_allowlist, ["acme.com"]);
        assert_eq!(key.agent_id.as_deref(), Some(AGENT));
        assert!(!key.is_disabled());
        keys.update(&id).clear_agent_id().await.expect("unpin");
        let key = find(&client, &id).await.expect("key still listed");
        assert_eq!(key.agent_id, None);
        assert_eq!(key.name, "every field", "absent fields are left alone");
    }
}

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn revoke_and_delete() {
    let (url, mode) = prism();
    let client = client(&url);
    let keys = client.widget_keys();
    let id = some_key(&client, mode).await;
    keys.revoke(&id).await.expect("revoke");
    keys.revoke(&id).await.expect("revoke again (idempotent)");
    if mode == Mode::Proxy {
        assert!(find(&client, &id).await.expect("listed").is_disabled());
    }
    keys.delete(&id).await.expect("delete");
    if mode == Mode::Proxy {
        assert!(
            find(&client, &id).await.is_none(),
            "a never-used key is gone"
        );
        let err = keys.delete(&id).await.expect_err("deleted twice");
        assert_eq!(err.status(), Some(404), "{err}");
        let err = keys
            .update(&id)
            .name("x")
            .await
            .expect_err("update a deleted key");
        assert_eq!(err.status(), Some(404), "{err}");
    }
}

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn jwt_with_account_header() {
    let (url, mode) = prism();
    if mode == Mode::Proxy {
        // The mock Hub's JWT is random per process; the header's format is
        // what Prism checks, and the mock run covers it.
        return;
    }
    let client = Client::builder()
        .bearer_token("eyJhbGciOiJub25lIn0.eyJzdWIiOiJjb250cmFjdCJ9.c2ln")
        .account_id("acme")
        .base_url(&url)
        .max_retries(0)
        .build()
        .expect("client builds");
    client.widget_keys().list().await.expect("list");
    let id = client
        .widget_keys()
        .create("contract: jwt")
        .await
        .expect("create")
        .widget_key
        .id;
    client
        .widget_keys()
        .update(&id)
        .name("jwt")
        .await
        .expect("update");
    client.widget_keys().delete(&id).await.expect("delete");
}

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn wrong_api_key_is_401() {
    let (url, mode) = prism();
    if mode != Mode::Proxy {
        return; // Prism accepts any token; the forced 401 is below.
    }
    let client = Client::builder()
        .api_key("sk_live_acme_wrong")
        .base_url(&url)
        .max_retries(0)
        .build()
        .expect("client builds");
    let err = client.widget_keys().list().await.expect_err("wrong key");
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.is_unauthorized());
}

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn unknown_id_is_404() {
    let (url, mode) = prism();
    if mode != Mode::Proxy {
        return; // forced below
    }
    let client = client(&url);
    let id = "00000000-0000-4000-8000-000000000000";
    let err = client.widget_keys().delete(id).await.expect_err("unknown");
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.is_not_found());
    let err = client
        .widget_keys()
        .update(id)
        .disabled(true)
        .await
        .expect_err("unknown");
    assert_eq!(err.status(), Some(404), "{err}");
}

/// Every error status the spec declares, forced through Prism with
/// `Prefer: code=NNN`, for every operation: the facade reports it as an
/// API error with that status.
#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn every_declared_error_status() {
    let (url, mode) = prism();
    if mode == Mode::Proxy {
        return; // the proxy forwards to the mock Hub, which ignores Prefer
    }
    let common = [400u16, 401, 403, 429, 500];
    for code in common.into_iter().chain([404]) {
        let proxy = prefer_relay(&url, code).await;
        let client = client(&proxy.base_url());
        let keys = client.widget_keys();
        let mut outcomes: Vec<(&str, Result<(), Error>)> = vec![
            ("update", keys.update(EXAMPLE_ID).name("x").await),
            ("revoke", keys.revoke(EXAMPLE_ID).await),
            ("delete", keys.delete(EXAMPLE_ID).await),
        ];
        if code != 404 {
            // list and create declare no 404.
            outcomes.push(("list", keys.list().await.map(drop)));
            outcomes.push(("create", keys.create("forced").await.map(drop)));
        }
        for (op, outcome) in outcomes {
            let err = outcome.expect_err(&format!("{op} with Prefer: code={code}"));
            assert_eq!(err.status(), Some(code), "{op}: {err}");
            match code {
                401 => assert!(err.is_unauthorized(), "{op}: {err}"),
                404 => assert!(err.is_not_found(), "{op}: {err}"),
                429 => {
                    assert!(err.is_rate_limited(), "{op}: {err}");
                    // The spec's example Retry-After is 60 seconds; a made-up
                    // one is any whole number of seconds.
                    assert!(err.retry_after().is_some(), "{op}: {err:?}");
                    if mode == Mode::Mock {
                        assert_eq!(err.retry_after(), Some(Duration::from_secs(60)), "{op}");
                    }
                }
                _ => {}
            }
            // The plain-text body (the spec's example) is the message.
            if mode == Mode::Mock {
                assert!(
                    err.message().is_some_and(|m| !m.is_empty()),
                    "{op} {code}: no message in {err:?}"
                );
            }
        }
        assert!(proxy.request_count() > 0);
    }
}

async fn find(client: &Client, id: &str) -> Option<kataven::WidgetKey> {
    client
        .widget_keys()
        .list()
        .await
        .expect("list")
        .into_iter()
        .find(|k| k.id.as_ref() == id)
}

/// A loopback relay that adds `Prefer: code=NNN` to every request and
/// forwards it to Prism.
async fn prefer_relay(upstream: &str, code: u16) -> LoopbackServer {
    let upstream_addr = upstream.trim_start_matches("http://").trim_end_matches('/');
    assert!(
        !upstream_addr.contains('/'),
        "PRISM_URL must be a bare http://host:port, not {upstream}"
    );
    LoopbackServer::relay(upstream_addr, move |request| {
        request
            .headers
            .push(("Prefer".to_string(), format!("code={code}")));
    })
    .await
}

/// A client signed in as a person (a JWT with its account), as managing API
/// keys needs; behind the proxy, the mock Hub's own session token.
fn session(base_url: &str) -> Client {
    let jwt = std::env::var("CONTRACT_JWT")
        .unwrap_or_else(|_| "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjb250cmFjdCJ9.c2ln".to_string());
    Client::builder()
        .bearer_token(jwt)
        .account_id("acme")
        .base_url(base_url)
        .max_retries(0)
        .total_timeout(Duration::from_secs(20))
        .build()
        .expect("client builds")
}

/// The API-key example id of the spec, against the stateless mock.
const API_KEY_EXAMPLE_ID: &str = "5d0c6f7e-2b1a-4c3d-8e9f-0a1b2c3d4e5f";

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn api_keys_every_operation() {
    let (url, mode) = prism();
    let client = session(&url);
    let keys = client.api_keys();
    let listed = keys.list().await.expect("list");
    if mode == Mode::Mock {
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id.as_str(), API_KEY_EXAMPLE_ID);
        assert!(listed[0].expires_at.is_some());
    }
    let expiring = keys
        .create("contract: expiring")
        .expires_in_days(90)
        .await
        .expect("create with an expiry");
    let forever = keys.create("contract: forever").await.expect("create");
    if mode != Mode::Dynamic {
        assert!(expiring.secret_key.expose_secret().starts_with("sk_live_"));
        assert_eq!(expiring.api_key.key_last8, expiring.secret_key.last8());
    }
    if mode == Mode::Proxy {
        assert!(expiring.api_key.expires_at.is_some());
        assert!(forever.api_key.expires_at.is_none());
    }
    let id = match mode {
        Mode::Proxy => expiring.api_key.id.to_string(),
        _ => API_KEY_EXAMPLE_ID.to_string(),
    };
    keys.update(&id)
        .name("contract: renamed")
        .await
        .expect("rename");
    keys.update(&id).disabled(false).await.expect("re-enable");
    if mode != Mode::Dynamic {
        // Against made-up lists the key to rotate is not among them.
        let rotated = keys.rotate(&id).await.expect("rotate");
        assert_eq!(rotated.previous.id.as_str(), id);
        if mode == Mode::Proxy {
            assert_eq!(rotated.replacement.api_key.name, "contract: renamed");
            assert!(rotated.replacement.api_key.expires_at.is_some());
        }
    }
    keys.revoke(&id).await.expect("revoke");
    keys.delete(&id).await.expect("delete");
}

#[tokio::test]
#[ignore = "needs Prism: run scripts/contract.sh"]
async fn api_keys_need_a_session_and_every_declared_error_status_comes_back() {
    let (url, mode) = prism();
    if mode == Mode::Proxy {
        // The mock Hub answers an API-key caller with its real 403.
        let err = client(&url)
            .api_keys()
            .create("contract: sneaky")
            .await
            .unwrap_err();
        assert!(err.is_forbidden(), "{err}");
        assert!(err.to_string().contains("JWT"), "{err}");
        client(&url)
            .api_keys()
            .list()
            .await
            .expect("an API key may list");
        return;
    }
    for code in [400u16, 401, 403, 429, 500, 404] {
        let proxy = prefer_relay(&url, code).await;
        let client = session(&proxy.base_url());
        let keys = client.api_keys();
        let mut outcomes: Vec<(&str, Result<(), Error>)> = vec![
            ("update", keys.update(API_KEY_EXAMPLE_ID).name("x").await),
            ("revoke", keys.revoke(API_KEY_EXAMPLE_ID).await),
            ("delete", keys.delete(API_KEY_EXAMPLE_ID).await),
        ];
        if code != 404 {
            outcomes.push(("list", keys.list().await.map(drop)));
            outcomes.push(("create", keys.create("forced").await.map(drop)));
        }
        for (op, outcome) in outcomes {
            let err = outcome.expect_err(&format!("{op} with Prefer: code={code}"));
            assert_eq!(err.status(), Some(code), "{op}: {err}");
            if code == 429 {
                assert!(err.retry_after().is_some(), "{op}: {err:?}");
            }
        }
    }
}
