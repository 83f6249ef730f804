//! The model of one spec: for every operation and component schema, what
//! decides the Rust type progenitor (typify) generates for each value.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::pointer::component_of_ref;
use crate::select::METHODS;

/// The schema keywords that can change the generated type of a value.
pub(super) const TYPE_KEYWORDS: &[&str] = &[
    "format",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "default",
    "uniqueItems",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

/// Keywords that never change generated types (dropped from the canonical
/// text of inline schemas).
pub(super) const ANNOTATIONS: &[&str] = &[
    "description",
    "example",
    "examples",
    "title",
    "externalDocs",
    "deprecated",
    "readOnly",
    "writeOnly",
    "xml",
];

/// What decides the generated Rust type of one value: a parameter, a body,
/// a field or an array's items.
#[derive(Clone, Debug, PartialEq, Default)]
pub(super) struct Node {
    /// `string`, `integer`, …, `array`, `object`, `any`, or `ref <schema>`.
    pub(super) kind: String,
    /// The [`TYPE_KEYWORDS`] present, as JSON text.
    pub(super) attrs: BTreeMap<&'static str, String>,
    pub(super) nullable: bool,
    pub(super) items: Option<Box<Node>>,
    /// The canonical text of an inline object or composition.
    pub(super) inline: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Field {
    pub(super) node: Node,
    pub(super) required: bool,
}

/// The generated Rust type, as far as the facade's conversions care.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Leaf {
    /// `String`, or a newtype for `pattern` / `minLength` / `maxLength`.
    Text {
        constrained: bool,
    },
    Uuid,
    DateTime,
    Date,
    Ip(String),
    /// A generated enum (its values).
    Enum(String),
    Bool,
    /// An integer type: typify picks it from the format and the bounds.
    Int(String),
    Float(&'static str),
    /// A generated type named after a component schema.
    Named(String),
    Other(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Shape {
    Leaf(Leaf),
    Vec(Box<Shape>),
    /// `uniqueItems`: typify writes a `Vec` too, but without the intrinsic
    /// default of an array, so an optional one is an `Option<Vec<…>>`.
    Set(Box<Shape>),
    Array(String, Box<Shape>),
    Option(Box<Shape>),
}

impl Shape {
    /// The Rust type as written: a set is a `Vec`.
    pub(super) fn rendered(self) -> Shape {
        match self {
            Shape::Leaf(leaf) => Shape::Leaf(leaf),
            Shape::Vec(inner) | Shape::Set(inner) => Shape::Vec(Box::new(inner.rendered())),
            Shape::Array(n, inner) => Shape::Array(n, Box::new(inner.rendered())),
            Shape::Option(inner) => Shape::Option(Box::new(inner.rendered())),
        }
    }
}

/// The kind of body on one side (success / error) of an operation.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum BodyType {
    /// No body: `()`.
    Unit,
    /// Not JSON: `String` / `ByteStream`.
    Raw,
    /// JSON: the generated types.
    Json(Vec<Shape>),
}

#[derive(Debug, Default)]
pub(super) struct Op {
    pub(super) id: String,
    /// `"<in> parameter <name>"` → (where, field).
    pub(super) params: BTreeMap<String, (String, Field)>,
    pub(super) body: Option<Field>,
    /// status → (media type or "no body", JSON schema node).
    pub(super) responses: BTreeMap<String, (String, Option<Node>)>,
}

#[derive(Debug, Default)]
pub(super) struct Model {
    pub(super) ops: BTreeMap<String, Op>,
    /// schema → field name → field.
    pub(super) schemas: BTreeMap<String, BTreeMap<String, Field>>,
}

pub(super) fn json_text(value: &Value) -> String {
    value.to_string()
}

pub(super) fn strip_annotations(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip_annotations(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_annotations).collect()),
        other => other.clone(),
    }
}

pub(super) fn node(schema: &Value, renames: &BTreeMap<String, String>) -> Node {
    let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        let mut inner = node(only, renames);
        inner.nullable |= nullable;
        if let Some(default) = schema.get("default") {
            inner.attrs.insert("default", json_text(default));
        }
        return inner;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = component_of_ref(reference)
            .map(|(_, n)| n)
            .unwrap_or_else(|| reference.to_string());
        let name = renames.get(&name).cloned().unwrap_or(name);
        return Node {
            kind: format!("ref {name}"),
            nullable,
            ..Node::default()
        };
    }
    let kind = match schema.get("type").and_then(Value::as_str) {
        Some(t) => t.to_string(),
        None if schema.get("oneOf").is_some() => "oneOf".into(),
        None if schema.get("anyOf").is_some() => "anyOf".into(),
        None if schema.get("allOf").is_some() => "allOf".into(),
        None if schema.get("properties").is_some() => "object".into(),
        None => "any".into(),
    };
    let attrs = TYPE_KEYWORDS
        .iter()
        .filter_map(|k| schema.get(*k).map(|v| (*k, json_text(v))))
        .collect();
    let items = (kind == "array").then(|| {
        Box::new(
            schema
                .get("items")
                .map(|items| node(items, renames))
                .unwrap_or_else(|| Node {
                    kind: "any".into(),
                    ..Node::default()
                }),
        )
    });
    let inline = matches!(kind.as_str(), "object" | "oneOf" | "anyOf" | "allOf")
        .then(|| json_text(&strip_annotations(schema)));
    Node {
        kind,
        attrs,
        nullable,
        items,
        inline,
    }
}

impl Node {
    pub(super) fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }

    /// What typify generates for the value itself (no `required` yet).
    pub(super) fn shape(&self) -> Shape {
        let leaf = |leaf: Leaf| Shape::Leaf(leaf);
        let inner = match self.kind.as_str() {
            "string" => {
                if let Some(values) = self.attr("enum") {
                    // typify: an enum wins over the format.
                    leaf(Leaf::Enum(values.to_string()))
                } else {
                    match self.attr("format").map(|f| f.trim_matches('"')) {
                        Some("uuid") => leaf(Leaf::Uuid),
                        Some("date-time") => leaf(Leaf::DateTime),
                        Some("date") => leaf(Leaf::Date),
                        Some(ip @ ("ip" | "ipv4" | "ipv6")) => leaf(Leaf::Ip(ip.to_string())),
                        _ => leaf(Leaf::Text {
                            constrained: ["pattern", "minLength", "maxLength"]
                                .iter()
                                .any(|k| self.attrs.contains_key(k)),
                        }),
                    }
                }
            }
            "integer" if !self.attrs.contains_key("enum") => {
                let bounds: Vec<String> = [
                    "format",
                    "minimum",
                    "maximum",
                    "exclusiveMinimum",
                    "exclusiveMaximum",
                    "multipleOf",
                ]
                .iter()
                .filter_map(|k| self.attr(k).map(|v| format!("{k}={v}")))
                .collect();
                leaf(Leaf::Int(bounds.join(",")))
            }
            "number" if !self.attrs.contains_key("enum") => {
                leaf(Leaf::Float(if self.attr("format") == Some("\"float\"") {
                    "f32"
                } else {
                    "f64"
                }))
            }
            "boolean" if !self.attrs.contains_key("enum") => leaf(Leaf::Bool),
            "array" => {
                let items = Box::new(
                    self.items
                        .as_ref()
                        .map(|items| items.shape())
                        .unwrap_or(Shape::Leaf(Leaf::Other("any".into()))),
                );
                let fixed = match (self.attr("minItems"), self.attr("maxItems")) {
                    (Some(min), Some(max)) if min == max && min != "0" => Some(min.to_string()),
                    _ => None,
                };
                if self.attr("uniqueItems") == Some("true") {
                    Shape::Set(items)
                } else if let Some(length) = fixed {
                    Shape::Array(length, items)
                } else {
                    Shape::Vec(items)
                }
            }
            kind => match kind.strip_prefix("ref ") {
                Some(name) => leaf(Leaf::Named(name.to_string())),
                None => leaf(Leaf::Other(format!(
                    "{kind} {}",
                    self.inline.as_deref().unwrap_or("")
                ))),
            },
        };
        if self.nullable {
            Shape::Option(Box::new(inner))
        } else {
            inner
        }
    }

    /// The JSON type, down to array items: what users of the facade see
    /// change when it changes.
    pub(super) fn signature(&self) -> String {
        match &self.items {
            Some(items) => format!("{} of {}", self.kind, items.signature()),
            None => format!("{} {}", self.kind, self.inline.as_deref().unwrap_or("")),
        }
    }

    pub(super) fn describe(&self) -> String {
        let mut out = match &self.items {
            Some(items) => format!("array of {}", items.describe()),
            None => self
                .kind
                .strip_prefix("ref ")
                .unwrap_or(&self.kind)
                .to_string(),
        };
        if let Some(format) = self.attr("format") {
            let _ = write!(out, " ({})", format.trim_matches('"'));
        }
        if let Some(values) = self.attr("enum") {
            let _ = write!(out, " enum {values}");
        }
        out
    }
}

impl Field {
    /// The type of the struct field typify generates; `patch`: in the body
    /// of a PATCH operation, as build.rs rewrites it.
    pub(super) fn shape(&self, patch: bool) -> Shape {
        self.unrendered_shape(patch).rendered()
    }

    pub(super) fn unrendered_shape(&self, patch: bool) -> Shape {
        let shape = self.node.shape();
        if self.required {
            return shape;
        }
        let has_default = self.node.attrs.contains_key("default");
        let shape = match shape {
            // typify gives options and arrays an intrinsic default; any
            // other optional field without a `default` becomes an Option.
            shape @ (Shape::Option(_) | Shape::Vec(_)) => shape,
            shape if has_default => shape,
            shape => Shape::Option(Box::new(shape)),
        };
        if !patch {
            return shape;
        }
        match shape {
            Shape::Option(inner) if self.node.nullable => {
                Shape::Option(Box::new(Shape::Option(inner)))
            }
            shape @ Shape::Vec(_) => Shape::Option(Box::new(shape)),
            shape => shape,
        }
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "{}, {}{}",
            self.node.describe(),
            if self.required {
                "required"
            } else {
                "optional"
            },
            if self.node.nullable { ", nullable" } else { "" }
        )
    }
}

pub(super) fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(component_of_ref)
    {
        Some((section, name)) => doc
            .get("components")
            .and_then(|c| c.get(&section))
            .and_then(|s| s.get(&name))
            .unwrap_or(value),
        None => value,
    }
}

/// The media type and schema of a body, JSON first (progenitor's choice).
pub(super) fn body_schema(content: Option<&Value>) -> Option<(String, Option<&Value>)> {
    let content = content?.as_object()?;
    content
        .iter()
        .find(|(m, _)| m.starts_with("application/json"))
        .or_else(|| content.iter().next())
        .map(|(media, value)| (media.clone(), value.get("schema")))
}

pub(super) fn model(doc: &Value, renames: &BTreeMap<String, String>) -> Model {
    let mut m = Model::default();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let mut o = Op {
                    id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    ..Op::default()
                };
                let params = item
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .chain(op.get("parameters").and_then(Value::as_array))
                    .flatten();
                for p in params {
                    let p = resolve(doc, p);
                    let place = p.get("in").and_then(Value::as_str).unwrap_or("?");
                    let name = format!(
                        "{place} parameter {}",
                        p.get("name").and_then(Value::as_str).unwrap_or("?")
                    );
                    let field = Field {
                        node: node(p.get("schema").unwrap_or(&Value::Null), renames),
                        required: p.get("required").and_then(Value::as_bool) == Some(true),
                    };
                    o.params.insert(name, (place.to_string(), field));
                }
                if let Some(body) = op.get("requestBody") {
                    let body = resolve(doc, body);
                    if let Some((_, schema)) = body_schema(body.get("content")) {
                        o.body = Some(Field {
                            node: schema.map(|s| node(s, renames)).unwrap_or_default(),
                            required: body.get("required").and_then(Value::as_bool) == Some(true),
                        });
                    }
                }
                if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    for (status, response) in responses {
                        let response = resolve(doc, response);
                        let described = match body_schema(response.get("content")) {
                            Some((media, schema)) => {
                                let json = media.starts_with("application/json");
                                (media, schema.filter(|_| json).map(|s| node(s, renames)))
                            }
                            None => ("no body".into(), None),
                        };
                        o.responses.insert(status.clone(), described);
                    }
                }
                m.ops.insert(format!("{} {path}", method.to_uppercase()), o);
            }
        }
    }
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            let name = renames.get(name).cloned().unwrap_or_else(|| name.clone());
            let required: BTreeSet<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut fields = BTreeMap::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (field_name, property) in properties {
                    fields.insert(
                        field_name.clone(),
                        Field {
                            node: node(property, renames),
                            required: required.contains(field_name.as_str()),
                        },
                    );
                }
                // typify flattens a schema of additional properties into an
                // `extra` field (`true`, `false` and absent add nothing).
                if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
                    fields.insert(
                        "(additionalProperties)".into(),
                        Field {
                            node: node(extra, renames),
                            required: true,
                        },
                    );
                }
            } else {
                // Not an object: describe the schema itself as one pseudo-field.
                fields.insert(
                    "(the schema itself)".into(),
                    Field {
                        node: node(schema, renames),
                        required: true,
                    },
                );
            }
            m.schemas.insert(name, fields);
        }
    }
    m
}

pub(super) fn body_type(op: &Op, success: bool) -> BodyType {
    let mut json = Vec::new();
    let mut raw = false;
    for (status, (media, schema)) in &op.responses {
        let is_success = status.starts_with('2');
        let is_error = status.starts_with('4') || status.starts_with('5') || status == "default";
        if (success && !is_success) || (!success && !is_error) {
            continue;
        }
        match schema {
            Some(schema) => {
                let shape = schema.shape().rendered();
                if !json.contains(&shape) {
                    json.push(shape);
                }
            }
            None if media != "no body" => raw = true,
            None => {}
        }
    }
    if !json.is_empty() {
        BodyType::Json(json)
    } else if raw {
        BodyType::Raw
    } else {
        BodyType::Unit
    }
}
