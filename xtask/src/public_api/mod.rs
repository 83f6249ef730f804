//! The public-API snapshot: every public item of the `kataven` crate (built
//! with `--features mock`, the API users see, tests included), one a line,
//! pinned by `tests/snapshots/public_api.snap`, so that a pull request that
//! changes the public API shows it in its diff.
//!
//! `cargo xtask public-api` (and `check`) lists the API and compares; a
//! difference leaves `public_api.snap.new` pending, like insta does for the
//! codegen snapshot, and `cargo xtask snapshot [--accept]` shows / accepts
//! both kinds.
//!
//! # How the listing is made, and why this way
//!
//! From rustdoc's JSON output, read with the `rustdoc-types` crate:
//!
//! * rustdoc knows the API exactly as the compiler does (cfg'd features,
//!   re-exports, derives, auto traits); parsing the source ourselves would
//!   not. Its JSON output is unstable (`-Z unstable-options --output-format
//!   json`); stable rustdoc accepts it with `RUSTC_BOOTSTRAP=1`, which is how
//!   this runs on the stable toolchain CI has. `RUSTC_BOOTSTRAP` is given to
//!   rustdoc alone, through a wrapper (this binary, see [`run_as_rustdoc`]):
//!   set for the whole cargo run it would change the fingerprint of every
//!   dependency whose build script watches it (proc-macro2), and cargo
//!   would rebuild them for every switch between this and a normal build.
//! * A typed reader (`rustdoc-types`) rather than walking `serde_json::Value`:
//!   the format changes with most Rust releases, and a reader that tolerates
//!   drift prints plausible but wrong lines when a field moves. rustdoc-types
//!   `0.N` reads exactly format `N`; the file's `format_version` is checked
//!   first, so a toolchain bump fails with "rustdoc JSON format N, expected
//!   M" and what to do, never with garbage.
//! * Not the `public-api` crate (what `cargo public-api` uses), tried on
//!   this crate at 0.52.0 (0.52.0 and 0.52.1 read format 57, 0.52.2 reads
//!   59: it would need a `<0.52.2` cap): 790 lines, 340 of them
//!   `raw` (to be filtered out of its rendered text), the other 450 holding
//!   every trait impl's methods (`pub fn kataven::WidgetKeyId::clone(&self)
//!   -> …`) and `StructuralPartialEq`; re-exported types listed at both paths
//!   (`pub struct kataven::WidgetKeyId(_)` and `…::widget_keys::WidgetKeyId(_)`)
//!   with their members under either, rather than one home and `pub use`
//!   lines. Ours lists the facade in about 260 lines and is ours to adjust
//!   (`listing.rs`, `render.rs`, about 1,300 lines with tests).

mod listing;
mod render;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use rustdoc_types::{Crate, FORMAT_VERSION};

use crate::cargo::{self, SPEC_ENV};
use crate::{Failure, Result};

/// The package whose API is pinned, and the features it is built with.
const PACKAGE: &str = "kataven";
const FEATURES: &str = "mock";
/// Modules (directly under the crate root) whose contents are left out.
const EXCLUDED: &[&str] = &["raw"];
const EXCLUDED_NOTE: &str =
    " (contents not listed: the generated bindings, see generated_client.snap)";

pub const SNAPSHOT: &str = "public_api.snap";
const SNAPSHOT_HEADER: &str = "---\n\
    source: xtask/src/public_api/mod.rs\n\
    description: public API of kataven with --features mock (cargo xtask public-api)\n\
    ---\n";

/// Set (to the real rustdoc) when this binary runs as cargo's rustdoc.
pub const RUSTDOC_ENV: &str = "KATAVEN_XTASK_RUSTDOC";

pub fn snapshot_path(repo: &Path) -> PathBuf {
    repo.join("tests").join("snapshots").join(SNAPSHOT)
}

pub fn pending_path(repo: &Path) -> PathBuf {
    repo.join("tests")
        .join("snapshots")
        .join(format!("{SNAPSHOT}.new"))
}

/// Runs the real rustdoc (`real`) with this process's arguments and
/// `RUSTC_BOOTSTRAP=1`: cargo calls this binary as its rustdoc (`RUSTDOC`)
/// during [`build_rustdoc_json`], so only rustdoc sees the variable.
pub fn run_as_rustdoc(real: OsString) -> ExitCode {
    let status = Command::new(&real)
        .args(std::env::args_os().skip(1))
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove(RUSTDOC_ENV)
        .status();
    match status {
        Ok(status) => status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .map_or(ExitCode::FAILURE, ExitCode::from),
        Err(err) => {
            eprintln!(
                "error: cannot run rustdoc ({}): {err}",
                PathBuf::from(real).display()
            );
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask public-api`: compare the listing with the snapshot.
pub fn command(repo: &Path, rustdoc_json: Option<&Path>) -> Result<ExitCode> {
    match refresh(repo, rustdoc_json)? {
        None => {
            println!("the public API matches tests/snapshots/{SNAPSHOT}");
            Ok(ExitCode::SUCCESS)
        }
        Some(diff) => {
            eprint!("{diff}");
            Err(Failure(format!(
                "the public API differs from tests/snapshots/{SNAPSHOT} (diff above; the new \
                 listing is pending in {SNAPSHOT}.new). If the change is intended, review it \
                 with `cargo xtask snapshot` and accept it with `cargo xtask snapshot --accept`"
            )))
        }
    }
}

/// Lists the current API and compares it with the committed snapshot. On a
/// difference, writes the pending snapshot and returns the diff; otherwise
/// removes a stale pending one.
pub fn refresh(repo: &Path, rustdoc_json: Option<&Path>) -> Result<Option<String>> {
    let listing = current(repo, rustdoc_json)?;
    let snapshot = snapshot_path(repo);
    let pending = pending_path(repo);
    let committed = match fs::read_to_string(&snapshot) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => {
            return Err(Failure(format!(
                "cannot read {}: {err}",
                snapshot.display()
            )));
        }
    };
    if crate::snapshot_file::body(&committed) == listing {
        match fs::remove_file(&pending) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(Failure(format!(
                    "cannot remove stale {}: {err}",
                    pending.display()
                )));
            }
        }
        return Ok(None);
    }
    if let Some(dir) = pending.parent() {
        fs::create_dir_all(dir)
            .map_err(|err| Failure(format!("cannot create {}: {err}", dir.display())))?;
    }
    fs::write(&pending, format!("{SNAPSHOT_HEADER}{listing}"))
        .map_err(|err| Failure(format!("cannot write {}: {err}", pending.display())))?;
    let relative = Path::new("tests").join("snapshots").join(SNAPSHOT);
    Ok(Some(crate::snapshot_file::diff(
        &relative,
        &relative.with_extension("snap.new"),
        crate::snapshot_file::body(&committed),
        &listing,
    )))
}

/// The listing of the crate as it is now (the snapshot's body).
fn current(repo: &Path, rustdoc_json: Option<&Path>) -> Result<String> {
    let json = match rustdoc_json {
        Some(path) => path.to_path_buf(),
        None => build_rustdoc_json(repo)?,
    };
    let bytes =
        fs::read(&json).map_err(|err| Failure(format!("cannot read {}: {err}", json.display())))?;
    let krate = parse(&bytes, &json.display().to_string())?;
    let mut text = listing::lines(&krate, EXCLUDED, EXCLUDED_NOTE).join("\n");
    text.push('\n');
    Ok(text)
}

/// Reads rustdoc JSON, refusing any format but the one rustdoc-types reads.
pub fn parse(bytes: &[u8], origin: &str) -> Result<Crate> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|err| Failure(format!("{origin} is not JSON: {err}")))?;
    let Some(found) = value.get("format_version").and_then(|v| v.as_u64()) else {
        return Err(Failure(format!(
            "{origin} has no format_version: it is not rustdoc's JSON output"
        )));
    };
    if found != u64::from(FORMAT_VERSION) {
        return Err(Failure(format!(
            "rustdoc JSON format {found}, expected {FORMAT_VERSION}: this toolchain's rustdoc \
             writes a format the xtask cannot read ({}). rustdoc-types 0.N reads format N: set \
             `rustdoc-types = \"0.{found}\"` in xtask/Cargo.toml, fix what no longer compiles in \
             xtask/src/public_api/, then run `cargo xtask snapshot` (the listing should not \
             change unless the new format adds something worth listing)",
            rustdoc_version()
        )));
    }
    serde_json::from_value(value).map_err(|err| {
        Failure(format!(
            "{origin} says it is rustdoc JSON format {found} but does not read as one: {err}"
        ))
    })
}

fn rustdoc_version() -> String {
    let real = std::env::var_os("RUSTDOC").unwrap_or_else(|| "rustdoc".into());
    Command::new(real)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "rustdoc --version failed".to_string())
}

/// Runs rustdoc on the SDK (`--features mock`) with JSON output and returns
/// the file it wrote.
fn build_rustdoc_json(repo: &Path) -> Result<PathBuf> {
    let out = target_dir(repo)?
        .join("doc")
        .join(format!("{}.json", PACKAGE.replace('-', "_")));
    match fs::remove_file(&out) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(Failure(format!("cannot remove {}: {err}", out.display()))),
    }
    let this = std::env::current_exe()
        .map_err(|err| Failure(format!("cannot find the xtask binary: {err}")))?;
    let real = std::env::var_os("RUSTDOC").unwrap_or_else(|| "rustdoc".into());
    let mut command = cargo::cargo();
    command
        .current_dir(repo)
        .args([
            "rustdoc",
            "--quiet",
            "--package",
            PACKAGE,
            "--lib",
            "--features",
            FEATURES,
            "--",
            "-Z",
            "unstable-options",
            "--output-format",
            "json",
        ])
        .env("RUSTDOC", this)
        .env(RUSTDOC_ENV, real)
        .env(SPEC_ENV, cargo::repo_spec(repo));
    let output = command.output().map_err(|err| {
        Failure(format!(
            "cannot run cargo rustdoc: {err}; is cargo on PATH?"
        ))
    })?;
    if !output.status.success() {
        return Err(Failure(format!(
            "cargo rustdoc (JSON output) failed:\n{}",
            cargo::tail(&output.stderr)
        )));
    }
    if !out.is_file() {
        return Err(Failure(format!(
            "cargo rustdoc succeeded but wrote no {}",
            out.display()
        )));
    }
    Ok(out)
}

/// The target directory cargo uses for `repo` (CARGO_TARGET_DIR, config).
fn target_dir(repo: &Path) -> Result<PathBuf> {
    let output = cargo::cargo()
        .current_dir(repo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--quiet"])
        .output()
        .map_err(|err| {
            Failure(format!(
                "cannot run cargo metadata: {err}; is cargo on PATH?"
            ))
        })?;
    if !output.status.success() {
        return Err(Failure(format!(
            "cargo metadata failed:\n{}",
            cargo::tail(&output.stderr)
        )));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| Failure(format!("cargo metadata printed no JSON: {err}")))?;
    metadata
        .get("target_directory")
        .and_then(|d| d.as_str())
        .map(PathBuf::from)
        .ok_or_else(|| Failure("cargo metadata did not name the target directory".into()))
}
