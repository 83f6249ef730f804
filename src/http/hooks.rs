//! The SDK's behaviour for every call, generated or not, in progenitor's
//! `ClientHooks` (so `kataven::raw` gets it too): the SDK's headers on each
//! request (`pre`), and in `exec` the retry loop, per-attempt and total
//! timeouts, bounded bodies and one tracing span per call.

use std::fmt;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use reqwest::{Method, Request, Response};
use tracing::Instrument;

use super::body::{self, BodyProblem, ReadBody};
use super::reply::{Answer, Bound, Reply, ReplySlot};
use super::retry::{self, Decision, Ending, Policy};
use super::settings::{MAX_ERROR_BODY, Settings};

/// What every call accepts: the Hub answers a success with JSON and an error
/// with plain text (`docs/hub-contract.md`; the spec's 4xx/5xx are
/// `text/plain`). The generated code asks for `application/json` only,
/// which a content-negotiating server may answer with 406, or, as Prism
/// does, with a 200 in place of the documented error.
pub(crate) const ACCEPT_JSON_OR_TEXT: &str = "application/json, text/plain;q=0.9";

/// The generated client's inner value: what every call of one
/// [`Client`](crate::Client) shares, and, for a call made by the facade, that
/// call's own part. It has no public constructor: a `raw::Client` comes only
/// from [`Client::raw`](crate::Client::raw), with the SDK's settings.
#[derive(Clone)]
pub struct Transport {
    shared: Arc<Shared>,
    call: Option<CallScope>,
}

/// What every call of one client shares.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    /// Headers every request carries: the credentials (marked sensitive), the
    /// User-Agent, the account, the caller's extra headers.
    pub(crate) headers: HeaderMap,
    /// The bearer token, to scrub it from whatever a response echoes back.
    pub(crate) token: secrecy::SecretString,
    /// Whether the token is an API key (else a person's session, a JWT):
    /// some operations need a session, and a 403 should say so.
    pub(crate) uses_api_key: bool,
    /// Whether the reqwest client is the caller's own, which may follow
    /// redirects (the SDK's own follows none): each answer's URL is then
    /// checked against the one sent.
    pub(crate) callers_client: bool,
}

/// The part of a [`Transport`] that belongs to one call of the facade.
#[derive(Clone)]
struct CallScope {
    /// Repeating the request can do no harm (revoke), although its method
    /// says otherwise.
    repeatable: bool,
    reply: ReplySlot,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("settings", &self.shared.settings)
            .field("credentials", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(shared: Shared) -> Self {
        Self {
            shared: Arc::new(shared),
            call: None,
        }
    }

    /// A copy for one call of the facade, which keeps the call's [`Reply`]
    /// for [`take_reply`](Self::take_reply).
    pub(crate) fn for_call(&self, repeatable: bool) -> Self {
        Self {
            shared: self.shared.clone(),
            call: Some(CallScope {
                repeatable,
                reply: ReplySlot::default(),
            }),
        }
    }

    /// What the call made with this copy learned; once.
    pub(crate) fn take_reply(&self) -> Option<Reply> {
        self.call.as_ref().and_then(|call| call.reply.take())
    }

    /// Whether this client authenticates with an API key (not a JWT).
    pub(crate) fn uses_api_key(&self) -> bool {
        self.shared.uses_api_key
    }

    /// `text` with this client's token replaced by `[redacted]`: a gateway
    /// that echoes the request must not put the token into an error.
    pub(crate) fn scrub(&self, text: String) -> String {
        use secrecy::ExposeSecret;
        scrub_token(text, self.shared.token.expose_secret())
    }

    /// Sends `request` with retries; see `retry.rs` for the rules.
    async fn send(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Response> {
        let settings = &self.shared.settings;
        let method = request.method().clone();
        // A write may have taken effect once its request could reach the Hub.
        let write = !method.is_safe();
        let repeatable = self.call.as_ref().is_some_and(|call| call.repeatable)
            || method == Method::GET
            || method == Method::HEAD;
        let started = Instant::now();
        let policy = Policy {
            settings,
            repeatable,
            deadline: started.checked_add(settings.total_timeout),
        };

        let span = tracing::info_span!(
            "kataven.request",
            operation,
            method = %method,
            path = %super::path_template(request.url()),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let attempts = async {
            let mut request = request;
            let mut attempt = 0u32;
            let mut applied_earlier = false;
            loop {
                attempt = attempt.saturating_add(1);
                let remaining = policy
                    .deadline
                    .map(|deadline| deadline.saturating_duration_since(Instant::now()));
                let bound = match remaining {
                    Some(left) if left < settings.attempt_timeout => {
                        Bound::Total(settings.total_timeout)
                    }
                    _ => Bound::Attempt(settings.attempt_timeout),
                };
                let timeout = remaining.map_or(settings.attempt_timeout, |left| {
                    left.min(settings.attempt_timeout)
                });
                *request.timeout_mut() = Some(timeout.max(std::time::Duration::from_millis(1)));
                // A request whose body cannot be cloned (a stream) is never retried.
                let next = if attempt <= settings.max_retries {
                    request.try_clone()
                } else {
                    None
                };

                // Only the caller's client can follow a redirect; the copy of
                // the URL is made for it alone.
                let sent = self.shared.callers_client.then(|| request.url().clone());
                let result = match http.execute(request).await {
                    Ok(response) if sent.as_ref().is_some_and(|url| url != response.url()) => {
                        Attempt::Redirected(response.url().origin().ascii_serialization())
                    }
                    Ok(response) => Attempt::read(response, settings).await,
                    Err(err) => Attempt::Failed(err),
                };
                let ending = result.ending();
                let decision = policy.after(attempt, ending, Instant::now(), retry::jitter());
                match (decision, next) {
                    (Decision::Retry { delay, reason }, Some(next)) => {
                        tracing::info!(
                            attempt,
                            reason = %reason,
                            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                            "kataven: retrying {operation}"
                        );
                        drop(result);
                        applied_earlier |= ending.may_have_applied();
                        tokio::time::sleep(delay).await;
                        request = next;
                    }
                    _ => break (result, attempt, bound, applied_earlier),
                }
            }
        };
        // With no subscriber listening, skip the instrumentation's per-poll
        // work (~700 instructions per call, benches/sdk_vs_raw.rs).
        let (last, attempts, bound, applied_earlier) = if span.is_disabled() {
            attempts.await
        } else {
            attempts.instrument(span.clone()).await
        };

        span.record("attempts", attempts);
        span.record(
            "elapsed_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        let _entered = span.enter();
        match last {
            Attempt::Answered { parts, body } => {
                let status = parts.status.as_u16();
                span.record("status", status);
                let request_id = request_id(&parts.headers);
                if let Some(id) = request_id.as_ref().and_then(|id| id.to_str().ok()) {
                    span.record("request_id", id);
                }
                match &body.problem {
                    None if parts.status.is_success() => {
                        tracing::debug!("kataven: {operation} answered {status}");
                    }
                    None => tracing::info!("kataven: {operation} answered {status}"),
                    Some(problem) => tracing::info!(
                        "kataven: {operation} answered {status} but its body did not arrive whole: {problem:?}"
                    ),
                }
                if let Some(call) = &self.call {
                    call.reply.put(Reply {
                        operation,
                        attempts,
                        bound,
                        write,
                        applied_earlier,
                        redirected_to: None,
                        answer: Some(Answer {
                            status,
                            body: body.bytes.clone(),
                            problem: body.problem,
                            retry_after: retry_after(&parts.headers),
                            request_id,
                        }),
                    });
                }
                // What arrived goes on to the generated code; a body that is
                // not whole is judged by the runner from the reply.
                Ok(Response::from(http::Response::from_parts(
                    parts,
                    reqwest::Body::from(body.bytes),
                )))
            }
            Attempt::Failed(err) => {
                tracing::info!(error = %err, "kataven: {operation} failed");
                if let Some(call) = &self.call {
                    call.reply.put(Reply {
                        operation,
                        attempts,
                        bound,
                        write,
                        applied_earlier,
                        redirected_to: None,
                        answer: None,
                    });
                }
                Err(err)
            }
            Attempt::Redirected(origin) => {
                tracing::warn!(
                    "kataven: {operation} was answered from {origin} after a redirect; refused"
                );
                if let Some(call) = &self.call {
                    call.reply.put(Reply {
                        operation,
                        attempts,
                        bound,
                        write,
                        applied_earlier,
                        redirected_to: Some(origin),
                        answer: None,
                    });
                }
                // The generated code gets an empty 502 to judge; the runner
                // reads the reply and reports the redirect instead.
                let mut refused = http::Response::new(reqwest::Body::from(""));
                *refused.status_mut() = http::StatusCode::BAD_GATEWAY;
                Ok(Response::from(refused))
            }
        }
    }
}

/// `text` with `token` replaced by `[redacted]`, also where an echo changed
/// it: in any letter case, or percent-encoded (as in a query string or a
/// form body), in either case of hex digits. Hand-written: the one search
/// this needs is ASCII-case-insensitive, which `str::replace` is not, and a
/// regex crate would be a dependency for these few lines.
pub(crate) fn scrub_token(text: String, token: &str) -> String {
    if token.is_empty() {
        return text;
    }
    let encoded: String = token
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    let mut out = text;
    for needle in [token, encoded.as_str()] {
        out = replace_ignoring_ascii_case(&out, needle, "[redacted]");
    }
    out
}

fn replace_ignoring_ascii_case(text: &str, needle: &str, with: &str) -> String {
    let (hay, pin) = (text.as_bytes(), needle.as_bytes());
    if pin.is_empty() || hay.len() < pin.len() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let (mut from, mut at) = (0usize, 0usize);
    while let Some(window) = hay.get(at..at.saturating_add(pin.len())) {
        if window.eq_ignore_ascii_case(pin) {
            out.push_str(text.get(from..at).unwrap_or_default());
            out.push_str(with);
            at = at.saturating_add(pin.len());
            from = at;
        } else {
            at = at.saturating_add(1);
        }
    }
    out.push_str(text.get(from..).unwrap_or_default());
    out
}

/// One attempt's result, with the body read (or not) to the end.
enum Attempt {
    /// Status and headers, and the body or what arrived of it.
    Answered {
        parts: http::response::Parts,
        body: ReadBody,
    },
    /// No response at all.
    Failed(reqwest::Error),
    /// A response from another origin or path than the request's (its
    /// origin): the caller's client followed a redirect.
    Redirected(String),
}

impl Attempt {
    async fn read(response: Response, settings: &Settings) -> Attempt {
        let success = response.status().is_success();
        let content_length = response.content_length();
        let url = response.url().clone();
        let (parts, body) = http::Response::from(response).into_parts();
        let limit = if success {
            settings.max_response_bytes
        } else {
            MAX_ERROR_BODY
        };
        let body = body::read(body, content_length, limit, !success).await;
        Attempt::Answered {
            parts: super::with_url(parts, url),
            body,
        }
    }

    fn ending(&self) -> Ending {
        match self {
            Attempt::Answered { parts, body } => match &body.problem {
                None => Ending::Answered {
                    status: parts.status.as_u16(),
                    retry_after: retry_after(&parts.headers),
                },
                Some(BodyProblem::Broken(_)) => Ending::BodyBroken,
                Some(BodyProblem::TimedOut) => Ending::BodyTimedOut,
                Some(BodyProblem::TooLarge(_)) => Ending::BodyTooLarge,
            },
            Attempt::Redirected(_) => Ending::Redirected,
            Attempt::Failed(err) if err.is_connect() => Ending::ConnectFailed,
            Attempt::Failed(err) if err.is_timeout() => Ending::TimedOut,
            Attempt::Failed(_) => Ending::Failed,
        }
    }
}

fn retry_after(headers: &HeaderMap) -> Option<std::time::Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    retry::parse_retry_after(value, SystemTime::now())
}

/// The Hub's request id: `x-request-id`, else `request-id`.
fn request_id(headers: &HeaderMap) -> Option<HeaderValue> {
    headers
        .get("x-request-id")
        .or_else(|| headers.get("request-id"))
        .cloned()
}

impl ClientHooks<Transport> for crate::raw::Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let shared = &ClientInfo::inner(self).shared;
        let headers = request.headers_mut();
        headers.reserve(shared.headers.len() + 1);
        for name in shared.headers.keys() {
            // A header the generated code set from a parameter (an explicit
            // `X-Account-ID`) wins over the client's; a client header given
            // several times is sent with every value.
            if !headers.contains_key(name) {
                for value in shared.headers.get_all(name) {
                    headers.append(name, value.clone());
                }
            }
        }
        let json_only = headers
            .get(ACCEPT)
            .is_none_or(|accept| accept == "application/json");
        if json_only {
            headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_JSON_OR_TEXT));
        }
        Ok(())
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        ClientInfo::inner(self)
            .send(ClientInfo::client(self), request, info.operation_id)
            .await
    }
}
