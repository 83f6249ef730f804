//! The desired-state file: `[[widget_key]]` tables in TOML, validated as a
//! whole before any request is sent.

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
pub fn load(path: &Path) -> Result<Vec<DesiredKey>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| CliError::msg(format!("cannot read {}: {err}", path.display())))?;
    parse(&text).map_err(|problems| {
        let mut message = format!(
            "{} is not a valid widget-key file; nothing was sent:",
            path.display()
        );
        for problem in problems {
            message.push_str("\n  - ");
            message.push_str(problem.trim_end());
        }
        CliError::msg(message)
    })
}

/// Parses a file's text; the error lists every problem.
pub fn parse(text: &str) -> Result<Vec<DesiredKey>, Vec<String>> {
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
        if raw.name.trim().is_empty() {
            problems.push(format!("{label}: the name is empty"));
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
    if problems.is_empty() {
        Ok(keys)
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
