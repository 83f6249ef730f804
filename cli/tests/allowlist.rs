//! `kataven allowlist check|lint`.

mod common;

use common::*;

#[test]
fn allowlist_check_says_which_entry_decided_and_exits_2_when_denied() {
    let run = offline(&[
        "allowlist",
        "check",
        "https://shop.acme.com",
        "--entry",
        "acme.com",
        "--entry",
        "*.acme.com",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.stdout,
        "allowed: https://shop.acme.com by *.acme.com (entry 2 of 2)\n"
    );

    let run = offline(&[
        "allowlist",
        "check",
        "https://acme.com",
        "--entry",
        "*.acme.com",
        "--entry",
        "acme.com:8443",
        "--entry",
        "http://acme.com",
        "--entry",
        "evil.com",
    ]);
    assert_eq!((run.code, run.stderr.as_str()), (2, ""), "{run:#?}");
    insta::assert_snapshot!("check_denied", run.stdout);

    let run = offline(&[
        "allowlist",
        "check",
        "http://localhost:5173",
        "--entry",
        "localhost:3000",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 2);
    let doc = run.json();
    assert_eq!(doc["allowed"], false);
    assert_eq!(doc["misses"][0]["reason"], "port");
    assert_eq!(doc["misses"][0]["entry"], "localhost:3000");

    let run = offline(&["allowlist", "check", "acme.com", "--entry", "acme.com"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert!(run.stderr.contains("is not an origin"), "{run:#?}");

    // Against a key on the Hub.
    let hub = Hub::start();
    let id = hub.create("acme", &["acme.com"]);
    let run = hub.run(&[
        "allowlist",
        "check",
        "https://acme.com",
        "--key",
        &id,
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(
        (doc["allowed"].clone(), doc["entry"].clone()),
        (Value::Bool(true), Value::from("acme.com"))
    );
    assert_eq!(doc["key"]["name"], "acme");
    hub.run(&["widget-keys", "revoke", &id]);
    let run = hub.run(&["allowlist", "check", "https://acme.com", "--key", &id]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stdout.contains("the key \"acme\" is disabled"),
        "{run:#?}"
    );
    let blocked = hub.create("blocked", &[]);
    let run = hub.run(&["allowlist", "check", "https://acme.com", "--key", &blocked]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stdout
            .contains("the allowlist is empty: the key is blocked"),
        "{run:#?}"
    );
}

#[test]
fn allowlist_lint_reports_entries_errors_and_warnings() {
    let run = offline(&[
        "allowlist",
        "lint",
        "ACME.com",
        "acme.com",
        "*.acme.com",
        "shop.acme.com",
        "localhost:*",
        "*.vercel.app",
        "[0:0::1]:3000",
    ]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
    insta::assert_snapshot!("lint", run.stdout);

    let run = offline(&[
        "allowlist",
        "lint",
        "acme.com",
        "*.co.uk",
        "999.1.1.1",
        "[:::]",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stdout
            .contains("*.co.uk    refused: `co.uk` is a public suffix"),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("3 of 4 entries are refused"),
        "{run:#?}"
    );

    let run = offline(&["allowlist", "lint", "--output", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["warnings"][0]["code"], "empty");

    let run = offline(&[
        "allowlist",
        "lint",
        "*.github.io",
        "Acme.com",
        "--output",
        "json",
    ]);
    let doc = run.json();
    assert_eq!(
        doc["normalised"],
        serde_json::json!(["*.github.io", "acme.com"])
    );
    assert_eq!(doc["warnings"][0]["code"], "private-suffix");
}
