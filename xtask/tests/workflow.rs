//! The whole maintainer workflow in a copy of the repository, with the
//! compile proof: refusals (codegen error, a new response field the facade
//! must map), a successful "0 breaking" update, the pending snapshot,
//! `snapshot`, `--accept`, `check`. One test, because every step shares the
//! (slow) cargo builds. (`compat_matrix.rs`, ignored by default, checks the
//! summary's marks against a compile proof per kind of change.)

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

    // The spec generates but the facade does not compile: upstream added a
    // response field, which the conversion destructures exhaustively. The
    // summary names it as breaking, before the compile proof refuses it.
    let file = fixture("hub-3.1-label.yaml").to_string_lossy().to_string();
    let run = repo.xtask(&["update-spec", "--file", &file]);
    repo.assert_fails_unchanged(&run, "the SDK does not compile with the new spec");
    run.assert_lines(&[
        "API changes: 1 breaking (0 for users of the facade, 1 facade edit only), 12 non-breaking",
        "[FACADE EDIT ] data.WidgetKey.label: field added (string, optional); \
         map it in …src/widget_keys/model.rs",
    ]);
    assert!(
        run.stderr.contains("src/widget_keys/model.rs"),
        "cargo points at the conversion: {run}"
    );
    assert!(
        run.stderr.contains("KATAVEN_OPENAPI="),
        "it says how to iterate: {run}"
    );
    assert!(!pending.exists());

    // The upstream 3.1 YAML without the constraints, the operationIds, and
    // with extra tags: "0 breaking", and the compile proof agrees. It goes
    // through, with the snapshot left pending.
    let file = fixture("hub-3.1-compatible.yaml")
        .to_string_lossy()
        .to_string();
    let run = repo.xtask(&["update-spec", "--file", &file]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout
            .contains("API changes: 0 breaking, 12 non-breaking"),
        "{run}"
    );
    assert!(run.stdout.contains("the SDK compiles with it"), "{run}");
    assert!(
        run.stdout.contains("review it with `cargo xtask snapshot`"),
        "{run}"
    );
    let written: Value = serde_json::from_slice(&repo.spec()).expect("json");
    assert_eq!(
        written["paths"]["/api/v1/widget-keys/{id}"]["patch"]["operationId"], "update_widget_key",
        "the vendored operationId is kept"
    );
    assert_eq!(
        written["components"]["parameters"]["XAccountId"]["schema"],
        serde_json::json!({"type": "string"})
    );
    let expected = repo.spec();
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
        run.stdout
            .contains("+        x_account_id: Option<&'a str>,"),
        "{run}"
    );

    let run = repo.xtask(&["snapshot", "--accept"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!pending.exists());
    let accepted = String::from_utf8(std::fs::read(&snap).expect("snapshot")).expect("utf-8");
    assert!(
        !accepted.contains("ListWidgetKeysXAccountId") && !accepted.contains("assertion_line"),
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
