//! Keeping a plaintext key the Hub has just minted (and shows only this
//! once): the one function `create`, `rotate` and `apply` all use. It is
//! saved first, then printed; whatever fails, the user is told where the
//! key is, or that it is lost and what to do.
//!
//! A widget key (`pk_live_`, public) is printed on stdout, and on stderr
//! as a last resort. An API key's secret (`sk_live_`) goes only to the
//! keys file, or to stdout when asked (`--show-secret`): never to stderr.

use crate::keys_file::{KeysFile, Kind};
use crate::output::{self, CliError, Out, quote};

/// A key that has just been minted.
#[derive(Clone, Copy, Debug)]
pub struct Minted<'a> {
    pub kind: Kind,
    pub name: &'a str,
    /// Empty when unknown (a create whose answer broke).
    pub id: &'a str,
    pub plaintext: &'a str,
}

/// Where a minted key went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// The keys file it was saved in.
    pub saved_to: Option<String>,
    /// Whether its plaintext goes on stdout.
    pub shown: bool,
}

/// Saves `key` into `file` (when there is one), then, in table mode, prints
/// its lines (`public key: ...`, `saved to ...`) indented by `indent`. With
/// `show` false the plaintext is not printed (for a secret kept in the
/// file). In JSON mode nothing is printed: the caller puts the key (if
/// `kept.shown`) and `kept.saved_to` in its document.
pub fn keep(
    out: &Out,
    file: Option<&KeysFile>,
    key: Minted<'_>,
    show: bool,
    indent: &str,
) -> Result<Kept, CliError> {
    let saved = file.map(|file| {
        file.save(key.kind, key.name, key.plaintext)
            .map(|replaced| (file.path().display().to_string(), replaced))
    });
    let saved_to = match &saved {
        Some(Ok((path, _))) => Some(path.clone()),
        _ => None,
    };
    let kept = Kept {
        saved_to: saved_to.clone(),
        shown: show,
    };
    let printed = if out.is_json() {
        Ok(())
    } else {
        print(out, key, &saved, show, indent)
    };
    match (saved, printed) {
        (Some(Err(err)), _) => Err(err.with_notes(vec![if show {
            format!(
                "the new {} of {} is printed above: store it now, the Hub will not show it again",
                key.kind.words(),
                quote(key.name)
            )
        } else {
            lost_note(key, None)
        }])),
        (_, Err(err)) => Err(err.with_notes(vec![lost_note(key, saved_to.as_deref())])),
        _ => Ok(kept),
    }
}

/// Saves `key` without printing anything (when stdout has failed):
/// where it went, if anywhere.
pub fn save_only(file: Option<&KeysFile>, key: Minted<'_>) -> Option<String> {
    let file = file?;
    file.save(key.kind, key.name, key.plaintext)
        .ok()
        .map(|_| file.path().display().to_string())
}

fn print(
    out: &Out,
    key: Minted<'_>,
    saved: &Option<Result<(String, Option<String>), CliError>>,
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
        Some(Ok((path, replaced))) => {
            if let Some(old) = replaced {
                output::warn(format!(
                    "{path}: replaced the {} saved under {} (…{})",
                    key.kind.words(),
                    quote(key.name),
                    last8(old)
                ));
            }
            out.line(format!("{indent}saved to {path}"))
        }
        Some(Err(_)) => Ok(()),
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

/// The last 8 characters, as the Hub's `key_last8` shows them.
pub fn last8(plaintext: &str) -> &str {
    let start = plaintext
        .char_indices()
        .rev()
        .nth(7)
        .map_or(0, |(at, _)| at);
    plaintext.get(start..).unwrap_or(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last8_takes_the_tail() {
        assert_eq!(last8("pk_live_acme_0123456789"), "23456789");
        assert_eq!(last8("short"), "short");
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
