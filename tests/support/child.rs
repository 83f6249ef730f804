//! Runs one test of this binary in a child process: for what must not
//! happen in the test runner's own process (an allocation that would abort
//! it) or needs an environment of its own (proxy variables), without
//! changing the parent's environment.
//!
//! The child side is an `#[ignore]`d test that starts with
//! [`in_child`]`()`: run directly (e.g. by `cargo test -- --ignored`), it
//! says so and does nothing; its parent test asserts on the child's outcome.

use std::process::{Command, Output};

const MARK: &str = "KATAVEN_TEST_CHILD";

/// Runs the test `name` (its full path, e.g.
/// `body_limits::child_claimed_terabyte`) of the current test binary in a
/// child process with `envs` set.
pub fn run(name: &str, envs: &[(&str, &str)]) -> Output {
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(exe)
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MARK, "1")
        .envs(envs.iter().copied())
        .output()
        .expect("the child test runs");
    // A renamed or mistyped name would match nothing and "pass" with 0
    // tests run, so the parent's assertions on a failure would be judging
    // nothing: insist the one test ran, whatever its outcome.
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("running 1 test"),
        "child test {name:?} matched no test of this binary\n{}",
        describe(&output)
    );
    output
}

/// Whether this process is a child started by [`run`].
pub fn in_child() -> bool {
    let child = std::env::var_os(MARK).is_some();
    if !child {
        eprintln!("run by its parent test in a child process; nothing to do here");
    }
    child
}

/// The child's output, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
