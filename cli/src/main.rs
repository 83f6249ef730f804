//! `kataven`: the command line over the kataven SDK's facade. See
//! cli/README.md for the commands, the file format and the exit codes.
//!
//! Each area owns its clap types and its code: `widget_keys`, `api_keys`,
//! `allowlist`, `mock_hub`, and `state` (the desired-state file, `plan`
//! and `apply`). Shared: `hub` (the Hub options and the client), `keep`
//! (keeping a newly minted plaintext), `keys_file`, `output`, `errors`.

// The doc comments below are clap's help text, shown as written.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

mod allowlist;
mod api_keys;
mod errors;
mod hub;
mod keep;
mod keys_file;
mod mock_hub;
mod output;
mod state;
mod widget_keys;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::output::{CliError, Format, Out, Status};

/// Manage Kataven widget keys, API keys and domain allowlists.
///
/// Credentials come from the environment: KATAVEN_API_KEY (an sk_live_
/// key), or KATAVEN_TOKEN (a person's session JWT, which managing API keys
/// needs) with KATAVEN_ACCOUNT_ID; KATAVEN_BASE_URL.
///
/// Exit codes: 0 success; 1 error; 2 ran fine and the answer is the other
/// one (changes present for `plan --detailed-exitcode`, origin denied for
/// `allowlist check`); 3 authentication failed (credentials missing or
/// refused).
#[derive(Debug, Parser)]
#[command(name = "kataven", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, create, change, rotate and remove widget keys.
    #[command(subcommand)]
    WidgetKeys(widget_keys::Command),
    /// List, create, change, rotate and remove API keys (writes need a session: KATAVEN_TOKEN).
    #[command(subcommand)]
    ApiKeys(api_keys::Command),
    /// Show what `apply` would change to make the Hub match a desired-state file.
    #[command(after_help = state::PLAN_EXAMPLES)]
    Plan(state::PlanArgs),
    /// Make the Hub match a desired-state file (asks first), or apply a saved plan.
    #[command(after_help = state::APPLY_EXAMPLES)]
    Apply(state::ApplyArgs),
    /// Check an origin against an allowlist; lint a list of entries.
    #[command(subcommand)]
    Allowlist(allowlist::Command),
    /// Serve the built-in mock Hub on a loopback port, to try scripts without an account.
    MockHub(mock_hub::MockHubArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  kataven completion bash > ~/.local/share/bash-completion/completions/kataven"
    )]
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Command {
    fn format(&self) -> Format {
        match self {
            Command::WidgetKeys(command) => command.format(),
            Command::ApiKeys(command) => command.format(),
            Command::Plan(args) => args.out.output,
            Command::Apply(args) => args.out.output,
            Command::Allowlist(command) => command.format(),
            Command::MockHub(args) => args.out.output,
            Command::Completion { .. } => Format::Table,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // clap exits 2 on a usage error; here 2 means "ran fine, the
            // answer is the other one", so a usage error is 1.
            return match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::FAILURE,
            };
        }
    };
    let format = cli.command.format();
    match run(cli.command) {
        Ok(status) => status.into(),
        Err(CliError::StdoutClosed) => ExitCode::SUCCESS,
        Err(err) => {
            output::report(&err, format);
            ExitCode::from(err.exit_code())
        }
    }
}

fn run(command: Command) -> Result<Status, CliError> {
    match command {
        Command::WidgetKeys(command) => block_on(widget_keys::run(command)),
        Command::ApiKeys(command) => block_on(api_keys::run(command)),
        Command::Plan(args) => block_on(state::plan_command(args)),
        Command::Apply(args) => block_on(state::apply_command(args)),
        Command::Allowlist(command) => block_on(allowlist::run(command)),
        Command::MockHub(args) => block_on(mock_hub::run(args)),
        Command::Completion { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "kataven", &mut script);
            Out::new(Format::Table).text(&String::from_utf8_lossy(&script))?;
            Ok(Status::Success)
        }
    }
}

/// Runs a command's future on a single-threaded runtime: one command makes
/// a handful of requests in order.
fn block_on<F: Future<Output = Result<Status, CliError>>>(future: F) -> Result<Status, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::msg(format!("cannot start the async runtime: {err}")))?
        .block_on(future)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
