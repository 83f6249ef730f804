//! The facade's own widget-key types. They are built from the generated
//! ones, so a spec refresh changes the conversions here, not users' code.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::raw::types;

/// A widget key's id (a UUID string), as the Hub returns it.
///
/// ```
/// use kataven::WidgetKeyId;
///
/// let id = WidgetKeyId::from("0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90");
/// assert_eq!(id.as_str(), "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90");
/// let back: String = id.into();
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WidgetKeyId(String);

impl WidgetKeyId {
    /// The Hub's lowercase hyphenated form, encoded into a stack buffer
    /// rather than through `fmt` (`to_string()`): ~80 fewer instructions per
    /// listed key (benches/sdk_vs_raw.rs under callgrind).
    pub(crate) fn from_uuid(id: uuid::Uuid) -> Self {
        Self(
            id.hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer())
                .to_owned(),
        )
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The plaintext widget key, `pk_live_<account>_<random>`, that a page embeds
/// as `<script data-client-key="...">`. It is public (the allowlist is what
/// protects it) but the Hub shows it only once, at creation: store it.
///
/// ```
/// use kataven::PublicKey;
///
/// let key = PublicKey::from("pk_live_acme_3Jm9vXc2LpW8nKd4Q7rT2xZ9");
/// assert_eq!(key.last8(), "Q7rT2xZ9");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PublicKey(String);

impl PublicKey {
    /// The key as text, to store or to paste into a page.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its last 8 characters, as [`WidgetKey::key_last8`] shows them.
    pub fn last8(&self) -> &str {
        let start = self
            .0
            .char_indices()
            .rev()
            .nth(7)
            .map(|(i, _)| i)
            .unwrap_or(0);
        &self.0[start..]
    }
}

macro_rules! string_newtype {
    ($name:ident) => {
        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_string())
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self(s.to_string()))
            }
        }
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}
string_newtype!(WidgetKeyId);
string_newtype!(PublicKey);

/// A widget key as the Hub lists it: everything but the plaintext key.
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
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// Whether a page at `origin` may load the widget with this key, under
    /// the SDK's reading of the Hub's rules (see [`allowlist`](crate::allowlist)).
    /// A disabled key allows nothing.
    pub fn allows_origin(&self, origin: &str) -> bool {
        !self.is_disabled() && crate::allowlist::allows(&self.domain_allowlist, origin)
    }
}

/// A newly created key: the [`WidgetKey`] and its plaintext
/// [`public_key`](Self::public_key), which the Hub returns this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedWidgetKey {
    /// The plaintext `pk_live_...`: store it now, it is never shown again.
    pub public_key: PublicKey,
    /// The key as it will be listed. Serialized flat, as the Hub sends it:
    /// the key's fields next to `public_key`.
    #[serde(flatten)]
    pub widget_key: WidgetKey,
}

// The conversions destructure the generated types exhaustively on purpose:
// a field the spec adds is a compile error here, the one place to decide
// how the facade shows it (see CONTRIBUTING.md).
impl From<types::DataWidgetKey> for WidgetKey {
    fn from(key: types::DataWidgetKey) -> Self {
        let types::DataWidgetKey {
            id,
            name,
            key_last8,
            domain_allowlist,
            agent_id,
            created_at,
            updated_at,
            disabled_at,
            last_used_at,
        } = key;
        WidgetKey {
            id: WidgetKeyId::from_uuid(id),
            name,
            key_last8,
            domain_allowlist,
            agent_id,
            created_at,
            updated_at,
            disabled_at,
            last_used_at,
        }
    }
}

impl From<types::DataCreatedWidgetKey> for CreatedWidgetKey {
    fn from(key: types::DataCreatedWidgetKey) -> Self {
        let types::DataCreatedWidgetKey {
            id,
            name,
            key_last8,
            domain_allowlist,
            agent_id,
            created_at,
            updated_at,
            disabled_at,
            last_used_at,
            public_key,
        } = key;
        CreatedWidgetKey {
            public_key: PublicKey(public_key),
            widget_key: WidgetKey {
                id: WidgetKeyId::from_uuid(id),
                name,
                key_last8,
                domain_allowlist,
                agent_id,
                created_at,
                updated_at,
                disabled_at,
                last_used_at,
            },
        }
    }
}
