//! When a request is sent again, and after how long. Pure functions of what
//! an attempt ended with, the settings and the clock, so every rule is unit
//! tested here; `hooks.rs` only carries them out.
//!
//! The rules (see `docs/reliability.md`): a request that is safe to repeat
//! (GET, and the one idempotent write, revoke) is retried on connection
//! failures, timeouts, a body that broke off, 408, 429, 502, 503 and 504. Any
//! other request is retried only when it provably never reached the Hub (the
//! connection could not be made) or on 429 (the Hub refused it before doing
//! anything), and only when the retry can run its whole attempt before the
//! deadline: a retried write cut short by the deadline may have happened, and
//! its answer (a new key) would be lost.
//
// Hand-written rather than a retry crate (backoff, backon, tower's retry):
// the decision needs what only this SDK knows (which writes may repeat, the
// deadline rule for writes, the cap on Retry-After), and it is 100 lines.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use super::settings::{Backoff, Settings, saturate};

/// How an attempt ended, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// A whole response with this status and `Retry-After` hint.
    Answered {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// Status and headers arrived; the body broke off.
    BodyBroken,
    /// Status and headers arrived; the body did not arrive in time.
    BodyTimedOut,
    /// The body is larger than allowed.
    BodyTooLarge,
    /// The answer came from another URL than the one sent (a caller's
    /// client followed a redirect): never repeated, never taken.
    Redirected,
    /// The connection could not be made (refused, DNS, TLS handshake).
    ConnectFailed,
    /// No answer within the attempt's timeout.
    TimedOut,
    /// The connection broke before an answer.
    Failed,
}

/// Why an attempt is retried, for the tracing event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryReason {
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

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Retry {
        delay: Duration,
        reason: RetryReason,
    },
    Stop,
}

/// The retry policy of one call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Policy<'a> {
    pub(crate) settings: &'a Settings,
    /// Whether repeating the request can do no harm.
    pub(crate) repeatable: bool,
    /// When the whole call must be over; `None` when the total timeout is
    /// too far away to matter.
    pub(crate) deadline: Option<Instant>,
}

impl Policy<'_> {
    /// Whether to retry after attempt number `attempt` (1-based) ended with
    /// `ending` at `now`; `jitter` is a number in [0, 1).
    pub(crate) fn after(
        &self,
        attempt: u32,
        ending: Ending,
        now: Instant,
        jitter: f64,
    ) -> Decision {
        let Some(reason) = reason(self.repeatable, ending) else {
            return Decision::Stop;
        };
        if attempt > self.settings.max_retries {
            return Decision::Stop;
        }
        let hint = match ending {
            Ending::Answered { retry_after, .. } => retry_after,
            _ => None,
        };
        let delay = match hint {
            // A hint beyond the cap fails fast: the caller gets the answer
            // with its hint instead of a long silent wait.
            Some(hint) if hint > self.settings.max_retry_after => return Decision::Stop,
            Some(hint) => hint,
            None => backoff(self.settings.backoff, attempt, jitter),
        };
        let Some(start) = now.checked_add(delay) else {
            return Decision::Stop;
        };
        if let Some(deadline) = self.deadline {
            // A write must have its whole attempt before the deadline.
            let needed = if self.repeatable {
                Duration::ZERO
            } else {
                self.settings.attempt_timeout
            };
            match start.checked_add(needed) {
                Some(end) if end < deadline || (!self.repeatable && end == deadline) => {}
                _ => return Decision::Stop,
            }
        }
        Decision::Retry { delay, reason }
    }
}

impl Ending {
    /// Whether a write whose attempt ended this way may have been applied:
    /// its request may have reached the Hub, and no answer said it did
    /// nothing (only a refused connection and a 4xx do).
    pub(crate) fn may_have_applied(self) -> bool {
        match self {
            Ending::Answered { status, .. } => status >= 500,
            Ending::ConnectFailed => false,
            Ending::BodyBroken
            | Ending::BodyTimedOut
            | Ending::BodyTooLarge
            | Ending::TimedOut
            | Ending::Failed
            | Ending::Redirected => true,
        }
    }
}

/// Whether an attempt that ended this way may be repeated.
pub(crate) fn reason(repeatable: bool, ending: Ending) -> Option<RetryReason> {
    match ending {
        Ending::Answered { status, .. } => {
            let retry = match status {
                429 => true,
                408 | 502 | 503 | 504 => repeatable,
                _ => false,
            };
            retry.then_some(RetryReason::Status(status))
        }
        // A refused or failed connection never reached the Hub: safe for
        // every method. (reqwest reports DNS and TLS handshake failures as
        // connect errors too.)
        Ending::ConnectFailed => Some(RetryReason::Connect),
        // The request was (or may have been) received: a write happened or
        // may have.
        Ending::TimedOut | Ending::BodyTimedOut => repeatable.then_some(RetryReason::Timeout),
        Ending::Failed | Ending::BodyBroken => repeatable.then_some(RetryReason::Transport),
        Ending::BodyTooLarge | Ending::Redirected => None,
    }
}

/// The delay before retry number `retry` (1-based): `initial` doubling up to
/// `max`, with equal jitter (half fixed, half random, so that many clients'
/// retries spread out).
pub(crate) fn backoff(backoff: Backoff, retry: u32, jitter: f64) -> Duration {
    let doublings = retry.saturating_sub(1).min(31);
    let capped = backoff
        .initial
        .saturating_mul(1u32 << doublings)
        .min(backoff.max);
    let factor = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
    Duration::try_from_secs_f64(capped.as_secs_f64() * factor).unwrap_or(capped)
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP date (a date in
/// the past means now). Saturated like every other duration.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(saturate(Duration::from_secs(seconds)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(saturate(when.duration_since(now).unwrap_or(Duration::ZERO)))
}

/// A number in [0, 1) that differs between calls and processes; not for
/// cryptography.
// Hand-written (splitmix64 over the clock and a counter) rather than the
// `rand` crate: one number per retry does not need a dependency.
pub(crate) fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    let mut x = nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn settings() -> Settings {
        Settings {
            max_retries: 2,
            attempt_timeout: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            backoff: Backoff {
                initial: Duration::from_millis(250),
                max: Duration::from_secs(8),
            },
            ..Settings::default()
        }
    }

    fn status(status: u16) -> Ending {
        Ending::Answered {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn what_is_retried_for_repeatable_and_other_requests() {
        for (ending, repeatable, other) in [
            (status(429), true, true),
            (status(503), true, false),
            (status(502), true, false),
            (status(504), true, false),
            (status(408), true, false),
            (status(500), false, false),
            (status(404), false, false),
            (status(200), false, false),
            (Ending::ConnectFailed, true, true),
            (Ending::TimedOut, true, false),
            (Ending::Failed, true, false),
            (Ending::BodyBroken, true, false),
            (Ending::BodyTimedOut, true, false),
            (Ending::BodyTooLarge, false, false),
        ] {
            assert_eq!(reason(true, ending).is_some(), repeatable, "{ending:?}");
            assert_eq!(reason(false, ending).is_some(), other, "{ending:?}");
        }
    }

    #[test]
    fn only_a_refused_connection_or_a_4xx_proves_a_write_was_not_applied() {
        for (ending, maybe) in [
            (Ending::ConnectFailed, false),
            (status(400), false),
            (status(429), false),
            (status(500), true),
            (status(503), true),
            (Ending::TimedOut, true),
            (Ending::Failed, true),
            (Ending::BodyBroken, true),
            (Ending::BodyTimedOut, true),
            (Ending::Redirected, true),
        ] {
            assert_eq!(ending.may_have_applied(), maybe, "{ending:?}");
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jitters_in_the_upper_half() {
        let b = settings().backoff;
        assert_eq!(backoff(b, 1, 0.0), Duration::from_millis(125));
        assert_eq!(backoff(b, 1, 1.0), Duration::from_millis(250));
        assert_eq!(backoff(b, 2, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(b, 3, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(b, 10, 1.0), Duration::from_secs(8));
        assert_eq!(
            backoff(b, u32::MAX, 0.999),
            Duration::from_secs(8).mul_f64(0.9995)
        );
        let huge = Backoff {
            initial: Duration::MAX,
            max: Duration::MAX,
        };
        assert_eq!(backoff(huge, u32::MAX, 0.5), Duration::MAX.mul_f64(0.75));
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn retry_after_in_seconds_and_as_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(7 * S));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let date = httpdate::fmt_http_date(now + 30 * S);
        assert_eq!(parse_retry_after(&date, now), Some(30 * S));
        let past = httpdate::fmt_http_date(now - 30 * S);
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(super::super::settings::LONGEST)
        );
        for junk in ["", "soon", "-1", "1.5", "Wed, 99 Foo 2026"] {
            assert_eq!(parse_retry_after(junk, now), None, "{junk}");
        }
    }

    #[test]
    fn the_retry_after_hint_is_honoured_up_to_the_cap() {
        let s = settings();
        let now = Instant::now();
        let policy = Policy {
            settings: &s,
            repeatable: true,
            deadline: now.checked_add(600 * S),
        };
        let hinted = |secs| Ending::Answered {
            status: 429,
            retry_after: Some(secs * S),
        };
        assert_eq!(
            policy.after(1, hinted(5), now, 0.5),
            Decision::Retry {
                delay: 5 * S,
                reason: RetryReason::Status(429)
            }
        );
        assert_eq!(policy.after(1, hinted(61), now, 0.5), Decision::Stop);
        assert_eq!(policy.after(3, hinted(1), now, 0.5), Decision::Stop);
    }

    #[test]
    fn no_retry_starts_that_the_deadline_cannot_hold() {
        let s = settings();
        let now = Instant::now();
        let read = Policy {
            settings: &s,
            repeatable: true,
            deadline: now.checked_add(2 * S),
        };
        let hinted = Ending::Answered {
            status: 429,
            retry_after: Some(S),
        };
        // A read may start with 1 s left.
        assert!(matches!(
            read.after(1, hinted, now, 0.5),
            Decision::Retry { .. }
        ));
        let late = Ending::Answered {
            status: 429,
            retry_after: Some(2 * S),
        };
        assert_eq!(read.after(1, late, now, 0.5), Decision::Stop);

        // A write needs its whole attempt timeout (10 s) after the delay.
        let write = Policy {
            repeatable: false,
            ..read
        };
        assert_eq!(write.after(1, hinted, now, 0.5), Decision::Stop);
        let roomy = Policy {
            deadline: now.checked_add(11 * S),
            ..write
        };
        assert!(matches!(
            roomy.after(1, hinted, now, 0.5),
            Decision::Retry { .. }
        ));
        // No deadline to speak of (a saturated total timeout).
        let unbounded = Policy {
            deadline: None,
            ..write
        };
        assert!(matches!(
            unbounded.after(1, hinted, now, 0.5),
            Decision::Retry { .. }
        ));
    }
}
