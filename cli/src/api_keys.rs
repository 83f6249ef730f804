//! `kataven api-keys ...`: list, create, update, revoke, delete, rotate the
//! account's `sk_live_` API keys. All but `list` need a person's session
//! (`KATAVEN_TOKEN` and `KATAVEN_ACCOUNT_ID`). A new secret goes only to
//! `--keys-out FILE` or, with `--show-secret`, to stdout.

// The doc comments below are clap's help text, shown as written.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};
use kataven::{ApiKey, Client};
use serde_json::{Value, json};

use crate::hub::{self, HubArgs};
use crate::keep::{self, Minted};
use crate::keys_file::{KeysFile, Kind};
use crate::output::{
    CliError, Doing, Format, Out, OutputArgs, Status, check_name, quote, table, when,
};
use crate::widget_keys::{recovered_name, refuse_json_revoke_without_file, refuse_taken_name};

/// The expiries the Hub takes, in days.
const DAYS: std::ops::RangeInclusive<u32> = 1..=3650;

/// `--expires-in-days` out of the Hub's range is refused before any request.
fn check_days(days: u32) -> Result<(), CliError> {
    if DAYS.contains(&days) {
        return Ok(());
    }
    Err(CliError::msg(format!(
        "invalid --expires-in-days: {days} is not from {} to {} days; nothing was sent",
        DAYS.start(),
        DAYS.end()
    )))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the account's API keys (never a secret).
    #[command(
        after_help = "Examples:\n  kataven api-keys list\n  kataven api-keys list -o json | jq '.api_keys[] | select(.disabled_at == null) | .name'"
    )]
    List(ListArgs),
    /// Create an API key; its secret goes to --keys-out FILE and/or, with --show-secret, stdout.
    #[command(
        after_help = "Examples:\n  kataven api-keys create ci-deploy-bot --expires-in-days 90 --keys-out secrets.json\n  kataven api-keys create ci-deploy-bot --show-secret -o json | jq -r .secret_key | vault kv put secret/ci key=-"
    )]
    Create(CreateArgs),
    /// Rename, disable or enable an API key.
    #[command(
        after_help = "Examples:\n  kataven api-keys update ID --name ci-deploy-bot-2\n  kataven api-keys update ID --enable"
    )]
    Update(UpdateArgs),
    /// Revoke an API key: it stops working within milliseconds (idempotent).
    #[command(after_help = "Example:\n  kataven api-keys revoke 5d0c6f7e-...")]
    Revoke(IdArgs),
    /// Delete an API key: a never-used key is deleted, a used one only disabled.
    #[command(after_help = "Example:\n  kataven api-keys delete 5d0c6f7e-...")]
    Delete(IdArgs),
    /// Replace an API key: create its replacement (same name and expiry length, saved first); the previous key keeps working until revoked.
    #[command(
        after_help = "Examples:\n  kataven api-keys rotate ID --keys-out secrets.json     # deploy the new secret, then:\n  kataven api-keys revoke PREVIOUS_ID\n  kataven api-keys rotate ID --keys-out secrets.json --revoke-previous"
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

/// Where a new secret goes: at least one of them.
#[derive(Debug, Args)]
#[command(group = ArgGroup::new("secret_to").required(true).multiple(true).args(["keys_out", "show_secret"]))]
pub struct SecretTo {
    /// Save the secret into this JSON file (under "api_keys", mode 0600), before anything is printed.
    #[arg(long, value_name = "FILE")]
    pub keys_out: Option<PathBuf>,
    /// Print the secret on stdout (`secret key: sk_live_...`; in JSON `secret_key`).
    #[arg(long)]
    pub show_secret: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The key's name (unique in the account; no surrounding whitespace).
    pub name: String,
    /// The key stops working this many days after it is created (1 to 3650); without it, never.
    #[arg(long, value_name = "DAYS")]
    pub expires_in_days: Option<u32>,
    #[command(flatten)]
    pub secret_to: SecretTo,
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
    #[command(flatten)]
    pub secret_to: SecretTo,
    /// Revoke the previous key right after its replacement is kept (whatever still uses it stops working); with -o json it needs --keys-out.
    #[arg(long)]
    pub revoke_previous: bool,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(command: Command) -> Result<Status, CliError> {
    let out = Out::new(command.format());
    let keys_file = match &command {
        Command::Create(args) => {
            check_name(&args.name).map_err(CliError::msg)?;
            if let Some(days) = args.expires_in_days {
                check_days(days)?;
            }
            args.secret_to
                .keys_out
                .as_deref()
                .map(KeysFile::open)
                .transpose()?
        }
        Command::Update(UpdateArgs {
            name: Some(name), ..
        }) => {
            check_name(name).map_err(CliError::msg)?;
            None
        }
        Command::Rotate(args) => {
            refuse_json_revoke_without_file(
                args.out.output,
                args.revoke_previous,
                args.secret_to.keys_out.is_some(),
            )?;
            args.secret_to
                .keys_out
                .as_deref()
                .map(KeysFile::open)
                .transpose()?
        }
        _ => None,
    };
    let client = hub::client(command.hub())?;
    match command {
        Command::List(_) => {
            let keys = list(&client).await?;
            if out.is_json() {
                out.json(json!({"api_keys": keys}))?;
            } else if keys.is_empty() {
                out.line("No API keys.")?;
            } else {
                out.text(&key_table(&keys))?;
            }
            Ok(Status::Success)
        }
        Command::Create(args) => create(&client, &out, args, keys_file.as_ref()).await,
        Command::Update(args) => {
            let id = args.id.trim();
            if let Some(name) = &args.name
                && !args.allow_duplicate_name
            {
                let keys = list(&client).await?;
                refuse_taken_name(
                    keys.iter()
                        .filter(|k| k.id.as_str() != id)
                        .map(|k| (k.id.as_str(), k.name.as_str())),
                    name,
                    Kind::Api,
                    "api-keys",
                )?;
            }
            let mut request = client.api_keys().update(id);
            if let Some(name) = &args.name {
                request = request.name(name);
            }
            if args.disable {
                request = request.disabled(true);
            } else if args.enable {
                request = request.disabled(false);
            }
            request.await.doing(|| format!("updating API key {id}"))?;
            show_key(&client, &out, id, "updated").await
        }
        Command::Revoke(args) => {
            let id = args.id.trim();
            client
                .api_keys()
                .revoke(id)
                .await
                .doing(|| format!("revoking API key {id}"))?;
            show_key(&client, &out, id, "revoked").await
        }
        Command::Delete(args) => delete(&client, &out, args.id.trim()).await,
        Command::Rotate(args) => rotate(&client, &out, args, keys_file.as_ref()).await,
    }
}

/// Every API key of the account.
pub async fn list(client: &Client) -> Result<Vec<ApiKey>, CliError> {
    client
        .api_keys()
        .list()
        .await
        .doing(|| "listing the API keys".to_string())
}

/// When a key expires, for tables.
pub fn expiry(key: &ApiKey) -> String {
    key.expires_at
        .as_ref()
        .map_or_else(|| "never".to_string(), when)
}

/// The keys as a table: one row each.
pub fn key_table(keys: &[ApiKey]) -> String {
    let now = kataven::chrono::Utc::now();
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|key| {
            vec![
                key.id.to_string(),
                key.name.clone(),
                format!("…{}", key.key_last8),
                if key.is_disabled() {
                    "disabled"
                } else if key.is_expired_at(now) {
                    "expired"
                } else {
                    "enabled"
                }
                .to_string(),
                expiry(key),
                key.last_used_at
                    .as_ref()
                    .map_or_else(|| "never".to_string(), when),
            ]
        })
        .collect();
    table(
        &["ID", "NAME", "KEY", "STATE", "EXPIRES", "LAST USED"],
        &rows,
    )
}

async fn find(client: &Client, id: &str) -> Result<ApiKey, CliError> {
    list(client)
        .await?
        .into_iter()
        .find(|key| key.id.as_str() == id)
        .ok_or_else(|| CliError::msg(format!("the Hub no longer lists API key {id}")))
}

async fn show_key(client: &Client, out: &Out, id: &str, done: &str) -> Result<Status, CliError> {
    let key = find(client, id).await?;
    if out.is_json() {
        out.json(json!({"api_key": key}))?;
    } else {
        out.line(format!("{done} {} (id {})", quote(&key.name), key.id))?;
        out.text(&key_table(std::slice::from_ref(&key)))?;
    }
    Ok(Status::Success)
}

/// The JSON form of a created key: the key, and the secret only if it is shown.
fn created_doc(key: &ApiKey, secret: &str, kept: &keep::Kept) -> Value {
    json!({
        "api_key": key,
        "secret_key": if kept.shown { Some(secret) } else { None },
        "saved_to": kept.saved_to,
    })
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
            Kind::Api,
            "api-keys",
        )?;
    }
    let mut request = client.api_keys().create(&args.name);
    if let Some(days) = args.expires_in_days {
        request = request.expires_in_days(days);
    }
    let show = args.secret_to.show_secret;
    let doing = || format!("creating API key {}", quote(&args.name));
    let created = match request.await {
        Ok(created) => created,
        Err(err) => {
            let Some(secret) = err.secret_key() else {
                return Err(CliError::hub(doing(), err));
            };
            let minted = Minted {
                kind: Kind::Api,
                name: &args.name,
                id: "",
                plaintext: secret.expose_secret(),
            };
            let notes = keep::recovered(out, keys_file, minted, show, |kept| {
                json!({
                    "api_key": null,
                    "secret_key": minted.plaintext,
                    "saved_to": kept.saved_to,
                    "complete": false,
                })
            });
            return Err(CliError::hub(doing(), err).with_notes(notes));
        }
    };
    let key = &created.api_key;
    let minted = Minted {
        kind: Kind::Api,
        name: &key.name,
        id: key.id.as_str(),
        plaintext: created.secret_key.expose_secret(),
    };
    if out.is_json() {
        let kept = keep::keep(out, keys_file, minted, show, "")?;
        let printed = out.json(created_doc(key, minted.plaintext, &kept));
        kept.after_document(minted, printed)?;
        return Ok(Status::Success);
    }
    out.line(format!(
        "created {} (id {}, expires {})",
        quote(&key.name),
        key.id,
        expiry(key)
    ))
    .map_err(|err| {
        let saved = keep::save_only(keys_file, minted);
        err.with_notes(vec![keep::lost_note(minted, saved.as_deref())])
    })?;
    keep::keep(out, keys_file, minted, show, "")?;
    Ok(Status::Success)
}

async fn delete(client: &Client, out: &Out, id: &str) -> Result<Status, CliError> {
    let before = list(client)
        .await?
        .into_iter()
        .find(|key| key.id.as_str() == id);
    client
        .api_keys()
        .delete(id)
        .await
        .doing(|| format!("deleting API key {id}"))?;
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
        out.json(json!({"id": id, "name": name, "outcome": outcome, "api_key": after}))?;
    } else {
        let what = match &name {
            Some(name) => format!("{} (id {id})", quote(name)),
            None => format!("API key {id}"),
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
    let show = args.secret_to.show_secret;
    let doing = || format!("rotating API key {id}");
    let rotated = match client.api_keys().rotate(id).await {
        Ok(rotated) => rotated,
        Err(err) => {
            let Some(secret) = err.secret_key() else {
                return Err(CliError::hub(doing(), err));
            };
            // As create does: kept in the file, and shown when asked.
            let name = recovered_name(find(client, id).await.ok().map(|k| k.name), id);
            let minted = Minted {
                kind: Kind::Api,
                name: &name,
                id: "",
                plaintext: secret.expose_secret(),
            };
            let notes = keep::recovered(out, keys_file, minted, show, |kept| {
                json!({
                    "api_key": null,
                    "secret_key": minted.plaintext,
                    "saved_to": kept.saved_to,
                    "previous_revoked": false,
                    "complete": false,
                })
            });
            return Err(CliError::hub(doing(), err).with_notes(notes));
        }
    };
    let new = &rotated.replacement.api_key;
    let minted = Minted {
        kind: Kind::Api,
        name: &new.name,
        id: new.id.as_str(),
        plaintext: rotated.replacement.secret_key.expose_secret(),
    };
    let previous = &rotated.previous;
    if let Some(file) = keys_file {
        // Best effort: the new key is kept whatever happens here.
        if let Err(err) =
            file.move_previous(Kind::Api, &new.name, &previous.key_last8, &previous.name)
        {
            crate::output::warn(err);
        }
    }
    let still_works = format!(
        "the previous key {} (id {}) still works: revoke it with kataven api-keys revoke {}",
        quote(&previous.name),
        previous.id,
        previous.id
    );
    let document = |kept: &keep::Kept, revoked: bool| {
        let mut doc = created_doc(new, minted.plaintext, kept);
        doc["previous"] = json!(previous);
        doc["previous_revoked"] = json!(revoked);
        doc
    };
    let kept = if out.is_json() {
        let kept = keep::keep(out, keys_file, minted, show, "")?;
        if kept.save_failed.is_some() {
            // The new secret is at best in the document: the previous key
            // is not revoked.
            let printed = out.json(document(&kept, false));
            return kept
                .after_document(minted, printed)
                .map(|()| Status::Success)
                .map_err(|err| err.with_notes(vec![still_works.clone()]));
        }
        kept
    } else {
        out.line(format!(
            "rotated {}: replacement created (id {}, expires {})",
            quote(&new.name),
            new.id,
            expiry(new)
        ))
        .map_err(|err| {
            let saved = keep::save_only(keys_file, minted);
            err.with_notes(vec![keep::lost_note(minted, saved.as_deref())])
        })?;
        keep::keep(out, keys_file, minted, show, "    ")
            .map_err(|err| err.with_notes(vec![still_works.clone()]))?
    };
    let revoked = if args.revoke_previous {
        let result = client
            .api_keys()
            .revoke(previous.id.as_str())
            .await
            .doing(|| format!("revoking the previous API key {}", previous.id));
        if let Err(err) = result {
            if out.is_json() {
                // The document is printed all the same: it holds the new
                // secret when it was asked for.
                let _ = out.json(document(&kept, false));
            }
            return Err(err.with_notes(vec![kept.note(minted), still_works]));
        }
        if let Some(file) = keys_file
            && let Err(err) = file.forget(Kind::Api, &previous.name, &previous.key_last8)
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
            "the previous key {} (id {}) still works: once the new secret is deployed, run kataven api-keys revoke {}",
            quote(&previous.name),
            previous.id,
            previous.id
        ))?;
    }
    Ok(Status::Success)
}
