//! The settings every call runs under, their defaults, and the checks that
//! keep any value a caller can set from reaching a panic later.

use std::time::Duration;

use crate::error::{Error, Result};

/// Defaults, written in the docs of [`ClientBuilder`](crate::ClientBuilder).
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 2;
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
pub(crate) const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
pub(crate) const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_millis(250);
pub(crate) const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(8);

/// How much of an error body is read; the rest is dropped unread. An error
/// body is a message, not data.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// The longest duration any setting keeps: 100 years. Longer values (up to
/// `Duration::MAX`) are saturated to it, so that adding one to an `Instant`
/// can never overflow.
pub(crate) const LONGEST: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// Exponential backoff between retries: `initial`, doubling, capped at `max`,
/// with "equal jitter" (half fixed, half random).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
}

/// What bounds every call: retries, timeouts, body sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) max_retries: u32,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) max_retry_after: Duration,
    pub(crate) backoff: Backoff,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_retries: DEFAULT_MAX_RETRIES,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            backoff: Backoff {
                initial: DEFAULT_BACKOFF_INITIAL,
                max: DEFAULT_BACKOFF_MAX,
            },
        }
    }
}

impl Settings {
    /// Refuses what cannot work and saturates what is merely huge.
    pub(crate) fn checked(mut self) -> Result<Self> {
        for (field, value) in [
            ("attempt_timeout", self.attempt_timeout),
            ("total_timeout", self.total_timeout),
        ] {
            if value.is_zero() {
                return Err(Error::invalid(field, "it must be longer than zero"));
            }
        }
        if self.max_response_bytes == 0 {
            return Err(Error::invalid(
                "max_response_bytes",
                "it must be at least 1",
            ));
        }
        if self.backoff.initial > self.backoff.max {
            return Err(Error::invalid(
                "backoff",
                "the first delay is longer than the longest",
            ));
        }
        for duration in [
            &mut self.attempt_timeout,
            &mut self.total_timeout,
            &mut self.max_retry_after,
            &mut self.backoff.initial,
            &mut self.backoff.max,
        ] {
            *duration = saturate(*duration);
        }
        Ok(self)
    }
}

/// Caps a duration at [`LONGEST`].
pub(crate) fn saturate(duration: Duration) -> Duration {
    duration.min(LONGEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_saturate_and_zero_ones_are_refused() {
        let settings = Settings {
            total_timeout: Duration::MAX,
            attempt_timeout: Duration::MAX,
            max_retry_after: Duration::MAX,
            ..Settings::default()
        }
        .checked()
        .ok();
        let settings = settings.as_ref();
        assert_eq!(settings.map(|s| s.total_timeout), Some(LONGEST));
        assert_eq!(settings.map(|s| s.attempt_timeout), Some(LONGEST));
        assert_eq!(settings.map(|s| s.max_retry_after), Some(LONGEST));
        // 100 years from now is still an Instant.
        assert!(std::time::Instant::now().checked_add(LONGEST).is_some());

        let zero = Settings {
            total_timeout: Duration::ZERO,
            ..Settings::default()
        };
        assert!(matches!(
            zero.checked(),
            Err(Error::InvalidInput {
                field: "total_timeout",
                ..
            })
        ));
        let empty = Settings {
            max_response_bytes: 0,
            ..Settings::default()
        };
        assert!(empty.checked().is_err());
    }
}
