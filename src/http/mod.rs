//! The HTTP layer: how every request is sent, retried, bounded and traced.
//! It knows nothing of the Hub's resources.
//!
//! - `settings`: the limits every call runs under, and their checks.
//! - `retry`: when a request is sent again, and after how long (pure rules).
//! - `body`: reading a body once, bounded once.
//! - `attempt`: one attempt, and the bookkeeping of a call's attempts.
//! - `reply`: what a facade call came to, for the call runner to judge.
//! - `hooks`: progenitor's `ClientHooks`, which carries all of the above out
//!   for the generated client (`raw` names its inner type, `Transport`:
//!   the one import cycle progenitor forces).

mod attempt;
mod body;
mod hooks;
mod reply;
mod retry;
mod settings;

pub(crate) use body::BodyProblem;
pub use hooks::Transport;
pub(crate) use hooks::{Shared, Step};
pub(crate) use reply::{Answer, Bound, Failure, Reply};
pub(crate) use settings::{Backoff, DEFAULT_CONNECT_TIMEOUT, MAX_ERROR_BODY, Settings, saturate};

/// The error and its causes in one line, e.g. `error sending request for url
/// (...): client error (Connect): tcp connect error: Connection refused`.
pub(crate) fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// The path with ids replaced by `{id}`, for tracing.
fn path_template(url: &reqwest::Url) -> String {
    url.path()
        .split('/')
        .map(|segment| {
            if uuid::Uuid::parse_str(segment).is_ok() {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Puts the request's URL back on response parts taken out of a
/// `reqwest::Response`. Without it, turning the parts back into a
/// `reqwest::Response` parses a placeholder URL (`http://no.url.provided.local`)
/// for every response, ~2,000 instructions and a few allocations per call,
/// and `Response::url()` no longer names the request.
fn with_url(mut parts: http::response::Parts, url: reqwest::Url) -> http::response::Parts {
    use reqwest::ResponseBuilderExt;
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
    parts
}
