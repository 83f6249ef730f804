//! API keys against the mock Hub over real loopback HTTP: every facade
//! method, the session rule, expiry, a minted secret as a credential, and
//! the shared rotation fault tests.

use std::time::Duration;

use crate::rotation::{Subject, every_step_under_every_fault};
use crate::support::hub::json_bodies;
use kataven::mock::{ApiKeyFixture, Fault, MockHub};
use kataven::{ApiKeySecret, Error, RotationState};
use serde_json::json;

const ID: &str = "5d0c6f7e-2b1a-4c3d-8e9f-0a1b2c3d4e5f";

/// A client that authenticates with `secret`.
fn client_with(hub: &MockHub, secret: &ApiKeySecret) -> kataven::Client {
    hub.client_builder()
        .api_key(secret.expose_secret())
        .build()
        .expect("a client")
}

#[tokio::test]
async fn a_session_creates_a_key_uses_it_rotates_it_and_revokes_the_old_one() {
    let hub = MockHub::start().await;
    let session = hub.session_client().expect("a session client");

    // Create: the secret comes back once, as a secret.
    let created = session
        .api_keys()
        .create("ci-deploy-bot")
        .expires_in_days(90)
        .await
        .expect("created");
    let secret = created.secret_key.clone();
    assert!(secret.expose_secret().starts_with("sk_live_acme_"));
    assert_eq!(created.api_key.key_last8, secret.last8());
    assert_eq!(hub.api_keys().issued(), std::slice::from_ref(&secret));
    let lifetime = created
        .api_key
        .expires_at
        .map(|end| end - created.api_key.created_at);
    assert_eq!(lifetime.map(|d| d.num_days()), Some(90));

    // The secret is a credential: it lists, and is marked used.
    let ci = client_with(&hub, &secret);
    assert!(ci.widget_keys().list().await.expect("listed").is_empty());
    let listed = ci.api_keys().list().await.expect("an API key may list");
    assert!(listed[0].last_used_at.is_some());

    // It may not manage keys: the Hub's 403 says to use a session.
    let err = ci.api_keys().create("sneaky").await.unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    let text = err.to_string();
    assert!(text.contains("Requires Hub UI auth"), "{text}");
    assert!(
        text.contains("JWT") && text.contains("account id"),
        "{text}"
    );
    let err = ci.api_keys().revoke(&created.api_key.id).await.unwrap_err();
    assert!(
        err.is_forbidden() && err.to_string().contains("JWT"),
        "{err}"
    );

    // Rotate: same name and expiry length; the old key keeps working.
    let rotated = session
        .api_keys()
        .rotate(&created.api_key.id)
        .await
        .expect("rotated");
    assert_eq!(rotated.previous.id, created.api_key.id);
    assert_eq!(rotated.previous.name, "ci-deploy-bot (being replaced)");
    let replacement = &rotated.replacement;
    assert_eq!(replacement.api_key.name, "ci-deploy-bot");
    let lifetime = replacement
        .api_key
        .expires_at
        .map(|end| end - replacement.api_key.created_at);
    assert_eq!(lifetime.map(|d| d.num_days()), Some(90));
    let new = client_with(&hub, &replacement.secret_key);
    new.widget_keys().list().await.expect("the new key works");
    ci.widget_keys()
        .list()
        .await
        .expect("the old key still works");

    // Revoke the old one: refused at once; the new one still works.
    session
        .api_keys()
        .revoke(&rotated.previous.id)
        .await
        .expect("revoked");
    let err = ci.widget_keys().list().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    new.widget_keys().list().await.expect("the new key works");
}

#[tokio::test]
async fn an_expired_or_revoked_key_is_refused_and_the_hubs_own_key_always_works() {
    let hub = MockHub::start().await;
    for fixture in [
        ApiKeyFixture::new("old").expired(),
        ApiKeyFixture::new("gone").disabled(),
    ] {
        let seeded = hub.api_keys().seed(fixture);
        let err = client_with(&hub, &seeded.secret_key)
            .widget_keys()
            .list()
            .await
            .unwrap_err();
        assert!(err.is_unauthorized(), "{err}");
    }
    let fresh = hub
        .api_keys()
        .seed(ApiKeyFixture::new("fresh").expires_in_days(1));
    client_with(&hub, &fresh.secret_key)
        .widget_keys()
        .list()
        .await
        .expect("an unexpired key works");
    hub.client()
        .expect("a client")
        .api_keys()
        .list()
        .await
        .expect("the Hub's own key lists");
    // The Hub's own key is not one of the listed keys.
    assert_eq!(hub.api_keys().list().len(), 3);
}

#[tokio::test]
async fn create_sends_the_expiry_as_days_and_checks_it_before_sending() {
    let hub = MockHub::start().await;
    let session = hub.session_client().expect("a session client");
    for days in [0, 3651, u32::MAX] {
        let err = session
            .api_keys()
            .create("k")
            .expires_in_days(days)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "expires_in_days",
                    ..
                }
            ),
            "{err}"
        );
    }
    for name in ["", "   "] {
        let err = session.api_keys().create(name).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: "name", .. }),
            "{err}"
        );
    }
    assert!(hub.requests().is_empty(), "nothing may be sent");

    session.api_keys().create("forever").await.expect("created");
    session
        .api_keys()
        .create("month")
        .expires_in_days(30)
        .await
        .expect("created");
    session
        .api_keys()
        .create("decade")
        .expires_in_days(3650)
        .await
        .expect("created");
    assert_eq!(
        json_bodies(&hub, "POST"),
        [
            json!({"name": "forever"}),
            json!({"name": "month", "expiry": "30d"}),
            json!({"name": "decade", "expiry": "3650d"}),
        ]
    );
    let keys = session.api_keys().list().await.expect("listed");
    assert!(keys[0].expires_at.is_none());
    assert!(keys[1].expires_at.is_some());
}

#[tokio::test]
async fn list_never_holds_a_secret_on_the_wire() {
    let hub = MockHub::start().await;
    let session = hub.session_client().expect("a session client");
    let created = session.api_keys().create("k").await.expect("created");
    hub.clear_requests();
    session.api_keys().list().await.expect("listed");
    let wire = kataven::Client::http_client_builder()
        .unwrap()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{}/api/v1/api-keys", hub.base_url()))
        .bearer_auth(created.secret_key.expose_secret())
        .send()
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a body");
    assert!(wire.contains("key_last8"), "{wire}");
    assert!(!wire.contains(created.secret_key.expose_secret()), "{wire}");
    assert!(!wire.contains("secret_key"), "{wire}");
}

#[tokio::test]
async fn update_revoke_and_delete_do_what_the_hub_says() {
    let hub = MockHub::start().await;
    let session = hub.session_client().expect("a session client");
    let keys = session.api_keys();
    let fresh = keys.create("fresh").await.expect("created").api_key;
    let used = hub
        .api_keys()
        .seed(ApiKeyFixture::new("used").used())
        .api_key;

    keys.update(&fresh.id)
        .name("renamed")
        .await
        .expect("renamed");
    keys.revoke(&fresh.id).await.expect("revoked");
    keys.revoke(&fresh.id).await.expect("revoke is idempotent");
    let listed = keys.list().await.expect("listed");
    assert!(
        listed
            .iter()
            .any(|k| k.name == "renamed" && k.is_disabled())
    );
    keys.update(&fresh.id)
        .disabled(false)
        .await
        .expect("re-enabled");
    assert_eq!(
        json_bodies(&hub, "PATCH"),
        [
            json!({"name": "renamed"}),
            json!({"disabled": true}),
            json!({"disabled": true}),
            json!({"disabled": false}),
        ]
    );

    // Delete: a never-used key goes, a used one is disabled.
    keys.delete(&fresh.id).await.expect("deleted");
    keys.delete(&used.id).await.expect("deleted");
    let left = keys.list().await.expect("listed");
    assert_eq!(left.len(), 1);
    assert!(left[0].id == used.id && left[0].is_disabled());

    // Refused before sending: a bad id, nothing to change, an empty name.
    hub.clear_requests();
    let err = keys.delete("not-a-uuid").await.unwrap_err();
    assert!(err.to_string().contains("not an API key id"), "{err}");
    let err = keys.update(&used.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: "update",
                ..
            }
        ),
        "{err}"
    );
    let err = keys.update(&used.id).name(" ").await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "name", .. }),
        "{err}"
    );
    assert!(hub.requests().is_empty());

    // An unknown id: 404, with what it means.
    let err = keys.update(ID).name("x").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("no API key with this id"), "{err}");
}

#[tokio::test]
async fn a_broken_create_body_still_hands_over_the_secret_but_never_prints_it() {
    let hub = MockHub::start().await;
    let session = hub.session_client().expect("a session client");
    let (mut recovered_count, mut lost, mut whole) = (0, 0, 0);
    for cut in [30, 62, 70, 150, 320, 1000] {
        hub.inject_on("POST", "/api/v1/api-keys", Fault::truncated(cut), 1);
        let result = session.api_keys().create("ci-deploy-bot").await;
        let minted = hub.api_keys().issued();
        let secret = minted.last().expect("minted").expose_secret().to_string();
        match result {
            // The cut fell past the body's end.
            Ok(created) => {
                assert_eq!(created.secret_key.expose_secret(), secret);
                whole += 1;
            }
            Err(err) => {
                let shown = format!("{err} {err:?}");
                assert!(!shown.contains(&secret), "the secret leaked: {shown}");
                if let Some(recovered) = err.secret_key() {
                    assert_eq!(recovered.expose_secret(), secret, "cut {cut}");
                    assert!(shown.contains("Error::shown_once"), "{shown}");
                    assert!(err.shown_once().is_some_and(|once| once.is_secret()));
                    assert_eq!(err.public_key(), None);
                    recovered_count += 1;
                } else {
                    assert!(shown.contains("list the API keys"), "{shown}");
                    lost += 1;
                }
            }
        }
    }
    assert!(
        recovered_count > 0 && lost > 0 && whole > 0,
        "{recovered_count} {lost} {whole}"
    );
    // A create that never answered says a key may exist.
    hub.inject_on(
        "POST",
        "/api/v1/api-keys",
        Fault::connection_reset_after_handling(),
        1,
    );
    let err = session.api_keys().create("k").await.unwrap_err();
    assert!(err.is_possibly_applied(), "{err}");
    assert!(err.to_string().contains("may have been created"), "{err}");
}

/// API keys as a rotation subject (the harness is in `rotation.rs`).
struct ApiKeys;

impl Subject for ApiKeys {
    const COLLECTION: &'static str = "/api/v1/api-keys";
    fn client(hub: &MockHub, attempt_timeout: Duration) -> kataven::Client {
        hub.session_client_builder()
            .attempt_timeout(attempt_timeout)
            .build()
            .expect("a client")
    }
    fn seed(hub: &MockHub, name: &str) -> String {
        let fixture = ApiKeyFixture::new(name).expires_in_days(90);
        hub.api_keys().seed(fixture).api_key.id.to_string()
    }
    fn held(hub: &MockHub) -> Vec<(String, String, bool)> {
        hub.api_keys()
            .list()
            .into_iter()
            .map(|k| (k.id.to_string(), k.name.clone(), !k.is_disabled()))
            .collect()
    }
    fn last8(hub: &MockHub, id: &str) -> Option<String> {
        let keys = hub.api_keys().list();
        keys.iter()
            .find(|k| k.id == id)
            .map(|k| k.key_last8.clone())
    }
    fn issued(hub: &MockHub) -> Vec<String> {
        let issued = hub.api_keys().issued();
        issued
            .iter()
            .map(|k| k.expose_secret().to_string())
            .collect()
    }
    async fn rotate(
        client: &kataven::Client,
        id: &str,
    ) -> Result<(String, String, String, String, String), Error> {
        let rotated = client.api_keys().rotate(id).await?;
        let lifetime = rotated
            .replacement
            .api_key
            .expires_at
            .map(|end| (end - rotated.replacement.api_key.created_at).num_days());
        assert_eq!(
            lifetime,
            Some(90),
            "the replacement keeps the expiry length"
        );
        Ok((
            rotated.previous.id.to_string(),
            rotated.previous.name,
            rotated.replacement.api_key.id.to_string(),
            rotated.replacement.api_key.name,
            rotated.replacement.secret_key.expose_secret().to_string(),
        ))
    }
    fn plaintext_in(err: &Error) -> Option<String> {
        err.secret_key().map(|k| k.expose_secret().to_string())
    }
    async fn delete(client: &kataven::Client, id: &str) -> Result<(), Error> {
        client.api_keys().delete(id).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_every_step_under_every_fault() {
    every_step_under_every_fault::<ApiKeys>().await;
}

#[tokio::test]
async fn rotating_with_an_api_key_is_refused_before_anything_changes() {
    let hub = MockHub::start().await;
    let seeded = hub.api_keys().seed(ApiKeyFixture::new("ci"));
    let ci = client_with(&hub, &seeded.secret_key);
    let err = ci.api_keys().rotate(&seeded.api_key.id).await.unwrap_err();
    assert_eq!(
        err.rotation_state(),
        Some(&RotationState::Unchanged),
        "{err}"
    );
    assert!(err.to_string().contains("JWT"), "{err}");
    let names: Vec<String> = hub.api_keys().list().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["ci"]);
    assert!(hub.api_keys().issued().is_empty());
}
