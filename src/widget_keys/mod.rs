//! Widget keys: the public `pk_live_...` identifiers a customer pastes into
//! their page, each with a domain allowlist and an optional pinned agent.
//!
//! ```
//! # #[cfg(feature = "mock")] {
//! # async fn run() -> kataven::Result<()> {
//! # let hub = kataven::mock::MockHub::start().await;
//! # let client = hub.client()?;
//! let keys = client.widget_keys();
//! let created = keys
//!     .create("acme.com production")
//!     .domain_allowlist(["acme.com", "*.acme.com"])
//!     .await?;
//! println!("paste this into the page: {}", created.public_key);
//!
//! let id = created.widget_key.id;
//! keys.update(&id).name("acme.com (prod)").clear_agent_id().await?;
//! keys.revoke(&id).await?;
//! keys.delete(&id).await?;
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! # }
//! ```

mod create;
mod ids;
mod model;
mod rotate;
mod update;

pub use create::CreateWidgetKey;
pub use ids::{PublicKey, WidgetKeyId};
pub use model::{CreatedWidgetKey, WidgetKey};
pub use rotate::RotatedWidgetKey;
pub use update::UpdateWidgetKey;

use crate::allowlist::AllowlistEntry;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::input::check_name;
use crate::runner::Operation;
use crate::shown_once::OnceField;
use crate::wire::Param;

/// What a 404 means for an operation on one key.
const NO_SUCH_KEY: &str = "no widget key with this id in the account";

/// The plaintext key a create returns once. Public by design (the allowlist
/// protects it), so an error may print it.
static PUBLIC_KEY: OnceField = OnceField {
    name: "public_key",
    prefix: "pk_live_",
    tail_field: "key_last8",
    printable: true,
};

const LIST: Operation = Operation::PLAIN;
const CREATE: Operation = Operation {
    shown_once: Some(&PUBLIC_KEY),
    lost_body: Some(
        "the key was created: do not retry (that would mint a second key); list the keys to find it",
    ),
    possibly_applied: "the key may have been created: do not retry (that would mint a second key); \
         list the keys to find it, and revoke one whose plaintext you do not have",
    ..Operation::PLAIN
};
const UPDATE: Operation = Operation {
    not_found: Some(NO_SUCH_KEY),
    ..Operation::PLAIN
};
/// `disabled: true` alone is the Hub's one idempotent write.
const REVOKE: Operation = Operation {
    repeatable: true,
    ..UPDATE
};
const DELETE: Operation = UPDATE;

impl Client {
    /// The widget keys of the account: list, create, update, revoke, delete.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let keys = client.widget_keys().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn widget_keys(&self) -> WidgetKeys<'_> {
        WidgetKeys { client: self }
    }
}

impl Error {
    /// The plaintext `pk_live_` key that a create response held although it
    /// did not decode or arrive whole. The Hub shows it only once: store it.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// match client.widget_keys().create("acme.com production").await {
    ///     Ok(created) => println!("{}", created.public_key),
    ///     Err(err) => {
    ///         if let Some(key) = err.public_key() {
    ///             println!("created, but the answer broke: {key}");
    ///         }
    ///         return Err(err);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn public_key(&self) -> Option<PublicKey> {
        self.shown_once()
            .filter(|once| once.field() == PUBLIC_KEY.name)
            .map(|once| PublicKey::from(once.value()))
    }
}

/// The widget-key operations of a [`Client`]; get it from
/// [`Client::widget_keys`].
///
/// ```
/// # async fn run(client: kataven::Client) -> kataven::Result<()> {
/// let keys = client.widget_keys();
/// let count = keys.list().await?.len();
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct WidgetKeys<'a> {
    client: &'a Client,
}

impl<'a> WidgetKeys<'a> {
    /// Every widget key of the account (the Hub does not paginate). Retried
    /// on transient failures.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let active = client.widget_keys().list().await?.into_iter().filter(|k| !k.is_disabled());
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<WidgetKey>> {
        let call = self.client.call(&LIST);
        call.list(|raw| raw.list_widget_keys(None)).await
    }

    /// Starts creating a key named `name`; set the allowlist and agent on the
    /// builder, then `.await` it (or call [`send`](CreateWidgetKey::send)).
    ///
    /// **A key with an empty allowlist is blocked**: the Hub accepts it, but
    /// no page may load the widget with it until an allowlist is set.
    ///
    /// The plaintext key is in the result's
    /// [`public_key`](CreatedWidgetKey::public_key), this once. Create is not
    /// idempotent: it is retried only when the request provably never reached
    /// the Hub, so a retry never mints a second key.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let created = client
    ///     .widget_keys()
    ///     .create("acme.com production")
    ///     .domain_allowlist(["acme.com", "*.acme.com"])
    ///     .agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
    ///     .await?;
    /// store_somewhere(created.public_key.as_str());
    /// # Ok(()) }
    /// # fn store_somewhere(_: &str) {}
    /// ```
    pub fn create(&self, name: impl Into<String>) -> CreateWidgetKey<'a> {
        CreateWidgetKey::new(self.client, name.into())
    }

    /// Starts an update of the key `id`. Only the fields you set are sent:
    /// a rename leaves the allowlist and the agent alone.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().update(&id).name("renamed").domain_allowlist(["acme.com"]).await?;
    /// client.widget_keys().update(&id).clear_agent_id().await?;   // sends "agent_id": null
    /// client.widget_keys().update(&id).disabled(false).await?;    // re-enable
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: impl AsRef<str>) -> UpdateWidgetKey<'a> {
        UpdateWidgetKey::new(self.client, id.as_ref().to_string())
    }

    /// Revokes the key (`disabled: true`): pages can no longer load the
    /// widget with it. Idempotent, and retried like a read.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().revoke(&id).await?;
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
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().delete(&id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        let id = key_id(id.as_ref())?;
        let call = self.client.call(&DELETE);
        // Any 2xx is success: the Hub does not document delete's status.
        call.status(|raw| raw.delete_widget_key(id.get(), None))
            .await?;
        Ok(())
    }

    /// Rotates the key `id`: creates its replacement with the same name,
    /// allowlist and pinned agent, and renames the previous key to
    /// `<name> (being replaced)`. **The previous key keeps working**: put the
    /// new plaintext key in your pages, then [`revoke`](Self::revoke) the
    /// previous one, as a separate step.
    ///
    /// The Hub has no rotate endpoint; this is a list, a rename and a create,
    /// in an order that loses nothing. If a step fails, the error is an
    /// [`Error::Rotation`] whose [`rotation_state`](Error::rotation_state)
    /// says exactly what the Hub holds, and a rerun continues from there
    /// without minting a second replacement. A new plaintext key that the
    /// broken answer still held is handed back (as the result, or by
    /// [`Error::public_key`]). An enabled key is required, and no other
    /// enabled key may carry its name.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// let rotated = client.widget_keys().rotate(&id).await?;
    /// println!("paste this into the page: {}", rotated.replacement.public_key);
    /// // ...once every page has the new key:
    /// client.widget_keys().revoke(&rotated.previous.id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn rotate(&self, id: impl AsRef<str>) -> Result<RotatedWidgetKey> {
        let id = id.as_ref().trim();
        key_id::<str>(id)?;
        let (previous, replacement) = crate::rotation::rotate(self, id).await?;
        Ok(RotatedWidgetKey {
            previous,
            replacement,
        })
    }
}

/// A key id as the generated method takes it, checked before sending.
fn key_id<T: ?Sized + crate::wire::PathParam>(id: &str) -> Result<Param<T>> {
    crate::input::uuid_id("widget key", id)
}

fn check_agent_id(agent_id: &str) -> Result<()> {
    if agent_id.trim().is_empty() {
        return Err(Error::invalid(
            "agent_id",
            "it is empty; use clear_agent_id() to unpin the agent",
        ));
    }
    Ok(())
}

/// Validates every entry and returns them normalised; the first bad entry
/// fails the call before anything is sent.
fn check_allowlist(mut entries: Vec<String>) -> Result<Vec<String>> {
    // In place: each entry is kept or replaced by its normal form in the
    // list it came in, without the fallible collect into a new one.
    for entry in &mut entries {
        *entry = AllowlistEntry::normalised(std::mem::take(entry))
            .map_err(|e| Error::invalid("domain_allowlist", e.to_string()))?;
    }
    Ok(entries)
}
