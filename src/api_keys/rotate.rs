//! Rotation of an API key: the resource's part of `rotation.rs`'s steps.

use chrono::{DateTime, Utc};

use super::{ApiKey, ApiKeySecret, ApiKeys, CreatedApiKey, MAX_EXPIRY_DAYS};
use crate::error::Result;
use crate::rotation::Rotate;
use crate::shown_once::ShownOnce;

/// The result of [`ApiKeys::rotate`]: the previous key, still enabled under
/// a name that says it is being replaced, and its replacement with the new
/// secret to put in your secret store.
///
/// ```
/// # async fn run(client: kataven::Client, id: kataven::ApiKeyId) -> kataven::Result<()> {
/// let rotated = client.api_keys().rotate(&id).await?;
/// store_in_vault(rotated.replacement.secret_key.expose_secret());
/// // Once every server uses the new key:
/// client.api_keys().revoke(&rotated.previous.id).await?;
/// # Ok(()) }
/// # fn store_in_vault(_: &str) {}
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotatedApiKey {
    /// The key that was rotated, renamed `<name> (being replaced)`; it keeps
    /// working until you revoke it (or it expires). Its other fields are as
    /// listed before the rename.
    pub previous: ApiKey,
    /// The new key, with the previous key's name and, when it had one, the
    /// same expiry length (from now), and its plaintext secret: store it now.
    pub replacement: CreatedApiKey,
}

/// The lifetime, in whole days (rounded, 1 to the Hub's maximum), of a key
/// created at `created` that expires at `expires`.
fn expiry_days(created: DateTime<Utc>, expires: DateTime<Utc>) -> u32 {
    const DAY: i64 = 86_400;
    let seconds = expires.signed_duration_since(created).num_seconds();
    let days = seconds.saturating_add(DAY / 2) / DAY;
    u32::try_from(days.clamp(1, i64::from(MAX_EXPIRY_DAYS))).unwrap_or(MAX_EXPIRY_DAYS)
}

impl Rotate for ApiKeys<'_> {
    type Key = ApiKey;
    type Created = CreatedApiKey;

    fn id(key: &ApiKey) -> &str {
        key.id.as_str()
    }
    fn name(key: &ApiKey) -> &str {
        &key.name
    }
    fn key_last8(key: &ApiKey) -> &str {
        &key.key_last8
    }
    fn is_disabled(key: &ApiKey) -> bool {
        key.is_disabled()
    }
    fn renamed(mut key: ApiKey, name: String) -> ApiKey {
        key.name = name;
        key
    }
    fn created_from(api_key: ApiKey, plaintext: &ShownOnce) -> Option<CreatedApiKey> {
        (plaintext.field() == super::SECRET_KEY.name).then(|| CreatedApiKey {
            secret_key: ApiKeySecret::from(plaintext.value().to_string()),
            api_key,
        })
    }
    fn check_replacement(_key: &ApiKey) -> Result<()> {
        // A name and an expiry length in range are all a create sends.
        Ok(())
    }

    async fn list(&self) -> Result<Vec<ApiKey>> {
        ApiKeys::list(self).await
    }
    async fn rename(&self, id: &str, name: &str) -> Result<()> {
        self.update(id).name(name).send().await
    }
    async fn create_replacement(&self, like: &ApiKey, name: &str) -> Result<CreatedApiKey> {
        let create = self.create(name);
        match like.expires_at {
            Some(expires) => {
                create
                    .expires_in_days(expiry_days(like.created_at, expires))
                    .send()
                    .await
            }
            None => create.send().await,
        }
    }
    async fn delete(&self, id: &str) -> Result<()> {
        ApiKeys::delete(self, id).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::expiry_days;

    #[test]
    fn the_expiry_length_is_rounded_to_days_within_the_hubs_range() {
        let created = Utc
            .with_ymd_and_hms(2026, 11, 2, 9, 15, 27)
            .single()
            .unwrap_or_default();
        let days = |d: Duration| expiry_days(created, created + d);
        assert_eq!(days(Duration::days(90)), 90);
        // The Hub's clock may put expires_at a moment off created_at + n.
        assert_eq!(days(Duration::days(90) - Duration::seconds(3)), 90);
        assert_eq!(days(Duration::days(30) + Duration::hours(11)), 30);
        assert_eq!(days(Duration::hours(2)), 1);
        assert_eq!(days(-Duration::days(5)), 1);
        assert_eq!(days(Duration::days(100_000)), 3650);
    }
}
