//! `cargo xtask update-spec` on files: parsing, conversion, selection,
//! normalisation, determinism, the summary, and every failure case. These
//! skip the compile proof (see `workflow.rs` for the full path).

mod common;

use common::{Repo, fixture};
use serde_json::{Value, json};

const SKIP: &str = "--skip-compile-proof";

fn update(repo: &Repo, file: &std::path::Path) -> common::Run {
    let file = file.to_string_lossy().to_string();
    repo.xtask(&["update-spec", "--file", &file, SKIP])
}

#[test]
fn the_3_1_yaml_fixture_becomes_the_expected_3_0_3_json() {
    let repo = Repo::spec_only();
    let run = update(&repo, &fixture("hub-3.1.yaml"));
    assert_eq!(run.code, Some(0), "{run}");
    let expected = std::fs::read(fixture("hub-3.1.expected.json")).expect("expected fixture");
    assert!(
        repo.spec() == expected,
        "output differs from hub-3.1.expected.json\n{run}"
    );
    for line in [
        "down-converted OpenAPI 3.1 to 3.0.3",
        "left out 4 operation(s) not tagged Widget Keys, API Keys",
        "left out 1 webhook(s)",
        "PATCH /api/v1/widget-keys/{id}: no operationId upstream; kept the vendored \"update_widget_key\"",
        "removed the empty 204 response(s)",
        "API changes: 0 breaking, 1 non-breaking (the SDK compiles as is)",
        "[non-breaking] POST /api/v1/widget-keys (create_widget_key): response 409 added",
    ] {
        assert!(run.stdout.contains(line), "missing {line:?}\n{run}");
    }
    let doc: Value = serde_json::from_slice(&repo.spec()).expect("json");
    assert_eq!(doc["openapi"], "3.0.3");
    let schemas: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    assert_eq!(
        schemas,
        [
            "data.ApiKey",
            "data.CreatedApiKey",
            "data.CreatedWidgetKey",
            "data.WidgetKey",
            "handlers.CreateApiKeyRequest",
            "handlers.CreateWidgetKeyRequest",
            "handlers.UpdateApiKeyRequest",
            "handlers.UpdateWidgetKeyRequest"
        ]
    );
    assert_eq!(
        doc["tags"],
        json!([
            {"name": "Widget Keys", "description": "Public `pk_live_` keys that customers paste into their web pages."},
            {"name": "API Keys", "description": "Secret `sk_live_` keys that servers, SDKs and CI send as bearer tokens. Only a person's session (a JWT) may create, update or delete them."}
        ])
    );
}

#[test]
fn every_handled_3_1_construct_converts_as_expected() {
    // The same fixture tools/downconvert/compare.sh checks against
    // @apiture/openapi-down-convert.
    let repo = Repo::spec_only();
    let run = update(&repo, &fixture("conversion-3.1.yaml"));
    assert_eq!(run.code, Some(0), "{run}");
    let expected =
        std::fs::read(fixture("conversion-3.1.expected.json")).expect("expected fixture");
    assert!(
        repo.spec() == expected,
        "output differs from conversion-3.1.expected.json\n{run}"
    );
}

#[test]
fn output_is_deterministic_and_a_second_run_changes_nothing() {
    let repo = Repo::spec_only();
    assert_eq!(update(&repo, &fixture("hub-3.1.yaml")).code, Some(0));
    let first = repo.spec();
    let text = String::from_utf8(first.clone()).expect("utf-8");
    assert!(
        text.ends_with("}\n") && text.starts_with("{\n  \""),
        "2-space indent, trailing newline"
    );
    let run = update(&repo, &fixture("hub-3.1.yaml"));
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("nothing to do"), "{run}");
    assert!(repo.spec() == first);
    // The vendored file is itself a fixed point (what `check` relies on).
    let vendored = repo
        .path()
        .join("openapi.json")
        .to_string_lossy()
        .to_string();
    let run = repo.xtask(&["update-spec", "--file", &vendored, SKIP]);
    assert!(run.stdout.contains("nothing to do"), "{run}");
}

#[test]
fn the_3_0_json_fixture_normalises_to_the_vendored_spec() {
    // Same API as openapi.json, but 3.0.1, no operationIds, another tag,
    // 4-space indent and upstream key order.
    let repo = Repo::spec_only();
    let run = update(&repo, &fixture("hub-3.0.json"));
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("openapi.json is up to date"), "{run}");
    assert!(run.stdout.contains("left out 1 operation(s)"), "{run}");
    assert!(repo.spec() == repo.original);
}

#[test]
fn check_mode_reports_out_of_date_without_writing() {
    let repo = Repo::spec_only();
    let file = fixture("hub-3.1.yaml").to_string_lossy().to_string();
    let run = repo.xtask(&["update-spec", "--file", &file, "--check", SKIP]);
    repo.assert_fails_unchanged(&run, "openapi.json is out of date with");
    assert!(
        run.stdout.contains("response 409 added"),
        "the summary is printed: {run}"
    );

    let same = fixture("hub-3.0.json").to_string_lossy().to_string();
    let run = repo.xtask(&["update-spec", "--file", &same, "--check", SKIP]);
    assert_eq!(run.code, Some(0), "{run}");
}

#[test]
fn failures_exit_1_with_a_message_and_leave_the_spec_alone() {
    let cases: &[(&str, &str)] = &[
        ("invalid.json", "is not valid JSON"),
        ("invalid.yaml", "is neither JSON nor valid YAML"),
        (
            "swagger-2.0.yaml",
            "is Swagger 2.0 (OpenAPI 2), which is not supported",
        ),
        (
            "openapi-4.0.yaml",
            "is OpenAPI 4.0.0, which the xtask cannot convert",
        ),
        (
            "no-widget-keys.yaml",
            "has no operations tagged \"Widget Keys\" or \"API Keys\"; if the Hub renamed the tag, update COVERED_TAGS",
        ),
        (
            "mixed-error-bodies.yaml",
            "GET /api/v1/widget-keys: the error responses mix body kinds (400 → a JSON body; 500 → a non-JSON body)",
        ),
        (
            "unconvertible.yaml",
            "/components/schemas/data.WidgetKey/properties/id/type: several types (string, integer)",
        ),
        ("does-not-exist.yaml", "cannot read"),
    ];
    let repo = Repo::spec_only();
    for (name, message) in cases {
        let run = update(&repo, &fixture(name));
        repo.assert_fails_unchanged(&run, message);
    }
}

#[test]
fn usage_errors_exit_1_and_say_how() {
    let repo = Repo::spec_only();
    let run = repo.xtask(&[
        "update-spec",
        "--file",
        "a.yaml",
        "--url",
        "http://127.0.0.1:9/x",
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains("give --url or --file, not both"),
        "{run}"
    );
    assert!(repo.spec() == repo.original);
    let run = repo.xtask(&["frobnicate"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("unknown command \"frobnicate\"")
            && run.stderr.contains("usage: cargo xtask"),
        "{run}"
    );
}

/// Writes a modified copy of the vendored spec and runs update-spec on it.
fn summary_of(change: impl FnOnce(&mut Value)) -> common::Run {
    let repo = Repo::spec_only();
    let mut doc: Value = serde_json::from_slice(&repo.original).expect("json");
    change(&mut doc);
    let file = repo.path().join("upstream.json");
    std::fs::write(&file, serde_json::to_vec(&doc).expect("json")).expect("write");
    let run = update(&repo, &file);
    assert_eq!(run.code, Some(0), "{run}");
    run
}

fn assert_lines(run: &common::Run, lines: &[&str]) {
    run.assert_lines(lines);
}

#[test]
fn the_compatible_3_1_fixture_is_0_breaking() {
    // What the issue measured: an upstream-style 3.1 YAML without the
    // constraints, the operationIds and with extra tags. The compile proof
    // for it runs in workflow.rs.
    let repo = Repo::spec_only();
    let run = update(&repo, &fixture("hub-3.1-compatible.yaml"));
    assert_eq!(run.code, Some(0), "{run}");
    assert_lines(
        &run,
        &[
            "API changes: 0 breaking, 12 non-breaking (the SDK compiles as is)",
            "[non-breaking] GET /api/v1/widget-keys (list_widget_keys): header parameter X-Account-ID: pattern \"^[a-z0-9][a-z0-9_-]{0,62}$\" dropped",
            "[non-breaking] PATCH /api/v1/widget-keys/{id} (update_widget_key): path parameter id: format \"uuid\" dropped",
            "[non-breaking] handlers.CreateWidgetKeyRequest.name: minLength 1 dropped",
            "[non-breaking] handlers.UpdateWidgetKeyRequest.name: minLength 1 dropped",
            "POST /api/v1/widget-keys: no operationId upstream; kept the vendored \"create_widget_key\"",
        ],
    );
    let doc: Value = serde_json::from_slice(&repo.spec()).expect("json");
    assert_eq!(
        doc["paths"]["/api/v1/widget-keys"]["post"]["tags"],
        json!(["Widget Keys", "Embeds"])
    );
}

#[test]
fn the_label_fixture_names_the_new_response_field_as_breaking() {
    let repo = Repo::spec_only();
    let run = update(&repo, &fixture("hub-3.1-label.yaml"));
    assert_eq!(run.code, Some(0), "{run}");
    assert_lines(
        &run,
        &[
            "API changes: 1 breaking (0 for users of the facade, 1 facade edit only), 12 non-breaking",
            "the compile proof will refuse it);",
            "[FACADE EDIT ] data.WidgetKey.label: field added (string, optional); map it in …src/widget_keys/model.rs",
        ],
    );
}

#[test]
fn a_removed_field_is_breaking() {
    let run = summary_of(|doc| {
        let widget_key = &mut doc["components"]["schemas"]["data.WidgetKey"];
        widget_key["properties"]
            .as_object_mut()
            .expect("properties")
            .remove("key_last8");
        let required = widget_key["required"].as_array_mut().expect("required");
        required.retain(|r| r != "key_last8");
    });
    assert_lines(
        &run,
        &[
            "API changes: 1 breaking (1 for users of the facade, 0 facade edits only), 0 non-breaking",
            "[BREAKING    ] data.WidgetKey.key_last8: field removed (was string, required); \
             remove it from the conversion in …src/widget_keys/model.rs",
        ],
    );
}

#[test]
fn other_changes_are_classified() {
    let run = summary_of(|doc| {
        let schemas = &mut doc["components"]["schemas"];
        // A new required request field breaks callers; nullable in a response breaks readers.
        schemas["handlers.CreateWidgetKeyRequest"]["properties"]["team"] =
            json!({"type": "string"});
        schemas["handlers.CreateWidgetKeyRequest"]["required"]
            .as_array_mut()
            .expect("required")
            .push(json!("team"));
        schemas["data.WidgetKey"]["properties"]["name"]["nullable"] = json!(true);
        // typify: an optional nullable field and an optional one are both
        // an Option, so this compiles as is.
        schemas["data.WidgetKey"]["properties"]["agent_id"]
            .as_object_mut()
            .expect("agent_id")
            .remove("nullable");
        schemas["data.WidgetKey"]["properties"]["created_at"]
            .as_object_mut()
            .expect("created_at")
            .remove("format");
        doc["paths"]["/api/v1/widget-keys/{id}"]
            .as_object_mut()
            .expect("path")
            .remove("delete");
    });
    assert_lines(
        &run,
        &[
            "[BREAKING    ] DELETE /api/v1/widget-keys/{id} (delete_widget_key): operation removed; \
             remove the facade method that calls it in src/widget_keys/mod.rs",
            "[BREAKING    ] handlers.CreateWidgetKeyRequest.team: field added (string, required); \
             add it to the body in …src/widget_keys/create.rs",
            "[BREAKING    ] data.WidgetKey.name: now nullable; adapt the conversion in …src/widget_keys/model.rs",
            "[non-breaking] data.WidgetKey.agent_id: no longer nullable",
            "[FACADE EDIT ] data.WidgetKey.created_at: format \"date-time\" dropped; adapt the conversion in …src/widget_keys/model.rs",
        ],
    );
}

#[test]
fn constraints_are_named_and_marked_where_they_are() {
    let run = summary_of(|doc| {
        let schemas = &mut doc["components"]["schemas"];
        // Request: through TryFrom<String>, whatever newtype it becomes.
        schemas["handlers.UpdateWidgetKeyRequest"]["properties"]["agent_id"]["pattern"] =
            json!("^agent_");
        schemas["handlers.CreateWidgetKeyRequest"]["properties"]["domain_allowlist"]["items"]["maxLength"] =
            json!(253);
        // Response: through Into<String>.
        schemas["data.WidgetKey"]["properties"]["key_last8"]["minLength"] = json!(8);
        // Response: an enum is no string.
        schemas["data.WidgetKey"]["properties"]["name"]["enum"] = json!(["a"]);
        // PATCH: `disabled` with a default is a plain `bool`, not an Option.
        schemas["handlers.UpdateWidgetKeyRequest"]["properties"]["disabled"]["default"] =
            json!(false);
        // A required header: one more argument the facade must pass.
        doc["components"]["parameters"]["XAccountId"]["required"] = json!(true);
    });
    assert_lines(
        &run,
        &[
            "API changes: 10 breaking (8 for users of the facade, 2 facade edits only), 3 non-breaking",
            "[non-breaking] handlers.UpdateWidgetKeyRequest.agent_id: pattern \"^agent_\" added",
            "[non-breaking] handlers.CreateWidgetKeyRequest.domain_allowlist: items: maxLength 253 added",
            "[non-breaking] data.WidgetKey.key_last8: minLength 8 added",
            "[FACADE EDIT ] data.WidgetKey.name: enum [\"a\"] added; adapt the conversion in …src/widget_keys/model.rs",
            "[FACADE EDIT ] handlers.UpdateWidgetKeyRequest.disabled: default false added; adapt the body in …src/widget_keys/update.rs",
            "[BREAKING    ] PATCH /api/v1/widget-keys/{id} (update_widget_key): header parameter X-Account-ID: \
             now required; update the call in src/widget_keys/update.rs",
            // Doc examples are compiled by `cargo test`: they count.
            "[BREAKING    ] GET /api/v1/widget-keys (list_widget_keys): header parameter X-Account-ID: \
             now required; update the call in src/client.rs, src/raw/mod.rs, src/widget_keys/mod.rs",
        ],
    );
}

#[test]
fn changes_the_facade_does_not_use_are_non_breaking() {
    let usage = json!({"get": {
        "tags": ["Widget Keys"],
        "operationId": "get_widget_key_usage",
        "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/data.Usage"
        }}}}}
    }});
    let usage_schema = json!({"type": "object", "properties": {"calls": {"type": "integer"}}});
    let mut repo = Repo::spec_only();
    let mut doc: Value = serde_json::from_slice(&repo.original).expect("json");
    doc["paths"]["/api/v1/widget-keys/{id}/usage"] = usage.clone();
    doc["components"]["schemas"]["data.Usage"] = usage_schema;
    let vendored = repo.path().join("vendored.json");
    std::fs::write(&vendored, serde_json::to_vec(&doc).expect("json")).expect("write");
    assert_eq!(update(&repo, &vendored).code, Some(0));
    repo.set_spec(&repo.spec());

    doc["components"]["schemas"]["data.Usage"]["properties"]["minutes"] = json!({"type": "number"});
    doc["paths"]["/api/v1/widget-keys/{id}/usage"]["get"]["parameters"]
        .as_array_mut()
        .expect("parameters")
        .push(
            json!({"in": "query", "name": "since", "required": true, "schema": {"type": "string"}}),
        );
    let upstream = repo.path().join("upstream.json");
    std::fs::write(&upstream, serde_json::to_vec(&doc).expect("json")).expect("write");
    let run = update(&repo, &upstream);
    assert_eq!(run.code, Some(0), "{run}");
    assert_lines(
        &run,
        &[
            "API changes: 0 breaking, 2 non-breaking (the SDK compiles as is)",
            "[non-breaking] GET /api/v1/widget-keys/{id}/usage (get_widget_key_usage): query parameter since added \
             (string, required); the generated method takes one more argument \
             (the facade does not use it: only kataven::raw sees it)",
            "[non-breaking] data.Usage.minutes: field added (number, optional) \
             (the facade does not use it: only kataven::raw sees it)",
        ],
    );
}

#[test]
fn a_renamed_schema_is_followed_and_named() {
    let run = summary_of(|doc| {
        let text = serde_json::to_string(doc)
            .expect("json")
            .replace("data.WidgetKey\"", "data.Key\"");
        *doc = serde_json::from_str(&text).expect("json");
        doc["components"]["schemas"]["data.Key"]["properties"]["name"]["maxLength"] = json!(200);
    });
    assert_lines(
        &run,
        &[
            "API changes: 1 breaking (0 for users of the facade, 1 facade edit only), 1 non-breaking",
            "[FACADE EDIT ] data.WidgetKey: renamed to data.Key: rename types::DataWidgetKey to \
             types::DataKey in …src/widget_keys/model.rs",
            "[non-breaking] data.Key.name: maxLength 200 added",
        ],
    );
}

#[test]
fn a_missing_operation_id_gets_a_stable_readable_name() {
    let run = summary_of(|doc| {
        doc["paths"]["/api/v1/widget-keys/{id}/usage"] = json!({"get": {
            "tags": ["Widget Keys"],
            "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}}
        }});
    });
    assert!(
        run.stdout
            .contains("no operationId upstream; named it \"get_widget_keys_by_id_usage\""),
        "{run}"
    );
    assert!(run.stdout.contains("[non-breaking] GET /api/v1/widget-keys/{id}/usage (get_widget_keys_by_id_usage): operation added"), "{run}");
}

#[test]
fn a_new_patch_field_goes_into_the_body_the_facade_builds() {
    let run = summary_of(|doc| {
        doc["components"]["schemas"]["handlers.UpdateWidgetKeyRequest"]["properties"]["label"] =
            json!({"type": "string"});
    });
    assert_lines(
        &run,
        &[
            "API changes: 1 breaking (0 for users of the facade, 1 facade edit only), 0 non-breaking",
            "[FACADE EDIT ] handlers.UpdateWidgetKeyRequest.label: field added (string, optional); \
             add it to the body in …src/widget_keys/update.rs",
        ],
    );
}

#[test]
fn an_empty_error_response_next_to_text_ones_gets_a_text_body() {
    let run = summary_of(|doc| {
        let not_found = &mut doc["paths"]["/api/v1/widget-keys/{id}"]["delete"]["responses"]["404"];
        not_found.as_object_mut().expect("404").remove("content");
    });
    assert!(
        run.stdout.contains("DELETE /api/v1/widget-keys/{id}: gave the empty 404 error response(s) a text/plain body"),
        "{run}"
    );
    assert!(run.stdout.contains("API changes: none"), "{run}");
}
