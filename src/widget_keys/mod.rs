//! Widget keys: the public `pk_live_...` identifiers a customer pastes into
//! their page, each with a domain allowlist and an optional pinned agent.
//!
//! ```
//! # async fn run() -> kataven::Result<()> {
//! # let hub = kataven::mock::MockHub::start().await;
//! # let client = kataven::Client::builder().api_key(hub.api_key()).base_url(hub.base_url()).build()?;
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
//! ```

mod model;

use std::future::{Future, IntoFuture};
use std::pin::Pin;

pub use model::{CreatedWidgetKey, PublicKey, WidgetKey, WidgetKeyId};

use crate::allowlist::AllowlistEntry;
use crate::call::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::raw::{UpdateWidgetKeyBody, types};

const LIST: Call = Call::new("list_widget_keys", 200);
const CREATE: Call = Call::new("create_widget_key", 201);
const UPDATE: Call = Call::status_only("update_widget_key", 200);
const DELETE: Call = Call::status_only("delete_widget_key", 200);

/// The widget-key operations of a [`Client`]; get it from
/// [`Client::widget_keys`].
#[derive(Clone, Copy, Debug)]
pub struct WidgetKeys<'a> {
    client: &'a Client,
}

impl<'a> WidgetKeys<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Every widget key of the account (the Hub does not paginate). Retried
    /// on transient failures.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let active = client.widget_keys().list().await?.into_iter().filter(|k| !k.is_disabled());
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<WidgetKey>> {
        let account = self.client.account::<types::ListWidgetKeysXAccountId>()?;
        let outcome = LIST
            .run(self.client.raw().list_widget_keys(account.as_ref()))
            .await?;
        let keys = match outcome {
            Ok(keys) => keys,
            Err(other) => serde_json::from_slice::<Vec<types::DataWidgetKey>>(&other.body)
                .map_err(|e| LIST.decode_error(other.status, &e.to_string(), &other.body))?,
        };
        Ok(keys.into_iter().map(WidgetKey::from).collect())
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
        CreateWidgetKey {
            client: self.client,
            name: name.into(),
            domain_allowlist: Vec::new(),
            agent_id: None,
        }
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
        UpdateWidgetKey {
            client: self.client,
            id: id.as_ref().to_string(),
            body: UpdateWidgetKeyBody::default(),
            domain_allowlist: None,
        }
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
        // `disabled: true` alone: the update marks it idempotent (retried).
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
        let id = parse_id(id.as_ref())?;
        let account = self.client.account::<types::DeleteWidgetKeyXAccountId>()?;
        // Any 2xx is success: the Hub does not document delete's status.
        let _deleted = DELETE
            .run(self.client.raw().delete_widget_key(&id, account.as_ref()))
            .await?;
        Ok(())
    }
}

/// A pending create; `.await` it or call [`send`](Self::send). Built by
/// [`WidgetKeys::create`].
#[derive(Debug)]
#[must_use = "nothing is sent until the builder is awaited"]
pub struct CreateWidgetKey<'a> {
    client: &'a Client,
    name: String,
    domain_allowlist: Vec<String>,
    agent_id: Option<String>,
}

impl<'a> CreateWidgetKey<'a> {
    /// The origins that may load the widget (see
    /// [`allowlist`](crate::allowlist) for the forms). Replaces any list set
    /// before. Each entry is checked before anything is sent.
    pub fn domain_allowlist<I, S>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domain_allowlist = entries.into_iter().map(Into::into).collect();
        self
    }

    /// Pins one agent: the widget then uses it whatever the page's
    /// `data-agent` says.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// Sends the request. Same as `.await` on the builder.
    pub async fn send(self) -> Result<CreatedWidgetKey> {
        let name = check_name(&self.name)?;
        let domain_allowlist = check_allowlist(self.domain_allowlist)?;
        if let Some(agent) = &self.agent_id {
            check_agent_id(agent)?;
        }
        let agent_id = self.agent_id;
        let body = types::HandlersCreateWidgetKeyRequest {
            name: name.parse().map_err(|e: types::error::ConversionError| {
                Error::invalid("name", e.to_string())
            })?,
            domain_allowlist,
            agent_id,
        };
        let account = self.client.account::<types::CreateWidgetKeyXAccountId>()?;
        let outcome = CREATE
            .run(self.client.raw().create_widget_key(account.as_ref(), &body))
            .await?;
        match outcome {
            Ok(created) => Ok(created.into()),
            Err(other) => serde_json::from_slice::<types::DataCreatedWidgetKey>(&other.body)
                .map(CreatedWidgetKey::from)
                .map_err(|e| CREATE.decode_error(other.status, &e.to_string(), &other.body)),
        }
    }
}

impl<'a> IntoFuture for CreateWidgetKey<'a> {
    type Output = Result<CreatedWidgetKey>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A pending update; `.await` it or call [`send`](Self::send). Built by
/// [`WidgetKeys::update`]. Absent, `null` and a value are three different
/// requests: only what you set is sent.
#[derive(Debug)]
#[must_use = "nothing is sent until the builder is awaited"]
pub struct UpdateWidgetKey<'a> {
    client: &'a Client,
    id: String,
    body: UpdateWidgetKeyBody,
    /// Kept unchecked until `send`, where every entry is validated.
    domain_allowlist: Option<Vec<String>>,
}

impl<'a> UpdateWidgetKey<'a> {
    /// Renames the key.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(name.into());
        self
    }

    /// Replaces the whole allowlist. An empty list is sent as `[]`, which
    /// **blocks the key**.
    pub fn domain_allowlist<I, S>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domain_allowlist = Some(entries.into_iter().map(Into::into).collect());
        self
    }

    /// Pins this agent.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.body.agent_id = Some(Some(agent_id.into()));
        self
    }

    /// Unpins the agent: sends `"agent_id": null`, and the page's
    /// `data-agent` decides again.
    pub fn clear_agent_id(mut self) -> Self {
        self.body.agent_id = Some(None);
        self
    }

    /// `true` revokes the key, `false` re-enables it.
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.body.disabled = Some(disabled);
        self
    }

    /// Sends the request. Same as `.await` on the builder.
    pub async fn send(self) -> Result<()> {
        let id = parse_id(&self.id)?;
        let mut body = self.body;
        if let Some(name) = &body.name {
            body.name = Some(check_name(name)?.to_string());
        }
        if let Some(entries) = self.domain_allowlist {
            body.domain_allowlist = Some(check_allowlist(entries)?);
        }
        if let Some(Some(agent)) = &body.agent_id {
            check_agent_id(agent)?;
        }
        if body == UpdateWidgetKeyBody::default() {
            return Err(Error::invalid(
                "update",
                "nothing to change; set a name, an allowlist, the agent or disabled",
            ));
        }
        let account = self.client.account::<types::UpdateWidgetKeyXAccountId>()?;
        let call = Call {
            // `disabled: true` alone is the Hub's one idempotent write.
            idempotent: body
                == UpdateWidgetKeyBody {
                    disabled: Some(true),
                    ..UpdateWidgetKeyBody::default()
                },
            ..UPDATE
        };
        // Any 2xx is success; the body ("Updated") says nothing more.
        let _updated = call
            .run(
                self.client
                    .raw()
                    .update_widget_key(&id, account.as_ref(), &body),
            )
            .await?;
        Ok(())
    }
}

impl<'a> IntoFuture for UpdateWidgetKey<'a> {
    type Output = Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

fn parse_id(id: &str) -> Result<uuid::Uuid> {
    if id.trim().is_empty() {
        return Err(Error::invalid("id", "the widget key id is empty"));
    }
    uuid::Uuid::parse_str(id.trim()).map_err(|_| {
        Error::invalid(
            "id",
            format!(
                "`{}` is not a widget key id (a UUID, as `list` returns it)",
                id.escape_debug()
            ),
        )
    })
}

fn check_name(name: &str) -> Result<&str> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "it is empty or only whitespace"));
    }
    Ok(name)
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

/// Validates every entry and sends them normalised; the first bad entry
/// fails the call before anything is sent.
fn check_allowlist(entries: Vec<String>) -> Result<Vec<String>> {
    entries
        .iter()
        .map(|entry| {
            AllowlistEntry::parse(entry)
                .map(|entry| entry.to_string())
                .map_err(|e| Error::invalid("domain_allowlist", e.to_string()))
        })
        .collect()
}
