//! `kataven plan` and `kataven apply` over a mock Hub: the plan/apply cycle,
//! JSON, failures mid-apply, refused files, and (below) the safety rules:
//! the prompt, saved plans, prune of an empty file, the keys-file lock and
//! checks, and keys whose plaintext may be lost.

mod common;

use common::*;
use std::time::Duration;

#[test]
fn the_plan_apply_cycle_creates_updates_prunes_and_converges() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", FILE_V1);
    // Relative to the directory the binary runs in, so that snapshots hold
    // no temporary path.
    let keys_out = "keys.json";
    let keys_path = hub.path(keys_out);

    // Plan: two creates; --detailed-exitcode says so with 2.
    let plan = hub.run(&["plan", "-f", &file, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:#?}");
    insta::assert_snapshot!("plan_create", plan.stdout);
    assert!(
        plan.stderr
            .contains("`localhost:*` lets in pages on the visitor's own machine")
    );
    assert_eq!(hub.methods(), ["GET"], "a plan only reads");

    // Apply: both created, each key printed once and saved, mode 0600.
    let apply = hub.run(&[
        "apply",
        "--auto-approve",
        "-f",
        &file,
        "--keys-out",
        keys_out,
    ]);
    assert_eq!(apply.code, 0, "{apply:#?}");
    insta::assert_snapshot!("apply_create", redact(&apply.stdout));
    let issued: Vec<String> = hub
        .hub
        .widget_keys()
        .issued()
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(issued.len(), 2);
    for key in &issued {
        assert_eq!(apply.stdout.matches(key.as_str()).count(), 1);
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&keys_path).unwrap()).unwrap();
    assert_eq!(
        saved["widget_keys"]["acme.com production"],
        issued[0].as_str()
    );
    assert_eq!(saved["widget_keys"]["staging"], issued[1].as_str());
    assert_eq!(mode(&keys_path), 0o600);
    let production = &hub.hub.widget_keys().list()[0];
    assert_eq!(production.domain_allowlist, ["acme.com", "*.acme.com"]);
    assert_eq!(
        production.agent_id.as_deref(),
        Some("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
    );

    // A second apply sends no writes.
    hub.hub.clear_requests();
    let again = hub.run(&["apply", "-f", &file, "--auto-approve"]);
    assert_eq!((again.code, again.stdout.as_str()), (0, "No changes.\n"));
    assert_eq!(hub.methods(), ["GET"]);

    // Keys the file does not name: one never used (hard delete), one used
    // (soft delete), one already disabled (left alone).
    hub.create("old", &["old.acme.com"]);
    let used = hub.create("used", &["used.acme.com"]);
    assert!(hub.hub.widget_keys().mark_used(&used));
    let retired = hub.create("retired", &["retired.acme.com"]);
    hub.run(&["widget-keys", "revoke", &retired]);

    let file = hub.write("keys.toml", FILE_V2);
    let plan = hub.run(&["plan", "-f", &file, "--prune"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    insta::assert_snapshot!("plan_update_prune", redact(&plan.stdout));

    let apply = hub.run(&[
        "apply",
        "--auto-approve",
        "-f",
        &file,
        "--prune",
        "--keys-out",
        keys_out,
    ]);
    assert_eq!(apply.code, 0, "{apply:#?}");
    insta::assert_snapshot!("apply_update_prune", redact(&apply.stdout));
    assert_eq!(
        hub.names(),
        [
            ("acme.com production".to_string(), false),
            ("staging".to_string(), true),
            ("used".to_string(), true),
            ("retired".to_string(), true),
            ("docs".to_string(), false),
        ]
    );
    let production = &hub.hub.widget_keys().list()[0];
    assert_eq!(
        production.domain_allowlist,
        ["*.acme.com", "acme.com", "https://acme.io"]
    );
    assert_eq!(production.agent_id, None);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&keys_path).unwrap()).unwrap();
    assert_eq!(
        saved["widget_keys"].as_object().unwrap().len(),
        3,
        "{saved}"
    );

    // Converged: no writes, plan says so with exit 0 under --detailed-exitcode.
    hub.hub.clear_requests();
    let again = hub.run(&["apply", "--auto-approve", "-f", &file, "--prune"]);
    assert_eq!((again.code, again.stdout.as_str()), (0, "No changes.\n"));
    let plan = hub.run(&["plan", "-f", &file, "--prune", "--detailed-exitcode"]);
    assert_eq!((plan.code, plan.stdout.as_str()), (0, "No changes.\n"));
    assert_eq!(hub.methods(), ["GET", "GET"]);
}

#[test]
fn plan_and_apply_in_json() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", FILE_V1);
    let plan = hub.run(&["plan", "-f", &file, "--output", "json"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    let doc = plan.json();
    assert_eq!(
        doc["summary"],
        serde_json::json!({"create": 2, "update": 0, "delete": 0})
    );
    assert_eq!(doc["changes"][0]["action"], "create");
    assert_eq!(doc["changes"][1]["domain_allowlist"][1], "localhost:*");
    assert_eq!(doc["warnings"][0]["code"], "loopback");
    assert_eq!(plan.stderr, "", "JSON mode keeps warnings in the document");

    let apply = hub.run(&["apply", "--auto-approve", "-f", &file, "--output", "json"]);
    assert_eq!(apply.code, 0, "{apply:#?}");
    let doc = apply.json();
    assert_eq!(doc["complete"], true);
    let created = &doc["applied"][0]["widget_key"];
    assert_eq!(created["name"], "acme.com production");
    assert_eq!(
        created["public_key"],
        hub.hub.widget_keys().issued()[0].as_str(),
        "the CreatedWidgetKey's serde form, flat"
    );
    assert!(created["id"].is_string() && created["key_last8"].is_string());
}

#[test]
fn a_failure_mid_apply_keeps_the_keys_already_minted() {
    let hub = Hub::start();
    let file = hub.write(
        "keys.toml",
        r#"
        [[widget_key]]
        name = "first"
        domain_allowlist = ["first.acme.com"]
        [[widget_key]]
        name = "second"
        domain_allowlist = ["second.acme.com"]
        [[widget_key]]
        name = "third"
        domain_allowlist = ["third.acme.com"]
        "#,
    );
    let keys_out = hub.path("keys.json");
    let keys_out = keys_out.to_str().unwrap();
    // The list and the first create go through; the second create fails.
    hub.hub.inject(Fault::delay(Duration::ZERO), 2);
    hub.hub.inject(Fault::status(500), 1);

    let apply = hub.run(&[
        "apply",
        "--auto-approve",
        "-f",
        &file,
        "--keys-out",
        keys_out,
    ]);
    assert_eq!(apply.code, 1, "{apply:#?}");
    let first_key = hub.hub.widget_keys().issued()[0].to_string();
    assert!(apply.stdout.contains(&first_key), "{apply:#?}");
    assert!(!apply.stdout.contains("error"), "errors stay on stderr");
    let stderr = &apply.stderr;
    assert!(
        stderr.contains("error: creating widget key \"second\" failed: the Hub answered 500 Internal Server Error"),
        "{stderr}"
    );
    assert!(stderr.contains("request id req_"), "{stderr}");
    assert!(
        stderr.contains("note: applied before the failure: created \"first\""),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "note: the new widget key of \"first\" is saved in {keys_out}"
        )),
        "{stderr}"
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(keys_out).unwrap()).unwrap();
    assert_eq!(
        saved,
        serde_json::json!({"widget_keys": {"first": first_key}, "api_keys": {}})
    );
    assert_eq!(hub.names(), [("first".to_string(), false)]);

    // Without --keys-out, the note carries the key itself.
    hub.hub.inject(Fault::delay(Duration::ZERO), 2);
    hub.hub.inject(Fault::status(503), 1);
    let apply = hub.run(&["apply", "-f", &file, "--auto-approve"]);
    assert_eq!(apply.code, 1, "{apply:#?}");
    let second_key = hub.hub.widget_keys().issued()[1].to_string();
    assert!(
        apply.stderr.contains(&format!(
            "note: the new widget key of \"second\" is {second_key}"
        )),
        "{apply:#?}"
    );

    // Running apply again finishes the job.
    let apply = hub.run(&[
        "apply",
        "--auto-approve",
        "-f",
        &file,
        "--keys-out",
        keys_out,
    ]);
    assert_eq!(apply.code, 0, "{apply:#?}");
    assert!(
        apply
            .stdout
            .contains("Plan: 1 to create, 0 to update, 0 to delete.")
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(keys_out).unwrap()).unwrap();
    assert_eq!(
        saved["widget_keys"].as_object().unwrap().len(),
        2,
        "{saved}"
    );
    assert_eq!(hub.hub.widget_keys().list().len(), 3);
}

#[test]
fn a_bad_file_is_refused_before_any_request() {
    let hub = Hub::start();
    for (text, needle) in [
        (
            "[[widget_key]]\nname = \"a\"\ndomain_allowlist = [\"acme.com\", \"*.com\"]\n",
            "`*.com` is not a valid allowlist entry",
        ),
        (
            "[[widget_key]]\nname = \"a\"\ndomain_allowlist = [\"999.1.1.1\"]\n",
            "`999.1.1.1` is not a valid allowlist entry",
        ),
        (
            "[[widget_key]]\nname = \"a\"\ndomain_allowlist = []\n[[widget_key]]\nname = \"a\"\ndomain_allowlist = []\n",
            "the name is used twice in the file",
        ),
        (
            "[[widget_key]]\nname = \"a\"\n",
            "missing field `domain_allowlist`",
        ),
        ("[[widget_key]\n", "TOML parse error"),
    ] {
        let file = hub.write("bad.toml", text);
        for command in ["plan", "apply"] {
            let run = hub.run(&[command, "-f", &file]);
            assert_eq!(run.code, 1, "{run:#?}");
            assert_eq!(run.stdout, "");
            assert!(
                run.stderr.contains("nothing was sent") || needle == "TOML parse error",
                "{run:#?}"
            );
            assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
        }
    }
    assert_eq!(hub.hub.requests(), [], "no request at all");
    // Even without credentials, the file is checked first.
    let file = hub.write(
        "bad.toml",
        "[[widget_key]]\nname = \"a\"\ndomain_allowlist = [\"*.co.uk\"]\n",
    );
    let run = offline(&["plan", "-f", &file]);
    assert!(
        run.stderr
            .contains("`*.co.uk` is not a valid allowlist entry"),
        "{run:#?}"
    );
}

#[test]
fn a_name_two_hub_keys_share_is_refused() {
    let hub = Hub::start();
    hub.create("twin", &["a.acme.com"]);
    hub.create("twin", &["b.acme.com"]);
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"twin\"\ndomain_allowlist = [\"acme.com\"]\n",
    );
    hub.hub.clear_requests();
    for command in ["plan", "apply"] {
        let run = hub.run(&[command, "-f", &file]);
        assert_eq!(run.code, 1, "{run:#?}");
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains("ambiguous"), "{run:#?}");
        assert!(run.stderr.contains("\"twin\" names 2 Hub keys"), "{run:#?}");
    }
    assert_eq!(hub.methods(), ["GET", "GET"], "no writes");
}
