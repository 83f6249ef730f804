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
#[derive(Clone)]
pub struct WidgetKeyId(Text);

/// An id's text. One a list decodes is a UUID, kept inline in the Hub's
/// form: a list of 10 keys saved 10 allocations and ~3,000 instructions
/// this way (benches/sdk_vs_raw.rs under callgrind). Any other text is kept
/// as it came.
#[derive(Clone)]
enum Text {
    Uuid([u8; uuid::fmt::Hyphenated::LENGTH]),
    Other(String),
}

impl WidgetKeyId {
    /// The Hub's lowercase hyphenated form of `id`.
    pub(crate) fn from_uuid(id: uuid::Uuid) -> Self {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        id.hyphenated().encode_lower(&mut text);
        Self(Text::Uuid(text))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Always ASCII: written by `encode_lower`.
            Text::Uuid(text) => std::str::from_utf8(text).unwrap_or_default(),
            Text::Other(text) => text,
        }
    }
}

impl From<String> for WidgetKeyId {
    fn from(value: String) -> Self {
        Self(Text::Other(value))
    }
}

impl From<&str> for WidgetKeyId {
    fn from(value: &str) -> Self {
        Self(Text::Other(value.to_string()))
    }
}

impl From<WidgetKeyId> for String {
    fn from(value: WidgetKeyId) -> Self {
        match value.0 {
            Text::Other(text) => text,
            Text::Uuid(_) => value.as_str().to_string(),
        }
    }
}

impl std::str::FromStr for WidgetKeyId {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(s))
    }
}

impl AsRef<str> for WidgetKeyId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for WidgetKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for WidgetKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WidgetKeyId").field(&self.as_str()).finish()
    }
}

// Equality, order and hash follow the text, however it is kept.
impl PartialEq for WidgetKeyId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for WidgetKeyId {}

impl PartialOrd for WidgetKeyId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for WidgetKeyId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for WidgetKeyId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for WidgetKeyId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for WidgetKeyId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for WidgetKeyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WidgetKeyId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::WidgetKeyId;

    #[test]
    fn an_id_is_its_text_however_it_is_kept() {
        let text = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";
        let inline = WidgetKeyId::from_uuid(uuid::Uuid::parse_str(text).unwrap_or_default());
        let heap = WidgetKeyId::from(text);
        assert_eq!(inline.as_str(), text);
        assert_eq!(inline, heap);
        assert_eq!(inline.cmp(&heap), std::cmp::Ordering::Equal);
        use std::hash::BuildHasher;
        let state = std::hash::RandomState::new();
        assert_eq!(state.hash_one(&inline), state.hash_one(&heap));
        assert_eq!(String::from(inline.clone()), text);
        assert_eq!(format!("{inline:?}"), format!("{heap:?}"));
        assert_eq!(
            serde_json::to_string(&inline).unwrap_or_default(),
            format!("\"{text}\"")
        );
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
string_newtype!(PublicKey);
