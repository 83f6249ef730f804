//! The command line, as clap (derive) reads it.

// The doc comments below are clap's help text, shown as written: plain
// URLs and `[[widget_key]]` are meant literally, not as rustdoc links.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Manage Kataven widget keys and their domain allowlists.
///
/// Credentials come from the environment, as the SDK reads them:
/// KATAVEN_API_KEY (required for Hub commands), KATAVEN_BASE_URL,
/// KATAVEN_ACCOUNT_ID.
///
/// Exit codes: 0 success; 1 error; 2 ran fine and the answer is the other
/// one (changes present for `plan --detailed-exitcode`, origin denied for
/// `allowlist check`).
#[derive(Debug, Parser)]
#[command(name = "kataven", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The Hub's address (default: KATAVEN_BASE_URL, else https://api.kataven.ai).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// table for people, json for scripts (one document per command).
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// The longest a Hub call may take, retries included: 30, 30s, 500ms, 2m.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
}

/// How results are printed on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// JSON: the SDK models' serde form, one document per command.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, create, change and remove widget keys; plan and apply a file of them.
    #[command(subcommand)]
    WidgetKeys(WidgetKeysCommand),
    /// Check an origin against an allowlist; lint a list of entries.
    #[command(subcommand)]
    Allowlist(AllowlistCommand),
    /// Serve the built-in mock Hub on a loopback port, to try scripts without an account.
    MockHub(MockHubArgs),
    /// Print a shell completion script.
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum WidgetKeysCommand {
    /// List the account's widget keys.
    List,
    /// Create a widget key and print its plaintext key (shown once).
    Create(CreateArgs),
    /// Change a widget key: only what you name changes.
    Update(UpdateArgs),
    /// Disable a widget key (idempotent); `update ID --enable` undoes it.
    Revoke {
        /// The key's id (a UUID, as `list` shows it).
        id: String,
    },
    /// Delete a widget key: the Hub deletes a never-used key and only disables a used one.
    Delete {
        /// The key's id (a UUID, as `list` shows it).
        id: String,
    },
    /// Show what `apply` would change to make the Hub match FILE.
    Plan(PlanArgs),
    /// Make the Hub match FILE, and print what was done.
    Apply(ApplyArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The key's name.
    pub name: String,
    /// An allowlist entry (repeat for more): acme.com, *.acme.com, localhost:*, https://acme.com.
    #[arg(long = "domain", value_name = "ENTRY")]
    pub domains: Vec<String>,
    /// Pin this agent.
    #[arg(long = "agent", value_name = "ID")]
    pub agent: Option<String>,
    /// Also save {"NAME": "pk_live_..."} into this JSON file (merged, mode 0600).
    #[arg(long, value_name = "FILE")]
    pub keys_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The key's id (a UUID, as `list` shows it).
    pub id: String,
    /// Rename the key.
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Replace the allowlist with these entries (repeat for more).
    #[arg(
        long = "domain",
        value_name = "ENTRY",
        conflicts_with = "clear_domains"
    )]
    pub domains: Vec<String>,
    /// Empty the allowlist: this blocks the key.
    #[arg(long)]
    pub clear_domains: bool,
    /// Pin this agent.
    #[arg(long = "agent", value_name = "ID", conflicts_with = "unpin_agent")]
    pub agent: Option<String>,
    /// Unpin the agent (the page's data-agent decides again).
    #[arg(long)]
    pub unpin_agent: bool,
    /// Disable (revoke) the key.
    #[arg(long, conflicts_with = "enable")]
    pub disable: bool,
    /// Enable the key again.
    #[arg(long)]
    pub enable: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The desired-state file (TOML, [[widget_key]] tables).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Also delete enabled keys the file does not name.
    #[arg(long)]
    pub prune: bool,
    /// Exit 2 when there are changes (0: none, 1: error).
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The desired-state file (TOML, [[widget_key]] tables).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Also delete enabled keys the file does not name.
    #[arg(long)]
    pub prune: bool,
    /// Save each new plaintext key into this JSON file ({"NAME": "pk_live_..."}, mode 0600), before the next step runs.
    #[arg(long, value_name = "FILE")]
    pub keys_out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AllowlistCommand {
    /// Is ORIGIN allowed? Says which entry decided, or why each entry misses (exit 2: denied).
    Check(CheckArgs),
    /// Normalise entries and report refused ones and warnings (exit 1: an entry is refused).
    Lint {
        /// The entries; none at all is an empty list, which blocks a key.
        #[arg(value_name = "ENTRY")]
        entries: Vec<String>,
    },
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("list").required(true).args(["entries", "key"]))]
pub struct CheckArgs {
    /// The page's origin, e.g. https://shop.acme.com or http://localhost:3000.
    pub origin: String,
    /// An allowlist entry to check against (repeat for more).
    #[arg(long = "entry", value_name = "ENTRY")]
    pub entries: Vec<String>,
    /// Check against this widget key's allowlist, read from the Hub.
    #[arg(long, value_name = "ID")]
    pub key: Option<String>,
}

#[derive(Debug, Args)]
pub struct MockHubArgs {
    /// The loopback port to listen on (0: a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The API key it accepts (default: a random sk_live_acme_...).
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
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

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
