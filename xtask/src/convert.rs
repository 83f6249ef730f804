//! OpenAPI 3.1 → 3.0.3 down-conversion, written here in Rust (see
//! CONTRIBUTING.md, "Why the down-conversion is ours").
//!
//! It walks the document structurally (it knows where schemas are) and
//! converts what the Hub's Go-generated 3.1 specs use. Anything it cannot
//! express in 3.0 faithfully is an error naming the JSON pointer; the only
//! things it drops are annotations 3.0 cannot hold, and each drop is reported
//! as a note.

use serde_json::{Map, Value, json};

use crate::pointer::push;

/// Keywords a 3.0 schema cannot hold and that change what a value may be:
/// never dropped, always an error.
const UNSUPPORTED: &[&str] = &[
    "$defs",
    "$dynamicRef",
    "$dynamicAnchor",
    "$anchor",
    "$id",
    "$schema",
    "$vocabulary",
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "patternProperties",
    "propertyNames",
    "contains",
    "minContains",
    "maxContains",
];

/// Siblings of a `$ref` that only annotate it. OpenAPI 3.0 ignores every
/// sibling of `$ref`, so these are dropped (with a note).
const REF_ANNOTATIONS: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// The dialects that mean "plain OpenAPI 3.1 schemas".
const KNOWN_DIALECTS: &[&str] = &[
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://json-schema.org/draft/2020-12/schema",
];

pub struct Converter {
    pub notes: Vec<String>,
    pub errors: Vec<String>,
}

/// Converts a (selected) 3.1 document in place. Errors name JSON pointers.
pub fn down_convert(doc: &mut Value) -> std::result::Result<Vec<String>, Vec<String>> {
    let mut c = Converter {
        notes: Vec::new(),
        errors: Vec::new(),
    };
    c.document(doc);
    if c.errors.is_empty() {
        Ok(c.notes)
    } else {
        Err(c.errors)
    }
}

impl Converter {
    fn note(&mut self, message: String) {
        self.notes.push(message);
    }

    fn error(&mut self, message: String) {
        self.errors.push(message);
    }

    fn document(&mut self, doc: &mut Value) {
        let Some(root) = doc.as_object_mut() else {
            return;
        };
        root.insert("openapi".into(), json!("3.0.3"));
        if let Some(dialect) = root.remove("jsonSchemaDialect")
            && !dialect
                .as_str()
                .is_some_and(|d| KNOWN_DIALECTS.contains(&d))
        {
            self.error(format!(
                "/jsonSchemaDialect: {dialect} is not the OpenAPI 3.1 base dialect, \
                 so its schemas cannot be read as 3.0 schemas"
            ));
        }
        if root.contains_key("webhooks") {
            self.error("/webhooks: OpenAPI 3.0 has no webhooks".into());
        }
        if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
            if let Some(summary) = info.remove("summary") {
                self.note(format!(
                    "dropped /info/summary ({summary}): OpenAPI 3.0 has no info summary"
                ));
            }
            if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut)
                && let Some(identifier) = license.remove("identifier")
            {
                match identifier.as_str() {
                    // 3.0 has only `url`: point it at the SPDX licence page.
                    Some(id) if !license.contains_key("url") => {
                        license.insert(
                            "url".into(),
                            json!(format!("https://spdx.org/licenses/{id}.html")),
                        );
                    }
                    // 3.1 forbids both; the url says it all.
                    Some(_) => {}
                    None => self.error(format!(
                        "/info/license/identifier: {identifier} is not an SPDX identifier string"
                    )),
                }
            }
        }
        if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
            for (path, item) in paths.iter_mut() {
                let at = push("/paths", path);
                self.path_item(item, &at);
            }
        }
        if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
            if components.contains_key("pathItems") {
                self.error("/components/pathItems: OpenAPI 3.0 has no reusable path items".into());
            }
            for (section, entries) in components.iter_mut() {
                let Some(entries) = entries.as_object_mut() else {
                    continue;
                };
                for (name, entry) in entries.iter_mut() {
                    let at = push(&push("/components", section), name);
                    match section.as_str() {
                        "schemas" => self.schema(entry, &at),
                        "parameters" | "headers" => self.parameter(entry, &at),
                        "requestBodies" | "responses" => self.body(entry, &at),
                        _ => {}
                    }
                }
            }
        }
    }

    fn path_item(&mut self, item: &mut Value, at: &str) {
        let Some(item) = item.as_object_mut() else {
            return;
        };
        for (key, value) in item.iter_mut() {
            let child = push(at, key);
            if key == "parameters" {
                self.parameters(value, &child);
            } else if crate::select::METHODS.contains(&key.as_str()) {
                self.operation(value, &child);
            }
        }
    }

    fn operation(&mut self, op: &mut Value, at: &str) {
        let Some(op) = op.as_object_mut() else { return };
        if op.contains_key("callbacks") {
            self.error(format!(
                "{}: callbacks are not converted; extend xtask/src/convert.rs",
                push(at, "callbacks")
            ));
        }
        if let Some(parameters) = op.get_mut("parameters") {
            self.parameters(parameters, &push(at, "parameters"));
        }
        if let Some(body) = op.get_mut("requestBody") {
            self.body(body, &push(at, "requestBody"));
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                let child = push(&push(at, "responses"), status);
                self.body(response, &child);
            }
        }
    }

    fn parameters(&mut self, list: &mut Value, at: &str) {
        if let Some(list) = list.as_array_mut() {
            for (i, p) in list.iter_mut().enumerate() {
                self.parameter(p, &format!("{at}/{i}"));
            }
        }
    }

    /// A reference object outside a schema: 3.1 allows `summary` and
    /// `description` next to `$ref`, 3.0 does not.
    fn reference(&mut self, map: &mut Map<String, Value>, at: &str) -> bool {
        if !map.contains_key("$ref") {
            return false;
        }
        let siblings: Vec<String> = map.keys().filter(|k| *k != "$ref").cloned().collect();
        for key in siblings {
            if REF_ANNOTATIONS.contains(&key.as_str()) || key.starts_with("x-") {
                map.remove(&key);
                self.note(format!(
                    "dropped {}: OpenAPI 3.0 ignores siblings of $ref",
                    push(at, &key)
                ));
            } else {
                self.error(format!(
                    "{}: `{key}` next to $ref changes its meaning, and OpenAPI 3.0 ignores \
                     siblings of $ref; move it into the referenced component upstream",
                    push(at, &key)
                ));
            }
        }
        true
    }

    /// A parameter or header object.
    fn parameter(&mut self, p: &mut Value, at: &str) {
        let Some(map) = p.as_object_mut() else { return };
        if self.reference(map, at) {
            return;
        }
        if let Some(schema) = map.get_mut("schema") {
            self.schema(schema, &push(at, "schema"));
        }
        if let Some(content) = map.get_mut("content") {
            self.content(content, &push(at, "content"));
        }
    }

    /// A request body or a response object.
    fn body(&mut self, b: &mut Value, at: &str) {
        let Some(map) = b.as_object_mut() else { return };
        if self.reference(map, at) {
            return;
        }
        if let Some(content) = map.get_mut("content") {
            self.content(content, &push(at, "content"));
        }
        if let Some(headers) = map.get_mut("headers").and_then(Value::as_object_mut) {
            for (name, header) in headers.iter_mut() {
                let child = push(&push(at, "headers"), name);
                self.parameter(header, &child);
            }
        }
    }

    fn content(&mut self, content: &mut Value, at: &str) {
        let Some(content) = content.as_object_mut() else {
            return;
        };
        for (media_type, media) in content.iter_mut() {
            let media_at = push(at, media_type);
            if let Some(schema) = media.get_mut("schema") {
                self.schema(schema, &push(&media_at, "schema"));
            }
        }
    }

    pub fn schema(&mut self, schema: &mut Value, at: &str) {
        let map = match schema {
            Value::Object(map) => map,
            Value::Bool(_) => {
                self.error(format!("{at}: boolean schemas do not exist in OpenAPI 3.0"));
                return;
            }
            _ => {
                self.error(format!("{at}: a schema must be an object"));
                return;
            }
        };

        if map.contains_key("$ref") {
            self.reference(map, at);
            return;
        }

        for keyword in UNSUPPORTED {
            if map.contains_key(*keyword) {
                self.error(format!(
                    "{}: `{keyword}` has no OpenAPI 3.0 equivalent; ask the Hub to avoid it \
                     or extend xtask/src/convert.rs",
                    push(at, keyword)
                ));
            }
        }
        if let Some(comment) = map.remove("$comment") {
            self.note(format!("dropped {} ({comment})", push(at, "$comment")));
        }

        for key in ["oneOf", "anyOf"] {
            self.null_branch(map, at, key);
        }
        self.type_array(map, at);

        if let Some(value) = map.remove("const") {
            match map.get("enum") {
                Some(Value::Array(values)) if values == &vec![value.clone()] => {}
                Some(_) => self.error(format!(
                    "{}: both `const` and a different `enum`",
                    push(at, "const")
                )),
                None => {
                    map.insert("enum".into(), Value::Array(vec![value]));
                }
            }
        }

        if let Some(examples) = map.remove("examples") {
            match examples {
                Value::Array(items) => {
                    if let Some(first) = items.into_iter().next() {
                        map.entry("example").or_insert(first);
                    }
                }
                other => self.error(format!(
                    "{}: schema `examples` must be an array, not {other}",
                    push(at, "examples")
                )),
            }
        }

        self.exclusive(map, "exclusiveMinimum", "minimum", |bound, other| {
            bound >= other
        });
        self.exclusive(map, "exclusiveMaximum", "maximum", |bound, other| {
            bound <= other
        });

        self.content_keywords(map, at);

        // Recurse into subschemas.
        if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, property) in properties.iter_mut() {
                let child = push(&push(at, "properties"), name);
                self.schema(property, &child);
            }
        }
        for key in ["items", "not"] {
            if let Some(sub) = map.get_mut(key) {
                self.schema(sub, &push(at, key));
            }
        }
        if let Some(additional) = map.get_mut("additionalProperties")
            && additional.is_object()
        {
            self.schema(additional, &push(at, "additionalProperties"));
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(list) = map.get_mut(key).and_then(Value::as_array_mut) {
                let list_at = push(at, key);
                for (i, sub) in list.iter_mut().enumerate() {
                    self.schema(sub, &format!("{list_at}/{i}"));
                }
            }
        }
    }

    /// `type: [X, "null"]` → `type: X, nullable: true`.
    fn type_array(&mut self, map: &mut Map<String, Value>, at: &str) {
        let type_at = push(at, "type");
        match map.get("type") {
            Some(Value::Array(types)) => {
                let mut nullable = false;
                let mut others = Vec::new();
                for t in types {
                    match t.as_str() {
                        Some("null") => nullable = true,
                        Some(other) => others.push(other.to_string()),
                        None => {
                            self.error(format!("{type_at}: {t} is not a type name"));
                            return;
                        }
                    }
                }
                match others.as_slice() {
                    [one] => {
                        map.insert("type".into(), json!(one));
                        if nullable {
                            map.insert("nullable".into(), json!(true));
                        }
                    }
                    [] => self.error(format!(
                        "{type_at}: a schema that only allows null has no OpenAPI 3.0 form"
                    )),
                    _ => self.error(format!(
                        "{type_at}: several types ({}) have no faithful OpenAPI 3.0 form; \
                         ask the Hub to use oneOf, or extend xtask/src/convert.rs",
                        others.join(", ")
                    )),
                }
            }
            Some(Value::String(t)) if t == "null" => self.error(format!(
                "{type_at}: `type: null` alone has no OpenAPI 3.0 form"
            )),
            _ => {}
        }
    }

    /// Numeric `exclusiveMinimum: n` → `minimum: n, exclusiveMinimum: true`
    /// (and the same for the maximum), keeping the stricter bound when both
    /// the inclusive and the exclusive one are given.
    fn exclusive(
        &mut self,
        map: &mut Map<String, Value>,
        exclusive: &str,
        inclusive: &str,
        exclusive_wins: fn(f64, f64) -> bool,
    ) {
        let Some(bound) = map.get(exclusive).filter(|v| v.is_number()).cloned() else {
            return;
        };
        let Some(b) = bound.as_f64() else { return };
        match map.get(inclusive).and_then(Value::as_f64) {
            Some(other) if !exclusive_wins(b, other) => {
                // The inclusive bound is stricter: the exclusive one says nothing more.
                map.remove(exclusive);
            }
            _ => {
                map.insert(inclusive.into(), bound);
                map.insert(exclusive.into(), json!(true));
            }
        }
    }

    /// `contentEncoding: base64` → `format: byte`;
    /// `contentMediaType: application/octet-stream` → `format: binary`.
    fn content_keywords(&mut self, map: &mut Map<String, Value>, at: &str) {
        let encoding = map.remove("contentEncoding");
        let media_type = map.remove("contentMediaType");
        if encoding.is_none() && media_type.is_none() {
            return;
        }
        let format = match (
            encoding.as_ref().and_then(Value::as_str),
            media_type.as_ref().and_then(Value::as_str),
        ) {
            (Some("base64"), _) => "byte",
            (None, Some("application/octet-stream")) => "binary",
            (Some(other), _) => {
                self.error(format!(
                    "{}: contentEncoding {other:?} has no OpenAPI 3.0 form (only base64 → format: byte)",
                    push(at, "contentEncoding")
                ));
                return;
            }
            (None, Some(other)) => {
                self.error(format!(
                    "{}: contentMediaType {other:?} has no OpenAPI 3.0 form \
                     (only application/octet-stream → format: binary)",
                    push(at, "contentMediaType")
                ));
                return;
            }
            (None, None) => {
                self.error(format!(
                    "{at}: contentEncoding/contentMediaType must be strings"
                ));
                return;
            }
        };
        match map.get("format").and_then(Value::as_str) {
            Some(existing) if existing != format => self.error(format!(
                "{}: format {existing:?} contradicts the content keywords (which mean {format:?})",
                push(at, "format")
            )),
            _ => {
                map.insert("format".into(), json!(format));
            }
        }
    }

    /// `oneOf: [S, {type: null}]` → S with `nullable: true`.
    fn null_branch(&mut self, map: &mut Map<String, Value>, at: &str, key: &str) {
        let Some(Value::Array(branches)) = map.get(key) else {
            return;
        };
        let is_null = |b: &Value| {
            b.get("type").and_then(Value::as_str) == Some("null")
                && b.as_object()
                    .is_some_and(|o| o.keys().all(|k| k == "type" || k == "description"))
        };
        if !branches.iter().any(is_null) {
            return;
        }
        let rest: Vec<Value> = branches.iter().filter(|b| !is_null(b)).cloned().collect();
        match rest.len() {
            0 => self.error(format!("{}: only null is allowed", push(at, key))),
            1 => {
                map.remove(key);
                let only = rest.into_iter().next().unwrap_or(Value::Null);
                if only.get("$ref").is_some() {
                    // 3.0 cannot put `nullable` next to $ref: wrap it.
                    map.insert("allOf".into(), Value::Array(vec![only]));
                } else if let Value::Object(inner) = only {
                    for (k, v) in inner {
                        if map.contains_key(&k) {
                            self.error(format!(
                                "{}: `{k}` is given both inside and next to {key}",
                                push(at, key)
                            ));
                            return;
                        }
                        map.insert(k, v);
                    }
                }
                map.insert("nullable".into(), json!(true));
            }
            _ => {
                map.insert(key.into(), Value::Array(rest));
                map.insert("nullable".into(), json!(true));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert_schema(schema: Value) -> Result<(Value, Vec<String>), Vec<String>> {
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"S": schema}},
        });
        let notes = down_convert(&mut doc)?;
        Ok((doc["components"]["schemas"]["S"].clone(), notes))
    }

    fn converted(schema: Value) -> Value {
        match convert_schema(schema) {
            Ok((schema, _)) => schema,
            Err(errors) => panic!("unexpected errors: {errors:?}"),
        }
    }

    fn errors(schema: Value) -> String {
        match convert_schema(schema) {
            Ok((schema, _)) => panic!("expected an error, got {schema}"),
            Err(errors) => errors.join("\n"),
        }
    }

    #[test]
    fn type_with_null_becomes_nullable() {
        assert_eq!(
            converted(json!({"type": ["string", "null"], "format": "date-time"})),
            json!({"type": "string", "format": "date-time", "nullable": true})
        );
        assert_eq!(
            converted(json!({"type": ["integer"]})),
            json!({"type": "integer"})
        );
        assert_eq!(
            converted(
                json!({"type": "object", "properties": {"a": {"type": ["null", "boolean"]}}})
            ),
            json!({"type": "object", "properties": {"a": {"type": "boolean", "nullable": true}}})
        );
    }

    #[test]
    fn several_types_are_refused_with_the_pointer() {
        let message = errors(json!({"properties": {"a": {"type": ["string", "integer"]}}}));
        assert!(
            message.contains("/components/schemas/S/properties/a/type"),
            "{message}"
        );
        assert!(message.contains("string, integer"), "{message}");
        assert!(errors(json!({"type": "null"})).contains("/components/schemas/S/type"));
    }

    #[test]
    fn const_becomes_a_one_value_enum() {
        assert_eq!(
            converted(json!({"const": "elevenlabs"})),
            json!({"enum": ["elevenlabs"]})
        );
        assert!(errors(json!({"const": 1, "enum": [2]})).contains("/components/schemas/S/const"));
    }

    #[test]
    fn examples_become_example() {
        assert_eq!(
            converted(json!({"type": "string", "examples": ["a", "b"]})),
            json!({"type": "string", "example": "a"})
        );
        assert_eq!(
            converted(json!({"type": "string", "example": "x", "examples": ["a"]})),
            json!({"type": "string", "example": "x"})
        );
        assert_eq!(converted(json!({"examples": []})), json!({}));
    }

    #[test]
    fn numeric_exclusive_bounds_become_the_3_0_form() {
        assert_eq!(
            converted(json!({"type": "number", "exclusiveMinimum": 0, "maximum": 2})),
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 2})
        );
        assert_eq!(
            converted(json!({"exclusiveMaximum": 10})),
            json!({"maximum": 10, "exclusiveMaximum": true})
        );
        // The inclusive bound is stricter: it alone says everything.
        assert_eq!(
            converted(json!({"minimum": 5, "exclusiveMinimum": 1})),
            json!({"minimum": 5})
        );
        // The exclusive bound is stricter.
        assert_eq!(
            converted(json!({"minimum": 1, "exclusiveMinimum": 5})),
            json!({"minimum": 5, "exclusiveMinimum": true})
        );
    }

    #[test]
    fn ref_siblings() {
        let (schema, notes) =
            convert_schema(json!({"$ref": "#/components/schemas/T", "description": "d"}))
                .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(schema, json!({"$ref": "#/components/schemas/T"}));
        assert!(
            notes
                .iter()
                .any(|n| n.contains("/components/schemas/S/description")),
            "{notes:?}"
        );
        let message = errors(json!({"$ref": "#/components/schemas/T", "maxLength": 3}));
        assert!(
            message.contains("/components/schemas/S/maxLength"),
            "{message}"
        );
    }

    #[test]
    fn content_keywords_on_strings() {
        assert_eq!(
            converted(
                json!({"type": "string", "contentEncoding": "base64", "contentMediaType": "audio/wav"})
            ),
            json!({"type": "string", "format": "byte"})
        );
        assert_eq!(
            converted(json!({"type": "string", "contentMediaType": "application/octet-stream"})),
            json!({"type": "string", "format": "binary"})
        );
        assert!(
            errors(json!({"type": "string", "contentMediaType": "image/png"}))
                .contains("/components/schemas/S/contentMediaType")
        );
        assert!(
            errors(json!({"type": "string", "contentEncoding": "base32"}))
                .contains("/components/schemas/S/contentEncoding")
        );
        assert!(
            errors(json!({"type": "string", "format": "uri", "contentEncoding": "base64"}))
                .contains("/components/schemas/S/format")
        );
    }

    #[test]
    fn null_branches_become_nullable() {
        assert_eq!(
            converted(json!({"oneOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]})),
            json!({"allOf": [{"$ref": "#/components/schemas/T"}], "nullable": true})
        );
        assert_eq!(
            converted(
                json!({"anyOf": [{"type": "string", "examples": ["x"]}, {"type": "null"}], "description": "d"})
            ),
            json!({"type": "string", "example": "x", "nullable": true, "description": "d"})
        );
    }

    #[test]
    fn unsupported_keywords_are_errors_not_drops() {
        let message = errors(json!({"type": "array", "prefixItems": [{"type": "string"}]}));
        assert!(
            message.contains("/components/schemas/S/prefixItems"),
            "{message}"
        );
        assert!(
            errors(json!({"properties": {"a": true}}))
                .contains("/components/schemas/S/properties/a")
        );
    }

    #[test]
    fn document_level_keywords() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {"title": "t", "version": "1", "summary": "s", "license": {"name": "MIT", "identifier": "MIT"}},
            "paths": {"/a": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": ["integer", "null"]}}],
                "responses": {"200": {"description": "ok", "headers": {"X": {"schema": {"const": 1}}},
                    "content": {"application/json": {"schema": {"examples": [1]}}}}}}}},
        });
        let notes = down_convert(&mut doc).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(doc.get("jsonSchemaDialect").is_none());
        assert_eq!(
            doc["info"]["license"],
            json!({"name": "MIT", "url": "https://spdx.org/licenses/MIT.html"})
        );
        assert!(doc["info"].get("summary").is_none());
        assert!(notes.iter().any(|n| n.contains("/info/summary")));
        let get = &doc["paths"]["/a"]["get"];
        assert_eq!(
            get["parameters"][0]["schema"],
            json!({"type": "integer", "nullable": true})
        );
        assert_eq!(
            get["responses"]["200"]["headers"]["X"]["schema"],
            json!({"enum": [1]})
        );
        assert_eq!(
            get["responses"]["200"]["content"]["application/json"]["schema"],
            json!({"example": 1})
        );

        let mut doc = json!({"openapi": "3.1.0", "jsonSchemaDialect": "https://example.com/custom", "webhooks": {}});
        let errors = down_convert(&mut doc).err().unwrap_or_default().join("\n");
        assert!(
            errors.contains("/jsonSchemaDialect") && errors.contains("/webhooks"),
            "{errors}"
        );
    }
}
