//! Where a spec comes from (a URL or a file) and how it is parsed.
//!
//! Crates: `ureq` for HTTP (small, blocking, maintained; no async runtime in
//! a build tool) with rustls + ring, which the SDK already compiles; and
//! `serde_norway` for YAML: `serde_yaml` is unmaintained (archived in 2024)
//! and serde_norway is its maintained continuation with the same API.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Number, Value};

use crate::{Failure, Result};

pub enum Source {
    Url(String),
    File(PathBuf),
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Url(url) => url.clone(),
            Source::File(path) => path.display().to_string(),
        }
    }

    /// The raw bytes of the spec.
    pub fn read(&self, timeout: Duration) -> Result<Vec<u8>> {
        match self {
            Source::File(path) => std::fs::read(path).map_err(|err| {
                Failure(format!(
                    "cannot read {}: {err}; check the path given to --file",
                    path.display()
                ))
            }),
            Source::Url(url) => fetch(url, timeout),
        }
    }
}

/// The most the xtask accepts from the network (the whole Hub spec is a few
/// hundred KiB).
const MAX_BYTES: u64 = 32 * 1024 * 1024;

fn fetch(url: &str, timeout: Duration) -> Result<Vec<u8>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let what_to_do = "check the address and your network, or download the spec \
                      yourself and pass it with --file";
    let mut response = agent
        .get(url)
        .header(
            "Accept",
            "application/yaml, application/json;q=0.9, */*;q=0.5",
        )
        .call()
        .map_err(|err| match err {
            ureq::Error::Timeout(_) => Failure(format!(
                "cannot fetch {url}: no complete answer within {} s; {what_to_do} \
                 (or raise --timeout)",
                timeout.as_secs()
            )),
            err => Failure(format!("cannot fetch {url}: {err}; {what_to_do}")),
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(Failure(format!(
            "cannot fetch {url}: the server answered HTTP {status}; {what_to_do}"
        )));
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_BYTES)
        .read_to_vec()
        .map_err(|err| {
            Failure(format!(
                "cannot read the body of {url}: {err}; {what_to_do}"
            ))
        })
}

/// Parses JSON or YAML (YAML is a superset, but JSON is tried first for its
/// better error messages on JSON input).
pub fn parse(bytes: &[u8], origin: &str) -> Result<Value> {
    let text = std::str::from_utf8(bytes).map_err(|err| {
        Failure(format!(
            "{origin} is not UTF-8 text ({err}); is it really an OpenAPI spec?"
        ))
    })?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(Failure(format!(
            "{origin} is empty; expected an OpenAPI spec in JSON or YAML"
        )));
    }
    let value = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str::<Value>(trimmed).map_err(|err| {
            Failure(format!(
                "{origin} is not valid JSON: {err}; fix the file or fetch it again"
            ))
        })?
    } else {
        let invalid = |err: serde_norway::Error| {
            Failure(format!(
                "{origin} is neither JSON nor valid YAML: {err}; fix the file or fetch it again"
            ))
        };
        let mut yaml: serde_norway::Value = serde_norway::from_str(trimmed).map_err(invalid)?;
        // `<<: *anchor` merge keys, which YAML specs sometimes use.
        yaml.apply_merge().map_err(invalid)?;
        yaml_to_json(yaml, "").map_err(|problem| {
            Failure(format!(
                "{origin}: {problem}; it cannot be represented as JSON"
            ))
        })?
    };
    if !value.is_object() {
        return Err(Failure(format!(
            "{origin} is not an OpenAPI document (its top level is not an object)"
        )));
    }
    Ok(value)
}

fn yaml_to_json(yaml: serde_norway::Value, at: &str) -> std::result::Result<Value, String> {
    use serde_norway::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Value::Number(
                    Number::from_f64(f)
                        .ok_or_else(|| format!("the number at {at} is not finite"))?,
                )
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| yaml_to_json(item, &format!("{at}/{i}")))
                .collect::<std::result::Result<_, _>>()?,
        ),
        Y::Mapping(mapping) => {
            let mut map = Map::new();
            for (key, value) in mapping {
                // Unquoted response codes (`200:`) are YAML integers.
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(format!("a key at {at} is not a string: {other:?}")),
                };
                let child = crate::pointer::push(at, &key);
                map.insert(key, yaml_to_json(value, &child)?);
            }
            Value::Object(map)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value, at)?,
    })
}

/// The OpenAPI flavour of a parsed document.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Version {
    V30,
    V31,
}

pub fn version(doc: &Value, origin: &str) -> Result<Version> {
    if let Some(swagger) = doc.get("swagger") {
        return Err(Failure(format!(
            "{origin} is Swagger {} (OpenAPI 2), which is not supported; \
             the Hub publishes OpenAPI 3.1: check the source, or convert it to OpenAPI 3 first",
            swagger.as_str().unwrap_or("?")
        )));
    }
    let Some(version) = doc.get("openapi") else {
        return Err(Failure(format!(
            "{origin} has no `openapi` version field, so it is not an OpenAPI 3 document; \
             check that the source is the Hub's spec"
        )));
    };
    let Some(version) = version.as_str() else {
        return Err(Failure(format!(
            "{origin}: `openapi` must be a string such as \"3.1.0\", not {version}"
        )));
    };
    if version.starts_with("3.0.") {
        Ok(Version::V30)
    } else if version.starts_with("3.1.") {
        Ok(Version::V31)
    } else {
        Err(Failure(format!(
            "{origin} is OpenAPI {version}, which the xtask cannot convert (it reads 3.0.x and 3.1.x); \
             if the Hub moved to a new version, teach xtask/src/convert.rs to down-convert it to 3.0.3"
        )))
    }
}
