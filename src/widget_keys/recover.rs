//! Finds the plaintext key in a create response that did not decode or did
//! not arrive whole: the Hub shows it only once, so a response that broke
//! after the key is still worth reading. It must never report a wrong key:
//! a name like `rotate pk_live_acme_OLD…` comes before `public_key` in the
//! Hub's object, and a key cut off by a broken body is not the key.

use crate::error::{OnceField, ShownOnce};

/// Public by design (the allowlist protects it), so it may be printed.
static FIELD: OnceField = OnceField {
    name: "public_key",
    printable: true,
};
const PREFIX: &str = "pk_live_";

/// The create operation's recovery hook for the call runner.
pub(super) fn public_key(body: &[u8]) -> Option<ShownOnce> {
    find(&String::from_utf8_lossy(body)).map(|key| ShownOnce::new(&FIELD, key))
}

/// The plaintext key in `text`:
/// 1. the value of the top-level `public_key` field, read with a small JSON
///    scanner that also works on a truncated body (a value cut before its
///    closing quote is not claimed; a field that is there but unreadable
///    ends the search: nothing else is trusted then);
/// 2. when the body has no such field (the Hub renamed it), the one distinct
///    complete `pk_live_` token in the text; several distinct ones: none;
/// 3. either way, when `key_last8` can be read, the key must end with it.
fn find(text: &str) -> Option<String> {
    let fields = Fields::scan(text);
    let key = match fields.public_key {
        Found::Value(key) => key,
        Found::Unreadable => return None,
        Found::Absent => only_token(text)?,
    };
    if !key.starts_with(PREFIX) || key.len() <= PREFIX.len() {
        return None;
    }
    match fields.key_last8 {
        Found::Value(last8) if !key.ends_with(&last8) => None,
        _ => Some(key),
    }
}

#[derive(Debug, PartialEq)]
enum Found {
    Absent,
    /// The field is there, but its value is cut off or not a string.
    Unreadable,
    Value(String),
}

/// The two top-level string fields the search needs.
struct Fields {
    public_key: Found,
    key_last8: Found,
}

impl Fields {
    /// Walks the JSON text token by token (strings with their escapes,
    /// nesting depth), as far as it goes.
    fn scan(text: &str) -> Fields {
        let mut fields = Fields {
            public_key: Found::Absent,
            key_last8: Found::Absent,
        };
        let bytes = text.as_bytes();
        let mut depth = 0usize;
        let mut at = 0usize;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b'{' | b'[' => {
                    depth = depth.saturating_add(1);
                    at += 1;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    at += 1;
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
                    let slot = match name.as_str() {
                        name if name == FIELD.name => &mut fields.public_key,
                        "key_last8" => &mut fields.key_last8,
                        _ => continue,
                    };
                    // Skip to the value after the colon.
                    let colon = skip_space(bytes, at);
                    let value_at = skip_space(bytes, colon + 1);
                    *slot = match bytes.get(value_at) {
                        Some(b'"') => match string_at(text, value_at) {
                            Some((value, after)) => {
                                at = after;
                                Found::Value(value)
                            }
                            None => Found::Unreadable,
                        },
                        _ => Found::Unreadable,
                    };
                    if *slot == Found::Unreadable {
                        if name == FIELD.name {
                            break;
                        }
                        at = value_at;
                    }
                }
                _ => at += 1,
            }
        }
        fields
    }
}

/// The JSON string starting at the quote at `start`, decoded, and the index
/// after its closing quote; `None` if it is cut off or malformed.
fn string_at(text: &str, start: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let mut at = start + 1;
    loop {
        match bytes.get(at)? {
            b'\\' => at += 2,
            b'"' => break,
            _ => at += 1,
        }
    }
    let literal = text.get(start..=at)?;
    let value = serde_json::from_str::<String>(literal).ok()?;
    Some((value, at + 1))
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

fn next_significant(bytes: &[u8], at: usize) -> Option<u8> {
    bytes.get(skip_space(bytes, at)).copied()
}

/// The one distinct complete `pk_live_` token in `text`, if there is
/// exactly one. A token that runs to the end of the text may be cut off and
/// does not count.
fn only_token(text: &str) -> Option<String> {
    let mut found: Option<&str> = None;
    let mut rest = text;
    while let Some(start) = rest.find(PREFIX) {
        let tail = &rest[start..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(tail.len());
        let token = &tail[..len];
        let complete = len < tail.len() && len > PREFIX.len();
        if complete {
            match found {
                Some(seen) if seen != token => return None,
                _ => found = Some(token),
            }
        }
        rest = &tail[len.max(PREFIX.len())..];
    }
    found.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn the_public_key_field_wins_also_in_a_truncated_body() {
        let json = r#"{"public_key":"pk_live_acme_abc123","id":5}"#;
        assert_eq!(find(json).as_deref(), Some("pk_live_acme_abc123"));
        let truncated = r#"{"id":"x","public_key":"pk_live_acme_Zz9","na"#;
        assert_eq!(find(truncated).as_deref(), Some("pk_live_acme_Zz9"));
        // A name that holds another key comes first in the Hub's object.
        let rotated = r#"{"key_last8":"NEWkey12","name":"rotate pk_live_acme_OLDkey99 now","public_key":"pk_live_acme_NEWkey12","upd"#;
        assert_eq!(find(rotated).as_deref(), Some("pk_live_acme_NEWkey12"));
        // Escaped quotes inside a string are not fields.
        let tricky =
            r#"{"name":"x \"public_key\":\"pk_live_acme_FAKE\"","public_key":"pk_live_acme_REAL","#;
        assert_eq!(find(tricky).as_deref(), Some("pk_live_acme_REAL"));
        // A nested public_key is not the created key's.
        let nested =
            r#"{"meta":{"public_key":"pk_live_acme_NESTED"},"public_key":"pk_live_acme_TOP","#;
        assert_eq!(find(nested).as_deref(), Some("pk_live_acme_TOP"));
    }

    #[test]
    fn a_cut_or_doubtful_key_is_never_claimed() {
        // Cut inside the key.
        assert_eq!(find(r#"{"public_key":"pk_live_acme_Zz"#), None);
        // Cut before the key: the old key in the name must not win.
        let cut =
            r#"{"key_last8":"NEWkey12","name":"rotate pk_live_acme_OLDkey99","public_key":"pk_li"#;
        assert_eq!(find(cut), None);
        // No field at all, two different tokens: no guess.
        let two = "<html>pk_live_acme_AAA and pk_live_acme_BBB</html>";
        assert_eq!(find(two), None);
        // key_last8 disagrees with the only token.
        let wrong = r#"{"key_last8":"NEWkey12","name":"rotate pk_live_acme_OLDkey99" "#;
        assert_eq!(find(wrong), None);
        assert_eq!(find("<html>oops</html>"), None);
        assert_eq!(find("pk_live_"), None);
        assert_eq!(find(r#"{"public_key":null}"#), None);
    }

    #[test]
    fn a_renamed_field_still_yields_its_one_key() {
        let renamed = r#"{"key":"pk_live_acme_q1"}"#;
        assert_eq!(find(renamed).as_deref(), Some("pk_live_acme_q1"));
        let same_twice = r#"{"key":"pk_live_acme_q1","again":"pk_live_acme_q1"}"#;
        assert_eq!(find(same_twice).as_deref(), Some("pk_live_acme_q1"));
        let checked = r#"{"key_last8":"acme_q1x","key":"pk_live_acme_q1x"}"#;
        assert_eq!(find(checked).as_deref(), Some("pk_live_acme_q1x"));
    }
}
