//! The SDK's behaviour for every call, generated or not, in progenitor's
//! `ClientHooks` (so `kataven::raw` gets it too): the SDK's headers on each
//! request (`pre`), and in `exec` the attempts, with per-attempt and total
//! timeouts, bounded bodies and one tracing span per call.
//!
//! **Where the retry loop lives.** A call made through `raw()` is retried
//! here, in `exec`, on a copy of the request (`execute` consumes it). A
//! call of the facade is retried by the call runner instead, which runs the
//! generated method again for each attempt: the copy that every request
//! would otherwise pay for (`try_clone`: the URL, the headers, the body,
//! ~4,800 instructions and 5 allocations per call, benches/sdk_vs_raw.rs
//! `--count`) is then never made, and a retry, which is rare, builds its
//! request afresh, as the first attempt did. The rules are the same either
//! way (`attempt.rs`, `retry.rs`).
//!
//! **Who reads the answer.** In a facade call `exec` reads the body (inside
//! the attempt, bounded) and leaves the outcome in the call's slot, and
//! `post` then stops the generated method before it takes the response
//! apart again (rebuilt around the body, headers cloned, decoded): the
//! runner decodes the bytes it already holds, through the generated types.
//! The facade's own timer bounds each attempt (`tokio::time::timeout_at`),
//! not a timeout stored on the request (an extension map per request, six
//! allocations per call); a `raw()` caller gets reqwest's own timeout error
//! and the generated method's usual result.

use std::fmt;
use std::pin::pin;
use std::sync::{Arc, Mutex};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{ACCEPT, Entry, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response};
use tracing::Instrument;

use super::attempt::{Next, Outcome, Progress, send_once};
use super::reply::Reply;

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
    pub(crate) settings: super::Settings,
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

/// The part of a [`Transport`] that belongs to one call of the facade. It
/// lives in the call's own copy of the transport (no allocation of its own).
struct CallScope {
    /// Repeating the request can do no harm (revoke), although its method
    /// says otherwise.
    repeatable: bool,
    /// The call's attempts so far, and the last one's outcome: written by
    /// the hook, read by the runner between attempts.
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    progress: Option<Progress>,
    last: Option<Outcome>,
}

/// A clone is a new, empty scope: a clone of a call's client is not that call.
impl Clone for CallScope {
    fn clone(&self) -> Self {
        Self {
            repeatable: self.repeatable,
            slot: Mutex::default(),
        }
    }
}

/// What the runner does after an attempt of a facade call.
// `Done` is how every call ends: boxing its `Reply` to shrink the others
// would add an allocation to every call.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Step {
    /// Run the generated method again (the delay has been waited).
    Again,
    /// The call is over.
    Done(Reply),
    /// Nothing was sent: the request could not even be built.
    NotSent,
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

    /// A copy for one call of the facade, whose attempts the runner drives
    /// with [`after_attempt`](Self::after_attempt).
    pub(crate) fn for_call(&self, repeatable: bool) -> Self {
        Self {
            shared: self.shared.clone(),
            call: Some(CallScope {
                repeatable,
                slot: Mutex::default(),
            }),
        }
    }

    /// After the generated method of a facade call returned: whether to run
    /// it again (after waiting the backoff), or what the call came to.
    pub(crate) async fn after_attempt(&self) -> Step {
        let Some(scope) = &self.call else {
            return Step::NotSent;
        };
        let (progress, last) = match scope.slot.lock() {
            Ok(mut slot) => (slot.progress.take(), slot.last.take()),
            Err(_) => (None, None),
        };
        let (Some(mut progress), Some(last)) = (progress, last) else {
            return Step::NotSent;
        };
        match progress
            .after(&self.shared.settings, last.ending(), true)
            .await
        {
            Next::Retry => {
                drop(last);
                if let Ok(mut slot) = scope.slot.lock() {
                    slot.progress = Some(progress);
                }
                Step::Again
            }
            Next::Done => {
                progress.log_end(&last);
                Step::Done(progress.into_reply(last))
            }
        }
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

    /// One attempt of a facade call: its outcome goes to the call's slot,
    /// the response (its body read) back to the generated code, which `post`
    /// stops before it looks at it.
    async fn attempt(
        &self,
        scope: &CallScope,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Response> {
        let settings = &self.shared.settings;
        let started = scope.slot.lock().ok().map(|mut slot| {
            let progress = slot.progress.get_or_insert_with(|| {
                Progress::start(settings, operation, &request, scope.repeatable)
            });
            (progress.plan(settings), progress.span.clone())
        });
        let Some((plan, span)) = started else {
            return Ok(placeholder());
        };
        // Pinned here and awaited through the pin: awaiting it by value would
        // keep a second copy of it in this future's state.
        let mut attempt = pin!(send_once(
            http,
            request,
            settings,
            self.shared.callers_client,
            plan,
            true,
        ));
        // With no subscriber listening, skip the instrumentation's per-poll
        // work (~700 instructions per call, benches/sdk_vs_raw.rs).
        let attempt = if span.is_disabled() {
            attempt.as_mut().await
        } else {
            attempt.as_mut().instrument(span).await
        };
        let (outcome, response) = attempt.split();
        if let Ok(mut slot) = scope.slot.lock() {
            slot.last = Some(outcome);
        }
        Ok(response.unwrap_or_else(placeholder))
    }

    /// Sends a `raw()` call's `request` with retries; see `retry.rs` for the
    /// rules.
    async fn send(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Response> {
        let settings = &self.shared.settings;
        let mut progress = Progress::start(settings, operation, &request, false);
        let span = progress.span.clone();
        let attempts = async {
            let mut request = request;
            loop {
                let plan = progress.plan(settings);
                // A request whose body cannot be cloned (a stream) is never retried.
                let next = if progress.attempts() <= settings.max_retries {
                    request.try_clone()
                } else {
                    None
                };
                let attempt = send_once(
                    http,
                    request,
                    settings,
                    self.shared.callers_client,
                    plan,
                    false,
                )
                .await;
                let (outcome, response) = attempt.split();
                match (
                    progress
                        .after(settings, outcome.ending(), next.is_some())
                        .await,
                    next,
                ) {
                    (Next::Retry, Some(next)) => request = next,
                    _ => break (outcome, response),
                }
            }
        };
        let (last, response) = if span.is_disabled() {
            attempts.await
        } else {
            attempts.instrument(span).await
        };
        progress.log_end(&last);
        match (last, response) {
            // What arrived goes on to the generated code.
            (Outcome::Answered(answer), Some(response)) => {
                let url = response.url().clone();
                let (parts, _) = http::Response::from(response).into_parts();
                Ok(Response::from(http::Response::from_parts(
                    super::with_url(parts, url),
                    reqwest::Body::from(answer.body),
                )))
            }
            (Outcome::Failed(err), _) => Err(err),
            // The generated code gets an empty 502 to judge: the answer of a
            // redirect is not the Hub's. (Without the SDK's own timer, a
            // timeout comes as `Failed`.)
            _ => {
                let mut refused = http::Response::new(reqwest::Body::from(""));
                *refused.status_mut() = http::StatusCode::BAD_GATEWAY;
                Ok(Response::from(refused))
            }
        }
    }
}

/// A stand-in response for the generated code of a facade call whose
/// attempt had none (a failure, a timeout, a redirect refused): `post` stops
/// the generated method before it looks at it, and the runner reads the
/// outcome from the call's slot.
fn placeholder() -> Response {
    Response::from(http::Response::new(reqwest::Body::from("")))
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

impl ClientHooks<Transport> for crate::raw::Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let shared = &ClientInfo::inner(self).shared;
        let headers = request.headers_mut();
        // Room for the client's headers and `Accept`. The builder bounds the
        // client's headers (`MAX_EXTRA_HEADERS` in client.rs), far below
        // http's size limit, so neither this nor the inserts below can panic.
        headers.reserve(shared.headers.len().saturating_add(1));
        // A header the generated code set from a parameter (an explicit
        // `X-Account-ID`) wins over the client's; a client header given
        // several times is sent with every value. `iter` yields the values
        // of one name one after another: the first value of a name goes in
        // through `entry` (one lookup, which also says whether the request
        // had the name), the others are appended after it.
        let mut current: Option<(&HeaderName, bool)> = None;
        for (name, value) in shared.headers.iter() {
            match current {
                Some((seen, set_by_request)) if seen == name => {
                    if !set_by_request {
                        headers.append(name, value.clone());
                    }
                }
                _ => {
                    let set_by_request = match headers.entry(name) {
                        Entry::Occupied(_) => true,
                        Entry::Vacant(vacant) => {
                            vacant.insert(value.clone());
                            false
                        }
                    };
                    current = Some((name, set_by_request));
                }
            }
        }
        // One lookup: the SDK's `Accept` where the request asks for JSON
        // alone or says nothing; an `Accept` that asks for more is kept.
        let accept = HeaderValue::from_static(ACCEPT_JSON_OR_TEXT);
        match headers.entry(ACCEPT) {
            Entry::Occupied(mut asked) if asked.get() == "application/json" => {
                asked.insert(accept);
            }
            Entry::Occupied(_) => {}
            Entry::Vacant(none) => {
                none.insert(accept);
            }
        }
        Ok(())
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        let transport = ClientInfo::inner(self);
        let http = ClientInfo::client(self);
        match &transport.call {
            Some(scope) => {
                transport
                    .attempt(scope, http, request, info.operation_id)
                    .await
            }
            // Boxed: a `raw()` call's future (its retry loop, a copy of the
            // request) is larger than an attempt's, and unboxed every facade
            // call's future would be as large, at every level above this one.
            None => Box::pin(transport.send(http, request, info.operation_id)).await,
        }
    }

    /// In a facade call, stops the generated method here: the runner judges
    /// the outcome the hook left and decodes the body it read (see the module
    /// docs). A `raw()` call goes on as progenitor wrote it.
    async fn post<E>(
        &self,
        _result: &reqwest::Result<Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match ClientInfo::inner(self).call {
            Some(_) => Err(progenitor_client::Error::Custom(String::new())),
            None => Ok(()),
        }
    }
}
