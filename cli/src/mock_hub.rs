//! `kataven mock-hub`: the SDK's mock Hub on a loopback port, until Ctrl-C
//! (or SIGTERM).

use std::net::{Ipv4Addr, SocketAddr};

use clap::Args;
use kataven::mock::MockHub;
use serde_json::json;

use crate::output::{CliError, Out, OutputArgs, Status};

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  kataven mock-hub --port 8089 > mock.env &\n  sleep 1; . ./mock.env\n  kataven widget-keys list"
)]
pub struct MockHubArgs {
    /// The loopback port to listen on (0: a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The API key it accepts (default: a random sk_live_acme_...).
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Also print the session settings (KATAVEN_TOKEN, KATAVEN_ACCOUNT_ID) that the API-key writes need.
    #[arg(long)]
    pub session: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: MockHubArgs) -> Result<Status, CliError> {
    let out = &Out::new(args.out.output);
    let mut builder = MockHub::builder().bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)));
    if let Some(key) = &args.api_key {
        builder = builder.api_key(key);
    }
    let hub = builder.try_start().await.map_err(|err| {
        CliError::msg(format!(
            "cannot serve the mock Hub on 127.0.0.1:{}: {err}",
            args.port
        ))
    })?;
    // The mock's own key, made up here and accepted only by this process:
    // printing it is how a script gets it. A key passed with --api-key is
    // not echoed.
    let printed_key = args.api_key.is_none().then(|| hub.api_key());
    if out.is_json() {
        out.json(json!({
            "base_url": hub.base_url(),
            "api_key": printed_key,
            "account": hub.account(),
            "token": args.session.then(|| hub.jwt()),
        }))?;
    } else {
        out.line(format!(
            "export {}={}",
            kataven::ENV_BASE_URL,
            hub.base_url()
        ))?;
        if let Some(key) = printed_key {
            out.line(format!("export {}={key}", kataven::ENV_API_KEY))?;
        }
        if args.session {
            // The mock's own made-up session, like its key.
            out.line(format!("export {}={}", crate::hub::ENV_TOKEN, hub.jwt()))?;
            out.line(format!(
                "export {}={}",
                kataven::ENV_ACCOUNT_ID,
                hub.account()
            ))?;
        }
    }
    eprintln!(
        "mock Hub serving account {} on {}; Ctrl-C stops it",
        hub.account(),
        hub.base_url()
    );
    stopped().await?;
    drop(hub);
    Ok(Status::Success)
}

/// Waits for Ctrl-C, or SIGTERM on Unix.
async fn stopped() -> Result<(), CliError> {
    let signal_error =
        |err: std::io::Error| CliError::msg(format!("cannot wait for Ctrl-C: {err}"));
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).map_err(signal_error)?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(signal_error),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(signal_error)
    }
}
