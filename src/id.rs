//! What every resource's identifiers are made of: an id's text (a UUID kept
//! inline), and the macros that give an id or a plain string newtype its
//! conversions, comparisons and serde form. A leaf: it imports nothing of the
//! crate, so a resource's `ids.rs` is a few lines of docs and one macro call.

/// An id's text. A UUID in the Hub's lowercase hyphenated form is kept inline:
/// a list of 10 widget keys saved 10 allocations and ~3,000 instructions this
/// way (benches/sdk_vs_raw.rs under callgrind). Any other text is kept as it
/// came, never rewritten: an id is reported exactly as the Hub sent it.
#[derive(Clone)]
pub(crate) enum IdText {
    Uuid([u8; uuid::fmt::Hyphenated::LENGTH]),
    Other(String),
}

impl IdText {
    /// The Hub's lowercase hyphenated form of `id`.
    pub(crate) fn from_uuid(id: uuid::Uuid) -> Self {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        id.hyphenated().encode_lower(&mut text);
        Self::Uuid(text)
    }

    /// `text` inline when it already is a lowercase hyphenated UUID (so
    /// nothing is rewritten), else on the heap.
    pub(crate) fn from_str(text: &str) -> Self {
        match Self::inline(text) {
            Some(inline) => Self::Uuid(inline),
            None => Self::Other(text.to_string()),
        }
    }

    pub(crate) fn from_string(text: String) -> Self {
        match Self::inline(&text) {
            Some(inline) => Self::Uuid(inline),
            None => Self::Other(text),
        }
    }

    fn inline(text: &str) -> Option<[u8; uuid::fmt::Hyphenated::LENGTH]> {
        let bytes: [u8; uuid::fmt::Hyphenated::LENGTH] = text.as_bytes().try_into().ok()?;
        let lowercase = bytes
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'-'));
        (lowercase && uuid::Uuid::try_parse_ascii(&bytes).is_ok()).then_some(bytes)
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            // Always ASCII: checked by `inline` or written by `encode_lower`.
            Self::Uuid(text) => std::str::from_utf8(text).unwrap_or_default(),
            Self::Other(text) => text,
        }
    }

    pub(crate) fn into_string(self) -> String {
        match self {
            Self::Other(text) => text,
            Self::Uuid(_) => self.as_str().to_string(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for IdText {
    /// Reads the id from the borrowed text where the decoder can lend it, so
    /// a UUID id costs no allocation at all.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = IdText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an id string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<IdText, E> {
                Ok(IdText::from_str(text))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<IdText, E> {
                Ok(IdText::from_string(text))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// An id newtype over [`IdText`]: conversions from and to `String`, `&str`
/// and `FromStr`, `AsRef<str>`, `Display`, a `Debug` that shows the text,
/// equality, order and hash by the text (however it is kept), comparison
/// with `str`, and serde as a plain string. The struct itself, with its docs,
/// is written where the resource defines it: `pub struct FooId(IdText);`.
macro_rules! id_newtype {
    ($name:ident) => {
        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The Hub's lowercase hyphenated form of `id`.
            #[allow(dead_code)] // Used by the mock, when it is built.
            pub(crate) fn from_uuid(id: uuid::Uuid) -> Self {
                Self($crate::id::IdText::from_uuid(id))
            }
        }
        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self($crate::id::IdText::from_string(value))
            }
        }
        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self($crate::id::IdText::from_str(value))
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0.into_string()
            }
        }
        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name))
                    .field(&self.as_str())
                    .finish()
            }
        }
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }
        impl Eq for $name {}
        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }
        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$crate::id::IdText as serde::Deserialize>::deserialize(deserializer).map(Self)
            }
        }
    };
}

/// A public string newtype `struct Foo(String)`: conversions from and to
/// `String` and `&str`, `FromStr`, `AsRef<str>`, `Display` and comparison
/// with `str`. Derive the rest (`Debug`, equality, serde) where it is defined.
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
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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

/// The last 8 characters of `text`, as the Hub's `key_last8` shows a key.
pub(crate) fn last8(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .nth(7)
        .map(|(i, _)| i)
        .unwrap_or(0);
    text.get(start..).unwrap_or(text)
}

pub(crate) use {id_newtype, string_newtype};

#[cfg(test)]
mod tests {
    use super::IdText;

    #[derive(Clone)]
    struct SomeId(IdText);
    id_newtype!(SomeId);

    #[test]
    fn an_id_is_its_text_however_it_is_kept() {
        let text = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";
        let inline = SomeId::from_uuid(uuid::Uuid::parse_str(text).unwrap_or_default());
        let heap = SomeId(IdText::Other(text.to_string()));
        assert!(matches!(SomeId::from(text).0, IdText::Uuid(_)));
        assert_eq!(inline.as_str(), text);
        assert_eq!(inline, heap);
        assert_eq!(inline.cmp(&heap), std::cmp::Ordering::Equal);
        use std::hash::BuildHasher;
        let state = std::hash::RandomState::new();
        assert_eq!(state.hash_one(&inline), state.hash_one(&heap));
        assert_eq!(String::from(inline.clone()), text);
        assert_eq!(format!("{inline:?}"), format!("SomeId({text:?})"));
        assert_eq!(
            serde_json::to_string(&inline).unwrap_or_default(),
            format!("\"{text}\"")
        );
    }

    #[test]
    fn a_decoded_id_keeps_its_exact_text() {
        let decode = |json: &str| serde_json::from_str::<SomeId>(json).map(|id| id.0);
        let lower = decode(r#""0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90""#);
        assert!(matches!(lower, Ok(IdText::Uuid(_))));
        // Not the Hub's form: kept as sent, never rewritten to lowercase.
        for other in [
            "0B6F8E2A-4C1D-4E7B-9A3F-2D5C8E1F7A90",
            "wk_123",
            "0b6f8e2a4c1d4e7b9a3f2d5c8e1f7a90",
            "",
        ] {
            let kept = decode(&format!("\"{other}\"")).map(|t| t.as_str().to_string());
            assert_eq!(kept.ok().as_deref(), Some(other));
        }
        // An escaped string cannot be borrowed; it still decodes.
        let escaped = decode(r#""0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a9\u0030""#);
        assert_eq!(
            escaped.map(|t| t.as_str().to_string()).ok().as_deref(),
            Some("0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90")
        );
    }

    #[test]
    fn last8_counts_characters() {
        assert_eq!(
            super::last8("pk_live_acme_3Jm9vXc2LpW8nKd4Q7rT2xZ9"),
            "Q7rT2xZ9"
        );
        assert_eq!(super::last8("short"), "short");
        assert_eq!(super::last8("ééééééééé"), "éééééééé");
    }
}
