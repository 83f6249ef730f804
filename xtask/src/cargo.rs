//! Running cargo on the SDK crate: the compile proof and the snapshot test.
//! Generation settings live only in build.rs; the xtask points it at a
//! candidate spec through `KATAVEN_OPENAPI`.

use std::path::Path;
use std::process::{Command, Output};

use crate::{Failure, Result};

pub const SPEC_ENV: &str = "KATAVEN_OPENAPI";

/// `cargo`, without the variables that `cargo run` (`cargo xtask`) and
/// `cargo test` set for the xtask itself: build scripts that watch one
/// (ring's watches `CARGO_MANIFEST_DIR`) would otherwise re-run, and every
/// crate above them rebuild, at each switch between `cargo xtask ...` and a
/// plain cargo command in the same target directory.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else {
            continue;
        };
        let set_for_the_xtask = key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_EXE_")
            || matches!(
                key,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
            );
        if set_for_the_xtask {
            command.env_remove(key);
        }
    }
    command
}

fn run(mut command: Command, what: &str) -> Result<Output> {
    command.output().map_err(|err| {
        Failure(format!(
            "cannot run cargo to {what}: {err}; is cargo on PATH?"
        ))
    })
}

/// The end of cargo's stderr, enough to see the first errors.
pub fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("Compiling") && !l.trim_start().starts_with("Blocking")
        })
        .collect();
    let start = lines.len().saturating_sub(40);
    lines[start..].join("\n")
}

/// The features the compile proof turns on: every one whose code uses the
/// generated types (the mock Hub). The codegen snapshot test builds the
/// library with them too (the dev-dependency on itself), so it reuses the
/// proof's build instead of compiling the library a second time.
pub const PROOF_FEATURES: &str = "mock";

/// `cargo build -p kataven --features mock` with build.rs reading `spec`.
pub fn build(repo: &Path, spec: &Path) -> Result<()> {
    let mut command = cargo();
    command
        .current_dir(repo)
        .args([
            "build",
            "--quiet",
            "--package",
            "kataven",
            "--features",
            PROOF_FEATURES,
        ])
        .env(SPEC_ENV, spec);
    let output = run(command, "build the SDK")?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if let Some(line) = stderr
        .lines()
        .find(|l| l.contains("error: kataven codegen:"))
    {
        let line = line.trim_start().trim_start_matches("error: ");
        return Err(Failure(format!(
            "the new spec does not generate: {line}\nopenapi.json was not changed. \
             If the spec is fine, extend the normalisation in xtask/src/normalize.rs"
        )));
    }
    Err(Failure(format!(
        "the SDK does not compile with the new spec (openapi.json was not changed):\n{}\n\n\
         The generated code changed under the facade: read the summary above, adapt \
         src/widget_keys/ (see CONTRIBUTING.md) while building against the candidate with\n  \
         {SPEC_ENV}={} cargo build -p kataven --features {PROOF_FEATURES}\nthen run update-spec again",
        tail(&output.stderr),
        spec.display()
    )))
}

/// The repository's own `openapi.json`, as an absolute path: the value to
/// give build.rs through `KATAVEN_OPENAPI` when no candidate is involved.
pub fn repo_spec(repo: &Path) -> std::path::PathBuf {
    std::path::absolute(repo.join("openapi.json")).unwrap_or_else(|_| repo.join("openapi.json"))
}

/// How to run the codegen snapshot test.
pub enum SnapshotMode {
    /// Leave a `.snap.new` for review when the output changed; never fail on a diff.
    LeavePending,
    /// Fail on a diff, write nothing (CI).
    Verify,
}

/// Runs `tests/codegen_snapshot.rs`. With `spec`, build.rs reads that file.
pub fn snapshot_test(repo: &Path, spec: Option<&Path>, mode: SnapshotMode) -> Result<Output> {
    let mut command = cargo();
    command.current_dir(repo).args([
        "test",
        "--quiet",
        "--package",
        "kataven",
        "--test",
        "codegen_snapshot",
    ]);
    // Always name the spec explicitly, even the repository's own
    // `openapi.json`: build.rs tracks the variable's value, so a build script
    // output left by another checkout that shares the target directory (same
    // package layout, same unit hash) is never mistaken for this one's.
    let spec = match spec {
        Some(spec) => spec.to_path_buf(),
        None => repo_spec(repo),
    };
    command.env(SPEC_ENV, &spec);
    match mode {
        SnapshotMode::LeavePending => {
            // With CI set insta never writes files.
            command
                .env_remove("CI")
                .env("INSTA_UPDATE", "new")
                .env("INSTA_FORCE_PASS", "1");
        }
        SnapshotMode::Verify => {
            command
                .env("CI", "true")
                .env("INSTA_UPDATE", "no")
                .env_remove("INSTA_FORCE_PASS");
        }
    }
    run(command, "run the codegen snapshot test")
}
