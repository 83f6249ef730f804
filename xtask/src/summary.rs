//! A human summary of the API change between the vendored spec and the new
//! one, each change marked breaking or not for users of the facade.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::pointer::component_of_ref;
use crate::select::METHODS;

#[derive(Debug, Clone, PartialEq)]
struct Field {
    ty: String,
    nullable: bool,
    required: bool,
}

#[derive(Debug, Default)]
struct Op {
    id: String,
    params: BTreeMap<String, Field>,
    body: Option<Field>,
    responses: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Model {
    ops: BTreeMap<String, Op>,
    schemas: BTreeMap<String, BTreeMap<String, Field>>,
    /// Schemas reachable from request bodies / parameters, and from responses.
    in_requests: BTreeSet<String>,
    in_responses: BTreeSet<String>,
}

/// Schemas that build.rs replaces with a handwritten type (see
/// `with_replacement` in build.rs): their changes never show in the snapshot,
/// so the summary says where to make them by hand.
const HANDWRITTEN: &[(&str, &str)] = &[("handlers.UpdateWidgetKeyRequest", "src/raw/update.rs")];

fn handwritten_hint(schema: &str) -> String {
    HANDWRITTEN
        .iter()
        .find(|(name, _)| *name == schema)
        .map(|(_, file)| {
            format!(" [handwritten in {file}: update it by hand, the snapshot does not show it]")
        })
        .unwrap_or_default()
}

pub struct Change {
    pub breaking: bool,
    pub what: String,
}

fn ty(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return component_of_ref(reference)
            .map(|(_, n)| n)
            .unwrap_or_else(|| reference.to_string());
    }
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return ty(only);
    }
    let mut out = match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!(
            "array of {}",
            schema.get("items").map(ty).unwrap_or_else(|| "any".into())
        ),
        Some(t) => t.to_string(),
        None if schema.get("oneOf").is_some() => "oneOf".into(),
        None if schema.get("anyOf").is_some() => "anyOf".into(),
        None => "any".into(),
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        let _ = write!(out, " ({format})");
    }
    if let Some(values) = schema.get("enum") {
        let _ = write!(out, " enum {values}");
    }
    out
}

fn field(schema: &Value, required: bool) -> Field {
    Field {
        ty: ty(schema),
        nullable: schema
            .get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        required,
    }
}

fn refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some((_, name)) = v.as_str().and_then(component_of_ref) {
                        out.insert(name);
                    }
                } else if k != "example" && k != "examples" {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Every component name reachable from `start` (components are looked up in
/// every section, which is fine for names like `data.WidgetKey`).
fn closure(doc: &Value, start: &Value) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut queue = BTreeSet::new();
    refs(start, &mut queue);
    while let Some(name) = queue.pop_first() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(components) = doc.get("components").and_then(Value::as_object) {
            for section in components.values() {
                if let Some(target) = section.get(&name) {
                    let mut more = BTreeSet::new();
                    refs(target, &mut more);
                    queue.extend(more.into_iter().filter(|n| !seen.contains(n)));
                }
            }
        }
    }
    seen
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
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

fn json_schema(content: Option<&Value>) -> Option<&Value> {
    let content = content?.as_object()?;
    content
        .iter()
        .find(|(m, _)| m.starts_with("application/json"))
        .or_else(|| content.iter().next())
        .and_then(|(_, media)| media.get("schema"))
}

fn model(doc: &Value) -> Model {
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
                    let name = format!(
                        "{} parameter {}",
                        p.get("in").and_then(Value::as_str).unwrap_or("?"),
                        p.get("name").and_then(Value::as_str).unwrap_or("?")
                    );
                    let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                    let schema = p.get("schema").cloned().unwrap_or(Value::Null);
                    o.params.insert(name, field(&schema, required));
                    m.in_requests.extend(closure(doc, &schema));
                }
                if let Some(body) = op.get("requestBody") {
                    let body = resolve(doc, body);
                    let required = body
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    if let Some(schema) = json_schema(body.get("content")) {
                        o.body = Some(field(schema, required));
                        m.in_requests.extend(closure(doc, schema));
                    }
                }
                if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    for (status, response) in responses {
                        let response = resolve(doc, response);
                        let content = response.get("content");
                        let described = match json_schema(content) {
                            Some(schema) => {
                                m.in_responses.extend(closure(doc, schema));
                                let media = content
                                    .and_then(Value::as_object)
                                    .and_then(|c| c.keys().next().cloned())
                                    .unwrap_or_default();
                                format!("{media} {}", ty(schema))
                            }
                            None => "no body".into(),
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
                        field(property, required.contains(field_name.as_str())),
                    );
                }
            } else {
                // Not an object: describe the schema itself as one pseudo-field.
                fields.insert("(the schema itself)".into(), field(schema, true));
            }
            m.schemas.insert(name.clone(), fields);
        }
    }
    m
}

fn describe(f: &Field) -> String {
    format!(
        "{}, {}{}",
        f.ty,
        if f.required { "required" } else { "optional" },
        if f.nullable { ", nullable" } else { "" }
    )
}

/// The changes between two (normalised, 3.0) specs.
pub fn changes(old: &Value, new: &Value) -> (Vec<Change>, Vec<Change>) {
    let old_m = model(old);
    let new_m = model(new);
    let mut ops = Vec::new();
    let mut schemas = Vec::new();
    let push =
        |list: &mut Vec<Change>, breaking: bool, what: String| list.push(Change { breaking, what });

    for (key, o) in &old_m.ops {
        let Some(n) = new_m.ops.get(key) else {
            push(
                &mut ops,
                true,
                format!("{key} ({}): operation removed", o.id),
            );
            continue;
        };
        let label = format!("{key} ({})", n.id);
        if o.id != n.id {
            push(
                &mut ops,
                false,
                format!(
                    "{label}: operationId was {:?}; update the call in src/widget_keys/",
                    o.id
                ),
            );
        }
        for (name, of) in &o.params {
            match n.params.get(name) {
                None => push(&mut ops, true, format!("{label}: {name} removed")),
                Some(nf) if nf != of => push(
                    &mut ops,
                    true,
                    format!(
                        "{label}: {name} changed from {} to {}",
                        describe(of),
                        describe(nf)
                    ),
                ),
                _ => {}
            }
        }
        for (name, nf) in &n.params {
            if !o.params.contains_key(name) {
                push(
                    &mut ops,
                    nf.required,
                    format!("{label}: {name} added ({})", describe(nf)),
                );
            }
        }
        match (&o.body, &n.body) {
            (Some(_), None) => push(&mut ops, true, format!("{label}: request body removed")),
            (None, Some(nb)) => push(
                &mut ops,
                nb.required,
                format!("{label}: request body added ({})", describe(nb)),
            ),
            (Some(ob), Some(nb)) if ob != nb => push(
                &mut ops,
                true,
                format!(
                    "{label}: request body changed from {} to {}",
                    describe(ob),
                    describe(nb)
                ),
            ),
            _ => {}
        }
        for (status, ob) in &o.responses {
            match n.responses.get(status) {
                None => push(
                    &mut ops,
                    status.starts_with('2'),
                    format!("{label}: response {status} removed"),
                ),
                Some(nb) if nb != ob => push(
                    &mut ops,
                    true,
                    format!("{label}: response {status} changed from {ob} to {nb}"),
                ),
                _ => {}
            }
        }
        for (status, nb) in &n.responses {
            if !o.responses.contains_key(status) {
                push(
                    &mut ops,
                    false,
                    format!("{label}: response {status} added ({nb})"),
                );
            }
        }
    }
    for (key, n) in &new_m.ops {
        if !old_m.ops.contains_key(key) {
            push(
                &mut ops,
                false,
                format!(
                    "{key} ({}): operation added; the facade does not expose it yet",
                    n.id
                ),
            );
        }
    }

    let request = |name: &str| old_m.in_requests.contains(name) || new_m.in_requests.contains(name);
    let response =
        |name: &str| old_m.in_responses.contains(name) || new_m.in_responses.contains(name);
    for (schema, old_fields) in &old_m.schemas {
        let Some(new_fields) = new_m.schemas.get(schema) else {
            push(&mut schemas, true, format!("{schema}: schema removed"));
            continue;
        };
        let (req, resp) = (request(schema), response(schema));
        let hint = handwritten_hint(schema);
        let before = schemas.len();
        for (name, of) in old_fields {
            let at = format!("{schema}.{name}");
            let Some(nf) = new_fields.get(name) else {
                push(
                    &mut schemas,
                    true,
                    format!("{at}: field removed (was {})", describe(of)),
                );
                continue;
            };
            if of.ty != nf.ty {
                push(
                    &mut schemas,
                    true,
                    format!("{at}: type changed from {} to {}", of.ty, nf.ty),
                );
            }
            if of.nullable != nf.nullable {
                // Newly nullable breaks readers; no longer nullable breaks writers.
                let breaking = if nf.nullable { resp } else { req };
                let now = if nf.nullable {
                    "now nullable"
                } else {
                    "no longer nullable"
                };
                push(&mut schemas, breaking, format!("{at}: {now}"));
            }
            if of.required != nf.required {
                let breaking = if nf.required { req } else { resp };
                let now = if nf.required {
                    "now required"
                } else {
                    "now optional"
                };
                push(&mut schemas, breaking, format!("{at}: {now}"));
            }
        }
        for (name, nf) in new_fields {
            if !old_fields.contains_key(name) {
                let breaking = nf.required && req;
                let mut what = format!("{schema}.{name}: field added ({})", describe(nf));
                if resp {
                    what.push_str("; map it in src/widget_keys/model.rs");
                }
                push(&mut schemas, breaking, what);
            }
        }
        for change in &mut schemas[before..] {
            change.what.push_str(&hint);
        }
    }
    for schema in new_m.schemas.keys() {
        if !old_m.schemas.contains_key(schema) {
            push(&mut schemas, false, format!("{schema}: schema added"));
        }
    }
    (ops, schemas)
}

pub fn summarize(old: Option<&Value>, new: &Value) -> String {
    let empty = Value::Object(Default::default());
    let mut out = String::new();
    if old.is_none() {
        out.push_str("no previous openapi.json (or it is not JSON): everything below is new\n");
    }
    let (ops, schemas) = changes(old.unwrap_or(&empty), new);
    let breaking = ops.iter().chain(&schemas).filter(|c| c.breaking).count();
    let total = ops.len() + schemas.len();
    if total == 0 {
        out.push_str(
            "API changes: none (only descriptions, examples or other annotations differ)\n",
        );
        return out;
    }
    let _ = writeln!(
        out,
        "API changes: {breaking} breaking, {} non-breaking (for users of the facade)",
        total - breaking
    );
    for (title, list) in [("operations", &ops), ("schemas", &schemas)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {title}:");
        for change in list {
            let mark = if change.breaking {
                "BREAKING    "
            } else {
                "non-breaking"
            };
            let _ = writeln!(out, "    [{mark}] {}", change.what);
        }
    }
    out
}
