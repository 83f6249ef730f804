//! End-to-end tests: the built `kataven` binary against a mock Hub on a
//! loopback port, as a script or a person would run it. They check exit
//! codes, that stdout holds only the result and stderr the errors, the JSON
//! shapes, and (as insta snapshots) the table and plan output.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use kataven::mock::{Fault, MockHub};
use serde_json::Value;

/// One mock Hub, its runtime, and a scratch directory.
struct Hub {
    hub: MockHub,
    runtime: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
}

/// What a run of the binary left.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        match serde_json::from_str(&self.stdout) {
            Ok(value) => value,
            Err(err) => panic!("stdout is not one JSON document ({err}): {self:#?}"),
        }
    }
}

fn kataven_bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kataven"));
    command
        .env_remove("KATAVEN_API_KEY")
        .env_remove("KATAVEN_BASE_URL")
        .env_remove("KATAVEN_ACCOUNT_ID");
    command
}

fn finish(command: &mut Command) -> Run {
    let output = command.stdin(Stdio::null()).output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs the binary without any Hub configuration.
fn offline(args: &[&str]) -> Run {
    finish(kataven_bin().args(args))
}

impl Hub {
    fn start() -> Hub {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let hub = runtime.block_on(MockHub::builder().api_key("sk_live_acme_clitests").start());
        Hub {
            hub,
            runtime,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = kataven_bin();
        command
            .args(args)
            .env("KATAVEN_API_KEY", self.hub.api_key())
            .env("KATAVEN_BASE_URL", self.hub.base_url())
            .current_dir(self.dir.path());
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        finish(&mut self.command(args))
    }

    /// Creates a key directly through the SDK; returns its id.
    fn create(&self, name: &str, allowlist: &[&str]) -> String {
        let client = kataven::Client::builder()
            .api_key(self.hub.api_key())
            .base_url(self.hub.base_url())
            .build()
            .unwrap();
        let created = self
            .runtime
            .block_on(
                client
                    .widget_keys()
                    .create(name)
                    .domain_allowlist(allowlist.iter().copied())
                    .send(),
            )
            .unwrap();
        created.widget_key.id.to_string()
    }

    fn methods(&self) -> Vec<String> {
        self.hub.requests().into_iter().map(|r| r.method).collect()
    }

    fn names(&self) -> Vec<(String, bool)> {
        self.hub
            .widget_keys()
            .list()
            .into_iter()
            .map(|k| (k.name.clone(), k.is_disabled()))
            .collect()
    }
}

/// Replaces what changes from run to run (ids, times, keys) with markers,
/// so that snapshots compare. The widths of the replaced values are fixed,
/// so table alignment is stable too. Hand-written: insta's `filters` would
/// bring the regex crate into the build for these four patterns.
fn redact(text: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let is_uuid = |s: &[char]| {
        s.len() == 36
            && s.iter().enumerate().all(|(j, c)| match j {
                8 | 13 | 18 | 23 => *c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    let is_time = |s: &[char]| {
        let t: String = s.iter().collect();
        t.len() == 20
            && t.ends_with(" UTC")
            && t.chars().enumerate().all(|(j, c)| match j {
                4 | 7 => c == '-',
                10 => c == ' ',
                13 => c == ':',
                16..=19 => true,
                _ => c.is_ascii_digit(),
            })
    };
    while i < chars.len() {
        if i + 36 <= chars.len() && is_uuid(&chars[i..i + 36]) {
            out.push_str("<id>");
            i += 36;
        } else if i + 20 <= chars.len() && is_time(&chars[i..i + 20]) {
            out.push_str("<time>");
            i += 20;
        } else if chars[i..].starts_with(&['p', 'k', '_', 'l', 'i', 'v', 'e', '_']) {
            out.push_str("pk_live_<key>");
            i += 8;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if chars[i] == '…' && i + 9 <= chars.len() {
            out.push_str("…<last8>");
            i += 9;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn mode(path: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        0o600
    }
}

const FILE_V1: &str = r#"
[[widget_key]]
name = "acme.com production"             # identity: unique in the file
domain_allowlist = ["acme.com", "*.acme.com"]
agent_id = "agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z"   # optional; absent = unpinned
disabled = false                          # optional; default false

[[widget_key]]
name = "staging"
domain_allowlist = ["staging.acme.com", "localhost:*"]
"#;

const FILE_V2: &str = r#"
[[widget_key]]
name = "acme.com production"
domain_allowlist = ["*.acme.com", "ACME.com", "https://acme.io"]

[[widget_key]]
name = "staging"
domain_allowlist = ["staging.acme.com", "localhost:*"]
disabled = true

[[widget_key]]
name = "docs"
domain_allowlist = ["docs.acme.com"]
agent_id = "agent_docs"
"#;

#[test]
fn the_plan_apply_cycle_creates_updates_prunes_and_converges() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", FILE_V1);
    // Relative to the directory the binary runs in, so that snapshots hold
    // no temporary path.
    let keys_out = "keys.json";
    let keys_path = hub.path(keys_out);

    // Plan: two creates; --detailed-exitcode says so with 2.
    let plan = hub.run(&["widget-keys", "plan", "-f", &file, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:#?}");
    insta::assert_snapshot!("plan_create", plan.stdout);
    assert!(
        plan.stderr
            .contains("`localhost:*` lets in pages on the visitor's own machine")
    );
    assert_eq!(hub.methods(), ["GET"], "a plan only reads");

    // Apply: both created, each key printed once and saved, mode 0600.
    let apply = hub.run(&["widget-keys", "apply", "-f", &file, "--keys-out", keys_out]);
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
    assert_eq!(saved["acme.com production"], issued[0].as_str());
    assert_eq!(saved["staging"], issued[1].as_str());
    assert_eq!(mode(&keys_path), 0o600);
    let production = &hub.hub.widget_keys().list()[0];
    assert_eq!(production.domain_allowlist, ["acme.com", "*.acme.com"]);
    assert_eq!(
        production.agent_id.as_deref(),
        Some("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
    );

    // A second apply sends no writes.
    hub.hub.clear_requests();
    let again = hub.run(&["widget-keys", "apply", "-f", &file]);
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
    let plan = hub.run(&["widget-keys", "plan", "-f", &file, "--prune"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    insta::assert_snapshot!("plan_update_prune", redact(&plan.stdout));

    let apply = hub.run(&[
        "widget-keys",
        "apply",
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
    assert_eq!(saved.as_object().unwrap().len(), 3, "{saved}");

    // Converged: no writes, plan says so with exit 0 under --detailed-exitcode.
    hub.hub.clear_requests();
    let again = hub.run(&["widget-keys", "apply", "-f", &file, "--prune"]);
    assert_eq!((again.code, again.stdout.as_str()), (0, "No changes.\n"));
    let plan = hub.run(&[
        "widget-keys",
        "plan",
        "-f",
        &file,
        "--prune",
        "--detailed-exitcode",
    ]);
    assert_eq!((plan.code, plan.stdout.as_str()), (0, "No changes.\n"));
    assert_eq!(hub.methods(), ["GET", "GET"]);
}

#[test]
fn plan_and_apply_in_json() {
    let hub = Hub::start();
    let file = hub.write("keys.toml", FILE_V1);
    let plan = hub.run(&["widget-keys", "plan", "-f", &file, "--output", "json"]);
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

    let apply = hub.run(&["widget-keys", "apply", "-f", &file, "--output", "json"]);
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

    let apply = hub.run(&["widget-keys", "apply", "-f", &file, "--keys-out", keys_out]);
    assert_eq!(apply.code, 1, "{apply:#?}");
    let first_key = hub.hub.widget_keys().issued()[0].to_string();
    assert!(apply.stdout.contains(&first_key), "{apply:#?}");
    assert!(!apply.stdout.contains("error"), "errors stay on stderr");
    let stderr = &apply.stderr;
    assert!(
        stderr.contains("error: create_widget_key: the Hub answered 500"),
        "{stderr}"
    );
    assert!(stderr.contains("request id req_"), "{stderr}");
    assert!(
        stderr.contains("note: applied before the failure: created \"first\""),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "note: the new key of \"first\" is saved in {keys_out}"
        )),
        "{stderr}"
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(keys_out).unwrap()).unwrap();
    assert_eq!(saved, serde_json::json!({"first": first_key}));
    assert_eq!(hub.names(), [("first".to_string(), false)]);

    // Without --keys-out, the note carries the key itself.
    hub.hub.inject(Fault::delay(Duration::ZERO), 2);
    hub.hub.inject(Fault::status(503), 1);
    let apply = hub.run(&["widget-keys", "apply", "-f", &file]);
    assert_eq!(apply.code, 1, "{apply:#?}");
    let second_key = hub.hub.widget_keys().issued()[1].to_string();
    assert!(
        apply
            .stderr
            .contains(&format!("note: the new key of \"second\" is {second_key}")),
        "{apply:#?}"
    );

    // Running apply again finishes the job.
    let apply = hub.run(&["widget-keys", "apply", "-f", &file, "--keys-out", keys_out]);
    assert_eq!(apply.code, 0, "{apply:#?}");
    assert!(
        apply
            .stdout
            .contains("Plan: 1 to create, 0 to update, 0 to delete.")
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(keys_out).unwrap()).unwrap();
    assert_eq!(saved.as_object().unwrap().len(), 2, "{saved}");
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
            let run = hub.run(&["widget-keys", command, "-f", &file]);
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
    let run = offline(&["widget-keys", "plan", "-f", &file]);
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
        let run = hub.run(&["widget-keys", command, "-f", &file]);
        assert_eq!(run.code, 1, "{run:#?}");
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains("ambiguous"), "{run:#?}");
        assert!(run.stderr.contains("\"twin\" names 2 Hub keys"), "{run:#?}");
    }
    assert_eq!(hub.methods(), ["GET", "GET"], "no writes");
}

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
        serde_json::json!([])
    );

    hub.create("acme.com production", &["acme.com", "*.acme.com"]);
    let used = hub.create("blocked", &[]);
    hub.hub.widget_keys().mark_used(&used);
    let list = hub.run(&["widget-keys", "list"]);
    assert_eq!((list.code, list.stderr.as_str()), (0, ""));
    insta::assert_snapshot!("list_table", redact(&list.stdout));

    let json = hub.run(&["--output", "json", "widget-keys", "list"]).json();
    let keys = json.as_array().unwrap();
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
        serde_json::json!({"other": "pk_live_acme_earlier", "acme.com production": key})
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
    assert_eq!(doc["name"], "dev");
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
    let key = run.json();
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
    assert_eq!(run.json()["agent_id"], Value::Null);
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
    assert_eq!(run.json()["disabled_at"], Value::Null);

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
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("401"), "{run:#?}");
    assert!(!run.stderr.contains("wrongsecret"), "{run:#?}");

    let run = offline(&["widget-keys", "list"]);
    assert_eq!(run.code, 1);
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
        "--base-url",
        "http://127.0.0.1:1",
        "widget-keys",
        "list",
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

/// Kills the child when the test ends, even when it fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn mock_hub_serves_until_stopped() {
    let mut child = KillOnDrop(
        kataven_bin()
            .args(["mock-hub", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    for _ in 0..2 {
        let line = lines.next().unwrap().unwrap();
        let (name, value) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        env.push((name.to_string(), value.to_string()));
    }
    assert_eq!(env[0].0, "KATAVEN_BASE_URL");
    assert!(env[0].1.starts_with("http://127.0.0.1:"));
    assert_eq!(env[1].0, "KATAVEN_API_KEY");
    let run = finish(
        kataven_bin()
            .args(["widget-keys", "create", "tried", "--domain", "acme.com"])
            .envs(env.clone()),
    );
    assert_eq!(run.code, 0, "{run:#?}");
    let run = finish(
        kataven_bin()
            .args(["widget-keys", "list", "--output", "json"])
            .envs(env),
    );
    assert_eq!(run.json()[0]["name"], "tried");
    // SIGTERM (not the SIGKILL of the guard) stops it cleanly.
    #[cfg(unix)]
    {
        let stopped = Command::new("kill")
            .arg(child.0.id().to_string())
            .status()
            .unwrap();
        assert!(stopped.success());
        assert_eq!(child.0.wait().unwrap().code(), Some(0));
    }
}

#[test]
fn completion_scripts() {
    for shell in ["bash", "zsh", "fish"] {
        let run = offline(&["completion", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("widget-keys") && run.stdout.contains("keys-out"),
            "{shell}"
        );
    }
}
