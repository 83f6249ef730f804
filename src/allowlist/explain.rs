//! Why an origin is let in or kept out: per entry ([`Miss`]) and per list
//! ([`Explanation`]).

use std::fmt;

use super::{AllowlistEntry, AllowlistError, Origin};

/// Why one entry does not let an origin in. Each variant's `Display` is one
/// sentence that says what to change.
///
/// ```
/// use kataven::allowlist::{AllowlistEntry, Miss};
///
/// let entry = AllowlistEntry::parse("https://acme.com")?;
/// let miss = entry.explain("http://acme.com").unwrap_err();
/// assert!(matches!(miss, Miss::SchemeDiffers { .. }));
/// assert_eq!(miss.code(), "scheme");
/// # Ok::<(), kataven::allowlist::AllowlistError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Miss {
    /// The origin is not `http(s)://host[:port]`, so nothing can match it.
    InvalidOrigin {
        /// What is wrong with it.
        problem: String,
    },
    /// The entry itself is malformed, so it matches nothing (only in a
    /// list's [`Explanation`]; [`AllowlistEntry::parse`] refuses it).
    MalformedEntry(AllowlistError),
    /// The host is neither the entry's host nor, for a `*.` entry, one of
    /// its subdomains.
    HostDiffers {
        /// The origin's host.
        host: String,
        /// What the entry accepts: a host, or `a subdomain of acme.com`.
        expected: String,
    },
    /// The entry is `*.acme.com` and the origin is `acme.com` itself: a
    /// wildcard covers subdomains only, not the apex.
    ApexNotCovered {
        /// The apex domain, e.g. `acme.com`.
        apex: String,
    },
    /// The entry names one scheme (`https://acme.com`) and the origin uses
    /// the other.
    SchemeDiffers {
        /// The scheme the entry allows, `http` or `https`.
        allowed: String,
        /// The origin's scheme.
        origin: String,
    },
    /// The host matches but the entry allows another port (no port written
    /// means the scheme's default: 443 for https, 80 for http).
    PortNotCovered {
        /// The origin's port.
        port: u16,
        /// The one port the entry allows for the origin's scheme.
        allowed: u16,
    },
}

impl Miss {
    /// A short stable name for scripts: `invalid-origin`, `malformed-entry`,
    /// `host`, `apex`, `scheme` or `port`.
    ///
    /// ```
    /// use kataven::allowlist::Miss;
    ///
    /// assert_eq!(Miss::PortNotCovered { port: 8443, allowed: 443 }.code(), "port");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Miss::InvalidOrigin { .. } => "invalid-origin",
            Miss::MalformedEntry(_) => "malformed-entry",
            Miss::HostDiffers { .. } => "host",
            Miss::ApexNotCovered { .. } => "apex",
            Miss::SchemeDiffers { .. } => "scheme",
            Miss::PortNotCovered { .. } => "port",
        }
    }
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::InvalidOrigin { problem } => write!(f, "the origin is malformed: {problem}"),
            Miss::MalformedEntry(err) => {
                write!(
                    f,
                    "the entry is malformed ({}): it matches nothing",
                    err.problem()
                )
            }
            Miss::HostDiffers { host, expected } => {
                write!(f, "the host differs: {host} is not {expected}")
            }
            Miss::ApexNotCovered { apex } => write!(
                f,
                "the apex is not covered: *.{apex} matches subdomains only, not {apex} itself (add {apex} as its own entry)"
            ),
            Miss::SchemeDiffers { allowed, origin } => write!(
                f,
                "the scheme differs: the entry allows {allowed}:// only, the origin is {origin}://"
            ),
            Miss::PortNotCovered { port, allowed } => write!(
                f,
                "port {port} is not covered: the entry allows port {allowed} only"
            ),
        }
    }
}

/// One entry of a list that did not let the origin in, and why.
///
/// ```
/// use kataven::allowlist::{explain, Explanation};
///
/// if let Explanation::Denied { misses } = explain(&["acme.com:8443"], "https://acme.com") {
///     let miss = &misses[0];
///     assert_eq!((miss.index, miss.entry.as_str(), miss.miss.code()), (0, "acme.com:8443", "port"));
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryMiss {
    /// Its position in the list, from 0.
    pub index: usize,
    /// The entry as given.
    pub entry: String,
    /// Why it did not match.
    pub miss: Miss,
}

/// What a whole allowlist decides for one origin: built by [`explain`].
///
/// ```
/// use kataven::allowlist::{explain, Explanation};
///
/// match explain(&["acme.com", "*.acme.com"], "https://shop.acme.com") {
///     Explanation::Allowed { entry, .. } => println!("allowed by {entry}"),
///     Explanation::Denied { misses } => {
///         for miss in misses {
///             println!("{}: {}", miss.entry, miss.miss);
///         }
///     }
///     Explanation::InvalidOrigin { problem } => println!("not an origin: {problem}"),
///     _ => {}
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Explanation {
    /// An entry lets the origin in: the first one that does.
    Allowed {
        /// Its position in the list, from 0.
        index: usize,
        /// The entry, normalised.
        entry: AllowlistEntry,
    },
    /// No entry lets it in. One miss per entry, in list order; none when
    /// the list is empty (an empty list blocks the key).
    Denied {
        /// Why each entry did not match.
        misses: Vec<EntryMiss>,
    },
    /// The origin is not `http(s)://host[:port]`: no list can let it in.
    InvalidOrigin {
        /// What is wrong with it.
        problem: String,
    },
}

impl Explanation {
    /// Whether the origin is let in.
    ///
    /// ```
    /// assert!(kataven::allowlist::explain(&["acme.com"], "https://acme.com").is_allowed());
    /// ```
    pub fn is_allowed(&self) -> bool {
        matches!(self, Explanation::Allowed { .. })
    }
}

/// Which entry of `allowlist` lets `origin` in, or for each entry why it
/// does not. Malformed entries are reported as [`Miss::MalformedEntry`].
///
/// ```
/// use kataven::allowlist::{explain, Explanation, Miss};
///
/// let list = ["*.acme.com", "localhost:3000"];
/// let Explanation::Denied { misses } = explain(&list, "https://acme.com") else {
///     panic!("acme.com is not covered by *.acme.com");
/// };
/// assert!(matches!(misses[0].miss, Miss::ApexNotCovered { .. }));
/// assert!(matches!(misses[1].miss, Miss::HostDiffers { .. }));
///
/// let Explanation::Allowed { index, entry } = explain(&list, "http://localhost:3000") else {
///     panic!("allowed");
/// };
/// assert_eq!((index, entry.to_string()), (1, "localhost:3000".to_string()));
/// ```
pub fn explain<S: AsRef<str>>(allowlist: &[S], origin: &str) -> Explanation {
    if let Err(problem) = Origin::parse(origin) {
        return Explanation::InvalidOrigin { problem };
    }
    let mut misses = Vec::new();
    for (index, input) in allowlist.iter().enumerate() {
        let input = input.as_ref();
        let miss = match AllowlistEntry::parse(input) {
            Err(err) => Miss::MalformedEntry(err),
            Ok(entry) => match entry.explain(origin) {
                Ok(()) => return Explanation::Allowed { index, entry },
                Err(miss) => miss,
            },
        };
        misses.push(EntryMiss {
            index,
            entry: input.to_string(),
            miss,
        });
    }
    Explanation::Denied { misses }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn miss(entry: &str, origin: &str) -> Miss {
        match AllowlistEntry::parse(entry).map(|e| e.explain(origin)) {
            Ok(Err(miss)) => miss,
            other => panic!("{entry} / {origin}: {other:?}"),
        }
    }

    #[test]
    fn each_miss_names_its_reason() {
        assert_eq!(
            miss("*.acme.com", "https://acme.com"),
            Miss::ApexNotCovered {
                apex: "acme.com".into()
            }
        );
        assert_eq!(
            miss("acme.com", "https://acme.com:8443"),
            Miss::PortNotCovered {
                port: 8443,
                allowed: 443
            }
        );
        assert_eq!(
            miss("localhost:3000", "http://localhost:5173"),
            Miss::PortNotCovered {
                port: 5173,
                allowed: 3000
            }
        );
        assert_eq!(
            miss("https://acme.com", "http://acme.com"),
            Miss::SchemeDiffers {
                allowed: "https".into(),
                origin: "http".into()
            }
        );
        assert_eq!(
            miss("acme.com", "https://evilacme.com"),
            Miss::HostDiffers {
                host: "evilacme.com".into(),
                expected: "acme.com".into()
            }
        );
        assert_eq!(
            miss("*.acme.com", "https://acme.com.evil.io"),
            Miss::HostDiffers {
                host: "acme.com.evil.io".into(),
                expected: "a subdomain of acme.com".into()
            }
        );
        assert!(matches!(
            miss("acme.com", "ftp://acme.com"),
            Miss::InvalidOrigin { .. }
        ));
        // The host is judged before the scheme and the port.
        assert!(matches!(
            miss("https://acme.com", "http://www.acme.com:81"),
            Miss::HostDiffers { .. }
        ));
        assert!(matches!(
            miss("https://acme.com", "http://acme.com:81"),
            Miss::SchemeDiffers { .. }
        ));
    }

    #[test]
    fn a_list_names_the_entry_that_allowed_or_every_miss() {
        let list = ["acme..com", "https://acme.com", "*.acme.com"];
        match explain(&list, "https://shop.acme.com") {
            Explanation::Allowed { index, entry } => {
                assert_eq!((index, entry.to_string()), (2, "*.acme.com".to_string()));
            }
            other => panic!("{other:?}"),
        }
        match explain(&list, "http://acme.com") {
            Explanation::Denied { misses } => {
                let codes: Vec<_> = misses.iter().map(|m| (m.index, m.miss.code())).collect();
                assert_eq!(codes, [(0, "malformed-entry"), (1, "scheme"), (2, "apex")]);
                assert_eq!(misses[0].entry, "acme..com");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            explain::<&str>(&[], "https://acme.com"),
            Explanation::Denied { misses: vec![] }
        );
        assert!(matches!(
            explain(&list, "acme.com"),
            Explanation::InvalidOrigin { .. }
        ));
    }

    #[test]
    fn ip_origins_compare_as_addresses() {
        assert!(
            AllowlistEntry::parse("[::1]:3000")
                .is_ok_and(|e| e.matches("http://[0:0:0:0:0:0:0:1]:3000"))
        );
        assert!(
            AllowlistEntry::parse("127.0.0.1:*").is_ok_and(|e| e.matches("http://127.0.0.1:8080"))
        );
        assert!(matches!(
            miss("127.0.0.1", "http://999.0.0.1"),
            Miss::InvalidOrigin { .. }
        ));
    }
}
