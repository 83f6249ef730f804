//! `kataven allowlist check` and `kataven allowlist lint`.

use clap::{Args, Subcommand};
use kataven::Client;
use kataven::allowlist::{self, Explanation};
use serde_json::{Value, json};

use crate::hub::{self, HubArgs};
use crate::output::{CliError, Format, Out, OutputArgs, Status, quote, table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Is ORIGIN allowed? Says which entry decided, or why each entry misses (exit 2: denied).
    #[command(
        after_help = "Examples:\n  kataven allowlist check https://shop.acme.com --entry acme.com --entry '*.acme.com'\n  kataven allowlist check http://localhost:3000 --key 3f1c2b4a-..."
    )]
    Check(CheckArgs),
    /// Normalise entries and report refused ones and warnings (exit 1: an entry is refused).
    #[command(
        after_help = "Example:\n  kataven allowlist lint ACME.com '*.acme.com' 'localhost:*'"
    )]
    Lint(LintArgs),
}

impl Command {
    /// How the command prints.
    pub fn format(&self) -> Format {
        match self {
            Command::Check(args) => args.out.output,
            Command::Lint(args) => args.out.output,
        }
    }
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The entries; none at all is an empty list, which blocks a key.
    #[arg(value_name = "ENTRY")]
    pub entries: Vec<String>,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("list").required(true).args(["entries", "key"]))]
pub struct CheckArgs {
    /// The page's origin, e.g. https://shop.acme.com or http://localhost:3000.
    pub origin: String,
    /// An allowlist entry to check against (repeat for more).
    #[arg(long = "entry", value_name = "ENTRY")]
    pub entries: Vec<String>,
    /// Check against this widget key's allowlist, read from the Hub (uses the Hub options).
    #[arg(long, value_name = "ID")]
    pub key: Option<String>,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(command: Command) -> Result<Status, CliError> {
    let out = Out::new(command.format());
    match command {
        Command::Lint(args) => lint(&out, &args.entries),
        Command::Check(args) => {
            let client = match args.key {
                Some(_) => Some(hub::client(&args.hub)?),
                None => None,
            };
            check(client.as_ref(), &out, args).await
        }
    }
}

/// Is the origin allowed? Exit 0 allowed, 2 denied.
async fn check(client: Option<&Client>, out: &Out, args: CheckArgs) -> Result<Status, CliError> {
    let (entries, key) = match (&args.key, client) {
        (Some(id), Some(client)) => {
            let key = crate::widget_keys::list(client)
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
        out.json(json!({
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
fn lint(out: &Out, entries: &[String]) -> Result<Status, CliError> {
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
        out.json(json!({
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
