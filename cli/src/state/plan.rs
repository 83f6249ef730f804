//! The plan: what to create, update and delete so that the Hub matches the
//! file. Keys are matched by name.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use kataven::allowlist::AllowlistEntry;
use kataven::{ApiKey, WidgetKey};
use serde_json::{Value, json};

use super::desired::{Desired, DesiredApiKey, DesiredKey};
use crate::keys_file::last8;
use crate::keys_file::{Contents, Kind};
use crate::output::{CliError, list, quote, when};

/// One step of a plan.
#[derive(Clone, Debug)]
pub enum Change {
    Create {
        desired: DesiredKey,
    },
    Update {
        current: Box<WidgetKey>,
        desired: DesiredKey,
        diff: Diff,
    },
    /// `--prune`: an enabled key the file does not name. The Hub deletes a
    /// never-used key and only disables a used one.
    Delete {
        current: Box<WidgetKey>,
    },
    /// An API key the Hub does not have.
    CreateApi {
        desired: DesiredApiKey,
    },
    /// An API key to disable or enable.
    UpdateApi {
        current: Box<ApiKey>,
        desired: DesiredApiKey,
    },
    /// `--prune`: an enabled API key the file does not name.
    DeleteApi {
        current: Box<ApiKey>,
    },
}

/// Which kinds `--prune` deletes unnamed keys of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prune {
    pub widget_keys: bool,
    pub api_keys: bool,
}

impl Prune {
    /// `--prune` prunes each kind the file names at least one key of;
    /// `--prune-all` every kind, even one the file names none of. A
    /// `--prune` of a file that names no keys at all is refused: it would
    /// delete every key of the account.
    pub fn of(desired: &Desired, prune: bool, prune_all: bool) -> Result<Prune, CliError> {
        if prune_all {
            return Ok(Prune {
                widget_keys: true,
                api_keys: true,
            });
        }
        if prune && desired.is_empty() {
            return Err(CliError::msg(
                "--prune with a file that names no keys would delete every enabled key of the account; nothing was sent. Pass --prune-all if that is what you want",
            ));
        }
        Ok(Prune {
            widget_keys: prune && !desired.widget_keys.is_empty(),
            api_keys: prune && !desired.api_keys.is_empty(),
        })
    }
}

/// The fields an update changes: `(now, wanted)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub domain_allowlist: Option<(Vec<String>, Vec<String>)>,
    pub agent_id: Option<(Option<String>, Option<String>)>,
    pub disabled: Option<(bool, bool)>,
}

impl Diff {
    fn is_empty(&self) -> bool {
        *self == Diff::default()
    }
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// The file's keys, for their lint warnings.
    pub desired: Vec<DesiredKey>,
    /// Hub keys the file names whose plaintext no keys file holds.
    pub unkept: Vec<String>,
    /// What of the Hub's state the plan was made from (see [`fingerprint`]).
    pub hub_state: Value,
}

/// What of the Hub's keys a plan depends on: ids, names, settings, state,
/// and whether a key was ever used (which decides how a delete goes), but
/// not *when* it was last used, which changes with every request. A saved
/// plan is applied only while this is unchanged.
pub fn fingerprint(widget_keys: &[WidgetKey], api_keys: &[ApiKey]) -> Value {
    // Sorted by id: the Hub's list order is not in its contract.
    let mut widget_keys: Vec<&WidgetKey> = widget_keys.iter().collect();
    widget_keys.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    let mut api_keys: Vec<&ApiKey> = api_keys.iter().collect();
    api_keys.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    let widget: Vec<Value> = widget_keys
        .iter()
        .map(|k| {
            json!([
                k.id,
                k.name,
                entry_set(&k.domain_allowlist),
                k.agent_id,
                k.is_disabled(),
                k.last_used_at.is_some()
            ])
        })
        .collect();
    let api: Vec<Value> = api_keys
        .iter()
        .map(|k| {
            json!([
                k.id,
                k.name,
                k.expires_at,
                k.is_disabled(),
                k.last_used_at.is_some()
            ])
        })
        .collect();
    json!({"widget_keys": widget, "api_keys": api})
}

/// An allowlist as a set of normalised entries: `ACME.com` is `acme.com`.
/// An entry the SDK refuses (one the Hub accepted earlier) compares as its
/// lowercase text.
fn entry_set(entries: &[String]) -> BTreeSet<String> {
    entries
        .iter()
        .map(|entry| {
            AllowlistEntry::parse(entry)
                .map(|e| e.to_string())
                .unwrap_or_else(|_| entry.to_ascii_lowercase())
        })
        .collect()
}

/// Compares the file with the Hub's keys. A name the file uses that two Hub
/// keys share is an error: which one is meant cannot be known.
pub fn plan(
    file: &Desired,
    current: &[WidgetKey],
    current_api: &[ApiKey],
    prune: Prune,
    kept: Option<&Contents>,
) -> Result<Plan, CliError> {
    let desired = file.widget_keys.clone();
    let mut changes = Vec::new();
    let mut ambiguous = Vec::new();
    let mut unkept = Vec::new();
    let mut check_kept = |kind: Kind, name: &str, hub_last8: &str| {
        if let Some(kept) = kept {
            let held = kept.get(kind, name).is_some_and(|p| last8(p) == hub_last8);
            if !held {
                unkept.push(format!(
                    "the Hub's {} {} (…{hub_last8}) has no plaintext in the keys file: if nobody holds it, rotate it (kataven {} rotate ID)",
                    kind.words(),
                    quote(name),
                    match kind {
                        Kind::Widget => "widget-keys",
                        Kind::Api => "api-keys",
                    }
                ));
            }
        }
    };
    for want in &desired {
        let matching: Vec<&WidgetKey> = current.iter().filter(|k| k.name == want.name).collect();
        match matching.as_slice() {
            [] => changes.push(Change::Create {
                desired: want.clone(),
            }),
            [key] => {
                check_kept(Kind::Widget, &key.name, &key.key_last8);
                let diff = diff(key, want);
                if !diff.is_empty() {
                    changes.push(Change::Update {
                        current: Box::new((*key).clone()),
                        desired: want.clone(),
                        diff,
                    });
                }
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|k| k.id.as_str()).collect();
                ambiguous.push(format!(
                    "{} names {} Hub keys ({})",
                    quote(&want.name),
                    many.len(),
                    ids.join(", ")
                ));
            }
        }
    }
    for want in &file.api_keys {
        let matching: Vec<&ApiKey> = current_api.iter().filter(|k| k.name == want.name).collect();
        match matching.as_slice() {
            [] => changes.push(Change::CreateApi {
                desired: want.clone(),
            }),
            [key] => {
                check_kept(Kind::Api, &key.name, &key.key_last8);
                if key.is_disabled() != want.disabled {
                    changes.push(Change::UpdateApi {
                        current: Box::new((*key).clone()),
                        desired: want.clone(),
                    });
                }
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|k| k.id.as_str()).collect();
                ambiguous.push(format!(
                    "API key {} names {} Hub keys ({})",
                    quote(&want.name),
                    many.len(),
                    ids.join(", ")
                ));
            }
        }
    }
    if !ambiguous.is_empty() {
        return Err(CliError::msg(format!(
            "the file is ambiguous against the Hub; nothing was sent: {}. Rename or delete all but one of them (kataven widget-keys update ID --name NEW), then plan again",
            ambiguous.join("; ")
        )));
    }
    if prune.widget_keys {
        for key in current {
            if !key.is_disabled() && !desired.iter().any(|want| want.name == key.name) {
                changes.push(Change::Delete {
                    current: Box::new(key.clone()),
                });
            }
        }
    }
    if prune.api_keys {
        for key in current_api {
            if !key.is_disabled() && !file.api_keys.iter().any(|want| want.name == key.name) {
                changes.push(Change::DeleteApi {
                    current: Box::new(key.clone()),
                });
            }
        }
    }
    Ok(Plan {
        changes,
        desired,
        unkept,
        hub_state: fingerprint(current, current_api),
    })
}

fn diff(current: &WidgetKey, want: &DesiredKey) -> Diff {
    let mut diff = Diff::default();
    if entry_set(&current.domain_allowlist) != entry_set(&want.domain_allowlist) {
        diff.domain_allowlist = Some((
            current.domain_allowlist.clone(),
            want.domain_allowlist.clone(),
        ));
    }
    if current.agent_id != want.agent_id {
        diff.agent_id = Some((current.agent_id.clone(), want.agent_id.clone()));
    }
    if current.is_disabled() != want.disabled {
        diff.disabled = Some((current.is_disabled(), want.disabled));
    }
    diff
}

fn agent(agent: &Option<String>) -> String {
    agent.as_deref().map_or_else(|| "(none)".to_string(), quote)
}

/// How the Hub will remove a key: its last use decides.
pub fn delete_mode(
    last_used_at: Option<&kataven::chrono::DateTime<kataven::chrono::Utc>>,
) -> String {
    match last_used_at {
        None => "hard: never used".to_string(),
        Some(at) => format!("soft: last used {}, will be disabled", when(at)),
    }
}

impl Plan {
    /// (create, update, delete)
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for change in &self.changes {
            match change {
                Change::Create { .. } | Change::CreateApi { .. } => {
                    counts.0 = usize::saturating_add(counts.0, 1)
                }
                Change::Update { .. } | Change::UpdateApi { .. } => {
                    counts.1 = usize::saturating_add(counts.1, 1)
                }
                Change::Delete { .. } | Change::DeleteApi { .. } => {
                    counts.2 = usize::saturating_add(counts.2, 1)
                }
            }
        }
        counts
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The lint warnings of the file's allowlists, as `"NAME": warning`,
    /// then the keys whose plaintext no keys file holds.
    pub fn warnings(&self) -> Vec<String> {
        self.desired
            .iter()
            .flat_map(|key| {
                key.warnings
                    .iter()
                    .map(move |warning| format!("{}: {warning}", quote(&key.name)))
            })
            .chain(self.unkept.iter().cloned())
            .collect()
    }

    /// Whether the plan creates API keys (whose secrets need a keys file).
    pub fn creates_api_keys(&self) -> bool {
        self.changes
            .iter()
            .any(|change| matches!(change, Change::CreateApi { .. }))
    }

    /// Whether the plan creates widget keys (whose plaintexts are shown once).
    pub fn creates_widget_keys(&self) -> bool {
        self.changes
            .iter()
            .any(|change| matches!(change, Change::Create { .. }))
    }

    /// Whether the plan changes API keys (which only a person's session may).
    pub fn writes_api_keys(&self) -> bool {
        self.changes.iter().any(|change| {
            matches!(
                change,
                Change::CreateApi { .. } | Change::UpdateApi { .. } | Change::DeleteApi { .. }
            )
        })
    }

    /// The plan for people, Terraform-style, ending in the summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for change in &self.changes {
            match change {
                Change::Create { desired } => {
                    let _ = writeln!(out, "+ create {}", quote(&desired.name));
                    let _ = writeln!(
                        out,
                        "    domain_allowlist: {}",
                        list(&desired.domain_allowlist)
                    );
                    if desired.agent_id.is_some() {
                        let _ = writeln!(out, "    agent_id: {}", agent(&desired.agent_id));
                    }
                    if desired.disabled {
                        let _ = writeln!(out, "    disabled: true");
                    }
                }
                Change::Update { desired, diff, .. } => {
                    let _ = writeln!(out, "~ update {}", quote(&desired.name));
                    if let Some((from, to)) = &diff.domain_allowlist {
                        let _ =
                            writeln!(out, "    domain_allowlist: {} -> {}", list(from), list(to));
                    }
                    if let Some((from, to)) = &diff.agent_id {
                        let _ = writeln!(out, "    agent_id: {} -> {}", agent(from), agent(to));
                    }
                    if let Some((from, to)) = &diff.disabled {
                        let _ = writeln!(out, "    disabled: {from} -> {to}");
                    }
                }
                Change::Delete { current } => {
                    let _ = writeln!(
                        out,
                        "- delete {} ({})",
                        quote(&current.name),
                        delete_mode(current.last_used_at.as_ref())
                    );
                }
                Change::CreateApi { desired } => {
                    let _ = writeln!(out, "+ create API key {}", quote(&desired.name));
                    match desired.expires_in_days {
                        Some(days) => {
                            let _ = writeln!(out, "    expires_in_days: {days}");
                        }
                        None => {
                            let _ = writeln!(out, "    expires: never");
                        }
                    }
                    if desired.disabled {
                        let _ = writeln!(out, "    disabled: true");
                    }
                }
                Change::UpdateApi { current, desired } => {
                    let _ = writeln!(out, "~ update API key {}", quote(&desired.name));
                    let _ = writeln!(
                        out,
                        "    disabled: {} -> {}",
                        current.is_disabled(),
                        desired.disabled
                    );
                }
                Change::DeleteApi { current } => {
                    let _ = writeln!(
                        out,
                        "- delete API key {} ({})",
                        quote(&current.name),
                        delete_mode(current.last_used_at.as_ref())
                    );
                }
            }
        }
        if self.is_empty() {
            out.push_str("No changes.\n");
        } else {
            let (create, update, delete) = self.counts();
            let _ = writeln!(
                out,
                "\nPlan: {create} to create, {update} to update, {delete} to delete."
            );
        }
        out
    }

    /// The plan for scripts.
    pub fn to_json(&self) -> Value {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|change| match change {
                Change::Create { desired } => json!({
                    "action": "create",
                    "kind": "widget_key",
                    "name": desired.name,
                    "domain_allowlist": desired.domain_allowlist,
                    "agent_id": desired.agent_id,
                    "disabled": desired.disabled,
                }),
                Change::Update {
                    current,
                    desired,
                    diff,
                } => {
                    let mut fields = serde_json::Map::new();
                    if let Some((from, to)) = &diff.domain_allowlist {
                        fields.insert("domain_allowlist".into(), json!({"from": from, "to": to}));
                    }
                    if let Some((from, to)) = &diff.agent_id {
                        fields.insert("agent_id".into(), json!({"from": from, "to": to}));
                    }
                    if let Some((from, to)) = &diff.disabled {
                        fields.insert("disabled".into(), json!({"from": from, "to": to}));
                    }
                    json!({
                        "action": "update",
                        "kind": "widget_key",
                        "name": desired.name,
                        "id": current.id,
                        "changes": fields,
                    })
                }
                Change::Delete { current } => json!({
                    "action": "delete",
                    "kind": "widget_key",
                    "name": current.name,
                    "id": current.id,
                    "mode": if current.last_used_at.is_some() { "soft" } else { "hard" },
                    "last_used_at": current.last_used_at,
                }),
                Change::CreateApi { desired } => json!({
                    "action": "create",
                    "kind": "api_key",
                    "name": desired.name,
                    "expires_in_days": desired.expires_in_days,
                    "disabled": desired.disabled,
                }),
                Change::UpdateApi { current, desired } => json!({
                    "action": "update",
                    "kind": "api_key",
                    "name": desired.name,
                    "id": current.id,
                    "changes": {"disabled": {"from": current.is_disabled(), "to": desired.disabled}},
                }),
                Change::DeleteApi { current } => json!({
                    "action": "delete",
                    "kind": "api_key",
                    "name": current.name,
                    "id": current.id,
                    "mode": if current.last_used_at.is_some() { "soft" } else { "hard" },
                    "last_used_at": current.last_used_at,
                }),
            })
            .collect();
        let warnings: Vec<Value> = self
            .desired
            .iter()
            .flat_map(|key| {
                key.warnings.iter().map(move |warning| {
                    json!({
                        "name": key.name,
                        "code": warning.code(),
                        "message": warning.to_string(),
                    })
                })
            })
            .chain(self.unkept.iter().map(
                |message| json!({"name": null, "code": "plaintext-not-kept", "message": message}),
            ))
            .collect();
        let (create, update, delete) = self.counts();
        json!({
            "changes": changes,
            "warnings": warnings,
            "summary": {"create": create, "update": update, "delete": delete},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::desired;

    fn file(keys: Vec<DesiredKey>) -> Desired {
        Desired {
            widget_keys: keys,
            ..Desired::default()
        }
    }

    fn plan(keys: Vec<DesiredKey>, hub: &[WidgetKey], prune: bool) -> Result<Plan, CliError> {
        let prune = Prune {
            widget_keys: prune,
            api_keys: prune,
        };
        super::plan(&file(keys), hub, &[], prune, None)
    }

    fn hub_key(name: &str, allowlist: &[&str], disabled: bool, used: bool) -> WidgetKey {
        let now = "2026-01-02T03:04:05Z";
        let mut value = json!({
            "id": format!("00000000-0000-4000-8000-{:012}", name.len()),
            "name": name,
            "key_last8": "abcdefgh",
            "domain_allowlist": allowlist,
            "agent_id": null,
            "created_at": now,
            "updated_at": now,
            "disabled_at": null,
            "last_used_at": null,
        });
        if disabled {
            value["disabled_at"] = json!(now);
        }
        if used {
            value["last_used_at"] = json!(now);
        }
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn matches_by_name_and_compares_allowlists_as_sets() {
        let file = desired::parse(
            r#"
            [[widget_key]]
            name = "same"
            domain_allowlist = ["*.acme.com", "ACME.com"]
            [[widget_key]]
            name = "changed"
            domain_allowlist = ["acme.com"]
            agent_id = "agent_1"
            [[widget_key]]
            name = "new"
            domain_allowlist = []
            "#,
        )
        .unwrap();
        let hub = [
            hub_key("same", &["acme.com", "*.acme.com"], false, false),
            hub_key("changed", &["acme.com", "localhost:*"], true, false),
            hub_key("gone", &[], false, false),
            hub_key("gone-used", &[], false, true),
            hub_key("gone-disabled", &[], true, true),
        ];
        let unpruned = plan(file.clone(), &hub, false).unwrap();
        assert_eq!(unpruned.counts(), (1, 1, 0));
        let pruned = plan(file, &hub, true).unwrap();
        assert_eq!(pruned.counts(), (1, 1, 2));
        let text = pruned.render();
        assert!(
            text.contains("- delete \"gone\" (hard: never used)"),
            "{text}"
        );
        assert!(
            text.contains(
                "- delete \"gone-used\" (soft: last used 2026-01-02 03:04 UTC, will be disabled)"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "    domain_allowlist: [\"acme.com\", \"localhost:*\"] -> [\"acme.com\"]"
            )
        );
        assert!(text.contains("    agent_id: (none) -> \"agent_1\""));
        assert!(text.contains("    disabled: true -> false"));
        assert!(text.ends_with("\nPlan: 1 to create, 1 to update, 2 to delete.\n"));
    }

    #[test]
    fn a_name_two_hub_keys_share_is_an_error() {
        let file =
            desired::parse("[[widget_key]]\nname = \"twin\"\ndomain_allowlist = []\n").unwrap();
        let hub = [
            hub_key("twin", &[], false, false),
            hub_key("twin", &[], true, true),
        ];
        let Err(err) = plan(file, &hub, false) else {
            panic!("ambiguous")
        };
        assert!(err.to_string().contains("ambiguous"), "{err}");
        // A name the file does not use may be shared.
        assert!(plan(vec![], &hub, false).is_ok());
    }

    #[test]
    fn the_fingerprint_does_not_depend_on_the_hubs_order() {
        let a = hub_key("a", &["acme.com"], false, false);
        let bb = hub_key("bb", &[], true, true);
        assert_eq!(
            fingerprint(&[a.clone(), bb.clone()], &[]),
            fingerprint(&[bb, a], &[])
        );
    }

    #[test]
    fn no_changes() {
        let plan = plan(vec![], &[], true).unwrap();
        assert_eq!(plan.render(), "No changes.\n");
    }
}
