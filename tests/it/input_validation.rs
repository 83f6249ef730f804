//! Bad input fails before any request is sent, naming the field and the
//! problem; the mock Hub proves nothing reached it.

use crate::support::hub::hub_and_client;
use kataven::Error;

fn assert_invalid(err: Error, field: &str, needle: &str) {
    match &err {
        Error::InvalidInput {
            field: f, problem, ..
        } => {
            assert_eq!(*f, field, "{err}");
            assert!(problem.contains(needle), "{err}");
        }
        other => panic!("expected InvalidInput for {field}, got {other:?}"),
    }
    assert_eq!(err.attempts(), 0);
    assert!(err.to_string().contains("nothing was sent"), "{err}");
}

#[tokio::test]
async fn bad_widget_key_input_is_refused_before_any_request() {
    let (hub, client) = hub_and_client().await;
    let keys = client.widget_keys();
    let id = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";

    assert_invalid(keys.create("").await.unwrap_err(), "name", "empty");
    assert_invalid(keys.create("  \t").await.unwrap_err(), "name", "whitespace");
    assert_invalid(
        keys.create("ok")
            .domain_allowlist(["acme.com", "acme.com/path"])
            .await
            .unwrap_err(),
        "domain_allowlist",
        "path",
    );
    assert_invalid(
        keys.create("ok")
            .domain_allowlist(["a.*.acme.com"])
            .await
            .unwrap_err(),
        "domain_allowlist",
        "`*`",
    );
    assert_invalid(
        keys.create("ok").agent_id(" ").await.unwrap_err(),
        "agent_id",
        "clear_agent_id",
    );
    assert_invalid(keys.update("").name("x").await.unwrap_err(), "id", "empty");
    assert_invalid(
        keys.update("not-a-uuid").name("x").await.unwrap_err(),
        "id",
        "not a widget key id",
    );
    assert_invalid(
        keys.update(id).await.unwrap_err(),
        "update",
        "nothing to change",
    );
    assert_invalid(
        keys.update(id).name(" ").await.unwrap_err(),
        "name",
        "empty",
    );
    assert_invalid(
        keys.update(id)
            .domain_allowlist(["acme..com"])
            .await
            .unwrap_err(),
        "domain_allowlist",
        "empty label",
    );
    assert_invalid(keys.revoke("").await.unwrap_err(), "id", "empty");
    assert_invalid(keys.delete("   ").await.unwrap_err(), "id", "empty");

    assert!(
        hub.requests().is_empty(),
        "a request was sent: {:?}",
        hub.requests()
    );
}

#[test]
fn bad_client_settings_are_refused_by_build() {
    let build = |b: kataven::ClientBuilder| b.build().unwrap_err();
    let key = "sk_live_acme_0123456789";
    assert_invalid(
        build(kataven::Client::builder()),
        "api_key",
        "no credentials",
    );
    assert_invalid(
        build(kataven::Client::builder().api_key("")),
        "api_key",
        "empty",
    );
    assert_invalid(
        build(kataven::Client::builder().api_key("  ")),
        "api_key",
        "empty",
    );
    assert_invalid(
        build(kataven::Client::builder().api_key("Bearer sk_live_x")),
        "api_key",
        "Bearer",
    );
    assert_invalid(
        build(kataven::Client::builder().api_key("pk_live_acme_x")),
        "api_key",
        "public key",
    );
    assert_invalid(
        build(kataven::Client::builder().bearer_token("eyJ.x.y")),
        "account_id",
        "JWT",
    );
    for bad in [
        "",
        "Acme",
        "-acme",
        "acme corp",
        &"a".repeat(64),
        "acme.com",
    ] {
        assert_invalid(
            build(kataven::Client::builder().api_key(key).account_id(bad)),
            "account_id",
            "rule",
        );
    }
    assert_invalid(
        build(
            kataven::Client::builder()
                .api_key(key)
                .account_id("kataven-admin"),
        ),
        "account_id",
        "reserved",
    );
    for (url, needle) in [
        ("api.kataven.ai", "not a URL"),
        ("ftp://api.kataven.ai", "https://"),
        (
            "https://api.kataven.ai/v1",
            "write `https://api.kataven.ai`",
        ),
        ("https://api.kataven.ai/v1/", "/v1"),
        (
            "https://api.kataven.ai/hub-api/api/v1",
            "write `https://api.kataven.ai/hub-api`",
        ),
        ("https://user:pw@api.kataven.ai", "user info"),
        ("https://api.kataven.ai?x=1", "query"),
    ] {
        assert_invalid(
            build(kataven::Client::builder().api_key(key).base_url(url)),
            "base_url",
            needle,
        );
    }
    assert_invalid(
        build(
            kataven::Client::builder()
                .api_key(key)
                .total_timeout(std::time::Duration::ZERO),
        ),
        "total_timeout",
        "zero",
    );
    // The secret never shows up in any of these messages.
    let err = build(kataven::Client::builder().api_key(key).base_url("nope"));
    assert!(!format!("{err}{err:?}").contains(key));
}

#[test]
fn good_client_settings_build() {
    for (url, expect) in [
        ("https://api.kataven.ai", "https://api.kataven.ai"),
        ("https://api.kataven.ai/", "https://api.kataven.ai"),
        (
            "https://api.kataven.ai/hub-api",
            "https://api.kataven.ai/hub-api",
        ),
        ("http://127.0.0.1:4010", "http://127.0.0.1:4010"),
    ] {
        let client = kataven::Client::builder()
            .api_key("sk_live_acme_x")
            .base_url(url)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), expect);
    }
    let client = kataven::Client::builder()
        .api_key("sk_live_acme_x")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), kataven::DEFAULT_BASE_URL);
}
