//! The options of the commands that talk to the Hub, and the client built
//! from them and the environment.

use std::time::Duration;

use clap::Args;

use crate::output::CliError;

/// The variable holding a person's session (a JWT), for the API-key writes
/// an `sk_live_` key may not make. It needs `KATAVEN_ACCOUNT_ID`.
pub const ENV_TOKEN: &str = "KATAVEN_TOKEN";

/// Options of every command that talks to the Hub.
#[derive(Clone, Debug, Default, Args)]
pub struct HubArgs {
    /// The Hub's address (default: KATAVEN_BASE_URL, else https://api.kataven.ai).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The longest a Hub call may take, retries included: 30, 30s, 500ms, 2m.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Allow a plain http:// base URL to a host that is not loopback (the
    /// credentials then cross the network in cleartext).
    #[arg(long)]
    pub allow_insecure_http: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether the client [`client`] builds uses a person's session
/// (`KATAVEN_TOKEN`, which it prefers), not an `sk_live_` key.
pub fn uses_session() -> bool {
    env(ENV_TOKEN).is_some()
}

/// The account the credentials name, for a saved plan's check: with a
/// session, `KATAVEN_ACCOUNT_ID`; with an API key, what the key's stated
/// form `sk_live_<account>_<secret>` shows of it: the text up to its next
/// `_`. That is the whole account unless the account itself has a `_`
/// (accounts may), and never a character of the secret. `None` for a key
/// not of that form.
pub fn credential_account() -> Option<Account> {
    if uses_session() {
        return env(kataven::ENV_ACCOUNT_ID).map(|account| Account {
            text: account.trim().to_string(),
            whole: true,
        });
    }
    let key = env(kataven::ENV_API_KEY)?;
    let rest = key.trim().strip_prefix("sk_live_")?;
    let (head, secret) = rest.split_once('_')?;
    let account_like = head
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && head.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
    (account_like && !secret.is_empty()).then(|| Account {
        text: head.to_string(),
        whole: false,
    })
}

/// An account as the credentials name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The account, or (from an API key) its start up to its first `_`.
    pub text: String,
    /// Whether `text` is the whole account (a session's).
    pub whole: bool,
}

impl Account {
    /// Whether two credentials may name one account: the same account when
    /// both are whole, else the same start up to the first `_`.
    pub fn may_be(&self, other: &Account) -> bool {
        if self.whole && other.whole {
            return self.text == other.text;
        }
        let start = |text: &str| text.split('_').next().unwrap_or_default().to_string();
        start(&self.text) == start(&other.text)
    }
}

/// A client from the environment (`KATAVEN_TOKEN` with
/// `KATAVEN_ACCOUNT_ID`, else `KATAVEN_API_KEY`; `KATAVEN_BASE_URL`) and the
/// command line's options on top.
pub fn client(args: &HubArgs) -> Result<kataven::Client, CliError> {
    let mut builder = kataven::Client::builder()
        .user_agent(concat!("kataven-cli/", env!("CARGO_PKG_VERSION")))
        .allow_insecure_http(args.allow_insecure_http);
    let account = env(kataven::ENV_ACCOUNT_ID);
    builder = match (env(ENV_TOKEN), env(kataven::ENV_API_KEY)) {
        (Some(token), _) => {
            if account.is_none() {
                return Err(CliError::Credentials(format!(
                    "{ENV_TOKEN} is set but {} is not: a session token needs its account",
                    kataven::ENV_ACCOUNT_ID
                )));
            }
            builder.bearer_token(token)
        }
        (None, Some(key)) => builder.api_key(key),
        (None, None) => {
            return Err(CliError::Credentials(format!(
                "{} is not set: export your sk_live_ API key, or {ENV_TOKEN} and {} for a session (or try `kataven mock-hub`)",
                kataven::ENV_API_KEY,
                kataven::ENV_ACCOUNT_ID
            )));
        }
    };
    if let Some(url) = args.base_url.clone().or_else(|| env(kataven::ENV_BASE_URL)) {
        builder = builder.base_url(url);
    }
    if let Some(account) = account {
        builder = builder.account_id(account);
    }
    if let Some(timeout) = args.timeout {
        builder = builder.total_timeout(timeout);
    }
    let client = builder
        .build()
        .map_err(|err| CliError::hub("setting up the Hub connection", err))?;
    crate::errors::set_host(host(&client));
    Ok(client)
}

/// The host of a base URL, for messages.
pub fn host(client: &kataven::Client) -> String {
    let url = client.base_url();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// `30`, `30s`, `500ms`, `2m`: a whole or decimal number of seconds by default.
/// Hand-written: four suffixes do not need a duration-parsing crate.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else if let Some(m) = text.strip_suffix('m') {
        (m, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write 30, 30s, 500ms or 2m"))?;
    let seconds = value * scale;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!(
            "`{text}` is out of range: a timeout is longer than zero and at most a day"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        for bad in ["", "0", "-1", "abc", "1h", "NaN", "inf", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
