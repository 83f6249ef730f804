//! Running a plan, step by step, keeping each new plaintext key before the
//! next step, and saying what was done, and what may have been.

use std::collections::HashSet;

use kataven::Client;
use serde_json::{Value, json};

use super::plan::{Change, Plan};
use crate::keep::{self, Minted};
use crate::keys_file::{KeysFile, Kind};
use crate::output::{CliError, Doing, Out, Status, quote};

/// What has been done so far: for the summary, the JSON document and, when
/// a step fails, the notes that say what happened before it.
#[derive(Default)]
struct Log {
    steps: Vec<Value>,
    done: Vec<String>,
    /// Notes about every key minted: where its plaintext is.
    minted: Vec<String>,
    created: usize,
    updated: usize,
    /// Keys a delete was sent for: (kind, id, name, kept disabled).
    deleted: Vec<(Kind, String, String, bool)>,
    /// Whether a step's outcome is unknown (it may have been applied).
    unknown: bool,
}

/// Runs `plan` (already shown and approved) and prints what was done.
pub async fn run(
    client: &Client,
    out: &Out,
    plan: &Plan,
    keys_file: Option<&KeysFile>,
) -> Result<Status, CliError> {
    let mut log = Log::default();
    let mut result = run_steps(client, out, &plan.changes, keys_file, &mut log).await;
    if result.is_ok() {
        result = report_deletes(client, out, &mut log).await;
    }
    let complete = result.is_ok();
    let printed = if out.is_json() {
        out.json(json!({
            "plan": plan.to_json(),
            "applied": log.steps,
            "complete": complete,
        }))
    } else if complete {
        let kept = log.deleted.iter().filter(|d| d.3).count();
        let kept = match kept {
            0 => String::new(),
            n => format!(" ({n} only disabled: used keys are kept)"),
        };
        out.line(format!(
            "\nApply complete: {} created, {} updated, {} deleted{kept}.",
            log.created,
            log.updated,
            log.deleted.len(),
        ))
    } else {
        Ok(())
    };
    match (result, printed) {
        (Ok(()), Ok(())) => Ok(Status::Success),
        (Err(err), _) | (Ok(()), Err(err)) => Err(with_notes(err, &log)),
    }
}

/// What the user must know after a failure: what was applied, and where
/// each key minted so far is (it is shown only once).
fn with_notes(err: CliError, log: &Log) -> CliError {
    let mut notes = Vec::new();
    if matches!(err, CliError::StdoutClosed) {
        notes.push("stdout was closed, so apply stopped before its next step".to_string());
    }
    if log.done.is_empty() && log.unknown {
        notes.push("nothing was applied for certain".to_string());
    } else if log.done.is_empty() {
        notes.push("nothing was applied".to_string());
    } else {
        notes.push(format!(
            "applied before the failure: {}",
            log.done.join(", ")
        ));
    }
    notes.extend(log.minted.iter().cloned());
    notes.push("run apply again to finish: it plans from what the Hub holds now".to_string());
    err.with_notes(notes)
}

/// The note of a create whose outcome is unknown: a key may exist that
/// nobody holds the plaintext of.
fn maybe_created_note(kind: Kind, name: &str) -> String {
    format!(
        "the create of {} {} may have been applied although it failed: a key of that name may now exist whose plaintext nobody has. The next plan (with --keys-out) warns about it; revoke or delete it (kataven {} list)",
        kind.words(),
        quote(name),
        match kind {
            Kind::Widget => "widget-keys",
            Kind::Api => "api-keys",
        }
    )
}

/// A failed create: the plaintext the error still held is kept; an
/// unknown outcome is said.
fn failed_create(
    out: &Out,
    keys_file: Option<&KeysFile>,
    log: &mut Log,
    kind: Kind,
    name: &str,
    err: kataven::Error,
) -> CliError {
    let plaintext = match kind {
        Kind::Widget => err.public_key().map(|k| k.as_str().to_string()),
        Kind::Api => err.secret_key().map(|k| k.expose_secret().to_string()),
    };
    if let Some(plaintext) = plaintext {
        let minted = Minted {
            kind,
            name,
            id: "",
            plaintext: &plaintext,
        };
        // In the document before the save: a widget key is then on stdout
        // (JSON) even if the save fails. A secret never is.
        let mut step = json!({
            "action": "create",
            "kind": kind_json(kind),
            "name": name,
            "outcome": "created",
            "complete": false,
        });
        if kind == Kind::Widget {
            step["public_key"] = json!(plaintext);
        }
        let kept = keep::keep(out, keys_file, minted, kind == Kind::Widget, "    ");
        let saved = match kept {
            Ok(kept) => {
                if let Some(err) = kept.save_failed {
                    log.minted.extend(err.into_notes());
                }
                kept.saved_to
            }
            Err(err) => {
                log.minted.extend(err.into_notes());
                None
            }
        };
        step["saved_to"] = json!(saved);
        log.steps.push(step);
        log.minted.push(keep::lost_note(minted, saved.as_deref()));
        log.done.push(format!("created {}", quote(name)));
    } else if err.is_possibly_applied() {
        log.unknown = true;
        log.minted.push(maybe_created_note(kind, name));
        log.steps.push(json!({
            "action": "create",
            "kind": kind_json(kind),
            "name": name,
            "outcome": "unknown",
        }));
    }
    CliError::hub(format!("creating {} {}", kind.words(), quote(name)), err)
}

fn kind_json(kind: Kind) -> &'static str {
    match kind {
        Kind::Widget => "widget_key",
        Kind::Api => "api_key",
    }
}

async fn run_steps(
    client: &Client,
    out: &Out,
    changes: &[Change],
    keys_file: Option<&KeysFile>,
    log: &mut Log,
) -> Result<(), CliError> {
    let keys = client.widget_keys();
    let api_keys = client.api_keys();
    for change in changes {
        match change {
            Change::Create { desired } => {
                let name = &desired.name;
                let mut request = keys
                    .create(name)
                    .domain_allowlist(desired.domain_allowlist.clone());
                if let Some(agent) = &desired.agent_id {
                    request = request.agent_id(agent);
                }
                let created = match request.await {
                    Ok(created) => created,
                    Err(err) => {
                        return Err(failed_create(out, keys_file, log, Kind::Widget, name, err));
                    }
                };
                let id = created.widget_key.id.to_string();
                let minted = Minted {
                    kind: Kind::Widget,
                    name,
                    id: &id,
                    plaintext: created.public_key.as_str(),
                };
                log.created = log.created.saturating_add(1);
                log.done.push(format!("created {}", quote(name)));
                if !out.is_json() {
                    out.line(format!("+ created {} (id {id})", quote(name)))
                        .inspect_err(|_| {
                            let saved = keep::save_only(keys_file, minted);
                            log.minted.push(keep::lost_note(minted, saved.as_deref()));
                        })?;
                }
                // The step (holding the public key) is in the JSON document
                // before the save, so a failed save still leaves it on stdout.
                log.steps.push(json!({
                    "action": "create",
                    "kind": "widget_key",
                    "name": name,
                    "widget_key": created,
                    "saved_to": null,
                }));
                let kept = keep::keep(out, keys_file, minted, true, "    ")?;
                if let Some(step) = log.steps.last_mut() {
                    step["saved_to"] = json!(kept.saved_to);
                }
                if let Some(err) = kept.save_failed {
                    // JSON mode: the key is in the document, and here.
                    log.minted.push(keep::lost_note(minted, None));
                    return Err(err);
                }
                log.minted
                    .push(keep::lost_note(minted, kept.saved_to.as_deref()));
                if desired.disabled {
                    keys.update(&id)
                        .disabled(true)
                        .await
                        .doing(|| format!("disabling widget key {}", quote(name)))?;
                    log.done.push(format!("disabled {}", quote(name)));
                    if !out.is_json() {
                        out.line("    disabled")?;
                    }
                }
            }
            Change::CreateApi { desired } => {
                let name = &desired.name;
                let mut request = api_keys.create(name);
                if let Some(days) = desired.expires_in_days {
                    request = request.expires_in_days(days);
                }
                let created = match request.await {
                    Ok(created) => created,
                    Err(err) => {
                        return Err(failed_create(out, keys_file, log, Kind::Api, name, err));
                    }
                };
                let id = created.api_key.id.to_string();
                let minted = Minted {
                    kind: Kind::Api,
                    name,
                    id: &id,
                    plaintext: created.secret_key.expose_secret(),
                };
                log.created = log.created.saturating_add(1);
                log.done.push(format!("created API key {}", quote(name)));
                if !out.is_json() {
                    out.line(format!("+ created API key {} (id {id})", quote(name)))
                        .inspect_err(|_| {
                            let saved = keep::save_only(keys_file, minted);
                            log.minted.push(keep::lost_note(minted, saved.as_deref()));
                        })?;
                }
                // Secrets go to the keys file only (apply checked there is one).
                let kept = keep::keep(out, keys_file, minted, false, "    ")?;
                log.steps.push(json!({
                    "action": "create",
                    "kind": "api_key",
                    "name": name,
                    "api_key": created.api_key,
                    "saved_to": kept.saved_to,
                }));
                if let Some(err) = kept.save_failed {
                    log.minted.push(keep::lost_note(minted, None));
                    return Err(err);
                }
                log.minted
                    .push(keep::lost_note(minted, kept.saved_to.as_deref()));
                if desired.disabled {
                    api_keys
                        .update(&id)
                        .disabled(true)
                        .await
                        .doing(|| format!("disabling API key {}", quote(name)))?;
                    log.done.push(format!("disabled API key {}", quote(name)));
                    if !out.is_json() {
                        out.line("    disabled")?;
                    }
                }
            }
            Change::Update {
                current,
                desired,
                diff,
            } => {
                let mut request = keys.update(current.id.as_str());
                if let Some((_, to)) = &diff.domain_allowlist {
                    request = request.domain_allowlist(to.clone());
                }
                match &diff.agent_id {
                    Some((_, Some(agent))) => request = request.agent_id(agent),
                    Some((_, None)) => request = request.clear_agent_id(),
                    None => {}
                }
                if let Some((_, to)) = diff.disabled {
                    request = request.disabled(to);
                }
                request
                    .await
                    .doing(|| format!("updating widget key {}", quote(&desired.name)))?;
                log.updated = log.updated.saturating_add(1);
                log.done.push(format!("updated {}", quote(&desired.name)));
                log.steps.push(json!({
                    "action": "update",
                    "kind": "widget_key",
                    "name": desired.name,
                    "id": current.id,
                }));
                if !out.is_json() {
                    out.line(format!("~ updated {}", quote(&desired.name)))?;
                }
            }
            Change::UpdateApi { current, desired } => {
                api_keys
                    .update(current.id.as_str())
                    .disabled(desired.disabled)
                    .await
                    .doing(|| format!("updating API key {}", quote(&desired.name)))?;
                log.updated = log.updated.saturating_add(1);
                log.done
                    .push(format!("updated API key {}", quote(&desired.name)));
                log.steps.push(json!({
                    "action": "update",
                    "kind": "api_key",
                    "name": desired.name,
                    "id": current.id,
                }));
                if !out.is_json() {
                    out.line(format!("~ updated API key {}", quote(&desired.name)))?;
                }
            }
            Change::Delete { current } => {
                keys.delete(current.id.as_str())
                    .await
                    .doing(|| format!("deleting widget key {}", quote(&current.name)))?;
                log.done.push(format!("deleted {}", quote(&current.name)));
                log.deleted.push((
                    Kind::Widget,
                    current.id.to_string(),
                    current.name.clone(),
                    current.last_used_at.is_some(),
                ));
            }
            Change::DeleteApi { current } => {
                api_keys
                    .delete(current.id.as_str())
                    .await
                    .doing(|| format!("deleting API key {}", quote(&current.name)))?;
                log.done
                    .push(format!("deleted API key {}", quote(&current.name)));
                log.deleted.push((
                    Kind::Api,
                    current.id.to_string(),
                    current.name.clone(),
                    current.last_used_at.is_some(),
                ));
            }
        }
    }
    Ok(())
}

/// Says what the Hub did with each delete, from a list after them: a
/// never-used key is gone, a used one is kept disabled.
async fn report_deletes(client: &Client, out: &Out, log: &mut Log) -> Result<(), CliError> {
    if log.deleted.is_empty() {
        return Ok(());
    }
    let mut remaining: HashSet<String> = HashSet::new();
    if log.deleted.iter().any(|d| d.0 == Kind::Widget) {
        remaining.extend(
            crate::widget_keys::list(client)
                .await?
                .into_iter()
                .map(|key| key.id.to_string()),
        );
    }
    if log.deleted.iter().any(|d| d.0 == Kind::Api) {
        remaining.extend(
            crate::api_keys::list(client)
                .await?
                .into_iter()
                .map(|key| key.id.to_string()),
        );
    }
    for (kind, id, name, kept) in &mut log.deleted {
        *kept = remaining.contains(id.as_str());
        let outcome = if *kept { "disabled" } else { "deleted" };
        log.steps.push(json!({
            "action": "delete",
            "kind": kind_json(*kind),
            "name": name,
            "id": id,
            "outcome": outcome,
        }));
        if !out.is_json() {
            let what = match kind {
                Kind::Widget => quote(name),
                Kind::Api => format!("API key {}", quote(name)),
            };
            if *kept {
                out.line(format!("- disabled {what} (soft delete: it has been used)"))?;
            } else {
                out.line(format!("- deleted {what}"))?;
            }
        }
    }
    Ok(())
}
