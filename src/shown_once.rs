//! Values the Hub shows only once (the plaintext of a new key), and how to
//! find one in a create response that did not decode or did not arrive
//! whole. A leaf: it imports nothing of the crate.
//!
//! A resource describes its value with a `static` [`OnceField`]: the
//! response field, the prefix every value starts with, the field that holds
//! the value's last characters (to check a find against), and whether the
//! value may be printed. The call runner does the rest for every resource.
//!
//! The search must never report a wrong value: a name such as
//! `rotate pk_live_acme_OLD…` can come before the key in the Hub's object,
//! and a value cut off by a broken body is not the value.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// What a resource says about a value its Hub shows only once. A `static`
/// of the resource's, so that a [`ShownOnce`] stays small (and so the
/// crate's `Error`).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct OnceField {
    /// The response field, e.g. `public_key`.
    pub(crate) name: &'static str,
    /// Every value starts with it, e.g. `pk_live_`.
    pub(crate) prefix: &'static str,
    /// The response field holding the value's last characters, e.g.
    /// `key_last8`; a value found must end with it when it can be read.
    pub(crate) tail_field: &'static str,
    /// A public key may appear in `Debug`, `Display` and kept bodies; a
    /// secret may not.
    pub(crate) printable: bool,
}

/// A value the Hub shows only once (such as the plaintext of a new key),
/// recovered from a response that otherwise failed to decode. It is the
/// only copy: store it.
///
/// Its `Debug` and the error's `Display` show the value only when it may be
/// printed (a widget's public key may; an API key's secret never is). The
/// value is zeroed in memory when dropped.
///
/// ```
/// # fn handle(err: kataven::Error) {
/// if let Some(value) = err.shown_once() {
///     eprintln!("the Hub's {} was returned once: store it", value.field());
///     store(value.value());
/// }
/// # }
/// # fn store(_: &str) {}
/// ```
#[derive(Clone)]
pub struct ShownOnce {
    field: &'static OnceField,
    value: SecretString,
}

impl PartialEq for ShownOnce {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field && self.value() == other.value()
    }
}

impl Eq for ShownOnce {}

impl ShownOnce {
    pub(crate) fn new(field: &'static OnceField, value: String) -> Self {
        Self {
            field,
            value: SecretString::from(value),
        }
    }

    /// The response field it came from, e.g. `public_key`.
    pub fn field(&self) -> &'static str {
        self.field.name
    }

    /// Whether the value may be shown (a public key) or is a secret.
    pub fn is_secret(&self) -> bool {
        !self.field.printable
    }

    /// The value itself: for a secret, handle it as one.
    pub fn value(&self) -> &str {
        self.value.expose_secret()
    }

    /// The value if it may be printed, else `None`.
    pub(crate) fn printable(&self) -> Option<&str> {
        self.field.printable.then(|| self.value())
    }
}

impl fmt::Debug for ShownOnce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShownOnce")
            .field("field", &self.field.name)
            .field("value", &self.printable().unwrap_or("[redacted]"))
            .finish()
    }
}

/// The value of `field` in a create response body that did not decode or
/// did not arrive whole (`complete`: whether it arrived whole).
///
/// 1. The value of the top-level `field.name` field, read with a small JSON
///    scanner that also works on a truncated body. A value cut before its
///    closing quote is not claimed; a field that is there but unreadable, or
///    there twice, ends the search: nothing else is trusted then.
/// 2. When the body has no such field (the Hub renamed it): the one distinct
///    JSON string in the body that is a whole `prefix...` token, but only if
///    the body is complete or the tail field was read. Several distinct
///    candidates: none.
/// 3. Either way, when the tail field can be read, the value must end with it.
pub(crate) fn find(field: &'static OnceField, body: &[u8], complete: bool) -> Option<ShownOnce> {
    let text = String::from_utf8_lossy(body);
    find_in(field, &text, complete).map(|value| ShownOnce::new(field, value))
}

fn find_in(field: &OnceField, text: &str, complete: bool) -> Option<String> {
    let fields = Fields::scan(field, text);
    let value = match fields.value {
        Found::Value(value) => value,
        Found::Unreadable | Found::Twice => return None,
        Found::Absent => {
            let tail_read = matches!(fields.tail, Found::Value(_));
            if !(complete || tail_read) {
                return None;
            }
            only_token(field.prefix, text)?
        }
    };
    if !value.starts_with(field.prefix) || value.len() <= field.prefix.len() {
        return None;
    }
    match fields.tail {
        Found::Value(tail) if !value.ends_with(&tail) => None,
        Found::Twice | Found::Unreadable => None,
        _ => Some(value),
    }
}

/// `text` with every value of a secret field, and every `prefix...` token,
/// replaced by `[redacted]`; unchanged for a printable field. For the body a
/// failed create keeps for the caller: what arrived of a secret (all of it,
/// or the part before a cut) must not be in it.
pub(crate) fn redact(field: &OnceField, text: String) -> String {
    if field.printable || !text.contains(field.prefix) && !text.contains(field.name) {
        return text;
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    while at < text.len() {
        let rest = text.get(at..).unwrap_or_default();
        if rest.starts_with(field.prefix) {
            let len = token_len(rest);
            out.push_str("[redacted]");
            at = at.saturating_add(len.max(field.prefix.len()));
            continue;
        }
        // `"<name>"` then `:` then a string: redact the string's content,
        // to its closing quote or the end of what arrived.
        if rest.starts_with('"') && quoted_is(rest, field.name) {
            let after_name = at.saturating_add(field.name.len()).saturating_add(2);
            let colon = skip_space(bytes, after_name);
            if bytes.get(colon) == Some(&b':') {
                let open = skip_space(bytes, colon.saturating_add(1));
                if bytes.get(open) == Some(&b'"') {
                    out.push_str(text.get(at..=open).unwrap_or_default());
                    out.push_str("[redacted]");
                    at = string_end(bytes, open);
                    continue;
                }
            }
        }
        let Some(c) = rest.chars().next() else { break };
        out.push(c);
        at = at.saturating_add(c.len_utf8());
    }
    out
}

/// Whether `text` starts with `"name"`.
fn quoted_is(text: &str, name: &str) -> bool {
    text.strip_prefix('"')
        .and_then(|t| t.strip_prefix(name))
        .is_some_and(|t| t.starts_with('"'))
}

/// The index of the closing quote of the string opened at `open` (or the
/// end of `bytes` when it is cut off).
fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut at = open.saturating_add(1);
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at = at.saturating_add(2),
            b'"' => return at,
            _ => at = at.saturating_add(1),
        }
    }
    bytes.len()
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The length of the run of token characters at the start of `text`.
fn token_len(text: &str) -> usize {
    text.find(|c: char| !is_token_char(c)).unwrap_or(text.len())
}

#[derive(Debug, PartialEq)]
enum Found {
    Absent,
    /// The field is there, but its value is cut off or not a string.
    Unreadable,
    /// The field is there more than once: which one is meant is a guess.
    Twice,
    Value(String),
}

impl Found {
    /// What is known after the field is seen (again) with `next`.
    fn and(self, next: Found) -> Found {
        match self {
            Found::Absent => next,
            _ => Found::Twice,
        }
    }
}

/// The two top-level string fields the search needs.
struct Fields {
    value: Found,
    tail: Found,
}

impl Fields {
    /// Walks the JSON text token by token (strings with their escapes,
    /// nesting depth), as far as it goes.
    fn scan(field: &OnceField, text: &str) -> Fields {
        let mut fields = Fields {
            value: Found::Absent,
            tail: Found::Absent,
        };
        let bytes = text.as_bytes();
        let mut depth = 0usize;
        let mut at = 0usize;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b'{' | b'[' => {
                    depth = depth.saturating_add(1);
                    at = at.saturating_add(1);
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    at = at.saturating_add(1);
                }
                b'"' => {
                    let Some((name, after)) = string_at(text, at) else {
                        break; // cut inside a string
                    };
                    at = after;
                    let is_key = next_significant(bytes, at) == Some(b':');
                    if !(is_key && depth == 1) {
                        continue;
                    }
                    let is_value = name == field.name;
                    if !is_value && name != field.tail_field {
                        continue;
                    }
                    // The value after the colon.
                    let colon = skip_space(bytes, at);
                    let value_at = skip_space(bytes, colon.saturating_add(1));
                    let found = match bytes.get(value_at) {
                        Some(b'"') => match string_at(text, value_at) {
                            Some((value, after)) => {
                                at = after;
                                Found::Value(value)
                            }
                            None => Found::Unreadable,
                        },
                        _ => Found::Unreadable,
                    };
                    let unreadable = found == Found::Unreadable;
                    let slot = if is_value {
                        &mut fields.value
                    } else {
                        &mut fields.tail
                    };
                    *slot = std::mem::replace(slot, Found::Absent).and(found);
                    if unreadable {
                        if is_value {
                            break;
                        }
                        at = value_at;
                    }
                }
                _ => at = at.saturating_add(1),
            }
        }
        fields
    }
}

/// The JSON string starting at the quote at `start`, decoded, and the index
/// after its closing quote; `None` if it is cut off or malformed.
fn string_at(text: &str, start: usize) -> Option<(String, usize)> {
    let end = string_end(text.as_bytes(), start);
    let literal = text.get(start..=end)?;
    let value = serde_json::from_str::<String>(literal).ok()?;
    Some((value, end.saturating_add(1)))
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at = at.saturating_add(1);
    }
    at
}

fn next_significant(bytes: &[u8], at: usize) -> Option<u8> {
    bytes.get(skip_space(bytes, at)).copied()
}

/// The one distinct `prefix...` token in `text` that is a whole JSON string
/// (`"prefix..."`, quote to quote), if there is exactly one. A token that
/// runs to the end of the text, or ends in anything but the closing quote,
/// may be cut off or be part of something else, and does not count.
fn only_token(prefix: &str, text: &str) -> Option<String> {
    let mut found: Option<&str> = None;
    let quoted = format!("\"{prefix}");
    let mut rest = text;
    while let Some(start) = rest.find(&quoted) {
        let tail = rest.get(start.saturating_add(1)..).unwrap_or_default();
        let len = token_len(tail);
        let token = tail.get(..len).unwrap_or_default();
        let whole = tail.get(len..).is_some_and(|after| after.starts_with('"'));
        if whole && len > prefix.len() {
            match found {
                Some(seen) if seen != token => return None,
                _ => found = Some(token),
            }
        }
        rest = tail.get(len.max(prefix.len())..).unwrap_or_default();
    }
    found.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::{OnceField, find_in, redact};

    static PUBLIC: OnceField = OnceField {
        name: "public_key",
        prefix: "pk_live_",
        tail_field: "key_last8",
        printable: true,
    };
    static SECRET: OnceField = OnceField {
        name: "secret_key",
        prefix: "sk_live_",
        tail_field: "key_last8",
        printable: false,
    };

    fn cut(text: &str) -> Option<String> {
        find_in(&PUBLIC, text, false)
    }

    fn whole(text: &str) -> Option<String> {
        find_in(&PUBLIC, text, true)
    }

    #[test]
    fn the_field_wins_also_in_a_truncated_body() {
        let json = r#"{"public_key":"pk_live_acme_abc123","id":5}"#;
        assert_eq!(whole(json).as_deref(), Some("pk_live_acme_abc123"));
        let truncated = r#"{"id":"x","public_key":"pk_live_acme_Zz9","na"#;
        assert_eq!(cut(truncated).as_deref(), Some("pk_live_acme_Zz9"));
        // A name that holds another key comes first in the Hub's object.
        let rotated = r#"{"key_last8":"NEWkey12","name":"rotate pk_live_acme_OLDkey99 now","public_key":"pk_live_acme_NEWkey12","upd"#;
        assert_eq!(cut(rotated).as_deref(), Some("pk_live_acme_NEWkey12"));
        // Escaped quotes inside a string are not fields.
        let tricky =
            r#"{"name":"x \"public_key\":\"pk_live_acme_FAKE\"","public_key":"pk_live_acme_REAL","#;
        assert_eq!(cut(tricky).as_deref(), Some("pk_live_acme_REAL"));
        // A nested public_key is not the created key's.
        let nested =
            r#"{"meta":{"public_key":"pk_live_acme_NESTED"},"public_key":"pk_live_acme_TOP","#;
        assert_eq!(cut(nested).as_deref(), Some("pk_live_acme_TOP"));
        // The same works for any field, prefix and tail field.
        let secret = r#"{"key_last8":"S3CRET99","secret_key":"sk_live_acme_S3CRET99","na"#;
        assert_eq!(
            find_in(&SECRET, secret, false).as_deref(),
            Some("sk_live_acme_S3CRET99")
        );
    }

    #[test]
    fn a_cut_or_doubtful_key_is_never_claimed() {
        // Cut inside the key.
        assert_eq!(cut(r#"{"public_key":"pk_live_acme_Zz"#), None);
        // Cut before the key: the old key in the name must not win, whether
        // the name is the old key itself or holds it.
        for cut_early in [
            r#"{"key_last8":"NEWkey12","name":"rotate pk_live_acme_OLDkey99","public_key":"pk_li"#,
            r#"{"id":"x","name":"pk_live_acme_OLDkey99","pub"#,
            r#"{"id":"x","name":"pk_live_acme_OLDkey99","#,
        ] {
            assert_eq!(cut(cut_early), None, "{cut_early}");
        }
        // The field twice: ambiguous, even when both agree.
        let twice = r#"{"public_key":"pk_live_acme_A","public_key":"pk_live_acme_B"}"#;
        assert_eq!(whole(twice), None);
        let same = r#"{"public_key":"pk_live_acme_A","public_key":"pk_live_acme_A"}"#;
        assert_eq!(whole(same), None);
        // No field at all, two different tokens: no guess.
        let two = r#"{"a":"pk_live_acme_AAA","b":"pk_live_acme_BBB"}"#;
        assert_eq!(whole(two), None);
        // key_last8 disagrees with the only token.
        let wrong = r#"{"key_last8":"NEWkey12","name":"pk_live_acme_OLDkey99" "#;
        assert_eq!(cut(wrong), None);
        // A token that ends at an odd character, or is not a whole string.
        for odd in [
            r#"{"key":"pk_live_acme_q1\u0041"}"#,
            r#"{"key":"pk_live_acme_q1.x"}"#,
            r#"{"key":"pk_live_acme_q1 x"}"#,
            "<html>pk_live_acme_q1</html>",
        ] {
            assert_eq!(whole(odd), None, "{odd}");
        }
        assert_eq!(whole("<html>oops</html>"), None);
        assert_eq!(whole("pk_live_"), None);
        assert_eq!(whole(r#"{"public_key":null}"#), None);
        assert_eq!(whole(r#"{"public_key":"pk_live_"}"#), None);
        // The tail field twice: nothing to check against.
        let tails =
            r#"{"key_last8":"acme_q1x","key_last8":"acme_q2x","public_key":"pk_live_acme_q1x"}"#;
        assert_eq!(whole(tails), None);
    }

    #[test]
    fn a_renamed_field_yields_its_one_key_when_the_body_can_be_trusted() {
        let renamed = r#"{"key":"pk_live_acme_q1"}"#;
        assert_eq!(whole(renamed).as_deref(), Some("pk_live_acme_q1"));
        // Cut, without the tail field: the one token may be the name.
        assert_eq!(cut(r#"{"key":"pk_live_acme_q1","#), None);
        let same_twice = r#"{"key":"pk_live_acme_q1","again":"pk_live_acme_q1"}"#;
        assert_eq!(whole(same_twice).as_deref(), Some("pk_live_acme_q1"));
        // Cut, but the tail field was read and agrees.
        let checked = r#"{"key_last8":"acme_q1x","key":"pk_live_acme_q1x","#;
        assert_eq!(cut(checked).as_deref(), Some("pk_live_acme_q1x"));
    }

    #[test]
    fn a_secret_is_redacted_from_a_kept_body_whole_or_cut() {
        for (body, secret) in [
            (
                r#"{"key_last8":"S3CRET99","secret_key":"sk_live_acme_S3CRET99","id":1}"#,
                "acme_S3CRET",
            ),
            (
                r#"{"name":"ci","secret_key":"sk_live_acme_S3CR"#,
                "acme_S3CR",
            ),
            (r#"{"name":"ci","secret_key": "oddly-shaped-S3CR"#, "S3CR"),
            (r#"{"token":"sk_live_acme_S3CRET99"}"#, "S3CRET"),
        ] {
            let kept = redact(&SECRET, body.to_string());
            assert!(!kept.contains(secret), "{kept}");
            assert!(kept.contains("[redacted]"), "{kept}");
        }
        let public = r#"{"public_key":"pk_live_acme_PUB"}"#;
        assert_eq!(redact(&PUBLIC, public.to_string()), public);
        let untouched = r#"{"name":"ci"}"#;
        assert_eq!(redact(&SECRET, untouched.to_string()), untouched);
    }
}
