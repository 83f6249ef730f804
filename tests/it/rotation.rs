//! Rotation, for every kind of key: a fault at each step (the first list,
//! the rename, the create, the follow-up list), and after each the Hub's own
//! state is held against what the caller was told. Nothing lost: every
//! plaintext the Hub minted whose key still exists was handed to the caller
//! (as the result, or in the error). Nothing misreported: the error's
//! `RotationState` is what the Hub holds. At most one replacement, and a
//! rerun converges to one rotated key.
//!
//! The harness is generic over [`Subject`]; widget keys are one subject
//! here, API keys another in `api_keys.rs`.

use std::time::Duration;

use kataven::mock::{Fault, MockHub, WidgetKeyFixture};
use kataven::{Error, RotationState};

/// One kind of key, as the harness sees it.
pub trait Subject {
    /// The collection path, for faults.
    const COLLECTION: &'static str;
    /// A client allowed to rotate this kind of key.
    fn client(hub: &MockHub, attempt_timeout: Duration) -> kataven::Client;
    /// Seeds an enabled key named `name` and returns its id.
    fn seed(hub: &MockHub, name: &str) -> String;
    /// The keys the Hub holds: id, name, enabled.
    fn held(hub: &MockHub) -> Vec<(String, String, bool)>;
    /// The last 8 characters the Hub shows for the key `id`.
    fn last8(hub: &MockHub, id: &str) -> Option<String>;
    /// Every plaintext the Hub's creates minted, in order.
    fn issued(hub: &MockHub) -> Vec<String>;
    /// Rotates `id`: (previous id, previous name, replacement id,
    /// replacement name, replacement plaintext).
    async fn rotate(
        client: &kataven::Client,
        id: &str,
    ) -> Result<(String, String, String, String, String), Error>;
    /// The plaintext of this kind a failed call still holds.
    fn plaintext_in(err: &Error) -> Option<String>;
    /// Deletes the key `id` through the SDK.
    async fn delete(client: &kataven::Client, id: &str) -> Result<(), Error>;
}

/// Where a fault is put.
#[derive(Clone, Copy, Debug)]
enum Step {
    FirstList,
    Rename,
    Create,
    /// The create answers with a broken connection and the list after it
    /// fails: the one state the SDK cannot settle itself.
    CreateThenList,
}

fn faults() -> Vec<Fault> {
    let mut faults = vec![
        Fault::status(500),
        Fault::status(400),
        Fault::rate_limited(Duration::ZERO),
        Fault::connection_reset(),
        Fault::connection_reset_after_handling(),
        Fault::stalled(0),
        Fault::stalled(40),
        Fault::respond(201, "application/json", "{not json"),
    ];
    faults.extend([0, 1, 20, 60, 120, 200, 260, 300, 400].map(Fault::truncated));
    faults
}

const NAME: &str = "production";

/// Runs every step under every fault for `S`, and a rerun after each.
pub async fn every_step_under_every_fault<S: Subject>() {
    let mut failures = Vec::new();
    for step in [
        Step::FirstList,
        Step::Rename,
        Step::Create,
        Step::CreateThenList,
    ] {
        for fault in faults() {
            if let Err(problem) = one_case::<S>(step, fault.clone()).await {
                failures.push(format!("{step:?} × {fault:?}: {problem}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn one_case<S: Subject>(step: Step, fault: Fault) -> Result<(), String> {
    let hub = MockHub::start().await;
    let client = S::client(&hub, Duration::from_millis(300));
    let id = S::seed(&hub, NAME);
    let item = format!("{}/{{id}}", S::COLLECTION);
    match step {
        Step::FirstList => hub.inject_on("GET", S::COLLECTION, fault, 1),
        Step::Rename => hub.inject_on("PATCH", &item, fault, 1),
        Step::Create => hub.inject_on("POST", S::COLLECTION, fault, 1),
        Step::CreateThenList => {
            hub.inject_on(
                "POST",
                S::COLLECTION,
                Fault::connection_reset_after_handling(),
                1,
            );
            // The first list passes (a zero delay), every later one fails.
            hub.inject_on("GET", S::COLLECTION, Fault::delay(Duration::ZERO), 1);
            hub.inject_on("GET", S::COLLECTION, fault, 100);
        }
    }
    let first = S::rotate(&client, &id).await;
    let mut told = Vec::new();
    judge::<S>(&hub, &id, &first, &mut told)?;

    // A rerun, with the Hub healthy again, converges.
    hub.clear_faults();
    if let Err(err) = &first
        && let Some(RotationState::ReplacementUnknown { name }) = err.rotation_state()
    {
        // What the state says to do: delete the key of that name other
        // than this one, then rerun.
        let orphans: Vec<String> = S::held(&hub)
            .into_iter()
            .filter(|(other, n, _)| *other != id && n == name)
            .map(|(other, ..)| other)
            .collect();
        for orphan in orphans {
            delete::<S>(&client, &orphan).await?;
        }
    }
    let second = S::rotate(&client, &id).await;
    judge::<S>(&hub, &id, &second, &mut told)?;
    match (&first, &second) {
        (Ok(_), Err(err)) | (Err(_), Err(err))
            if matches!(
                err.rotation_state(),
                Some(RotationState::AlreadyRotated { .. })
            ) => {}
        (Err(_), Ok(_)) => {}
        (first, second) => {
            return Err(format!(
                "the rerun did not converge: first {first:?}, then {second:?}"
            ));
        }
    }
    // In the end: one replacement, the previous key marked and enabled.
    let held = S::held(&hub);
    let replacements: Vec<_> = held
        .iter()
        .filter(|(k, n, _)| *k != id && n == NAME)
        .collect();
    if replacements.len() != 1 {
        return Err(format!(
            "{} replacements in the end: {held:?}",
            replacements.len()
        ));
    }
    let previous = held.iter().find(|(k, ..)| *k == id);
    if previous.map(|(_, n, on)| (n.as_str(), *on)) != Some(("production (being replaced)", true)) {
        return Err(format!(
            "the previous key is not marked and enabled: {held:?}"
        ));
    }
    Ok(())
}

async fn delete<S: Subject>(client: &kataven::Client, id: &str) -> Result<(), String> {
    S::delete(client, id)
        .await
        .map_err(|err| format!("deleting the orphan failed: {err}"))
}

/// Holds one rotation's outcome against the Hub. `told` gathers every
/// plaintext the caller was handed.
fn judge<S: Subject>(
    hub: &MockHub,
    id: &str,
    outcome: &Result<(String, String, String, String, String), Error>,
    told: &mut Vec<String>,
) -> Result<(), String> {
    let held = S::held(hub);
    let replacements: Vec<&(String, String, bool)> = held
        .iter()
        .filter(|(k, n, _)| k != id && n == NAME)
        .collect();
    if replacements.len() > 1 {
        return Err(format!("two replacements: {held:?}"));
    }
    let previous = held
        .iter()
        .find(|(k, ..)| k == id)
        .ok_or_else(|| format!("the previous key is gone: {held:?}"))?;
    if !previous.2 {
        return Err(format!("the previous key was disabled: {held:?}"));
    }
    match outcome {
        Ok((prev_id, prev_name, new_id, new_name, plaintext)) => {
            if prev_id != id || prev_name != "production (being replaced)" || new_name != NAME {
                return Err(format!("wrong rotation result: {outcome:?}"));
            }
            if previous.1 != *prev_name {
                return Err(format!(
                    "the previous key is not named as reported: {held:?}"
                ));
            }
            if replacements.first().map(|r| &r.0) != Some(new_id) {
                return Err(format!(
                    "the reported replacement is not the Hub's: {held:?}"
                ));
            }
            if S::last8(hub, new_id).as_deref() != Some(last8(plaintext)) {
                return Err("the plaintext returned is not the replacement's".to_string());
            }
            told.push(plaintext.clone());
        }
        Err(err) => {
            let Some(state) = err.rotation_state() else {
                return Err(format!("not a rotation error: {err:?}"));
            };
            let text = format!("{err}");
            if let Some(plaintext) = S::plaintext_in(err) {
                told.push(plaintext);
            }
            match state {
                RotationState::Unchanged => {
                    if previous.1 != NAME || !replacements.is_empty() {
                        return Err(format!("told Unchanged, the Hub holds {held:?} ({text})"));
                    }
                }
                RotationState::PreviousMarked { name } => {
                    if previous.1 != *name || !replacements.is_empty() {
                        return Err(format!("told {state:?}, the Hub holds {held:?} ({text})"));
                    }
                }
                RotationState::PreviousMaybeMarked => {
                    if !replacements.is_empty() {
                        return Err(format!("told {state:?}, the Hub holds {held:?} ({text})"));
                    }
                }
                RotationState::ReplacementRecovered => {
                    let Some(new) = replacements.first() else {
                        return Err(format!("told {state:?}, no replacement: {held:?}"));
                    };
                    let plaintext = S::plaintext_in(err).unwrap_or_default();
                    if S::last8(hub, &new.0).as_deref() != Some(last8(&plaintext)) {
                        return Err(format!(
                            "the recovered plaintext is not the replacement's ({text})"
                        ));
                    }
                }
                RotationState::ReplacementUnknown { name } => {
                    if name != NAME || !err.is_possibly_applied() {
                        return Err(format!("told {state:?} ({text})"));
                    }
                }
                RotationState::AlreadyRotated { replacement } => {
                    if replacements.first().map(|r| &r.0) != Some(replacement) {
                        return Err(format!("told {state:?}, the Hub holds {held:?}"));
                    }
                }
                other => return Err(format!("unexpected state {other:?}")),
            }
            if text.is_empty() {
                return Err("an empty message".to_string());
            }
        }
    }
    // Nothing lost: every minted key that still exists was handed over
    // (an orphan whose plaintext was lost is deleted, or named in the
    // error as ReplacementUnknown for the caller to delete).
    let unknown = matches!(
        outcome.as_ref().err().and_then(Error::rotation_state),
        Some(RotationState::ReplacementUnknown { .. })
    );
    for plaintext in S::issued(hub) {
        let exists = held
            .iter()
            .any(|(k, ..)| S::last8(hub, k).as_deref() == Some(last8(&plaintext)));
        if exists && !told.contains(&plaintext) && !unknown {
            return Err(format!(
                "a minted key exists whose plaintext the caller never got: {held:?}"
            ));
        }
    }
    Ok(())
}

fn last8(text: &str) -> &str {
    &text[text.len().saturating_sub(8)..]
}

/// Widget keys as a rotation subject.
struct WidgetKeys;

impl Subject for WidgetKeys {
    const COLLECTION: &'static str = "/api/v1/widget-keys";
    fn client(hub: &MockHub, attempt_timeout: Duration) -> kataven::Client {
        hub.client_builder()
            .attempt_timeout(attempt_timeout)
            .build()
            .expect("a client")
    }
    fn seed(hub: &MockHub, name: &str) -> String {
        let fixture = WidgetKeyFixture::new(name)
            .domain_allowlist(["acme.com", "*.acme.com"])
            .agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z");
        hub.widget_keys().seed(fixture).widget_key.id.to_string()
    }
    fn held(hub: &MockHub) -> Vec<(String, String, bool)> {
        hub.widget_keys()
            .list()
            .into_iter()
            .map(|k| (k.id.to_string(), k.name.clone(), !k.is_disabled()))
            .collect()
    }
    fn last8(hub: &MockHub, id: &str) -> Option<String> {
        let keys = hub.widget_keys().list();
        keys.iter()
            .find(|k| k.id == id)
            .map(|k| k.key_last8.clone())
    }
    fn issued(hub: &MockHub) -> Vec<String> {
        hub.widget_keys()
            .issued()
            .iter()
            .map(|k| k.to_string())
            .collect()
    }
    async fn rotate(
        client: &kataven::Client,
        id: &str,
    ) -> Result<(String, String, String, String, String), Error> {
        let rotated = client.widget_keys().rotate(id).await?;
        Ok((
            rotated.previous.id.to_string(),
            rotated.previous.name,
            rotated.replacement.widget_key.id.to_string(),
            rotated.replacement.widget_key.name,
            rotated.replacement.public_key.to_string(),
        ))
    }
    fn plaintext_in(err: &Error) -> Option<String> {
        err.public_key().map(|k| k.to_string())
    }
    async fn delete(client: &kataven::Client, id: &str) -> Result<(), Error> {
        client.widget_keys().delete(id).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_keys_every_step_under_every_fault() {
    every_step_under_every_fault::<WidgetKeys>().await;
}

#[tokio::test]
async fn a_widget_key_rotates_with_its_settings_and_the_old_key_keeps_working() {
    let hub = MockHub::start().await;
    let client = hub.client().expect("a client");
    let id = WidgetKeys::seed(&hub, NAME);
    let rotated = client.widget_keys().rotate(&id).await.expect("rotated");
    let (previous, replacement) = (rotated.previous, rotated.replacement);
    assert_eq!(previous.id, id.as_str());
    assert_eq!(previous.name, "production (being replaced)");
    assert!(!previous.is_disabled());
    let new = &replacement.widget_key;
    assert_eq!(new.name, NAME);
    assert_eq!(new.domain_allowlist, ["acme.com", "*.acme.com"]);
    assert_eq!(
        new.agent_id.as_deref(),
        Some("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
    );
    assert_eq!(
        hub.widget_keys().issued(),
        std::slice::from_ref(&replacement.public_key)
    );
    // Both keys work until the caller revokes the previous one.
    let held = hub.widget_keys().list();
    assert_eq!(held.len(), 2);
    assert!(held.iter().all(|k| !k.is_disabled()));
    client
        .widget_keys()
        .revoke(&previous.id)
        .await
        .expect("revoked");
    let held = hub.widget_keys().list();
    assert!(
        held.iter()
            .find(|k| k.id == previous.id)
            .is_some_and(|k| k.is_disabled())
    );
}

#[tokio::test]
async fn rotation_refuses_what_it_cannot_do_cleanly_before_changing_anything() {
    let hub = MockHub::start().await;
    let client = hub.client().expect("a client");
    // An id that is not one.
    let err = client.widget_keys().rotate("nope").await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "id", .. }),
        "{err}"
    );
    // No such key.
    let err = client
        .widget_keys()
        .rotate("0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90")
        .await
        .unwrap_err();
    assert_eq!(
        err.rotation_state(),
        Some(&RotationState::Unchanged),
        "{err}"
    );
    assert!(err.to_string().contains("no key with this id"), "{err}");
    // A revoked key.
    let revoked = hub
        .widget_keys()
        .seed(WidgetKeyFixture::new("old").disabled())
        .widget_key;
    let err = client.widget_keys().rotate(&revoked.id).await.unwrap_err();
    assert_eq!(
        err.rotation_state(),
        Some(&RotationState::Unchanged),
        "{err}"
    );
    // Another enabled key with the same name: the replacement could not be
    // told apart from it.
    let a = WidgetKeys::seed(&hub, "twin");
    WidgetKeys::seed(&hub, "twin");
    let err = client.widget_keys().rotate(&a).await.unwrap_err();
    assert_eq!(
        err.rotation_state(),
        Some(&RotationState::Unchanged),
        "{err}"
    );
    assert!(err.to_string().contains("another enabled key"), "{err}");
    // A stored allowlist entry the SDK would refuse to send.
    let bad = hub
        .widget_keys()
        .seed(WidgetKeyFixture::new("bad").domain_allowlist(["*.co.uk"]))
        .widget_key;
    let err = client.widget_keys().rotate(&bad.id).await.unwrap_err();
    assert_eq!(
        err.rotation_state(),
        Some(&RotationState::Unchanged),
        "{err}"
    );
    // None of it wrote anything.
    assert!(hub.requests().iter().all(|r| r.method == "GET"));
    assert!(hub.widget_keys().issued().is_empty());
}

#[tokio::test]
async fn a_rerun_after_a_finished_rotation_mints_nothing() {
    let hub = MockHub::start().await;
    let client = hub.client().expect("a client");
    let id = WidgetKeys::seed(&hub, NAME);
    let rotated = client.widget_keys().rotate(&id).await.expect("rotated");
    let err = client.widget_keys().rotate(&id).await.unwrap_err();
    assert_eq!(
        err.rotation_state(),
        Some(&RotationState::AlreadyRotated {
            replacement: rotated.replacement.widget_key.id.to_string()
        }),
        "{err}"
    );
    assert_eq!(hub.widget_keys().issued().len(), 1);
}

#[tokio::test]
async fn a_rotation_can_run_on_a_spawned_task() {
    // tokio::spawn needs a Send future: apps rotate from background jobs.
    let hub = MockHub::start().await;
    let client = hub.client().expect("a client");
    let id = WidgetKeys::seed(&hub, NAME);
    let task = tokio::spawn(async move { client.widget_keys().rotate(&id).await.map(drop) });
    task.await.expect("the task ran").expect("rotated");
}
