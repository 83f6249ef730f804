//! Snapshot files on disk, in insta's format: where the pending `.snap.new`
//! files are, the body after insta's header, accepting a pending file, and a
//! unified diff of two bodies. A leaf: both the `snapshot` command and the
//! public-API listing (`public_api/`) write and compare snapshots through
//! it, and it imports neither.

use std::fs;
use std::path::{Path, PathBuf};

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
pub fn body(text: &str) -> &str {
    text.strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..]))
        .unwrap_or(text)
}

/// insta records the line of the assertion in pending snapshots only; drop it
/// so an accepted snapshot looks like one written by `INSTA_UPDATE=always`.
pub fn without_assertion_line(text: &str) -> String {
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
