//! An in-memory Kataven Hub on a real loopback HTTP server, for tests that
//! should exercise real HTTP without the network: yours, this crate's, and
//! the quickstart's.
//!
//! It answers as `docs/hub-contract.md` and `openapi.json` describe the Hub:
//!
//! - bearer auth: the API key alone, or the JWT with `X-Account-ID` naming
//!   its account (400 without it, 403 for another account or the reserved
//!   one, 400 for a name that breaks the account rule, 401 for anything
//!   else);
//! - errors in plain text with the documented statuses; 404 for an unknown
//!   path or id, 405 with `Allow` for an undeclared method; an
//!   `x-request-id` on every answer;
//! - under a [path prefix](MockHubBuilder::path_prefix) when one is set, and
//!   only there: outside it a gateway answers 404 and the Hub sees nothing;
//! - widget keys: create returns the plaintext `pk_live_<account>_...` once
//!   (400 `Invalid body or name required` for a body that is not a JSON
//!   object, a missing or empty name, or a field of the wrong type; a
//!   whitespace-only name is accepted; unknown fields are ignored); list
//!   never shows it; update changes only the fields sent (the allowlist is
//!   replaced, never merged; `agent_id: null` unpins; `disabled: true`
//!   revokes and keeps the first `disabled_at`, `false` clears it; a `null`
//!   anywhere else, an empty name or a wrong type is 400 `Invalid body`);
//!   delete removes a never-used key and only disables a used one;
//!   a malformed id is 400 `Invalid widget key id`, an unknown one 404
//!   `Widget key not found`.
//! - API keys: the same shape, with an `sk_live_<account>_...` secret shown
//!   once and an optional `expiry` (`<n>d`, 1 to 3650; else 400 `Invalid
//!   body`); create, update and delete need a session (403 `Requires Hub UI
//!   auth` for an API-key caller), list takes either; a key it minted (or you
//!   seeded) authenticates requests while it is enabled and unexpired (401
//!   once revoked or past `expires_at`), checked on every request, and is
//!   then marked used.
//!
//! Beyond the Hub, for tests: it records every request
//! ([`requests`](MockHub::requests)), injects [faults](Fault), on every
//! route or on one ([`inject`](MockHub::inject),
//! [`inject_on`](MockHub::inject_on)), holds keys you seed in any state
//! (per resource: [`MockHub::widget_keys`] with [`WidgetKeyFixture`]), and
//! [`reset`](MockHub::reset)s. [`WidgetKeyFixture`] also makes
//! [`WidgetKey`](crate::WidgetKey)s for unit tests without a server.
//!
//! ```
//! # #[cfg(feature = "mock")] {
//! use kataven::mock::{Fault, MockHub};
//!
//! # async fn run() -> kataven::Result<()> {
//! let hub = MockHub::start().await;
//! let client = hub.client()?; // retries without backoff: tests stay fast
//!
//! // The next request answers 503; the list is retried and succeeds.
//! hub.inject(Fault::status(503), 1);
//! assert!(client.widget_keys().list().await?.is_empty());
//! assert_eq!(hub.requests().len(), 2);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! # }
//! ```

mod api_keys;
mod dispatch;
mod fault;
mod reply;
mod request;
mod server;
mod widget_keys;

pub use api_keys::{ApiKeyFixture, MockApiKeys};
pub use fault::Fault;
pub use widget_keys::{MockWidgetKeys, WidgetKeyFixture};

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

use fault::FaultQueue;

/// A running mock Hub on a loopback port. It stops when dropped.
///
/// ```
/// # #[cfg(feature = "mock")] {
/// # async fn run() -> kataven::Result<()> {
/// let hub = kataven::mock::MockHub::start().await;
/// let client = hub.client()?;
/// let created = client.widget_keys().create("acme.com production").await?;
/// assert_eq!(hub.widget_keys().list(), [created.widget_key]);
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// # }
/// ```
pub struct MockHub {
    base_url: String,
    addr: SocketAddr,
    state: Arc<Shared>,
    /// Dropping it stops the server: the accept loop ends and idle
    /// connections close.
    _stop: watch::Sender<()>,
}

impl fmt::Debug for MockHub {
    // The API key and JWT are made up, but still kept out of Debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockHub")
            .field("base_url", &self.base_url)
            .field("account", &self.state.account)
            .finish_non_exhaustive()
    }
}

/// Configures a [`MockHub`] before it starts.
///
/// ```
/// # #[cfg(feature = "mock")] {
/// # async fn run() -> std::io::Result<()> {
/// let hub = kataven::mock::MockHub::builder()
///     .account("acme")
///     .path_prefix("/hub-api")
///     .try_start()
///     .await?;
/// assert!(hub.base_url().ends_with("/hub-api"));
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// # }
/// ```
#[derive(Default)]
#[must_use = "call .start() or .try_start()"]
pub struct MockHubBuilder {
    api_key: Option<String>,
    jwt: Option<String>,
    account: Option<String>,
    path_prefix: String,
    addr: Option<SocketAddr>,
}

impl fmt::Debug for MockHubBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockHubBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("jwt", &self.jwt.as_ref().map(|_| "[redacted]"))
            .field("account", &self.account)
            .field("path_prefix", &self.path_prefix)
            .field("addr", &self.addr)
            .finish()
    }
}

impl MockHubBuilder {
    /// The API key the Hub accepts (default: a random `sk_live_<account>_...`).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::builder().api_key("sk_live_acme_test").start().await;
    /// assert_eq!(hub.api_key(), "sk_live_acme_test");
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The JWT the Hub accepts as a person's session, with `X-Account-ID`
    /// naming its account (default: a random unsigned `eyJ...` token). For a
    /// mock Hub in its own process that a test outside it signs in to.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::builder().jwt("eyJhbGciOiJub25lIn0.e30.test").start().await;
    /// assert_eq!(hub.jwt(), "eyJhbGciOiJub25lIn0.e30.test");
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn jwt(mut self, jwt: impl Into<String>) -> Self {
        self.jwt = Some(jwt.into());
        self
    }

    /// The one account the Hub serves (default `acme`): the JWT's account,
    /// and the one in the plaintext keys it issues.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::builder().account("globex").start().await;
    /// assert_eq!(hub.account(), "globex");
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// Serves the API under a path prefix, as the real Hub does under
    /// `/hub-api`, and only there: a request outside it gets a gateway's
    /// plain-text 404, and is neither recorded nor met by a fault.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::builder().path_prefix("/hub-api/").start().await;
    /// assert_eq!(hub.base_url(), format!("http://{}/hub-api", hub.addr()));
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        let prefix = prefix.trim_matches('/');
        self.path_prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("/{prefix}")
        };
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> std::io::Result<()> {
    /// use std::net::{Ipv4Addr, SocketAddr};
    /// let hub = kataven::mock::MockHub::builder()
    ///     .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    ///     .try_start()
    ///     .await?;
    /// assert!(hub.addr().ip().is_loopback());
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// Starts the Hub on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// If the address cannot be bound; use [`try_start`](Self::try_start)
    /// to handle that.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::builder().account("acme").start().await;
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub async fn start(self) -> MockHub {
        match self.try_start().await {
            Ok(hub) => hub,
            Err(err) => panic!("kataven::mock: cannot start the mock Hub: {err}"),
        }
    }

    /// Starts the Hub on the current tokio runtime, or says why the address
    /// could not be bound.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let first = kataven::mock::MockHub::start().await;
    /// let taken = kataven::mock::MockHub::builder().bind(first.addr()).try_start().await;
    /// assert!(taken.is_err());
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub async fn try_start(self) -> std::io::Result<MockHub> {
        let account = self.account.unwrap_or_else(|| "acme".to_string());
        let api_key = self
            .api_key
            .unwrap_or_else(|| format!("sk_live_{account}_{}", random_token(24)));
        let jwt = self.jwt.unwrap_or_else(|| {
            format!(
                "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJtb2NrIn0.{}",
                random_token(32)
            )
        });
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
        let (stop, stopped) = watch::channel(());
        tokio::spawn(server::serve(listener, state.clone(), stopped));
        Ok(MockHub {
            base_url: format!("http://{addr}{}", self.path_prefix),
            addr,
            state,
            _stop: stop,
        })
    }
}

impl MockHub {
    /// Starts a Hub on a free loopback port with a random API key, on the
    /// current tokio runtime.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound; use
    /// [`MockHub::builder`]`().try_start()` to handle that.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::start().await;
    /// assert!(hub.base_url().starts_with("http://127.0.0.1:"));
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub async fn start() -> MockHub {
        MockHub::builder().start().await
    }

    /// A [`MockHubBuilder`] to choose the key, account, prefix or address.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::builder().api_key("sk_live_acme_test").start().await;
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn builder() -> MockHubBuilder {
        MockHubBuilder::default()
    }

    /// The base URL to give [`ClientBuilder::base_url`](crate::ClientBuilder::base_url)
    /// (with the path prefix, if any).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let client = kataven::Client::builder()
    ///     .api_key(hub.api_key())
    ///     .base_url(hub.base_url())
    ///     .build()?;
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A [`ClientBuilder`](crate::ClientBuilder) for this Hub: its base URL
    /// and API key, and **instant retries** (no backoff), so that your tests
    /// of retried calls run fast. This is the way to get them: add your own
    /// settings before `build()`.
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

    /// A [`Client`](crate::Client) of this Hub, with instant retries, as
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

    /// A [`ClientBuilder`](crate::ClientBuilder) that signs in as a person
    /// would in the Hub UI: its [`jwt`](Self::jwt) with `X-Account-ID`, and
    /// instant retries. Some operations (managing API keys) need a session
    /// rather than an API key.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let client = hub.session_client_builder().build()?;
    /// client.widget_keys().list().await?;
    /// assert_eq!(hub.requests()[0].account_id.as_deref(), Some("acme"));
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn session_client_builder(&self) -> crate::ClientBuilder {
        crate::Client::builder()
            .bearer_token(self.jwt())
            .account_id(self.account())
            .base_url(self.base_url())
            .backoff(Duration::ZERO, Duration::ZERO)
    }

    /// A [`Client`](crate::Client) signed in with a session, as
    /// [`session_client_builder`](Self::session_client_builder) makes it.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let client = hub.session_client()?;
    /// assert!(client.widget_keys().list().await?.is_empty());
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn session_client(&self) -> crate::Result<crate::Client> {
        self.session_client_builder().build()
    }

    /// The socket address it listens on.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::start().await;
    /// assert_ne!(hub.addr().port(), 0);
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key it accepts.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::start().await;
    /// assert!(hub.api_key().starts_with("sk_live_acme_"));
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn api_key(&self) -> &str {
        &self.state.api_key
    }

    /// A JWT it accepts, together with `X-Account-ID:` [`account`](Self::account).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let client = kataven::Client::builder()
    ///     .bearer_token(hub.jwt())
    ///     .account_id(hub.account())
    ///     .base_url(hub.base_url())
    ///     .build()?;
    /// client.widget_keys().list().await?;
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn jwt(&self) -> &str {
        &self.state.jwt
    }

    /// The account it serves.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// let hub = kataven::mock::MockHub::start().await;
    /// assert_eq!(hub.account(), "acme");
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn account(&self) -> &str {
        &self.state.account
    }

    /// Meets the next `times` requests, whatever their route, with `fault`.
    /// Faults queue up in order with those of [`inject_on`](Self::inject_on):
    /// each request takes the first queued fault that applies to it.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{Fault, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// let client = hub.client()?;
    /// hub.inject(Fault::status(503), 2);
    /// client.widget_keys().list().await?; // two 503s, then the answer
    /// assert_eq!(hub.requests().len(), 3);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn inject(&self, fault: Fault, times: usize) {
        self.state.lock().faults.push_any(fault, times);
    }

    /// Meets the next `times` requests to one route with `fault`: `method`
    /// (`"POST"`, any case) and `path` without the Hub's prefix, where a
    /// `{...}` segment matches any one segment (`/api/v1/widget-keys/{id}`).
    /// Other requests pass. It queues up in order with [`inject`](Self::inject).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{Fault, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// let client = hub.client()?;
    /// hub.inject_on("POST", "/api/v1/widget-keys", Fault::status(503), 1);
    /// assert!(client.widget_keys().list().await?.is_empty()); // a GET passes
    /// let err = client.widget_keys().create("acme.com").await.unwrap_err();
    /// assert_eq!(err.status(), Some(503)); // a create is not retried on 503
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn inject_on(&self, method: &str, path: &str, fault: Fault, times: usize) {
        self.state.lock().faults.push_on(method, path, fault, times);
    }

    /// Meets each request, with probability `rate` (0.0 to 1.0), with one
    /// of `faults` picked at random, when no injected fault applies to it.
    /// For load tests; `rate = 0.0` turns it off.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() {
    /// use kataven::mock::{Fault, MockHub};
    /// let hub = MockHub::start().await;
    /// hub.inject_randomly(0.02, [Fault::status(503), Fault::rate_limited(std::time::Duration::ZERO)]);
    /// # }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run());
    /// # }
    /// ```
    pub fn inject_randomly(&self, rate: f64, faults: impl IntoIterator<Item = Fault>) {
        let faults = faults.into_iter().collect();
        self.state.lock().faults.set_random(rate, faults);
    }

    /// Drops every fault not yet used, and stops random faults.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{Fault, MockHub};
    /// let hub = MockHub::start().await;
    /// hub.inject(Fault::status(500), 10);
    /// hub.clear_faults();
    /// hub.client()?.widget_keys().list().await?;
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn clear_faults(&self) {
        self.state.lock().faults.clear();
    }

    /// Every request it received (under its prefix), in order.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// hub.client()?.widget_keys().create("acme.com").domain_allowlist(["acme.com"]).await?;
    /// let request = &hub.requests()[0];
    /// assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/api/v1/widget-keys"));
    /// assert_eq!(request.body.as_ref().unwrap()["domain_allowlist"][0], "acme.com");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().requests.clone()
    }

    /// Forgets the recorded requests.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// hub.client()?.widget_keys().list().await?;
    /// hub.clear_requests();
    /// assert!(hub.requests().is_empty());
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn clear_requests(&self) {
        self.state.lock().requests.clear();
    }

    /// Back to a fresh Hub on the same address, key and account: forgets
    /// every key (and issued plaintext key), every fault (queued and random)
    /// and every recorded request. For a Hub shared by several tests.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{Fault, WidgetKeyFixture, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// hub.widget_keys().seed(WidgetKeyFixture::new("left over"));
    /// hub.inject(Fault::status(500), 1);
    /// hub.reset();
    /// assert!(hub.client()?.widget_keys().list().await?.is_empty());
    /// assert_eq!(hub.requests().len(), 1);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn reset(&self) {
        *self.state.lock() = State::default();
    }
}

/// A request as the mock Hub received it.
///
/// ```
/// # #[cfg(feature = "mock")] {
/// # async fn run() -> kataven::Result<()> {
/// let hub = kataven::mock::MockHub::start().await;
/// hub.client()?.widget_keys().list().await?;
/// let request = &hub.requests()[0];
/// assert!(request.authorized);
/// assert_eq!(request.account_id, None); // an API key names its account itself
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// # }
/// ```
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

/// What the server's tasks share with the [`MockHub`].
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

    /// Runs `f` on the store of type `T` (a resource's), under the lock.
    fn with_store<T: Default + Send + 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.lock().stores.with(f)
    }

    /// The path under the prefix, or `None` outside it.
    fn path_under_prefix<'a>(&self, path: &'a str) -> Option<&'a str> {
        let rest = path.strip_prefix(self.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }
}

#[derive(Debug, Default)]
struct State {
    faults: FaultQueue,
    requests: Vec<RecordedRequest>,
    stores: Stores,
}

/// Each resource's store, keyed by its type: the generic part of the Hub
/// never names a resource, and [`MockHub::reset`] forgets them all.
#[derive(Default)]
struct Stores(HashMap<TypeId, Box<dyn Any + Send>>);

impl fmt::Debug for Stores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Stores({} resources)", self.0.len())
    }
}

impl Stores {
    fn with<T: Default + Send + 'static, R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        let slot = self
            .0
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        match slot.downcast_mut::<T>() {
            Some(store) => f(store),
            // The slot keyed by `T`'s id only ever holds a `T`; were it not
            // so, a fresh store replaces it rather than a panic.
            None => {
                let mut store = T::default();
                let out = f(&mut store);
                *slot = Box::new(store);
                out
            }
        }
    }
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
            if let Some(&c) = ALPHABET.get(usize::from(*byte) % ALPHABET.len()) {
                out.push(char::from(c));
            }
        }
    }
    out
}
