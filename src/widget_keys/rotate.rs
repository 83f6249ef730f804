//! Rotation of a widget key: the resource's part of `rotation.rs`'s steps.

use super::{CreatedWidgetKey, PublicKey, WidgetKey, WidgetKeys, check_agent_id, check_allowlist};
use crate::error::Result;
use crate::rotation::Rotate;
use crate::shown_once::ShownOnce;

/// The result of [`WidgetKeys::rotate`]: the previous key, still enabled
/// under a name that says it is being replaced, and its replacement with
/// the plaintext key to put in the page.
///
/// ```
/// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
/// let rotated = client.widget_keys().rotate(&id).await?;
/// deploy_page_with(rotated.replacement.public_key.as_str());
/// // Once every page embeds the new key:
/// client.widget_keys().revoke(&rotated.previous.id).await?;
/// # Ok(()) }
/// # fn deploy_page_with(_: &str) {}
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotatedWidgetKey {
    /// The key that was rotated, renamed `<name> (being replaced)`; it keeps
    /// working until you revoke it. Its other fields are as listed before
    /// the rename.
    pub previous: WidgetKey,
    /// The new key, with the previous key's name, allowlist and pinned
    /// agent, and its plaintext `public_key`: store it now.
    pub replacement: CreatedWidgetKey,
}

impl Rotate for WidgetKeys<'_> {
    type Key = WidgetKey;
    type Created = CreatedWidgetKey;

    fn id(key: &WidgetKey) -> &str {
        key.id.as_str()
    }
    fn name(key: &WidgetKey) -> &str {
        &key.name
    }
    fn key_last8(key: &WidgetKey) -> &str {
        &key.key_last8
    }
    fn is_disabled(key: &WidgetKey) -> bool {
        key.is_disabled()
    }
    fn renamed(mut key: WidgetKey, name: String) -> WidgetKey {
        key.name = name;
        key
    }
    fn created_from(widget_key: WidgetKey, plaintext: &ShownOnce) -> Option<CreatedWidgetKey> {
        (plaintext.field() == super::PUBLIC_KEY.name).then(|| CreatedWidgetKey {
            public_key: PublicKey::from(plaintext.value()),
            widget_key,
        })
    }
    fn check_replacement(key: &WidgetKey) -> Result<()> {
        check_allowlist(key.domain_allowlist.clone())?;
        key.agent_id.as_deref().map_or(Ok(()), check_agent_id)
    }

    async fn list(&self) -> Result<Vec<WidgetKey>> {
        WidgetKeys::list(self).await
    }
    async fn rename(&self, id: &str, name: &str) -> Result<()> {
        self.update(id).name(name).send().await
    }
    async fn create_replacement(&self, like: &WidgetKey, name: &str) -> Result<CreatedWidgetKey> {
        let create = self
            .create(name)
            .domain_allowlist(like.domain_allowlist.iter().cloned());
        match &like.agent_id {
            Some(agent) => create.agent_id(agent.clone()).send().await,
            None => create.send().await,
        }
    }
    async fn delete(&self, id: &str) -> Result<()> {
        WidgetKeys::delete(self, id).await
    }
}
