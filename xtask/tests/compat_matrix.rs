//! The summary's marks against real compile proofs. Each case applies one
//! change to the vendored `openapi.json` and runs `update-spec --check` on
//! it in a copy of the repository: the summary, then the compile proof
//! (`cargo build -p kataven --features mock` with `KATAVEN_OPENAPI`, the
//! xtask's own cargo helper), and nothing is written. It asserts that the
//! summary says "0 breaking" exactly when the SDK compiles, and that what
//! compiles is what the facade is designed to absorb (CONTRIBUTING.md,
//! "Reading the summary").
//!
//! A compile proof per case: about 1.5 s each once the copy's `target/` is
//! warm (incremental builds), minutes for the dependencies on the first
//! run. So it is ignored by default:
//!
//! ```sh
//! cargo test -p xtask --test compat_matrix -- --ignored --nocapture
//! ```
//!
//! `COMPAT_CASES=word` runs only the cases whose name contains `word`.

mod common;

use common::Repo;
use serde_json::{Value, json};

/// What the facade is designed to do with the change.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Design {
    Compiles,
    Refused,
}
use Design::{Compiles, Refused};

struct Case {
    name: &'static str,
    design: Design,
    change: fn(&mut Value),
}

fn schema<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
    &mut doc["components"]["schemas"][name]
}

fn prop<'a>(doc: &'a mut Value, schema_name: &str, field: &str) -> &'a mut Value {
    &mut schema(doc, schema_name)["properties"][field]
}

fn remove(value: &mut Value, key: &str) {
    value.as_object_mut().expect("object").remove(key);
}

fn unrequire(doc: &mut Value, schema_name: &str, field: &str) {
    schema(doc, schema_name)["required"]
        .as_array_mut()
        .expect("required")
        .retain(|r| r != field);
}

fn header(doc: &mut Value) -> &mut Value {
    &mut doc["components"]["parameters"]["XAccountId"]
}

fn id_param(doc: &mut Value) -> &mut Value {
    &mut doc["paths"]["/api/v1/widget-keys/{id}"]["parameters"][0]
}

const CREATE: &str = "handlers.CreateWidgetKeyRequest";
const UPDATE: &str = "handlers.UpdateWidgetKeyRequest";
const KEY: &str = "data.WidgetKey";
const CREATED: &str = "data.CreatedWidgetKey";

fn cases() -> Vec<Case> {
    vec![
        // Parameters.
        Case {
            name: "header X-Account-ID: pattern dropped",
            design: Compiles,
            change: |d| remove(&mut header(d)["schema"], "pattern"),
        },
        Case {
            name: "header X-Account-ID: minLength/maxLength added",
            design: Compiles,
            change: |d| {
                header(d)["schema"]["minLength"] = json!(1);
                header(d)["schema"]["maxLength"] = json!(63);
            },
        },
        Case {
            name: "header X-Account-ID: format uuid added",
            design: Compiles,
            change: |d| header(d)["schema"]["format"] = json!("uuid"),
        },
        Case {
            name: "header X-Account-ID: enum added",
            design: Compiles,
            change: |d| header(d)["schema"]["enum"] = json!(["acme"]),
        },
        Case {
            name: "header X-Account-ID: made required",
            design: Refused,
            change: |d| header(d)["required"] = json!(true),
        },
        Case {
            name: "path id: format uuid dropped",
            design: Compiles,
            change: |d| remove(&mut id_param(d)["schema"], "format"),
        },
        Case {
            name: "path id: format uuid replaced by a pattern",
            design: Compiles,
            change: |d| {
                remove(&mut id_param(d)["schema"], "format");
                id_param(d)["schema"]["pattern"] = json!("^[0-9a-f-]{36}$");
            },
        },
        Case {
            name: "path id: minLength/maxLength added",
            design: Compiles,
            change: |d| {
                id_param(d)["schema"]["minLength"] = json!(36);
                id_param(d)["schema"]["maxLength"] = json!(36);
            },
        },
        Case {
            name: "path id: enum added",
            design: Refused,
            change: |d| {
                id_param(d)["schema"]["enum"] = json!(["0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90"])
            },
        },
        Case {
            name: "parameter added (optional query limit on list)",
            design: Refused,
            change: |d| {
                d["paths"]["/api/v1/widget-keys"]["get"]["parameters"]
                    .as_array_mut()
                    .expect("parameters")
                    .push(json!({"in": "query", "name": "limit", "schema": {"type": "integer"}}));
            },
        },
        Case {
            name: "parameter removed (X-Account-ID on list)",
            design: Refused,
            change: |d| remove(&mut d["paths"]["/api/v1/widget-keys"]["get"], "parameters"),
        },
        // Request fields.
        Case {
            name: "create name: minLength dropped",
            design: Compiles,
            change: |d| remove(prop(d, CREATE, "name"), "minLength"),
        },
        Case {
            name: "create name: pattern and maxLength added",
            design: Compiles,
            change: |d| {
                prop(d, CREATE, "name")["pattern"] = json!("^\\S");
                prop(d, CREATE, "name")["maxLength"] = json!(200);
            },
        },
        Case {
            name: "create name: enum added",
            design: Compiles,
            change: |d| prop(d, CREATE, "name")["enum"] = json!(["a", "b"]),
        },
        Case {
            name: "create name: format uuid added",
            design: Compiles,
            change: |d| prop(d, CREATE, "name")["format"] = json!("uuid"),
        },
        Case {
            name: "create name: format date-time added",
            design: Refused,
            change: |d| prop(d, CREATE, "name")["format"] = json!("date-time"),
        },
        Case {
            name: "create domain_allowlist items: pattern added",
            design: Compiles,
            change: |d| prop(d, CREATE, "domain_allowlist")["items"]["pattern"] = json!("^\\S+$"),
        },
        Case {
            name: "create domain_allowlist items: enum added",
            design: Compiles,
            change: |d| prop(d, CREATE, "domain_allowlist")["items"]["enum"] = json!(["acme.com"]),
        },
        Case {
            name: "create agent_id (Option): pattern added",
            design: Compiles,
            change: |d| prop(d, CREATE, "agent_id")["pattern"] = json!("^agent_"),
        },
        Case {
            name: "create agent_id (optional): nullable dropped",
            design: Compiles,
            change: |d| remove(prop(d, CREATE, "agent_id"), "nullable"),
        },
        Case {
            name: "create domain_allowlist (Vec): made required",
            design: Compiles,
            change: |d| {
                schema(d, CREATE)["required"]
                    .as_array_mut()
                    .expect("required")
                    .push(json!("domain_allowlist"))
            },
        },
        Case {
            name: "create domain_allowlist (optional): uniqueItems added",
            design: Refused,
            change: |d| prop(d, CREATE, "domain_allowlist")["uniqueItems"] = json!(true),
        },
        Case {
            name: "create name: made optional",
            design: Refused,
            change: |d| unrequire(d, CREATE, "name"),
        },
        Case {
            name: "create name: nullable added",
            design: Refused,
            change: |d| prop(d, CREATE, "name")["nullable"] = json!(true),
        },
        Case {
            name: "create name: type changed to integer",
            design: Refused,
            change: |d| *prop(d, CREATE, "name") = json!({"type": "integer"}),
        },
        Case {
            name: "create: optional field label added",
            design: Refused,
            change: |d| *prop(d, CREATE, "label") = json!({"type": "string"}),
        },
        Case {
            name: "create: field agent_id removed",
            design: Refused,
            change: |d| remove(&mut schema(d, CREATE)["properties"], "agent_id"),
        },
        Case {
            name: "patch name: minLength dropped",
            design: Compiles,
            change: |d| remove(prop(d, UPDATE, "name"), "minLength"),
        },
        Case {
            name: "patch agent_id (Option<Option>): pattern added",
            design: Compiles,
            change: |d| prop(d, UPDATE, "agent_id")["pattern"] = json!("^agent_"),
        },
        Case {
            name: "patch domain_allowlist items (Option<Vec>): maxLength added",
            design: Compiles,
            change: |d| prop(d, UPDATE, "domain_allowlist")["items"]["maxLength"] = json!(253),
        },
        Case {
            name: "patch agent_id: nullable dropped",
            design: Refused,
            change: |d| remove(prop(d, UPDATE, "agent_id"), "nullable"),
        },
        Case {
            name: "patch disabled: default false added",
            design: Refused,
            change: |d| prop(d, UPDATE, "disabled")["default"] = json!(false),
        },
        Case {
            name: "patch disabled: type changed to string",
            design: Refused,
            change: |d| prop(d, UPDATE, "disabled")["type"] = json!("string"),
        },
        Case {
            name: "patch: optional field label added",
            design: Refused,
            change: |d| *prop(d, UPDATE, "label") = json!({"type": "string"}),
        },
        // Response fields.
        Case {
            name: "response name: pattern added",
            design: Compiles,
            change: |d| prop(d, KEY, "name")["pattern"] = json!("^\\S"),
        },
        Case {
            name: "response key_last8: minLength/maxLength 8 added",
            design: Compiles,
            change: |d| {
                prop(d, KEY, "key_last8")["minLength"] = json!(8);
                prop(d, KEY, "key_last8")["maxLength"] = json!(8);
            },
        },
        Case {
            name: "response domain_allowlist items: pattern added",
            design: Compiles,
            change: |d| prop(d, KEY, "domain_allowlist")["items"]["pattern"] = json!("^\\S+$"),
        },
        Case {
            name: "response agent_id (Option): pattern added",
            design: Compiles,
            change: |d| prop(d, KEY, "agent_id")["pattern"] = json!("^agent_"),
        },
        Case {
            name: "response public_key: pattern added",
            design: Compiles,
            change: |d| prop(d, CREATED, "public_key")["pattern"] = json!("^pk_live_"),
        },
        Case {
            name: "response id: format uuid dropped",
            design: Compiles,
            change: |d| remove(prop(d, KEY, "id"), "format"),
        },
        Case {
            name: "response id: format uuid replaced by a pattern",
            design: Refused,
            change: |d| {
                remove(prop(d, KEY, "id"), "format");
                prop(d, KEY, "id")["pattern"] = json!("^[0-9a-f-]{36}$");
            },
        },
        Case {
            name: "response key_last8: format uuid added",
            design: Compiles,
            change: |d| prop(d, KEY, "key_last8")["format"] = json!("uuid"),
        },
        Case {
            name: "response created_at: format date-time dropped",
            design: Refused,
            change: |d| remove(prop(d, KEY, "created_at"), "format"),
        },
        Case {
            name: "response name: format date-time added",
            design: Refused,
            change: |d| prop(d, KEY, "name")["format"] = json!("date-time"),
        },
        Case {
            name: "response name: enum added",
            design: Refused,
            change: |d| prop(d, KEY, "name")["enum"] = json!(["a", "b"]),
        },
        Case {
            name: "response agent_id (optional): nullable dropped",
            design: Compiles,
            change: |d| remove(prop(d, KEY, "agent_id"), "nullable"),
        },
        Case {
            name: "response agent_id (nullable): made required",
            design: Compiles,
            change: |d| {
                schema(d, KEY)["required"]
                    .as_array_mut()
                    .expect("required")
                    .push(json!("agent_id"))
            },
        },
        Case {
            name: "response name: nullable added",
            design: Refused,
            change: |d| prop(d, KEY, "name")["nullable"] = json!(true),
        },
        Case {
            name: "response name: made optional",
            design: Refused,
            change: |d| unrequire(d, KEY, "name"),
        },
        Case {
            name: "response domain_allowlist (required): uniqueItems added",
            design: Compiles,
            change: |d| prop(d, KEY, "domain_allowlist")["uniqueItems"] = json!(true),
        },
        Case {
            name: "response: optional field label added",
            design: Refused,
            change: |d| *prop(d, KEY, "label") = json!({"type": "string"}),
        },
        Case {
            name: "response: field key_last8 removed",
            design: Refused,
            change: |d| {
                remove(&mut schema(d, KEY)["properties"], "key_last8");
                unrequire(d, KEY, "key_last8");
            },
        },
        Case {
            name: "response: additionalProperties schema added",
            design: Refused,
            change: |d| schema(d, KEY)["additionalProperties"] = json!({"type": "string"}),
        },
        // Operations and responses.
        Case {
            name: "error response 409 added (text)",
            design: Compiles,
            change: |d| {
                d["paths"]["/api/v1/widget-keys"]["post"]["responses"]["409"] = json!({
                    "description": "Conflict.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}
                })
            },
        },
        Case {
            name: "error response 404 removed (delete)",
            design: Compiles,
            change: |d| {
                remove(
                    &mut d["paths"]["/api/v1/widget-keys/{id}"]["delete"]["responses"],
                    "404",
                )
            },
        },
        Case {
            name: "error responses become JSON (list)",
            design: Refused,
            change: |d| {
                let responses = &mut d["paths"]["/api/v1/widget-keys"]["get"]["responses"];
                for (status, response) in responses.as_object_mut().expect("responses") {
                    if !status.starts_with('2') {
                        response["content"] =
                            json!({"application/json": {"schema": {"type": "string"}}});
                    }
                }
            },
        },
        Case {
            name: "PATCH 200 becomes the updated key as JSON",
            design: Compiles,
            change: |d| {
                d["paths"]["/api/v1/widget-keys/{id}"]["patch"]["responses"]["200"]["content"] = json!({
                    "application/json": {"schema": {"$ref": "#/components/schemas/data.WidgetKey"}}
                })
            },
        },
        Case {
            name: "list 200 becomes an array of another schema",
            design: Refused,
            change: |d| {
                d["paths"]["/api/v1/widget-keys"]["get"]["responses"]["200"]["content"]["application/json"]
                    ["schema"]["items"]["$ref"] =
                    json!("#/components/schemas/data.CreatedWidgetKey")
            },
        },
        Case {
            name: "operation added (GET one key)",
            design: Compiles,
            change: |d| {
                d["paths"]["/api/v1/widget-keys/{id}"]["get"] = json!({
                    "tags": ["Widget Keys"],
                    "responses": {"200": {"description": "The key.", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/data.WidgetKey"}}
                    }}}
                })
            },
        },
        Case {
            name: "operation removed (delete)",
            design: Refused,
            change: |d| remove(&mut d["paths"]["/api/v1/widget-keys/{id}"], "delete"),
        },
        Case {
            name: "schema renamed (data.WidgetKey -> data.Key)",
            design: Refused,
            change: |d| {
                let text = serde_json::to_string(d)
                    .expect("json")
                    .replace("\"data.WidgetKey\"", "\"data.Key\"")
                    .replace("schemas/data.WidgetKey\"", "schemas/data.Key\"");
                *d = serde_json::from_str(&text).expect("json");
            },
        },
    ]
}

struct Row {
    name: &'static str,
    design: Design,
    mark: String,
    compiled: bool,
}

#[test]
#[ignore = "runs a compile proof per case; see the file docs"]
fn the_summary_says_0_breaking_exactly_when_the_sdk_compiles() {
    let repo = Repo::full_copy("compat-matrix");
    let original: Value = serde_json::from_slice(&repo.original).expect("json");
    let filter = std::env::var("COMPAT_CASES").unwrap_or_default();
    let mut rows = Vec::new();
    for case in cases().into_iter().filter(|c| c.name.contains(&filter)) {
        let mut doc = original.clone();
        (case.change)(&mut doc);
        let file = repo.path().join("target/compat-case.json");
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(&file, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
        let run = repo.xtask(&["update-spec", "--check", "--file", &file.to_string_lossy()]);
        let count = run
            .stdout
            .lines()
            .find(|l| l.starts_with("API changes:"))
            .unwrap_or_else(|| panic!("{}: no summary\n{run}", case.name))
            .to_string();
        let compiled = run.stdout.contains("the SDK compiles with it");
        let refused = run.stderr.contains("the SDK does not compile")
            || run.stderr.contains("the new spec does not generate");
        assert!(
            compiled != refused,
            "{}: neither compiled nor refused\n{run}",
            case.name
        );
        let marks: Vec<&str> = run
            .stdout
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix('['))
            .filter_map(|l| l.split(']').next())
            .map(str::trim)
            .collect();
        let worst = ["BREAKING", "FACADE EDIT", "non-breaking"]
            .into_iter()
            .find(|m| marks.contains(m))
            .unwrap_or("none");
        println!(
            "{:<62} {:<13} {}",
            case.name,
            worst,
            if compiled { "compiles" } else { "refused" }
        );
        if count.starts_with("API changes: 0 breaking") != compiled
            || (case.design == Compiles) != compiled
        {
            println!("{run}");
        }
        rows.push((
            Row {
                name: case.name,
                design: case.design,
                mark: worst.to_string(),
                compiled,
            },
            count,
        ));
    }
    println!("\n| case | mark | compiled |\n|---|---|---|");
    for (row, _) in &rows {
        println!(
            "| {} | {} | {} |",
            row.name,
            row.mark,
            if row.compiled { "yes" } else { "no" }
        );
    }
    let wrong_summary: Vec<String> = rows
        .iter()
        .filter(|(row, count)| count.starts_with("API changes: 0 breaking") != row.compiled)
        .map(|(row, count)| format!("{}: {count} but compiled = {}", row.name, row.compiled))
        .collect();
    let wrong_design: Vec<String> = rows
        .iter()
        .filter(|(row, _)| (row.design == Compiles) != row.compiled)
        .map(|(row, _)| {
            format!(
                "{}: designed {:?}, compiled = {}",
                row.name, row.design, row.compiled
            )
        })
        .collect();
    assert!(
        wrong_summary.is_empty() && wrong_design.is_empty(),
        "the summary disagrees with the compile proof:\n  {}\nthe facade disagrees with its design:\n  {}",
        wrong_summary.join("\n  "),
        wrong_design.join("\n  ")
    );
}
