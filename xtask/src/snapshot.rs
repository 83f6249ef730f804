//! `cargo xtask snapshot [--accept]`: review and accept the snapshots
//! without cargo-insta: the codegen one (insta writes
//! `tests/snapshots/generated_client.snap.new` when the generated code
//! changed) and the public-API one (`public_api.snap.new`, written by
//! `xtask/src/public_api/` in the same format).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cargo::{self, SnapshotMode};
use crate::public_api;
use crate::snapshot_file::{body, diff, pending, without_assertion_line};
use crate::{Failure, Result};

const CODEGEN_PENDING: &str = "generated_client.snap.new";

pub fn snapshot(repo: &Path, accept: bool) -> Result<ExitCode> {
    let codegen_pending = pending(repo)?
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n == CODEGEN_PENDING));
    if !codegen_pending {
        println!(
            "no pending codegen snapshot: running the codegen snapshot test against openapi.json"
        );
        let output = cargo::snapshot_test(repo, None, SnapshotMode::LeavePending)?;
        if !output.status.success() {
            return Err(Failure(format!(
                "the codegen snapshot test does not build or run:\n{}",
                cargo::tail(&output.stderr)
            )));
        }
    }
    // The public API is listed afresh every time (a few seconds once the
    // SDK is built): a pending listing may predate later source edits.
    println!("listing the public API (rustdoc JSON)");
    let shown = fs::read_to_string(public_api::pending_path(repo)).ok();
    public_api::refresh(repo, None)?;
    let fresh = fs::read_to_string(public_api::pending_path(repo)).ok();
    if accept && shown.is_some() && fresh.is_some() && shown != fresh {
        return Err(Failure(
            "the public API changed since its diff was last shown: run `cargo xtask snapshot` \
             to review it again, then `--accept` (nothing was accepted)"
                .into(),
        ));
    }
    let files = pending(repo)?;
    if files.is_empty() {
        println!(
            "the committed snapshots match what build.rs generates and the public API: nothing to review"
        );
        return Ok(ExitCode::SUCCESS);
    }
    for new_path in &files {
        let name = new_path.to_string_lossy();
        let old_path = PathBuf::from(name.trim_end_matches(".new"));
        let new_text = fs::read_to_string(new_path)
            .map_err(|err| Failure(format!("cannot read {}: {err}", new_path.display())))?;
        let old_text = fs::read_to_string(&old_path).unwrap_or_default();
        if accept {
            fs::write(&old_path, without_assertion_line(&new_text))
                .and_then(|()| fs::remove_file(new_path))
                .map_err(|err| Failure(format!("cannot accept {}: {err}", new_path.display())))?;
            println!("accepted {}", old_path.display());
        } else {
            print!(
                "{}",
                diff(&old_path, new_path, body(&old_text), body(&new_text))
            );
        }
    }
    if !accept {
        println!("\naccept after review with `cargo xtask snapshot --accept`");
    }
    Ok(ExitCode::SUCCESS)
}
