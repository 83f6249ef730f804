//! `kataven plan` and `kataven apply`: the desired-state file (widget keys
//! and API keys), compared with the Hub and applied, Terraform's way: apply
//! asks on a terminal, refuses without one unless `--auto-approve`, and a
//! plan saved with `plan --out` is applied exactly, or not at all.

// The doc comments below are clap's help text, shown as written.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

mod apply;
pub mod desired;
mod plan;
mod plan_file;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{ArgGroup, Args};
use kataven::Client;

use crate::hub::{self, HubArgs};
use crate::keys_file::KeysFile;
use crate::output::{self, CliError, Out, OutputArgs, Status};
use desired::Desired;
use plan::{Plan, Prune};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The desired-state file (TOML: [[widget_key]] and [[api_key]] tables).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub prune: PruneArgs,
    /// Exit 2 when there are changes (0: none, 1: error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Save the plan into this file, for `kataven apply PLAN_FILE` to apply exactly.
    #[arg(long = "out", value_name = "PLAN_FILE")]
    pub plan_out: Option<PathBuf>,
    /// The keys file to check: warn about Hub keys the file names whose plaintext it does not hold.
    #[arg(long, value_name = "FILE")]
    pub keys_out: Option<PathBuf>,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Also delete enabled keys the file does not name (of each kind the file names keys of).
    #[arg(long)]
    pub prune: bool,
    /// Delete every enabled key the file does not name, of both kinds, even if the file names none.
    #[arg(long)]
    pub prune_all: bool,
}

#[derive(Debug, Args)]
#[command(group = ArgGroup::new("source").required(true).args(["plan_file", "file"]))]
pub struct ApplyArgs {
    /// A plan saved by `kataven plan --out`: applied exactly, without asking, or refused if the Hub changed since.
    #[arg(value_name = "PLAN_FILE", conflicts_with_all = ["prune", "prune_all"])]
    pub plan_file: Option<PathBuf>,
    /// The desired-state file (TOML: [[widget_key]] and [[api_key]] tables).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub prune: PruneArgs,
    /// Apply without asking (for CI); without it apply asks on a terminal and refuses without one.
    #[arg(long)]
    pub auto_approve: bool,
    /// Save each new plaintext key into this JSON file (mode 0600, locked for the run), before the next step runs. Needed to create API keys, and to create any key with -o json.
    #[arg(long, value_name = "FILE")]
    pub keys_out: Option<PathBuf>,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub const PLAN_EXAMPLES: &str = "Examples:
  kataven plan -f keys.toml --prune --detailed-exitcode      # 2: there are changes
  kataven plan -f keys.toml --prune --out keys.plan          # save it for review
  kataven plan -f keys.toml --keys-out keys.json             # also check the plaintexts are kept";

pub const APPLY_EXAMPLES: &str = "Examples:
  kataven apply -f keys.toml --keys-out keys.json                 # shows the plan, asks
  kataven apply -f keys.toml --prune --auto-approve --keys-out \"$RUNNER_TEMP/keys.json\"   # CI
  kataven apply keys.plan --keys-out keys.json                    # exactly the saved plan";

/// The Hub's keys of both kinds. API keys are listed only when the file
/// names some or they are pruned: an account without them needs no
/// second call.
async fn hub_state(
    client: &Client,
    desired: &Desired,
    prune: Prune,
) -> Result<(Vec<kataven::WidgetKey>, Vec<kataven::ApiKey>), CliError> {
    let widget = crate::widget_keys::list(client).await?;
    let api = if desired.api_keys.is_empty() && !prune.api_keys {
        Vec::new()
    } else {
        crate::api_keys::list(client).await?
    };
    Ok((widget, api))
}

fn make_plan(
    desired: &Desired,
    widget: &[kataven::WidgetKey],
    api: &[kataven::ApiKey],
    prune: Prune,
    keys_file: Option<&KeysFile>,
) -> Result<Plan, CliError> {
    let kept = keys_file.map(KeysFile::read).transpose()?;
    plan::plan(desired, widget, api, prune, kept.as_ref())
}

fn show_plan(out: &Out, plan: &Plan) -> Result<(), CliError> {
    if !out.is_json() {
        for warning in plan.warnings() {
            output::warn(warning);
        }
        out.text(&plan.render())?;
    }
    Ok(())
}

pub async fn plan_command(args: PlanArgs) -> Result<Status, CliError> {
    let out = Out::new(args.out.output);
    // The file is read once, and checked before the credentials.
    let desired = desired::load(&args.file)?;
    let prune = Prune::of(&desired, args.prune.prune, args.prune.prune_all)?;
    if let Some(path) = &args.plan_out {
        let mut others = vec![("-f", args.file.as_path())];
        if let Some(keys) = &args.keys_out {
            others.push(("--keys-out", keys.as_path()));
        }
        plan_file::check_target(path, &others)?;
    }
    let keys_file = args.keys_out.as_deref().map(KeysFile::open).transpose()?;
    let client = hub::client(&args.hub)?;
    let (widget, api) = hub_state(&client, &desired, prune).await?;
    let plan = make_plan(&desired, &widget, &api, prune, keys_file.as_ref())?;
    if let Some(path) = &args.plan_out {
        plan_file::save(path, &client, &desired, prune, &plan)?;
    }
    if out.is_json() {
        let mut doc = plan.to_json();
        doc["saved_to"] =
            serde_json::json!(args.plan_out.as_ref().map(|p| p.display().to_string()));
        out.json(doc)?;
    } else {
        show_plan(&out, &plan)?;
        if let Some(path) = &args.plan_out {
            out.line(format!(
                "\nSaved the plan to {}: apply exactly it with kataven apply {}",
                path.display(),
                path.display()
            ))?;
        }
    }
    Ok(if args.detailed_exitcode && !plan.is_empty() {
        Status::Other
    } else {
        Status::Success
    })
}

pub async fn apply_command(args: ApplyArgs) -> Result<Status, CliError> {
    let out = Out::new(args.out.output);
    let saved = args.plan_file.as_deref().map(plan_file::load).transpose()?;
    let (desired, prune) = match (&saved, &args.file) {
        (Some(saved), _) => (saved.desired.clone(), saved.prune),
        (None, Some(file)) => {
            let desired = desired::load(file)?;
            let prune = Prune::of(&desired, args.prune.prune, args.prune.prune_all)?;
            (desired, prune)
        }
        (None, None) => return Err(CliError::msg("pass -f FILE or a saved PLAN_FILE")),
    };
    // Locked from here to the end: a second apply of the same file, or
    // with the same keys file, stops before it lists, let alone mints.
    let _source_lock = lock_source(
        args.plan_file
            .as_deref()
            .or(args.file.as_deref())
            .unwrap_or(std::path::Path::new(".")),
    )?;
    let keys_file = args.keys_out.as_deref().map(KeysFile::open).transpose()?;
    let client = hub::client(&args.hub)?;
    if let Some(saved) = &saved {
        saved.check_hub(&client)?;
    }
    let (widget, api) = hub_state(&client, &desired, prune).await?;
    let plan = make_plan(&desired, &widget, &api, prune, keys_file.as_ref())?;
    if let Some(saved) = &saved {
        saved.check_current(&plan)?;
    }
    // Refused before any write: what the run could not finish or keep.
    if plan.writes_api_keys() && !hub::uses_session() {
        return Err(CliError::msg(
            "the plan changes API keys, which needs a person's session: set KATAVEN_TOKEN to your JWT and KATAVEN_ACCOUNT_ID to its account; nothing was changed",
        ));
    }
    if plan.creates_api_keys() && keys_file.is_none() {
        return Err(CliError::msg(
            "the plan creates API keys, whose secrets go only to a keys file: pass --keys-out FILE; nothing was changed",
        ));
    }
    if out.is_json() && plan.creates_widget_keys() && keys_file.is_none() {
        return Err(CliError::msg(
            "the plan creates widget keys, and with -o json their keys would be printed only when apply ends (a run stopped midway would lose them): pass --keys-out FILE; nothing was changed",
        ));
    }
    show_plan(&out, &plan)?;
    if plan.is_empty() {
        if out.is_json() {
            out.json(serde_json::json!({"plan": plan.to_json(), "applied": [], "complete": true}))?;
        }
        return Ok(Status::Success);
    }
    if saved.is_none() && !args.auto_approve {
        if out.is_json() && std::io::stdin().is_terminal() {
            // The question needs the plan in words, and stdout keeps only
            // the JSON document: the plan goes to stderr.
            for warning in plan.warnings() {
                output::warn(warning);
            }
            eprint!("{}", plan.render());
        }
        confirm(&client)?;
    }
    if !out.is_json() {
        out.line("")?;
    }
    apply::run(&client, &out, &plan, keys_file.as_ref()).await
}

/// An advisory lock (flock) on the desired-state file or saved plan itself
/// (it is only read, never replaced), held until apply ends: two applies
/// of one file cannot run at once, with or without a keys file.
fn lock_source(path: &std::path::Path) -> Result<std::fs::File, CliError> {
    let file = std::fs::File::open(path)
        .map_err(|err| CliError::msg(format!("cannot read {}: {err}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(CliError::msg(format!(
            "another kataven apply of {} is running; nothing was sent",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(err)) => Err(CliError::msg(format!(
            "cannot lock {}: {err}",
            path.display()
        ))),
    }
}

/// Asks on the terminal (stdin) whether to apply; refuses without one. The
/// question goes to stderr, so stdout keeps only the plan and the result.
fn confirm(client: &Client) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::msg(
            "apply would change the Hub and there is no terminal to ask on; nothing was changed. Pass --auto-approve, or save the plan (kataven plan -f FILE --out PLAN_FILE) and apply it (kataven apply PLAN_FILE)",
        ));
    }
    let mut stderr = std::io::stderr().lock();
    let _ = write!(
        stderr,
        "\nApply these changes to the Hub at {}?\n  Only 'yes' is accepted: ",
        hub::host(client)
    );
    let _ = stderr.flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|err| CliError::msg(format!("cannot read the answer: {err}")))?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::msg("apply cancelled; nothing was changed"))
    }
}
