//! The create builder.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::{CREATE, CreatedApiKey, MAX_EXPIRY_DAYS};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::input::check_name;
use crate::raw::types;
use crate::wire::IntoGenerated;

/// A pending create; `.await` it or call [`send`](Self::send). Built by
/// [`ApiKeys::create`](super::ApiKeys::create).
///
/// ```
/// # async fn run(client: kataven::Client) -> kataven::Result<()> {
/// let created = client
///     .api_keys()
///     .create("ci-deploy-bot")
///     .expires_in_days(90)
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until the builder is awaited"]
pub struct CreateApiKey<'a> {
    client: &'a Client,
    name: String,
    expires_in_days: Option<u32>,
}

impl<'a> CreateApiKey<'a> {
    pub(super) fn new(client: &'a Client, name: String) -> Self {
        Self {
            client,
            name,
            expires_in_days: None,
        }
    }

    /// The key stops working `days` days after it is created (1 to 3650; the
    /// Hub UI offers 30, 90 and 365). Checked before anything is sent.
    /// Without it, the key never expires.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let created = client.api_keys().create("ci-deploy-bot").expires_in_days(30).await?;
    /// assert!(created.api_key.expires_at.is_some());
    /// # Ok(()) }
    /// ```
    pub fn expires_in_days(mut self, days: u32) -> Self {
        self.expires_in_days = Some(days);
        self
    }

    /// Sends the request. Same as `.await` on the builder.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let created = client.api_keys().create("ci-deploy-bot").send().await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<CreatedApiKey> {
        check_name(&self.name)?;
        let expiry = match self.expires_in_days {
            None => None,
            Some(days @ 1..=MAX_EXPIRY_DAYS) => Some(format!("{days}d")),
            Some(days) => {
                return Err(Error::invalid(
                    "expires_in_days",
                    format!(
                        "{days} is out of range: a key lives 1 to {MAX_EXPIRY_DAYS} days; \
                         leave it unset for a key that never expires"
                    ),
                ));
            }
        };
        // The request fields, whatever types the spec's constraints made of
        // them; a field the spec adds fails to compile here, on purpose.
        let body = types::HandlersCreateApiKeyRequest {
            name: self.name.into_generated("name")?,
            expiry: expiry.into_generated("expires_in_days")?,
        };
        let call = self.client.call(&CREATE);
        call.one(|raw| raw.create_api_key(None, &body)).await
    }
}

impl<'a> IntoFuture for CreateApiKey<'a> {
    type Output = Result<CreatedApiKey>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;
    fn into_future(self) -> Self::IntoFuture {
        crate::runner::boxed_send(|| self.send())
    }
}
