//! What a request and an answer look like between the mock Hub's shared
//! handling (`dispatch.rs`) and a resource's module: the resource modules
//! and the dispatch table both build on this, never on each other.

use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde::Serialize;

use super::Shared;

/// A resource the Hub serves under its collection path.
pub(super) struct Resource {
    /// The methods of the collection (`/api/v1/<things>`), for 405's `Allow`.
    pub(super) collection_methods: &'static [&'static str],
    /// The methods of one item (`/api/v1/<things>/{id}`).
    pub(super) item_methods: &'static [&'static str],
    /// Answers an authenticated request with an allowed method.
    pub(super) handle: fn(&Shared, &Call<'_>) -> Reply,
    /// For a resource whose items are credentials (API keys): what it makes
    /// of a bearer token that is not the Hub's own key or session.
    pub(super) credential: Option<fn(&Shared, &str) -> Credential>,
}

/// What a resource makes of a bearer token it was asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Credential {
    /// Not one of its keys.
    Unknown,
    /// One of its keys, enabled and unexpired: the caller is authenticated.
    Valid,
    /// One of its keys, but revoked or expired: 401.
    Refused,
}

/// Who made an authenticated request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Caller {
    /// An `sk_live_` API key: a server, an SDK, CI.
    ApiKey,
    /// A person's session (a JWT with `X-Account-ID`), as the Hub UI has.
    Session,
}

/// A request as a resource's handler sees it.
pub(super) struct Call<'a> {
    pub(super) caller: Caller,
    pub(super) method: &'a Method,
    pub(super) target: Target<'a>,
    pub(super) body: &'a [u8],
}

/// What a request addresses within a resource.
pub(super) enum Target<'a> {
    /// The collection itself.
    Collection,
    /// One item, by the path segment after the collection (not yet checked).
    Item(&'a str),
}

/// What the server does with a request.
pub(super) enum Outcome {
    /// Send this answer.
    Answer(Reply),
    /// Close the connection with a TCP reset, without an answer.
    Reset,
}

/// An answer, before it meets the server.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: String,
    /// Whether the body is sent whole, or cut by a fault.
    pub(super) cut: Option<Cut>,
}

/// How a fault cuts an answer's body: after this many bytes, the connection
/// breaks, or stalls.
#[derive(Clone, Copy, Debug)]
pub(super) enum Cut {
    Break(usize),
    Stall(usize),
}

/// A plain-text answer, as every Hub error is.
pub(super) fn text(status: u16, message: &str) -> Reply {
    raw(status, "text/plain; charset=utf-8", message.to_string())
}

/// A JSON answer.
pub(super) fn json(status: u16, value: &impl Serialize) -> Reply {
    match serde_json::to_string(value) {
        Ok(body) => raw(status, "application/json", body),
        Err(_) => text(500, "Internal server error"),
    }
}

pub(super) fn raw(status: u16, content_type: &str, body: String) -> Reply {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    Reply {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        headers,
        body,
        cut: None,
    }
}
