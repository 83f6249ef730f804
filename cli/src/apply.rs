//! `kataven widget-keys apply`: run the plan, step by step, saving each new
//! plaintext key before the next step, and say what was done.

use std::collections::HashSet;

use kataven::{Client, PublicKey, WidgetKeyId};
use serde_json::{Value, json};

use crate::args::ApplyArgs;
use crate::desired::DesiredKey;
use crate::keys_out::KeysFile;
use crate::output::{self, CliError, Out, Status, quote};
use crate::plan::{self, Change};

/// What has been done so far: for the summary, the JSON document and, when
/// a step fails, the notes that say what happened before it.
#[derive(Default)]
struct Log {
    steps: Vec<Value>,
    done: Vec<String>,
    /// Every key minted, and whether it is in the keys file.
    minted: Vec<(String, PublicKey, bool)>,
    created: usize,
    updated: usize,
    /// Keys a delete was sent for: (id, name, expected to be kept disabled).
    deleted: Vec<(WidgetKeyId, String, bool)>,
}

pub async fn apply(
    client: &Client,
    out: &Out,
    desired: Vec<DesiredKey>,
    args: ApplyArgs,
) -> Result<Status, CliError> {
    let mut keys_file = args.keys_out.as_deref().map(KeysFile::load).transpose()?;
    let current = client.widget_keys().list().await?;
    let plan = plan::plan(desired, &current, args.prune)?;
    if !out.is_json() {
        for warning in plan.warnings() {
            output::warn(warning);
        }
        out.text(&plan.render())?;
    }
    if plan.is_empty() {
        if out.is_json() {
            out.json(&json!({"plan": plan.to_json(), "applied": [], "complete": true}))?;
        }
        return Ok(Status::Success);
    }
    if !out.is_json() {
        out.line("")?;
    }

    let mut log = Log::default();
    let mut result = run_steps(client, out, &plan.changes, keys_file.as_mut(), &mut log).await;
    if result.is_ok() {
        result = report_deletes(client, out, &mut log).await;
    }
    let complete = result.is_ok();
    let printed = if out.is_json() {
        out.json(&json!({
            "plan": plan.to_json(),
            "applied": log.steps,
            "complete": complete,
        }))
    } else if complete {
        let kept = log.deleted.iter().filter(|(_, _, kept)| *kept).count();
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
        (Err(err), _) | (Ok(()), Err(err)) => Err(with_notes(err, &log, keys_file.as_ref())),
    }
}

/// What the user must know after a failure: what was applied, and where
/// each key minted so far is (it is shown only once).
fn with_notes(err: CliError, log: &Log, keys_file: Option<&KeysFile>) -> CliError {
    let mut notes = Vec::new();
    if matches!(err, CliError::StdoutClosed) {
        notes.push("stdout was closed, so apply stopped before its next step".to_string());
    }
    if log.done.is_empty() {
        notes.push("nothing was applied".to_string());
    } else {
        notes.push(format!(
            "applied before the failure: {}",
            log.done.join(", ")
        ));
    }
    for (name, key, saved) in &log.minted {
        match keys_file.filter(|_| *saved) {
            Some(file) => notes.push(format!(
                "the new key of {} is saved in {}",
                quote(name),
                file.path().display()
            )),
            None => notes.push(format!(
                "the new key of {} is {key}: store it now, the Hub will not show it again",
                quote(name)
            )),
        }
    }
    notes.push("run apply again to finish: it plans from what the Hub holds now".to_string());
    CliError::WithNotes(Box::new(err), notes)
}

async fn run_steps(
    client: &Client,
    out: &Out,
    changes: &[Change],
    mut keys_file: Option<&mut KeysFile>,
    log: &mut Log,
) -> Result<(), CliError> {
    let keys = client.widget_keys();
    for change in changes {
        match change {
            Change::Create { desired } => {
                let mut request = keys
                    .create(&desired.name)
                    .domain_allowlist(desired.domain_allowlist.clone());
                if let Some(agent) = &desired.agent_id {
                    request = request.agent_id(agent);
                }
                let created = match request.await {
                    Ok(created) => created,
                    Err(err) => {
                        // Created, but the answer did not decode: keep the key.
                        if let Some(key) = err.public_key() {
                            log.minted.push((desired.name.clone(), key, false));
                            save_last(keys_file.as_deref_mut(), log)?;
                        }
                        return Err(err.into());
                    }
                };
                log.minted
                    .push((desired.name.clone(), created.public_key.clone(), false));
                log.created = log.created.saturating_add(1);
                log.done.push(format!("created {}", quote(&desired.name)));
                let saved = save_last(keys_file.as_deref_mut(), log)?;
                log.steps.push(json!({
                    "action": "create",
                    "name": desired.name,
                    "widget_key": created,
                    "saved_to": saved,
                }));
                if !out.is_json() {
                    out.line(format!(
                        "+ created {} (id {})",
                        quote(&desired.name),
                        created.widget_key.id
                    ))?;
                    out.line(format!("    public key: {}", created.public_key))?;
                    if let Some(path) = &saved {
                        out.line(format!("    saved to {path}"))?;
                    }
                }
                if desired.disabled {
                    keys.update(created.widget_key.id.as_str())
                        .disabled(true)
                        .await?;
                    log.done.push(format!("disabled {}", quote(&desired.name)));
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
                request.await?;
                log.updated = log.updated.saturating_add(1);
                log.done.push(format!("updated {}", quote(&desired.name)));
                log.steps.push(json!({
                    "action": "update",
                    "name": desired.name,
                    "id": current.id,
                }));
                if !out.is_json() {
                    out.line(format!("~ updated {}", quote(&desired.name)))?;
                }
            }
            Change::Delete { current } => {
                keys.delete(current.id.as_str()).await?;
                log.done.push(format!("deleted {}", quote(&current.name)));
                log.deleted.push((
                    current.id.clone(),
                    current.name.clone(),
                    current.last_used_at.is_some(),
                ));
            }
        }
    }
    Ok(())
}

/// Saves the key minted last into the keys file, if there is one, and
/// returns the file's path.
fn save_last(keys_file: Option<&mut KeysFile>, log: &mut Log) -> Result<Option<String>, CliError> {
    let (Some(file), Some((name, key, saved))) = (keys_file, log.minted.last_mut()) else {
        return Ok(None);
    };
    file.save(name, key)?;
    *saved = true;
    Ok(Some(file.path().display().to_string()))
}

/// Says what the Hub did with each delete, from a list after them: a
/// never-used key is gone, a used one is kept disabled.
async fn report_deletes(client: &Client, out: &Out, log: &mut Log) -> Result<(), CliError> {
    if log.deleted.is_empty() {
        return Ok(());
    }
    let remaining: HashSet<WidgetKeyId> = client
        .widget_keys()
        .list()
        .await?
        .into_iter()
        .map(|key| key.id)
        .collect();
    for (id, name, kept) in &mut log.deleted {
        *kept = remaining.contains(id);
        let outcome = if *kept { "disabled" } else { "deleted" };
        log.steps.push(json!({
            "action": "delete",
            "name": name,
            "id": id,
            "outcome": outcome,
        }));
        if !out.is_json() {
            if *kept {
                out.line(format!(
                    "- disabled {} (soft delete: it has been used)",
                    quote(name)
                ))?;
            } else {
                out.line(format!("- deleted {}", quote(name)))?;
            }
        }
    }
    Ok(())
}
