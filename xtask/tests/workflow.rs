//! The whole maintainer workflow in a copy of the repository, with the
//! compile proof: refusals (codegen error, facade compile error), a
//! successful update, the pending snapshot, `snapshot`, `--accept`, `check`.
//! One test, because every step shares the (slow) cargo builds.

mod common;

use common::{Repo, fixture};
use serde_json::Value;

#[test]
fn refresh_review_accept_check() {
    let repo = Repo::full_copy("workflow-repo");
    let snap = repo.path().join("tests/snapshots/generated_client.snap");
    let pending = repo
        .path()
        .join("tests/snapshots/generated_client.snap.new");
    let committed_snapshot = std::fs::read(&snap).expect("snapshot");

    // (That the committed state passes `check` is what `.ci/run` checks.)

    // progenitor rejects the spec: build.rs's message reaches the user.
    let file = fixture("codegen-error.yaml").to_string_lossy().to_string();
    let run = repo.xtask(&["update-spec", "--file", &file]);
    repo.assert_fails_unchanged(&run, "the new spec does not generate: kataven codegen:");
    assert!(
        run.stderr
            .contains("unexpected content type: application/xml"),
        "{run}"
    );

    // The spec generates but the facade does not compile (a removed field).
    let mut doc: Value = serde_json::from_slice(&repo.original).expect("json");
    let widget_key = &mut doc["components"]["schemas"]["data.WidgetKey"];
    widget_key["properties"]
        .as_object_mut()
        .expect("properties")
        .remove("key_last8");
    widget_key["required"]
        .as_array_mut()
        .expect("required")
        .retain(|r| r != "key_last8");
    let broken = repo.path().join("target/upstream-without-key_last8.json");
    std::fs::create_dir_all(broken.parent().expect("parent")).expect("mkdir");
    std::fs::write(&broken, serde_json::to_vec(&doc).expect("json")).expect("write");
    let run = repo.xtask(&["update-spec", "--file", &broken.to_string_lossy()]);
    repo.assert_fails_unchanged(&run, "the SDK does not compile with the new spec");
    assert!(
        run.stdout
            .contains("[BREAKING    ] data.WidgetKey.key_last8: field removed"),
        "{run}"
    );
    assert!(
        run.stderr.contains("KATAVEN_OPENAPI="),
        "it says how to iterate: {run}"
    );
    assert!(!pending.exists());

    // The upstream 3.1 YAML goes through, with the snapshot left pending.
    let file = fixture("hub-3.1.yaml").to_string_lossy().to_string();
    let run = repo.xtask(&["update-spec", "--file", &file]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("the SDK compiles with it"), "{run}");
    assert!(
        run.stdout.contains("review it with `cargo xtask snapshot`"),
        "{run}"
    );
    let expected = std::fs::read(fixture("hub-3.1.expected.json")).expect("expected");
    assert!(repo.spec() == expected);
    assert!(pending.exists(), "insta left the new snapshot pending");
    assert!(std::fs::read(&snap).expect("snapshot") == committed_snapshot);

    // `check` fails until the snapshot is accepted.
    let run = repo.xtask(&["check"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains("does not match what build.rs generates"),
        "{run}"
    );

    let run = repo.xtask(&["snapshot"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout.contains(
            "+            409u16 => Err(Error::ErrorResponse(ResponseValue::stream(response))),"
        ),
        "{run}"
    );

    let run = repo.xtask(&["snapshot", "--accept"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!pending.exists());
    let accepted = String::from_utf8(std::fs::read(&snap).expect("snapshot")).expect("utf-8");
    assert!(
        accepted.contains("409u16") && !accepted.contains("assertion_line"),
        "{accepted}"
    );

    let run = repo.xtask(&["check"]);
    assert_eq!(run.code, Some(0), "{run}");

    // Running it again changes nothing.
    let run = repo.xtask(&["update-spec", "--file", &file]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("nothing to do"), "{run}");
    assert!(repo.spec() == expected);
}

#[test]
fn check_refuses_a_hand_edited_spec() {
    let mut repo = Repo::spec_only();
    let mut text = String::from_utf8(repo.original.clone()).expect("utf-8");
    text = text.replacen("  \"components\"", "    \"components\"", 1);
    repo.set_spec(text.as_bytes());
    let run = repo.xtask(&["check"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains("openapi.json is not normalised"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("cargo xtask update-spec --file openapi.json"),
        "{run}"
    );
    assert!(repo.spec() == repo.original);
}
