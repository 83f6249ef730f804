//! An in-memory Kataven Hub on a real loopback HTTP server, for tests that
//! should exercise real HTTP without the network: yours, this crate's, and
//! the quickstart's.
//!
//! It follows `hub-api.md` and `openapi.json`: bearer auth (an API key, or a
//! JWT with `X-Account-ID`), plain-text errors with the documented statuses,
//! the plaintext key returned once, the replace-not-merge allowlist,
//! `agent_id: null` unpinning, `disabled` setting and clearing `disabled_at`,
//! hard delete of a never-used key and soft delete of a used one, 404 for an
//! unknown id and 405 with `Allow` for an undeclared method. It records every
//! request, and can inject faults.
//!
//! ```
//! use kataven::mock::{Fault, MockHub};
//!
//! # async fn run() -> kataven::Result<()> {
//! let hub = MockHub::start().await;
//! let client = kataven::Client::builder()
//!     .api_key(hub.api_key())
//!     .base_url(hub.base_url())
//!     .build()?;
//!
//! // The next request answers 503; the list is retried and succeeds.
//! hub.inject(Fault::status(503), 1);
//! assert!(client.widget_keys().list().await?.is_empty());
//! assert_eq!(hub.requests().len(), 2);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! ```

mod routes;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use crate::widget_keys::{PublicKey, WidgetKey, WidgetKeyId};

/// A running mock Hub. It stops when dropped.
#[derive(Debug)]
pub struct MockHub {
    base_url: String,
    addr: SocketAddr,
    state: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

/// Configures a [`MockHub`] before it starts.
///
/// ```
/// # async fn run() -> std::io::Result<()> {
/// let hub = kataven::mock::MockHub::builder()
///     .account("acme")
///     .path_prefix("/hub-api")
///     .try_start()
///     .await?;
/// assert!(hub.base_url().ends_with("/hub-api"));
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Debug, Default)]
#[must_use = "call .start() or .try_start()"]
pub struct MockHubBuilder {
    api_key: Option<String>,
    account: Option<String>,
    path_prefix: String,
    addr: Option<SocketAddr>,
}

impl MockHubBuilder {
    /// The API key the Hub accepts (default: a random `sk_live_<account>_...`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The one account the Hub serves (default `acme`).
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// Serves the API under a path prefix, as the real Hub does under `/hub-api`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = prefix.into().trim_end_matches('/').to_string();
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// Starts the Hub.
    ///
    /// # Panics
    ///
    /// If no port can be bound; use [`try_start`](Self::try_start) to handle that.
    pub async fn start(self) -> MockHub {
        match self.try_start().await {
            Ok(hub) => hub,
            Err(err) => panic!("kataven::mock: cannot start the mock Hub: {err}"),
        }
    }

    /// Starts the Hub, or says why it could not bind.
    pub async fn try_start(self) -> std::io::Result<MockHub> {
        let account = self.account.unwrap_or_else(|| "acme".to_string());
        let api_key = self
            .api_key
            .unwrap_or_else(|| format!("sk_live_{account}_{}", random_token(24)));
        let jwt = format!(
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJtb2NrIn0.{}",
            random_token(32)
        );
        let addr = self
            .addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Shared {
            api_key,
            jwt,
            account,
            prefix: self.path_prefix.clone(),
            inner: Mutex::new(State::default()),
        });
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = routes::router(state.clone());
        tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(err) = server.await {
                tracing::warn!("kataven::mock: server stopped: {err}");
            }
        });
        Ok(MockHub {
            base_url: format!("http://{addr}{}", self.path_prefix),
            addr,
            state,
            shutdown: Some(shutdown),
        })
    }
}

impl MockHub {
    /// Starts a Hub on a free loopback port with a random API key.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound; use
    /// [`MockHub::builder`]`().try_start()` to handle that.
    pub async fn start() -> MockHub {
        MockHub::builder().start().await
    }

    /// A [`MockHubBuilder`] to choose the key, account, prefix or address.
    pub fn builder() -> MockHubBuilder {
        MockHubBuilder::default()
    }

    /// The base URL to give [`ClientBuilder::base_url`](crate::ClientBuilder::base_url).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A [`ClientBuilder`](crate::ClientBuilder) for this Hub: its base URL
    /// and API key, and instant retries (no backoff), so that your tests of
    /// retried calls run fast. Add your own settings before `build()`.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let client = hub.client_builder().max_retries(1).build()?;
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn client_builder(&self) -> crate::ClientBuilder {
        crate::Client::builder()
            .api_key(self.api_key())
            .base_url(self.base_url())
            .backoff(Duration::ZERO, Duration::ZERO)
    }

    /// A [`Client`](crate::Client) of this Hub, as
    /// [`client_builder`](Self::client_builder) makes it.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let client = hub.client()?;
    /// assert!(client.widget_keys().list().await?.is_empty());
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn client(&self) -> crate::Result<crate::Client> {
        self.client_builder().build()
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key it accepts.
    pub fn api_key(&self) -> &str {
        &self.state.api_key
    }

    /// A JWT it accepts, together with `X-Account-ID:` [`account`](Self::account).
    pub fn jwt(&self) -> &str {
        &self.state.jwt
    }

    /// The account it serves.
    pub fn account(&self) -> &str {
        &self.state.account
    }

    /// Answers the next `times` requests with `fault` (faults queue up in
    /// order; a delay fault delays and then answers normally).
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut state = self.state.lock();
        for _ in 0..times {
            state.faults.push_back(fault.clone());
        }
    }

    /// Answers each request, with probability `rate` (0.0 to 1.0), with one
    /// of `faults` picked at random, when no injected fault is queued. For
    /// load tests; `rate = 0.0` turns it off.
    ///
    /// ```
    /// # async fn run() {
    /// use kataven::mock::{Fault, MockHub};
    /// let hub = MockHub::start().await;
    /// hub.inject_randomly(0.02, [Fault::status(503), Fault::rate_limited(std::time::Duration::ZERO)]);
    /// # }
    /// ```
    pub fn inject_randomly(&self, rate: f64, faults: impl IntoIterator<Item = Fault>) {
        let mut state = self.state.lock();
        state.random_rate = rate.clamp(0.0, 1.0);
        state.random_faults = faults.into_iter().collect();
    }

    /// Drops every fault not yet used, and stops random faults.
    pub fn clear_faults(&self) {
        let mut state = self.state.lock();
        state.faults.clear();
        state.random_rate = 0.0;
    }

    /// Marks a key used, as a widget bootstrapping with it would: sets
    /// `last_used_at`, so that delete only disables it. Returns whether the
    /// key exists.
    pub fn mark_used(&self, id: impl AsRef<str>) -> bool {
        let mut state = self.state.lock();
        match state
            .keys
            .iter_mut()
            .find(|k| k.id.to_string() == id.as_ref())
        {
            Some(key) => {
                key.last_used_at = Some(Utc::now());
                true
            }
            None => false,
        }
    }

    /// The keys it holds now, in creation order (deleted ones are gone;
    /// soft-deleted ones are disabled).
    pub fn keys(&self) -> Vec<WidgetKey> {
        self.state
            .lock()
            .keys
            .iter()
            .map(StoredKey::to_widget_key)
            .collect()
    }

    /// Every plaintext key it ever issued, in order (as a test oracle: the
    /// client should have seen each exactly once).
    pub fn issued_keys(&self) -> Vec<PublicKey> {
        self.state.lock().issued.clone()
    }

    /// Every request it received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.state.lock().requests.clear();
    }
}

impl Drop for MockHub {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A fault to inject with [`MockHub::inject`].
///
/// ```
/// use std::time::Duration;
/// use kataven::mock::Fault;
///
/// let _ = Fault::rate_limited(Duration::from_secs(1));
/// let _ = Fault::status(503);
/// let _ = Fault::delay(Duration::from_millis(200));
/// let _ = Fault::respond(201, "application/json", r#"{"public_key":"pk_live_acme_x"#);
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
}

impl Fault {
    /// Answer `status` (e.g. 500, 503) without doing anything.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
        }
    }

    /// Answer 429 with `Retry-After` (whole seconds, rounded up).
    pub fn rate_limited(retry_after: Duration) -> Self {
        let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Fault::Status {
            status: 429,
            retry_after: Some(secs),
        }
    }

    /// Wait this long before answering normally.
    pub fn delay(delay: Duration) -> Self {
        Fault::Delay(delay)
    }

    /// Do the operation but answer with this instead.
    pub fn respond(status: u16, content_type: impl Into<String>, body: impl Into<String>) -> Self {
        Fault::Respond {
            status,
            content_type: content_type.into(),
            body: body.into(),
        }
    }
}

/// A request as the mock Hub received it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the Hub's prefix, e.g. `/api/v1/widget-keys`.
    pub path: String,
    /// The `X-Account-ID` header, if sent.
    pub account_id: Option<String>,
    /// The `User-Agent` header, if sent.
    pub user_agent: Option<String>,
    /// Whether an `Authorization` header was sent (its value is not kept).
    pub authorized: bool,
    /// The body, parsed as JSON when it is JSON.
    pub body: Option<serde_json::Value>,
    /// The body as text.
    pub raw_body: String,
}

#[derive(Debug)]
pub(crate) struct Shared {
    api_key: String,
    jwt: String,
    account: String,
    prefix: String,
    inner: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in a handler must not wedge the Hub for the other tests.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Debug, Default)]
struct State {
    keys: Vec<StoredKey>,
    issued: Vec<PublicKey>,
    faults: VecDeque<Fault>,
    random_rate: f64,
    random_faults: Vec<Fault>,
    requests: Vec<RecordedRequest>,
}

impl State {
    /// The queued fault, else maybe a random one.
    fn next_fault(&mut self) -> Option<Fault> {
        if let Some(fault) = self.faults.pop_front() {
            return Some(fault);
        }
        if self.random_rate <= 0.0 || self.random_faults.is_empty() {
            return None;
        }
        let roll = u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().ok()?);
        let unit = (roll >> 11) as f64 / (1u64 << 53) as f64;
        if unit >= self.random_rate {
            return None;
        }
        let pick = (roll % self.random_faults.len() as u64) as usize;
        self.random_faults.get(pick).cloned()
    }
}

#[derive(Debug, Clone)]
struct StoredKey {
    id: uuid::Uuid,
    name: String,
    key_last8: String,
    domain_allowlist: Vec<String>,
    agent_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

impl StoredKey {
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id.to_string(),
            "name": self.name,
            "key_last8": self.key_last8,
            "domain_allowlist": self.domain_allowlist,
            "agent_id": self.agent_id,
            "created_at": rfc3339(&self.created_at),
            "updated_at": rfc3339(&self.updated_at),
            "disabled_at": self.disabled_at.as_ref().map(rfc3339),
            "last_used_at": self.last_used_at.as_ref().map(rfc3339),
        })
    }

    fn to_widget_key(&self) -> WidgetKey {
        WidgetKey {
            id: WidgetKeyId::from(self.id.to_string()),
            name: self.name.clone(),
            key_last8: self.key_last8.clone(),
            domain_allowlist: self.domain_allowlist.clone(),
            agent_id: self.agent_id.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            disabled_at: self.disabled_at,
            last_used_at: self.last_used_at,
        }
    }
}

fn rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Random letters and digits (from UUIDv4 randomness).
fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in uuid::Uuid::new_v4().as_bytes() {
            if out.len() == len {
                break;
            }
            out.push(ALPHABET[usize::from(*byte) % ALPHABET.len()] as char);
        }
    }
    out
}
