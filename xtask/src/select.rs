//! Keeps the operations the SDK covers, and every component they reach.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::pointer;
use crate::{Failure, Result};

/// The tags whose operations the SDK vendors: THE one list. Add a tag here
/// (and wrap its operations in the facade) to cover more of the Hub's API.
pub const COVERED_TAGS: &[&str] = &["Widget Keys", "API Keys"];

pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The selected document, and notes about what was left out.
pub fn select(doc: &Value, origin: &str, notes: &mut Vec<String>) -> Result<Value> {
    let root = doc
        .as_object()
        .ok_or_else(|| Failure(format!("{origin}: the document is not an object")))?;
    let paths = root
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            Failure(format!(
                "{origin} has no `paths` object, so it has no operations; check the source"
            ))
        })?;

    let mut kept_paths = Map::new();
    let mut dropped = 0usize;
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            return Err(Failure(format!(
                "{origin}: {} is not a path item object",
                pointer::push("/paths", path)
            )));
        };
        if item.contains_key("$ref") {
            return Err(Failure(format!(
                "{origin}: {} is a $ref path item, which the xtask does not resolve; \
                 inline it or extend xtask/src/select.rs",
                pointer::push("/paths", path)
            )));
        }
        let mut kept = Map::new();
        for (key, value) in item {
            if METHODS.contains(&key.as_str()) {
                let tags: Vec<&str> = value
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|tags| tags.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if tags.iter().any(|t| COVERED_TAGS.contains(t)) {
                    kept.insert(key.clone(), value.clone());
                } else {
                    dropped += 1;
                }
            }
        }
        if !kept.is_empty() {
            for (key, value) in item {
                if !METHODS.contains(&key.as_str()) {
                    kept.insert(key.clone(), value.clone());
                }
            }
            kept_paths.insert(path.clone(), Value::Object(kept));
        }
    }
    if kept_paths.is_empty() {
        return Err(Failure(format!(
            "{origin} has no operations tagged {}; if the Hub renamed the tag, \
             update COVERED_TAGS in xtask/src/select.rs (and CONTRIBUTING.md)",
            COVERED_TAGS
                .iter()
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    }
    if dropped > 0 {
        notes.push(format!(
            "left out {dropped} operation(s) not tagged {} (see COVERED_TAGS in xtask/src/select.rs)",
            COVERED_TAGS.join(", ")
        ));
    }

    let mut out = Map::new();
    for (key, value) in root {
        match key.as_str() {
            "paths" | "components" | "tags" => {}
            "webhooks" => {
                let count = value.as_object().map(Map::len).unwrap_or(0);
                notes.push(format!(
                    "left out {count} webhook(s): the SDK does not cover them (and OpenAPI 3.0 has no webhooks)"
                ));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out.insert("paths".into(), Value::Object(kept_paths));

    // Tags: only the covered ones, in the order the spec lists them.
    if let Some(tags) = root.get("tags").and_then(Value::as_array) {
        let kept: Vec<Value> = tags
            .iter()
            .filter(|t| {
                t.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| COVERED_TAGS.contains(&n))
            })
            .cloned()
            .collect();
        if !kept.is_empty() {
            out.insert("tags".into(), Value::Array(kept));
        }
    }

    // Components reached from everything kept so far, transitively.
    let components = root.get("components").and_then(Value::as_object);
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut queue: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    collect_refs(&Value::Object(out.clone()), "", &mut queue, &mut problems);
    // Security requirements name schemes without a $ref.
    let mut security_names = BTreeSet::new();
    collect_security(&Value::Object(out.clone()), &mut security_names);
    for name in security_names {
        queue.push(("securitySchemes".into(), name));
    }
    while let Some((section, name)) = queue.pop() {
        if !reached
            .entry(section.clone())
            .or_default()
            .insert(name.clone())
        {
            continue;
        }
        let Some(target) = components
            .and_then(|c| c.get(&section))
            .and_then(|s| s.get(&name))
        else {
            problems.push(format!(
                "#/components/{section}/{name} is referenced but not defined"
            ));
            continue;
        };
        let at = pointer::push(&pointer::push("/components", &section), &name);
        collect_refs(target, &at, &mut queue, &mut problems);
    }
    if !problems.is_empty() {
        return Err(Failure(format!(
            "{origin}: the covered operations cannot be resolved:\n  {}\nthe spec is broken upstream; \
             report it to the Hub team",
            problems.join("\n  ")
        )));
    }
    let mut kept_components = Map::new();
    if let Some(components) = components {
        for (section, names) in &reached {
            let mut kept = Map::new();
            for name in names {
                if let Some(v) = components.get(section).and_then(|s| s.get(name)) {
                    kept.insert(name.clone(), v.clone());
                }
            }
            if !kept.is_empty() {
                kept_components.insert(section.clone(), Value::Object(kept));
            }
        }
        for (key, value) in components {
            if key.starts_with("x-") {
                kept_components.insert(key.clone(), value.clone());
            }
        }
    }
    if !kept_components.is_empty() {
        out.insert("components".into(), Value::Object(kept_components));
    }
    Ok(Value::Object(out))
}

fn collect_refs(
    value: &Value,
    at: &str,
    queue: &mut Vec<(String, String)>,
    problems: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_at = pointer::push(at, key);
                if key == "$ref" {
                    if let Some(reference) = child.as_str() {
                        match pointer::component_of_ref(reference) {
                            Some(component) => queue.push(component),
                            None => problems.push(format!(
                                "{child_at}: {reference:?} is not a local #/components/… reference \
                                 (external references are not supported)"
                            )),
                        }
                    }
                } else if key == "example" || (key == "examples" && child.is_array()) {
                    // Example values are data, not references.
                } else {
                    collect_refs(child, &child_at, queue, problems);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_refs(item, &format!("{at}/{i}"), queue, problems);
            }
        }
        _ => {}
    }
}

fn collect_security(value: &Value, names: &mut BTreeSet<String>) {
    let add = |requirements: &Value, names: &mut BTreeSet<String>| {
        if let Some(list) = requirements.as_array() {
            for requirement in list {
                if let Some(map) = requirement.as_object() {
                    names.extend(map.keys().cloned());
                }
            }
        }
    };
    if let Some(security) = value.get("security") {
        add(security, names);
    }
    if let Some(paths) = value.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            for method in METHODS {
                if let Some(security) = item.get(*method).and_then(|op| op.get("security")) {
                    add(security, names);
                }
            }
        }
    }
}
