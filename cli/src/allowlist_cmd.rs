//! `kataven allowlist check` and `kataven allowlist lint`.

use kataven::Client;
use kataven::allowlist::{self, Explanation};
use serde_json::{Value, json};

use crate::args::CheckArgs;
use crate::output::{CliError, Out, Status, quote, table};

/// Is the origin allowed? Exit 0 allowed, 2 denied.
pub async fn check(
    client: Option<&Client>,
    out: &Out,
    args: CheckArgs,
) -> Result<Status, CliError> {
    let (entries, key) = match (&args.key, client) {
        (Some(id), Some(client)) => {
            let key = client
                .widget_keys()
                .list()
                .await?
                .into_iter()
                .find(|key| key.id.as_str() == id.trim())
                .ok_or_else(|| {
                    CliError::msg(format!("no widget key with id {id} in the account"))
                })?;
            (key.domain_allowlist.clone(), Some(key))
        }
        _ => (args.entries.clone(), None),
    };
    let explanation = allowlist::explain(&entries, &args.origin);
    if let Explanation::InvalidOrigin { problem } = &explanation {
        return Err(CliError::msg(format!(
            "{} is not an origin: {problem}",
            quote(&args.origin)
        )));
    }
    let disabled = key.as_ref().is_some_and(|key| key.is_disabled());
    let allowed = explanation.is_allowed() && !disabled;

    if out.is_json() {
        let (entry, index, misses) = match &explanation {
            Explanation::Allowed { index, entry } => {
                (Some(entry.to_string()), Some(*index), vec![])
            }
            Explanation::Denied { misses } => (
                None,
                None,
                misses
                    .iter()
                    .map(|miss| {
                        json!({
                            "index": miss.index,
                            "entry": miss.entry,
                            "reason": miss.miss.code(),
                            "message": miss.miss.to_string(),
                        })
                    })
                    .collect(),
            ),
            _ => (None, None, vec![]),
        };
        out.json(&json!({
            "origin": args.origin,
            "allowed": allowed,
            "entry": entry,
            "index": index,
            "misses": misses,
            "key": key.as_ref().map(|key| json!({
                "id": key.id,
                "name": key.name,
                "disabled": key.is_disabled(),
            })),
        }))?;
    } else {
        let mut text = String::new();
        match &explanation {
            Explanation::Allowed { index, entry } if !disabled => {
                text.push_str(&format!(
                    "allowed: {} by {entry} (entry {} of {})\n",
                    args.origin,
                    index.saturating_add(1),
                    entries.len()
                ));
            }
            Explanation::Allowed { entry, .. } => {
                text.push_str(&format!("denied: {}\n", args.origin));
                if let Some(key) = &key {
                    text.push_str(&format!(
                        "  the key {} is disabled: it lets no origin in (its allowlist would, by {entry})\n",
                        quote(&key.name)
                    ));
                }
            }
            Explanation::Denied { misses } => {
                text.push_str(&format!("denied: {}\n", args.origin));
                if let Some(key) = key.as_ref().filter(|key| key.is_disabled()) {
                    text.push_str(&format!(
                        "  the key {} is disabled: it lets no origin in\n",
                        quote(&key.name)
                    ));
                }
                if misses.is_empty() {
                    text.push_str("  the allowlist is empty: the key is blocked\n");
                }
                let rows: Vec<Vec<String>> = misses
                    .iter()
                    .map(|miss| vec![format!("  {}", miss.entry), miss.miss.to_string()])
                    .collect();
                if !rows.is_empty() {
                    // The rows only: the header would be noise here.
                    let rendered = table(&["", ""], &rows);
                    text.extend(rendered.lines().skip(1).map(|line| format!("{line}\n")));
                }
            }
            _ => {}
        }
        out.text(&text)?;
    }
    Ok(if allowed {
        Status::Success
    } else {
        Status::Other
    })
}

/// Normalised entries, refused ones and warnings. Exit 1 when an entry is
/// refused (the report is still printed on stdout).
pub fn lint(out: &Out, entries: &[String]) -> Result<Status, CliError> {
    let report = allowlist::lint(entries);
    let refused = report.errors().count();
    if out.is_json() {
        let linted: Vec<Value> = report
            .entries
            .iter()
            .map(|entry| match &entry.parsed {
                Ok(parsed) => {
                    json!({"input": entry.input, "normalised": parsed.to_string(), "error": null})
                }
                Err(err) => {
                    json!({"input": entry.input, "normalised": null, "error": err.problem()})
                }
            })
            .collect();
        let warnings: Vec<Value> = report
            .warnings
            .iter()
            .map(|warning| {
                json!({
                    "index": warning.index(),
                    "entry": warning.index().and_then(|i| entries.get(i)),
                    "code": warning.code(),
                    "message": warning.to_string(),
                })
            })
            .collect();
        out.json(&json!({
            "entries": linted,
            "warnings": warnings,
            "normalised": report.normalised(),
        }))?;
    } else {
        let mut text = String::new();
        if !report.entries.is_empty() {
            let rows: Vec<Vec<String>> = report
                .entries
                .iter()
                .map(|entry| {
                    vec![
                        entry.input.clone(),
                        match &entry.parsed {
                            Ok(parsed) => parsed.to_string(),
                            Err(err) => format!("refused: {}", err.problem()),
                        },
                    ]
                })
                .collect();
            text.push_str(&table(&["ENTRY", "NORMALISED"], &rows));
        }
        for warning in &report.warnings {
            text.push_str(&format!("warning: {warning}\n"));
        }
        let valid = report.entries.len().saturating_sub(refused);
        text.push_str(&format!(
            "{valid} valid, {refused} refused, {} {}.\n",
            report.warnings.len(),
            if report.warnings.len() == 1 {
                "warning"
            } else {
                "warnings"
            }
        ));
        out.text(&text)?;
    }
    if refused > 0 {
        return Err(CliError::msg(format!(
            "{refused} of {} entries {} refused",
            entries.len(),
            if refused == 1 { "is" } else { "are" }
        )));
    }
    Ok(Status::Success)
}
