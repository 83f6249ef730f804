//! The identifiers of a widget key: its id, and its plaintext public key.
//! A leaf: it imports nothing of the crate.

use std::fmt;

use serde::{Deserialize, Serialize};

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

    /// Its last 8 characters, as [`WidgetKey::key_last8`](super::WidgetKey::key_last8)
    /// shows them.
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
