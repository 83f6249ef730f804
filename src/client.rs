//! [`Client`] and [`ClientBuilder`]: credentials, base URL, timeouts, retries.

use std::fmt;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::raw;
use crate::transport::{self, Transport};
use crate::widget_keys::WidgetKeys;

/// The Hub's production address. Requests go to `{base}/api/v1/...`.
pub const DEFAULT_BASE_URL: &str = "https://api.kataven.ai";

/// The environment variables [`Client::from_env`] reads.
pub const ENV_API_KEY: &str = "KATAVEN_API_KEY";
/// See [`ENV_API_KEY`].
pub const ENV_BASE_URL: &str = "KATAVEN_BASE_URL";
/// See [`ENV_API_KEY`].
pub const ENV_ACCOUNT_ID: &str = "KATAVEN_ACCOUNT_ID";

/// The account that the reserved name refuses.
const RESERVED_ACCOUNT: &str = "kataven-admin";

/// A client of the Kataven Hub. Cheap to clone (it shares one connection
/// pool); build one and reuse it.
///
/// ```
/// # async fn run() -> kataven::Result<()> {
/// # let hub = kataven::mock::MockHub::start().await;
/// # unsafe { std::env::set_var("KATAVEN_API_KEY", hub.api_key()); std::env::set_var("KATAVEN_BASE_URL", hub.base_url()); }
/// let client = kataven::Client::from_env()?;
/// for key in client.widget_keys().list().await? {
///     println!("{} {}", key.id, key.name);
/// }
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Clone)]
pub struct Client {
    raw: raw::Client,
    account_id: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "base_url",
                &progenitor_client::ClientInfo::baseurl(&self.raw),
            )
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

    /// The widget keys of the account: list, create, update, revoke, delete.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let keys = client.widget_keys().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn widget_keys(&self) -> WidgetKeys<'_> {
        WidgetKeys::new(self)
    }

    /// The generated low-level client, for endpoints the facade does not
    /// wrap. It shares this client's connection pool, credentials, retries
    /// and timeouts; its types may change with any spec refresh.
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
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.raw)
    }

    /// The account sent as `X-Account-ID`, if any.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// The account as the generated type of the operation's `X-Account-ID`
    /// parameter (each operation has its own; all share one rule, checked
    /// when the client was built).
    pub(crate) fn account<T>(&self) -> Result<Option<T>>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        self.account_id
            .as_deref()
            .map(|account| {
                account
                    .parse::<T>()
                    .map_err(|e| Error::invalid("account_id", e.to_string()))
            })
            .transpose()
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
/// which fails with [`Error::InvalidInput`] naming the setting.
///
/// | setting | default |
/// |---|---|
/// | [`base_url`](Self::base_url) | `https://api.kataven.ai` |
/// | [`max_retries`](Self::max_retries) | 2 (GET, revoke and 429s; never a write that may have happened) |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | [`attempt_timeout`](Self::attempt_timeout) | 30 s per request, body included |
/// | [`total_timeout`](Self::total_timeout) | 60 s for the whole call, retries and backoff included |
/// | [`max_response_bytes`](Self::max_response_bytes) | 16 MiB |
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
    transport: Transport,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "[redacted]"),
            )
            .field("account_id", &self.account_id)
            .field("base_url", &self.base_url)
            .field("transport", &self.transport)
            .finish()
    }
}

impl ClientBuilder {
    /// Authenticates with an API key, `sk_live_<account>_<secret>`. It is kept
    /// in a secret type and never printed.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::ApiKey(SecretString::from(key.into())));
        self
    }

    /// Authenticates with a JWT (`eyJ...`); the Hub then requires
    /// [`account_id`](Self::account_id).
    pub fn bearer_token(mut self, jwt: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::Jwt(SecretString::from(jwt.into())));
        self
    }

    /// The account to act on, sent as `X-Account-ID` (`^[a-z0-9][a-z0-9_-]{0,62}$`).
    pub fn account_id(mut self, account: impl Into<String>) -> Self {
        self.account_id = Some(account.into());
        self
    }

    /// The Hub's address, default `https://api.kataven.ai`. It may carry a
    /// path prefix (`https://api.kataven.ai/hub-api`); requests go to
    /// `{base}/api/v1/...`, so do not end it in `/v1`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How many times a failed request may be retried (0 turns retries off).
    /// Only what is safe is retried: see the crate docs.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.transport.max_retries = retries;
        self
    }

    /// How long connecting may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one request may take, from connecting to the last byte of
    /// the body.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.transport.attempt_timeout = timeout;
        self
    }

    /// How long a whole call may take, all attempts and backoff included.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.transport.total_timeout = timeout;
        self
    }

    /// The largest response body accepted.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.transport.max_response_bytes = bytes;
        self
    }

    /// The longest `Retry-After` the client waits by itself (default 60 s);
    /// a longer hint fails the call at once with the hint in the error.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.transport.max_retry_after = wait;
        self
    }

    /// Appends to the `User-Agent` (`kataven-rust/<version>`), e.g. your app's
    /// name and version.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    #[doc(hidden)]
    /// Scales every backoff delay; for tests that exercise retries.
    pub fn backoff_scale(mut self, scale: f64) -> Self {
        self.transport.backoff_scale = scale;
        self
    }

    /// Checks every setting and builds the client. Nothing is sent.
    pub fn build(self) -> Result<Client> {
        let token = match &self.credentials {
            None => {
                return Err(Error::invalid(
                    "api_key",
                    "no credentials; call .api_key(\"sk_live_...\") or .bearer_token(jwt)",
                ));
            }
            Some(Credentials::ApiKey(key)) => {
                check_token("api_key", key.expose_secret())?;
                if key.expose_secret().starts_with("pk_live_") {
                    return Err(Error::invalid(
                        "api_key",
                        "this is a public widget key (pk_live_); the API needs your secret sk_live_ key",
                    ));
                }
                key
            }
            Some(Credentials::Jwt(jwt)) => {
                check_token("bearer_token", jwt.expose_secret())?;
                if self.account_id.is_none() {
                    return Err(Error::invalid(
                        "account_id",
                        "a JWT needs the account too; call .account_id(\"your-account\")",
                    ));
                }
                jwt
            }
        };
        if let Some(account) = &self.account_id {
            check_account(account)?;
        }
        let base_url = normalise_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        for (field, value) in [
            ("attempt_timeout", self.transport.attempt_timeout),
            ("total_timeout", self.transport.total_timeout),
            (
                "connect_timeout",
                self.connect_timeout
                    .unwrap_or(transport::DEFAULT_CONNECT_TIMEOUT),
            ),
        ] {
            if value.is_zero() {
                return Err(Error::invalid(field, "it must be longer than zero"));
            }
        }
        if self.transport.max_response_bytes == 0 {
            return Err(Error::invalid(
                "max_response_bytes",
                "it must be at least 1",
            ));
        }

        let mut auth = HeaderValue::try_from(format!("Bearer {}", token.expose_secret()))
            .map_err(|_| Error::invalid("api_key", "it holds characters a header cannot carry"))?;
        auth.set_sensitive(true);
        let mut agent = format!("kataven-rust/{}", env!("CARGO_PKG_VERSION"));
        if let Some(extra) = &self.user_agent {
            agent.push(' ');
            agent.push_str(extra);
        }
        let agent = HeaderValue::try_from(agent).map_err(|_| {
            Error::invalid("user_agent", "it holds characters a header cannot carry")
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(USER_AGENT, agent);

        let http = tls(reqwest::Client::builder())?
            .default_headers(headers)
            // An API answer is never a redirect; following one could turn a
            // create into a GET or carry the request elsewhere. A 3xx comes
            // back as an `Error::Api` with its status.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(
                self.connect_timeout
                    .unwrap_or(transport::DEFAULT_CONNECT_TIMEOUT),
            )
            .build()
            .map_err(|err| Error::Transport {
                operation: "client",
                message: format!(
                    "could not set up the HTTP client: {}",
                    crate::call::describe(&err)
                ),
                attempts: 0,
                source: Some(Box::new(err)),
            })?;
        Ok(Client {
            raw: raw::Client::new_with_client(&base_url, http, self.transport),
            account_id: self.account_id,
        })
    }
}

/// rustls with the ring provider, handed to reqwest ready-made, so no
/// process-wide default provider is installed behind the user's back.
#[cfg(feature = "rustls")]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls_error = |err: rustls::Error| Error::Transport {
        operation: "client",
        message: format!("could not set up TLS: {err}"),
        attempts: 0,
        source: Some(Box::new(err)),
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
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            field,
            "it contains spaces or control characters",
        ));
    }
    Ok(())
}

/// Checks an account name against the Hub's rule, using the type generated
/// from the spec's `X-Account-ID` parameter (so the rule is the spec's).
fn check_account(account: &str) -> Result<()> {
    if account == RESERVED_ACCOUNT {
        return Err(Error::invalid(
            "account_id",
            "`kataven-admin` is reserved; the Hub refuses it with 403",
        ));
    }
    raw::types::ListWidgetKeysXAccountId::try_from(account)
        .map(|_| ())
        .map_err(|_| {
            Error::invalid(
                "account_id",
                format!(
                    "`{}` breaks the Hub's rule: 1 to 63 characters of a-z, 0-9, `_` and `-`, starting with a letter or digit",
                    account.escape_debug()
                ),
            )
        })
}

/// Checks a base URL and strips its trailing `/`.
fn normalise_base_url(url: &str) -> Result<String> {
    let err = |problem: String| Error::invalid("base_url", problem);
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
        err(format!(
            "`{url}` is not a URL ({e}); write e.g. https://api.kataven.ai"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(err(format!(
            "`{url}` must start with https:// (or http:// for a local Hub)"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(err(
            "it must not carry user info; pass credentials with .api_key()".to_string(),
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(err(format!("`{url}` must not have a query or fragment")));
    }
    let base = parsed.as_str().trim_end_matches('/').to_string();
    let path = parsed.path().trim_end_matches('/');
    if path.ends_with("/v1") {
        let fixed = base.trim_end_matches("/v1").trim_end_matches("/api");
        return Err(err(format!(
            "`{url}` ends in /v1, which would send requests to .../v1/api/v1/...; the client adds /api/v1 itself, so write `{fixed}`"
        )));
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::normalise_base_url;

    #[test]
    fn base_urls() {
        assert_eq!(
            normalise_base_url("https://api.kataven.ai/")
                .ok()
                .as_deref(),
            Some("https://api.kataven.ai")
        );
        assert_eq!(
            normalise_base_url("https://hub.kataven.ai/hub-api/")
                .ok()
                .as_deref(),
            Some("https://hub.kataven.ai/hub-api")
        );
        let err = normalise_base_url("https://api.kataven.ai/v1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("write `https://api.kataven.ai`"), "{err}");
        let err = normalise_base_url("https://api.kataven.ai/api/v1/")
            .unwrap_err()
            .to_string();
        assert!(err.contains("write `https://api.kataven.ai`"), "{err}");
        assert!(normalise_base_url("ftp://x").is_err());
        assert!(normalise_base_url("api.kataven.ai").is_err());
        assert!(normalise_base_url("https://u:p@api.kataven.ai").is_err());
    }
}
