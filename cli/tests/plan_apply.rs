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

    // Creates in JSON mode need a keys file: the document comes only at the
    // end, and a run stopped midway would lose every key minted so far.
    let refused = hub.run(&["apply", "--auto-approve", "-f", &file, "--output", "json"]);
    assert_eq!(
        (refused.code, refused.stdout.as_str()),
        (1, ""),
        "{refused:#?}"
    );
    let error: Value = serde_json::from_str(&refused.stderr).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pass --keys-out FILE; nothing was changed"),
        "{refused:#?}"
    );
    assert!(hub.methods().iter().all(|m| m == "GET"), "nothing written");

    let apply = hub.run(&[
        "apply",
        "--auto-approve",
        "-f",
        &file,
        "--output",
        "json",
        "--keys-out",
        "keys.json",
    ]);
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

// --- The safety of apply -------------------------------------------------

const ONE_KEY: &str = "[[widget_key]]\nname = \"site\"\ndomain_allowlist = [\"acme.com\"]\n";

#[test]
fn apply_asks_on_a_terminal_and_does_only_what_yes_allows() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", ONE_KEY);

    // Any answer but "yes" changes nothing.
    let run = hub.on_terminal(&["apply", "-f", &file, "--keys-out", "keys.json"], "no");
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.contains("Only 'yes' is accepted"), "{run:#?}");
    assert!(
        run.stdout.contains("apply cancelled; nothing was changed"),
        "{run:#?}"
    );
    assert_eq!(hub.methods(), ["GET"], "only the plan's list");

    let run = hub.on_terminal(&["apply", "-f", &file, "--keys-out", "keys.json"], "yes");
    assert_eq!(run.code, 0, "{run:#?}");
    insta::assert_snapshot!("prompt_yes", redact(&run.stdout));
    assert_eq!(hub.names(), [("site".to_string(), false)]);

    // In JSON mode the plan is shown too (on stderr) before the question.
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"site\"\ndomain_allowlist = [\"acme.com\"]\ndisabled = true\n",
    );
    let run = hub.on_terminal(
        &[
            "apply",
            "-f",
            &file,
            "--keys-out",
            "keys.json",
            "-o",
            "json",
        ],
        "no",
    );
    assert_eq!(run.code, 1, "{run:#?}");
    let plan_at = run.stdout.find("~ update \"site\"");
    let asked_at = run.stdout.find("Only 'yes' is accepted");
    assert!(
        plan_at.is_some() && plan_at < asked_at,
        "the plan, then the question: {run:#?}"
    );
    assert!(!hub.names()[0].1, "not changed");
}

#[test]
fn apply_without_a_terminal_refuses_unless_auto_approved() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", ONE_KEY);
    let run = hub.run(&["apply", "-f", &file]);
    assert_eq!(run.code, 1, "{run:#?}");
    insta::assert_snapshot!("no_terminal", run.stderr);
    assert!(
        run.stdout.contains("+ create \"site\""),
        "the plan is shown: {run:#?}"
    );
    assert_eq!(hub.methods(), ["GET"], "nothing changed");

    let run = hub.run(&["apply", "-f", &file, "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:#?}");
    // Nothing to do needs no approval.
    let run = hub.run(&["apply", "-f", &file]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "No changes.\n"),
        "{run:#?}"
    );
}

#[test]
fn a_saved_plan_is_applied_exactly_or_not_at_all() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", FILE_V1);
    let plan = hub.run(&["plan", "-f", &file, "--out", "keys.plan"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    assert!(
        plan.stdout.ends_with(
            "\nSaved the plan to keys.plan: apply exactly it with kataven apply keys.plan\n"
        ),
        "{plan:#?}"
    );
    let saved = hub.read_json("keys.plan");
    assert_eq!(
        (saved["kind"].as_str(), saved["format_version"].as_u64()),
        (Some("kataven-plan"), Some(2))
    );

    // The file changes after the review: the saved plan still holds what was reviewed.
    hub.write("keys.toml", FILE_V2);
    let run = hub.run(&["apply", "keys.plan", "--keys-out", "keys.json"]);
    assert_eq!(run.code, 0, "no prompt for a reviewed plan: {run:#?}");
    insta::assert_snapshot!("apply_saved_plan", redact(&run.stdout));
    let names: Vec<String> = hub.names().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["acme.com production", "staging"],
        "FILE_V1's keys, not FILE_V2's"
    );

    // The Hub moved since the plan: refused, nothing sent but the list.
    let plan = hub.run(&["plan", "-f", &file, "--out", "keys.plan"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    hub.create("someone else's", &["other.acme.com"]);
    let id = hub.hub.widget_keys().list()[0].id.to_string();
    hub.run(&["widget-keys", "update", &id, "--domain", "changed.acme.com"]);
    hub.hub.clear_requests();
    let run = hub.run(&["apply", "keys.plan"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(
        run.stderr
            .contains("the Hub's keys changed since the plan in keys.plan was made"),
        "{run:#?}"
    );
    assert_eq!(hub.methods(), ["GET"]);

    // Another Hub: refused.
    let other = Hub::start();
    let run = finish(
        hub.command(&["apply", "keys.plan", "--base-url", other.hub.base_url()])
            .env("KATAVEN_API_KEY", other.hub.api_key()),
    );
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("was made against"), "{run:#?}");
    assert_eq!(
        other.methods(),
        Vec::<String>::new(),
        "refused before any request"
    );

    // Not a plan at all.
    let junk = hub.write("junk.plan", "{}");
    let run = hub.run(&["apply", &junk]);
    assert!(
        run.stderr
            .contains("is not a plan saved by `kataven plan --out`"),
        "{run:#?}"
    );
    let run = hub.run(&["apply", "keys.plan", "--prune"]);
    assert_eq!(run.code, 1, "a saved plan carries its own prune: {run:#?}");
}

#[test]
fn prune_of_a_file_naming_no_keys_needs_prune_all() {
    let hub = Hub::start();
    hub.create("a", &["a.acme.com"]);
    let empty = hub.write("empty.toml", "# no keys\n");
    hub.hub.clear_requests();
    for command in ["plan", "apply"] {
        let run = hub.run(
            &[command, "-f", &empty, "--prune", "--auto-approve"]
                [..if command == "plan" { 4 } else { 5 }],
        );
        assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
        assert!(
            run.stderr
                .contains("would delete every enabled key of the account"),
            "{run:#?}"
        );
        assert!(run.stderr.contains("--prune-all"), "{run:#?}");
    }
    assert_eq!(hub.hub.requests(), [], "refused before any request");
    let run = hub.run(&["apply", "-f", &empty, "--prune-all", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("- deleted \"a\""), "{run:#?}");
    assert_eq!(hub.names(), []);

    // --prune prunes only the kinds the file names: API keys are left alone here.
    let created = hub.session(&["api-keys", "create", "ci", "--show-secret"]);
    assert_eq!(created.code, 0, "{created:#?}");
    assert_eq!(
        hub.hub.api_keys().list().len(),
        1,
        "an API key to leave alone"
    );
    let file = hub.write("keys.toml", ONE_KEY);
    let run = hub.run(&["plan", "-f", &file, "--prune"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("+ create \"site\""), "{run:#?}");
    assert!(!run.stdout.contains("API key"), "{run:#?}");
}

#[test]
fn two_runs_cannot_share_a_keys_file_and_a_bad_one_is_found_before_anything_is_sent() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", ONE_KEY);
    // Another run holds the lock.
    let lock = std::fs::File::create(hub.path("keys.json.lock")).unwrap();
    lock.try_lock().unwrap();
    let run = hub.run(&[
        "apply",
        "-f",
        &file,
        "--auto-approve",
        "--keys-out",
        "keys.json",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr.contains("another kataven run holds its lock"),
        "{run:#?}"
    );
    let run = hub.run(&["widget-keys", "create", "x", "--keys-out", "keys.json"]);
    assert!(
        run.stderr.contains("another kataven run holds its lock"),
        "{run:#?}"
    );
    drop(lock);

    std::fs::create_dir(hub.path("adir")).unwrap();
    std::fs::write(hub.path("target.json"), "{}").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(hub.path("target.json"), hub.path("link.json")).unwrap();
    for (keys_out, needle) in [
        ("adir", "it is a directory"),
        (
            "link.json",
            "it is a symlink, which the CLI does not follow",
        ),
        ("no/such/dir/keys.json", "does not exist"),
        ("/proc/kataven-keys.json", "its directory cannot be written"),
    ] {
        for args in [
            vec![
                "apply",
                "-f",
                &file,
                "--auto-approve",
                "--keys-out",
                keys_out,
            ],
            vec!["widget-keys", "create", "x", "--keys-out", keys_out],
            vec!["plan", "-f", &file, "--keys-out", keys_out],
        ] {
            let run = hub.run(&args);
            assert_eq!(
                (run.code, run.stdout.as_str()),
                (1, ""),
                "{args:?}: {run:#?}"
            );
            assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
            assert!(run.stderr.contains("nothing was sent"), "{run:#?}");
        }
    }
    // A read-only file says its owner wants it left alone (root may write anyway).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let readonly = hub.path("readonly.json");
        std::fs::write(&readonly, "{}").unwrap();
        std::fs::set_permissions(&readonly, std::fs::Permissions::from_mode(0o400)).unwrap();
        if std::fs::OpenOptions::new()
            .append(true)
            .open(&readonly)
            .is_err()
        {
            let run = hub.run(&["widget-keys", "create", "x", "--keys-out", "readonly.json"]);
            assert!(run.stderr.contains("it cannot be written"), "{run:#?}");
        }
    }
    assert_eq!(hub.hub.requests(), [], "nothing was sent");
}

#[test]
fn create_refuses_a_name_that_exists() {
    let hub = Hub::start();
    hub.create("site", &["acme.com"]);
    hub.hub.clear_requests();
    let run = hub.run(&["widget-keys", "create", "site", "--domain", "acme.com"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    insta::assert_snapshot!("create_taken_name", redact(&run.stderr));
    assert_eq!(hub.methods(), ["GET"]);
    let run = hub.run(&["widget-keys", "create", "site", "--allow-duplicate-name"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(hub.hub.widget_keys().list().len(), 2);
}

// --- A key the Hub may have minted is never silent -----------------------

#[test]
fn a_create_of_unknown_outcome_is_said_and_later_plans_warn_about_it() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", FILE_V1);
    // The first create is made, then its answer is lost.
    hub.hub.inject_on(
        "POST",
        "/api/v1/widget-keys",
        Fault::connection_reset_after_handling(),
        1,
    );
    let run = hub.run(&[
        "apply",
        "-f",
        &file,
        "--auto-approve",
        "--keys-out",
        "keys.json",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    insta::assert_snapshot!("unknown_outcome", redact(&run.stderr));
    assert!(run.stderr.contains("may have been applied"), "{run:#?}");
    assert_eq!(hub.hub.widget_keys().list().len(), 1, "it was created");

    // The next plan does not create it again, and says nobody holds its plaintext.
    let plan = hub.run(&["plan", "-f", &file, "--keys-out", "keys.json"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    assert!(
        plan.stderr
            .contains("warning: the Hub's widget key \"acme.com production\" (…"),
        "{plan:#?}"
    );
    assert!(
        plan.stderr.contains("has no plaintext in the keys file"),
        "{plan:#?}"
    );
    let apply = hub.run(&[
        "apply",
        "-f",
        &file,
        "--auto-approve",
        "--keys-out",
        "keys.json",
        "-o",
        "json",
    ]);
    assert_eq!(apply.code, 0, "{apply:#?}");
    let doc = apply.json();
    let codes: Vec<&str> = doc["plan"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert!(codes.contains(&"plaintext-not-kept"), "{doc}");
    // "staging" was created and kept: no warning about it.
    let plan = hub.run(&["plan", "-f", &file, "--keys-out", "keys.json"]);
    assert_eq!(
        plan.stderr.matches("has no plaintext").count(),
        1,
        "{plan:#?}"
    );
}

#[test]
fn a_saved_plan_survives_a_pruned_key_being_used_again() {
    let hub = Hub::start();
    let old = hub.hub.widget_keys().seed(
        kataven::mock::WidgetKeyFixture::new("old")
            .domain_allowlist(["old.acme.com"])
            .used(),
    );
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"site\"\ndomain_allowlist = [\"acme.com\"]\n",
    );
    let plan = hub.run(&["plan", "-f", &file, "--prune", "--out", "keys.plan"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    assert!(
        plan.stdout.contains("- delete \"old\" (soft: last used"),
        "{plan:#?}"
    );
    // A page loads the widget with it between the review and the apply.
    std::thread::sleep(Duration::from_millis(5));
    assert!(hub.hub.widget_keys().mark_used(old.widget_key.id.as_str()));
    let run = hub.run(&["apply", "keys.plan", "--keys-out", "keys.json"]);
    assert_eq!(run.code, 0, "last-use times are not compared: {run:#?}");
    assert!(run.stdout.contains("- disabled \"old\""), "{run:#?}");
}

#[test]
fn a_saved_plan_is_refused_for_another_account_before_any_request() {
    let hub = Hub::start();
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"site\"\ndomain_allowlist = [\"acme.com\"]\n",
    );
    let plan = hub.run(&["plan", "-f", &file, "--out", "keys.plan"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    assert_eq!(
        hub.read_json("keys.plan")["account"],
        json!({"name": "acme", "whole": false}),
        "the account as the key shows it, never its secret part"
    );
    assert!(
        !std::fs::read_to_string(hub.path("keys.plan"))
            .unwrap()
            .contains("clitests")
    );

    // The same address, another account's key: refused, nothing sent.
    hub.hub.clear_requests();
    let run = finish(
        hub.command(&["apply", "keys.plan", "--keys-out", "keys.json"])
            .env("KATAVEN_API_KEY", "sk_live_globex_0123456789abcdef"),
    );
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(run.stderr.contains("was made against"), "{run:#?}");
    assert!(
        run.stderr
            .contains("account globex… as the API key shows it"),
        "{run:#?}"
    );
    assert_eq!(hub.methods(), Vec::<String>::new());

    // A person's session of that same account applies it.
    let run = hub.session(&["apply", "keys.plan", "--keys-out", "keys.json"]);
    assert_eq!(run.code, 0, "{run:#?}");
}

#[test]
fn two_applies_of_one_desired_file_cannot_overlap() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", ONE_KEY);
    // Another apply of this file holds its lock.
    let held = std::fs::File::open(&file).unwrap();
    held.try_lock().unwrap();
    let run = hub.run(&["apply", "-f", &file, "--auto-approve"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(run.stderr.contains("another kataven apply of"), "{run:#?}");
    assert_eq!(hub.hub.requests(), [], "refused before any request");
    drop(held);
    let run = hub.run(&["apply", "-f", &file, "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:#?}");
}

#[test]
fn a_symlinked_lock_file_is_refused() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", ONE_KEY);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(hub.path("elsewhere"), hub.path("keys.json.lock")).unwrap();
        let run = hub.run(&[
            "apply",
            "-f",
            &file,
            "--auto-approve",
            "--keys-out",
            "keys.json",
        ]);
        assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
        assert!(run.stderr.contains("is a symlink"), "{run:#?}");
        assert!(!hub.path("elsewhere").exists(), "not followed");
        assert_eq!(hub.hub.requests(), []);
    }
}

#[test]
fn what_another_tool_writes_into_the_keys_file_meanwhile_is_kept() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", ONE_KEY);
    hub.write("keys.json", "{}");
    // The create is answered late; meanwhile another tool edits the file.
    hub.hub.inject_on(
        "POST",
        "/api/v1/widget-keys",
        Fault::delay(Duration::from_millis(1500)),
        1,
    );
    let child = hub
        .command(&[
            "apply",
            "-f",
            &file,
            "--auto-approve",
            "--keys-out",
            "keys.json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !hub.hub.requests().iter().any(|r| r.method == "POST") {
        assert!(std::time::Instant::now() < deadline, "no create was sent");
        std::thread::sleep(Duration::from_millis(10));
    }
    hub.write(
        "keys.json",
        r#"{"widget_keys": {"theirs": "pk_live_acme_0123456789"}, "api_keys": {}}"#,
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let kept = hub.read_json("keys.json")["widget_keys"].clone();
    assert_eq!(kept["theirs"], "pk_live_acme_0123456789", "{kept}");
    assert_eq!(kept["site"], hub.hub.widget_keys().issued()[0].as_str());
}
