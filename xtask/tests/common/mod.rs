//! Helpers for the xtask integration tests: a scratch "repository" holding a
//! copy of `openapi.json`, and running the xtask binary against it. The real
//! `openapi.json` is never touched.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn real_repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

pub struct Repo {
    _temp: Option<tempfile::TempDir>,
    root: PathBuf,
    pub original: Vec<u8>,
}

impl Repo {
    /// A scratch directory with `openapi.json` and a copy of `src/` (which
    /// the summary reads to know what the facade uses): enough for every
    /// `update-spec --skip-compile-proof` run.
    pub fn spec_only() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let original = fs::read(real_repo().join("openapi.json")).expect("read openapi.json");
        fs::write(dir.path().join("openapi.json"), &original).expect("write openapi.json");
        copy_dir(&real_repo().join("src"), &dir.path().join("src"));
        Repo {
            root: dir.path().to_path_buf(),
            _temp: Some(dir),
            original,
        }
    }

    /// A copy of every tracked file of the repository (for the compile
    /// proof), under `target/tmp/<name>`. Its own `target/` survives from one
    /// test run to the next, so cargo reuses the compiled dependencies.
    pub fn full_copy(name: &str) -> Repo {
        let root_copy = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        if let Ok(entries) = fs::read_dir(&root_copy) {
            for entry in entries.flatten() {
                if entry.file_name() == "target" {
                    continue;
                }
                let path = entry.path();
                let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
            }
        }
        fs::create_dir_all(&root_copy).expect("mkdir");
        let root = real_repo();
        let listed = Command::new("git")
            .current_dir(&root)
            .args(["ls-files", "-z"])
            .output()
            .expect("git ls-files");
        assert!(listed.status.success(), "git ls-files failed");
        for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            let name = String::from_utf8_lossy(name).to_string();
            let from = root.join(&name);
            let to = root_copy.join(&name);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).expect("mkdir");
            }
            if from.is_file() {
                fs::copy(&from, &to).expect("copy");
            }
        }
        let original = fs::read(root_copy.join("openapi.json")).expect("read openapi.json");
        Repo {
            _temp: None,
            root: root_copy,
            original,
        }
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    pub fn spec(&self) -> Vec<u8> {
        fs::read(self.path().join("openapi.json")).expect("read openapi.json")
    }

    pub fn set_spec(&mut self, bytes: &[u8]) {
        fs::write(self.path().join("openapi.json"), bytes).expect("write openapi.json");
        self.original = bytes.to_vec();
    }

    /// Runs `xtask <args> --repo <this>`.
    pub fn xtask(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command.args(args).arg("--repo").arg(self.path());
        Run::from(command.output().expect("run xtask"))
    }

    /// Asserts the failure contract: exit status 1, the message, and an
    /// untouched `openapi.json`.
    pub fn assert_fails_unchanged(&self, run: &Run, message: &str) {
        assert_eq!(run.code, Some(1), "exit status\n{run}");
        assert!(
            run.stderr.contains(message),
            "stderr lacks {message:?}\n{run}"
        );
        assert!(run.stderr.contains("openapi.json was not changed"), "{run}");
        assert!(self.spec() == self.original, "openapi.json changed\n{run}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Whether a line of stdout matches `pattern`, where `…` stands for any
    /// text within the line (e.g. the other files a hint may name).
    pub fn has_line(&self, pattern: &str) -> bool {
        let parts: Vec<&str> = pattern.split('…').collect();
        self.stdout.lines().any(|line| {
            let Some((first, others)) = parts.split_first() else {
                return false;
            };
            let Some(mut rest) = line.strip_prefix(first) else {
                return false;
            };
            let Some((last, middle)) = others.split_last() else {
                return rest.is_empty();
            };
            for part in middle {
                match rest.find(part) {
                    Some(at) => rest = &rest[at + part.len()..],
                    None => return false,
                }
            }
            rest.ends_with(last)
        })
    }

    /// Asserts that a line of stdout ends with each pattern (`…` as in
    /// [`has_line`](Self::has_line); end a pattern with `…` to match inside
    /// a line).
    pub fn assert_lines(&self, patterns: &[&str]) {
        for pattern in patterns {
            assert!(
                self.has_line(&format!("…{pattern}")),
                "no line matches {pattern:?}\n{self}"
            );
        }
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}
