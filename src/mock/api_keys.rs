//! The mock Hub's API keys: their routes and store, the credential hook
//! through which a key it minted authenticates (while enabled and
//! unexpired, checked on every request), the handle a test reaches the
//! store with ([`MockHub::api_keys`]), and [`ApiKeyFixture`]. A key is held
//! as the facade's [`ApiKey`], written by its serde (the Hub's wire form);
//! its secret is held as an [`ApiKeySecret`], which no `Debug` shows, and
//! no recorded request holds (the recorder keeps no `Authorization`).

use chrono::{DateTime, Duration, Utc};
use http::Method;

use super::reply::{Call, Caller, Credential, Reply, Resource, Target, json, text};
use super::request::{has_null, json_object, now, plain, plain_field};
use super::{MockHub, Shared, random_token};
use crate::api_keys::{ApiKey, ApiKeyId, ApiKeySecret, CreatedApiKey};
use crate::raw::types;

/// `/api/v1/api-keys` and `/api/v1/api-keys/{id}`.
pub(super) const RESOURCE: Resource = Resource {
    collection_methods: &["GET", "POST"],
    item_methods: &["PATCH", "DELETE"],
    handle,
    credential: Some(credential),
};

const NOT_FOUND: &str = "API key not found";
/// The Hub's answer to an `sk_live_` caller that tries to manage keys.
const NEEDS_UI_AUTH: &str = "Requires Hub UI auth";
/// The longest expiry the Hub accepts, in days.
const MAX_EXPIRY_DAYS: i64 = 3650;

#[derive(Debug, Default)]
struct ApiKeyStore {
    /// In creation order, each with its secret.
    keys: Vec<(ApiKey, ApiKeySecret)>,
    /// Every secret that create returned, in order.
    issued: Vec<ApiKeySecret>,
}

fn handle(hub: &Shared, call: &Call<'_>) -> Reply {
    let lists = matches!(call.target, Target::Collection) && *call.method == Method::GET;
    // Managing keys needs a person's session: a leaked key must not mint,
    // rename or revoke the others.
    if !lists && call.caller == Caller::ApiKey {
        return text(403, NEEDS_UI_AUTH);
    }
    match call.target {
        Target::Collection if lists => list(hub),
        Target::Collection => create(hub, call.body),
        Target::Item(id) => {
            let Ok(id) = uuid::Uuid::parse_str(id) else {
                return text(400, "Invalid API key id");
            };
            let id = ApiKeyId::from_uuid(id);
            if *call.method == Method::PATCH {
                update(hub, id, call.body)
            } else {
                delete(hub, id)
            }
        }
    }
}

/// A bearer token that is one of the keys: valid while enabled and
/// unexpired (and then marked used), refused otherwise.
fn credential(hub: &Shared, token: &str) -> Credential {
    hub.with_store(|store: &mut ApiKeyStore| {
        let Some((key, _)) = store
            .keys
            .iter_mut()
            .find(|(_, secret)| secret.expose_secret() == token)
        else {
            return Credential::Unknown;
        };
        let now = now();
        if key.is_disabled() || key.is_expired_at(now) {
            return Credential::Refused;
        }
        key.last_used_at = Some(now);
        Credential::Valid
    })
}

fn list(hub: &Shared) -> Reply {
    hub.with_store(|store: &mut ApiKeyStore| {
        let keys: Vec<&ApiKey> = store.keys.iter().map(|(key, _)| key).collect();
        json(200, &keys)
    })
}

fn create(hub: &Shared, body: &[u8]) -> Reply {
    const INVALID: &str = "Invalid body or name required";
    let Some(fields) = json_object(body) else {
        return text(400, INVALID);
    };
    // The generated type reads a `null` as "absent"; the Hub refuses it.
    if has_null(&fields, &["name"]) {
        return text(400, INVALID);
    }
    if has_null(&fields, &["expiry"]) {
        return text(400, "Invalid body");
    }
    let Ok(request) = serde_json::from_value::<types::HandlersCreateApiKeyRequest>(fields) else {
        return text(400, INVALID);
    };
    let (Some(name), Some(expiry)) = (
        plain::<_, String>(request.name),
        plain_field::<_, String>(request.expiry),
    ) else {
        return text(400, INVALID);
    };
    let days = match expiry.as_deref().map(expiry_days) {
        None => None,
        Some(Some(days)) => Some(days),
        Some(None) => return text(400, "Invalid body"),
    };
    let secret = new_secret(&hub.account);
    let key = new_key(name, days, &secret);
    let created = Created {
        key: &key,
        secret_key: secret.expose_secret(),
    };
    let reply = json(201, &created);
    hub.with_store(|store: &mut ApiKeyStore| {
        store.keys.push((key.clone(), secret.clone()));
        store.issued.push(secret.clone());
    });
    reply
}

/// The create answer's wire form: `secret_key` and the key's fields, flat
/// (the facade's `CreatedApiKey` has no serde form, on purpose). The secret
/// comes first, as the widget key's plaintext does: a body cut after it
/// still holds it whole.
#[derive(serde::Serialize)]
struct Created<'a> {
    secret_key: &'a str,
    #[serde(flatten)]
    key: &'a ApiKey,
}

/// `<n>d` with n from 1 to 3650, as the Hub reads an expiry.
fn expiry_days(expiry: &str) -> Option<i64> {
    let digits = expiry.strip_suffix('d')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    let days: i64 = digits.parse().ok()?;
    (1..=MAX_EXPIRY_DAYS).contains(&days).then_some(days)
}

fn update(hub: &Shared, id: ApiKeyId, body: &[u8]) -> Reply {
    const INVALID: &str = "Invalid body";
    let Some(fields) = json_object(body) else {
        return text(400, INVALID);
    };
    if has_null(&fields, &["name", "disabled"]) {
        return text(400, INVALID);
    }
    let Ok(request) = serde_json::from_value::<types::HandlersUpdateApiKeyRequest>(fields) else {
        return text(400, INVALID);
    };
    let Some(name) = plain_field::<_, String>(request.name) else {
        return text(400, INVALID);
    };
    let disabled = request.disabled;
    hub.with_store(|store: &mut ApiKeyStore| {
        let Some((key, _)) = store.keys.iter_mut().find(|(k, _)| k.id == id) else {
            return text(404, NOT_FOUND);
        };
        let now = now();
        if let Some(name) = name {
            key.name = name;
        }
        match disabled {
            // Idempotent: a second revoke keeps the first timestamp.
            Some(true) if key.disabled_at.is_none() => key.disabled_at = Some(now),
            Some(false) => key.disabled_at = None,
            _ => {}
        }
        key.updated_at = now;
        json(200, &"Updated")
    })
}

fn delete(hub: &Shared, id: ApiKeyId) -> Reply {
    hub.with_store(|store: &mut ApiKeyStore| {
        let Some(index) = store.keys.iter().position(|(k, _)| k.id == id) else {
            return text(404, NOT_FOUND);
        };
        let used = store
            .keys
            .get(index)
            .is_some_and(|(k, _)| k.last_used_at.is_some());
        if !used {
            store.keys.remove(index);
        } else if let Some((key, _)) = store.keys.get_mut(index) {
            let now = now();
            key.disabled_at.get_or_insert(now);
            key.updated_at = now;
        }
        json(200, &"Deleted")
    })
}

fn new_secret(account: &str) -> ApiKeySecret {
    ApiKeySecret::from(format!("sk_live_{account}_{}", random_token(32)))
}

/// A fresh, active, never-used key that expires after `days`, if given.
fn new_key(name: String, days: Option<i64>, secret: &ApiKeySecret) -> ApiKey {
    let now = now();
    ApiKey {
        id: ApiKeyId::from_uuid(uuid::Uuid::new_v4()),
        name,
        key_last8: secret.last8().to_string(),
        expires_at: days.and_then(|days| now.checked_add_signed(Duration::days(days))),
        created_at: now,
        updated_at: now,
        disabled_at: None,
        last_used_at: None,
    }
}

impl MockHub {
    /// The API keys it holds, to look at or to seed. Its own
    /// [`api_key`](MockHub::api_key) is not among them: that one always
    /// works.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let created = hub.session_client()?.api_keys().create("ci-deploy-bot").await?;
    /// assert_eq!(hub.api_keys().list(), [created.api_key]);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn api_keys(&self) -> MockApiKeys<'_> {
        MockApiKeys { hub: &self.state }
    }
}

/// The API keys a [`MockHub`] holds; get it from [`MockHub::api_keys`].
///
/// ```
/// # #[cfg(feature = "mock")] {
/// use kataven::mock::{ApiKeyFixture, MockHub};
///
/// # async fn run() {
/// let hub = MockHub::start().await;
/// hub.api_keys().seed(ApiKeyFixture::new("ci-deploy-bot").expires_in_days(90));
/// assert_eq!(hub.api_keys().list().len(), 1);
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run());
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct MockApiKeys<'a> {
    hub: &'a Shared,
}

impl std::fmt::Debug for MockApiKeys<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockApiKeys").finish_non_exhaustive()
    }
}

impl MockApiKeys<'_> {
    /// The keys it holds now, in creation order (deleted ones are gone;
    /// soft-deleted ones are disabled).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// hub.session_client()?.api_keys().create("ci-deploy-bot").await?;
    /// assert_eq!(hub.api_keys().list()[0].name, "ci-deploy-bot");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn list(&self) -> Vec<ApiKey> {
        self.hub.with_store(|store: &mut ApiKeyStore| {
            store.keys.iter().map(|(key, _)| key.clone()).collect()
        })
    }

    /// Every secret that create returned, in order (as a test oracle: the
    /// client should have seen each exactly once). Seeded keys are not among
    /// them.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let created = hub.session_client()?.api_keys().create("ci-deploy-bot").await?;
    /// assert_eq!(hub.api_keys().issued(), [created.secret_key]);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn issued(&self) -> Vec<ApiKeySecret> {
        self.hub
            .with_store(|store: &mut ApiKeyStore| store.issued.clone())
    }

    /// Puts a key in the state the fixture describes straight into the Hub,
    /// without a create request, and returns it with its secret, which then
    /// authenticates requests as a minted key would (while the key is
    /// enabled and unexpired).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{ApiKeyFixture, MockHub};
    ///
    /// let hub = MockHub::start().await;
    /// let expired = hub.api_keys().seed(ApiKeyFixture::new("old").expired());
    /// let client = hub
    ///     .client_builder()
    ///     .api_key(expired.secret_key.expose_secret())
    ///     .build()?;
    /// assert!(client.widget_keys().list().await.unwrap_err().is_unauthorized());
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn seed(&self, fixture: ApiKeyFixture) -> CreatedApiKey {
        let (api_key, secret_key) = fixture.into_key(&self.hub.account);
        self.hub.with_store(|store: &mut ApiKeyStore| {
            store.keys.push((api_key.clone(), secret_key.clone()));
        });
        CreatedApiKey {
            api_key,
            secret_key,
        }
    }
}

/// An API key in a chosen state: seed it into a [`MockHub`] with
/// [`MockApiKeys::seed`], or [`build`](Self::build) it for a unit test that
/// needs an [`ApiKey`] without a server.
///
/// By default the key is active, never used, and never expires.
///
/// ```
/// # #[cfg(feature = "mock")] {
/// use kataven::mock::ApiKeyFixture;
///
/// let key = ApiKeyFixture::new("ci-deploy-bot").expires_in_days(90).used().build();
/// assert!(key.expires_at.is_some() && key.last_used_at.is_some());
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "seed it with MockHub::api_keys().seed, or build it"]
pub struct ApiKeyFixture {
    name: String,
    expires_at: Option<DateTime<Utc>>,
    expires_in_days: Option<i64>,
    used: bool,
    disabled: bool,
}

impl ApiKeyFixture {
    /// A key named `name`: active, never used, never expires.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::ApiKeyFixture::new("ci").build();
    /// assert_eq!(key.name, "ci");
    /// assert!(key.expires_at.is_none());
    /// # }
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        ApiKeyFixture {
            name: name.into(),
            expires_at: None,
            expires_in_days: None,
            used: false,
            disabled: false,
        }
    }

    /// Expires `days` days after it is created (now).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::ApiKeyFixture::new("ci").expires_in_days(30).build();
    /// assert_eq!((key.expires_at.unwrap() - key.created_at).num_days(), 30);
    /// # }
    /// ```
    pub fn expires_in_days(mut self, days: u32) -> Self {
        self.expires_in_days = Some(i64::from(days));
        self.expires_at = None;
        self
    }

    /// Expires at `at`, which may be in the past.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let at = kataven::chrono::Utc::now();
    /// let key = kataven::mock::ApiKeyFixture::new("ci").expires_at(at).build();
    /// assert_eq!(key.expires_at, Some(at));
    /// # }
    /// ```
    pub fn expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self.expires_in_days = None;
        self
    }

    /// Already expired (a day ago): the Hub refuses it with 401.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::ApiKeyFixture::new("ci").expired().build();
    /// assert!(key.is_expired_at(kataven::chrono::Utc::now()));
    /// # }
    /// ```
    pub fn expired(self) -> Self {
        let yesterday = now()
            .checked_sub_signed(Duration::days(1))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        self.expires_at(yesterday)
    }

    /// Used: it authenticated a request (`last_used_at` is set), so a delete
    /// only disables it.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::ApiKeyFixture::new("ci").used().build();
    /// assert!(key.last_used_at.is_some());
    /// # }
    /// ```
    pub fn used(mut self) -> Self {
        self.used = true;
        self
    }

    /// Disabled: revoked or soft-deleted (`disabled_at` is set).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::ApiKeyFixture::new("ci").disabled().build();
    /// assert!(key.is_disabled());
    /// # }
    /// ```
    pub fn disabled(mut self) -> Self {
        self.disabled = true;
        self
    }

    /// The key, as a Hub serving the account `acme` would list it: a fresh
    /// random id, created now.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::ApiKeyFixture::new("ci").build();
    /// assert!(!key.is_disabled());
    /// # }
    /// ```
    pub fn build(self) -> ApiKey {
        self.into_key("acme").0
    }

    /// The key and its secret `sk_live_acme_...`, as a create in the account
    /// `acme` would return them.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let created = kataven::mock::ApiKeyFixture::new("ci").build_created();
    /// assert!(created.secret_key.expose_secret().starts_with("sk_live_acme_"));
    /// assert_eq!(created.api_key.key_last8, created.secret_key.last8());
    /// # }
    /// ```
    pub fn build_created(self) -> CreatedApiKey {
        let (api_key, secret_key) = self.into_key("acme");
        CreatedApiKey {
            api_key,
            secret_key,
        }
    }

    fn into_key(self, account: &str) -> (ApiKey, ApiKeySecret) {
        let secret = new_secret(account);
        let mut key = new_key(self.name, self.expires_in_days, &secret);
        if self.expires_at.is_some() {
            key.expires_at = self.expires_at;
        }
        if self.used {
            key.last_used_at = Some(key.created_at);
        }
        if self.disabled {
            key.disabled_at = Some(key.created_at);
        }
        (key, secret)
    }
}

#[cfg(test)]
mod tests {
    use super::expiry_days;

    #[test]
    fn an_expiry_is_n_days_from_1_to_3650() {
        for (text, days) in [("1d", Some(1)), ("90d", Some(90)), ("3650d", Some(3650))] {
            assert_eq!(expiry_days(text), days, "{text}");
        }
        for text in [
            "0d", "3651d", "d", "90", "090d", "-1d", "1.5d", "90D", " 90d", "",
        ] {
            assert_eq!(expiry_days(text), None, "{text}");
        }
    }
}
