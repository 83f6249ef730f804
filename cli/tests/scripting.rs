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

#[test]
fn connection_errors_name_the_host_and_the_cause() {
    let hub = Hub::start();
    let port = hub.hub.addr().port();
    let refused = hub.run(&[
        "widget-keys",
        "list",
        "--base-url",
        "http://127.0.0.1:1",
        "--timeout",
        "5s",
    ]);
    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(
        refused.stderr.starts_with(
            "error: listing the widget keys failed: could not talk to the Hub at 127.0.0.1:1: the connection could not be made (connection refused: nothing listens there)"
        ),
        "{refused:#?}"
    );
    let dns = hub.run(&[
        "widget-keys",
        "list",
        "--base-url",
        "https://kataven-hub.invalid",
        "--timeout",
        "10s",
    ]);
    assert_eq!(dns.code, 1, "{dns:#?}");
    // A machine whose resolver does not answer times out instead: that
    // says nothing about the CLI, so it is accepted.
    if !resolver_timed_out(&dns) {
        assert!(dns.stderr.contains("at kataven-hub.invalid:"), "{dns:#?}");
        assert!(dns.stderr.contains("(DNS lookup failed: "), "{dns:#?}");
    }
    // TLS to a port that speaks plain HTTP.
    let tls_url = format!("https://127.0.0.1:{port}");
    let tls = hub.run(&[
        "widget-keys",
        "list",
        "--base-url",
        &tls_url,
        "--timeout",
        "10s",
    ]);
    assert_eq!(tls.code, 1, "{tls:#?}");
    assert!(
        tls.stderr.contains(&format!("at 127.0.0.1:{port}:")),
        "{tls:#?}"
    );
    assert!(tls.stderr.contains("(TLS failed: "), "{tls:#?}");
}

/// Whether a lookup of a `.invalid` name ran out of time (a resolver that
/// does not answer) rather than failing.
fn resolver_timed_out(run: &Run) -> bool {
    run.stderr.contains("ran out (raise it with --timeout)")
}

#[test]
fn plain_http_to_a_remote_host_needs_a_flag_named_in_the_message() {
    let hub = Hub::start();
    let run = hub.run(&[
        "widget-keys",
        "list",
        "--base-url",
        "http://kataven-hub.invalid",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    insta::assert_snapshot!("plain_http_refused", run.stderr);
    assert!(
        !run.stderr.contains(".allow_insecure_http"),
        "CLI flags, not SDK methods"
    );
    let run = hub.run(&[
        "widget-keys",
        "list",
        "--base-url",
        "http://kataven-hub.invalid",
        "--allow-insecure-http",
        "--timeout",
        "10s",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr.contains("DNS lookup failed") || resolver_timed_out(&run),
        "allowed, and then sent: {run:#?}"
    );
}

#[test]
fn exit_codes_follow_the_documented_table() {
    let hub = Hub::start();
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"a\"\ndomain_allowlist = []\n",
    );
    let code = |run: Run| run.code;
    // 0, 2, 1
    assert_eq!(code(hub.run(&["widget-keys", "list"])), 0);
    assert_eq!(
        code(hub.run(&["plan", "-f", &file, "--detailed-exitcode"])),
        2
    );
    assert_eq!(code(hub.run(&["widget-keys", "revoke", "not-a-uuid"])), 1);
    assert_eq!(code(offline(&["widget-keys", "frobnicate"])), 1);
    // 3: the credentials, missing or refused, for every kind of command.
    assert_eq!(code(offline(&["widget-keys", "list"])), 3);
    assert_eq!(code(offline(&["plan", "-f", &file])), 3);
    let wrong = |args: &[&str]| {
        finish(
            hub.command(args)
                .env("KATAVEN_API_KEY", "sk_live_acme_wrongsecret"),
        )
    };
    for args in [
        &["widget-keys", "list"][..],
        &["api-keys", "list"],
        &["plan", "-f", &file],
        &["apply", "-f", &file, "--auto-approve"],
    ] {
        let run = wrong(args);
        assert_eq!(run.code, 3, "{args:?}: {run:#?}");
        assert!(
            run.stderr.contains("the credentials were refused"),
            "{run:#?}"
        );
    }
    let run = finish(
        hub.session_command(&["api-keys", "list"])
            .env("KATAVEN_TOKEN", "eyJhbGciOiJub25lIn0.e30.wrong"),
    );
    assert_eq!(run.code, 3, "{run:#?}");
    let run = wrong(&["widget-keys", "list", "-o", "json"]);
    let doc: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(
        (
            doc["error"]["exit_code"].as_u64(),
            doc["error"]["status"].as_u64()
        ),
        (Some(3), Some(401))
    );
}

#[test]
fn error_lines_say_what_failed_in_words() {
    let hub = Hub::start();
    let missing = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";
    let mut lines = String::new();
    for args in [
        vec!["widget-keys", "revoke", missing],
        vec!["widget-keys", "delete", missing],
        vec!["widget-keys", "update", missing, "--name", "x"],
        vec!["widget-keys", "rotate", missing],
        vec!["api-keys", "revoke", missing],
    ] {
        let run = if args[0] == "api-keys" {
            hub.session(&args)
        } else {
            hub.run(&args)
        };
        assert_eq!(run.code, 1, "{run:#?}");
        lines.push_str(&redact(&run.stderr));
    }
    hub.hub.inject(Fault::status(500), 1);
    lines.push_str(&redact(
        &hub.run(&["widget-keys", "create", "x", "--allow-duplicate-name"])
            .stderr,
    ));
    insta::assert_snapshot!("error_lines", lines);
    for id in ["_widget_key", "_api_key", "list_widget_keys"] {
        assert!(!lines.contains(id), "an operation id in: {lines}");
    }
}

#[test]
fn json_documents_carry_a_format_version() {
    let hub = Hub::start();
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"a\"\ndomain_allowlist = [\"acme.com\"]\n",
    );
    let id = hub.create("b", &["acme.com"]);
    for args in [
        vec!["widget-keys", "list", "-o", "json"],
        vec!["widget-keys", "create", "c", "-o", "json"],
        vec!["widget-keys", "update", &id, "--enable", "-o", "json"],
        vec!["widget-keys", "revoke", &id, "-o", "json"],
        vec!["api-keys", "list", "-o", "json"],
        vec!["plan", "-f", &file, "-o", "json"],
        vec![
            "apply",
            "-f",
            &file,
            "--auto-approve",
            "-o",
            "json",
            "--keys-out",
            "keys.json",
        ],
        vec!["allowlist", "lint", "acme.com", "-o", "json"],
        vec![
            "allowlist",
            "check",
            "https://acme.com",
            "--entry",
            "acme.com",
            "--output",
            "json",
        ],
    ] {
        let run = hub.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {run:#?}");
        assert_eq!(run.json()["format_version"], 1, "{args:?}");
    }
    let run = hub.run(&["widget-keys", "revoke", "not-a-uuid", "-o", "json"]);
    let doc: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(doc["format_version"], 1);
}

#[test]
fn every_command_has_examples_and_only_the_flags_it_uses() {
    for command in [
        &["widget-keys", "list"][..],
        &["widget-keys", "create"],
        &["widget-keys", "update"],
        &["widget-keys", "revoke"],
        &["widget-keys", "delete"],
        &["widget-keys", "rotate"],
        &["api-keys", "list"],
        &["api-keys", "create"],
        &["api-keys", "update"],
        &["api-keys", "revoke"],
        &["api-keys", "delete"],
        &["api-keys", "rotate"],
        &["plan"],
        &["apply"],
        &["allowlist", "check"],
        &["allowlist", "lint"],
        &["mock-hub"],
        &["completion"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let run = offline(&args);
        assert_eq!(run.code, 0, "{command:?}");
        assert!(
            run.stdout.contains("Example"),
            "{command:?} has no example:\n{}",
            run.stdout
        );
    }
    // Hub options only where the Hub is talked to.
    for args in [
        &["allowlist", "lint", "acme.com", "--base-url", "https://x"][..],
        &["mock-hub", "--timeout", "1s"],
        &["completion", "bash", "-o", "json"],
        &["--base-url", "https://x", "widget-keys", "list"],
    ] {
        let run = offline(args);
        assert_eq!(run.code, 1, "{args:?}: {run:#?}");
        assert!(run.stderr.contains("unexpected argument"), "{run:#?}");
    }
}
