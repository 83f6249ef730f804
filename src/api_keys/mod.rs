//! API keys: the secret `sk_live_...` credentials that servers, SDKs and CI
//! send as bearer tokens. Only a person's session may create, update or
//! delete them: build the client with a JWT and its account
//! ([`ClientBuilder::bearer_token`](crate::ClientBuilder::bearer_token) and
//! [`account_id`](crate::ClientBuilder::account_id)); an API key may list.
//!
//! ```
//! # #[cfg(feature = "mock")] {
//! # async fn run() -> kataven::Result<()> {
//! # let hub = kataven::mock::MockHub::start().await;
//! # let client = hub.session_client()?;
//! let keys = client.api_keys();
//! let created = keys.create("ci-deploy-bot").expires_in_days(90).await?;
//! store_in_vault(created.secret_key.expose_secret()); // shown this once
//!
//! let rotated = keys.rotate(&created.api_key.id).await?;
//! store_in_vault(rotated.replacement.secret_key.expose_secret());
//! keys.revoke(&rotated.previous.id).await?; // once nothing uses it
//! # Ok(()) }
//! # fn store_in_vault(_: &str) {}
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! # }
//! ```

mod create;
mod ids;
mod model;
mod rotate;
mod update;

pub use create::CreateApiKey;
pub use ids::{ApiKeyId, ApiKeySecret};
pub use model::{ApiKey, CreatedApiKey};
pub use rotate::RotatedApiKey;
pub use update::UpdateApiKey;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::runner::Operation;
use crate::shown_once::OnceField;
use crate::wire::Param;

/// The longest lifetime the Hub gives a key, in days.
const MAX_EXPIRY_DAYS: u32 = 3650;

/// The plaintext key a create returns once. A secret: an error keeps it
/// (for [`Error::secret_key`]) but never prints it.
static SECRET_KEY: OnceField = OnceField {
    name: "secret_key",
    prefix: "sk_live_",
    tail_field: "key_last8",
    printable: false,
};

/// What a 404 means for an operation on one key.
const NO_SUCH_KEY: &str = "no API key with this id in the account";
/// What the Hub's 403 means when the caller used an API key.
const NEEDS_SESSION: &str = "managing API keys needs a person's session, not an sk_live_ key: \
     build the client with a JWT and its account id (ClientBuilder::bearer_token and account_id)";

const LIST: Operation = Operation::PLAIN;
const CREATE: Operation = Operation {
    shown_once: Some(&SECRET_KEY),
    lost_body: Some(
        "the key was created: do not retry (that would mint a second key); list the API keys, \
         find it by name and revoke it: its secret was lost",
    ),
    possibly_applied: "the key may have been created: do not retry (that would mint a second key); \
         list the API keys and revoke one whose secret you do not have",
    forbidden_with_api_key: Some(NEEDS_SESSION),
    ..Operation::PLAIN
};
const UPDATE: Operation = Operation {
    not_found: Some(NO_SUCH_KEY),
    forbidden_with_api_key: Some(NEEDS_SESSION),
    ..Operation::PLAIN
};
/// `disabled: true` alone is idempotent.
const REVOKE: Operation = Operation {
    repeatable: true,
    ..UPDATE
};
const DELETE: Operation = UPDATE;

impl Client {
    /// The API keys of the account: list, create, update, revoke, delete,
    /// rotate. All but `list` need a session (a JWT), not an API key.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let keys = client.api_keys().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn api_keys(&self) -> ApiKeys<'_> {
        ApiKeys { client: self }
    }
}

impl Error {
    /// The plaintext `sk_live_` key that a create response held although it
    /// did not decode or arrive whole. The Hub shows it only once: store it.
    /// It is never in the error's `Display` or `Debug`.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// match client.api_keys().create("ci-deploy-bot").await {
    ///     Ok(created) => store_in_vault(created.secret_key.expose_secret()),
    ///     Err(err) => {
    ///         if let Some(secret) = err.secret_key() {
    ///             store_in_vault(secret.expose_secret()); // created all the same
    ///         }
    ///         return Err(err);
    ///     }
    /// }
    /// # Ok(()) }
    /// # fn store_in_vault(_: &str) {}
    /// ```
    pub fn secret_key(&self) -> Option<ApiKeySecret> {
        self.shown_once()
            .filter(|once| once.field() == SECRET_KEY.name)
            .map(|once| ApiKeySecret::from(once.value().to_string()))
    }
}

/// The API-key operations of a [`Client`]; get it from [`Client::api_keys`].
///
/// ```
/// # async fn run(client: kataven::Client) -> kataven::Result<()> {
/// let keys = client.api_keys();
/// let count = keys.list().await?.len();
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ApiKeys<'a> {
    client: &'a Client,
}

impl<'a> ApiKeys<'a> {
    /// Every API key of the account (the Hub does not paginate), never a
    /// plaintext. An API key may list too. Retried on transient failures.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let active = client.api_keys().list().await?.into_iter().filter(|k| !k.is_disabled());
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<ApiKey>> {
        let call = self.client.call(&LIST);
        call.list(|raw| raw.list_api_keys(None)).await
    }

    /// Starts creating a key named `name`; set its expiry on the builder,
    /// then `.await` it (or call [`send`](CreateApiKey::send)).
    ///
    /// The plaintext secret is in the result's
    /// [`secret_key`](CreatedApiKey::secret_key), this once. Create is not
    /// idempotent: it is retried only when the request provably never reached
    /// the Hub, so a retry never mints a second key.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let created = client.api_keys().create("ci-deploy-bot").expires_in_days(90).await?;
    /// store_in_vault(created.secret_key.expose_secret());
    /// # Ok(()) }
    /// # fn store_in_vault(_: &str) {}
    /// ```
    pub fn create(&self, name: impl Into<String>) -> CreateApiKey<'a> {
        CreateApiKey::new(self.client, name.into())
    }

    /// Starts an update of the key `id`. Only the fields you set are sent.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
    /// client.api_keys().update(&id).name("ci-deploy-bot-renamed").await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: impl AsRef<str>) -> UpdateApiKey<'a> {
        UpdateApiKey::new(self.client, id.as_ref().to_string())
    }

    /// Revokes the key (`disabled: true`): it stops working within
    /// milliseconds. Idempotent, and retried like a read.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
    /// client.api_keys().revoke(&id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn revoke(&self, id: impl AsRef<str>) -> Result<()> {
        self.update(id).disabled(true).send().await
    }

    /// Deletes the key. A key that was never used is deleted for good; a used
    /// key is only disabled, to keep the audit trail (list afterwards to see
    /// which). Not idempotent: not retried once it may have reached the Hub.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
    /// client.api_keys().delete(&id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        let id = key_id(id.as_ref())?;
        let call = self.client.call(&DELETE);
        // Any 2xx is success: as for widget keys, the status is undocumented.
        call.status(|raw| raw.delete_api_key(id.get(), None))
            .await?;
        Ok(())
    }

    /// Rotates the key `id`: creates its replacement with the same name and,
    /// when it expires, the same expiry length, and renames the previous key
    /// to `<name> (being replaced)`. **The previous key keeps working**: put
    /// the new secret where the old one is used, then
    /// [`revoke`](Self::revoke) the previous key, as a separate step.
    ///
    /// The Hub has no rotate endpoint; this is a list, a rename and a create,
    /// in an order that loses nothing. If a step fails, the error is an
    /// [`Error::Rotation`] whose [`rotation_state`](Error::rotation_state)
    /// says exactly what the Hub holds, and a rerun continues from there
    /// without minting a second replacement. A new secret that the broken
    /// answer still held is handed back (as the result, or by
    /// [`Error::secret_key`]).
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
    /// let rotated = client.api_keys().rotate(&id).await?;
    /// store_in_vault(rotated.replacement.secret_key.expose_secret());
    /// // ...once every server uses the new key:
    /// client.api_keys().revoke(&rotated.previous.id).await?;
    /// # Ok(()) }
    /// # fn store_in_vault(_: &str) {}
    /// ```
    pub async fn rotate(&self, id: impl AsRef<str>) -> Result<RotatedApiKey> {
        let id = id.as_ref().trim();
        key_id::<str>(id)?;
        let (previous, replacement) = crate::rotation::rotate(self, id).await?;
        Ok(RotatedApiKey {
            previous,
            replacement,
        })
    }
}

/// A key id as the generated method takes it, checked before sending.
fn key_id<T: ?Sized + crate::wire::PathParam>(id: &str) -> Result<Param<T>> {
    crate::input::uuid_id("API key", id)
}
