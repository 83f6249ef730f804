//! Everything the CLI prints: results on stdout (text or JSON), errors and
//! warnings on stderr, and the exit status.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use kataven::chrono::{DateTime, Utc};
use serde_json::Value;

use crate::errors;

/// The version of every JSON document the CLI prints (`format_version`):
/// raised when a field is removed or changes meaning, not when one is added.
pub const FORMAT_VERSION: u32 = 1;

/// How results are printed on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Table,
    /// JSON for scripts: one document per command, with a `format_version`.
    Json,
}

/// `-o/--output`, on every command that prints a result.
#[derive(Clone, Copy, Debug, Args)]
pub struct OutputArgs {
    /// table for people, json for scripts (one document, with a format_version).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// How a command that ran ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Success,
    /// Exit 2: it ran fine and the answer is the other one (changes are
    /// present, the origin is denied).
    Other,
}

/// The exit codes (cli/README.md has the table).
pub mod exit {
    /// A refused argument or file, a Hub error, a network failure.
    pub const ERROR: u8 = 1;
    /// It ran fine and the answer is the other one.
    pub const OTHER: u8 = 2;
    /// The credentials are missing, malformed, or refused by the Hub (401).
    pub const AUTH: u8 = 3;
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Other => ExitCode::from(exit::OTHER),
        }
    }
}

/// A command that failed.
#[derive(Debug)]
pub enum CliError {
    /// The Hub or the SDK refused or failed while the CLI was `doing` this
    /// (in words: `creating widget key "docs"`).
    Hub {
        doing: String,
        err: Box<kataven::Error>,
    },
    /// Anything else, already worded for people.
    Message(String),
    /// No usable credentials: exit 3.
    Credentials(String),
    /// stdout was closed (`| head`): end quietly.
    StdoutClosed,
    /// A failure, and what the user must know about what happened before
    /// it (keys minted, steps applied), printed as `note:` lines.
    WithNotes(Box<CliError>, Vec<String>),
}

impl CliError {
    /// A failure worded for people.
    pub fn msg(text: impl Into<String>) -> Self {
        CliError::Message(text.into())
    }

    /// The SDK's error, while doing `doing`.
    pub fn hub(doing: impl Into<String>, err: kataven::Error) -> Self {
        CliError::Hub {
            doing: doing.into(),
            err: Box::new(err),
        }
    }

    /// The SDK error inside, if any.
    pub fn sdk(&self) -> Option<&kataven::Error> {
        match self {
            CliError::Hub { err, .. } => Some(err),
            CliError::WithNotes(cause, _) => cause.sdk(),
            _ => None,
        }
    }

    /// This failure with more notes.
    pub fn with_notes(self, mut more: Vec<String>) -> Self {
        match self {
            CliError::WithNotes(cause, mut notes) => {
                notes.append(&mut more);
                CliError::WithNotes(cause, notes)
            }
            other if more.is_empty() => other,
            other => CliError::WithNotes(Box::new(other), more),
        }
    }

    /// This failure as note lines: its own line, then its notes (for a
    /// failure that happened while handling another).
    pub fn into_notes(self) -> Vec<String> {
        match self {
            CliError::WithNotes(cause, notes) => {
                std::iter::once(cause.to_string()).chain(notes).collect()
            }
            other => vec![other.to_string()],
        }
    }

    /// The process's exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Credentials(_) => exit::AUTH,
            CliError::Hub { err, .. } if errors::is_auth_failure(err) => exit::AUTH,
            CliError::WithNotes(cause, _) => cause.exit_code(),
            _ => exit::ERROR,
        }
    }
}

/// Adds the words of what was being done to an SDK result.
pub trait Doing<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, CliError>;
}

impl<T> Doing<T> for Result<T, kataven::Error> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, CliError> {
        self.map_err(|err| CliError::hub(what(), err))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Hub { doing, err } => {
                write!(f, "{doing} failed: {}", errors::describe(err))
            }
            CliError::Message(text) | CliError::Credentials(text) => f.write_str(text),
            CliError::StdoutClosed => f.write_str("stdout was closed"),
            CliError::WithNotes(cause, _) => write!(f, "{cause}"),
        }
    }
}

/// Prints a failure on stderr: one `error:` line and its `note:` lines,
/// or in JSON mode one `{"error": ...}` document.
pub fn report(err: &CliError, format: Format) {
    let (cause, notes) = match err {
        CliError::WithNotes(cause, notes) => (cause.as_ref(), notes.as_slice()),
        other => (other, &[][..]),
    };
    let text = cause.to_string();
    let mut stderr = io::stderr().lock();
    match format {
        Format::Table => {
            let _ = writeln!(stderr, "error: {text}");
            for note in notes {
                let _ = writeln!(stderr, "note: {note}");
            }
        }
        Format::Json => {
            let sdk = cause.sdk();
            let doc = serde_json::json!({
                "format_version": FORMAT_VERSION,
                "error": {
                    "message": text,
                    "exit_code": err.exit_code(),
                    "status": sdk.and_then(kataven::Error::status),
                    "hub_message": sdk.and_then(kataven::Error::message),
                    "request_id": sdk.and_then(kataven::Error::request_id),
                    "possibly_applied": sdk.is_some_and(kataven::Error::is_possibly_applied),
                    "notes": notes,
                }
            });
            let _ = writeln!(stderr, "{doc}");
        }
    }
}

/// A warning on stderr.
pub fn warn(text: impl fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "warning: {text}");
}

/// stdout, for results only. A closed pipe turns into
/// [`CliError::StdoutClosed`], which ends the command quietly.
#[derive(Debug)]
pub struct Out {
    format: Format,
}

impl Out {
    pub fn new(format: Format) -> Self {
        Self { format }
    }

    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// Writes `text` and a newline.
    pub fn line(&self, text: impl fmt::Display) -> Result<(), CliError> {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "{text}")
            .and_then(|()| stdout.flush())
            .map_err(stdout_error)
    }

    /// Writes `text` as it is (it ends in a newline or is empty).
    pub fn text(&self, text: &str) -> Result<(), CliError> {
        let mut stdout = io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(stdout_error)
    }

    /// Writes one JSON document (an object), pretty-printed, with the
    /// `format_version` added.
    pub fn json(&self, mut doc: Value) -> Result<(), CliError> {
        if let Value::Object(fields) = &mut doc {
            fields.insert("format_version".into(), FORMAT_VERSION.into());
        }
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| CliError::msg(format!("cannot write JSON: {e}")))?;
        self.line(text)
    }
}

/// A serde value of an SDK model, for a JSON document.
pub fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn stdout_error(err: io::Error) -> CliError {
    if err.kind() == io::ErrorKind::BrokenPipe {
        CliError::StdoutClosed
    } else {
        CliError::msg(format!("cannot write to stdout: {err}"))
    }
}

/// Columns aligned on the widest cell, two spaces apart; the last column is
/// not padded. Hand-written: a table crate would bring more than this needs.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    // Names and entries come from the Hub: no control character (a terminal
    // escape) reaches the terminal.
    let clean = |cell: &str| -> String {
        cell.chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect()
    };
    let lines: Vec<Vec<String>> = std::iter::once(headers.iter().map(|h| clean(h)).collect())
        .chain(
            rows.iter()
                .map(|row| row.iter().map(|cell| clean(cell)).collect()),
        )
        .collect();
    let mut widths: Vec<usize> = Vec::new();
    for line in &lines {
        for (i, cell) in line.iter().enumerate() {
            let count = cell.chars().count();
            match widths.get_mut(i) {
                Some(width) => *width = (*width).max(count),
                None => widths.push(count),
            }
        }
    }
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        let last = line.len().saturating_sub(1);
        for (i, (cell, width)) in line.iter().zip(&widths).enumerate() {
            text.push_str(cell);
            if i != last {
                let pad = width.saturating_sub(cell.chars().count()).saturating_add(2);
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// A time as the tables show it.
pub fn when(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A list of strings as the plan shows it: `["a", "b"]`.
pub fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A string quoted as JSON would (escapes included).
pub fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.escape_debug()))
}

/// A key's name as a command line takes it: refused when it is empty or
/// has surrounding whitespace (`"prod "` and `"prod"` would look alike in
/// every table and plan).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err("the name is empty".to_string())
    } else if name.trim() != name {
        Err(format!(
            "the name {} has surrounding whitespace; write {}",
            quote(name),
            quote(name.trim())
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["a".to_string(), "long value".to_string(), "x".to_string()],
            vec!["bbb".to_string(), "v".to_string(), String::new()],
        ];
        assert_eq!(
            table(&["A", "B", "C"], &rows),
            "A    B           C\na    long value  x\nbbb  v\n"
        );
    }

    #[test]
    fn table_cells_lose_control_characters() {
        let rows = vec![vec!["a\u{1b}[31mred".to_string(), "b".to_string()]];
        assert_eq!(
            table(&["A", "B"], &rows),
            "A          B\na\u{FFFD}[31mred  b\n"
        );
    }

    #[test]
    fn lists_are_quoted() {
        assert_eq!(
            list(&["acme.com".into(), "a\"b".into()]),
            r#"["acme.com", "a\"b"]"#
        );
        assert_eq!(list(&[]), "[]");
    }

    #[test]
    fn names_with_surrounding_whitespace_are_refused() {
        assert!(check_name("prod").is_ok());
        assert!(check_name("acme prod").is_ok());
        for bad in ["", " ", " prod", "prod ", "prod\n"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
