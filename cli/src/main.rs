//! `kataven`: the command line over the kataven SDK's facade. See
//! cli/README.md for the commands, the file format and the exit codes.

mod allowlist_cmd;
mod apply;
mod args;
mod desired;
mod keys_out;
mod mock_hub;
mod output;
mod plan;
mod widget_keys;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::args::{AllowlistCommand, Cli, Command, Global, WidgetKeysCommand};
use crate::output::{CliError, Out, Status};

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
    let format = cli.global.output;
    match run(cli) {
        Ok(status) => status.into(),
        Err(CliError::StdoutClosed) => ExitCode::SUCCESS,
        Err(err) => {
            output::report(&err, format);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<Status, CliError> {
    let out = Out::new(cli.global.output);
    let global = cli.global;
    match cli.command {
        Command::WidgetKeys(command) => {
            block_on(async {
                // A plan or apply checks its file before it needs credentials.
                let desired = match &command {
                    WidgetKeysCommand::Plan(args) => Some(desired::load(&args.file)?),
                    WidgetKeysCommand::Apply(args) => Some(desired::load(&args.file)?),
                    _ => None,
                };
                let client = client(&global)?;
                widget_keys::run(&client, &out, command, desired).await
            })
        }
        Command::Allowlist(AllowlistCommand::Lint { entries }) => {
            allowlist_cmd::lint(&out, &entries)
        }
        Command::Allowlist(AllowlistCommand::Check(args)) => block_on(async {
            let client = match args.key {
                Some(_) => Some(client(&global)?),
                None => None,
            };
            allowlist_cmd::check(client.as_ref(), &out, args).await
        }),
        Command::MockHub(args) => block_on(mock_hub::run(&out, args)),
        Command::Completion { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "kataven", &mut script);
            out.text(&String::from_utf8_lossy(&script))?;
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

/// A client configured as the SDK's `Client::from_env` does, with the
/// command line's `--base-url` and `--timeout` on top.
fn client(global: &Global) -> Result<kataven::Client, CliError> {
    let api_key = std::env::var(kataven::ENV_API_KEY)
        .ok()
        .filter(|key| !key.trim().is_empty())
        .ok_or_else(|| {
            CliError::msg(format!(
                "{} is not set: export your sk_live_ API key (or try one on `kataven mock-hub`)",
                kataven::ENV_API_KEY
            ))
        })?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut builder = kataven::Client::builder()
        .api_key(api_key)
        .user_agent(concat!("kataven-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(url) = global
        .base_url
        .clone()
        .or_else(|| env(kataven::ENV_BASE_URL))
    {
        builder = builder.base_url(url);
    }
    if let Some(account) = env(kataven::ENV_ACCOUNT_ID) {
        builder = builder.account_id(account);
    }
    if let Some(timeout) = global.timeout {
        builder = builder.total_timeout(timeout);
    }
    Ok(builder.build()?)
}
