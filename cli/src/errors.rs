//! The SDK's errors in the CLI's words: what failed is said by the caller
//! (`creating widget key "docs" failed`), so the SDK's operation ids are
//! left out; a connection error names the host and the cause; hints name
//! the CLI's flags and variables, not the SDK's methods.

use std::error::Error as _;

use kataven::Error;

/// The Hub's host, once a client is built: a connection error names it.
/// One process talks to one Hub, so one global is the whole story.
static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Records the Hub's host for the messages.
pub fn set_host(host: String) {
    let _ = HOST.set(host);
}

/// Whether the failure is about the credentials: the Hub refused them (401).
pub fn is_auth_failure(err: &Error) -> bool {
    match err {
        Error::Rotation { .. } => false,
        Error::InvalidInput { field, .. } => matches!(*field, "api_key" | "bearer_token"),
        other => other.is_unauthorized(),
    }
}

/// The error's line, without the SDK's operation id.
pub fn describe(err: &Error) -> String {
    match err {
        Error::Api {
            status,
            message,
            retry_after,
            attempts,
            request_id,
            possibly_applied,
            ..
        } => {
            let reason = reason(*status);
            let mut line = format!("the Hub answered {status}{reason}");
            let message = message.trim();
            if !message.is_empty() {
                line.push_str(": ");
                line.push_str(&one_line(message));
            }
            if let Some(hint) = hint(err) {
                line.push_str(&format!(" ({hint})"));
            }
            if let Some(note) = possibly_applied {
                line.push_str(&format!("; {}", cli_words(note)));
            }
            if let Some(delay) = retry_after {
                line.push_str(&format!("; retry after {}s", delay.as_secs()));
            }
            line.push_str(&attempts_note(*attempts));
            if let Some(id) = request_id {
                line.push_str(&format!(" [request id {}]", one_line(id)));
            }
            line
        }
        Error::Transport {
            message,
            attempts,
            possibly_applied,
            ..
        } => {
            let mut line = match HOST.get() {
                Some(host) => format!("could not talk to the Hub at {host}: {message}"),
                None => format!("could not talk to the Hub: {message}"),
            };
            if let Some(cause) = connection_cause(err) {
                line.push_str(&format!(" ({cause})"));
            }
            if let Some(note) = possibly_applied {
                line.push_str(&format!("; {}", cli_words(note)));
            }
            line.push_str(&attempts_note(*attempts));
            line
        }
        Error::Timeout {
            which,
            attempts,
            possibly_applied,
            ..
        } => {
            let mut line = format!("the {which} ran out (raise it with --timeout)");
            if let Some(note) = possibly_applied {
                line.push_str(&format!("; {}", cli_words(note)));
            }
            line.push_str(&attempts_note(*attempts));
            line
        }
        Error::InvalidInput { field, problem, .. } => {
            format!(
                "invalid {}: {} (nothing was sent)",
                field_words(field),
                cli_words(problem)
            )
        }
        Error::Rotation {
            state,
            problem,
            cause,
            ..
        } => {
            let mut line = problem.clone();
            if let Some(cause) = cause {
                line.push_str(&format!(" ({})", describe(cause)));
            }
            line.push_str(&format!("; {}", cli_words(&state.to_string())));
            line
        }
        // Decode, and whatever the SDK adds: its own line, with the
        // operation id taken off the front.
        other => {
            let line = other.to_string();
            let line = match line.split_once(": ") {
                Some((head, rest)) if is_operation_id(head) => rest.to_string(),
                _ => line,
            };
            cli_words(&line)
        }
    }
}

fn reason(status: u16) -> String {
    let text = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return String::new(),
    };
    format!(" {text}")
}

/// What a status means, in the CLI's words.
fn hint(err: &Error) -> Option<&'static str> {
    let status = err.status()?;
    let message = err.message().unwrap_or_default();
    match status {
        401 => Some(
            "the credentials were refused: check KATAVEN_API_KEY, or KATAVEN_TOKEN and KATAVEN_ACCOUNT_ID",
        ),
        403 if message.contains("UI auth") || err.to_string().contains("person's session") => Some(
            "managing API keys needs a person's session: set KATAVEN_TOKEN to your JWT and KATAVEN_ACCOUNT_ID to its account",
        ),
        403 => Some("this account may not do this"),
        // The SDK's own words for its resource ("no widget key with this
        // id in the account") name no method.
        404 => match err {
            Error::Api {
                hint: Some(hint), ..
            } => Some(hint),
            _ if message.to_ascii_lowercase().contains("not found") => {
                Some("no key with this id in the account")
            }
            _ => Some("no such path: check --base-url and its path prefix"),
        },
        _ => None,
    }
}

/// The cause of a connection failure, read from the error's sources: the
/// host, and whether it was refused, a DNS lookup or TLS.
fn connection_cause(err: &Error) -> Option<String> {
    let mut texts = Vec::new();
    let mut refused = false;
    let mut source = err.source();
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            refused = true;
        }
        texts.push(current.to_string());
        source = current.source();
    }
    let all = texts.join(": ").to_ascii_lowercase();
    let innermost = texts.last().cloned().unwrap_or_default();
    if refused || all.contains("connection refused") {
        Some("connection refused: nothing listens there".to_string())
    } else if all.contains("dns error") || all.contains("lookup address") {
        Some(format!("DNS lookup failed: {innermost}"))
    } else if [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "alert",
    ]
    .iter()
    .any(|word| all.contains(word))
    {
        Some(format!("TLS failed: {innermost}"))
    } else if innermost.is_empty() {
        None
    } else {
        Some(innermost)
    }
}

/// `api_key` as the CLI user knows it.
fn field_words(field: &str) -> &str {
    match field {
        "api_key" | "KATAVEN_API_KEY" => "KATAVEN_API_KEY",
        "bearer_token" => "KATAVEN_TOKEN",
        "account_id" => "KATAVEN_ACCOUNT_ID",
        "base_url" => "--base-url",
        "domain_allowlist" => "--domain",
        "agent_id" => "--agent",
        "expires_in_days" => "--expires-in-days",
        other => other,
    }
}

/// The SDK's advice with its method names swapped for the CLI's flags.
pub fn cli_words(text: &str) -> String {
    let mut text = text.to_string();
    for (sdk, cli) in [
        (
            "call .allow_insecure_http(true)",
            "pass --allow-insecure-http",
        ),
        (".allow_insecure_http(true)", "--allow-insecure-http"),
        (
            "(ClientBuilder::bearer_token and account_id)",
            "(KATAVEN_TOKEN and KATAVEN_ACCOUNT_ID)",
        ),
        (
            "build the client with a JWT and its account id",
            "set KATAVEN_TOKEN to your JWT and KATAVEN_ACCOUNT_ID to its account",
        ),
        ("(Error::shown_once has it)", "(the CLI keeps it)"),
        (
            "call .api_key(\"sk_live_...\") or .bearer_token(jwt)",
            "set KATAVEN_API_KEY",
        ),
        (
            "for a JWT use .bearer_token()",
            "for a JWT set KATAVEN_TOKEN",
        ),
        (
            "call .account_id(\"your-account\")",
            "set KATAVEN_ACCOUNT_ID",
        ),
        (
            "pass credentials with .api_key()",
            "pass credentials in KATAVEN_API_KEY",
        ),
    ] {
        text = text.replace(sdk, cli);
    }
    text
}

/// Whether `text` looks like an operation id (`create_widget_key`).
fn is_operation_id(text: &str) -> bool {
    !text.is_empty()
        && text.contains('_')
        && text.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

fn one_line(text: &str) -> String {
    let flat: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > 300 {
        let cut: String = flat.chars().take(300).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_are_recognised() {
        assert!(is_operation_id("create_widget_key"));
        assert!(!is_operation_id("the Hub answered 500"));
        assert!(!is_operation_id("rotate"));
    }

    #[test]
    fn sdk_methods_become_cli_flags() {
        let text = cli_words(
            "use https://, or call .allow_insecure_http(true) if the network is protected",
        );
        assert_eq!(
            text,
            "use https://, or pass --allow-insecure-http if the network is protected"
        );
    }
}
