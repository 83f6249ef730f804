//! The facade's widget-key types, and the one conversion from the generated
//! ones. Field types go through [`FromGenerated`], so a constraint the spec
//! adds to or drops from a response field (a `pattern` that turns a `String`
//! into a newtype) changes nothing here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{PublicKey, WidgetKeyId};
use crate::raw::types;
use crate::wire::FromGenerated;

/// A widget key as the Hub lists it: everything but the plaintext key.
/// Its serde form is the Hub's (the same field names), so an app can cache
/// keys or return them from its own API.
///
/// ```
/// # async fn run(client: kataven::Client) -> kataven::Result<()> {
/// for key in client.widget_keys().list().await? {
///     let state = if key.is_disabled() { "revoked" } else { "active" };
///     println!("{} …{} {state} {:?}", key.name, key.key_last8, key.domain_allowlist);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WidgetKey {
    /// The key's id.
    pub id: WidgetKeyId,
    /// Its human name.
    pub name: String,
    /// The last 8 characters of the plaintext key.
    pub key_last8: String,
    /// Origins that may load the widget; empty means the key is blocked.
    /// See [`allowlist`](crate::allowlist) to check an origin locally.
    pub domain_allowlist: Vec<String>,
    /// The pinned agent, if any.
    pub agent_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was revoked or soft-deleted; `None` while active.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When a widget last bootstrapped with it; `None` if never used.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl WidgetKey {
    /// Whether the key is revoked or soft-deleted.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// let active = client.widget_keys().list().await?.into_iter().filter(|k| !k.is_disabled());
    /// # Ok(()) }
    /// ```
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// Whether a page at `origin` may load the widget with this key, under
    /// the SDK's reading of the Hub's rules (see [`allowlist`](crate::allowlist)).
    /// A disabled key allows nothing.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// let keys = client.widget_keys().list().await?;
    /// let allowed = keys.iter().any(|k| k.allows_origin("https://shop.acme.com"));
    /// # Ok(()) }
    /// ```
    pub fn allows_origin(&self, origin: &str) -> bool {
        !self.is_disabled() && crate::allowlist::allows(&self.domain_allowlist, origin)
    }
}

/// A newly created key: the [`WidgetKey`] and its plaintext
/// [`public_key`](Self::public_key), which the Hub returns this once.
/// Its serde form is the Hub's: the key's fields and `public_key`, flat.
///
/// ```
/// # async fn run(client: kataven::Client) -> kataven::Result<()> {
/// let created = client.widget_keys().create("acme.com production").await?;
/// let json = serde_json::to_string(&created).expect("serializes");
/// assert!(json.contains("\"public_key\":\"pk_live_"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedWidgetKey {
    /// The plaintext `pk_live_...`: store it now, it is never shown again.
    pub public_key: PublicKey,
    /// The key as it will be listed.
    #[serde(flatten)]
    pub widget_key: WidgetKey,
}

/// Converts a generated key (`types::DataWidgetKey` or
/// `types::DataCreatedWidgetKey`) into a [`WidgetKey`] and the generated
/// type's other fields, named after the `;`. The one place that lists the
/// fields of a widget key next to the spec's: the destructuring is
/// exhaustive on purpose, so a field the spec adds is a compile error here,
/// where someone decides how the facade shows it (see CONTRIBUTING.md).
macro_rules! widget_key_from {
    ($value:expr, $generated:path $(; $($other:ident),+)?) => {{
        let $generated {
            id,
            name,
            key_last8,
            domain_allowlist,
            agent_id,
            created_at,
            updated_at,
            disabled_at,
            last_used_at,
            $($($other,)+)?
        } = $value;
        (
            WidgetKey {
                id: FromGenerated::from_generated(id),
                name: FromGenerated::from_generated(name),
                key_last8: FromGenerated::from_generated(key_last8),
                domain_allowlist: FromGenerated::from_generated(domain_allowlist),
                agent_id: FromGenerated::from_generated(agent_id),
                created_at: FromGenerated::from_generated(created_at),
                updated_at: FromGenerated::from_generated(updated_at),
                disabled_at: FromGenerated::from_generated(disabled_at),
                last_used_at: FromGenerated::from_generated(last_used_at),
            },
            $(($($other,)+))?
        )
    }};
}

// Through the crate's own `FromGenerated`, not `From`: a public `From`
// impl would put a generated type into the facade's public API, which a
// spec refresh must not change.
impl FromGenerated<types::DataWidgetKey> for WidgetKey {
    fn from_generated(key: types::DataWidgetKey) -> Self {
        widget_key_from!(key, types::DataWidgetKey).0
    }
}

impl FromGenerated<types::DataCreatedWidgetKey> for CreatedWidgetKey {
    fn from_generated(key: types::DataCreatedWidgetKey) -> Self {
        let (widget_key, (public_key,)) =
            widget_key_from!(key, types::DataCreatedWidgetKey; public_key);
        CreatedWidgetKey {
            public_key: FromGenerated::from_generated(public_key),
            widget_key,
        }
    }
}

/// The spec says `format: uuid`, so the generated id is a `Uuid`.
impl FromGenerated<uuid::Uuid> for WidgetKeyId {
    fn from_generated(id: uuid::Uuid) -> Self {
        WidgetKeyId::from_uuid(id)
    }
}

/// Without the `format`, the generated id is a plain string.
impl FromGenerated<String> for WidgetKeyId {
    fn from_generated(id: String) -> Self {
        WidgetKeyId::from(id)
    }
}

impl<S: Into<String>> FromGenerated<S> for PublicKey {
    fn from_generated(key: S) -> Self {
        PublicKey::from(key.into())
    }
}
