//! Reading a request body as any resource's handler does: the body as a JSON
//! object, then the generated request type's values taken out through serde
//! as the plain types they stand for, so that a constraint the spec adds to
//! or drops from a field (a newtype, an enum) changes nothing in a handler.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;

/// The body as a JSON object; anything else (an array would deserialize
/// into a struct field by field) is refused.
pub(super) fn json_object(body: &[u8]) -> Option<Value> {
    match serde_json::from_slice(body) {
        Ok(object @ Value::Object(_)) => Some(object),
        _ => None,
    }
}

/// A generated value (a `String`, a constrained newtype, an enum, a list or
/// an option of them) as the plain type it stands for, through its JSON
/// form; `None` if it is not one.
pub(super) fn plain<T: serde::Serialize, U: serde::de::DeserializeOwned>(value: T) -> Option<U> {
    serde_json::from_value(serde_json::to_value(value).ok()?).ok()
}

/// An optional request field as its plain type: `Some(None)` when absent,
/// `Some(Some(u))` when present, `None` when a present value is not one.
pub(super) fn plain_field<T, U>(value: Option<T>) -> Option<Option<U>>
where
    T: serde::Serialize,
    U: serde::de::DeserializeOwned,
{
    match value {
        None => Some(None),
        Some(value) => plain(value).map(Some),
    }
}

/// Whether the object has any of `fields` set to `null`: the generated types
/// read such a `null` as "absent", where the Hub refuses it.
pub(super) fn has_null(fields: &Value, names: &[&str]) -> bool {
    names
        .iter()
        .any(|name| fields.get(name).is_some_and(Value::is_null))
}

/// Now, to the microsecond, as the Hub's database keeps time.
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
