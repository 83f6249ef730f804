//! The identifiers of a widget key: its id, and its plaintext public key.
//! A leaf but for the id kit it is made of.

use serde::{Deserialize, Serialize};

use crate::id::{IdText, id_newtype, last8, string_newtype};

/// A widget key's id (a UUID string), as the Hub returns it.
///
/// ```
/// use kataven::WidgetKeyId;
///
/// let id = WidgetKeyId::from("0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90");
/// assert_eq!(id.as_str(), "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90");
/// let back: String = id.into();
/// ```
#[derive(Clone)]
pub struct WidgetKeyId(IdText);
id_newtype!(WidgetKeyId);

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
        last8(&self.0)
    }
}

string_newtype!(PublicKey);
