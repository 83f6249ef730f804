//! Every facade method against the mock Hub over real loopback HTTP.

use crate::support::hub::{authed_http, client_for, hub_and_client, json_bodies};
use kataven::mock::MockHub;
use serde_json::json;

/// The client's own reqwest client (it carries the bearer token), for
/// requests the facade cannot make.

#[tokio::test]
async fn create_returns_the_plaintext_key_once_and_list_never_does() {
    let (hub, client) = hub_and_client().await;
    let created = client
        .widget_keys()
        .create("acme.com production")
        .domain_allowlist(["acme.com", "*.acme.com"])
        .agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
        .await
        .unwrap();

    let key = created.public_key.as_str();
    assert!(key.starts_with("pk_live_acme_"), "{key}");
    assert_eq!(created.widget_key.key_last8, created.public_key.last8());
    assert_eq!(created.widget_key.name, "acme.com production");
    assert_eq!(
        created.widget_key.domain_allowlist,
        ["acme.com", "*.acme.com"]
    );
    assert_eq!(
        created.widget_key.agent_id.as_deref(),
        Some("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
    );
    assert!(!created.widget_key.is_disabled());
    assert_eq!(
        hub.widget_keys().issued(),
        std::slice::from_ref(&created.public_key)
    );

    // The JSON body that reached the Hub.
    assert_eq!(
        json_bodies(&hub, "POST"),
        [
            json!({"name": "acme.com production", "domain_allowlist": ["acme.com", "*.acme.com"], "agent_id": "agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z"})
        ]
    );

    // Listing gives the same key without its plaintext, on the wire too.
    let listed = client.widget_keys().list().await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&created.widget_key));
    let raw_list = authed_http(&hub)
        .get(format!("{}/api/v1/widget-keys", hub.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !raw_list.contains(key),
        "list leaked the plaintext key: {raw_list}"
    );
    assert!(raw_list.contains(&created.widget_key.key_last8));
}

#[tokio::test]
async fn create_without_allowlist_or_agent_sends_only_the_name() {
    let (hub, client) = hub_and_client().await;
    let created = client
        .widget_keys()
        .create("blocked key".to_string())
        .send()
        .await
        .unwrap();
    assert!(created.widget_key.domain_allowlist.is_empty());
    assert_eq!(created.widget_key.agent_id, None);
    assert!(
        !created.widget_key.allows_origin("https://acme.com"),
        "an empty allowlist blocks the key"
    );
    assert_eq!(json_bodies(&hub, "POST"), [json!({"name": "blocked key"})]);
}

#[tokio::test]
async fn allowlist_entries_are_sent_normalised() {
    let (hub, client) = hub_and_client().await;
    client
        .widget_keys()
        .create("k")
        .domain_allowlist(["ACME.com", "HTTPS://Shop.Acme.com"])
        .await
        .unwrap();
    assert_eq!(
        json_bodies(&hub, "POST")[0]["domain_allowlist"],
        json!(["acme.com", "https://shop.acme.com"])
    );
}

#[tokio::test]
async fn update_sends_absent_null_and_values_as_three_different_requests() {
    let (hub, client) = hub_and_client().await;
    let keys = client.widget_keys();
    let created = keys
        .create("original")
        .domain_allowlist(["acme.com", "*.acme.com"])
        .agent_id("agent_a")
        .await
        .unwrap();
    let id = &created.widget_key.id;

    // Rename only: the allowlist and the agent are untouched.
    keys.update(id).name("renamed").await.unwrap();
    let key = &keys.list().await.unwrap()[0];
    assert_eq!(key.name, "renamed");
    assert_eq!(key.domain_allowlist, ["acme.com", "*.acme.com"]);
    assert_eq!(key.agent_id.as_deref(), Some("agent_a"));

    // The allowlist is replaced, not merged.
    keys.update(id)
        .domain_allowlist(["acme.com"])
        .await
        .unwrap();
    assert_eq!(keys.list().await.unwrap()[0].domain_allowlist, ["acme.com"]);

    // Repin, then an explicit null unpins.
    keys.update(id).agent_id("agent_b").await.unwrap();
    assert_eq!(
        keys.list().await.unwrap()[0].agent_id.as_deref(),
        Some("agent_b")
    );
    keys.update(id).clear_agent_id().await.unwrap();
    assert_eq!(keys.list().await.unwrap()[0].agent_id, None);

    // An empty list is sent as [] and blocks the key.
    keys.update(id.as_str())
        .domain_allowlist(Vec::<String>::new())
        .await
        .unwrap();
    assert!(keys.list().await.unwrap()[0].domain_allowlist.is_empty());

    keys.update(id)
        .name("both")
        .domain_allowlist(["acme.com"])
        .await
        .unwrap();

    assert_eq!(
        json_bodies(&hub, "PATCH"),
        [
            json!({"name": "renamed"}),
            json!({"domain_allowlist": ["acme.com"]}),
            json!({"agent_id": "agent_b"}),
            json!({"agent_id": null}),
            json!({"domain_allowlist": []}),
            json!({"name": "both", "domain_allowlist": ["acme.com"]}),
        ]
    );
    let patches: Vec<_> = hub
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert!(
        patches
            .iter()
            .all(|r| r.path == format!("/api/v1/widget-keys/{id}"))
    );
}

#[tokio::test]
async fn revoke_is_idempotent_and_disabled_false_re_enables() {
    let (hub, client) = hub_and_client().await;
    let keys = client.widget_keys();
    let id = keys
        .create("k")
        .domain_allowlist(["acme.com"])
        .await
        .unwrap()
        .widget_key
        .id;

    keys.revoke(&id).await.unwrap();
    let first = keys.list().await.unwrap()[0].clone();
    assert!(first.is_disabled());
    assert!(!first.allows_origin("https://acme.com"));
    keys.revoke(&id).await.unwrap();
    let second = keys.list().await.unwrap()[0].clone();
    assert_eq!(
        second.disabled_at, first.disabled_at,
        "a second revoke keeps the first timestamp"
    );

    keys.update(&id).disabled(false).await.unwrap();
    let enabled = keys.list().await.unwrap()[0].clone();
    assert!(!enabled.is_disabled());
    assert!(enabled.allows_origin("https://acme.com"));

    assert_eq!(
        json_bodies(&hub, "PATCH"),
        [
            json!({"disabled": true}),
            json!({"disabled": true}),
            json!({"disabled": false})
        ]
    );
}

#[tokio::test]
async fn delete_is_hard_for_a_never_used_key_and_soft_for_a_used_one() {
    let (hub, client) = hub_and_client().await;
    let keys = client.widget_keys();
    let unused = keys.create("unused").await.unwrap().widget_key.id;
    let used = keys.create("used").await.unwrap().widget_key.id;
    assert!(hub.widget_keys().mark_used(&used));

    keys.delete(&unused).await.unwrap();
    keys.delete(&used).await.unwrap();

    let left = keys.list().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, used);
    assert!(left[0].is_disabled(), "a used key is only disabled");
    assert!(left[0].last_used_at.is_some());

    let again = keys.delete(&unused).await.unwrap_err();
    assert!(again.is_not_found(), "{again}");
}

#[tokio::test]
async fn unknown_ids_are_404_with_the_hubs_message() {
    let (_hub, client) = hub_and_client().await;
    let missing = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";
    for err in [
        client
            .widget_keys()
            .update(missing)
            .name("x")
            .await
            .unwrap_err(),
        client.widget_keys().revoke(missing).await.unwrap_err(),
        client.widget_keys().delete(missing).await.unwrap_err(),
    ] {
        assert!(err.is_not_found(), "{err}");
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.message(), Some("Widget key not found"));
        let text = err.to_string();
        assert!(
            text.contains("404 Not Found") && text.contains("Widget key not found"),
            "{text}"
        );
        assert!(!text.contains('\n'));
    }
}

#[tokio::test]
async fn a_wrong_api_key_is_401_and_never_shown() {
    let hub = MockHub::start().await;
    let secret = "sk_live_acme_wrongsecret123";
    let client = kataven::Client::builder()
        .api_key(secret)
        .base_url(hub.base_url())
        .build()
        .unwrap();
    let err = client.widget_keys().list().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.message(), Some("Unauthorized"));
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!shown.contains("wrongsecret"), "secret leaked: {shown}");
    }
    let builder = kataven::Client::builder().api_key(secret);
    assert!(!format!("{builder:?}").contains("wrongsecret"));
}

#[tokio::test]
async fn a_jwt_needs_the_account_and_is_checked_against_it() {
    let hub = MockHub::start().await;
    let client = kataven::Client::builder()
        .bearer_token(hub.jwt())
        .account_id(hub.account())
        .base_url(hub.base_url())
        .build()
        .unwrap();
    client.widget_keys().create("via jwt").await.unwrap();
    assert_eq!(client.widget_keys().list().await.unwrap().len(), 1);
    assert!(
        hub.requests()
            .iter()
            .all(|r| r.account_id.as_deref() == Some("acme"))
    );

    let other = kataven::Client::builder()
        .bearer_token(hub.jwt())
        .account_id("globex")
        .base_url(hub.base_url())
        .build()
        .unwrap();
    let err = other.widget_keys().list().await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(!format!("{err:?}{err}{other:?}").contains(hub.jwt()));
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept() {
    let hub = MockHub::builder().path_prefix("/hub-api").start().await;
    let client = kataven::Client::builder()
        .api_key(hub.api_key())
        .base_url(format!("{}/", hub.base_url()))
        .build()
        .unwrap();
    assert!(client.base_url().ends_with("/hub-api"));
    client.widget_keys().create("prefixed").await.unwrap();
    assert_eq!(client.widget_keys().list().await.unwrap().len(), 1);
    assert_eq!(hub.requests()[0].path, "/api/v1/widget-keys");
}

#[tokio::test]
async fn each_documented_error_status_becomes_an_api_error() {
    let hub = MockHub::start().await;
    let client = client_for(&hub).max_retries(0).build().unwrap();
    for status in [400u16, 401, 403, 429, 500] {
        hub.inject(kataven::mock::Fault::status(status), 1);
        let err = client.widget_keys().list().await.unwrap_err();
        assert_eq!(err.status(), Some(status), "{err}");
        assert!(matches!(err, kataven::Error::Api { .. }));
        assert!(err.message().is_some_and(|m| !m.is_empty()));
        assert_eq!(err.attempts(), 1);
    }
}

#[tokio::test]
async fn a_429_carries_the_retry_after_hint() {
    let (hub, _) = hub_and_client().await;
    let client = client_for(&hub).max_retries(0).build().unwrap();
    hub.inject(
        kataven::mock::Fault::rate_limited(std::time::Duration::from_secs(60)),
        1,
    );
    let err = client.widget_keys().create("k").await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(60)));
    assert_eq!(
        err.message(),
        Some("rate_limited: per-minute (60) exceeded")
    );
    assert!(err.to_string().contains("retry after 60s"), "{err}");
    assert!(hub.widget_keys().list().is_empty());
}

#[tokio::test]
async fn undeclared_methods_are_405_with_allow() {
    let hub = MockHub::start().await;
    let http = authed_http(&hub);
    let collection = format!("{}/api/v1/widget-keys", hub.base_url());
    let response = http.put(&collection).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, POST");
    let item = format!("{collection}/0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90");
    let response = http.get(&item).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "PATCH, DELETE");
}

#[tokio::test]
async fn the_raw_client_is_reachable_and_shares_credentials() {
    let (_hub, client) = hub_and_client().await;
    client.widget_keys().create("k").await.unwrap();
    let keys = client
        .raw()
        .list_widget_keys(None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].name, "k");
}

#[tokio::test]
async fn requests_carry_bearer_auth_and_a_user_agent() {
    let (hub, client) = hub_and_client().await;
    client.widget_keys().list().await.unwrap();
    let request = &hub.requests()[0];
    assert!(request.authorized);
    assert!(
        request
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("kataven-rust/"))
    );
}
