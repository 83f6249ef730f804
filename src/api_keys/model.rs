//! The facade's API-key types, and the one conversion from the generated
//! ones. Field types go through [`FromGenerated`], so a constraint the spec
//! adds to or drops from a response field changes nothing here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ApiKeyId, ApiKeySecret};
use crate::raw::types;
use crate::wire::FromGenerated;

/// An API key as the Hub lists it: everything but the plaintext secret.
/// Its serde form is the Hub's (the same field names).
///
/// ```
/// # async fn run(client: kataven::Client) -> kataven::Result<()> {
/// for key in client.api_keys().list().await? {
///     let expiry = key.expires_at.map_or("never".to_string(), |t| t.to_rfc3339());
///     println!("{} …{} expires {expiry}", key.name, key.key_last8);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiKey {
    /// The key's id.
    pub id: ApiKeyId,
    /// Its human name, e.g. `ci-deploy-bot`.
    pub name: String,
    /// The last 8 characters of the plaintext key.
    pub key_last8: String,
    /// When it stops working; `None` when it never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was revoked or soft-deleted; `None` while active.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When it last authenticated a request; `None` if never used.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// Whether the key is revoked or soft-deleted.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let active = client.api_keys().list().await?.into_iter().filter(|k| !k.is_disabled());
    /// # Ok(()) }
    /// ```
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// Whether the key is past its expiry at `now` (the Hub then refuses it
    /// with 401).
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let now = kataven::chrono::Utc::now();
    /// let expired = client.api_keys().list().await?.into_iter().filter(|k| k.is_expired_at(now));
    /// # Ok(()) }
    /// ```
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|end| end <= now)
    }
}

/// A newly created API key: the [`ApiKey`] and its plaintext
/// [`secret_key`](Self::secret_key), which the Hub returns this once. It has
/// no serde form, and its `Debug` does not show the secret.
///
/// ```
/// # async fn run(client: kataven::Client) -> kataven::Result<()> {
/// let created = client.api_keys().create("ci-deploy-bot").expires_in_days(90).await?;
/// store_in_vault(created.secret_key.expose_secret());
/// println!("created {} …{}", created.api_key.name, created.secret_key.last8());
/// # Ok(()) }
/// # fn store_in_vault(_: &str) {}
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatedApiKey {
    /// The key as it will be listed.
    pub api_key: ApiKey,
    /// The plaintext `sk_live_...`: store it now, it is never shown again.
    pub secret_key: ApiKeySecret,
}

/// Converts a generated key (`types::DataApiKey` or
/// `types::DataCreatedApiKey`) into an [`ApiKey`] and the generated type's
/// other fields, named after the `;`. The destructuring is exhaustive on
/// purpose: a field the spec adds is a compile error here, where someone
/// decides how the facade shows it.
macro_rules! api_key_from {
    ($value:expr, $generated:path $(; $($other:ident),+)?) => {{
        let $generated {
            id,
            name,
            key_last8,
            expires_at,
            created_at,
            updated_at,
            disabled_at,
            last_used_at,
            $($($other,)+)?
        } = $value;
        (
            ApiKey {
                id: FromGenerated::from_generated(id),
                name: FromGenerated::from_generated(name),
                key_last8: FromGenerated::from_generated(key_last8),
                expires_at: FromGenerated::from_generated(expires_at),
                created_at: FromGenerated::from_generated(created_at),
                updated_at: FromGenerated::from_generated(updated_at),
                disabled_at: FromGenerated::from_generated(disabled_at),
                last_used_at: FromGenerated::from_generated(last_used_at),
            },
            $(($($other,)+))?
        )
    }};
}

impl FromGenerated<types::DataApiKey> for ApiKey {
    fn from_generated(key: types::DataApiKey) -> Self {
        api_key_from!(key, types::DataApiKey).0
    }
}

impl FromGenerated<types::DataCreatedApiKey> for CreatedApiKey {
    fn from_generated(key: types::DataCreatedApiKey) -> Self {
        let (api_key, (secret_key,)) = api_key_from!(key, types::DataCreatedApiKey; secret_key);
        CreatedApiKey {
            secret_key: FromGenerated::from_generated(secret_key),
            api_key,
        }
    }
}

/// The spec says `format: uuid`, so the generated id is a `Uuid`.
impl FromGenerated<uuid::Uuid> for ApiKeyId {
    fn from_generated(id: uuid::Uuid) -> Self {
        ApiKeyId::from_uuid(id)
    }
}

/// Without the `format`, the generated id is a plain string.
impl FromGenerated<String> for ApiKeyId {
    fn from_generated(id: String) -> Self {
        ApiKeyId::from(id)
    }
}

impl<S: Into<String>> FromGenerated<S> for ApiKeySecret {
    fn from_generated(key: S) -> Self {
        ApiKeySecret::from(key.into())
    }
}
