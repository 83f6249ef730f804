//! One attempt (a request sent, its answer read to the end, bounded in time
//! and size), and the bookkeeping of a call's attempts: which timeout bounds
//! the next one, whether to try again, the tracing span, and what the call
//! came to. Both drivers of the retry loop use it: the `exec` hook for a
//! call made through `raw()` (it retries a copy of the request), and the
//! call runner for a call of the facade (it runs the generated method again;
//! see `hooks.rs` for why).

use std::pin::pin;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Request, Response};

use super::body::{self, BodyProblem, ReadBody};
use super::reply::{Answer, Bound, Failure, Reply};
use super::retry::{self, Decision, Ending, Policy};
use super::settings::{MAX_ERROR_BODY, Settings};

/// How one attempt ended, with the body read (or not) to the end.
pub(crate) enum Attempt {
    /// Status and headers, and the body or what arrived of it (the
    /// response's own body has been read).
    Answered { response: Response, body: ReadBody },
    /// No response at all.
    Failed(reqwest::Error),
    /// No response head before the attempt's deadline (the SDK's own timer;
    /// reqwest's timeouts come as [`Failed`](Self::Failed)).
    TimedOut,
    /// A response from another origin or path than the request's (its
    /// origin): the caller's client followed a redirect.
    Redirected(String),
}

/// When one attempt must be over, and which timeout that is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    /// The attempt's time: the attempt timeout, or what is left of the total.
    pub(crate) timeout: Duration,
    /// `None` when the timeout is too far away to matter.
    pub(crate) deadline: Option<Instant>,
}

/// Sends `request` once and reads the answer's body inside the attempt.
/// `own_timer`: bound the head and the body by `plan.deadline` here (a call
/// of the facade); without it the request carries the timeout for reqwest
/// to enforce (a `raw()` call, whose caller gets reqwest's own error).
///
/// Not an `async fn`: the request goes to reqwest here, and the future keeps
/// only reqwest's (boxed) one and what the answer is judged by. An `async
/// fn` would keep the 264-byte request in its state twice (the argument and
/// the rebinding), and every future that awaits this one is as large as it
/// is plus its own state: each level is copied once into its parent, so
/// the size is paid at every level of a call (BENCHMARKS.md, "Instructions
/// and allocations per call").
pub(crate) fn send_once(
    http: &reqwest::Client,
    mut request: Request,
    settings: &Settings,
    callers_client: bool,
    plan: Plan,
    own_timer: bool,
) -> impl Future<Output = Attempt> + Send + use<> {
    let deadline = if own_timer {
        plan.deadline
    } else {
        *request.timeout_mut() = Some(plan.timeout.max(Duration::from_millis(1)));
        None
    };
    // Only the caller's client can follow a redirect; the copy of the URL is
    // made for it alone.
    let sent = callers_client.then(|| request.url().clone());
    let limits = (settings.max_response_bytes, MAX_ERROR_BODY);
    // reqwest builds its request here (the client's default headers merged,
    // its own timeouts' timers made), but sends nothing until the future is
    // polled; both callers await it at once, and the SDK's own timer is made
    // inside the future.
    let pending = http.execute(request);
    async move {
        // One timer for the head and every body frame.
        let mut timer = pin!(deadline.map(|deadline| tokio::time::sleep_until(deadline.into())));
        let response = match body::within(timer.as_mut().as_pin_mut(), pending).await {
            None => return Attempt::TimedOut,
            Some(Err(err)) => return Attempt::Failed(err),
            Some(Ok(response)) => response,
        };
        if sent.as_ref().is_some_and(|url| url != response.url()) {
            return Attempt::Redirected(response.url().origin().ascii_serialization());
        }
        let mut response = response;
        let success = response.status().is_success();
        let limit = if success { limits.0 } else { limits.1 };
        let body = body::read(&mut response, limit, !success, timer.as_mut().as_pin_mut()).await;
        Attempt::Answered { response, body }
    }
}

/// What the bookkeeping keeps of an attempt.
pub(crate) enum Outcome {
    /// A response: its status, hints and body (or what arrived of it).
    Answered(Answer),
    /// No response at all.
    Failed(reqwest::Error),
    /// No response head in time (the SDK's own timer).
    TimedOut,
    /// Answered from this origin after a redirect.
    Redirected(String),
}

impl Attempt {
    /// What the bookkeeping keeps, and the response (its body read), which
    /// goes back to the generated code.
    pub(crate) fn split(self) -> (Outcome, Option<Response>) {
        match self {
            Attempt::Answered { response, body } => {
                let headers = response.headers();
                let status = response.status();
                let answer = Answer {
                    status: status.as_u16(),
                    body: body.bytes,
                    problem: body.problem,
                    // A hint for the retry rules and the error; a success
                    // has no use for it.
                    retry_after: if status.is_success() {
                        None
                    } else {
                        retry_after(headers)
                    },
                    request_id: request_id(headers),
                };
                (Outcome::Answered(answer), Some(response))
            }
            Attempt::Failed(err) => (Outcome::Failed(err), None),
            Attempt::TimedOut => (Outcome::TimedOut, None),
            Attempt::Redirected(origin) => (Outcome::Redirected(origin), None),
        }
    }
}

impl Outcome {
    pub(crate) fn ending(&self) -> Ending {
        match self {
            Outcome::Answered(answer) => match &answer.problem {
                None => Ending::Answered {
                    status: answer.status,
                    retry_after: answer.retry_after,
                },
                Some(BodyProblem::Broken(_)) => Ending::BodyBroken,
                Some(BodyProblem::TimedOut) => Ending::BodyTimedOut,
                Some(BodyProblem::TooLarge(_)) => Ending::BodyTooLarge,
            },
            Outcome::Redirected(_) => Ending::Redirected,
            Outcome::TimedOut => Ending::TimedOut,
            Outcome::Failed(err) if err.is_connect() => Ending::ConnectFailed,
            Outcome::Failed(err) if err.is_timeout() => Ending::TimedOut,
            Outcome::Failed(_) => Ending::Failed,
        }
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    retry::parse_retry_after(value, SystemTime::now())
}

/// The Hub's request id: `x-request-id`, else `request-id`. One pass over
/// the response's few headers (hyper accepts at most 100), comparing
/// lengths first: two lookups by name hash each name and probe the map,
/// which cost ~250 instructions per call (benches/sdk_vs_raw.rs `--count`),
/// and this runs for every answer, successes included (a success whose body
/// does not decode reports it).
fn request_id(headers: &HeaderMap) -> Option<HeaderValue> {
    let mut fallback = None;
    for (name, value) in headers {
        match name.as_str() {
            "x-request-id" => return Some(value.clone()),
            "request-id" if fallback.is_none() => fallback = Some(value),
            _ => {}
        }
    }
    fallback.cloned()
}

/// A call's attempts so far.
pub(crate) struct Progress {
    operation: &'static str,
    /// The request is a write (its method is not safe).
    write: bool,
    /// Repeating the request can do no harm.
    repeatable: bool,
    started: Instant,
    deadline: Option<Instant>,
    attempts: u32,
    bound: Bound,
    applied_earlier: bool,
    /// One span per call, all attempts in it (disabled, and nearly free,
    /// when no subscriber listens).
    pub(crate) span: tracing::Span,
}

/// What to do after an attempt.
pub(crate) enum Next {
    /// Send again (the delay has been waited).
    Retry,
    /// The call is over.
    Done,
}

impl Progress {
    /// A call of `operation` whose first request is `request`; `repeatable`:
    /// the operation may be repeated although its method says otherwise.
    pub(crate) fn start(
        settings: &Settings,
        operation: &'static str,
        request: &Request,
        repeatable: bool,
    ) -> Self {
        let method = request.method();
        let started = Instant::now();
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
        Self {
            operation,
            write: !method.is_safe(),
            repeatable: repeatable || method == Method::GET || method == Method::HEAD,
            started,
            deadline: started.checked_add(settings.total_timeout),
            attempts: 0,
            bound: Bound::Attempt(settings.attempt_timeout),
            applied_earlier: false,
            span,
        }
    }

    /// How many attempts have been planned.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The next attempt's time.
    pub(crate) fn plan(&mut self, settings: &Settings) -> Plan {
        self.attempts = self.attempts.saturating_add(1);
        // The first attempt starts when the call does: one clock read.
        let now = if self.attempts == 1 {
            self.started
        } else {
            Instant::now()
        };
        let remaining = self
            .deadline
            .map(|deadline| deadline.saturating_duration_since(now));
        self.bound = match remaining {
            Some(left) if left < settings.attempt_timeout => Bound::Total(settings.total_timeout),
            _ => Bound::Attempt(settings.attempt_timeout),
        };
        let timeout = remaining.map_or(settings.attempt_timeout, |left| {
            left.min(settings.attempt_timeout)
        });
        Plan {
            timeout,
            deadline: now.checked_add(timeout),
        }
    }

    /// Whether to send again after an attempt that ended with `ending`
    /// (`can_repeat`: there is a request to send); waits the delay first.
    pub(crate) async fn after(
        &mut self,
        settings: &Settings,
        ending: Ending,
        can_repeat: bool,
    ) -> Next {
        // Most attempts end in an answer nothing would retry: no clock, no
        // jitter for them.
        if retry::reason(self.repeatable, ending).is_none() {
            return Next::Done;
        }
        let policy = Policy {
            settings,
            repeatable: self.repeatable,
            deadline: self.deadline,
        };
        match policy.after(self.attempts, ending, Instant::now(), retry::jitter()) {
            Decision::Retry { delay, reason } if can_repeat => {
                let operation = self.operation;
                let attempt = self.attempts;
                self.span.in_scope(|| {
                    tracing::info!(
                        attempt,
                        reason = %reason,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "kataven: retrying {operation}"
                    );
                });
                self.applied_earlier |= ending.may_have_applied();
                tokio::time::sleep(delay).await;
                Next::Retry
            }
            _ => Next::Done,
        }
    }

    /// Records the call's end on its span and in the log.
    pub(crate) fn log_end(&self, last: &Outcome) {
        let span = &self.span;
        let operation = self.operation;
        // No clock for a span nobody listens to.
        if !span.is_disabled() {
            span.record("attempts", self.attempts);
            span.record(
                "elapsed_ms",
                u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
        }
        let _entered = span.enter();
        match last {
            Outcome::Answered(answer) => {
                let status = answer.status;
                span.record("status", status);
                if let Some(id) = answer.request_id.as_ref().and_then(|id| id.to_str().ok()) {
                    span.record("request_id", id);
                }
                match &answer.problem {
                    None if answer.is_success() => {
                        tracing::debug!("kataven: {operation} answered {status}");
                    }
                    None => tracing::info!("kataven: {operation} answered {status}"),
                    Some(problem) => tracing::info!(
                        "kataven: {operation} answered {status} but its body did not arrive whole: {problem:?}"
                    ),
                }
            }
            Outcome::Failed(err) => {
                tracing::info!(error = %err, "kataven: {operation} failed");
            }
            Outcome::TimedOut => tracing::info!("kataven: {operation} timed out"),
            Outcome::Redirected(origin) => tracing::warn!(
                "kataven: {operation} was answered from {origin} after a redirect; refused"
            ),
        }
    }

    /// What the call came to, for the call runner to judge.
    pub(crate) fn into_reply(self, last: Outcome) -> Reply {
        let mut reply = Reply {
            operation: self.operation,
            attempts: self.attempts,
            bound: self.bound,
            write: self.write,
            applied_earlier: self.applied_earlier,
            answer: None,
            failure: None,
            redirected_to: None,
        };
        match last {
            Outcome::Answered(answer) => reply.answer = Some(answer),
            Outcome::Failed(err) => reply.failure = Some(Failure::Failed(err)),
            Outcome::TimedOut => reply.failure = Some(Failure::TimedOut),
            Outcome::Redirected(origin) => reply.redirected_to = Some(origin),
        }
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_request_id_is_x_request_id_else_request_id() {
        let id = |pairs| request_id(&headers(pairs));
        assert_eq!(id(&[("x-request-id", "a")]).unwrap(), "a");
        assert_eq!(id(&[("request-id", "b")]).unwrap(), "b");
        // Whichever comes first, x-request-id wins.
        assert_eq!(
            id(&[("request-id", "b"), ("x-request-id", "a")]).unwrap(),
            "a"
        );
        assert_eq!(
            id(&[("x-request-id", "a"), ("request-id", "b")]).unwrap(),
            "a"
        );
        // Of several values, the first.
        assert_eq!(
            id(&[("request-id", "b"), ("request-id", "c")]).unwrap(),
            "b"
        );
        assert_eq!(
            id(&[("content-type", "text/plain"), ("x-request-idx", "z")]),
            None
        );
        assert_eq!(id(&[]), None);
    }
}
