//! Lint a whole allowlist: each entry normalised or refused, and warnings
//! about what is legal but probably not meant.

use std::fmt;

use super::{AllowlistEntry, AllowlistError};

/// One entry of a linted list: as given, and normalised or refused.
///
/// ```
/// let report = kataven::allowlist::lint(&["ACME.com", "acme..com"]);
/// assert_eq!(report.entries[0].parsed.as_ref().map(|e| e.to_string()), Ok("acme.com".to_string()));
/// assert!(report.entries[1].parsed.is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LintedEntry {
    /// The entry as given.
    pub input: String,
    /// The normalised entry, or why it is refused.
    pub parsed: Result<AllowlistEntry, AllowlistError>,
}

/// Something legal in an allowlist that is probably not what was meant.
///
/// ```
/// use kataven::allowlist::{lint, Warning};
///
/// let report = lint(&["acme.com", "ACME.com"]);
/// assert!(matches!(report.warnings[0], Warning::Duplicate { index: 1, first: 0, .. }));
/// assert_eq!(report.warnings[0].code(), "duplicate");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// The list is empty: the Hub then refuses every origin, so the key is
    /// blocked.
    Empty,
    /// The entry is the same as an earlier one once normalised
    /// (`ACME.com` and `acme.com`, `https://acme.com:443` and
    /// `https://acme.com`).
    Duplicate {
        /// Its position, from 0.
        index: usize,
        /// The entry as given.
        entry: String,
        /// The position of the earlier entry.
        first: usize,
        /// The earlier entry as given.
        first_entry: String,
    },
    /// Every origin the entry lets in, another entry already does
    /// (`shop.acme.com` next to `*.acme.com`, `localhost:3000` next to
    /// `localhost:*`).
    Covered {
        /// Its position, from 0.
        index: usize,
        /// The entry as given.
        entry: String,
        /// The position of the entry that covers it.
        by_index: usize,
        /// That entry, normalised.
        by: String,
    },
    /// The entry lets in pages served from the visitor's own machine
    /// (`localhost`, `127.0.0.1`, `[::1]`): fine on a development key, a
    /// risk on a production one, where any local page can use the key.
    Loopback {
        /// Its position, from 0.
        index: usize,
        /// The entry as given.
        entry: String,
    },
    /// A `*.` wildcard over a suffix in the Public Suffix List's private
    /// section (`*.vercel.app`, `*.github.io`): anyone can sign up for a
    /// subdomain there, so every such site can use the key.
    PrivateSuffix {
        /// Its position, from 0.
        index: usize,
        /// The entry as given.
        entry: String,
        /// The suffix, e.g. `vercel.app`.
        suffix: String,
    },
}

impl Warning {
    /// A short stable name for scripts: `empty`, `duplicate`, `covered`,
    /// `loopback` or `private-suffix`.
    ///
    /// ```
    /// assert_eq!(kataven::allowlist::Warning::Empty.code(), "empty");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Warning::Empty => "empty",
            Warning::Duplicate { .. } => "duplicate",
            Warning::Covered { .. } => "covered",
            Warning::Loopback { .. } => "loopback",
            Warning::PrivateSuffix { .. } => "private-suffix",
        }
    }

    /// The position of the entry the warning is about (none for
    /// [`Warning::Empty`]).
    ///
    /// ```
    /// let report = kataven::allowlist::lint(&["acme.com", "localhost:*"]);
    /// assert_eq!(report.warnings[0].index(), Some(1));
    /// ```
    pub fn index(&self) -> Option<usize> {
        match self {
            Warning::Empty => None,
            Warning::Duplicate { index, .. }
            | Warning::Covered { index, .. }
            | Warning::Loopback { index, .. }
            | Warning::PrivateSuffix { index, .. } => Some(*index),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Empty => f.write_str(
                "the allowlist is empty: the key is blocked (no page can load the widget)",
            ),
            Warning::Duplicate {
                entry, first_entry, ..
            } => write!(
                f,
                "`{entry}` repeats `{first_entry}` once normalised; drop one"
            ),
            Warning::Covered { entry, by, .. } => {
                write!(f, "`{entry}` is already covered by `{by}`: it adds nothing")
            }
            Warning::Loopback { entry, .. } => write!(
                f,
                "`{entry}` lets in pages on the visitor's own machine: fine for a development key, a risk on a production one (any local page can use the key)"
            ),
            Warning::PrivateSuffix { entry, suffix, .. } => write!(
                f,
                "`{entry}` covers every site under {suffix}, where anyone can get a subdomain (Public Suffix List, private section); list your own host instead"
            ),
        }
    }
}

/// A linted allowlist: built by [`lint`].
///
/// ```
/// let report = kataven::allowlist::lint(&["acme.com", "*.acme.com", "www.acme.com"]);
/// assert_eq!(report.entries.len(), 3);
/// assert_eq!(report.errors().count(), 0);
/// assert_eq!(report.warnings.len(), 1); // www.acme.com is covered by *.acme.com
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LintReport {
    /// Every entry, in order.
    pub entries: Vec<LintedEntry>,
    /// The warnings, by entry position ([`Warning::Empty`] alone when the
    /// list is empty).
    pub warnings: Vec<Warning>,
}

impl LintReport {
    /// The refused entries.
    ///
    /// ```
    /// let report = kataven::allowlist::lint(&["acme.com", "*.com"]);
    /// assert_eq!(report.errors().map(|e| e.entry()).collect::<Vec<_>>(), ["*.com"]);
    /// ```
    pub fn errors(&self) -> impl Iterator<Item = &AllowlistError> {
        self.entries.iter().filter_map(|e| e.parsed.as_ref().err())
    }

    /// The valid entries, normalised, in order, without duplicates: what
    /// to send to the Hub.
    ///
    /// ```
    /// let report = kataven::allowlist::lint(&["Acme.com", "*.acme.com", "acme.com"]);
    /// assert_eq!(report.normalised(), ["acme.com", "*.acme.com"]);
    /// ```
    pub fn normalised(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for entry in self.entries.iter().filter_map(|e| e.parsed.as_ref().ok()) {
            let text = entry.to_string();
            if !out.contains(&text) {
                out.push(text);
            }
        }
        out
    }
}

/// Lints `allowlist`: normalises or refuses each entry, and warns about an
/// empty list, duplicates after normalisation, entries another entry
/// already covers, loopback entries and wildcards over a private-section
/// public suffix. Refused entries take no part in the warnings.
///
/// ```
/// use kataven::allowlist::lint;
///
/// let report = lint(&["acme.com", "*.acme.com", "shop.acme.com", "localhost:*", "*.vercel.app"]);
/// assert_eq!(report.errors().count(), 0);
/// let codes: Vec<_> = report.warnings.iter().map(|w| w.code()).collect();
/// assert_eq!(codes, ["covered", "loopback", "private-suffix"]);
/// for warning in &report.warnings {
///     println!("warning: {warning}");
/// }
/// ```
pub fn lint<S: AsRef<str>>(allowlist: &[S]) -> LintReport {
    let entries: Vec<LintedEntry> = allowlist
        .iter()
        .map(|input| LintedEntry {
            input: input.as_ref().to_string(),
            parsed: AllowlistEntry::parse(input.as_ref()),
        })
        .collect();
    let mut warnings = Vec::new();
    if entries.is_empty() {
        warnings.push(Warning::Empty);
    }
    let valid: Vec<(usize, &str, &AllowlistEntry)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.parsed.as_ref().ok().map(|p| (i, e.input.as_str(), p)))
        .collect();
    for &(index, input, entry) in &valid {
        let entry_text = input.to_string();
        if let Some(&(first, first_input, _)) = valid
            .iter()
            .find(|(other, _, parsed)| *other < index && *parsed == entry)
        {
            warnings.push(Warning::Duplicate {
                index,
                entry: entry_text,
                first,
                first_entry: first_input.to_string(),
            });
            continue;
        }
        // Covered by a different entry; of two that cover each other (the
        // same origins, written apart), only the later one is reported.
        if let Some(&(by_index, _, by)) = valid.iter().find(|(other, _, parsed)| {
            *other != index
                && *parsed != entry
                && parsed.covers(entry)
                && (!entry.covers(parsed) || *other < index)
        }) {
            warnings.push(Warning::Covered {
                index,
                entry: entry_text,
                by_index,
                by: by.to_string(),
            });
            continue;
        }
        if entry.is_loopback() {
            warnings.push(Warning::Loopback {
                index,
                entry: entry_text.clone(),
            });
        }
        if let Some(suffix) = entry.private_suffix() {
            warnings.push(Warning::PrivateSuffix {
                index,
                entry: entry_text,
                suffix: suffix.to_string(),
            });
        }
    }
    LintReport { entries, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<(Option<usize>, &'static str)> {
        lint(list)
            .warnings
            .iter()
            .map(|w| (w.index(), w.code()))
            .collect()
    }

    #[test]
    fn each_warning_and_a_clean_list() {
        assert_eq!(codes(&[]), [(None, "empty")]);
        assert_eq!(
            codes(&["acme.com", "*.acme.com", "localhost:3000"])[..],
            [(Some(2), "loopback")]
        );
        assert!(codes(&["acme.com", "*.acme.com", "https://acme.io"]).is_empty());
        assert_eq!(
            codes(&[
                "acme.com",
                "Acme.COM",
                "https://acme.com:443",
                "https://acme.com"
            ]),
            [
                (Some(1), "duplicate"),
                (Some(2), "covered"),
                (Some(3), "duplicate")
            ]
        );
        assert_eq!(
            codes(&[
                "shop.acme.com",
                "*.acme.com",
                "*.eu.acme.com",
                "https://a.acme.com"
            ]),
            [
                (Some(0), "covered"),
                (Some(2), "covered"),
                (Some(3), "covered")
            ]
        );
        assert_eq!(
            codes(&["localhost:3000", "localhost:*", "127.0.0.1", "[::1]:8080"]),
            [
                (Some(0), "covered"),
                (Some(1), "loopback"),
                (Some(2), "loopback"),
                (Some(3), "loopback")
            ]
        );
        assert_eq!(
            codes(&[
                "*.vercel.app",
                "*.github.io",
                "*.acme.github.io",
                "acme.vercel.app"
            ]),
            [
                (Some(0), "private-suffix"),
                (Some(1), "private-suffix"),
                (Some(2), "covered"),
                (Some(3), "covered")
            ]
        );
    }

    #[test]
    fn covering_depends_on_ports_and_schemes() {
        // A port-specific entry is not covered by a default-port wildcard.
        assert!(codes(&["*.acme.com", "shop.acme.com:8080"]).is_empty());
        assert_eq!(
            codes(&["*.acme.com:*", "shop.acme.com:8080"]),
            [(Some(1), "covered")]
        );
        // An https-only entry covers neither scheme of a bare host.
        assert_eq!(
            codes(&["https://acme.com", "acme.com"]),
            [(Some(0), "covered")]
        );
        assert!(codes(&["http://acme.com:8080", "acme.com"]).is_empty());
    }

    #[test]
    fn refused_entries_are_errors_not_warnings() {
        let report = lint(&["acme.com", "*.co.uk", "999.1.1.1", "[:::]"]);
        let refused: Vec<_> = report.errors().map(|e| e.entry()).collect();
        assert_eq!(refused, ["*.co.uk", "999.1.1.1", "[:::]"]);
        assert!(report.warnings.is_empty());
        assert_eq!(report.normalised(), ["acme.com"]);
    }
}
