//! The update builder (and revoke, which is an update).

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::{REVOKE, UPDATE, check_agent_id, check_allowlist, check_name, key_id};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::raw::types;
use crate::wire::IntoGenerated;

/// A pending update; `.await` it or call [`send`](Self::send). Built by
/// [`WidgetKeys::update`](super::WidgetKeys::update). Absent, `null` and a
/// value are three different requests: only what you set is sent.
///
/// ```
/// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
/// client.widget_keys().update(&id).name("renamed").clear_agent_id().send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until the builder is awaited"]
pub struct UpdateWidgetKey<'a> {
    client: &'a Client,
    id: String,
    name: Option<String>,
    /// Kept unchecked until `send`, where every entry is validated.
    domain_allowlist: Option<Vec<String>>,
    /// `None`: leave alone; `Some(None)`: unpin; `Some(Some(id))`: pin.
    agent_id: Option<Option<String>>,
    disabled: Option<bool>,
}

impl<'a> UpdateWidgetKey<'a> {
    pub(super) fn new(client: &'a Client, id: String) -> Self {
        Self {
            client,
            id,
            name: None,
            domain_allowlist: None,
            agent_id: None,
            disabled: None,
        }
    }

    /// Renames the key.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().update(&id).name("acme.com (prod)").await?;
    /// # Ok(()) }
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Replaces the whole allowlist. An empty list is sent as `[]`, which
    /// **blocks the key**.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().update(&id).domain_allowlist(["acme.com", "*.acme.com"]).await?;
    /// # Ok(()) }
    /// ```
    pub fn domain_allowlist<I, S>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domain_allowlist = Some(entries.into_iter().map(Into::into).collect());
        self
    }

    /// Pins this agent.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().update(&id).agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z").await?;
    /// # Ok(()) }
    /// ```
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(Some(agent_id.into()));
        self
    }

    /// Unpins the agent: sends `"agent_id": null`, and the page's
    /// `data-agent` decides again.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().update(&id).clear_agent_id().await?;
    /// # Ok(()) }
    /// ```
    pub fn clear_agent_id(mut self) -> Self {
        self.agent_id = Some(None);
        self
    }

    /// `true` revokes the key, `false` re-enables it.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().update(&id).disabled(false).await?;
    /// # Ok(()) }
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// Sends the request. Same as `.await` on the builder.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// client.widget_keys().update(&id).name("renamed").send().await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<()> {
        let id = key_id(&self.id)?;
        if let Some(name) = &self.name {
            check_name(name)?;
        }
        let domain_allowlist = self.domain_allowlist.map(check_allowlist).transpose()?;
        if let Some(Some(agent)) = &self.agent_id {
            check_agent_id(agent)?;
        }
        if self.name.is_none()
            && domain_allowlist.is_none()
            && self.agent_id.is_none()
            && self.disabled.is_none()
        {
            return Err(Error::invalid(
                "update",
                "nothing to change; set a name, an allowlist, the agent or disabled",
            ));
        }
        let revoke = self.disabled == Some(true)
            && self.name.is_none()
            && domain_allowlist.is_none()
            && self.agent_id.is_none();
        // The request fields, whatever types the spec's constraints made of
        // them; a field the spec adds fails to compile here, on purpose.
        let body = types::HandlersUpdateWidgetKeyRequest {
            name: self.name.into_generated("name")?,
            domain_allowlist: domain_allowlist.into_generated("domain_allowlist")?,
            agent_id: self.agent_id.into_generated("agent_id")?,
            disabled: self.disabled,
        };
        // `disabled: true` alone (revoke) is the Hub's one idempotent write.
        let call = self.client.call(if revoke { &REVOKE } else { &UPDATE });
        // Any 2xx is success; the body ("Updated") says nothing more.
        call.status(|raw| raw.update_widget_key(id.get(), None, &body))
            .await?;
        Ok(())
    }
}

impl<'a> IntoFuture for UpdateWidgetKey<'a> {
    type Output = Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;
    fn into_future(self) -> Self::IntoFuture {
        crate::runner::boxed_send(|| self.send())
    }
}
