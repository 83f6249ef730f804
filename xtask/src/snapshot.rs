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
use crate::{Failure, Result};

const CODEGEN_PENDING: &str = "generated_client.snap.new";

fn dir(repo: &Path) -> PathBuf {
    repo.join("tests").join("snapshots")
}

/// The pending `.snap.new` files.
pub fn pending(repo: &Path) -> Result<Vec<PathBuf>> {
    let dir = dir(repo);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(Failure(format!("cannot list {}: {err}", dir.display()))),
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".snap.new"))
        .collect();
    out.sort();
    Ok(out)
}

pub fn remove_pending(repo: &Path) -> Result<()> {
    for path in pending(repo)? {
        fs::remove_file(&path)
            .map_err(|err| Failure(format!("cannot remove stale {}: {err}", path.display())))?;
    }
    Ok(())
}

/// The snapshot body (after insta's `---` header).
pub fn body(text: &str) -> &str {
    text.strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..]))
        .unwrap_or(text)
}

/// insta records the line of the assertion in pending snapshots only; drop it
/// so an accepted snapshot looks like one written by `INSTA_UPDATE=always`.
fn without_assertion_line(text: &str) -> String {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text.to_string();
    };
    let Some(end) = rest.find("\n---\n") else {
        return text.to_string();
    };
    let header: Vec<&str> = rest[..end]
        .lines()
        .filter(|l| !l.starts_with("assertion_line:"))
        .collect();
    format!("---\n{}{}", header.join("\n"), &rest[end..])
}

/// A unified diff of two snapshot bodies.
pub fn diff(old_path: &Path, new_path: &Path, old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let old_label = old_path.display().to_string();
    let new_label = new_path.display().to_string();
    diff.unified_diff()
        .context_radius(3)
        .header(&old_label, &new_label)
        .to_string()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_handling() {
        let text = "---\nsource: tests/x.rs\nassertion_line: 16\n---\nbody\n";
        assert_eq!(body(text), "body\n");
        assert_eq!(
            without_assertion_line(text),
            "---\nsource: tests/x.rs\n---\nbody\n"
        );
    }
}
