//! What progenitor needs and the Hub's spec may lack: an `operationId` on
//! every operation, and one body kind per side (success / error) of an
//! operation's responses (progenitor panics otherwise).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::select::METHODS;

/// Normalises the (3.0) document in place; returns notes, or the problems
/// that cannot be fixed.
///
/// `vendored` is the current `openapi.json`: the one place that names the
/// operations. An operation it already has (same method and path) keeps its
/// `operationId` there, whatever upstream says or does not say, so the
/// generated method names the facade calls never change under it. Any other
/// operation gets upstream's `operationId`, or `<method>_<path words>`.
pub fn normalize(
    doc: &mut Value,
    vendored: Option<&Value>,
) -> std::result::Result<Vec<String>, Vec<String>> {
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(notes);
    };
    let vendored_id = |method: &str, path: &str| {
        vendored?
            .get("paths")?
            .get(path)?
            .get(method)?
            .get("operationId")?
            .as_str()
            .map(str::to_string)
    };

    // First the ids the vendored spec fixes, then the others, so that a new
    // operation can never take a name the facade already calls.
    let mut kept: BTreeMap<(String, String), String> = BTreeMap::new();
    for (path, item) in paths.iter() {
        for method in METHODS {
            if item.get(*method).is_none() {
                continue;
            }
            if let Some(id) = vendored_id(method, path) {
                kept.insert((method.to_string(), path.clone()), id);
            }
        }
    }
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    for ((method, path), id) in &kept {
        let at = format!("{} {path}", method.to_uppercase());
        if let Some(other) = taken.insert(id.clone(), at.clone()) {
            errors.push(format!(
                "{at}: the vendored operationId {id:?} is also used by {other}; \
                 openapi.json is broken: restore it from git"
            ));
        }
    }
    let reserved: BTreeSet<String> = taken.keys().cloned().collect();

    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            let at = format!("{} {path}", method.to_uppercase());
            let upstream = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string);
            let id = match (kept.get(&(method.to_string(), path.clone())), upstream) {
                (Some(kept), Some(upstream)) if *kept != upstream => {
                    notes.push(format!(
                        "{at}: kept the vendored operationId {kept:?} (upstream calls it {upstream:?})"
                    ));
                    kept.clone()
                }
                (Some(kept), None) => {
                    notes.push(format!(
                        "{at}: no operationId upstream; kept the vendored {kept:?}"
                    ));
                    kept.clone()
                }
                (Some(kept), Some(_)) => kept.clone(),
                (None, upstream) => {
                    let derived = synthesize(method, path);
                    let id = match upstream {
                        Some(upstream) if !reserved.contains(&upstream) => upstream,
                        Some(upstream) => {
                            notes.push(format!(
                                "{at}: upstream's operationId {upstream:?} is the vendored name of \
                                 {}; named it {derived:?}",
                                taken
                                    .get(&upstream)
                                    .map(String::as_str)
                                    .unwrap_or("another operation")
                            ));
                            derived
                        }
                        None => {
                            notes.push(format!(
                                "{at}: no operationId upstream; named it {derived:?}"
                            ));
                            derived
                        }
                    };
                    if let Some(other) = taken.insert(id.clone(), at.clone()) {
                        errors.push(format!(
                            "{at}: operationId {id:?} is also used by {other}; operationIds \
                             must be unique: ask the Hub to fix its spec"
                        ));
                    }
                    id
                }
            };
            op.insert("operationId".into(), json!(id));
            responses(op, &at, &mut notes, &mut errors);
        }
    }
    if errors.is_empty() {
        Ok(notes)
    } else {
        Err(errors)
    }
}

/// A stable, readable name from the method and the path:
/// `GET /api/v1/widget-keys/{id}/usage` → `get_widget_keys_by_id_usage`.
pub fn synthesize(method: &str, path: &str) -> String {
    let mut words = vec![method.to_string()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment == "api"
            || (segment.starts_with('v')
                && segment[1..].chars().all(|c| c.is_ascii_digit())
                && segment.len() > 1)
        {
            continue;
        }
        let (prefix, name) = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => ("by_", param),
            None => ("", segment),
        };
        let mut word = String::from(prefix);
        let mut last_underscore = prefix.ends_with('_');
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                if c.is_ascii_uppercase() && !last_underscore && !word.is_empty() {
                    word.push('_');
                }
                word.push(c.to_ascii_lowercase());
                last_underscore = false;
            } else if !last_underscore && !word.is_empty() {
                word.push('_');
                last_underscore = true;
            }
        }
        let word = word.trim_matches('_').to_string();
        if !word.is_empty() {
            words.push(word);
        }
    }
    words.join("_")
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
enum Kind {
    Empty,
    Json(String),
    Raw,
}

fn kind(response: &Value) -> Kind {
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return Kind::Empty;
    };
    if content.is_empty() {
        return Kind::Empty;
    }
    // progenitor's rule: a body is typed when it is `application/json`.
    match content
        .iter()
        .find(|(media, _)| media.starts_with("application/json"))
    {
        Some((_, media)) => Kind::Json(
            media
                .get("schema")
                .map(Value::to_string)
                .unwrap_or_default(),
        ),
        None => Kind::Raw,
    }
}

fn describe(kind: &Kind) -> &'static str {
    match kind {
        Kind::Empty => "no body",
        Kind::Json(_) => "a JSON body",
        Kind::Raw => "a non-JSON body",
    }
}

fn responses(
    op: &mut serde_json::Map<String, Value>,
    at: &str,
    notes: &mut Vec<String>,
    errors: &mut Vec<String>,
) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let success = |s: &str| s.starts_with('2');
    let referenced: Vec<&String> = responses
        .iter()
        .filter(|(_, r)| r.get("$ref").is_some())
        .map(|(status, _)| status)
        .collect();
    if !referenced.is_empty() {
        errors.push(format!(
            "{at}: response(s) {} are $refs, which the body-kind check does not follow; \
             inline them or extend xtask/src/normalize.rs",
            referenced
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return;
    }
    for (side, on_side) in [("success", true), ("error", false)] {
        let mut kinds: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
        for (status, response) in responses.iter() {
            let is_error =
                status.starts_with('4') || status.starts_with('5') || status == "default";
            if (on_side && success(status)) || (!on_side && is_error) {
                kinds
                    .entry(kind(response))
                    .or_default()
                    .push(status.clone());
            }
        }
        if kinds.len() <= 1 {
            continue;
        }
        let typed: Vec<&Kind> = kinds.keys().filter(|k| **k != Kind::Empty).collect();
        if on_side && typed.len() == 1 {
            // e.g. PATCH 200 JSON + 204 empty: keep the typed one. The facade
            // treats an undeclared 2xx as success without a body.
            let empty = kinds.get(&Kind::Empty).cloned().unwrap_or_default();
            for status in &empty {
                responses.remove(status);
            }
            notes.push(format!(
                "{at}: removed the empty {} response(s) next to the typed one(s), \
                 because progenitor allows one success body kind",
                empty.join(", ")
            ));
            continue;
        }
        if !on_side
            && kinds.len() == 2
            && kinds.contains_key(&Kind::Empty)
            && kinds.contains_key(&Kind::Raw)
        {
            // e.g. 400 text/plain + 404 without content: the Hub's error
            // bodies are text, and an empty text body reads as "". Declaring
            // it keeps the status in the generated code (the facade reads
            // both the same way).
            let empty = kinds.get(&Kind::Empty).cloned().unwrap_or_default();
            for status in &empty {
                if let Some(response) = responses.get_mut(status).and_then(Value::as_object_mut) {
                    response.insert(
                        "content".into(),
                        json!({"text/plain": {"schema": {"type": "string"}}}),
                    );
                }
            }
            notes.push(format!(
                "{at}: gave the empty {} error response(s) a text/plain body like the others, \
                 because progenitor allows one error body kind",
                empty.join(", ")
            ));
            continue;
        }
        let listing: Vec<String> = kinds
            .iter()
            .map(|(k, statuses)| format!("{} → {}", statuses.join(", "), describe(k)))
            .collect();
        errors.push(format!(
            "{at}: the {side} responses mix body kinds ({}); progenitor cannot generate that. \
             Ask the Hub to make them agree, or add a rule to xtask/src/normalize.rs",
            listing.join("; ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: Option<&str>) -> Value {
        let mut op = json!({"responses": {"200": {"description": "ok"}}});
        if let Some(id) = id {
            op["operationId"] = json!(id);
        }
        op
    }

    fn ids(doc: &Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let id = op["operationId"].as_str().unwrap_or("").to_string();
                out.push((format!("{method} {path}"), id));
            }
        }
        out
    }

    #[test]
    fn the_vendored_spec_names_the_operations_it_has() {
        let vendored = json!({"paths": {
            "/api/v1/widget-keys": {"get": op(Some("list_widget_keys")), "post": op(Some("create_widget_key"))},
            "/api/v1/widget-keys/{id}": {"patch": op(Some("update_widget_key"))},
        }});
        let mut upstream = json!({"paths": {
            // No ids upstream: the vendored ones are kept.
            "/api/v1/widget-keys": {"get": op(None), "post": op(None)},
            // Upstream renames it: the vendored id is kept, with a note.
            "/api/v1/widget-keys/{id}": {"patch": op(Some("updateWidgetKey"))},
            // A new operation: upstream's id, or the derived one.
            "/api/v1/widget-keys/{id}/usage": {"get": op(None), "delete": op(Some("resetUsage"))},
            // Upstream reuses a name the facade calls: the new one is derived.
            "/api/v1/widget-keys/{id}/rotate": {"post": op(Some("create_widget_key"))},
        }});
        let notes = normalize(&mut upstream, Some(&vendored)).expect("normalises");
        let mut got = ids(&upstream);
        got.sort();
        let want = [
            ("get /api/v1/widget-keys", "list_widget_keys"),
            ("patch /api/v1/widget-keys/{id}", "update_widget_key"),
            ("post /api/v1/widget-keys", "create_widget_key"),
            (
                "post /api/v1/widget-keys/{id}/rotate",
                "post_widget_keys_by_id_rotate",
            ),
            ("delete /api/v1/widget-keys/{id}/usage", "resetUsage"),
            (
                "get /api/v1/widget-keys/{id}/usage",
                "get_widget_keys_by_id_usage",
            ),
        ];
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want);
        for note in [
            "GET /api/v1/widget-keys: no operationId upstream; kept the vendored \"list_widget_keys\"",
            "PATCH /api/v1/widget-keys/{id}: kept the vendored operationId \"update_widget_key\" (upstream calls it \"updateWidgetKey\")",
            "GET /api/v1/widget-keys/{id}/usage: no operationId upstream; named it \"get_widget_keys_by_id_usage\"",
            "POST /api/v1/widget-keys/{id}/rotate: upstream's operationId \"create_widget_key\" is the vendored name of POST /api/v1/widget-keys; named it \"post_widget_keys_by_id_rotate\"",
        ] {
            assert!(
                notes.iter().any(|n| n == note),
                "missing {note:?} in {notes:#?}"
            );
        }
        assert!(
            !notes.iter().any(|n| n.contains("resetUsage")),
            "an upstream id for a new operation is no news: {notes:#?}"
        );
    }

    #[test]
    fn without_a_vendored_spec_upstream_ids_win_and_duplicates_are_refused() {
        let mut upstream = json!({"paths": {
            "/a": {"get": op(Some("same"))},
            "/b": {"get": op(Some("same"))},
        }});
        let errors = normalize(&mut upstream, None).expect_err("duplicate ids");
        assert!(
            errors[0].contains("operationId \"same\" is also used by GET /a"),
            "{errors:?}"
        );
    }

    #[test]
    fn synthesized_names_are_readable_and_stable() {
        assert_eq!(synthesize("get", "/api/v1/widget-keys"), "get_widget_keys");
        assert_eq!(
            synthesize("delete", "/api/v1/widget-keys/{id}"),
            "delete_widget_keys_by_id"
        );
        assert_eq!(
            synthesize("post", "/api/v1/agents/{agentId}/callLogs"),
            "post_agents_by_agent_id_call_logs"
        );
    }
}
