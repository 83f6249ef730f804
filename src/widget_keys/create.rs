//! The create builder.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::{CREATE, CreatedWidgetKey, check_agent_id, check_allowlist, check_name};
use crate::client::Client;
use crate::error::Result;
use crate::raw::types;
use crate::wire::IntoGenerated;

/// A pending create; `.await` it or call [`send`](Self::send). Built by
/// [`WidgetKeys::create`](super::WidgetKeys::create).
///
/// ```
/// # async fn run(client: kataven::Client) -> kataven::Result<()> {
/// let created = client
///     .widget_keys()
///     .create("acme.com production")
///     .domain_allowlist(["acme.com"])
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until the builder is awaited"]
pub struct CreateWidgetKey<'a> {
    client: &'a Client,
    name: String,
    domain_allowlist: Vec<String>,
    agent_id: Option<String>,
}

impl<'a> CreateWidgetKey<'a> {
    pub(super) fn new(client: &'a Client, name: String) -> Self {
        Self {
            client,
            name,
            domain_allowlist: Vec::new(),
            agent_id: None,
        }
    }

    /// The origins that may load the widget (see
    /// [`allowlist`](crate::allowlist) for the forms). Replaces any list set
    /// before. Each entry is checked before anything is sent.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let created = client.widget_keys().create("shop").domain_allowlist(["*.acme.com"]).await?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let created = client.widget_keys().create("shop").agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z").await?;
    /// # Ok(()) }
    /// ```
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// Sends the request. Same as `.await` on the builder.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let created = client.widget_keys().create("shop").send().await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<CreatedWidgetKey> {
        check_name(&self.name)?;
        let domain_allowlist = check_allowlist(self.domain_allowlist)?;
        if let Some(agent) = &self.agent_id {
            check_agent_id(agent)?;
        }
        // The request fields, whatever types the spec's constraints made of
        // them; a field the spec adds fails to compile here, on purpose.
        let body = types::HandlersCreateWidgetKeyRequest {
            name: self.name.into_generated("name")?,
            domain_allowlist: domain_allowlist.into_generated("domain_allowlist")?,
            agent_id: self.agent_id.into_generated("agent_id")?,
        };
        let call = self.client.call(&CREATE);
        call.one(|raw| raw.create_widget_key(None, &body)).await
    }
}

impl<'a> IntoFuture for CreateWidgetKey<'a> {
    type Output = Result<CreatedWidgetKey>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;
    fn into_future(self) -> Self::IntoFuture {
        crate::runner::boxed_send(|| self.send())
    }
}
