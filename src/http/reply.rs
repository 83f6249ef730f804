//! What one call of the facade came to, all attempts, as the transport saw
//! it: the one value the call runner judges.
//!
//! The runner drives the attempts of a facade call itself (it runs the
//! generated method once per attempt; `hooks.rs` says why), and the hook
//! leaves each attempt's outcome in the call's slot. When the attempts are
//! over, this [`Reply`] says how many there were, which timeout bounded the
//! last one, what a broken body held, the request id, and what a write may
//! have done.

use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;

use super::body::BodyProblem;

/// One call, all attempts, as the transport saw it.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The operation id of the generated method.
    pub(crate) operation: &'static str,
    /// How many requests were sent.
    pub(crate) attempts: u32,
    /// Which timeout bounded the last attempt.
    pub(crate) bound: Bound,
    /// Whether the request was a write (its method is not safe): once it
    /// may have reached the Hub, it may have taken effect.
    pub(crate) write: bool,
    /// Whether an attempt before the last may have been applied (an
    /// idempotent write is retried after a broken connection): the call's
    /// outcome is then "possibly applied" whatever the last attempt says.
    pub(crate) applied_earlier: bool,
    /// The last answer, if there was one.
    pub(crate) answer: Option<Answer>,
    /// Why there was no answer, when there was none and no redirect.
    pub(crate) failure: Option<Failure>,
    /// Where the last answer came from, when that is not the URL sent (the
    /// caller's own client followed a redirect): the answer is not the Hub's.
    pub(crate) redirected_to: Option<String>,
}

/// Why the last attempt of a call had no answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The connection failed, broke, or reqwest's own timeout fired.
    Failed(reqwest::Error),
    /// No response head within the attempt's time.
    TimedOut,
}

/// The last response of a call: everything the runner needs to judge it.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// The body, or what arrived of it; bounded.
    pub(crate) body: Bytes,
    /// Why the body is not whole, if it is not.
    pub(crate) problem: Option<BodyProblem>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) request_id: Option<HeaderValue>,
}

impl Answer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Which timeout bounded an attempt. Kept as data and worded only when a
/// call times out: formatting it on every attempt cost two allocations and
/// ~1,000 instructions per call (benches/sdk_vs_raw.rs, callgrind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// What was left of the total timeout, which is named here.
    Total(Duration),
    /// The per-attempt timeout.
    Attempt(Duration),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Total(d) => write!(f, "total timeout of {d:?}"),
            Bound::Attempt(d) => write!(f, "attempt timeout of {d:?}"),
        }
    }
}
