//! A saved plan (`kataven plan --out PLAN_FILE`): the desired-state file's
//! text, the prune scope, the Hub it was made against, and what of the
//! Hub's state it was made from. `kataven apply PLAN_FILE` applies exactly
//! that plan, and refuses when the Hub's address, the account (as far as
//! the credentials name it: [`crate::hub::credential_account`]), or the
//! Hub's keys are not the ones the plan was made from. Last-use times are
//! not compared: they change with every use of a key.

use std::path::{Path, PathBuf};

use kataven::Client;
use serde_json::{Value, json};

use super::desired::{self, Desired};
use super::plan::{Plan, Prune};
use crate::hub::{self, Account};
use crate::keys_file::write_atomically;
use crate::output::CliError;

/// What a plan file says it is.
const KIND: &str = "kataven-plan";
/// Its layout's version: a file of another is refused. 2: `account` is
/// `{"name", "whole"}` (the account as the credentials name it).
const VERSION: u64 = 2;

/// A plan read back from its file.
#[derive(Debug)]
pub struct SavedPlan {
    path: PathBuf,
    pub desired: Desired,
    pub prune: Prune,
    base_url: String,
    account: Option<Account>,
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
        "account": hub::credential_account().map(|a| json!({"name": a.text, "whole": a.whole})),
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
        account: doc["account"]["name"].as_str().map(|text| Account {
            text: text.to_string(),
            whole: doc["account"]["whole"].as_bool().unwrap_or(false),
        }),
        hub_state: doc["hub_state"].clone(),
        changes: doc["plan"]["changes"].clone(),
    })
}

impl SavedPlan {
    /// Refuses another Hub address or account, before any request.
    pub fn check_hub(&self, client: &Client) -> Result<(), CliError> {
        let shown = self.path.display();
        let account = hub::credential_account();
        let named = |a: &Option<Account>| match a {
            Some(a) if a.whole => a.text.clone(),
            Some(a) => format!("{}… as the API key shows it", a.text),
            None => "not named by the credentials".to_string(),
        };
        let same_account = match (&self.account, &account) {
            (Some(saved), Some(now)) => saved.may_be(now),
            (None, None) => true,
            _ => false,
        };
        if client.base_url() != self.base_url || !same_account {
            return Err(CliError::msg(format!(
                "the plan in {shown} was made against {} (account {}), not this Hub ({}, account {}); nothing was changed",
                self.base_url,
                named(&self.account),
                client.base_url(),
                named(&account),
            )));
        }
        Ok(())
    }

    /// Refuses when the plan made now is not the saved one: the Hub's keys
    /// changed since (last-use times aside).
    pub fn check_current(&self, plan: &Plan) -> Result<(), CliError> {
        let shown = self.path.display();
        if plan.hub_state != self.hub_state
            || without_times(&plan.to_json()["changes"]) != without_times(&self.changes)
        {
            return Err(CliError::msg(format!(
                "the Hub's keys changed since the plan in {shown} was made, so it is not the plan you reviewed; nothing was changed. Plan again (kataven plan -f FILE --out {shown})"
            )));
        }
        Ok(())
    }
}

/// The changes without last-use times, which move with every use of a key
/// (whether a key was used, which decides a delete, stays in `mode`).
fn without_times(changes: &Value) -> Value {
    let mut changes = changes.clone();
    if let Value::Array(items) = &mut changes {
        for item in items {
            if let Value::Object(fields) = item {
                fields.remove("last_used_at");
            }
        }
    }
    changes
}

/// Refuses a `--out` target that would overwrite something else: the
/// desired-state file, the keys file, or any existing file that is not a
/// saved plan. Checked before anything is sent.
pub fn check_target(path: &Path, others: &[(&str, &Path)]) -> Result<(), CliError> {
    let shown = path.display();
    for (flag, other) in others {
        if same_path(path, other) {
            return Err(CliError::msg(format!(
                "--out {shown} is the {flag} file: the plan would overwrite it; nothing was sent"
            )));
        }
    }
    match std::fs::symlink_metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(CliError::msg(format!(
            "--out {shown}: cannot check it ({err}); nothing was sent"
        ))),
        Ok(meta) if !meta.is_file() => Err(CliError::msg(format!(
            "--out {shown} exists and is not a plain file; nothing was sent"
        ))),
        Ok(_) => {
            let is_plan = std::fs::read(path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                .is_some_and(|doc| doc["kind"] == KIND);
            if is_plan {
                Ok(())
            } else {
                Err(CliError::msg(format!(
                    "--out {shown} exists and is not a plan saved by kataven plan: it is not overwritten; choose another path or remove it; nothing was sent"
                )))
            }
        }
    }
}

/// Whether two paths name one file: by their canonical paths when both
/// exist, else by their absolute paths as written.
fn same_path(a: &Path, b: &Path) -> bool {
    if let (Ok(a), Ok(b)) = (a.canonicalize(), b.canonicalize()) {
        return a == b;
    }
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    absolute(a) == absolute(b)
}
