//! What one call learned that progenitor's return value cannot carry.
//!
//! The generated methods hand the `exec` hook's result (a
//! `reqwest::Response` or a `reqwest::Error`) through their own status
//! matching and decoding, which keeps only a status and headers (for a
//! declared status) or the bytes (for a body that did not decode). What else
//! the call learned (how many attempts it took, which timeout bounded the
//! last one, what a broken body held, the request id) comes back here: the
//! hook writes one [`Reply`] when the call is over, and the call runner reads
//! it once. Nothing else is shared between the two.

use std::sync::Mutex;
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
    /// Where the last answer came from, when that is not the URL sent (the
    /// caller's own client followed a redirect): the answer is not the Hub's.
    pub(crate) redirected_to: Option<String>,
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

/// Where the hook leaves the [`Reply`] of one call: written once, read once.
/// It lives in the call's own copy of the transport (no allocation of its
/// own); a clone is a new, empty slot, as a clone of a call's client is not
/// that call.
#[derive(Debug, Default)]
pub(crate) struct ReplySlot(Mutex<Option<Reply>>);

impl Clone for ReplySlot {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl ReplySlot {
    pub(crate) fn put(&self, reply: Reply) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(reply);
        }
    }

    pub(crate) fn take(&self) -> Option<Reply> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}
