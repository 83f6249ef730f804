//! What the handwritten code in `src/` uses of the generated client: the
//! methods it calls and the `types::…` it names. The summary needs it to tell
//! a change that breaks the facade's build from one only `kataven::raw`
//! sees, and to say which file to edit.
//!
//! A text search, not a parse: a call is `.<operation_id>(` and a type is
//! `types::<Name>` followed by a non-identifier character. Doc examples count
//! too (they are compiled by `cargo test`). syn would be exact but would add
//! a build dependency for no case the search gets wrong in this crate.

use std::fs;
use std::path::Path;

/// The Rust sources under `src/`, by path relative to the repository.
pub struct Facade {
    files: Vec<(String, String)>,
}

impl Facade {
    /// Reads `src/**/*.rs`; `None` when the repository has no `src/` (then
    /// the summary assumes the facade uses every operation).
    pub fn scan(repo: &Path) -> Option<Facade> {
        let src = repo.join("src");
        if !src.is_dir() {
            return None;
        }
        let mut files = Vec::new();
        collect(&src, "src", &mut files);
        files.sort();
        Some(Facade { files })
    }

    /// A facade from in-memory sources (for tests).
    #[cfg(test)]
    pub fn from_sources(files: &[(&str, &str)]) -> Facade {
        Facade {
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// The files that call the generated method `operation_id`.
    pub fn calls(&self, operation_id: &str) -> Vec<&str> {
        let needle = format!(".{operation_id}(");
        self.files
            .iter()
            .filter(|(_, text)| text.contains(&needle))
            .map(|(path, _)| path.as_str())
            .collect()
    }

    /// Whether the facade reads only the status of `operation_id`'s answer:
    /// every call of it is an argument of `call.status(…)` (which takes any
    /// success type), none of `call.json(…)`. The statement around a call is
    /// the text since the last `;`, `{` or `}` before it.
    pub fn reads_status_only(&self, operation_id: &str) -> bool {
        let needle = format!(".{operation_id}(");
        let mut seen = false;
        for (_, text) in &self.files {
            for (at, _) in text.match_indices(&needle) {
                seen = true;
                let before = &text[..at];
                let statement = before.rsplit([';', '{', '}']).next().unwrap_or(before);
                if !statement.contains(".status(") || statement.contains(".json(") {
                    return false;
                }
            }
        }
        seen
    }

    /// The files that name the generated type `types::<rust_name>`.
    pub fn names(&self, rust_name: &str) -> Vec<&str> {
        let needle = format!("types::{rust_name}");
        self.files
            .iter()
            .filter(|(_, text)| {
                text.match_indices(&needle).any(|(at, _)| {
                    let next = text[at..]
                        .strip_prefix(needle.as_str())
                        .and_then(|rest| rest.chars().next());
                    !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            })
            .map(|(path, _)| path.as_str())
            .collect()
    }
}

fn collect(dir: &Path, relative: &str, files: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        let rel = format!("{relative}/{name}");
        if path.is_dir() {
            collect(&path, &rel, files);
        } else if name.ends_with(".rs")
            && let Ok(text) = fs::read_to_string(&path)
        {
            files.push((rel, text));
        }
    }
}

/// The name progenitor (typify) gives the type of the component schema
/// `name`: its words in UpperCamelCase (`data.WidgetKey` → `DataWidgetKey`).
pub fn rust_type_name(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.extend(chars.flat_map(char::to_lowercase));
        }
    }
    out
}

/// Splits like heck: at non-alphanumerics, lower→upper and acronym→word.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p));
            let next = chars.get(i + 1);
            let boundary = c.is_uppercase()
                && prev.is_some_and(|p| {
                    p.is_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
                });
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.push(c);
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_follow_typify() {
        assert_eq!(rust_type_name("data.WidgetKey"), "DataWidgetKey");
        assert_eq!(
            rust_type_name("handlers.CreateWidgetKeyRequest"),
            "HandlersCreateWidgetKeyRequest"
        );
        assert_eq!(rust_type_name("api.HTTPError"), "ApiHttpError");
    }

    #[test]
    fn calls_and_names_are_found_by_whole_name() {
        let facade = Facade::from_sources(&[
            ("src/a.rs", "call.raw()\n    .list_widget_keys(None)"),
            (
                "src/b.rs",
                "impl From<types::DataWidgetKey> for X {}\nlet _: types::DataWidgetKeyName;",
            ),
        ]);
        assert_eq!(facade.calls("list_widget_keys"), ["src/a.rs"]);
        assert!(!facade.reads_status_only("list_widget_keys"));
        assert!(facade.calls("list_widget").is_empty());
        assert_eq!(facade.names("DataWidgetKey"), ["src/b.rs"]);
        assert_eq!(facade.names("DataWidgetKeyName"), ["src/b.rs"]);
        assert!(facade.names("DataWidget").is_empty());
    }

    #[test]
    fn status_only_calls_are_told_from_decoded_ones() {
        let facade = Facade::from_sources(&[
            (
                "src/update.rs",
                "let call = c.call(&UPDATE);\n// Any 2xx; the body says nothing.\n\
                 call.status(call.raw().update_widget_key(id.get(), None, &body))",
            ),
            (
                "src/create.rs",
                "let created = call.json(call.raw().create_widget_key(None, &body)).await?;",
            ),
            (
                "src/doc.rs",
                "/// client.raw().create_widget_key(None, &b).await?;",
            ),
        ]);
        assert!(facade.reads_status_only("update_widget_key"));
        assert!(!facade.reads_status_only("create_widget_key"));
        assert!(
            !facade.reads_status_only("delete_widget_key"),
            "never called"
        );
    }
}
