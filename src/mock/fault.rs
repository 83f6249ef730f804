//! Faults: what the mock Hub can do instead of answering normally, and the
//! queue that decides which request meets which fault.

use std::collections::VecDeque;
use std::time::Duration;

/// A fault to inject with [`MockHub::inject`](super::MockHub::inject) (the
/// next requests, whatever they are) or
/// [`MockHub::inject_on`](super::MockHub::inject_on) (the next requests to
/// one route).
///
/// ```
/// # #[cfg(feature = "mock")] {
/// use std::time::Duration;
/// use kataven::mock::Fault;
///
/// let _ = Fault::status(503);
/// let _ = Fault::rate_limited(Duration::from_secs(1));
/// let _ = Fault::delay(Duration::from_millis(200));
/// let _ = Fault::respond(201, "application/json", r#"{"public_key":"pk_live_acme_x"#);
/// let _ = Fault::connection_reset();
/// let _ = Fault::connection_reset_after_handling();
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer this status with a plain-text body, before doing anything.
    Status {
        /// The status.
        status: u16,
        /// A `Retry-After` header, in seconds.
        retry_after: Option<u64>,
    },
    /// Wait, then handle the request normally.
    Delay(Duration),
    /// Do the operation, then answer with this status, content type and body
    /// instead of the real response (e.g. a truncated create response).
    Respond {
        /// The status.
        status: u16,
        /// The `Content-Type`.
        content_type: String,
        /// The body.
        body: String,
    },
    /// Close the connection with a TCP reset, without an answer and before
    /// doing anything: the operation did not happen.
    ConnectionReset,
    /// Do the operation, then close the connection with a TCP reset instead
    /// of answering: the operation happened, but the caller cannot know.
    ConnectionResetAfterHandling,
    /// Do the operation, then send the real answer's head (with its full
    /// `Content-Length`) and only the first `bytes` of its body, then break
    /// the connection.
    Truncated {
        /// How much of the body to send.
        bytes: usize,
    },
    /// Do the operation, then send the real answer's head and the first
    /// `bytes` of its body, then nothing more until the caller gives up.
    Stalled {
        /// How much of the body to send.
        bytes: usize,
    },
}

impl Fault {
    /// Answer `status` (e.g. 500, 503) with a plain-text message, without
    /// doing anything.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{Fault, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// let client = hub.client_builder().max_retries(0).build()?;
    /// hub.inject(Fault::status(500), 1);
    /// let err = client.widget_keys().list().await.unwrap_err();
    /// assert_eq!(err.status(), Some(500));
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
        }
    }

    /// Answer 429 with `Retry-After` in whole seconds, rounded up (a
    /// duration too long for that saturates).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use std::time::Duration;
    /// use kataven::mock::Fault;
    ///
    /// let fault = Fault::rate_limited(Duration::from_millis(1500));
    /// assert_eq!(fault, Fault::Status { status: 429, retry_after: Some(2) });
    /// # }
    /// ```
    pub fn rate_limited(retry_after: Duration) -> Self {
        let secs = retry_after
            .as_secs()
            .saturating_add(u64::from(retry_after.subsec_nanos() > 0));
        Fault::Status {
            status: 429,
            retry_after: Some(secs),
        }
    }

    /// Wait this long, then answer normally.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use std::time::Duration;
    /// use kataven::mock::Fault;
    ///
    /// let slow = Fault::delay(Duration::from_secs(2));
    /// # }
    /// ```
    pub fn delay(delay: Duration) -> Self {
        Fault::Delay(delay)
    }

    /// Do the operation, but answer with this status, content type and body.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use kataven::mock::Fault;
    ///
    /// // A create that happens, but whose answer arrives cut off.
    /// let truncated = Fault::respond(201, "application/json", r#"{"public_key":"pk_live_acme_x"#);
    /// # }
    /// ```
    pub fn respond(status: u16, content_type: impl Into<String>, body: impl Into<String>) -> Self {
        Fault::Respond {
            status,
            content_type: content_type.into(),
            body: body.into(),
        }
    }

    /// Reset the connection (TCP RST) without answering, before doing
    /// anything. The SDK retries a list through it; it does not retry a
    /// create, which could have happened as far as the SDK can tell.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{Fault, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// let client = hub.client()?;
    /// hub.inject(Fault::connection_reset(), 1);
    /// assert!(client.widget_keys().list().await?.is_empty()); // retried
    /// assert_eq!(hub.requests().len(), 2);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn connection_reset() -> Self {
        Fault::ConnectionReset
    }

    /// Do the operation, then reset the connection (TCP RST) instead of
    /// answering. The hardest case for a caller: a create happened, and the
    /// plaintext key is lost with the answer.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{Fault, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// let client = hub.client()?;
    /// hub.inject_on("POST", "/api/v1/widget-keys", Fault::connection_reset_after_handling(), 1);
    /// let err = client.widget_keys().create("acme.com").await.unwrap_err();
    /// assert!(err.is_possibly_applied()); // and the error says so
    /// assert_eq!(hub.widget_keys().list().len(), 1); // it was created all the same
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn connection_reset_after_handling() -> Self {
        Fault::ConnectionResetAfterHandling
    }

    /// Do the operation, then send the head and the first `bytes` of the real
    /// answer's body, and break the connection: a create whose plaintext may
    /// or may not have arrived before the cut.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{Fault, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// let client = hub.client()?;
    /// hub.inject_on("POST", "/api/v1/widget-keys", Fault::truncated(10_000), 1);
    /// // Cut past the end: the whole body arrived, so nothing is lost.
    /// client.widget_keys().create("acme.com").await?;
    /// hub.inject_on("POST", "/api/v1/widget-keys", Fault::truncated(20), 1);
    /// let err = client.widget_keys().create("acme.com").await.unwrap_err();
    /// assert_eq!(err.status(), Some(201)); // created; the key was in the part that never came
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn truncated(bytes: usize) -> Self {
        Fault::Truncated { bytes }
    }

    /// Do the operation, then send the head and the first `bytes` of the real
    /// answer's body, and stall: the caller's attempt timeout ends it.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use std::time::Duration;
    /// use kataven::mock::{Fault, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// let client = hub.client_builder().attempt_timeout(Duration::from_millis(200)).build()?;
    /// hub.inject(Fault::stalled(1), 1);
    /// assert!(client.widget_keys().list().await?.is_empty()); // a read is retried
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn stalled(bytes: usize) -> Self {
        Fault::Stalled { bytes }
    }
}

/// The requests a queued fault applies to: one method and one path pattern,
/// where a `{...}` segment (such as `{id}`) matches any one segment.
#[derive(Debug, Clone)]
struct Route {
    method: String,
    pattern: String,
}

impl Route {
    fn matches(&self, method: &str, path: &str) -> bool {
        if !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let mut wanted = self.pattern.split('/');
        let mut got = path.split('/');
        loop {
            match (wanted.next(), got.next()) {
                (None, None) => return true,
                (Some(want), Some(seg)) => {
                    let any = want.starts_with('{') && want.ends_with('}');
                    if !((any && !seg.is_empty()) || want == seg) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }
}

#[derive(Debug)]
struct Queued {
    fault: Fault,
    route: Option<Route>,
    remaining: usize,
}

/// Injected faults in the order they were queued, and the random ones.
#[derive(Debug, Default)]
pub(super) struct FaultQueue {
    queued: VecDeque<Queued>,
    random_rate: f64,
    random: Vec<Fault>,
}

impl FaultQueue {
    /// Queues `fault` for the next `times` requests (to `route`, if given).
    fn push(&mut self, fault: Fault, route: Option<Route>, times: usize) {
        if times > 0 {
            self.queued.push_back(Queued {
                fault,
                route,
                remaining: times,
            });
        }
    }

    pub(super) fn push_any(&mut self, fault: Fault, times: usize) {
        self.push(fault, None, times);
    }

    pub(super) fn push_on(&mut self, method: &str, pattern: &str, fault: Fault, times: usize) {
        let route = Route {
            method: method.to_string(),
            pattern: pattern.to_string(),
        };
        self.push(fault, Some(route), times);
    }

    pub(super) fn set_random(&mut self, rate: f64, faults: Vec<Fault>) {
        // A NaN rate would pass through `clamp` and fault every request.
        self.random_rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self.random = faults;
    }

    pub(super) fn clear(&mut self) {
        *self = FaultQueue::default();
    }

    /// The fault for a request: the first queued one that applies to it,
    /// else maybe a random one.
    pub(super) fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.queued.iter().position(|queued| {
            queued
                .route
                .as_ref()
                .is_none_or(|route| route.matches(method, path))
        });
        if let Some(index) = index {
            let queued = self.queued.get_mut(index)?;
            let fault = queued.fault.clone();
            queued.remaining = queued.remaining.saturating_sub(1);
            if queued.remaining == 0 {
                self.queued.remove(index);
            }
            return Some(fault);
        }
        self.random_fault()
    }

    fn random_fault(&self) -> Option<Fault> {
        if self.random_rate <= 0.0 || self.random.is_empty() {
            return None;
        }
        let roll = u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().ok()?);
        // The top 53 bits as a float in [0, 1).
        let unit = (roll >> 11) as f64 / (1u64 << 53) as f64;
        if unit >= self.random_rate {
            return None;
        }
        let pick = usize::try_from(roll % self.random.len() as u64).ok()?;
        self.random.get(pick).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_matches_its_method_and_path_with_any_id() {
        let route = Route {
            method: "PATCH".into(),
            pattern: "/api/v1/widget-keys/{id}".into(),
        };
        assert!(route.matches("PATCH", "/api/v1/widget-keys/0b6f8e2a"));
        assert!(route.matches("patch", "/api/v1/widget-keys/x"));
        assert!(!route.matches("DELETE", "/api/v1/widget-keys/x"));
        assert!(!route.matches("PATCH", "/api/v1/widget-keys/"));
        assert!(!route.matches("PATCH", "/api/v1/widget-keys"));
        assert!(!route.matches("PATCH", "/api/v1/widget-keys/x/y"));
        let collection = Route {
            method: "POST".into(),
            pattern: "/api/v1/widget-keys".into(),
        };
        assert!(collection.matches("POST", "/api/v1/widget-keys"));
        assert!(!collection.matches("POST", "/api/v1/widget-keys/x"));
    }

    #[test]
    fn faults_are_taken_in_order_by_the_requests_they_apply_to() {
        let mut queue = FaultQueue::default();
        queue.push_on("POST", "/a", Fault::status(503), 2);
        queue.push_any(Fault::status(500), 1);
        assert_eq!(queue.take("GET", "/a"), Some(Fault::status(500)));
        assert_eq!(queue.take("GET", "/a"), None);
        assert_eq!(queue.take("POST", "/a"), Some(Fault::status(503)));
        assert_eq!(queue.take("POST", "/a"), Some(Fault::status(503)));
        assert_eq!(queue.take("POST", "/a"), None);
    }

    #[test]
    fn a_huge_count_is_one_entry_and_zero_is_none() {
        let mut queue = FaultQueue::default();
        queue.push_any(Fault::status(500), 0);
        assert_eq!(queue.take("GET", "/"), None);
        queue.push_any(Fault::status(500), usize::MAX);
        assert_eq!(queue.queued.len(), 1);
        assert_eq!(queue.take("GET", "/"), Some(Fault::status(500)));
    }

    #[test]
    fn random_faults_follow_the_rate() {
        let mut queue = FaultQueue::default();
        queue.set_random(1.0, vec![Fault::status(503)]);
        assert_eq!(queue.take("GET", "/"), Some(Fault::status(503)));
        queue.set_random(f64::NAN, vec![Fault::status(503)]);
        assert_eq!(queue.take("GET", "/"), None);
    }
}
