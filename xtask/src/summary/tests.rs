//! The summary's rules, and the report they make.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::facade::Facade;

use super::compat::{Side, leaf_ok, shape_ok};
use super::model::{Field, Leaf, Shape, node};
use super::summarize;

fn field(schema: Value, required: bool) -> Field {
    Field {
        node: node(&schema, &BTreeMap::new()),
        required,
    }
}

fn text() -> Shape {
    Shape::Leaf(Leaf::Text { constrained: false })
}

fn option(shape: Shape) -> Shape {
    Shape::Option(Box::new(shape))
}

fn vec(shape: Shape) -> Shape {
    Shape::Vec(Box::new(shape))
}

#[test]
fn field_types_follow_typify_and_build_rs() {
    let string = json!({"type": "string"});
    let nullable = json!({"type": "string", "nullable": true});
    let list = json!({"type": "array", "items": {"type": "string"}});
    let set = json!({"type": "array", "uniqueItems": true, "items": {"type": "string"}});
    let flag = json!({"type": "boolean", "default": false});
    for (schema, required, patch, want) in [
        (&string, true, false, text()),
        (&string, false, false, option(text())),
        (&nullable, true, false, option(text())),
        // An optional nullable field is one Option; the PATCH rewrite makes two.
        (&nullable, false, false, option(text())),
        (&nullable, false, true, option(option(text()))),
        // Arrays default to empty; the PATCH rewrite tells absent from [].
        (&list, false, false, vec(text())),
        (&list, false, true, option(vec(text()))),
        // uniqueItems: still a Vec, but without the intrinsic default.
        (&set, true, false, vec(text())),
        (&set, false, false, option(vec(text()))),
        // A default drops the Option.
        (&flag, false, false, Shape::Leaf(Leaf::Bool)),
    ] {
        assert_eq!(
            field(schema.clone(), required).shape(patch),
            want,
            "{schema} required={required} patch={patch}"
        );
    }
    let constrained = field(
        json!({"type": "string", "pattern": "^a", "format": "email"}),
        true,
    );
    assert_eq!(
        constrained.shape(false),
        Shape::Leaf(Leaf::Text { constrained: true })
    );
    let enumerated = field(
        json!({"type": "string", "format": "uuid", "enum": ["a"]}),
        true,
    );
    assert_eq!(
        enumerated.shape(false),
        Shape::Leaf(Leaf::Enum("[\"a\"]".into()))
    );
}

#[test]
fn the_facade_conversions_decide() {
    let plain = Leaf::Text { constrained: false };
    let newtype = Leaf::Text { constrained: true };
    let enumerated = Leaf::Enum("[\"a\"]".into());
    // Request values go through TryFrom<String>.
    assert!(leaf_ok(Side::Request, &plain, &newtype));
    assert!(leaf_ok(Side::Request, &plain, &enumerated));
    assert!(leaf_ok(Side::Request, &plain, &Leaf::Uuid));
    assert!(!leaf_ok(Side::Request, &plain, &Leaf::DateTime));
    // Response values through Into<String>; a uuid id also as a String.
    assert!(leaf_ok(Side::Response, &newtype, &plain));
    assert!(leaf_ok(Side::Response, &plain, &Leaf::Uuid));
    assert!(!leaf_ok(Side::Response, &plain, &enumerated));
    assert!(leaf_ok(Side::Response, &Leaf::Uuid, &plain));
    assert!(!leaf_ok(Side::Response, &Leaf::Uuid, &newtype));
    // Path parameters through FromStr, by reference.
    assert!(leaf_ok(Side::Path, &Leaf::Uuid, &newtype));
    assert!(!leaf_ok(Side::Path, &Leaf::Uuid, &enumerated));
    // Containers must stay the same.
    assert!(!shape_ok(Side::Request, &text(), &option(text())));
    assert!(shape_ok(
        Side::Request,
        &option(vec(text())),
        &option(vec(Shape::Leaf(newtype)))
    ));
}

fn spec(name_schema: Value) -> Value {
    json!({
        "paths": {"/things": {"post": {
            "operationId": "create_thing",
            "requestBody": {"content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Thing"
            }}}},
            "responses": {"201": {"description": "ok"}}
        }}},
        "components": {"schemas": {"Thing": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": name_schema}
        }}}
    })
}

#[test]
fn without_src_every_operation_counts_as_called() {
    let old = spec(json!({"type": "string"}));
    let new = spec(json!({"type": "integer"}));
    let out = summarize(Some(&old), &new, None);
    assert!(
        out.contains("(no src/ to read: every operation counts as called"),
        "{out}"
    );
    assert!(
        out.contains(
            "[BREAKING    ] Thing.name: type changed from string to integer; adapt the body in src/"
        ),
        "{out}"
    );
    // With a facade that does not call it, only kataven::raw sees it.
    let facade = Facade::from_sources(&[("src/lib.rs", "fn nothing() {}")]);
    let out = summarize(Some(&old), &new, Some(&facade));
    assert!(
        out.contains("API changes: 0 breaking, 1 non-breaking"),
        "{out}"
    );
    assert!(out.contains("only kataven::raw sees it"), "{out}");
}

#[test]
fn only_annotations_is_no_change() {
    let old = spec(json!({"type": "string", "description": "a"}));
    let new = spec(json!({"type": "string", "description": "b", "example": "x"}));
    let out = summarize(Some(&old), &new, None);
    assert!(out.starts_with("API changes: none"), "{out}");
}
