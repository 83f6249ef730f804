//! `kataven widget-keys ...` over a mock Hub: list, create, update, revoke,
//! delete, rotate.

mod common;

use common::*;

#[test]
fn list_in_a_table_and_in_json() {
    let hub = Hub::start();
    let empty = hub.run(&["widget-keys", "list"]);
    assert_eq!(
        (empty.code, empty.stdout.as_str()),
        (0, "No widget keys.\n")
    );
    assert_eq!(
        hub.run(&["widget-keys", "list", "--output", "json"]).json(),
        serde_json::json!({"format_version": 1, "widget_keys": []})
    );

    hub.create("acme.com production", &["acme.com", "*.acme.com"]);
    let used = hub.create("blocked", &[]);
    hub.hub.widget_keys().mark_used(&used);
    let list = hub.run(&["widget-keys", "list"]);
    assert_eq!((list.code, list.stderr.as_str()), (0, ""));
    insta::assert_snapshot!("list_table", redact(&list.stdout));

    let json = hub.run(&["widget-keys", "list", "-o", "json"]).json();
    assert_eq!(json["format_version"], 1);
    let keys = json["widget_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let mut fields: Vec<&str> = keys[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "agent_id",
            "created_at",
            "disabled_at",
            "domain_allowlist",
            "id",
            "key_last8",
            "last_used_at",
            "name",
            "updated_at"
        ],
        "the WidgetKey's serde form: no plaintext key"
    );
    assert_eq!(keys[1]["domain_allowlist"], serde_json::json!([]));
    assert!(keys[1]["last_used_at"].is_string());
}

#[test]
fn create_prints_the_key_once_and_merges_it_into_the_keys_file() {
    let hub = Hub::start();
    let keys_path = hub.path("keys.json");
    std::fs::write(&keys_path, r#"{"other": "pk_live_acme_earlier"}"#).unwrap();
    let keys_out = "keys.json";
    let run = hub.run(&[
        "widget-keys",
        "create",
        "acme.com production",
        "--domain",
        "ACME.com",
        "--domain",
        "*.acme.com",
        "--agent",
        "agent_1",
        "--keys-out",
        keys_out,
    ]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
    let key = hub.hub.widget_keys().issued()[0].to_string();
    assert_eq!(run.stdout.matches(&key).count(), 1);
    insta::assert_snapshot!("create_table", redact(&run.stdout));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&keys_path).unwrap()).unwrap();
    assert_eq!(
        saved,
        serde_json::json!({"widget_keys": {"other": "pk_live_acme_earlier", "acme.com production": key}, "api_keys": {}}),
        "a file of the earlier flat form is read as widget keys"
    );
    assert_eq!(mode(&keys_path), 0o600);
    assert_eq!(
        hub.hub.widget_keys().list()[0].domain_allowlist,
        ["acme.com", "*.acme.com"]
    );

    let run = hub.run(&[
        "widget-keys",
        "create",
        "dev",
        "--domain",
        "localhost:*",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(
        doc["public_key"],
        hub.hub.widget_keys().issued()[1].as_str()
    );
    assert_eq!(doc["widget_key"]["name"], "dev");
    assert!(
        run.stderr.contains("warning: `localhost:*` lets in pages"),
        "{run:#?}"
    );

    // A keys file that cannot be merged fails before a key is minted.
    let bad = hub.write("bad.json", "not json");
    hub.hub.clear_requests();
    let run = hub.run(&["widget-keys", "create", "x", "--keys-out", &bad]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("is not a JSON object"), "{run:#?}");
    let run = hub.run(&[
        "widget-keys",
        "create",
        "x",
        "--keys-out",
        "no/such/dir/keys.json",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("does not exist"), "{run:#?}");
    assert_eq!(hub.hub.requests(), []);
}

#[test]
fn update_revoke_and_delete() {
    let hub = Hub::start();
    let id = hub.create("acme", &["acme.com"]);
    let run = hub.run(&[
        "widget-keys",
        "update",
        &id,
        "--name",
        "acme (prod)",
        "--domain",
        "acme.com",
        "--domain",
        "*.acme.com",
        "--agent",
        "agent_2",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let key = run.json()["widget_key"].clone();
    assert_eq!(key["name"], "acme (prod)");
    assert_eq!(
        key["domain_allowlist"],
        serde_json::json!(["acme.com", "*.acme.com"])
    );
    assert_eq!(key["agent_id"], "agent_2");

    let run = hub.run(&[
        "widget-keys",
        "update",
        &id,
        "--unpin-agent",
        "--clear-domains",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json()["widget_key"]["agent_id"], Value::Null);
    assert!(run.stderr.contains("the key is blocked"), "{run:#?}");
    let patch = hub
        .hub
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.body.unwrap(),
        serde_json::json!({"agent_id": null, "domain_allowlist": []})
    );

    let run = hub.run(&["widget-keys", "revoke", &id]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout.starts_with("revoked \"acme (prod)\""),
        "{run:#?}"
    );
    let run = hub.run(&["widget-keys", "update", &id, "--enable", "--output", "json"]);
    assert_eq!(run.json()["widget_key"]["disabled_at"], Value::Null);

    // Never used: deleted. Used: only disabled, and it says so.
    let run = hub.run(&["widget-keys", "delete", &id]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(redact(&run.stdout), "deleted \"acme (prod)\" (id <id>)\n");
    let used = hub.create("used", &["used.acme.com"]);
    hub.hub.widget_keys().mark_used(&used);
    let run = hub.run(&["widget-keys", "delete", &used, "--output", "json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["outcome"], "disabled");
    assert!(doc["widget_key"]["disabled_at"].is_string());
    assert_eq!(hub.names(), [("used".to_string(), true)]);

    let run = hub.run(&["widget-keys", "update", &used]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("nothing to change"), "{run:#?}");
}

#[test]
fn rotate_keeps_the_replacement_first_and_revokes_only_when_asked() {
    let hub = Hub::start();
    let run = hub.run(&[
        "widget-keys",
        "create",
        "site",
        "--domain",
        "acme.com",
        "--agent",
        "agent_1",
        "--keys-out",
        "keys.json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let id = hub.hub.widget_keys().list()[0].id.to_string();
    let first = hub.hub.widget_keys().issued()[0].to_string();

    let run = hub.run(&["widget-keys", "rotate", &id, "--keys-out", "keys.json"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
    insta::assert_snapshot!("rotate", redact(&run.stdout));
    let second = hub.hub.widget_keys().issued()[1].to_string();
    assert_eq!(
        hub.read_json("keys.json")["widget_keys"],
        json!({"site": second, "site (being replaced)": first})
    );
    let keys = hub.hub.widget_keys().list();
    assert_eq!(keys.len(), 2);
    assert!(!keys[0].is_disabled(), "the previous key keeps working");
    assert_eq!(keys[1].domain_allowlist, ["acme.com"]);
    assert_eq!(keys[1].agent_id.as_deref(), Some("agent_1"));

    let new_id = keys[1].id.to_string();
    // In JSON the document comes after the revoke: the new key must be
    // saved before, so a keys file is required (refused before any request).
    hub.hub.clear_requests();
    let run = hub.run(&[
        "widget-keys",
        "rotate",
        &new_id,
        "--revoke-previous",
        "-o",
        "json",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(run.stderr.contains("pass --keys-out FILE"), "{run:#?}");
    assert_eq!(hub.hub.requests(), []);
    let run = hub.run(&[
        "widget-keys",
        "rotate",
        &new_id,
        "--revoke-previous",
        "-o",
        "json",
        "--keys-out",
        "keys.json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["previous_revoked"], true);
    assert_eq!(
        doc["public_key"],
        hub.hub.widget_keys().issued()[2].as_str()
    );
    assert!(
        hub.hub
            .widget_keys()
            .list()
            .iter()
            .any(|k| k.id.as_str() == new_id && k.is_disabled())
    );

    // A revoked key is not rotated; the error says so in words.
    let run = hub.run(&["widget-keys", "rotate", &new_id]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr.starts_with(&format!(
            "error: rotating widget key {new_id} failed: the key is revoked"
        )),
        "{run:#?}"
    );
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let hub = Hub::start();
    let id = hub.create("site", &["acme.com"]);
    hub.hub.clear_requests();
    let run = hub.run(&["widget-keys", "create", "wild", "--domain", "*.com"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(
        run.stderr.starts_with("error: invalid --domain: "),
        "{run:#?}"
    );
    assert!(run.stderr.contains("nothing was sent"), "{run:#?}");
    let run = hub.run(&["widget-keys", "update", &id, "--domain", "*.com"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let run = hub.session(&[
        "api-keys",
        "create",
        "ci",
        "--expires-in-days",
        "0",
        "--show-secret",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(
        run.stderr
            .starts_with("error: invalid --expires-in-days: 0 is not from 1 to 3650 days"),
        "{run:#?}"
    );
    assert_eq!(hub.hub.requests(), [], "refused before any request");
}

#[test]
fn update_refuses_a_name_another_key_has() {
    let hub = Hub::start();
    hub.create("prod", &["acme.com"]);
    let id = hub.create("staging", &["staging.acme.com"]);
    hub.hub.clear_requests();
    let run = hub.run(&["widget-keys", "update", &id, "--name", "prod"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
    assert!(
        run.stderr
            .contains("a widget key named \"prod\" already exists"),
        "{run:#?}"
    );
    assert_eq!(hub.methods(), ["GET"], "only the list");
    // Its own name is not "taken"; --allow-duplicate-name renames anyway.
    let run = hub.run(&["widget-keys", "update", &id, "--name", "staging"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let run = hub.run(&[
        "widget-keys",
        "update",
        &id,
        "--name",
        "prod",
        "--allow-duplicate-name",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");

    let run = hub.session(&["api-keys", "create", "ci", "--show-secret"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let run = hub.session(&["api-keys", "create", "ci-2", "--show-secret", "-o", "json"]);
    let api_id = run.json()["api_key"]["id"].as_str().unwrap().to_string();
    let run = hub.session(&["api-keys", "update", &api_id, "--name", "ci"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr
            .contains("an API key named \"ci\" already exists"),
        "{run:#?}"
    );
}

#[test]
fn a_public_key_a_broken_create_answer_still_held_is_kept_and_shown() {
    let hub = Hub::start();
    let key = "pk_live_acme_RecoveredFromABrokenBody42";
    let broken = format!(
        r#"{{"key_last8":"{}","public_key":"{key}","name":"site","id":"#,
        &key[key.len() - 8..]
    );
    for (args, saved) in [
        (vec!["--keys-out", "keys.json"], true),
        (vec!["-o", "json"], false),
    ] {
        hub.hub.inject_on(
            "POST",
            "/api/v1/widget-keys",
            Fault::respond(201, "application/json", broken.clone()),
            1,
        );
        let mut all = vec![
            "widget-keys",
            "create",
            "site",
            "--domain",
            "acme.com",
            "--allow-duplicate-name",
        ];
        all.extend(args);
        let run = hub.run(&all);
        assert_eq!(run.code, 1, "{run:#?}");
        if saved {
            assert!(
                run.stdout.contains(&format!("public key: {key}")),
                "{run:#?}"
            );
            assert_eq!(hub.read_json("keys.json")["widget_keys"]["site"], key);
            assert!(
                run.stderr
                    .contains("note: the new widget key of \"site\" is saved in keys.json"),
                "{run:#?}"
            );
        } else {
            assert_eq!(run.json()["public_key"], key, "{run:#?}");
            assert_eq!(run.json()["complete"], false);
        }
    }
}

#[test]
fn a_key_whose_first_line_cannot_be_printed_is_still_saved() {
    let hub = Hub::start();
    let mut child = hub
        .command(&[
            "widget-keys",
            "create",
            "site",
            "--domain",
            "acme.com",
            "--keys-out",
            "keys.json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("note: the new widget key of \"site\" is saved in keys.json"),
        "{stderr}"
    );
    assert_eq!(
        hub.read_json("keys.json")["widget_keys"]["site"],
        hub.hub.widget_keys().issued()[0].as_str()
    );
}
