//! Which component schemas the facade meets (through which operations, on
//! which side), and which schemas were renamed upstream.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::pointer::component_of_ref;
use crate::select::METHODS;

use super::model::{Node, model, resolve};

pub(super) fn refs(value: &Value, out: &mut BTreeSet<String>) {
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

/// Every component name reachable from `start`.
pub(super) fn closure(doc: &Value, start: &Value) -> BTreeSet<String> {
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

/// Which schemas the facade meets, and how: reached from the operations it
/// calls, through a request (a PATCH body itself apart) or a response.
#[derive(Default)]
pub(super) struct Reach {
    pub(super) request: BTreeSet<String>,
    pub(super) patch_body: BTreeSet<String>,
    pub(super) response: BTreeSet<String>,
    /// schema → the operations (ids) that reach it.
    pub(super) by: BTreeMap<String, BTreeSet<String>>,
}

pub(super) fn reach(
    doc: &Value,
    called: &dyn Fn(&str) -> bool,
    renames: &BTreeMap<String, String>,
) -> Reach {
    let mut r = Reach::default();
    let rename = |n: String| renames.get(&n).cloned().unwrap_or(n);
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return r;
    };
    for item in paths.values() {
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
            if !called(id) {
                continue;
            }
            let mut request = BTreeSet::new();
            for params in [item.get("parameters"), op.get("parameters")]
                .into_iter()
                .flatten()
            {
                request.extend(closure(doc, params));
            }
            if let Some(body) = op.get("requestBody") {
                request.extend(closure(doc, body));
                if *method == "patch"
                    && let Some((section_name, name)) = resolve(doc, body)
                        .pointer("/content/application~1json/schema/$ref")
                        .and_then(Value::as_str)
                        .and_then(component_of_ref)
                    && section_name == "schemas"
                {
                    r.patch_body.insert(rename(name));
                }
            }
            let response = op
                .get("responses")
                .map(|responses| closure(doc, responses))
                .unwrap_or_default();
            for name in request.iter().chain(&response) {
                r.by.entry(rename(name.clone()))
                    .or_default()
                    .insert(id.to_string());
            }
            r.request.extend(request.into_iter().map(rename));
            r.response.extend(response.into_iter().map(rename));
        }
    }
    r
}

/// The direct component `$ref` of a schema, or of its array items.
pub(super) fn ref_name(node: &Node) -> Option<&str> {
    match &node.items {
        Some(items) => ref_name(items),
        None => node.kind.strip_prefix("ref "),
    }
}

/// Schemas renamed upstream: an operation's body or JSON response used
/// `old` and now uses `new`, `old` is gone and `new` is new.
pub(super) fn find_renames(old: &Value, new: &Value) -> BTreeMap<String, String> {
    let none = BTreeMap::new();
    let (om, nm) = (model(old, &none), model(new, &none));
    let mut renames = BTreeMap::new();
    let mut pair = |a: Option<&Node>, b: Option<&Node>| {
        if let (Some(a), Some(b)) = (a.and_then(ref_name), b.and_then(ref_name))
            && a != b
            && !nm.schemas.contains_key(a)
            && !om.schemas.contains_key(b)
        {
            renames.insert(a.to_string(), b.to_string());
        }
    };
    for (key, o) in &om.ops {
        let Some(n) = nm.ops.get(key) else {
            continue;
        };
        pair(
            o.body.as_ref().map(|f| &f.node),
            n.body.as_ref().map(|f| &f.node),
        );
        for (status, (_, schema)) in &o.responses {
            if let Some((_, new_schema)) = n.responses.get(status) {
                pair(schema.as_ref(), new_schema.as_ref());
            }
        }
    }
    renames
}
