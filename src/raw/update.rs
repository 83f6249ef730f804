//! The handwritten PATCH body that stands in for the generated
//! `HandlersUpdateWidgetKeyRequest` (see `build.rs`).
//!
//! progenitor turns an optional nullable field into one `Option` that is
//! skipped when `None`, and skips an optional array when it is empty; so the
//! generated type can send neither `"agent_id": null` (unpin) nor
//! `"domain_allowlist": []` (block the key). This type can: every field is
//! absent unless set, and `agent_id` is a double `Option`.
//! `tests/update_body_schema.rs` holds it against the spec's schema, so a spec
//! change cannot drift past it unseen.

use serde::{Deserialize, Deserializer, Serialize};

/// The JSON body of `PATCH /api/v1/widget-keys/{id}`
/// (`handlers.UpdateWidgetKeyRequest`): absent, `null` and a value are three
/// different requests.
///
/// ```
/// use kataven::raw::UpdateWidgetKeyBody;
///
/// // Rename only: the allowlist and the agent are left alone.
/// let body = UpdateWidgetKeyBody { name: Some("renamed".into()), ..Default::default() };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"name":"renamed"}"#);
///
/// // Unpin the agent: an explicit null.
/// let body = UpdateWidgetKeyBody { agent_id: Some(None), ..Default::default() };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"agent_id":null}"#);
///
/// // Block the key: an empty list is sent, not skipped.
/// let body = UpdateWidgetKeyBody { domain_allowlist: Some(vec![]), ..Default::default() };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"domain_allowlist":[]}"#);
/// ```
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateWidgetKeyBody {
    /// Renames the key.
    // The `schemars(with)` attributes describe the wire schema of each field
    // (the outer `Option` means "may be absent", not "nullable"), which
    // tests/update_body_schema.rs compares with the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(min = 1))]
    pub name: Option<String>,
    /// Replaces the whole allowlist; `Some(vec![])` sends `[]`, which blocks the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub domain_allowlist: Option<Vec<String>>,
    /// `None`: absent (the pin is left alone); `Some(None)`: `null` (unpin);
    /// `Some(Some(id))`: pin that agent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Option<String>")]
    pub agent_id: Option<Option<String>>,
    /// `true` revokes the key (idempotent); `false` re-enables it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub disabled: Option<bool>,
}

/// Deserializes a field that is present (possibly `null`) as `Some(..)`;
/// `#[serde(default)]` covers the absent case.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
