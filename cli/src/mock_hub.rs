//! `kataven mock-hub`: the SDK's mock Hub on a loopback port, until Ctrl-C
//! (or SIGTERM).

use std::net::{Ipv4Addr, SocketAddr};

use kataven::mock::MockHub;
use serde_json::json;

use crate::args::MockHubArgs;
use crate::output::{CliError, Out, Status};

pub async fn run(out: &Out, args: MockHubArgs) -> Result<Status, CliError> {
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
        out.json(&json!({
            "base_url": hub.base_url(),
            "api_key": printed_key,
            "account": hub.account(),
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
