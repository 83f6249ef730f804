//! `kataven widget-keys ...`: list, create, update, revoke, delete, plan.

use kataven::{Client, CreatedWidgetKey, WidgetKey};
use serde_json::json;

use crate::args::{CreateArgs, UpdateArgs, WidgetKeysCommand};
use crate::desired::DesiredKey;
use crate::keys_out::KeysFile;
use crate::output::{self, CliError, Out, Status, quote, table, when};
use crate::{apply, plan};

pub async fn run(
    client: &Client,
    out: &Out,
    command: WidgetKeysCommand,
    desired: Option<Vec<DesiredKey>>,
) -> Result<Status, CliError> {
    match command {
        WidgetKeysCommand::List => {
            let keys = client.widget_keys().list().await?;
            if out.is_json() {
                out.json(&keys)?;
            } else if keys.is_empty() {
                out.line("No widget keys.")?;
            } else {
                out.text(&key_table(&keys))?;
            }
            Ok(Status::Success)
        }
        WidgetKeysCommand::Create(args) => create(client, out, args).await,
        WidgetKeysCommand::Update(args) => update(client, out, args).await,
        WidgetKeysCommand::Revoke { id } => {
            client.widget_keys().revoke(&id).await?;
            let key = find(client, &id).await?;
            if out.is_json() {
                out.json(&key)?;
            } else {
                let since = key.disabled_at.as_ref().map(when).unwrap_or_default();
                out.line(format!(
                    "revoked {} (id {}): disabled since {since}",
                    quote(&key.name),
                    key.id
                ))?;
            }
            Ok(Status::Success)
        }
        WidgetKeysCommand::Delete { id } => delete(client, out, &id).await,
        WidgetKeysCommand::Plan(args) => {
            let desired = desired_or_load(desired, &args.file)?;
            let current = client.widget_keys().list().await?;
            let plan = plan::plan(desired, &current, args.prune)?;
            if out.is_json() {
                out.json(&plan.to_json())?;
            } else {
                for warning in plan.warnings() {
                    output::warn(warning);
                }
                out.text(&plan.render())?;
            }
            Ok(if args.detailed_exitcode && !plan.is_empty() {
                Status::Other
            } else {
                Status::Success
            })
        }
        WidgetKeysCommand::Apply(args) => {
            let desired = desired_or_load(desired, &args.file)?;
            apply::apply(client, out, desired, args).await
        }
    }
}

fn desired_or_load(
    desired: Option<Vec<DesiredKey>>,
    file: &std::path::Path,
) -> Result<Vec<DesiredKey>, CliError> {
    let desired = match desired {
        Some(desired) => desired,
        None => crate::desired::load(file)?,
    };
    if desired.is_empty() {
        output::warn(format!("{} names no widget keys", file.display()));
    }
    Ok(desired)
}

/// The keys as a table: one row each.
pub fn key_table(keys: &[WidgetKey]) -> String {
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|key| {
            vec![
                key.id.to_string(),
                key.name.clone(),
                format!("…{}", key.key_last8),
                if key.is_disabled() {
                    "disabled"
                } else {
                    "enabled"
                }
                .to_string(),
                key.agent_id.clone().unwrap_or_else(|| "-".to_string()),
                if key.domain_allowlist.is_empty() {
                    "(empty: blocked)".to_string()
                } else {
                    key.domain_allowlist.join(", ")
                },
                key.last_used_at
                    .as_ref()
                    .map_or_else(|| "never".to_string(), when),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "NAME",
            "KEY",
            "STATE",
            "AGENT",
            "ALLOWLIST",
            "LAST USED",
        ],
        &rows,
    )
}

/// The key with this id, from a fresh list.
async fn find(client: &Client, id: &str) -> Result<WidgetKey, CliError> {
    client
        .widget_keys()
        .list()
        .await?
        .into_iter()
        .find(|key| key.id.as_str() == id.trim())
        .ok_or_else(|| CliError::msg(format!("the Hub no longer lists widget key {id}")))
}

/// Prints the lint warnings of an allowlist about to be sent.
pub fn warn_about(allowlist: &[String]) {
    for warning in kataven::allowlist::lint(allowlist).warnings {
        output::warn(warning);
    }
}

async fn create(client: &Client, out: &Out, args: CreateArgs) -> Result<Status, CliError> {
    // Read the keys file first: one that cannot be merged must fail the
    // command before a key exists.
    let mut keys_file = args.keys_out.as_deref().map(KeysFile::load).transpose()?;
    let mut request = client
        .widget_keys()
        .create(&args.name)
        .domain_allowlist(args.domains.clone());
    if let Some(agent) = &args.agent {
        request = request.agent_id(agent);
    }
    let created = match request.await {
        Ok(created) => created,
        Err(err) => {
            // The Hub made the key but its answer did not decode: the
            // plaintext key is still in the error, and shown only once.
            if let Some(key) = err.public_key() {
                let mut notes = vec![format!(
                    "the new key is {key}: store it now, the Hub will not show it again"
                )];
                if let Some(file) = keys_file.as_mut() {
                    match file.save(&args.name, &key) {
                        Ok(_) => notes.push(format!("saved to {}", file.path().display())),
                        Err(save_err) => notes.push(save_err.to_string()),
                    }
                }
                return Err(CliError::WithNotes(Box::new(err.into()), notes));
            }
            return Err(err.into());
        }
    };
    warn_about(&created.widget_key.domain_allowlist);
    let saved = match keys_file.as_mut() {
        None => None,
        Some(file) => Some(
            file.save(&args.name, &created.public_key)
                .map(|replaced| (file.path().display().to_string(), replaced)),
        ),
    };
    let printed = print_created(out, &created, saved.as_ref().and_then(|s| s.as_ref().ok()));
    if let Err(err) = printed {
        // The key is shown once: if stdout cannot take it, stderr does.
        let saved_note = match &saved {
            Some(Ok((path, _))) => format!("it is saved in {path}"),
            _ => "store it now, the Hub will not show it again".to_string(),
        };
        return Err(CliError::WithNotes(
            Box::new(err),
            vec![format!(
                "the new key is {}: {saved_note}",
                created.public_key
            )],
        ));
    }
    match saved {
        Some(Err(err)) => Err(CliError::WithNotes(
            Box::new(err),
            vec![format!(
                "the new key {} is printed above: store it now, the Hub will not show it again",
                created.public_key
            )],
        )),
        _ => Ok(Status::Success),
    }
}

fn print_created(
    out: &Out,
    created: &CreatedWidgetKey,
    saved: Option<&(String, Option<String>)>,
) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(created);
    }
    let key = &created.widget_key;
    out.line(format!("created {} (id {})", quote(&key.name), key.id))?;
    out.line(format!("public key: {}", created.public_key))?;
    match saved {
        Some((path, replaced)) => {
            if let Some(old) = replaced {
                output::warn(format!(
                    "{path}: replaced the key saved under {} (…{})",
                    quote(&key.name),
                    kataven::PublicKey::from(old.as_str()).last8()
                ));
            }
            out.line(format!("saved to {path}"))
        }
        None => out.line("shown once: store it now (or pass --keys-out FILE)"),
    }
}

async fn update(client: &Client, out: &Out, args: UpdateArgs) -> Result<Status, CliError> {
    let mut request = client.widget_keys().update(&args.id);
    if let Some(name) = &args.name {
        request = request.name(name);
    }
    if args.clear_domains {
        request = request.domain_allowlist(Vec::<String>::new());
    } else if !args.domains.is_empty() {
        request = request.domain_allowlist(args.domains.clone());
    }
    if let Some(agent) = &args.agent {
        request = request.agent_id(agent);
    } else if args.unpin_agent {
        request = request.clear_agent_id();
    }
    if args.disable {
        request = request.disabled(true);
    } else if args.enable {
        request = request.disabled(false);
    }
    request.await?;
    let key = find(client, &args.id).await?;
    if args.clear_domains || !args.domains.is_empty() {
        warn_about(&key.domain_allowlist);
    }
    if out.is_json() {
        out.json(&key)?;
    } else {
        out.line(format!("updated {} (id {})", quote(&key.name), key.id))?;
        out.text(&key_table(std::slice::from_ref(&key)))?;
    }
    Ok(Status::Success)
}

/// Deletes a key and says what the Hub did: a never-used key is deleted, a
/// used one only disabled. The answer comes from a list before and after.
async fn delete(client: &Client, out: &Out, id: &str) -> Result<Status, CliError> {
    let before = client
        .widget_keys()
        .list()
        .await?
        .into_iter()
        .find(|key| key.id.as_str() == id.trim());
    client.widget_keys().delete(id).await?;
    let after = client
        .widget_keys()
        .list()
        .await?
        .into_iter()
        .find(|key| key.id.as_str() == id.trim());
    let name = before
        .as_ref()
        .or(after.as_ref())
        .map(|key| key.name.clone());
    let outcome = if after.is_some() {
        "disabled"
    } else {
        "deleted"
    };
    if out.is_json() {
        out.json(&json!({
            "id": id.trim(),
            "name": name,
            "outcome": outcome,
            "widget_key": after,
        }))?;
    } else {
        let what = match &name {
            Some(name) => format!("{} (id {})", quote(name), id.trim()),
            None => format!("widget key {}", id.trim()),
        };
        match after {
            None => out.line(format!("deleted {what}"))?,
            Some(_) => out.line(format!(
                "disabled {what}: it has been used, so the Hub keeps it (disabled) instead of deleting it"
            ))?,
        }
    }
    Ok(Status::Success)
}
