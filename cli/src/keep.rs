//! Keeping a plaintext key the Hub has just minted (and shows only this
//! once): the one module `create`, `rotate` and `apply` all use. It is
//! saved first, then printed; whatever fails, the user is told truthfully
//! where the key is, or that it is lost and what to do.
//!
//! A widget key (`pk_live_`, public) is printed on stdout, and on stderr
//! as a last resort. An API key's secret (`sk_live_`) goes only to the
//! keys file, or to stdout when asked (`--show-secret`): never to stderr.
//!
//! In table mode [`keep`] prints the key's lines itself. In JSON mode it
//! prints nothing: the caller's document carries the key (when shown) and
//! where it was saved, and [`Kept::after_document`] turns a failed save
//! into an error whose note says the key is in that document.

use std::fmt;

use crate::keys_file::{KeysFile, Kind};
use crate::output::{self, CliError, Out, quote};

/// A key that has just been minted.
#[derive(Clone, Copy)]
pub struct Minted<'a> {
    pub kind: Kind,
    pub name: &'a str,
    /// Empty when unknown (a create whose answer broke).
    pub id: &'a str,
    pub plaintext: &'a str,
}

/// The plaintext is never in Debug: an API key's is a secret.
impl fmt::Debug for Minted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Minted")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("id", &self.id)
            .field("plaintext", &"<redacted>")
            .finish()
    }
}

/// Where a minted key went.
#[derive(Debug, Default)]
pub struct Kept {
    /// The keys file it was saved in.
    pub saved_to: Option<String>,
    /// Whether its plaintext goes on stdout.
    pub shown: bool,
    /// JSON mode: the save that failed (the caller's document is printed
    /// all the same, then this is the command's error).
    pub save_failed: Option<CliError>,
}

impl Kept {
    /// JSON mode, once the caller has tried to print its document (holding
    /// the key when [`shown`](Self::shown)): the command's error, if the
    /// save or the document failed, with a note that says truthfully where
    /// the key is.
    pub fn after_document(
        self,
        key: Minted<'_>,
        printed: Result<(), CliError>,
    ) -> Result<(), CliError> {
        match (printed, self.save_failed) {
            (Ok(()), None) => Ok(()),
            (Ok(()), Some(err)) if self.shown => Err(err.with_notes(vec![in_document_note(key)])),
            (Ok(()), Some(err)) => Err(err.with_notes(vec![lost_note(key, None)])),
            (Err(err), _) => Err(err.with_notes(vec![lost_note(key, self.saved_to.as_deref())])),
        }
    }

    /// Where the key is, once the command fails later (table mode: its
    /// lines were printed; JSON mode: the document holding it was printed).
    pub fn note(&self, key: Minted<'_>) -> String {
        match (&self.saved_to, self.shown) {
            (Some(path), _) => lost_note(key, Some(path)),
            (None, true) => format!(
                "the new {} of {} is printed on stdout: store it now, the Hub will not show it again",
                key.kind.words(),
                quote(key.name)
            ),
            (None, false) => lost_note(key, None),
        }
    }
}

/// The note of a key whose save failed but which is in the JSON document.
pub fn in_document_note(key: Minted<'_>) -> String {
    format!(
        "the new {} of {} is in the JSON document on stdout ({}): store it now, the Hub will not show it again",
        key.kind.words(),
        quote(key.name),
        match key.kind {
            Kind::Widget => "public_key",
            Kind::Api => "secret_key",
        }
    )
}

/// Saves `key` into `file` (when there is one), then, in table mode, prints
/// its lines (`public key: ...`, `saved to ...`) indented by `indent`. With
/// `show` false the plaintext is not printed (for a secret kept in the
/// file). In JSON mode nothing is printed and a failed save does not fail
/// here: the caller puts the key (if `kept.shown`) and `kept.saved_to` in
/// its document, prints it, then calls [`Kept::after_document`].
pub fn keep(
    out: &Out,
    file: Option<&KeysFile>,
    key: Minted<'_>,
    show: bool,
    indent: &str,
) -> Result<Kept, CliError> {
    let saved = file.map(|file| {
        file.save(key.kind, key.name, key.plaintext)
            .map(|moved| (file.path().display().to_string(), moved))
    });
    let saved_to = match &saved {
        Some(Ok((path, _))) => Some(path.clone()),
        _ => None,
    };
    if let Some(Ok((path, Some(moved_to)))) = &saved {
        output::warn(format!(
            "{path}: the {} saved under {} before is kept under {} now",
            key.kind.words(),
            quote(key.name),
            quote(moved_to)
        ));
    }
    if out.is_json() {
        return Ok(Kept {
            saved_to,
            shown: show,
            save_failed: saved.and_then(Result::err),
        });
    }
    let kept = Kept {
        saved_to: saved_to.clone(),
        shown: show,
        save_failed: None,
    };
    let printed = print(
        out,
        key,
        saved
            .as_ref()
            .map(|s| s.as_ref().ok().map(|(path, _)| path.as_str())),
        show,
        indent,
    );
    match (saved, printed) {
        (Some(Err(err)), Ok(())) if show => Err(err.with_notes(vec![format!(
            "the new {} of {} is printed above: store it now, the Hub will not show it again",
            key.kind.words(),
            quote(key.name)
        )])),
        (Some(Err(err)), _) => Err(err.with_notes(vec![lost_note(key, None)])),
        (_, Err(err)) => Err(err.with_notes(vec![lost_note(key, saved_to.as_deref())])),
        _ => Ok(kept),
    }
}

/// Keeps the plaintext a failed create's error still held (`id` unknown),
/// in either mode: saved first, then in table mode printed (when `show`),
/// in JSON mode put in the document `doc` makes (printed when `show`, so
/// that a recovered secret appears only on request). Returns the notes that
/// say where the key is.
pub fn recovered(
    out: &Out,
    file: Option<&KeysFile>,
    key: Minted<'_>,
    show: bool,
    doc: impl FnOnce(&Kept) -> serde_json::Value,
) -> Vec<String> {
    let kept = match keep(out, file, key, show, "") {
        Ok(kept) => kept,
        Err(err) => return err.into_notes(),
    };
    let mut notes = Vec::new();
    let printed = if out.is_json() && show {
        let printed = out.json(doc(&kept));
        printed.is_ok()
    } else {
        show
    };
    if let Some(err) = &kept.save_failed {
        notes.push(err.to_string());
    }
    notes.push(match (&kept.saved_to, printed) {
        (Some(path), _) => format!(
            "the new {} of {} is saved in {path}",
            key.kind.words(),
            quote(key.name)
        ),
        (None, true) if out.is_json() => in_document_note(key),
        (None, true) => format!(
            "the new {} of {} is printed above: store it now, the Hub will not show it again",
            key.kind.words(),
            quote(key.name)
        ),
        (None, false) => lost_note(key, None),
    });
    notes
}

/// Saves `key` without printing anything (when stdout has failed):
/// where it went, if anywhere.
pub fn save_only(file: Option<&KeysFile>, key: Minted<'_>) -> Option<String> {
    let file = file?;
    file.save(key.kind, key.name, key.plaintext)
        .ok()
        .map(|_| file.path().display().to_string())
}

/// Table mode: the key's lines. `saved`: no keys file (None), or where
/// the save went (None inside when it failed).
fn print(
    out: &Out,
    key: Minted<'_>,
    saved: Option<Option<&str>>,
    show: bool,
    indent: &str,
) -> Result<(), CliError> {
    let label = match key.kind {
        Kind::Widget => "public key",
        Kind::Api => "secret key",
    };
    if show {
        out.line(format!("{indent}{label}: {}", key.plaintext))?;
    }
    match saved {
        Some(Some(path)) => out.line(format!("{indent}saved to {path}")),
        Some(None) => Ok(()),
        None => out.line(format!(
            "{indent}shown once: store it now (or pass --keys-out FILE)"
        )),
    }
}

/// What the user must know about a minted key that did not reach stdout
/// (or the file): where it is, or that it is lost and what to do then.
pub fn lost_note(key: Minted<'_>, saved_to: Option<&str>) -> String {
    match (saved_to, key.kind) {
        (Some(path), _) => format!(
            "the new {} of {} is saved in {path}",
            key.kind.words(),
            quote(key.name)
        ),
        (None, Kind::Widget) => format!(
            "the new widget key of {} is {}: store it now, the Hub will not show it again",
            quote(key.name),
            key.plaintext
        ),
        (None, Kind::Api) if key.id.is_empty() => format!(
            "the new API key {} was created, but its secret could not be kept: find it (kataven api-keys list), revoke it and create another",
            quote(key.name)
        ),
        (None, Kind::Api) => format!(
            "the new API key {} (id {}) was created, but its secret could not be kept: revoke it (kataven api-keys revoke {}) and create another",
            quote(key.name),
            key.id,
            key.id
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_plaintext() {
        let key = Minted {
            kind: Kind::Api,
            name: "ci",
            id: "",
            plaintext: "sk_live_acme_S3CRET",
        };
        let text = format!("{key:?}");
        assert!(
            !text.contains("S3CRET") && text.contains("\"ci\""),
            "{text}"
        );
        let mut contents = crate::keys_file::Contents::default();
        contents
            .api_keys
            .insert("ci".into(), "sk_live_acme_S3CRET".into());
        let text = format!("{contents:?}");
        assert!(
            !text.contains("S3CRET") && text.contains("\"ci\""),
            "{text}"
        );
    }

    #[test]
    fn a_lost_secret_is_never_in_the_note() {
        let key = Minted {
            kind: Kind::Api,
            name: "ci",
            id: "5d0c6f7e-2b1a-4c3d-8e9f-0a1b2c3d4e5f",
            plaintext: "sk_live_acme_S3CRET",
        };
        assert!(!lost_note(key, None).contains("S3CRET"));
        let key = Minted {
            kind: Kind::Widget,
            plaintext: "pk_live_acme_PUB",
            ..key
        };
        assert!(lost_note(key, None).contains("pk_live_acme_PUB"));
    }
}
