//! [`Client`] and [`ClientBuilder`]: credentials, base URL, HTTP setup,
//! timeouts and retries. Resources add their accessors to [`Client`] in
//! their own modules (`client.widget_keys()` lives in `widget_keys/`).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};

use crate::account;
use crate::error::{Error, Result};
use crate::http::{self, Backoff, Settings, Shared, Transport};
use crate::raw;
use crate::runner::{Call, Operation};

/// The Hub's production address. Requests go to `{base}/api/v1/...`.
pub const DEFAULT_BASE_URL: &str = "https://api.kataven.ai";

/// The environment variables [`Client::from_env`] reads.
pub const ENV_API_KEY: &str = "KATAVEN_API_KEY";
/// See [`ENV_API_KEY`].
pub const ENV_BASE_URL: &str = "KATAVEN_BASE_URL";
/// See [`ENV_API_KEY`].
pub const ENV_ACCOUNT_ID: &str = "KATAVEN_ACCOUNT_ID";

/// The header that names the account; the Hub requires it with a JWT.
const ACCOUNT_HEADER: &str = "x-account-id";

/// Headers the SDK sets itself, which [`ClientBuilder::header`] refuses.
const OWN_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "user-agent",
    "accept",
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "host",
    ACCOUNT_HEADER,
    "api-version",
];

/// A client of the Kataven Hub. Cheap to clone (it shares one connection
/// pool); build one and reuse it.
///
/// ```
/// # #[cfg(feature = "mock")] {
/// # async fn run() -> kataven::Result<()> {
/// # let hub = kataven::mock::MockHub::start().await;
/// # unsafe { std::env::set_var("KATAVEN_API_KEY", hub.api_key()); std::env::set_var("KATAVEN_BASE_URL", hub.base_url()); }
/// let client = kataven::Client::from_env()?;
/// for key in client.widget_keys().list().await? {
///     println!("{} {}", key.id, key.name);
/// }
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    raw: raw::Client,
    account_id: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("account_id", &self.account_id)
            .field("credentials", &"[redacted]")
            .finish()
    }
}

impl Client {
    /// Starts a [`ClientBuilder`].
    ///
    /// ```
    /// let client = kataven::Client::builder()
    ///     .api_key("sk_live_acme_0123456789abcdef")
    ///     .base_url("https://api.kataven.ai")
    ///     .build()?;
    /// # Ok::<(), kataven::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `KATAVEN_API_KEY` (required),
    /// `KATAVEN_BASE_URL` (default `https://api.kataven.ai`) and
    /// `KATAVEN_ACCOUNT_ID` (sent as `X-Account-ID` when set).
    ///
    /// ```
    /// # unsafe { std::env::set_var("KATAVEN_API_KEY", "sk_live_acme_0123456789abcdef"); }
    /// let client = kataven::Client::from_env()?;
    /// # Ok::<(), kataven::Error>(())
    /// ```
    pub fn from_env() -> Result<Client> {
        let mut builder = Client::builder();
        match std::env::var(ENV_API_KEY) {
            Ok(key) => builder = builder.api_key(key),
            Err(std::env::VarError::NotPresent) => {
                return Err(Error::invalid(
                    "KATAVEN_API_KEY",
                    "it is not set; export your sk_live_ API key",
                ));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::invalid("KATAVEN_API_KEY", "it is not valid UTF-8"));
            }
        }
        if let Some(url) = env_var(ENV_BASE_URL) {
            builder = builder.base_url(url);
        }
        if let Some(account) = env_var(ENV_ACCOUNT_ID) {
            builder = builder.account_id(account);
        }
        builder.build()
    }

    /// The generated low-level client, for endpoints the facade does not
    /// wrap. It shares this client's connection pool, credentials, headers,
    /// retries and timeouts; its types may change with any spec refresh.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let response = client.raw().list_widget_keys(None).await?;
    /// println!("{} keys", response.into_inner().len());
    /// # Ok(()) }
    /// ```
    pub fn raw(&self) -> &raw::Client {
        &self.raw
    }

    /// The base URL requests are sent under.
    ///
    /// ```
    /// let client = kataven::Client::builder()
    ///     .api_key("sk_live_acme_0123456789abcdef")
    ///     .base_url("https://api.kataven.ai/hub-api/")
    ///     .build()?;
    /// assert_eq!(client.base_url(), "https://api.kataven.ai/hub-api");
    /// # Ok::<(), kataven::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.raw)
    }

    /// The account sent as `X-Account-ID`, if any.
    ///
    /// ```
    /// let client = kataven::Client::builder()
    ///     .bearer_token("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    ///     .account_id("acme")
    ///     .build()?;
    /// assert_eq!(client.account_id(), Some("acme"));
    /// # Ok::<(), kataven::Error>(())
    /// ```
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// A `reqwest::ClientBuilder` set up as the SDK sets up its own: TLS as
    /// the crate's features choose it (rustls with the ring provider by
    /// default, configured per client), and no redirects. Start from it to
    /// make your own client for [`ClientBuilder::http_client`] (a proxy,
    /// pool limits, extra root certificates): with the default `rustls`
    /// feature, reqwest has no crypto provider of its own, so a bare
    /// `reqwest::Client::new()` needs one installed first.
    ///
    /// ```
    /// let http = kataven::Client::http_client_builder()?
    ///     .pool_max_idle_per_host(4)
    ///     .build()?;
    /// let client = kataven::Client::builder()
    ///     .api_key("sk_live_acme_0123456789abcdef")
    ///     .http_client(http)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn http_client_builder() -> Result<reqwest::ClientBuilder> {
        // An API answer is never a redirect; following one could turn a
        // create into a GET or carry the request elsewhere. A 3xx comes back
        // as an `Error::Api` with its status.
        Ok(tls(reqwest::Client::builder())?.redirect(reqwest::redirect::Policy::none()))
    }

    /// A call of a resource's `operation`, under the SDK's rules.
    pub(crate) fn call<'c>(&self, operation: &'c Operation) -> Call<'c> {
        Call::new(&self.raw, operation)
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The token sent as `Authorization: Bearer ...`.
enum Credentials {
    ApiKey(SecretString),
    Jwt(SecretString),
}

/// Builds a [`Client`]. Every setting is checked in [`build`](Self::build),
/// which fails with [`Error::InvalidInput`] naming the setting; nothing is
/// sent until a call is made.
///
/// | setting | default |
/// |---|---|
/// | [`base_url`](Self::base_url) | `https://api.kataven.ai` |
/// | [`max_retries`](Self::max_retries) | 2 (reads, revoke and 429s; never a write that may have happened) |
/// | [`backoff`](Self::backoff) | 250 ms doubling to 8 s, with jitter |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | [`attempt_timeout`](Self::attempt_timeout) | 30 s per request, body included |
/// | [`total_timeout`](Self::total_timeout) | 60 s for the whole call, retries and backoff included |
/// | [`max_response_bytes`](Self::max_response_bytes) | 16 MiB |
/// | [`max_retry_after`](Self::max_retry_after) | 60 s |
///
/// Durations longer than 100 years are taken as 100 years.
///
/// **Plain HTTP** is refused except for a loopback host (`localhost`,
/// `127.0.0.0/8`, `[::1]`), because the API key would cross the network in
/// cleartext; [`allow_insecure_http`](Self::allow_insecure_http) lifts that.
///
/// **Proxies**: the client the builder makes honours the `HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` environment variables, as
/// reqwest does, except for a loopback base URL, which never goes through a
/// proxy (a proxy would see the key of a plain-HTTP local Hub). To choose
/// proxies yourself, pass your own client with
/// [`http_client`](Self::http_client).
///
/// ```
/// use std::time::Duration;
///
/// let client = kataven::Client::builder()
///     .bearer_token("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
///     .account_id("acme")
///     .base_url("https://api.kataven.ai/hub-api")
///     .max_retries(3)
///     .total_timeout(Duration::from_secs(20))
///     .header("x-team", "payments")
///     .build()?;
/// assert_eq!(client.base_url(), "https://api.kataven.ai/hub-api");
/// # Ok::<(), kataven::Error>(())
/// ```
#[derive(Default)]
#[must_use = "a builder does nothing until .build() is called"]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    account_id: Option<String>,
    base_url: Option<String>,
    settings: Settings,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    headers: Vec<(String, String)>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "[redacted]"),
            )
            .field("account_id", &self.account_id)
            .field("base_url", &self.base_url.as_deref().map(redact_url))
            .field("settings", &self.settings)
            .field("own_http_client", &self.http_client.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Authenticates with an API key, `sk_live_<account>_<secret>`. It is kept
    /// in a secret type and never printed.
    ///
    /// ```
    /// let builder = kataven::Client::builder().api_key("sk_live_acme_0123456789abcdef");
    /// assert!(!format!("{builder:?}").contains("0123456789abcdef"));
    /// ```
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::ApiKey(SecretString::from(key.into())));
        self
    }

    /// Authenticates with a JWT (`eyJ...`); the Hub then requires
    /// [`account_id`](Self::account_id).
    ///
    /// ```
    /// let client = kataven::Client::builder()
    ///     .bearer_token("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    ///     .account_id("acme")
    ///     .build()?;
    /// # Ok::<(), kataven::Error>(())
    /// ```
    pub fn bearer_token(mut self, jwt: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::Jwt(SecretString::from(jwt.into())));
        self
    }

    /// The account to act on, sent as `X-Account-ID` with every request:
    /// 1 to 63 characters of `a-z`, `0-9`, `_` and `-`, starting with a
    /// letter or digit (`kataven-admin` is reserved).
    ///
    /// ```
    /// let err = kataven::Client::builder()
    ///     .api_key("sk_live_acme_0123456789abcdef")
    ///     .account_id("Acme Inc")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("account_id"));
    /// ```
    pub fn account_id(mut self, account: impl Into<String>) -> Self {
        self.account_id = Some(account.into());
        self
    }

    /// The Hub's address, default `https://api.kataven.ai`. It may carry a
    /// path prefix (`https://api.kataven.ai/hub-api`); requests go to
    /// `{base}/api/v1/...`, so do not end it in `/v1`.
    ///
    /// ```
    /// let err = kataven::Client::builder()
    ///     .api_key("sk_live_acme_0123456789abcdef")
    ///     .base_url("https://api.kataven.ai/v1")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("write `https://api.kataven.ai`"));
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Allows a plain `http://` base URL for a host that is not loopback.
    ///
    /// **Risk:** the API key (or JWT) then crosses the network in cleartext,
    /// readable and reusable by anyone on the path. Use it only behind a
    /// transport you trust otherwise (a service mesh that encrypts, a VPN).
    /// Loopback hosts never need it.
    ///
    /// ```
    /// let client = kataven::Client::builder()
    ///     .api_key("sk_live_acme_0123456789abcdef")
    ///     .base_url("http://hub.internal:8080")
    ///     .allow_insecure_http(true)
    ///     .build()?;
    /// # Ok::<(), kataven::Error>(())
    /// ```
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// How many times a failed request may be retried (0 turns retries off).
    /// Only what is safe is retried: see the crate docs.
    ///
    /// ```
    /// let builder = kataven::Client::builder().max_retries(0);
    /// ```
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.settings.max_retries = retries;
        self
    }

    /// The delay before the first retry, and the longest delay: each retry
    /// waits twice as long as the one before, up to `max`, half of it
    /// random (default 250 ms and 8 s). A `Retry-After` from the Hub takes
    /// its place. Zero for both makes retries instant, e.g. in tests.
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = kataven::Client::builder()
    ///     .backoff(Duration::from_millis(100), Duration::from_secs(2));
    /// ```
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.settings.backoff = Backoff { initial, max };
        self
    }

    /// How long connecting may take (the client the builder makes; a client
    /// passed to [`http_client`](Self::http_client) keeps its own).
    ///
    /// ```
    /// let builder = kataven::Client::builder().connect_timeout(std::time::Duration::from_secs(3));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one request may take, from connecting to the last byte of
    /// the body.
    ///
    /// ```
    /// let builder = kataven::Client::builder().attempt_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout = timeout;
        self
    }

    /// How long a whole call may take, all attempts and backoff included.
    ///
    /// ```
    /// let builder = kataven::Client::builder().total_timeout(std::time::Duration::from_secs(20));
    /// ```
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.settings.total_timeout = timeout;
        self
    }

    /// The largest response body accepted. Memory grows with what arrives,
    /// never with what a server claims.
    ///
    /// ```
    /// let builder = kataven::Client::builder().max_response_bytes(64 * 1024 * 1024);
    /// ```
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_response_bytes = bytes;
        self
    }

    /// The longest `Retry-After` the client waits by itself (default 60 s);
    /// a longer hint fails the call at once with the hint in the error.
    ///
    /// ```
    /// let builder = kataven::Client::builder().max_retry_after(std::time::Duration::from_secs(5));
    /// ```
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.settings.max_retry_after = wait;
        self
    }

    /// Appends to the `User-Agent` (`kataven-rust/<version>`), e.g. your app's
    /// name and version.
    ///
    /// ```
    /// let builder = kataven::Client::builder().user_agent("billing-service/4.2");
    /// ```
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// A header every request carries, e.g. a tracing or team header. Called
    /// again with the same name, it adds a value (both are sent, in order),
    /// as `HeaderMap::append` does. The SDK's own headers (`Authorization`,
    /// `User-Agent`, `Accept`, `X-Account-ID`, ...) are refused here: set
    /// them with their own methods. At most 100 values in all. Checked in
    /// [`build`](Self::build).
    ///
    /// ```
    /// let err = kataven::Client::builder()
    ///     .api_key("sk_live_acme_0123456789abcdef")
    ///     .header("Authorization", "Bearer something-else")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("Authorization"));
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends requests through your own `reqwest::Client` (the same major
    /// version as [`kataven::reqwest`](crate::reqwest)), e.g. for a proxy,
    /// extra root certificates, client certificates (mTLS), pool limits or
    /// your own TLS backend, set up the way reqwest documents.
    ///
    /// The SDK adds its headers (credentials, `User-Agent`, `Accept`, the
    /// account, [`header`](Self::header)s) to each request, so your client
    /// never carries the credentials as default headers. Retries, the attempt
    /// and total timeouts, body bounds and the plain-HTTP rule apply as
    /// usual. The client's own settings apply instead of the builder's for:
    /// the connect timeout, TLS, proxies (the loopback rule above is for the
    /// client the builder makes), and redirects (the SDK's client follows
    /// none; reqwest's default follows up to 10, and turns a redirected POST
    /// into a GET: prefer `redirect::Policy::none()`). **An answer that
    /// comes from another URL than the one sent is refused** (an error, never
    /// a success): after a redirect it is not the Hub's answer, and the
    /// request, with your [`header`](Self::header)s and the account, went
    /// elsewhere too.
    ///
    /// [`Client::http_client_builder`] starts you off with the SDK's TLS
    /// setup and redirect policy.
    ///
    /// ```
    /// use kataven::reqwest::Proxy;
    ///
    /// let http = kataven::Client::http_client_builder()?
    ///     .proxy(Proxy::https("http://proxy.internal:3128")?)
    ///     .build()?;
    /// let client = kataven::Client::builder()
    ///     .api_key("sk_live_acme_0123456789abcdef")
    ///     .http_client(http)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks every setting and builds the client. Nothing is sent.
    ///
    /// ```
    /// let err = kataven::Client::builder().build().unwrap_err();
    /// assert!(matches!(err, kataven::Error::InvalidInput { field: "api_key", .. }));
    /// ```
    pub fn build(self) -> Result<Client> {
        let (token, token_field) = match &self.credentials {
            None => {
                return Err(Error::invalid(
                    "api_key",
                    "no credentials; call .api_key(\"sk_live_...\") or .bearer_token(jwt)",
                ));
            }
            Some(Credentials::ApiKey(key)) => {
                check_token("api_key", key.expose_secret())?;
                if !key.expose_secret().starts_with("sk_") {
                    return Err(Error::invalid(
                        "api_key",
                        "an API key starts with `sk_` (a public key cannot call the API); \
                         for a JWT use .bearer_token()",
                    ));
                }
                (key, "api_key")
            }
            Some(Credentials::Jwt(jwt)) => {
                check_token("bearer_token", jwt.expose_secret())?;
                if self.account_id.is_none() {
                    return Err(Error::invalid(
                        "account_id",
                        "a JWT needs the account too; call .account_id(\"your-account\")",
                    ));
                }
                (jwt, "bearer_token")
            }
        };
        if let Some(account) = &self.account_id {
            check_account(account)?;
        }
        let base = BaseUrl::parse(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?;
        let settings = self.settings.checked()?;
        let connect_timeout = self
            .connect_timeout
            .unwrap_or(http::DEFAULT_CONNECT_TIMEOUT);
        if connect_timeout.is_zero() {
            return Err(Error::invalid(
                "connect_timeout",
                "it must be longer than zero",
            ));
        }

        let mut headers = HeaderMap::new();
        let mut auth =
            HeaderValue::try_from(format!("Bearer {}", token.expose_secret())).map_err(|_| {
                Error::invalid(token_field, "it holds characters a header cannot carry")
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let mut agent = format!("kataven-rust/{}", env!("CARGO_PKG_VERSION"));
        if let Some(extra) = &self.user_agent {
            agent.push(' ');
            agent.push_str(extra);
        }
        let agent = HeaderValue::try_from(agent).map_err(|_| {
            Error::invalid("user_agent", "it holds characters a header cannot carry")
        })?;
        headers.insert(USER_AGENT, agent);
        if let Some(account) = &self.account_id {
            let value = HeaderValue::try_from(account.as_str())
                .map_err(|_| Error::invalid("account_id", account::RULE))?;
            headers.insert(HeaderName::from_static(ACCOUNT_HEADER), value);
        }
        if self.headers.len() > MAX_EXTRA_HEADERS {
            return Err(Error::invalid(
                "header",
                format!(
                    "{} extra header values; at most {MAX_EXTRA_HEADERS} are sent",
                    self.headers.len()
                ),
            ));
        }
        for (name, value) in &self.headers {
            let (name, value) = check_header(name, value)?;
            headers.append(name, value);
        }

        let callers_client = self.http_client.is_some();
        let http = match self.http_client {
            Some(client) => client,
            None => {
                let mut builder =
                    Client::http_client_builder()?.connect_timeout(http::saturate(connect_timeout));
                if base.loopback {
                    // A proxy from the environment would see a local Hub's
                    // traffic, key included, in cleartext.
                    builder = builder.no_proxy();
                }
                builder.build().map_err(|err| Error::Transport {
                    operation: "client",
                    message: "could not set up the HTTP client".to_string(),
                    attempts: 0,
                    source: Some(Box::new(err)),
                    possibly_applied: None,
                })?
            }
        };
        let transport = Transport::new(Shared {
            settings,
            headers,
            token: token.clone(),
            uses_api_key: token_field == "api_key",
            callers_client,
        });
        Ok(Client {
            raw: raw::Client::new_with_client(&base.url, http, transport),
            account_id: self.account_id,
        })
    }
}

/// rustls with the ring provider, handed to reqwest ready-made, so no
/// process-wide default provider is installed behind the user's back.
#[cfg(feature = "rustls")]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
    use rustls_platform_verifier::BuilderVerifierExt;
    // rustls 0.23.48 deprecates `ring::default_provider` because ring has no
    // post-quantum key exchange. There is no undeprecated way to get ring's
    // provider without installing it process-wide (`CryptoProvider::
    // install_default`, which this crate refuses to do behind the user's
    // back), and the alternative provider, aws-lc-rs, is the heavier C build
    // BENCHMARKS.md ("Build cost") chose not to bring in. So the allow is
    // scoped to this one call, and `allow` rather than `expect` because the
    // call is not deprecated on rustls < 0.23.48, which the requirement
    // still admits.
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls_error = |err: rustls::Error| Error::Transport {
        operation: "client",
        message: "could not set up TLS".to_string(),
        attempts: 0,
        source: Some(Box::new(err)),
        possibly_applied: None,
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_platform_verifier()
        .map_err(tls_error)?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(builder.tls_backend_preconfigured(config))
}

#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
    Ok(builder.tls_backend_native())
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
    Ok(builder)
}

/// A credential must be visible ASCII: anything else (spaces, control or
/// bidi characters, non-ASCII letters that look like ASCII) is a copy-paste
/// accident or an attack, and would be sent as raw bytes.
fn check_token(field: &'static str, token: &str) -> Result<()> {
    if token.trim().is_empty() {
        return Err(Error::invalid(field, "it is empty"));
    }
    if token.starts_with("Bearer ") || token.starts_with("bearer ") {
        return Err(Error::invalid(
            field,
            "leave out the `Bearer ` prefix; the client adds it",
        ));
    }
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid(
            field,
            "it holds characters other than visible ASCII (spaces, control, bidi or non-ASCII characters)",
        ));
    }
    Ok(())
}

fn check_account(account: &str) -> Result<()> {
    if account == account::RESERVED {
        return Err(Error::invalid(
            "account_id",
            format!(
                "`{}` is reserved; the Hub refuses it with 403",
                account::RESERVED
            ),
        ));
    }
    if !account::follows_rule(account) {
        return Err(Error::invalid(
            "account_id",
            format!(
                "`{}` breaks the Hub's rule: {}",
                account.escape_debug(),
                account::RULE
            ),
        ));
    }
    Ok(())
}

/// The most extra header values a client sends. Servers refuse requests
/// with many more headers (hyper answers past 100 with an error), and the
/// bound keeps every request's header map far below http's size limit,
/// past which its inserts panic (the hooks add these to each request).
const MAX_EXTRA_HEADERS: usize = 100;

fn check_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let parsed = HeaderName::try_from(name).map_err(|_| {
        Error::invalid(
            "header",
            format!("`{}` is not a valid header name", name.escape_debug()),
        )
    })?;
    if OWN_HEADERS.contains(&parsed.as_str()) {
        return Err(Error::invalid(
            "header",
            format!(
                "`{}` is set by the SDK itself; use the builder's own method for it",
                name.escape_debug()
            ),
        ));
    }
    let mut value = HeaderValue::try_from(value).map_err(|_| {
        Error::invalid(
            "header",
            format!("the value of `{parsed}` holds characters a header cannot carry"),
        )
    })?;
    // It may carry a token of the caller's; keep it out of Debug output.
    value.set_sensitive(true);
    Ok((parsed, value))
}

/// A checked base URL.
struct BaseUrl {
    /// Without a trailing `/`.
    url: String,
    /// Whether the host is loopback.
    loopback: bool,
}

impl BaseUrl {
    fn parse(url: &str, allow_insecure_http: bool) -> Result<Self> {
        let shown = redact_url(url);
        let err = |problem: String| Error::invalid("base_url", problem);
        let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
            err(format!(
                "`{shown}` is not a URL ({e}); write e.g. https://api.kataven.ai"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(err(format!(
                "`{shown}` must start with https:// (or http:// for a local Hub)"
            )));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(err(format!(
                "`{shown}` must not carry user info; pass credentials with .api_key()"
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(err(format!("`{shown}` must not have a query or fragment")));
        }
        let loopback = parsed.host_str().is_some_and(is_loopback);
        if parsed.scheme() == "http" && !loopback && !allow_insecure_http {
            return Err(err(format!(
                "`{shown}` is plain HTTP to a host that is not loopback: the API key would cross \
                 the network in cleartext; use https://, or call .allow_insecure_http(true) if \
                 the network is otherwise protected"
            )));
        }
        let base = parsed.as_str().trim_end_matches('/').to_string();
        let path = parsed.path().trim_end_matches('/');
        if path.ends_with("/v1") {
            let fixed = base.trim_end_matches("/v1").trim_end_matches("/api");
            return Err(err(format!(
                "`{shown}` ends in /v1, which would send requests to .../v1/api/v1/...; the client adds /api/v1 itself, so write `{fixed}`"
            )));
        }
        Ok(BaseUrl {
            url: base,
            loopback,
        })
    }
}

/// Whether a URL's host is loopback: `localhost`, `127.0.0.0/8` or `[::1]`.
fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A URL as it may be shown in a message: user info and query (which may
/// hold credentials) replaced by `***`, and the fragment dropped. Works on
/// text that does not parse as a URL too.
fn redact_url(url: &str) -> String {
    let url = url.trim();
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("***@{}", &authority[at + 1..]),
        None => authority.to_string(),
    };
    let tail = tail.split('#').next().unwrap_or_default();
    let tail = match tail.find('?') {
        Some(at) => format!("{}?***", &tail[..at]),
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::{BaseUrl, redact_url};

    fn normalised(url: &str) -> Option<String> {
        BaseUrl::parse(url, false).ok().map(|b| b.url)
    }

    fn refusal(url: &str) -> String {
        match BaseUrl::parse(url, false) {
            Ok(_) => String::new(),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            normalised("https://api.kataven.ai/").as_deref(),
            Some("https://api.kataven.ai")
        );
        assert_eq!(
            normalised("https://hub.kataven.ai/hub-api/").as_deref(),
            Some("https://hub.kataven.ai/hub-api")
        );
        for url in [
            "https://api.kataven.ai/v1",
            "https://api.kataven.ai/api/v1/",
        ] {
            let err = refusal(url);
            assert!(err.contains("write `https://api.kataven.ai`"), "{err}");
        }
        assert!(normalised("ftp://x").is_none());
        assert!(normalised("api.kataven.ai").is_none());
        assert!(normalised("https://u:p@api.kataven.ai").is_none());
    }

    #[test]
    fn plain_http_only_for_loopback_unless_allowed() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:3000",
            "http://LOCALHOST",
            "http://[::1]:9000/hub-api",
        ] {
            assert!(normalised(ok).is_some(), "{ok}");
        }
        for refused in [
            "http://api.kataven.ai",
            "http://10.1.2.3:8080",
            "http://[::2]",
        ] {
            assert!(refusal(refused).contains("cleartext"), "{refused}");
            assert!(BaseUrl::parse(refused, true).is_ok(), "{refused}");
        }
    }

    #[test]
    fn messages_never_echo_user_info_or_queries() {
        for (url, secret) in [
            ("ftp://user:PW@host", "PW"),
            ("https://user:PW@host:99999", "PW"),
            ("https://api.kataven.ai/?token=SECRET", "SECRET"),
            ("https://api.kataven.ai/#SECRET", "SECRET"),
            ("user:PW@host", "PW"),
            ("not a url?token=SECRET", "SECRET"),
            ("http://a:PW@api.kataven.ai", "PW"),
        ] {
            let err = refusal(url);
            assert!(!err.is_empty(), "{url} was accepted");
            assert!(!err.contains(secret), "{url}: {err}");
        }
        assert_eq!(
            redact_url("https://u:p@h.io:1/x?q=1#f"),
            "https://***@h.io:1/x?***"
        );
        assert_eq!(redact_url("https://h.io/x"), "https://h.io/x");
    }
}
