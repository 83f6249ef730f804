//! A saved plan (`kataven plan --out PLAN_FILE`): the desired-state file's
//! text, the prune scope, the Hub it was made against, and what of the
//! Hub's state it was made from. `kataven apply PLAN_FILE` applies exactly
//! that plan, and refuses when the Hub (or the Hub's address, or the
//! account) is not the one the plan was made from.

use std::path::{Path, PathBuf};

use kataven::Client;
use serde_json::{Value, json};

use super::desired::{self, Desired};
use super::plan::{Plan, Prune};
use crate::keys_file::write_atomically;
use crate::output::CliError;

/// What a plan file says it is.
const KIND: &str = "kataven-plan";
/// Its layout's version: a file of another is refused.
const VERSION: u64 = 1;

/// A plan read back from its file.
#[derive(Debug)]
pub struct SavedPlan {
    path: PathBuf,
    pub desired: Desired,
    pub prune: Prune,
    base_url: String,
    account: Option<String>,
    hub_state: Value,
    changes: Value,
}

pub fn save(
    path: &Path,
    client: &Client,
    desired: &Desired,
    prune: Prune,
    plan: &Plan,
) -> Result<(), CliError> {
    let doc = json!({
        "kind": KIND,
        "format_version": VERSION,
        "cli_version": env!("CARGO_PKG_VERSION"),
        "base_url": client.base_url(),
        "account": client.account_id(),
        "prune": {"widget_keys": prune.widget_keys, "api_keys": prune.api_keys},
        "desired_file": desired.text,
        "hub_state": plan.hub_state,
        "plan": plan.to_json(),
    });
    let mut text = serde_json::to_string_pretty(&doc)
        .map_err(|e| CliError::msg(format!("cannot encode the plan: {e}")))?;
    text.push('\n');
    write_atomically(path, text.as_bytes()).map_err(|err| {
        CliError::msg(format!(
            "cannot write the plan file {}: {err}",
            path.display()
        ))
    })
}

pub fn load(path: &Path) -> Result<SavedPlan, CliError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|err| CliError::msg(format!("cannot read the plan file {shown}: {err}")))?;
    let bad = |why: &str| {
        CliError::msg(format!(
            "{shown} is not a plan saved by `kataven plan --out` ({why}); nothing was sent"
        ))
    };
    let doc: Value = serde_json::from_str(&text).map_err(|_| bad("not JSON"))?;
    if doc["kind"] != KIND {
        return Err(bad("its kind is not kataven-plan"));
    }
    if doc["format_version"].as_u64() != Some(VERSION) {
        return Err(bad("made by another version of its layout; plan again"));
    }
    let desired_text = doc["desired_file"]
        .as_str()
        .ok_or_else(|| bad("no desired_file"))?;
    let desired = desired::parse_text(desired_text, &format!("the file saved in {shown}"))?;
    let flag = |name: &str| doc["prune"][name].as_bool().unwrap_or(false);
    Ok(SavedPlan {
        path: path.to_path_buf(),
        desired,
        prune: Prune {
            widget_keys: flag("widget_keys"),
            api_keys: flag("api_keys"),
        },
        base_url: doc["base_url"].as_str().unwrap_or_default().to_string(),
        account: doc["account"].as_str().map(str::to_string),
        hub_state: doc["hub_state"].clone(),
        changes: doc["plan"]["changes"].clone(),
    })
}

impl SavedPlan {
    /// Refuses when the plan made now is not the saved one: another Hub,
    /// another account, or a Hub whose keys changed since.
    pub fn check_current(&self, client: &Client, plan: &Plan) -> Result<(), CliError> {
        let shown = self.path.display();
        if client.base_url() != self.base_url
            || client.account_id().map(str::to_string) != self.account
        {
            return Err(CliError::msg(format!(
                "the plan in {shown} was made against {} (account {}), not this Hub ({}, account {}); nothing was changed",
                self.base_url,
                self.account.as_deref().unwrap_or("of the API key"),
                client.base_url(),
                client.account_id().unwrap_or("of the API key"),
            )));
        }
        if plan.hub_state != self.hub_state || plan.to_json()["changes"] != self.changes {
            return Err(CliError::msg(format!(
                "the Hub's keys changed since the plan in {shown} was made, so it is not the plan you reviewed; nothing was changed. Plan again (kataven plan -f FILE --out {shown})"
            )));
        }
        Ok(())
    }
}
