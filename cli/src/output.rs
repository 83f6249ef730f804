//! Everything the CLI prints: results on stdout (text or JSON), errors and
//! warnings on stderr, and the exit status.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use kataven::chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args::Format;

/// How a command that ran ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Success,
    /// Exit 2: it ran fine and the answer is the other one (changes are
    /// present, the origin is denied).
    Other,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Other => ExitCode::from(2),
        }
    }
}

/// A command that failed (exit 1).
#[derive(Debug)]
pub enum CliError {
    /// The Hub or the SDK refused or failed.
    Hub(kataven::Error),
    /// Anything else, already worded for people.
    Message(String),
    /// stdout was closed (`| head`): end quietly.
    StdoutClosed,
    /// A failure, and what the user must know about what happened before
    /// it (keys minted, steps applied), printed as `note:` lines.
    WithNotes(Box<CliError>, Vec<String>),
}

impl From<kataven::Error> for CliError {
    fn from(err: kataven::Error) -> Self {
        CliError::Hub(err)
    }
}

impl CliError {
    /// A failure worded for people.
    pub fn msg(text: impl Into<String>) -> Self {
        CliError::Message(text.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Hub(err) => {
                // The SDK's one line names the status, the Hub's message and
                // the request id; whatever it leaves out is added, so the
                // CLI's promise does not hang on that wording.
                let line = err.to_string();
                f.write_str(&line)?;
                if let Some(status) = err.status().filter(|s| !line.contains(&s.to_string())) {
                    write!(f, " (status {status})")?;
                }
                if let Some(message) = err
                    .message()
                    .map(str::trim)
                    .filter(|m| !m.is_empty() && !line.contains(m))
                {
                    write!(f, " (the Hub said: {message})")?;
                }
                if let Some(id) = err.request_id().filter(|id| !line.contains(id)) {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
            CliError::Message(text) => f.write_str(text),
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
            let (status, message, request_id) = match cause {
                CliError::Hub(err) => (err.status(), err.message(), err.request_id()),
                _ => (None, None, None),
            };
            let doc = serde_json::json!({
                "error": {
                    "message": text,
                    "status": status,
                    "hub_message": message,
                    "request_id": request_id,
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

    /// Writes one JSON document, pretty-printed.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::msg(format!("cannot write JSON: {e}")))?;
        self.line(text)
    }
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
}
