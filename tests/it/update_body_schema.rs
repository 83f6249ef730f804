//! `kataven::raw::UpdateWidgetKeyBody` is handwritten in place of the
//! generated `handlers.UpdateWidgetKeyRequest` (progenitor cannot send
//! `null` or `[]` there), so the codegen snapshot no longer shows that
//! schema. This test holds the handwritten type against the spec: a spec
//! change to the PATCH body fails here until the type follows it.

use serde_json::{Value, json};

fn spec_schema() -> Value {
    let spec: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi.json"
    )))
    .expect("openapi.json parses");
    spec["components"]["schemas"]["handlers.UpdateWidgetKeyRequest"].clone()
}

fn handwritten_schema() -> Value {
    let settings = schemars::r#gen::SchemaSettings::openapi3();
    let schema = settings
        .into_generator()
        .into_root_schema_for::<kataven::raw::UpdateWidgetKeyBody>();
    serde_json::to_value(schema).expect("schema serialises")
}

/// The wire-relevant facts of one property: type, nullability, item type,
/// length bound.
fn facts(property: &Value) -> Value {
    json!({
        "type": property["type"],
        "nullable": property.get("nullable").cloned().unwrap_or(Value::Bool(false)),
        "items": property["items"]["type"],
        "minLength": property["minLength"],
    })
}

#[test]
fn handwritten_patch_body_matches_the_spec_schema() {
    let spec = spec_schema();
    let ours = handwritten_schema();
    let spec_props = spec["properties"].as_object().expect("spec has properties");
    let our_props = ours["properties"]
        .as_object()
        .expect("schemars has properties");

    let mut spec_names: Vec<_> = spec_props.keys().collect();
    let mut our_names: Vec<_> = our_props.keys().collect();
    spec_names.sort();
    our_names.sort();
    assert_eq!(
        our_names, spec_names,
        "the PATCH body's fields differ from the spec"
    );

    for (name, property) in spec_props {
        assert_eq!(
            facts(&our_props[name]),
            facts(property),
            "field `{name}` differs from the spec"
        );
    }
    let required = |schema: &Value| schema.get("required").cloned().unwrap_or(json!([]));
    assert_eq!(required(&ours), required(&spec), "required fields differ");
}

#[test]
fn three_patch_states_serialise_as_the_hub_expects() {
    use kataven::raw::UpdateWidgetKeyBody;
    let absent = UpdateWidgetKeyBody {
        name: Some("n".into()),
        ..Default::default()
    };
    assert_eq!(serde_json::to_value(&absent).unwrap(), json!({"name": "n"}));
    let null = UpdateWidgetKeyBody {
        agent_id: Some(None),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&null).unwrap(),
        json!({"agent_id": null})
    );
    let empty = UpdateWidgetKeyBody {
        domain_allowlist: Some(vec![]),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&empty).unwrap(),
        json!({"domain_allowlist": []})
    );
    // And back: null stays distinct from absent.
    let parsed: UpdateWidgetKeyBody = serde_json::from_value(json!({"agent_id": null})).unwrap();
    assert_eq!(parsed.agent_id, Some(None));
    let parsed: UpdateWidgetKeyBody = serde_json::from_value(json!({})).unwrap();
    assert_eq!(parsed.agent_id, None);
}
