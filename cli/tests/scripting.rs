//! What scripts rely on: exit codes, stdout/stderr separation, error lines
//! in words, connection errors, JSON format versions, flags per command.

mod common;

use common::*;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

#[test]
fn errors_go_to_stderr_with_the_status_the_message_and_the_request_id() {
    let hub = Hub::start();
    let missing = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";
    let run = hub.run(&["widget-keys", "revoke", missing]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{run:#?}");
    assert!(run.stderr.contains("404"), "{run:#?}");
    assert!(run.stderr.contains("Widget key not found"), "{run:#?}");
    assert!(run.stderr.contains("request id req_"), "{run:#?}");

    let run = hub.run(&["widget-keys", "delete", missing, "--output", "json"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    let doc: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(doc["error"]["status"], 404);
    assert_eq!(doc["error"]["hub_message"], "Widget key not found");
    assert!(
        doc["error"]["request_id"]
            .as_str()
            .unwrap()
            .starts_with("req_")
    );

    // Wrong credentials: 401, and the key itself never appears.
    let run = finish(
        hub.command(&["widget-keys", "list"])
            .env("KATAVEN_API_KEY", "sk_live_acme_wrongsecret"),
    );
    assert_eq!(run.code, 3, "authentication failures exit 3: {run:#?}");
    assert!(run.stderr.contains("401"), "{run:#?}");
    assert!(!run.stderr.contains("wrongsecret"), "{run:#?}");

    let run = offline(&["widget-keys", "list"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("KATAVEN_API_KEY is not set"),
        "{run:#?}"
    );

    // --base-url wins over the environment; --timeout bounds the call.
    hub.hub.inject(Fault::delay(Duration::from_secs(5)), 1);
    let run = hub.run(&["widget-keys", "list", "--timeout", "300ms"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("timeout"), "{run:#?}");
    let run = hub.run(&[
        "widget-keys",
        "list",
        "--base-url",
        "http://127.0.0.1:1",
        "--timeout",
        "2s",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("could not talk to the Hub"), "{run:#?}");
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let run = offline(&["widget-keys", "bogus"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert!(run.stderr.contains("unrecognized subcommand"), "{run:#?}");
    let run = offline(&[
        "widget-keys",
        "update",
        "x",
        "--agent",
        "a",
        "--unpin-agent",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    let run = offline(&["widget-keys", "list", "--timeout", "soon"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let run = offline(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("Exit codes: 0 success; 1 error; 2 ran fine"),
        "{run:#?}"
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // A reader that takes one line and goes away, as `| head -1` does. The
    // output is larger than a pipe's buffer, so the writer must hit the
    // closed pipe.
    let entries: Vec<String> = (0..3000).map(|i| format!("host{i}.acme.com")).collect();
    let mut child = kataven_bin()
        .args(["allowlist", "lint"])
        .args(&entries)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("ENTRY"), "{first}");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");

    // The same for a Hub command whose answer comes after the pipe closed.
    let hub = Hub::start();
    hub.create("a key", &["acme.com"]);
    let mut child = hub
        .command(&["widget-keys", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
