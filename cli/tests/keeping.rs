//! A minted key is never lost and never misreported: when the keys file
//! cannot be saved after it was opened and checked, when a name is taken,
//! when a create or rotate answer breaks, and when `--out` points at a file
//! that holds keys.

mod common;

use common::*;

/// Asserts that no secret the Hub issued is in `text`.
fn no_secret(hub: &Hub, text: &str) {
    for secret in hub.secrets() {
        assert!(!text.contains(&secret), "a secret leaked: {text}");
    }
}

/// The `error` object of a JSON-mode failure on stderr.
fn error_doc(run: &Run) -> Value {
    match serde_json::from_str::<Value>(&run.stderr) {
        Ok(doc) => doc["error"].clone(),
        Err(err) => panic!("stderr is not one JSON document ({err}): {run:#?}"),
    }
}

#[test]
fn a_failed_save_in_json_mode_still_prints_the_document_with_the_key() {
    let hub = Hub::start();
    let run = with_broken_save(
        &hub.command(&[
            "widget-keys",
            "create",
            "site",
            "--domain",
            "acme.com",
            "--keys-out",
            "keys.json",
            "-o",
            "json",
        ]),
        "keys.json",
    );
    assert_eq!(run.code, 1, "{run:#?}");
    let issued = hub.hub.widget_keys().issued();
    assert_eq!(issued.len(), 1, "the key exists on the Hub");
    let doc = run.json();
    assert_eq!(doc["public_key"], issued[0].as_str(), "{run:#?}");
    assert_eq!(doc["saved_to"], Value::Null);
    let error = error_doc(&run);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot write the keys file keys.json"),
        "{error}"
    );
    insta::assert_snapshot!(
        "json_save_failed_notes",
        redact(&error["notes"].to_string())
    );

    // A secret asked for on stdout is in the document; never on stderr.
    let run = with_broken_save(
        &hub.session_command(&[
            "api-keys",
            "create",
            "ci",
            "--keys-out",
            "keys.json",
            "--show-secret",
            "-o",
            "json",
        ]),
        "keys.json",
    );
    assert_eq!(run.code, 1, "{run:#?}");
    let secret = hub.secrets()[0].clone();
    assert_eq!(run.json()["secret_key"], secret.as_str(), "{run:#?}");
    no_secret(&hub, &run.stderr);
    let notes = error_doc(&run)["notes"].to_string();
    assert!(
        notes.contains("is in the JSON document on stdout (secret_key)"),
        "{notes}"
    );

    // Not asked for: nowhere, and the note says so truthfully.
    let run = with_broken_save(
        &hub.session_command(&[
            "api-keys",
            "create",
            "ci-2",
            "--keys-out",
            "keys.json",
            "-o",
            "json",
        ]),
        "keys.json",
    );
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.json()["secret_key"], Value::Null);
    no_secret(&hub, &run.stdout);
    no_secret(&hub, &run.stderr);
    let notes = error_doc(&run)["notes"].to_string();
    assert!(
        notes.contains("its secret could not be kept: revoke it"),
        "{notes}"
    );
    assert!(!notes.contains("printed"), "{notes}");
}

#[test]
fn a_failed_save_in_table_mode_says_the_key_is_printed_above() {
    let hub = Hub::start();
    let run = with_broken_save(
        &hub.command(&[
            "widget-keys",
            "create",
            "site",
            "--domain",
            "acme.com",
            "--keys-out",
            "keys.json",
        ]),
        "keys.json",
    );
    assert_eq!(run.code, 1, "{run:#?}");
    let issued = hub.hub.widget_keys().issued()[0].to_string();
    assert!(
        run.stdout.contains(&format!("public key: {issued}")),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains("note: the new widget key of \"site\" is printed above"),
        "{run:#?}"
    );
}

#[test]
fn apply_in_json_keeps_a_key_whose_save_failed_in_its_document() {
    let hub = Hub::start();
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"site\"\ndomain_allowlist = [\"acme.com\"]\n",
    );
    let run = with_broken_save(
        &hub.command(&[
            "apply",
            "-f",
            &file,
            "--auto-approve",
            "--keys-out",
            "keys.json",
            "-o",
            "json",
        ]),
        "keys.json",
    );
    assert_eq!(run.code, 1, "{run:#?}");
    let issued = hub.hub.widget_keys().issued()[0].to_string();
    let doc = run.json();
    assert_eq!(doc["complete"], false);
    assert_eq!(
        doc["applied"][0]["widget_key"]["public_key"],
        issued.as_str(),
        "{run:#?}"
    );
    let notes = error_doc(&run)["notes"].to_string();
    assert!(
        notes.contains(&format!("the new widget key of \\\"site\\\" is {issued}")),
        "{notes}"
    );
}

#[test]
fn a_duplicate_name_never_drops_the_plaintext_kept_under_it() {
    let hub = Hub::start();
    for _ in 0..2 {
        let run = hub.run(&[
            "widget-keys",
            "create",
            "site",
            "--domain",
            "acme.com",
            "--keys-out",
            "keys.json",
            "--allow-duplicate-name",
        ]);
        assert_eq!(run.code, 0, "{run:#?}");
    }
    let issued = hub.hub.widget_keys().issued();
    let first = issued[0].as_str();
    let second = issued[1].as_str();
    let last8 = &first[first.len() - 8..];
    assert_eq!(
        hub.read_json("keys.json")["widget_keys"],
        json!({"site": second, format!("site …{last8}"): first}),
        "the earlier plaintext moves aside, as a rotation's does"
    );

    // The same for API keys, and the warning never holds a secret.
    for _ in 0..2 {
        let run = hub.session(&[
            "api-keys",
            "create",
            "ci",
            "--keys-out",
            "keys.json",
            "--allow-duplicate-name",
        ]);
        assert_eq!(run.code, 0, "{run:#?}");
        no_secret(&hub, &run.stderr);
    }
    let secrets = hub.secrets();
    let kept = hub.read_json("keys.json")["api_keys"].clone();
    let values: Vec<&str> = kept
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(kept["ci"], secrets[1].as_str());
    assert!(values.contains(&secrets[0].as_str()), "{kept}");
}

#[test]
fn plan_out_never_overwrites_the_keys_file_the_desired_file_or_another_file() {
    let hub = Hub::start();
    let file = hub.write(
        "keys.toml",
        "[[widget_key]]\nname = \"site\"\ndomain_allowlist = [\"acme.com\"]\n",
    );
    let keys = r#"{"widget_keys": {"old": "pk_live_acme_0123456789"}, "api_keys": {}}"#;
    hub.write("keys.json", keys);
    hub.write("notes.txt", "mine\n");
    for (out, extra) in [
        ("keys.json", vec![]),
        ("keys.json", vec!["--keys-out", "keys.json"]),
        ("keys.toml", vec![]),
        ("notes.txt", vec![]),
    ] {
        hub.hub.clear_requests();
        let mut args = vec!["plan", "-f", &file, "--out", out];
        args.extend(extra);
        let run = hub.run(&args);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (1, ""),
            "{args:?}: {run:#?}"
        );
        assert!(run.stderr.contains("nothing was sent"), "{run:#?}");
        assert_eq!(hub.hub.requests(), [], "{args:?}");
    }
    assert_eq!(
        std::fs::read_to_string(hub.path("keys.json")).unwrap(),
        keys
    );
    assert_eq!(
        std::fs::read_to_string(hub.path("notes.txt")).unwrap(),
        "mine\n"
    );
    assert!(
        std::fs::read_to_string(hub.path("keys.toml"))
            .unwrap()
            .starts_with("[[widget_key]]")
    );
    // A plan over an earlier plan, or a new path, is fine.
    for _ in 0..2 {
        let run = hub.run(&["plan", "-f", &file, "--out", "keys.plan"]);
        assert_eq!(run.code, 0, "{run:#?}");
    }
}

#[test]
fn a_broken_rotate_answer_keeps_the_secret_as_create_does() {
    let secret = "sk_live_acme_RecoveredFromABrokenBody42";
    // A fresh Hub with one key "ci" whose rotate answer breaks after the secret.
    let broken_rotate = |args: &[&str]| {
        let hub = Hub::start();
        let run = hub.session(&["api-keys", "create", "ci", "--show-secret"]);
        assert_eq!(run.code, 0, "{run:#?}");
        let id = hub.hub.api_keys().list()[0].id.to_string();
        let broken = format!(
            r#"{{"key_last8":"{}","secret_key":"{secret}","name":"ci","id":"#,
            &secret[secret.len() - 8..]
        );
        hub.hub.inject_on(
            "POST",
            "/api/v1/api-keys",
            Fault::respond(201, "application/json", broken),
            1,
        );
        let mut all = vec!["api-keys", "rotate", id.as_str()];
        all.extend_from_slice(args);
        let run = hub.session(&all);
        (hub, run)
    };

    // JSON with --show-secret: in the document on stdout, never on stderr.
    let (_hub, run) = broken_rotate(&["--show-secret", "-o", "json"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.json()["secret_key"], secret, "{run:#?}");
    assert!(!run.stderr.contains(secret), "{run:#?}");
    let notes = error_doc(&run)["notes"].to_string();
    assert!(
        notes.contains("is in the JSON document on stdout"),
        "{notes}"
    );
    assert!(!notes.contains("could not be kept"), "{notes}");

    // Table mode: printed, and the note says so (not "revoke it").
    let (_hub, run) = broken_rotate(&["--show-secret"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stdout.contains(&format!("secret key: {secret}")),
        "{run:#?}"
    );
    assert!(!run.stderr.contains(secret), "{run:#?}");
    assert!(run.stderr.contains("is printed above"), "{run:#?}");
    assert!(!run.stderr.contains("could not be kept"), "{run:#?}");

    // With a keys file: saved under the key's name.
    let (hub, run) = broken_rotate(&["--keys-out", "keys.json"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    assert_eq!(
        hub.read_json("keys.json")["api_keys"]["ci"],
        secret,
        "{run:#?}"
    );
}

#[test]
fn a_broken_widget_rotate_answer_keeps_the_public_key() {
    let hub = Hub::start();
    let id = hub.create("site", &["acme.com"]);
    let key = "pk_live_acme_RecoveredFromABrokenBody42";
    let broken = format!(
        r#"{{"key_last8":"{}","public_key":"{key}","name":"site","id":"#,
        &key[key.len() - 8..]
    );
    hub.hub.inject_on(
        "POST",
        "/api/v1/widget-keys",
        Fault::respond(201, "application/json", broken),
        1,
    );
    let run = hub.run(&[
        "widget-keys",
        "rotate",
        &id,
        "--keys-out",
        "keys.json",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.json()["public_key"], key, "{run:#?}");
    assert_eq!(hub.read_json("keys.json")["widget_keys"]["site"], key);
}

#[test]
fn rotate_revoke_previous_in_json_needs_a_keys_file() {
    let hub = Hub::start();
    let run = hub.session(&["api-keys", "create", "ci", "--show-secret"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let id = hub.hub.api_keys().list()[0].id.to_string();
    hub.hub.clear_requests();
    let run = hub.session(&[
        "api-keys",
        "rotate",
        &id,
        "--show-secret",
        "--revoke-previous",
        "-o",
        "json",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(
        error_doc(&run)["message"]
            .as_str()
            .unwrap()
            .contains("pass --keys-out FILE")
    );
    assert_eq!(hub.hub.requests(), [], "refused before any request");

    // With one, the document holds the new secret and the file keeps it.
    let run = hub.session(&[
        "api-keys",
        "rotate",
        &id,
        "--show-secret",
        "--revoke-previous",
        "--keys-out",
        "keys.json",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["previous_revoked"], true);
    let new_secret = hub.secrets()[1].clone();
    assert_eq!(doc["secret_key"], new_secret.as_str());
    assert_eq!(
        hub.read_json("keys.json")["api_keys"]["ci"],
        new_secret.as_str()
    );
    no_secret(&hub, &run.stderr);
}

#[test]
fn a_secret_a_broken_create_answer_held_is_shown_in_json_when_asked() {
    let hub = Hub::start();
    let secret = "sk_live_acme_RecoveredFromABrokenBody42";
    let broken = format!(
        r#"{{"key_last8":"{}","secret_key":"{secret}","name":"ci","id":"#,
        &secret[secret.len() - 8..]
    );
    hub.hub.inject_on(
        "POST",
        "/api/v1/api-keys",
        Fault::respond(201, "application/json", broken),
        1,
    );
    let run = hub.session(&["api-keys", "create", "ci", "--show-secret", "-o", "json"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let doc = run.json();
    assert_eq!(
        (doc["secret_key"].as_str(), &doc["complete"]),
        (Some(secret), &json!(false)),
        "{run:#?}"
    );
    assert!(!run.stderr.contains(secret), "{run:#?}");
    let notes = error_doc(&run)["notes"].to_string();
    assert!(
        notes.contains("is in the JSON document on stdout"),
        "{notes}"
    );
}
