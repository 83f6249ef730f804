//! `kataven widget-keys ...`: list, create, update, revoke, delete, rotate.

// The doc comments below are clap's help text, shown as written.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{Args, Subcommand};
use kataven::{Client, WidgetKey};
use serde_json::json;

use crate::hub::{self, HubArgs};
use crate::keep::{self, Minted};
use crate::keys_file::{KeysFile, Kind};
use crate::output::{
    self, CliError, Doing, Format, Out, OutputArgs, Status, check_name, quote, table, to_value,
    when,
};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the account's widget keys.
    #[command(
        after_help = "Examples:\n  kataven widget-keys list\n  kataven widget-keys list -o json | jq '.widget_keys[].name'"
    )]
    List(ListArgs),
    /// Create a widget key and print its plaintext key (shown once).
    #[command(
        after_help = "Examples:\n  kataven widget-keys create \"acme.com production\" --domain acme.com --domain '*.acme.com' --keys-out keys.json\n  kataven widget-keys create dev --domain 'localhost:*'"
    )]
    Create(CreateArgs),
    /// Change a widget key: only what you name changes.
    #[command(
        after_help = "Examples:\n  kataven widget-keys update ID --domain acme.com --domain shop.acme.com\n  kataven widget-keys update ID --unpin-agent --enable"
    )]
    Update(UpdateArgs),
    /// Disable a widget key (idempotent); `update ID --enable` undoes it.
    #[command(after_help = "Example:\n  kataven widget-keys revoke 3f1c2b4a-...")]
    Revoke(IdArgs),
    /// Delete a widget key: the Hub deletes a never-used key and only disables a used one.
    #[command(after_help = "Example:\n  kataven widget-keys delete 3f1c2b4a-...")]
    Delete(IdArgs),
    /// Replace a widget key: create its replacement (saved first); the previous key keeps working until revoked.
    #[command(
        after_help = "Examples:\n  kataven widget-keys rotate ID --keys-out keys.json        # then deploy the new key, then:\n  kataven widget-keys revoke PREVIOUS_ID\n  kataven widget-keys rotate ID --keys-out keys.json --revoke-previous"
    )]
    Rotate(RotateArgs),
}

impl Command {
    /// How the command prints.
    pub fn format(&self) -> Format {
        match self {
            Command::List(args) => args.out.output,
            Command::Create(args) => args.out.output,
            Command::Update(args) => args.out.output,
            Command::Revoke(args) | Command::Delete(args) => args.out.output,
            Command::Rotate(args) => args.out.output,
        }
    }

    fn hub(&self) -> &HubArgs {
        match self {
            Command::List(args) => &args.hub,
            Command::Create(args) => &args.hub,
            Command::Update(args) => &args.hub,
            Command::Revoke(args) | Command::Delete(args) => &args.hub,
            Command::Rotate(args) => &args.hub,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The key's id (a UUID, as `list` shows it).
    pub id: String,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The key's name (unique in the account; no surrounding whitespace).
    pub name: String,
    /// An allowlist entry (repeat for more): acme.com, *.acme.com, localhost:*, https://acme.com.
    #[arg(long = "domain", value_name = "ENTRY")]
    pub domains: Vec<String>,
    /// Pin this agent.
    #[arg(long = "agent", value_name = "ID")]
    pub agent: Option<String>,
    /// Also save the plaintext key into this JSON file (merged, mode 0600).
    #[arg(long, value_name = "FILE")]
    pub keys_out: Option<PathBuf>,
    /// Create it even if a key of this name exists (plans by name are then ambiguous).
    #[arg(long)]
    pub allow_duplicate_name: bool,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The key's id (a UUID, as `list` shows it).
    pub id: String,
    /// Rename the key (refused when another key has that name).
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Rename it even if another key has that name (plans by name are then ambiguous).
    #[arg(long, requires = "name")]
    pub allow_duplicate_name: bool,
    /// Replace the allowlist with these entries (repeat for more).
    #[arg(
        long = "domain",
        value_name = "ENTRY",
        conflicts_with = "clear_domains"
    )]
    pub domains: Vec<String>,
    /// Empty the allowlist: this blocks the key.
    #[arg(long)]
    pub clear_domains: bool,
    /// Pin this agent.
    #[arg(long = "agent", value_name = "ID", conflicts_with = "unpin_agent")]
    pub agent: Option<String>,
    /// Unpin the agent (the page's data-agent decides again).
    #[arg(long)]
    pub unpin_agent: bool,
    /// Disable (revoke) the key.
    #[arg(long, conflicts_with = "enable")]
    pub disable: bool,
    /// Enable the key again.
    #[arg(long)]
    pub enable: bool,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The key's id (a UUID, as `list` shows it).
    pub id: String,
    /// Save the replacement's plaintext key into this JSON file (under the key's name), before anything else.
    #[arg(long, value_name = "FILE")]
    pub keys_out: Option<PathBuf>,
    /// Revoke the previous key right after its replacement is saved (pages still using it stop working); with -o json it needs --keys-out.
    #[arg(long)]
    pub revoke_previous: bool,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(command: Command) -> Result<Status, CliError> {
    let out = Out::new(command.format());
    // Everything that can be refused locally is, before the credentials.
    let keys_file = match &command {
        Command::Create(args) => {
            check_name(&args.name).map_err(CliError::msg)?;
            refuse_bad_entries(&args.domains)?;
            args.keys_out.as_deref().map(KeysFile::open).transpose()?
        }
        Command::Update(args) => {
            if let Some(name) = &args.name {
                check_name(name).map_err(CliError::msg)?;
            }
            refuse_bad_entries(&args.domains)?;
            None
        }
        Command::Rotate(args) => {
            refuse_json_revoke_without_file(
                args.out.output,
                args.revoke_previous,
                args.keys_out.is_some(),
            )?;
            args.keys_out.as_deref().map(KeysFile::open).transpose()?
        }
        _ => None,
    };
    let client = hub::client(command.hub())?;
    match command {
        Command::List(_) => {
            let keys = list(&client).await?;
            if out.is_json() {
                out.json(json!({"widget_keys": keys}))?;
            } else if keys.is_empty() {
                out.line("No widget keys.")?;
            } else {
                out.text(&key_table(&keys))?;
            }
            Ok(Status::Success)
        }
        Command::Create(args) => create(&client, &out, args, keys_file.as_ref()).await,
        Command::Update(args) => update(&client, &out, args).await,
        Command::Revoke(args) => {
            let id = args.id.trim();
            client
                .widget_keys()
                .revoke(id)
                .await
                .doing(|| format!("revoking widget key {id}"))?;
            let key = find(&client, id).await?;
            if out.is_json() {
                out.json(json!({"widget_key": key}))?;
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
        Command::Delete(args) => delete(&client, &out, args.id.trim()).await,
        Command::Rotate(args) => rotate(&client, &out, args, keys_file.as_ref()).await,
    }
}

/// Every widget key of the account.
pub async fn list(client: &Client) -> Result<Vec<WidgetKey>, CliError> {
    client
        .widget_keys()
        .list()
        .await
        .doing(|| "listing the widget keys".to_string())
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
    list(client)
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

/// Refuses allowlist entries the SDK would refuse, before any request
/// (the taken-name check lists the keys first).
pub fn refuse_bad_entries(entries: &[String]) -> Result<(), CliError> {
    let report = kataven::allowlist::lint(entries);
    let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(CliError::msg(format!(
        "invalid --domain: {}; nothing was sent",
        errors.join("; ")
    )))
}

/// `rotate --revoke-previous -o json` prints its document only at the end,
/// after the revoke: the new key must be in a keys file before then.
pub fn refuse_json_revoke_without_file(
    format: Format,
    revoke_previous: bool,
    keys_out: bool,
) -> Result<(), CliError> {
    if format == Format::Json && revoke_previous && !keys_out {
        return Err(CliError::msg(
            "rotate --revoke-previous -o json prints the new key only once the previous one is revoked: pass --keys-out FILE so that it is saved first (or rotate, then revoke); nothing was sent",
        ));
    }
    Ok(())
}

/// Refuses a name another key of the account already has: plans match by
/// name, and two keys of one name make the next plan ambiguous.
pub fn refuse_taken_name<'k>(
    names: impl IntoIterator<Item = (&'k str, &'k str)>,
    name: &str,
    kind: Kind,
    command: &str,
) -> Result<(), CliError> {
    let taken: Vec<&str> = names
        .into_iter()
        .filter(|(_, key_name)| *key_name == name)
        .map(|(id, _)| id)
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    Err(CliError::msg(format!(
        "{} named {} already exists ({}); nothing was sent. Choose another name, or pass --allow-duplicate-name (kataven {command} list shows them)",
        kind.a_words(),
        quote(name),
        taken.join(", ")
    )))
}

async fn create(
    client: &Client,
    out: &Out,
    args: CreateArgs,
    keys_file: Option<&KeysFile>,
) -> Result<Status, CliError> {
    if !args.allow_duplicate_name {
        let keys = list(client).await?;
        refuse_taken_name(
            keys.iter().map(|k| (k.id.as_str(), k.name.as_str())),
            &args.name,
            Kind::Widget,
            "widget-keys",
        )?;
    }
    let mut request = client
        .widget_keys()
        .create(&args.name)
        .domain_allowlist(args.domains.clone());
    if let Some(agent) = &args.agent {
        request = request.agent_id(agent);
    }
    let doing = || format!("creating widget key {}", quote(&args.name));
    let created = match request.await {
        Ok(created) => created,
        Err(err) => {
            // The Hub made the key but its answer did not decode: the
            // plaintext key is still in the error, and shown only once.
            let Some(plaintext) = err.public_key() else {
                return Err(CliError::hub(doing(), err));
            };
            let minted = Minted {
                kind: Kind::Widget,
                name: &args.name,
                id: "",
                plaintext: plaintext.as_str(),
            };
            let notes = keep::recovered(out, keys_file, minted, true, |kept| {
                json!({
                    "widget_key": null,
                    "public_key": minted.plaintext,
                    "saved_to": kept.saved_to,
                    "complete": false,
                })
            });
            return Err(CliError::hub(doing(), err).with_notes(notes));
        }
    };
    warn_about(&created.widget_key.domain_allowlist);
    let key = &created.widget_key;
    let minted = Minted {
        kind: Kind::Widget,
        name: &key.name,
        id: key.id.as_str(),
        plaintext: created.public_key.as_str(),
    };
    if out.is_json() {
        let kept = keep::keep(out, keys_file, minted, true, "")?;
        let mut doc = json!({"widget_key": to_value(&created), "saved_to": kept.saved_to});
        doc["public_key"] = json!(created.public_key);
        let printed = out.json(doc);
        kept.after_document(minted, printed)?;
        return Ok(Status::Success);
    }
    out.line(format!("created {} (id {})", quote(&key.name), key.id))
        .map_err(|err| {
            let saved = keep::save_only(keys_file, minted);
            err.with_notes(vec![keep::lost_note(minted, saved.as_deref())])
        })?;
    keep::keep(out, keys_file, minted, true, "")?;
    Ok(Status::Success)
}

async fn update(client: &Client, out: &Out, args: UpdateArgs) -> Result<Status, CliError> {
    let id = args.id.trim();
    if let Some(name) = &args.name
        && !args.allow_duplicate_name
    {
        let keys = list(client).await?;
        refuse_taken_name(
            keys.iter()
                .filter(|k| k.id.as_str() != id)
                .map(|k| (k.id.as_str(), k.name.as_str())),
            name,
            Kind::Widget,
            "widget-keys",
        )?;
    }
    let mut request = client.widget_keys().update(id);
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
    request
        .await
        .doing(|| format!("updating widget key {id}"))?;
    let key = find(client, id).await?;
    if args.clear_domains || !args.domains.is_empty() {
        warn_about(&key.domain_allowlist);
    }
    if out.is_json() {
        out.json(json!({"widget_key": key}))?;
    } else {
        out.line(format!("updated {} (id {})", quote(&key.name), key.id))?;
        out.text(&key_table(std::slice::from_ref(&key)))?;
    }
    Ok(Status::Success)
}

/// Deletes a key and says what the Hub did: a never-used key is deleted, a
/// used one only disabled. The answer comes from a list before and after.
async fn delete(client: &Client, out: &Out, id: &str) -> Result<Status, CliError> {
    let before = list(client)
        .await?
        .into_iter()
        .find(|key| key.id.as_str() == id);
    client
        .widget_keys()
        .delete(id)
        .await
        .doing(|| format!("deleting widget key {id}"))?;
    let after = list(client)
        .await?
        .into_iter()
        .find(|key| key.id.as_str() == id);
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
        out.json(json!({
            "id": id,
            "name": name,
            "outcome": outcome,
            "widget_key": after,
        }))?;
    } else {
        let what = match &name {
            Some(name) => format!("{} (id {id})", quote(name)),
            None => format!("widget key {id}"),
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

async fn rotate(
    client: &Client,
    out: &Out,
    args: RotateArgs,
    keys_file: Option<&KeysFile>,
) -> Result<Status, CliError> {
    let id = args.id.trim();
    let doing = || format!("rotating widget key {id}");
    let rotated = match client.widget_keys().rotate(id).await {
        Ok(rotated) => rotated,
        Err(err) => {
            let Some(plaintext) = err.public_key() else {
                return Err(CliError::hub(doing(), err));
            };
            // The replacement exists and the error held its plaintext.
            let name = recovered_name(find(client, id).await.ok().map(|k| k.name), id);
            let minted = Minted {
                kind: Kind::Widget,
                name: &name,
                id: "",
                plaintext: plaintext.as_str(),
            };
            let notes = keep::recovered(out, keys_file, minted, true, |kept| {
                json!({
                    "replacement": null,
                    "public_key": minted.plaintext,
                    "saved_to": kept.saved_to,
                    "previous_revoked": false,
                    "complete": false,
                })
            });
            return Err(CliError::hub(doing(), err).with_notes(notes));
        }
    };
    let new = &rotated.replacement.widget_key;
    let minted = Minted {
        kind: Kind::Widget,
        name: &new.name,
        id: new.id.as_str(),
        plaintext: rotated.replacement.public_key.as_str(),
    };
    let previous = &rotated.previous;
    if let Some(file) = keys_file {
        // Best effort: the new key is kept whatever happens here.
        if let Err(err) =
            file.move_previous(Kind::Widget, &new.name, &previous.key_last8, &previous.name)
        {
            crate::output::warn(err);
        }
    }
    let still_works = format!(
        "the previous key {} (id {}) still works: revoke it with kataven widget-keys revoke {}",
        quote(&previous.name),
        previous.id,
        previous.id
    );
    let document = |kept: &keep::Kept, revoked: bool| {
        json!({
            "previous": previous,
            "previous_revoked": revoked,
            "replacement": to_value(&rotated.replacement),
            "public_key": rotated.replacement.public_key,
            "saved_to": kept.saved_to,
        })
    };
    let kept = if out.is_json() {
        let kept = keep::keep(out, keys_file, minted, true, "")?;
        if kept.save_failed.is_some() {
            // The new key is only in the document: the previous one is
            // not revoked.
            let printed = out.json(document(&kept, false));
            return kept
                .after_document(minted, printed)
                .map(|()| Status::Success)
                .map_err(|err| err.with_notes(vec![still_works.clone()]));
        }
        kept
    } else {
        out.line(format!(
            "rotated {}: replacement created (id {})",
            quote(&new.name),
            new.id
        ))
        .map_err(|err| {
            let saved = keep::save_only(keys_file, minted);
            err.with_notes(vec![keep::lost_note(minted, saved.as_deref())])
        })?;
        keep::keep(out, keys_file, minted, true, "    ")
            .map_err(|err| err.with_notes(vec![still_works.clone()]))?
    };
    let revoked = if args.revoke_previous {
        let result = client
            .widget_keys()
            .revoke(previous.id.as_str())
            .await
            .doing(|| format!("revoking the previous widget key {}", previous.id));
        if let Err(err) = result {
            if out.is_json() {
                // The document is printed all the same: it holds the new key.
                let _ = out.json(document(&kept, false));
            }
            return Err(err.with_notes(vec![kept.note(minted), still_works]));
        }
        if let Some(file) = keys_file
            && let Err(err) = file.forget(Kind::Widget, &previous.name, &previous.key_last8)
        {
            crate::output::warn(err);
        }
        true
    } else {
        false
    };
    if out.is_json() {
        let printed = out.json(document(&kept, revoked));
        kept.after_document(minted, printed)?;
    } else if revoked {
        out.line(format!(
            "revoked the previous key {} (id {})",
            quote(&previous.name),
            previous.id
        ))?;
    } else {
        out.line(format!(
            "the previous key {} (id {}) still works: once the new key is deployed, run kataven widget-keys revoke {}",
            quote(&previous.name),
            previous.id,
            previous.id
        ))?;
    }
    Ok(Status::Success)
}

/// The name a recovered replacement is saved under: the previous key's
/// (without the rotation's marker), or `rotated-from-ID` when the Hub no
/// longer lists it.
pub fn recovered_name(previous: Option<String>, id: &str) -> String {
    previous
        .map(|name| base_name(&name))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| format!("rotated-from-{id}"))
}

/// A key's name without the rotation's ` (being replaced)` marker.
pub fn base_name(name: &str) -> String {
    name.strip_suffix(" (being replaced)")
        .unwrap_or(name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovered_replacement_is_never_saved_under_an_empty_name() {
        assert_eq!(
            recovered_name(Some("site (being replaced)".into()), "ID"),
            "site"
        );
        assert_eq!(recovered_name(None, "3f1c"), "rotated-from-3f1c");
        assert_eq!(
            recovered_name(Some(String::new()), "3f1c"),
            "rotated-from-3f1c"
        );
    }
}
