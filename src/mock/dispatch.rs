//! What the mock Hub does with every request, whatever the resource: the
//! path prefix, recording, faults, routing by collection path, 404 and 405,
//! bearer auth and request ids. The resources' own modules only see
//! authenticated requests with an allowed method.

use http::{HeaderMap, HeaderValue, Method, header};

use super::reply::{Call, Caller, Credential, Cut, Outcome, Reply, Resource, Target, raw, text};
use super::{Fault, RecordedRequest, Shared, api_keys, random_token, widget_keys};

/// The resources the Hub serves: collection path -> handler, one row each.
/// A resource is one module (its store, its handler, its credential hook if
/// its keys authenticate, and its `MockHub` handle) and one row here.
const RESOURCES: &[(&str, Resource)] = &[
    ("/api/v1/widget-keys", widget_keys::RESOURCE),
    ("/api/v1/api-keys", api_keys::RESOURCE),
];

/// The Hub's handling of one request.
pub(super) async fn handle(
    hub: &Shared,
    method: &Method,
    full_path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Outcome {
    // Outside the prefix a gateway answers, as in front of the real Hub:
    // the Hub never sees the request (no recording, no fault).
    let Some(path) = hub.path_under_prefix(full_path) else {
        return Outcome::Answer(text(404, "Not Found"));
    };
    let fault = {
        let mut state = hub.lock();
        state.requests.push(record(method, path, headers, body));
        state.faults.take(method.as_str(), path)
    };
    let mut reply = match fault {
        None => route(hub, method, path, headers, body),
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            let mut reply = text(status, fault_message(status));
            if let Some(secs) = retry_after {
                reply
                    .headers
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            reply
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            route(hub, method, path, headers, body)
        }
        Some(Fault::Respond {
            status,
            content_type,
            body: instead,
        }) => {
            route(hub, method, path, headers, body);
            raw(status, &content_type, instead)
        }
        Some(Fault::Truncated { bytes }) => Reply {
            cut: Some(Cut::Break(bytes)),
            ..route(hub, method, path, headers, body)
        },
        Some(Fault::Stalled { bytes }) => Reply {
            cut: Some(Cut::Stall(bytes)),
            ..route(hub, method, path, headers, body)
        },
        Some(Fault::ConnectionReset) => return Outcome::Reset,
        Some(Fault::ConnectionResetAfterHandling) => {
            route(hub, method, path, headers, body);
            return Outcome::Reset;
        }
    };
    if let Ok(id) = HeaderValue::from_str(&format!("req_{}", random_token(20))) {
        reply.headers.insert("x-request-id", id);
    }
    Outcome::Answer(reply)
}

fn record(method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> RecordedRequest {
    let text_header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    RecordedRequest {
        method: method.to_string(),
        path: path.to_string(),
        account_id: text_header("x-account-id"),
        user_agent: text_header("user-agent"),
        authorized: headers.contains_key(header::AUTHORIZATION),
        body: serde_json::from_slice(body).ok(),
        raw_body: String::from_utf8_lossy(body).into_owned(),
    }
}

/// Finds the resource and hands it the request, once the method is allowed
/// and the caller authenticated.
fn route(hub: &Shared, method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> Reply {
    let found = RESOURCES.iter().find_map(|(collection, resource)| {
        let target = if path == *collection {
            Target::Collection
        } else {
            let id = path.strip_prefix(collection)?.strip_prefix('/')?;
            if id.is_empty() || id.contains('/') {
                return None;
            }
            Target::Item(id)
        };
        Some((resource, target))
    });
    let Some((resource, target)) = found else {
        return text(404, "404 page not found");
    };
    let allowed = match target {
        Target::Collection => resource.collection_methods,
        Target::Item(_) => resource.item_methods,
    };
    if !allowed.contains(&method.as_str()) {
        return method_not_allowed(allowed);
    }
    let caller = match authenticate(hub, headers) {
        Ok(caller) => caller,
        Err((status, message)) => return text(status, message),
    };
    (resource.handle)(
        hub,
        &Call {
            caller,
            method,
            target,
            body,
        },
    )
}

/// Bearer auth as the Hub documents it: an API key alone (the Hub's own, or
/// one a resource minted and still honours), or a JWT with `X-Account-ID`.
/// The error is a status and its plain-text message.
fn authenticate(hub: &Shared, headers: &HeaderMap) -> Result<Caller, (u16, &'static str)> {
    let account = match headers.get("x-account-id") {
        None => None,
        Some(value) => match value.to_str() {
            Ok(account) if crate::account::follows_rule(account) => Some(account),
            _ => return Err((400, "Invalid X-Account-ID")),
        },
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err((401, "Unauthorized"));
    };
    if account == Some(crate::account::RESERVED) {
        return Err((403, "Forbidden"));
    }
    if token == hub.api_key {
        return Ok(Caller::ApiKey);
    }
    if token == hub.jwt {
        return match account {
            None => Err((400, "Missing X-Account-ID")),
            Some(account) if account == hub.account => Ok(Caller::Session),
            Some(_) => Err((403, "Forbidden")),
        };
    }
    // Asked afresh on every request: a key revoked a moment ago is refused.
    let minted = RESOURCES
        .iter()
        .filter_map(|(_, resource)| resource.credential)
        .map(|credential| credential(hub, token))
        .find(|verdict| *verdict != Credential::Unknown);
    match minted {
        Some(Credential::Valid) => Ok(Caller::ApiKey),
        _ => Err((401, "Unauthorized")),
    }
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

fn method_not_allowed(allowed: &[&str]) -> Reply {
    let mut reply = text(405, "Method Not Allowed");
    if let Ok(allow) = HeaderValue::from_str(&allowed.join(", ")) {
        reply.headers.insert(header::ALLOW, allow);
    }
    reply
}
