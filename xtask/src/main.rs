//! Maintainer tasks for the kataven SDK. Run `cargo xtask help`.
//!
//! * `update-spec`: fetch the Hub's spec (3.1 YAML or JSON), keep the covered
//!   operations, down-convert to OpenAPI 3.0.3, normalise, prove it compiles
//!   (through build.rs, with `KATAVEN_OPENAPI`), then replace `openapi.json`,
//!   leave the codegen snapshot pending and print a summary of API changes.
//! * `snapshot [--accept]`: show / accept the pending codegen snapshot.
//! * `public-api`: the SDK's public API matches its reviewed snapshot.
//! * `check`: `openapi.json` is canonical and both snapshots are current (CI).
//!
//! The workflow is described in CONTRIBUTING.md.

mod cargo;
mod convert;
mod facade;
mod normalize;
mod pointer;
mod public_api;
mod select;
mod snapshot;
mod snapshot_file;
mod source;
mod summary;
mod update;

use std::path::PathBuf;
use std::process::ExitCode;

/// The address the Hub publishes its spec at. Change it here (and in
/// CONTRIBUTING.md) when the Hub announces another address.
pub const DEFAULT_SPEC_URL: &str = "https://docs.kataven.ai/api-spec/openapi.yaml";

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  update-spec [--url URL | --file PATH] [--check]
      Bring in the Hub's spec (OpenAPI 3.1 or 3.0, YAML or JSON): select the
      covered operations, down-convert to 3.0.3, normalise, prove that the SDK
      compiles with it, replace openapi.json, leave the codegen snapshot
      pending for review and print a summary of API changes.
      Default source: --url {URL}
      --check   do everything but write; exit 1 if openapi.json is out of date
  snapshot [--accept]
      Show the pending snapshot diffs (the generated code, the public API);
      --accept accepts them.
  public-api
      The SDK's public API (rustdoc JSON, --features mock) matches
      tests/snapshots/public_api.snap; a difference is left pending for
      `snapshot`.
  check
      openapi.json is normalised, the committed codegen snapshot matches
      build.rs and the public API matches its snapshot.

options for every command:
  --repo DIR   the SDK repository (default: the one this xtask belongs to)

test-only options of update-spec:
  --skip-compile-proof   do not build the SDK with the candidate (for tests
                         about parsing and normalising; never use it for real)
  --timeout SECS         HTTP timeout (default 30)

test-only option of public-api:
  --rustdoc-json FILE    list this rustdoc JSON file instead of running rustdoc
";

/// A failure with a message that says what went wrong and what to do.
#[derive(Debug)]
pub struct Failure(pub String);

impl<T: std::fmt::Display> From<T> for Failure {
    fn from(message: T) -> Self {
        Failure(message.to_string())
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

fn main() -> ExitCode {
    // Cargo runs this binary as its rustdoc while the public API is listed.
    if let Some(real) = std::env::var_os(public_api::RUSTDOC_ENV) {
        return public_api::run_as_rustdoc(real);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(args) {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> Failure {
    Failure(format!(
        "{message}\n\n{}",
        USAGE.replace("{URL}", DEFAULT_SPEC_URL)
    ))
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        return Err(usage_error("no command given"));
    };
    let mut repo: Option<PathBuf> = None;
    let mut url: Option<String> = None;
    let mut file: Option<PathBuf> = None;
    let mut check = false;
    let mut accept = false;
    let mut skip_compile_proof = false;
    let mut timeout_secs: u64 = 30;
    let mut rustdoc_json: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| usage_error(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--repo" => repo = Some(PathBuf::from(value("--repo")?)),
            "--url" if command == "update-spec" => url = Some(value("--url")?),
            "--file" if command == "update-spec" => file = Some(PathBuf::from(value("--file")?)),
            "--check" if command == "update-spec" => check = true,
            "--skip-compile-proof" if command == "update-spec" => skip_compile_proof = true,
            "--timeout" if command == "update-spec" => {
                let raw = value("--timeout")?;
                timeout_secs = raw.parse().map_err(|_| {
                    usage_error(&format!("--timeout takes whole seconds, not {raw:?}"))
                })?;
            }
            "--accept" if command == "snapshot" => accept = true,
            "--rustdoc-json" if command == "public-api" => {
                rustdoc_json = Some(PathBuf::from(value("--rustdoc-json")?));
            }
            other => {
                return Err(usage_error(&format!(
                    "unknown option {other:?} for {command}"
                )));
            }
        }
    }
    let repo = match repo {
        Some(repo) => repo,
        None => default_repo()?,
    };
    match command.as_str() {
        "update-spec" => {
            let source = match (url, file) {
                (Some(_), Some(_)) => return Err(usage_error("give --url or --file, not both")),
                (None, Some(file)) => source::Source::File(file),
                (Some(url), None) => source::Source::Url(url),
                (None, None) => source::Source::Url(DEFAULT_SPEC_URL.to_string()),
            };
            update::update_spec(&update::Options {
                repo,
                source,
                check,
                skip_compile_proof,
                timeout: std::time::Duration::from_secs(timeout_secs),
            })
            .map_err(|Failure(message)| {
                if message.contains("openapi.json was not changed") {
                    Failure(message)
                } else {
                    Failure(format!("{message}\n(openapi.json was not changed)"))
                }
            })
        }
        "snapshot" => snapshot::snapshot(&repo, accept),
        "public-api" => public_api::command(&repo, rustdoc_json.as_deref()),
        "check" => update::check(&repo),
        "help" | "--help" | "-h" => {
            print!("{}", USAGE.replace("{URL}", DEFAULT_SPEC_URL));
            Ok(ExitCode::SUCCESS)
        }
        other => Err(usage_error(&format!("unknown command {other:?}"))),
    }
}

/// The repository to work on: the one `cargo xtask` was run for (cargo sets
/// `CARGO_MANIFEST_DIR` at run time too), else the one this binary was built
/// from. Not only the compile-time path: checkouts that share a target
/// directory (worktrees) also share this binary.
fn default_repo() -> Result<PathBuf> {
    let runtime = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let compile_time = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    runtime
        .into_iter()
        .chain([compile_time])
        .filter_map(|manifest| manifest.parent().map(|p| p.to_path_buf()))
        .find(|repo| repo.join("build.rs").is_file() && repo.join("xtask").is_dir())
        .ok_or_else(|| Failure("cannot find the repository root; pass --repo DIR".into()))
}
