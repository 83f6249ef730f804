//! The public-API snapshot (`cargo xtask public-api`, `snapshot`, `check`).
//!
//! The fixture `tests/fixtures/public-api` is a miniature SDK (also named
//! `kataven`, with a `mock` feature and a `raw` module) holding an item of
//! every kind the listing renders; its committed `public_api.snap` is the
//! reviewed rendering. The tests run the xtask on a scratch copy of it, with
//! real rustdoc runs (about a second each: the fixture has no dependencies).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Run, fixture, real_repo};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    fn copy() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sdk");
        copy_dir(&fixture("public-api"), &root);
        Fixture { _dir: dir, root }
    }

    fn xtask(&self, args: &[&str]) -> Run {
        xtask(&self.root, args)
    }

    fn snapshot(&self) -> String {
        fs::read_to_string(self.root.join("tests/snapshots/public_api.snap")).unwrap()
    }

    fn pending(&self) -> PathBuf {
        self.root.join("tests/snapshots/public_api.snap.new")
    }

    /// Replaces `old` (which must occur once) in a source file.
    fn edit(&self, file: &str, old: &str, new: &str) {
        let path = self.root.join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(old).count(), 1, "{old:?} in {file}");
        fs::write(&path, text.replacen(old, new, 1)).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn xtask(repo: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(args).arg("--repo").arg(repo);
    Run::from(command.output().unwrap())
}

/// The `+`/`-` lines of a unified diff, without its `+++`/`---` header.
fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .filter(|l| !l.starts_with("+++") && !l.starts_with("---"))
        .collect()
}

#[test]
fn the_fixture_listing_is_the_reviewed_one() {
    let sdk = Fixture::copy();
    let run = sdk.xtask(&["public-api"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("the public API matches"), "{run}");
    assert!(!sdk.pending().exists());

    let snapshot = sdk.snapshot();
    // What the listing must hold, and leave out, beyond what the reviewed
    // file shows at a glance.
    for present in [
        "pub mod kataven::raw (contents not listed",
        "pub fn kataven::Plain::generated(&self) -> kataven::raw::Generated",
        "impl From<kataven::raw::types::WireKey> for kataven::keys::Key",
        "pub async fn kataven::mock::MockServer::start() -> kataven::mock::MockServer",
        "pub use kataven::Key = kataven::keys::Key",
        "pub struct kataven::Counter",
        "#[non_exhaustive] kataven::Event::Failed { .. }",
        "auto traits of kataven::Shared: !Send, !Sync, RefUnwindSafe, Unpin, UnwindSafe",
        "impl core::str::traits::FromStr for kataven::keys::Key { type Err = kataven::keys::KeyError; }",
    ] {
        assert!(snapshot.contains(present), "lacks {present:?}:\n{snapshot}");
    }
    for absent in [
        "generated_method",
        "Generated {",
        "WireKey(",
        "private::",
        "Sealed",
        "hidden",
        "crate_helper",
        "private_helper",
        "secret",
        "Freeze",
        "StructuralPartialEq",
        "Borrow",
        "Any for",
    ] {
        assert!(!snapshot.contains(absent), "has {absent:?}:\n{snapshot}");
    }
}

#[test]
fn a_change_shows_as_exactly_that_diff_until_accepted() {
    let sdk = Fixture::copy();
    let reviewed = sdk.snapshot();

    // A new method, a changed signature, a change inside `raw`, and a
    // private rename: only the first two are API changes.
    sdk.edit(
        "src/lib.rs",
        "    pub fn into_name(self) -> String {",
        "    pub fn name_len(&self) -> usize {\n        self.name.len()\n    }\n\n    \
         pub fn into_name(self) -> String {",
    );
    sdk.edit(
        "src/lib.rs",
        "pub const fn double(value: u32) -> u32 {\n    value.saturating_mul(2)",
        "pub const fn double(value: u64) -> u64 {\n    value.saturating_mul(2)",
    );
    sdk.edit(
        "src/lib.rs",
        "        pub fn generated_method(&self) -> u8 {",
        "        pub fn another_generated_method(&self) {}\n\n        \
         pub fn generated_method(&self) -> u8 {",
    );
    sdk.edit(
        "src/lib.rs",
        "mod private;",
        "#[path = \"private.rs\"]\nmod renamed;",
    );
    sdk.edit("src/lib.rs", "pub use private::*;", "pub use renamed::*;");

    let run = sdk.xtask(&["public-api"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(
        changed_lines(&run.stderr),
        [
            "+pub fn kataven::Plain::name_len(&self) -> usize",
            "-pub const fn kataven::double(u32) -> u32",
            "+pub const fn kataven::double(u64) -> u64",
        ],
        "{run}"
    );
    assert!(
        run.stderr.contains("--- tests/snapshots/public_api.snap\n"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("accept it with `cargo xtask snapshot --accept`"),
        "{run}"
    );
    assert!(sdk.pending().exists());
    assert_eq!(sdk.snapshot(), reviewed, "nothing accepted yet");

    // `snapshot` shows the same diff.
    let run = sdk.xtask(&["snapshot"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout
            .contains("\n+pub fn kataven::Plain::name_len(&self) -> usize\n"),
        "{run}"
    );

    // A change after the review is not accepted unseen.
    sdk.edit(
        "src/lib.rs",
        "pub fn name_len(&self)",
        "pub fn name_length(&self)",
    );
    let run = sdk.xtask(&["snapshot", "--accept"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains("changed since its diff was last shown"),
        "{run}"
    );
    assert_eq!(sdk.snapshot(), reviewed);

    let run = sdk.xtask(&["snapshot"]);
    assert!(
        run.stdout
            .contains("+pub fn kataven::Plain::name_length(&self) -> usize"),
        "{run}"
    );
    let run = sdk.xtask(&["snapshot", "--accept"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!sdk.pending().exists());
    let accepted = sdk.snapshot();
    assert!(
        accepted.contains("\npub fn kataven::Plain::name_length(&self) -> usize\n"),
        "{accepted}"
    );
    assert!(accepted.starts_with("---\nsource: xtask/src/public_api/mod.rs\n"));

    let run = sdk.xtask(&["public-api"]);
    assert_eq!(run.code, Some(0), "{run}");
}

#[test]
fn the_snapshot_reaccepts_in_one_command() {
    // What the lead runs after a restructure: nothing pending, one command.
    let sdk = Fixture::copy();
    sdk.edit(
        "src/mock.rs",
        "    pub port: u16,",
        "    pub port: u16,\n    pub host: String,",
    );
    let run = sdk.xtask(&["snapshot", "--accept"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        sdk.snapshot()
            .contains("\npub kataven::mock::MockServer::host: String\n")
    );
    assert_eq!(sdk.xtask(&["public-api"]).code, Some(0));
}

#[test]
fn another_rustdoc_json_format_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("kataven.json");
    let run_on = |text: &str| {
        fs::write(&json, text).unwrap();
        xtask(
            dir.path(),
            &["public-api", "--rustdoc-json", json.to_str().unwrap()],
        )
    };

    let run = run_on(r#"{"format_version": 99, "root": 0, "index": {}}"#);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains("rustdoc JSON format 99, expected 57: this toolchain's rustdoc"),
        "{run}"
    );
    assert!(run.stderr.contains("`rustdoc-types = \"0.99\"`"), "{run}");
    assert!(run.stdout.is_empty(), "no listing printed: {run}");

    let run = run_on(r#"{"format_version": 57, "root": 0}"#);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains("says it is rustdoc JSON format 57 but does not read as one"),
        "{run}"
    );

    let run = run_on(r#"{"openapi": "3.0.3"}"#);
    assert!(run.stderr.contains("has no format_version"), "{run}");

    let run = run_on("<html>");
    assert!(run.stderr.contains("is not JSON"), "{run}");
    assert!(!dir.path().join("tests").exists(), "nothing pending");
}

#[test]
fn the_sdk_public_api_matches_its_snapshot() {
    // The real crate (rustdoc over the SDK: slow once, then seconds).
    let run = xtask(&real_repo(), &["public-api"]);
    assert_eq!(
        run.code,
        Some(0),
        "{run}\nIf the change is intended: cargo xtask snapshot, then cargo xtask snapshot --accept"
    );
}
