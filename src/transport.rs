//! Cross-cutting behaviour of every call, generated or not: retries with
//! backoff, timeouts, bounded bodies and tracing. It lives in progenitor's
//! `ClientHooks::exec`, so the low-level [`raw`](crate::raw) client gets it
//! too.
//!
//! Retry rules (see `hub-api.md`): GET is safe to retry; POST, PATCH and
//! DELETE are not idempotent, so they are retried only when the request
//! provably never reached the Hub (the connection could not be made) or on
//! 429 (the Hub refused it before doing anything). A write that timed out or
//! got a 5xx may have happened, and is never sent again. The one idempotent
//! write, revoke (`disabled: true`), is marked by the facade and retried like
//! a GET.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::{Method, Request, Response};
use tracing::Instrument;

/// Defaults, written in the docs of [`ClientBuilder`](crate::ClientBuilder).
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 2;
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
pub(crate) const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(8);

/// The settings every call runs under; the generated client's inner value.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct Transport {
    pub(crate) max_retries: u32,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) max_retry_after: Duration,
    /// Stretches (or shrinks) every backoff delay; tests set it near 0.
    pub(crate) backoff_scale: f64,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            max_retries: DEFAULT_MAX_RETRIES,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            backoff_scale: 1.0,
        }
    }
}

/// What one call (all its attempts) left behind for the facade to report.
#[derive(Debug, Default)]
pub(crate) struct CallState {
    /// Set by the facade for the one idempotent write (revoke).
    pub(crate) idempotent: bool,
    pub(crate) attempts: AtomicU32,
    /// Which timeout bounded the last attempt; see [`CallState::timeout`].
    pub(crate) timeout: Mutex<Option<AttemptBound>>,
    /// Set when the final response's body broke off, ran out of time or was
    /// too large; the response handed on carries what did arrive.
    pub(crate) body_problem: Mutex<Option<BodyProblem>>,
}

/// Which timeout bounded an attempt. Kept as data and worded only when a
/// call times out: formatting it on every attempt cost two allocations and
/// ~1,000 instructions per call (benches/sdk_vs_raw.rs, callgrind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttemptBound {
    /// What was left of the total timeout, which is named here.
    Total(Duration),
    /// The per-attempt timeout.
    Attempt(Duration),
}

/// A response body that did not arrive whole.
#[derive(Debug, Clone)]
pub(crate) struct BodyProblem {
    pub(crate) status: u16,
    pub(crate) kind: BodyProblemKind,
    /// What arrived before the problem (at most the size limit).
    pub(crate) partial: bytes::Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyProblemKind {
    /// The connection broke; the text says how.
    Broken(String),
    TimedOut,
    TooLarge(usize),
}

impl CallState {
    pub(crate) fn new(idempotent: bool) -> Arc<Self> {
        Arc::new(Self {
            idempotent,
            ..Self::default()
        })
    }
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }
    /// Which timeout bounded the last attempt, e.g. "total timeout of 60s".
    pub(crate) fn timeout(&self) -> Option<String> {
        let bound = (*self.timeout.lock().ok()?)?;
        Some(match bound {
            AttemptBound::Total(d) => format!("total timeout of {d:?}"),
            AttemptBound::Attempt(d) => format!("attempt timeout of {d:?}"),
        })
    }
    pub(crate) fn body_problem(&self) -> Option<BodyProblem> {
        self.body_problem.lock().ok().and_then(|p| p.clone())
    }
}

thread_local! {
    static CURRENT_CALL: RefCell<Option<Arc<CallState>>> = const { RefCell::new(None) };
}

/// Runs `future` with `state` as the current call, so that `exec` (which
/// progenitor calls without any context of ours) can record into it.
/// A small stand-in for a task-local that needs no runtime feature.
pub(crate) fn with_call<F: Future>(state: Arc<CallState>, future: F) -> WithCall<F> {
    WithCall {
        state,
        future: Box::pin(future),
    }
}

pub(crate) struct WithCall<F: Future> {
    state: Arc<CallState>,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for WithCall<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        struct Restore(Option<Arc<CallState>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                CURRENT_CALL.with(|c| *c.borrow_mut() = previous);
            }
        }
        let state = self.state.clone();
        let _restore = Restore(CURRENT_CALL.with(|c| c.borrow_mut().replace(state)));
        self.future.as_mut().poll(cx)
    }
}

fn current_call() -> Arc<CallState> {
    CURRENT_CALL
        .with(|c| c.borrow().clone())
        .unwrap_or_else(|| CallState::new(false))
}

/// Why an attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RetryReason {
    Connect,
    Timeout,
    Transport,
    Status(u16),
}

impl std::fmt::Display for RetryReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetryReason::Connect => f.write_str("connection failed"),
            RetryReason::Timeout => f.write_str("attempt timed out"),
            RetryReason::Transport => f.write_str("connection broke"),
            RetryReason::Status(s) => write!(f, "status {s}"),
        }
    }
}

impl Transport {
    /// Whether this attempt may be retried, given whether the call is safe
    /// to repeat.
    fn retry_reason(&self, safe: bool, attempt: &Attempt) -> Option<RetryReason> {
        match attempt {
            Attempt::Complete(response) => {
                let status = response.status().as_u16();
                let retryable = match status {
                    429 => true,
                    408 | 502 | 503 | 504 => safe,
                    _ => false,
                };
                retryable.then_some(RetryReason::Status(status))
            }
            // The request was answered: a write happened or may have.
            Attempt::Broken(_, problem) => match problem.kind {
                BodyProblemKind::TooLarge(_) => None,
                BodyProblemKind::TimedOut => safe.then_some(RetryReason::Timeout),
                BodyProblemKind::Broken(_) => safe.then_some(RetryReason::Transport),
            },
            // A refused or failed connection never reached the Hub: safe for
            // every method. (reqwest reports DNS and TLS handshake failures as
            // connect errors too.)
            Attempt::Failed(err) if err.is_connect() => Some(RetryReason::Connect),
            Attempt::Failed(err) if err.is_timeout() => safe.then_some(RetryReason::Timeout),
            Attempt::Failed(_) => safe.then_some(RetryReason::Transport),
        }
    }

    /// The delay before retry number `retry` (1-based): exponential backoff
    /// with jitter, or the Hub's `Retry-After`.
    fn backoff(&self, retry: u32) -> Duration {
        let exp = BACKOFF_BASE.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exp.min(BACKOFF_MAX);
        // "Equal jitter": half fixed, half random, so retries of many clients spread out.
        let jittered = capped.mul_f64(0.5 + 0.5 * jitter());
        jittered.mul_f64(self.backoff_scale.max(0.0))
    }
}

/// A number in [0, 1) that differs between calls and processes; not for
/// cryptography.
fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    // splitmix64 finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub(crate) fn parse_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
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

/// How much of an error body is read; the rest is dropped unread.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// One attempt's result, with the body read (or not) to the end.
enum Attempt {
    /// The whole response, its body buffered.
    Complete(Response),
    /// Status and headers arrived, the body did not arrive whole.
    Broken(http::response::Parts, BodyProblem),
    /// No response at all.
    Failed(reqwest::Error),
}

/// Reads the body inside the attempt, so that its timeout covers the body,
/// a read that breaks off can be retried (when safe), and no body is larger
/// than the limit. An error body is cut at [`MAX_ERROR_BODY`]: it is a
/// message, and the rest is dropped.
async fn read_whole(response: Response, max_response_bytes: usize) -> Attempt {
    use http_body_util::BodyExt;
    let success = response.status().is_success();
    let limit = if success {
        max_response_bytes
    } else {
        MAX_ERROR_BODY
    };
    let url = response.url().clone();
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, mut body) = response.into_parts();
    let parts = with_url(parts, url);
    // The Content-Length, when there is one: the buffer is sized once.
    let expected = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .unwrap_or(0)
        .min(limit);
    // A body that arrives in one frame (most small ones) is kept as it came,
    // without a copy; more frames are gathered into `buffer`.
    let mut first: Option<bytes::Bytes> = None;
    let mut buffer = bytes::BytesMut::new();
    let mut len = 0usize;
    let problem = loop {
        match body.frame().await {
            None => break None,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    let room = limit.saturating_sub(len);
                    let take = data.len().min(room);
                    let too_large = data.len() > room;
                    if len == 0 && !too_large {
                        first = Some(data);
                    } else {
                        if buffer.is_empty() {
                            buffer.reserve(expected.max(len + take));
                        }
                        if let Some(first) = first.take() {
                            buffer.extend_from_slice(&first);
                        }
                        buffer.extend_from_slice(&data[..take]);
                    }
                    len += take;
                    if too_large {
                        break success.then_some(BodyProblemKind::TooLarge(limit));
                    }
                }
            }
            Some(Err(err)) if err.is_timeout() => break Some(BodyProblemKind::TimedOut),
            Some(Err(err)) => break Some(BodyProblemKind::Broken(crate::call::describe(&err))),
        }
    };
    let bytes = first.unwrap_or_else(|| buffer.freeze());
    match problem {
        None => Attempt::Complete(Response::from(http::Response::from_parts(
            parts,
            reqwest::Body::from(bytes),
        ))),
        Some(kind) => {
            let status = parts.status.as_u16();
            Attempt::Broken(
                parts,
                BodyProblem {
                    status,
                    kind,
                    partial: bytes,
                },
            )
        }
    }
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

/// What every call accepts: the Hub answers a success with JSON and an error
/// with plain text (`hub-api.md`; the spec's 4xx/5xx are `text/plain`).
/// The generated code asks for `application/json` only, which a
/// content-negotiating server may answer with 406, or, as Prism does, with a
/// 200 in place of the documented error.
pub(crate) const ACCEPT: &str = "application/json, text/plain;q=0.9";

impl ClientHooks<Transport> for crate::raw::Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let headers = request.headers_mut();
        let json_only = headers
            .get(reqwest::header::ACCEPT)
            .is_none_or(|accept| accept == "application/json");
        if json_only {
            headers.insert(
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static(ACCEPT),
            );
        }
        Ok(())
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        let transport = progenitor_client::ClientInfo::inner(self);
        let http = progenitor_client::ClientInfo::client(self);
        let call = current_call();
        let method = request.method().clone();
        let safe = call.idempotent || method == Method::GET || method == Method::HEAD;
        let started = Instant::now();
        let deadline = started + transport.total_timeout;

        let span = tracing::info_span!(
            "kataven.request",
            operation = info.operation_id,
            method = %method,
            path = %path_template(request.url()),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let outcome = async {
            let mut request = request;
            loop {
                let attempt = call.attempts.fetch_add(1, Ordering::Relaxed) + 1;
                let remaining = deadline.saturating_duration_since(Instant::now());
                let (timeout, which) = if remaining < transport.attempt_timeout {
                    (remaining, AttemptBound::Total(transport.total_timeout))
                } else {
                    (
                        transport.attempt_timeout,
                        AttemptBound::Attempt(transport.attempt_timeout),
                    )
                };
                if let Ok(mut slot) = call.timeout.lock() {
                    *slot = Some(which);
                }
                *request.timeout_mut() = Some(timeout.max(Duration::from_millis(1)));
                // A request whose body cannot be cloned (a stream) is never retried.
                let retry_copy = if attempt <= transport.max_retries {
                    request.try_clone()
                } else {
                    None
                };

                let result = match http.execute(request).await {
                    Ok(response) => read_whole(response, transport.max_response_bytes).await,
                    Err(err) => Attempt::Failed(err),
                };
                let reason = transport.retry_reason(safe, &result);
                let (Some(reason), Some(next)) = (reason, retry_copy) else {
                    break result;
                };

                let retry_after = match &result {
                    Attempt::Complete(response) => parse_retry_after(response.headers()),
                    _ => None,
                };
                let delay = match retry_after {
                    // A hint beyond the cap fails fast: the caller gets the 429
                    // with its hint instead of a long silent wait.
                    Some(hint) if hint > transport.max_retry_after => break result,
                    Some(hint) => hint,
                    None => transport.backoff(attempt),
                };
                if Instant::now() + delay >= deadline {
                    break result;
                }
                tracing::info!(
                    attempt,
                    reason = %reason,
                    delay_ms = delay.as_millis() as u64,
                    "kataven: retrying {}",
                    info.operation_id
                );
                drop(result);
                tokio::time::sleep(delay).await;
                request = next;
            }
        }
        .instrument(span.clone())
        .await;

        span.record("attempts", call.attempts());
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        match outcome {
            Attempt::Complete(response) => {
                span.record("status", response.status().as_u16());
                if response.status().is_success() {
                    tracing::debug!(
                        "kataven: {} answered {}",
                        info.operation_id,
                        response.status()
                    );
                } else {
                    tracing::info!(
                        "kataven: {} answered {}",
                        info.operation_id,
                        response.status()
                    );
                }
                Ok(response)
            }
            Attempt::Broken(parts, problem) => {
                span.record("status", problem.status);
                tracing::info!(
                    "kataven: {} answered {} but its body did not arrive whole: {:?}",
                    info.operation_id,
                    problem.status,
                    problem.kind
                );
                // Hand on what arrived; the facade reads the problem from the
                // call state (a create's partial body may hold the key).
                let partial = problem.partial.clone();
                if let Ok(mut slot) = call.body_problem.lock() {
                    *slot = Some(problem);
                }
                Ok(Response::from(http::Response::from_parts(
                    parts,
                    reqwest::Body::from(partial),
                )))
            }
            Attempt::Failed(err) => {
                tracing::info!(error = %err, "kataven: {} failed", info.operation_id);
                Err(err)
            }
        }
    }
}
