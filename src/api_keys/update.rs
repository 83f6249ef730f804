//! The update builder (and revoke, which is an update).

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::{REVOKE, UPDATE, key_id};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::input::check_name;
use crate::raw::types;
use crate::wire::IntoGenerated;

/// A pending update; `.await` it or call [`send`](Self::send). Built by
/// [`ApiKeys::update`](super::ApiKeys::update). Only what you set is sent.
///
/// ```
/// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
/// client.api_keys().update(&id).name("ci-deploy-bot-renamed").send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until the builder is awaited"]
pub struct UpdateApiKey<'a> {
    client: &'a Client,
    id: String,
    name: Option<String>,
    disabled: Option<bool>,
}

impl<'a> UpdateApiKey<'a> {
    pub(super) fn new(client: &'a Client, id: String) -> Self {
        Self {
            client,
            id,
            name: None,
            disabled: None,
        }
    }

    /// Renames the key.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
    /// client.api_keys().update(&id).name("ci-deploy-bot (old)").await?;
    /// # Ok(()) }
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Revokes (`true`: the key stops working within milliseconds) or
    /// re-enables (`false`) the key.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
    /// client.api_keys().update(&id).disabled(false).await?; // re-enable
    /// # Ok(()) }
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// Sends the request. Same as `.await` on the builder.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
    /// client.api_keys().update(&id).name("renamed").send().await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<()> {
        let id = key_id(&self.id)?;
        if let Some(name) = &self.name {
            check_name(name)?;
        }
        if self.name.is_none() && self.disabled.is_none() {
            return Err(Error::invalid(
                "update",
                "nothing to change; set a name or disabled",
            ));
        }
        let revoke = self.disabled == Some(true) && self.name.is_none();
        // The request fields, whatever types the spec's constraints made of
        // them; a field the spec adds fails to compile here, on purpose.
        let body = types::HandlersUpdateApiKeyRequest {
            name: self.name.into_generated("name")?,
            disabled: self.disabled,
        };
        // `disabled: true` alone (revoke) is idempotent: retried like a read.
        let call = self.client.call(if revoke { &REVOKE } else { &UPDATE });
        // Any 2xx is success; the body ("Updated") says nothing more.
        call.status(|raw| raw.update_api_key(id.get(), None, &body))
            .await?;
        Ok(())
    }
}

impl<'a> IntoFuture for UpdateApiKey<'a> {
    type Output = Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;
    fn into_future(self) -> Self::IntoFuture {
        crate::runner::boxed_send(|| self.send())
    }
}
