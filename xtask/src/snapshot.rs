//! `cargo xtask snapshot [--accept]`: review and accept the codegen snapshot
//! without cargo-insta. insta writes `tests/snapshots/*.snap.new` next to the
//! committed `*.snap` when the generated code changed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cargo::{self, SnapshotMode};
use crate::{Failure, Result};

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
fn body(text: &str) -> &str {
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

pub fn snapshot(repo: &Path, accept: bool) -> Result<ExitCode> {
    let mut files = pending(repo)?;
    if files.is_empty() {
        println!("no pending snapshot: running the codegen snapshot test against openapi.json");
        let output = cargo::snapshot_test(repo, None, SnapshotMode::LeavePending)?;
        if !output.status.success() {
            return Err(Failure(format!(
                "the codegen snapshot test does not build or run:\n{}",
                cargo::tail(&output.stderr)
            )));
        }
        files = pending(repo)?;
    }
    if files.is_empty() {
        println!("the committed snapshot matches what build.rs generates: nothing to review");
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
            let diff = similar::TextDiff::from_lines(body(&old_text), body(&new_text));
            let old_label = old_path.display().to_string();
            let new_label = new_path.display().to_string();
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&old_label, &new_label)
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
