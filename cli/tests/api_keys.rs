//! `kataven api-keys ...` over a mock Hub, and `[[api_key]]` entries in the
//! desired-state file. A secret goes only to `--keys-out` or, with
//! `--show-secret`, to stdout: never to stderr, notes or plan output.

mod common;

use common::*;

/// Asserts that no secret the Hub issued is in `text`.
fn no_secret(hub: &Hub, text: &str) {
    for secret in hub.secrets() {
        assert!(!text.contains(&secret), "a secret leaked: {text}");
    }
    assert!(!text.contains("sk_live_acme_"), "{text}");
}

#[test]
fn writes_need_a_session_and_say_so_in_cli_words() {
    let hub = Hub::start();
    let list = hub.run(&["api-keys", "list"]);
    assert_eq!(
        (list.code, list.stdout.as_str()),
        (0, "No API keys.\n"),
        "{list:#?}"
    );
    let run = hub.run(&["api-keys", "create", "ci", "--keys-out", "secrets.json"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    insta::assert_snapshot!("create_with_an_api_key", redact(&run.stderr));
    assert!(
        !run.stderr.contains("ClientBuilder"),
        "CLI words, not SDK methods"
    );
    assert_eq!(hub.hub.api_keys().list(), []);

    // A token without its account is refused before anything is sent.
    let run = finish(
        hub.session_command(&["api-keys", "list"])
            .env_remove("KATAVEN_ACCOUNT_ID"),
    );
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("KATAVEN_ACCOUNT_ID is not"), "{run:#?}");
}

#[test]
fn a_new_secret_goes_only_to_the_keys_file_or_on_request_to_stdout() {
    let hub = Hub::start();
    // Nowhere to put it: refused by the command line, nothing sent.
    let run = hub.session(&["api-keys", "create", "ci"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("--keys-out"), "{run:#?}");
    assert_eq!(hub.hub.requests(), []);

    let run = hub.session(&[
        "api-keys",
        "create",
        "ci-deploy-bot",
        "--expires-in-days",
        "90",
        "--keys-out",
        "secrets.json",
    ]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
    insta::assert_snapshot!("create_table", redact(&run.stdout));
    no_secret(&hub, &run.stdout);
    let secret = hub.secrets()[0].clone();
    assert_eq!(
        hub.read_json("secrets.json"),
        json!({"widget_keys": {}, "api_keys": {"ci-deploy-bot": secret}})
    );
    assert_eq!(mode(&hub.path("secrets.json")), 0o600);
    assert!(hub.hub.api_keys().list()[0].expires_at.is_some());

    // On explicit request, on stdout (and in JSON, `secret_key`).
    let run = hub.session(&["api-keys", "create", "shown", "--show-secret", "-o", "json"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["secret_key"], hub.secrets()[1].as_str());
    assert_eq!(doc["api_key"]["name"], "shown");
    assert_eq!(doc["saved_to"], Value::Null);

    // Listing never shows one.
    let list = hub.run(&["api-keys", "list", "-o", "json"]);
    assert_eq!(list.code, 0, "{list:#?}");
    no_secret(&hub, &list.stdout);
    assert_eq!(list.json()["api_keys"].as_array().unwrap().len(), 2);
}

#[test]
fn create_refuses_taken_and_padded_names() {
    let hub = Hub::start();
    let run = hub.session(&["api-keys", "create", "ci", "--show-secret"]);
    assert_eq!(run.code, 0, "{run:#?}");
    hub.hub.clear_requests();
    let run = hub.session(&["api-keys", "create", "ci", "--show-secret"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(
        run.stderr
            .contains("an API key named \"ci\" already exists"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("--allow-duplicate-name"), "{run:#?}");
    assert_eq!(hub.hub.requests().len(), 1, "only the list");
    let run = hub.session(&[
        "api-keys",
        "create",
        "ci",
        "--show-secret",
        "--allow-duplicate-name",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(hub.hub.api_keys().list().len(), 2);

    hub.hub.clear_requests();
    for padded in ["ci ", " ci", "\tci"] {
        let run = hub.session(&["api-keys", "create", padded, "--show-secret"]);
        assert_eq!(run.code, 1, "{run:#?}");
        assert!(run.stderr.contains("surrounding whitespace"), "{run:#?}");
        let run = hub.run(&["widget-keys", "create", padded]);
        assert!(run.stderr.contains("surrounding whitespace"), "{run:#?}");
    }
    assert_eq!(hub.hub.requests(), [], "refused before any request");
}

#[test]
fn update_revoke_delete() {
    let hub = Hub::start();
    let run = hub.session(&["api-keys", "create", "ci", "--show-secret", "-o", "json"]);
    let id = run.json()["api_key"]["id"].as_str().unwrap().to_string();
    let run = hub.session(&["api-keys", "update", &id, "--name", "ci-2", "-o", "json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json()["api_key"]["name"], "ci-2");
    let run = hub.session(&["api-keys", "revoke", &id]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.starts_with("revoked \"ci-2\""), "{run:#?}");
    assert!(hub.hub.api_keys().list()[0].is_disabled());
    let run = hub.session(&["api-keys", "update", &id, "--enable", "-o", "json"]);
    assert_eq!(run.json()["api_key"]["disabled_at"], Value::Null);
    let run = hub.session(&["api-keys", "delete", &id]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(redact(&run.stdout), "deleted \"ci-2\" (id <id>)\n");
    assert_eq!(hub.hub.api_keys().list(), []);
}

#[test]
fn rotate_saves_the_replacement_first_and_revokes_only_when_asked() {
    let hub = Hub::start();
    let run = hub.session(&[
        "api-keys",
        "create",
        "ci",
        "--expires-in-days",
        "30",
        "--keys-out",
        "secrets.json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let id = hub.hub.api_keys().list()[0].id.to_string();
    let first = hub.secrets()[0].clone();

    let run = hub.session(&["api-keys", "rotate", &id, "--keys-out", "secrets.json"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
    insta::assert_snapshot!("rotate", redact(&run.stdout));
    no_secret(&hub, &run.stdout);
    let second = hub.secrets()[1].clone();
    assert_ne!(first, second);
    assert_eq!(
        hub.read_json("secrets.json")["api_keys"],
        json!({"ci": second, "ci (being replaced)": first}),
        "the previous secret moves with the previous key's name"
    );
    let keys = hub.hub.api_keys().list();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].name, "ci (being replaced)");
    assert!(!keys[0].is_disabled(), "the previous key still works");
    assert!(keys[1].expires_at.is_some(), "same expiry length");

    // --revoke-previous: the previous key is revoked after the save.
    let new_id = keys[1].id.to_string();
    let run = hub.session(&[
        "api-keys",
        "rotate",
        &new_id,
        "--keys-out",
        "secrets.json",
        "--revoke-previous",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["previous_revoked"], true);
    assert_eq!(
        doc["secret_key"],
        Value::Null,
        "not shown without --show-secret"
    );
    no_secret(&hub, &run.stdout);
    let third = hub.secrets()[2].clone();
    assert_eq!(
        hub.read_json("secrets.json")["api_keys"],
        json!({"ci": third, "ci (being replaced)": first}),
        "the revoked key's secret is dropped; the first previous key is not revoked"
    );
    let previous = hub
        .hub
        .api_keys()
        .list()
        .into_iter()
        .find(|k| k.id.as_str() == new_id)
        .unwrap();
    assert!(previous.is_disabled());
}

const API_FILE: &str = r#"
[[widget_key]]
name = "site"
domain_allowlist = ["acme.com"]

[[api_key]]
name = "ci-deploy-bot"
expires_in_days = 90

[[api_key]]
name = "backup"
"#;

#[test]
fn api_keys_in_the_file_are_planned_and_applied_and_their_secrets_kept_in_the_file_only() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", API_FILE);
    let plan = hub.run(&["plan", "-f", &file]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    insta::assert_snapshot!("plan", plan.stdout);

    // With an sk_live_ key (not a session) it is refused before any write:
    // no widget key is created first.
    let run = hub.run(&[
        "apply",
        "-f",
        &file,
        "--auto-approve",
        "--keys-out",
        "keys.json",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(run.stderr.contains("needs a person's session"), "{run:#?}");
    assert!(hub.hub.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(hub.hub.widget_keys().list(), []);

    // Without a keys file, creating API keys is refused before any write.
    let run = hub.session(&["apply", "-f", &file, "--auto-approve"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("pass --keys-out FILE"), "{run:#?}");
    assert!(hub.hub.requests().iter().all(|r| r.method == "GET"));

    let run = hub.session(&[
        "apply",
        "-f",
        &file,
        "--auto-approve",
        "--keys-out",
        "keys.json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    insta::assert_snapshot!("apply", redact(&run.stdout));
    no_secret(&hub, &run.stdout);
    no_secret(&hub, &run.stderr);
    let saved = hub.read_json("keys.json");
    let secrets = hub.secrets();
    assert_eq!(saved["api_keys"]["ci-deploy-bot"], secrets[0].as_str());
    assert_eq!(saved["api_keys"]["backup"], secrets[1].as_str());
    assert!(
        saved["widget_keys"]["site"]
            .as_str()
            .unwrap()
            .starts_with("pk_live_")
    );

    // Converged; then disable one, and prune one the file no longer names.
    let again = hub.session(&[
        "apply",
        "-f",
        &file,
        "--auto-approve",
        "--keys-out",
        "keys.json",
    ]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "No changes.\n"),
        "{again:#?}"
    );
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"site\"\ndomain_allowlist = [\"acme.com\"]\n[[api_key]]\nname = \"ci-deploy-bot\"\ndisabled = true\n",
    );
    let run = hub.session(&[
        "apply",
        "-f",
        &file,
        "--prune",
        "--auto-approve",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["complete"], true);
    assert_eq!(
        doc["plan"]["summary"],
        json!({"create": 0, "update": 1, "delete": 1})
    );
    let keys = hub.hub.api_keys().list();
    assert_eq!(keys.len(), 1, "backup, never used, is deleted");
    assert!(keys[0].is_disabled());
}

#[test]
fn a_secret_a_broken_answer_still_held_is_kept_in_the_file_and_never_printed() {
    let hub = Hub::start();
    let secret = "sk_live_acme_RecoveredFromABrokenBody42";
    let last8 = &secret[secret.len() - 8..];
    // A 201 whose body breaks off after the secret: created, but it does not decode.
    let broken = format!(r#"{{"key_last8":"{last8}","secret_key":"{secret}","name":"ci","id":"#);
    hub.hub.inject_on(
        "POST",
        "/api/v1/api-keys",
        Fault::respond(201, "application/json", broken.clone()),
        1,
    );
    let run = hub.session(&["api-keys", "create", "ci", "--keys-out", "secrets.json"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        !run.stderr.contains(secret) && !run.stdout.contains(secret),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains("note: the new API key of \"ci\" is saved in secrets.json"),
        "{run:#?}"
    );
    assert_eq!(hub.read_json("secrets.json")["api_keys"]["ci"], secret);

    // The same in apply, also in JSON.
    let file = hub.write("keys.toml", "[[api_key]]\nname = \"deploy\"\n");
    hub.hub.inject_on(
        "POST",
        "/api/v1/api-keys",
        Fault::respond(
            201,
            "application/json",
            broken.replace("\"ci\"", "\"deploy\""),
        ),
        1,
    );
    let run = hub.session(&[
        "apply",
        "-f",
        &file,
        "--auto-approve",
        "--keys-out",
        "keys.json",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        !run.stderr.contains(secret) && !run.stdout.contains(secret),
        "{run:#?}"
    );
    let doc: Value = serde_json::from_str(&run.stderr).unwrap();
    let notes = doc["error"]["notes"].to_string();
    assert!(
        notes.contains("the new API key of \\\"deploy\\\" is saved in keys.json"),
        "{notes}"
    );
    assert_eq!(hub.read_json("keys.json")["api_keys"]["deploy"], secret);
}
