//! The desired-state file: `[[widget_key]]` and `[[api_key]]` tables in
//! TOML, read once and validated as a whole before any request is sent.

use std::collections::HashSet;
use std::path::Path;

use kataven::allowlist::{self, Warning};
use serde::Deserialize;

use crate::output::CliError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    widget_key: Vec<RawKey>,
    #[serde(default)]
    api_key: Vec<RawApiKey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApiKey {
    name: String,
    #[serde(default)]
    expires_in_days: Option<u32>,
    #[serde(default)]
    disabled: bool,
}

/// An API key as the file wants it. The expiry applies when it is created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredApiKey {
    pub name: String,
    pub expires_in_days: Option<u32>,
    pub disabled: bool,
}

/// The whole file, and its text (a saved plan carries it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Desired {
    pub widget_keys: Vec<DesiredKey>,
    pub api_keys: Vec<DesiredApiKey>,
    pub text: String,
}

impl Desired {
    /// Whether the file names no key at all.
    pub fn is_empty(&self) -> bool {
        self.widget_keys.is_empty() && self.api_keys.is_empty()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    name: String,
    domain_allowlist: Vec<String>,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    disabled: bool,
}

/// One key as the file wants it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredKey {
    /// The identity: unique in the file.
    pub name: String,
    /// Normalised, without duplicates, in the file's order.
    pub domain_allowlist: Vec<String>,
    /// `None`: unpinned.
    pub agent_id: Option<String>,
    pub disabled: bool,
    /// The allowlist's lint warnings.
    pub warnings: Vec<Warning>,
}

/// Reads and validates `path`: TOML syntax, unique non-empty names, every
/// allowlist entry, agent ids. Every problem is reported at once.
pub fn load(path: &Path) -> Result<Desired, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| CliError::msg(format!("cannot read {}: {err}", path.display())))?;
    parse_text(&text, &path.display().to_string())
}

/// Parses the text of a file named `shown`.
pub fn parse_text(text: &str, shown: &str) -> Result<Desired, CliError> {
    let doc = parse_all(text).map_err(|problems| {
        let mut message = format!("{shown} is not a valid desired-state file; nothing was sent:");
        for problem in problems {
            message.push_str("\n  - ");
            message.push_str(problem.trim_end());
        }
        CliError::msg(message)
    })?;
    Ok(Desired {
        text: text.to_string(),
        ..doc
    })
}

/// The widget keys of a file's text; the error lists every problem.
#[cfg(test)]
pub fn parse(text: &str) -> Result<Vec<DesiredKey>, Vec<String>> {
    parse_all(text).map(|doc| doc.widget_keys)
}

/// Parses a file's text; the error lists every problem.
fn parse_all(text: &str) -> Result<Desired, Vec<String>> {
    let doc: FileDoc = toml::from_str(text).map_err(|err| vec![err.to_string()])?;
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut keys = Vec::new();
    for (position, raw) in doc.widget_key.into_iter().enumerate() {
        let label = format!(
            "widget_key {} ({})",
            position.saturating_add(1),
            crate::output::quote(&raw.name)
        );
        if let Err(problem) = crate::output::check_name(&raw.name) {
            problems.push(format!("{label}: {problem}"));
        } else if !seen.insert(raw.name.clone()) {
            problems.push(format!(
                "{label}: the name is used twice in the file (a name is a key's identity)"
            ));
        }
        if raw.agent_id.as_deref().is_some_and(|a| a.trim().is_empty()) {
            problems.push(format!(
                "{label}: agent_id is empty; leave it out for an unpinned key"
            ));
        }
        let report = allowlist::lint(&raw.domain_allowlist);
        for err in report.errors() {
            problems.push(format!("{label}: domain_allowlist: {err}"));
        }
        keys.push(DesiredKey {
            domain_allowlist: report.normalised(),
            warnings: report.warnings,
            name: raw.name,
            agent_id: raw.agent_id,
            disabled: raw.disabled,
        });
    }
    let mut api_keys = Vec::new();
    let mut seen = HashSet::new();
    for (position, raw) in doc.api_key.into_iter().enumerate() {
        let label = format!(
            "api_key {} ({})",
            position.saturating_add(1),
            crate::output::quote(&raw.name)
        );
        if let Err(problem) = crate::output::check_name(&raw.name) {
            problems.push(format!("{label}: {problem}"));
        } else if !seen.insert(raw.name.clone()) {
            problems.push(format!(
                "{label}: the name is used twice in the file (a name is a key's identity)"
            ));
        }
        if raw
            .expires_in_days
            .is_some_and(|days| !(1..=3650).contains(&days))
        {
            problems.push(format!(
                "{label}: expires_in_days must be 1 to 3650; leave it out for a key that never expires"
            ));
        }
        api_keys.push(DesiredApiKey {
            name: raw.name,
            expires_in_days: raw.expires_in_days,
            disabled: raw.disabled,
        });
    }
    if problems.is_empty() {
        Ok(Desired {
            widget_keys: keys,
            api_keys,
            text: String::new(),
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_form() {
        let keys = parse(
            r#"
            [[widget_key]]
            name = "acme.com production"
            domain_allowlist = ["ACME.com", "*.acme.com", "acme.com"]
            agent_id = "agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z"

            [[widget_key]]
            name = "dev"
            domain_allowlist = ["localhost:*"]
            disabled = true
            "#,
        )
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].domain_allowlist, ["acme.com", "*.acme.com"]);
        assert_eq!(keys[0].warnings.len(), 1, "{:?}", keys[0].warnings);
        assert!(!keys[0].disabled);
        assert_eq!(keys[1].agent_id, None);
        assert!(keys[1].disabled);
        assert_eq!(parse("").unwrap(), []);
    }

    #[test]
    fn reports_every_problem() {
        let problems = parse(
            r#"
            [[widget_key]]
            name = "a"
            domain_allowlist = ["*.com", "acme..com"]
            [[widget_key]]
            name = "a"
            domain_allowlist = []
            agent_id = ""
            [[widget_key]]
            name = " "
            domain_allowlist = ["acme.com"]
            "#,
        )
        .unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(problems[0].contains("*.com"));
        assert!(problems[2].contains("twice"));
        assert!(problems[3].contains("agent_id"));
        assert!(problems[4].contains("empty"));
        let problems = parse_all(
            "[[api_key]]\nname = \"ci \"\n[[api_key]]\nname = \"x\"\nexpires_in_days = 0\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].contains("surrounding whitespace"));
    }

    #[test]
    fn refuses_unknown_fields_and_missing_allowlists() {
        for text in [
            "[[widget_key]]\nname = \"a\"\n",
            "[[widget_key]]\nname = \"a\"\ndomain_allowlist = []\nagent = \"x\"\n",
            "[[widget_keys]]\nname = \"a\"\n",
            "[[widget_key]]\nname = \"a\"\ndomain_allowlist = \"acme.com\"\n",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
