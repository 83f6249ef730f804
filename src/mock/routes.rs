//! The mock Hub's request handling: one handler that routes by hand, so that
//! recording, fault injection, the path prefix, 404 and 405 are uniform.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri, header};
use chrono::Utc;
use serde_json::Value;

use super::{Fault, RecordedRequest, Shared, StoredKey, random_token};
use crate::widget_keys::PublicKey;

const COLLECTION: &str = "/api/v1/widget-keys";

pub(super) fn router(state: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

async fn handle(
    AxumState(hub): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let full_path = uri.path();
    let path = full_path
        .strip_prefix(hub.prefix.as_str())
        .unwrap_or(full_path);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let fault = {
        let mut state = hub.lock();
        state.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.to_string(),
            account_id: header("x-account-id"),
            user_agent: header("user-agent"),
            authorized: headers.contains_key(header::AUTHORIZATION),
            body: serde_json::from_slice(&body).ok(),
            raw_body,
        });
        state.next_fault()
    };

    let mut response = answer(&hub, fault, &method, path, &headers, &body).await;
    if let Ok(id) = HeaderValue::from_str(&format!("req_{}", random_token(20))) {
        response.headers_mut().insert("x-request-id", id);
    }
    response
}

/// The answer to one request, after recording and faults.
async fn answer(
    hub: &Shared,
    fault: Option<Fault>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Body> {
    let mut respond_instead = None;
    match fault {
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            let mut response = text(status, fault_message(status));
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return response;
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Respond {
            status,
            content_type,
            body,
        }) => respond_instead = Some((status, content_type, body)),
        None => {}
    }

    let response = route(hub, method, path, headers, body);
    match respond_instead {
        Some((status, content_type, body)) => raw(status, &content_type, body),
        None => response,
    }
}

fn route(
    hub: &Shared,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Body> {
    if path == COLLECTION {
        if *method != Method::GET && *method != Method::POST {
            return method_not_allowed("GET, POST");
        }
        if let Err(response) = authenticate(hub, headers) {
            return *response;
        }
        return if *method == Method::GET {
            list(hub)
        } else {
            create(hub, body)
        };
    }
    let Some(id) = path
        .strip_prefix(COLLECTION)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|id| !id.is_empty() && !id.contains('/'))
    else {
        return text(404, "404 page not found");
    };
    if *method != Method::PATCH && *method != Method::DELETE {
        return method_not_allowed("PATCH, DELETE");
    }
    if let Err(response) = authenticate(hub, headers) {
        return *response;
    }
    let Ok(id) = uuid::Uuid::parse_str(id) else {
        return text(400, "Invalid widget key id");
    };
    if *method == Method::PATCH {
        update(hub, id, body)
    } else {
        delete(hub, id)
    }
}

/// Bearer auth as the Hub documents it: an API key alone, or a JWT with
/// `X-Account-ID`.
fn authenticate(hub: &Shared, headers: &HeaderMap) -> Result<(), Box<Response<Body>>> {
    let account = match headers.get("x-account-id") {
        None => None,
        Some(value) => match value.to_str() {
            Ok(account) if valid_account(account) => Some(account.to_string()),
            _ => return Err(Box::new(text(400, "Invalid X-Account-ID"))),
        },
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(Box::new(text(401, "Unauthorized")));
    };
    if account.as_deref() == Some("kataven-admin") {
        return Err(Box::new(text(403, "Forbidden")));
    }
    if token == hub.api_key {
        return Ok(());
    }
    if token == hub.jwt {
        return match account {
            None => Err(Box::new(text(400, "Missing X-Account-ID"))),
            Some(account) if account == hub.account => Ok(()),
            Some(_) => Err(Box::new(text(403, "Forbidden"))),
        };
    }
    Err(Box::new(text(401, "Unauthorized")))
}

fn valid_account(account: &str) -> bool {
    let bytes = account.as_bytes();
    let ok = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 63
        && ok(&bytes[0])
        && bytes[1..].iter().all(|b| ok(b) || *b == b'_' || *b == b'-')
}

fn list(hub: &Shared) -> Response<Body> {
    let keys: Vec<Value> = hub.lock().keys.iter().map(StoredKey::to_json).collect();
    json(200, &Value::Array(keys))
}

fn create(hub: &Shared, body: &[u8]) -> Response<Body> {
    const INVALID: &str = "Invalid body or name required";
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return text(400, INVALID);
    };
    let name = match fields.get("name") {
        Some(Value::String(name)) if !name.is_empty() => name.clone(),
        _ => return text(400, INVALID),
    };
    let Some(domain_allowlist) = string_list(fields.get("domain_allowlist")) else {
        return text(400, INVALID);
    };
    let agent_id = match fields.get("agent_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(agent)) => Some(agent.clone()),
        Some(_) => return text(400, INVALID),
    };

    let public_key = format!("pk_live_{}_{}", hub.account, random_token(24));
    let now = Utc::now();
    let key = StoredKey {
        id: uuid::Uuid::new_v4(),
        name,
        key_last8: public_key[public_key.len() - 8..].to_string(),
        domain_allowlist,
        agent_id,
        created_at: now,
        updated_at: now,
        disabled_at: None,
        last_used_at: None,
    };
    let mut created = key.to_json();
    if let Value::Object(map) = &mut created {
        map.insert("public_key".to_string(), Value::String(public_key.clone()));
    }
    let mut state = hub.lock();
    state.keys.push(key);
    state.issued.push(PublicKey::from(public_key));
    json(201, &created)
}

/// An optional array of strings: absent is empty; anything else is refused.
fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    match value {
        None => Some(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect(),
        Some(_) => None,
    }
}

fn update(hub: &Shared, id: uuid::Uuid, body: &[u8]) -> Response<Body> {
    const INVALID: &str = "Invalid body";
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return text(400, INVALID);
    };
    let name = match fields.get("name") {
        None => None,
        Some(Value::String(name)) if !name.is_empty() => Some(name.clone()),
        Some(_) => return text(400, INVALID),
    };
    let domain_allowlist = match fields.get("domain_allowlist") {
        None => None,
        present => match string_list(present) {
            Some(list) => Some(list),
            None => return text(400, INVALID),
        },
    };
    // Absent leaves the pin alone; null unpins; a string repins.
    let agent_id = match fields.get("agent_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(agent)) => Some(Some(agent.clone())),
        Some(_) => return text(400, INVALID),
    };
    let disabled = match fields.get("disabled") {
        None => None,
        Some(Value::Bool(disabled)) => Some(*disabled),
        Some(_) => return text(400, INVALID),
    };

    let mut state = hub.lock();
    let Some(key) = state.keys.iter_mut().find(|k| k.id == id) else {
        return text(404, "Widget key not found");
    };
    let now = Utc::now();
    if let Some(name) = name {
        key.name = name;
    }
    if let Some(list) = domain_allowlist {
        key.domain_allowlist = list; // replaces, never merges
    }
    if let Some(agent) = agent_id {
        key.agent_id = agent;
    }
    match disabled {
        // Idempotent: a second revoke keeps the first timestamp.
        Some(true) if key.disabled_at.is_none() => key.disabled_at = Some(now),
        Some(false) => key.disabled_at = None,
        _ => {}
    }
    key.updated_at = now;
    json(200, &Value::String("Updated".to_string()))
}

fn delete(hub: &Shared, id: uuid::Uuid) -> Response<Body> {
    let mut state = hub.lock();
    let Some(index) = state.keys.iter().position(|k| k.id == id) else {
        return text(404, "Widget key not found");
    };
    if state.keys[index].last_used_at.is_none() {
        state.keys.remove(index);
    } else {
        let now = Utc::now();
        let key = &mut state.keys[index];
        key.disabled_at.get_or_insert(now);
        key.updated_at = now;
    }
    json(200, &Value::String("Deleted".to_string()))
}

fn fault_message(status: u16) -> &'static str {
    match status {
        429 => "rate_limited: per-minute (60) exceeded",
        500 => "Internal server error",
        502 => "Bad gateway",
        503 => "Service unavailable",
        504 => "Gateway timeout",
        _ => "Injected fault",
    }
}

fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = text(405, "Method Not Allowed");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

fn text(status: u16, message: &str) -> Response<Body> {
    raw(status, "text/plain; charset=utf-8", message.to_string())
}

fn json(status: u16, value: &Value) -> Response<Body> {
    raw(status, "application/json", value.to_string())
}

fn raw(status: u16, content_type: &str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}
