//! Conversions between the facade's plain types and whatever types the
//! spec's constraints make progenitor generate.
//!
//! A `pattern`, `minLength`, `maxLength`, `format` or `enum` on a string
//! parameter or field turns it from `String` / `&str` into a generated
//! newtype (`types::ListWidgetKeysXAccountId`, a `name` whose `FromStr`
//! error is `types::error::ConversionError`). Facade code that named those
//! types would stop compiling when the Hub adds or drops a constraint,
//! although nothing a user sees has changed. So the facade never names
//! them: it hands plain values through these traits, and type inference
//! picks the target from the generated method's signature.

use std::borrow::Borrow;
use std::fmt::Display;
use std::marker::PhantomData;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// A facade value that becomes the generated type `T` of a request field,
/// whatever constraints made `T`: `String` or a newtype, alone, optional,
/// in a list, or tri-state in a PATCH body.
pub(crate) trait IntoGenerated<T> {
    /// Converts, or says which field broke which constraint.
    fn into_generated(self, field: &'static str) -> Result<T>;
}

fn one<T>(value: String, field: &'static str) -> Result<T>
where
    T: TryFrom<String>,
    T::Error: Display,
{
    T::try_from(value).map_err(|e| Error::invalid(field, e.to_string()))
}

impl<T> IntoGenerated<T> for String
where
    T: TryFrom<String>,
    T::Error: Display,
{
    fn into_generated(self, field: &'static str) -> Result<T> {
        one(self, field)
    }
}

impl<T> IntoGenerated<Option<T>> for Option<String>
where
    T: TryFrom<String>,
    T::Error: Display,
{
    fn into_generated(self, field: &'static str) -> Result<Option<T>> {
        self.map(|v| one(v, field)).transpose()
    }
}

impl<T> IntoGenerated<Vec<T>> for Vec<String>
where
    T: TryFrom<String>,
    T::Error: Display,
{
    fn into_generated(self, field: &'static str) -> Result<Vec<T>> {
        self.into_iter().map(|v| one(v, field)).collect()
    }
}

impl<T> IntoGenerated<Option<Vec<T>>> for Option<Vec<String>>
where
    T: TryFrom<String>,
    T::Error: Display,
{
    fn into_generated(self, field: &'static str) -> Result<Option<Vec<T>>> {
        self.map(|v| v.into_generated(field)).transpose()
    }
}

impl<T> IntoGenerated<Option<Option<T>>> for Option<Option<String>>
where
    T: TryFrom<String>,
    T::Error: Display,
{
    fn into_generated(self, field: &'static str) -> Result<Option<Option<T>>> {
        self.map(|v| v.into_generated(field)).transpose()
    }
}

/// A generated path parameter: `&str`, or `&T` for a type the spec's
/// `format` or `pattern` made (`uuid::Uuid`, a newtype).
pub(crate) trait PathParam {
    /// What holds the parsed value while the call borrows it.
    type Owned: Borrow<Self>;
    /// Parses, or says what is wrong.
    fn parse(text: &str) -> std::result::Result<Self::Owned, String>;
}

impl PathParam for str {
    type Owned = String;
    fn parse(text: &str) -> std::result::Result<String, String> {
        Ok(text.to_string())
    }
}

impl<T> PathParam for T
where
    T: FromStr,
    T::Err: Display,
{
    type Owned = T;
    fn parse(text: &str) -> std::result::Result<T, String> {
        text.parse().map_err(|e: T::Err| e.to_string())
    }
}

/// A parsed path parameter; [`get`](Self::get) borrows it as the generated
/// method wants it.
pub(crate) struct Param<T: ?Sized + PathParam>(T::Owned);

impl<T: ?Sized + PathParam> Param<T> {
    /// Parses `text` into whatever the generated method takes.
    pub(crate) fn parse(field: &'static str, text: &str) -> Result<Self> {
        T::parse(text)
            .map(Param)
            .map_err(|problem| Error::invalid(field, problem))
    }

    pub(crate) fn get(&self) -> &T {
        self.0.borrow()
    }
}

/// A facade type built from a generated response field, whatever
/// constraints made the field's type (a string newtype becomes `String`).
pub(crate) trait FromGenerated<W> {
    fn from_generated(value: W) -> Self;
}

/// Decodes a JSON array whose elements are decoded through the generated
/// type `G` (its spec-made deserializer) and converted into the facade's `V`
/// as they are read. A `Vec<G>` converted afterwards would need a second
/// `Vec`: the two element types differ in size, so the allocation cannot be
/// reused (~1,300 instructions and an allocation per list of 10,
/// benches/sdk_vs_raw.rs).
///
/// The list starts with room for one element per [`BYTES_PER_ELEMENT`] of
/// the body: the runner holds the whole body before decoding, which serde's
/// own `Vec` (no length hint from JSON) cannot use, so it grows 4, 8, 16,
/// ... and copies each time (two reallocations and ~2,000 instructions per
/// list of 10 keys; for 10,000 keys, a 3 MB copy and the old buffer beside
/// the new one at the peak).
pub(crate) fn decode_each<V, G>(body: &[u8]) -> serde_json::Result<Vec<V>>
where
    G: serde::de::DeserializeOwned,
    V: FromGenerated<G>,
{
    use serde::de::DeserializeSeed;
    let capacity = body.len() / BYTES_PER_ELEMENT;
    let mut decoder = serde_json::Deserializer::from_slice(body);
    let elements = Each::<V, G> {
        capacity,
        types: PhantomData,
    }
    .deserialize(&mut decoder)?;
    decoder.end()?;
    Ok(elements)
}

/// A lower bound for the JSON of one listed element in the Hub's answers,
/// to size a list from its body. A widget key or an API key takes 250 bytes
/// and more (field names, a UUID, two RFC 3339 timestamps); a list of
/// smaller elements grows as usual, and one of larger elements (most) gets
/// at most the room it needs twice over.
const BYTES_PER_ELEMENT: usize = 256;

/// The seed of [`decode_each`].
struct Each<V, G> {
    capacity: usize,
    types: PhantomData<fn() -> (V, G)>,
}

impl<'de, V, G> serde::de::DeserializeSeed<'de> for Each<V, G>
where
    G: serde::Deserialize<'de>,
    V: FromGenerated<G>,
{
    type Value = Vec<V>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Vec<V>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, V, G> serde::de::Visitor<'de> for Each<V, G>
where
    G: serde::Deserialize<'de>,
    V: FromGenerated<G>,
{
    type Value = Vec<V>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Vec<V>, A::Error> {
        let mut out = Vec::with_capacity(self.capacity);
        while let Some(element) = seq.next_element::<G>()? {
            out.push(V::from_generated(element));
        }
        Ok(out)
    }
}

impl<S: Into<String>> FromGenerated<S> for String {
    fn from_generated(value: S) -> Self {
        value.into()
    }
}

impl<S: Into<String>> FromGenerated<Option<S>> for Option<String> {
    fn from_generated(value: Option<S>) -> Self {
        value.map(Into::into)
    }
}

impl<S: Into<String>> FromGenerated<Vec<S>> for Vec<String> {
    fn from_generated(value: Vec<S>) -> Self {
        // For `Vec<String>` this collects in place: no new allocation.
        value.into_iter().map(Into::into).collect()
    }
}

impl FromGenerated<DateTime<Utc>> for DateTime<Utc> {
    fn from_generated(value: DateTime<Utc>) -> Self {
        value
    }
}

impl FromGenerated<Option<DateTime<Utc>>> for Option<DateTime<Utc>> {
    fn from_generated(value: Option<DateTime<Utc>>) -> Self {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stands in for a generated constrained newtype.
    #[derive(Debug, PartialEq)]
    struct Short(String);
    impl TryFrom<String> for Short {
        type Error = &'static str;
        fn try_from(v: String) -> std::result::Result<Self, &'static str> {
            if v.len() <= 3 {
                Ok(Short(v))
            } else {
                Err("longer than 3 characters")
            }
        }
    }
    impl From<Short> for String {
        fn from(v: Short) -> String {
            v.0
        }
    }

    #[test]
    fn request_values_reach_plain_and_constrained_types() -> Result<()> {
        let plain: String = "abcd".to_string().into_generated("name")?;
        assert_eq!(plain, "abcd");
        let short: Short = "abc".to_string().into_generated("name")?;
        assert_eq!(short, Short("abc".into()));
        let err = IntoGenerated::<Short>::into_generated("abcd".to_string(), "name");
        assert!(matches!(
            err,
            Err(Error::InvalidInput { field: "name", .. })
        ));
        let list: Vec<Short> = vec!["a".to_string()].into_generated("domain_allowlist")?;
        assert_eq!(list, [Short("a".into())]);
        let tri: Option<Option<Short>> = Some(None::<String>).into_generated("agent_id")?;
        assert_eq!(tri, Some(None));
        let some: Option<Vec<String>> = Some(Vec::<String>::new()).into_generated("x")?;
        assert_eq!(some, Some(vec![]));
        Ok(())
    }

    #[test]
    fn path_params_parse_into_what_the_method_takes() -> Result<()> {
        fn takes_uuid(id: &uuid::Uuid) -> String {
            id.to_string()
        }
        fn takes_str(id: &str) -> String {
            id.to_string()
        }
        let text = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";
        let id = Param::parse("id", text)?;
        assert_eq!(takes_uuid(id.get()), text);
        let id = Param::parse("id", "anything")?;
        assert_eq!(takes_str(id.get()), "anything");
        let bad = Param::<uuid::Uuid>::parse("id", "nope");
        assert!(matches!(bad, Err(Error::InvalidInput { field: "id", .. })));
        Ok(())
    }

    #[test]
    fn response_values_come_back_plain() {
        let one: String = FromGenerated::from_generated(Short("ab".into()));
        let many: Vec<String> = FromGenerated::from_generated(vec![Short("a".into())]);
        let none: Option<String> = FromGenerated::from_generated(None::<Short>);
        assert_eq!(
            (one.as_str(), many, none),
            ("ab", vec!["a".to_string()], None)
        );
    }
}
