//! Domain allowlist entries: parse and validate them, check an origin
//! against them, explain a match or a miss, and lint a whole list.
//!
//! The Hub checks a page's `Origin` (or `Referer`) against a widget key's
//! allowlist before it serves the widget. Its documentation names the forms
//! `acme.com`, `*.acme.com`, `localhost:*` and full origins such as
//! `https://acme.com`, but not every rule. This module is **the SDK's
//! reading** of those rules, used to refuse malformed entries before a
//! request is sent and to let you test an origin locally:
//!
//! - a bare host (`acme.com`) matches that host on any scheme, on the
//!   scheme's default port (443 for https, 80 for http);
//! - `*.acme.com` matches proper subdomains of `acme.com` only, never
//!   `acme.com` itself (the apex);
//! - `host:*` matches the host on any port, and `host:8080` on that port;
//! - an origin entry (`https://acme.com`, `http://localhost:3000`) matches
//!   exactly that origin (`https://acme.com:443` is the same entry as
//!   `https://acme.com`).
//!
//! What an entry may be:
//!
//! - hosts are compared case-insensitively and entries are normalised to
//!   lowercase; internationalised names are written in punycode;
//! - a host whose last label is a number is an IPv4 address and must be a
//!   valid dotted quad (`127.0.0.1`; not `999.1.1.1`, `1.2.3` or
//!   `01.2.3.4`), as browsers send it; an IPv6 address is bracketed and
//!   must be valid (`[::1]`; not `[:::]`), and is normalised to its
//!   canonical text (`[0:0::1]` becomes `[::1]`);
//! - a `*.` wildcard covers the subdomains of a domain name, never of an IP
//!   address nor of a **public suffix**: `*.com` and `*.co.uk` are refused
//!   (they would let every site under `.com` or `.co.uk` load the widget),
//!   `*.acme.co.uk` is accepted. Public suffixes are those the [Public
//!   Suffix List](https://publicsuffix.org)'s ICANN section names;
//!   wildcards over its *private* section (`*.vercel.app`, `*.github.io`:
//!   hosting suffixes anyone can sign up under) are accepted but [`lint`]
//!   warns about them;
//! - entries with a path, query, fragment, user info, spaces, an inner `*`
//!   or an empty label are malformed.
//!
//! ```
//! use kataven::allowlist::AllowlistEntry;
//!
//! let entry: AllowlistEntry = "*.acme.com".parse()?;
//! assert!(entry.matches("https://shop.acme.com"));
//! assert!(!entry.matches("https://acme.com"));
//!
//! let err = AllowlistEntry::parse("acme.com/pricing").unwrap_err();
//! assert!(err.to_string().contains("path"));
//! assert!(AllowlistEntry::parse("*.co.uk").is_err());
//! # Ok::<(), kataven::allowlist::AllowlistError>(())
//! ```
//!
//! [`explain`] says which entry lets an origin in, or why none does;
//! [`lint`] reports what is legal but probably wrong in a list.

mod explain;
mod host;
mod lint;

use std::fmt;
use std::str::FromStr;

pub use explain::{EntryMiss, Explanation, Miss, explain};
pub use lint::{LintReport, LintedEntry, Warning, lint};

use host::{Host, SuffixSection};

/// One validated, normalised allowlist entry.
///
/// ```
/// use kataven::allowlist::AllowlistEntry;
///
/// let entry = AllowlistEntry::parse("localhost:*")?;
/// assert!(entry.matches("http://localhost:5173"));
/// assert_eq!(entry.to_string(), "localhost:*");
/// # Ok::<(), kataven::allowlist::AllowlistError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AllowlistEntry {
    scheme: Option<Scheme>,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    const BOTH: [Scheme; 2] = [Scheme::Http, Scheme::Https];

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum HostPattern {
    /// `acme.com`, `localhost`, `127.0.0.1`, `[::1]`.
    Exact(Host),
    /// `*.acme.com`: the domain name after `*.`.
    Subdomains(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum PortPattern {
    /// No port written: the scheme's default port.
    Default,
    Any,
    Exact(u16),
}

impl PortPattern {
    /// The one port this pattern allows under `scheme`, or `None` for any.
    fn port_for(self, scheme: Scheme) -> Option<u16> {
        match self {
            PortPattern::Default => Some(scheme.default_port()),
            PortPattern::Exact(port) => Some(port),
            PortPattern::Any => None,
        }
    }
}

/// Why an allowlist entry is malformed.
///
/// ```
/// use kataven::allowlist::AllowlistEntry;
///
/// let err = AllowlistEntry::parse("acme..com").unwrap_err();
/// assert_eq!(err.entry(), "acme..com");
/// assert!(err.to_string().contains("empty label"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowlistError {
    entry: String,
    problem: String,
}

impl AllowlistError {
    fn new(entry: &str, problem: impl Into<String>) -> Self {
        Self {
            entry: entry.to_string(),
            problem: problem.into(),
        }
    }

    /// The entry as it was given.
    pub fn entry(&self) -> &str {
        &self.entry
    }

    /// What is wrong with it, in words.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for AllowlistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a valid allowlist entry: {}",
            self.entry.escape_debug(),
            self.problem
        )
    }
}

impl std::error::Error for AllowlistError {}

impl AllowlistEntry {
    /// Parses and normalises one entry. See the [module docs](self) for the
    /// accepted forms.
    ///
    /// ```
    /// use kataven::allowlist::AllowlistEntry;
    ///
    /// assert_eq!(AllowlistEntry::parse("HTTPS://Acme.COM")?.to_string(), "https://acme.com");
    /// assert_eq!(AllowlistEntry::parse("[0:0::1]:3000")?.to_string(), "[::1]:3000");
    /// assert!(AllowlistEntry::parse("https://acme.com/").is_err());
    /// assert!(AllowlistEntry::parse("*.com").is_err());
    /// assert!(AllowlistEntry::parse("999.1.1.1").is_err());
    /// # Ok::<(), kataven::allowlist::AllowlistError>(())
    /// ```
    pub fn parse(entry: &str) -> Result<Self, AllowlistError> {
        let err = |problem: &str| AllowlistError::new(entry, problem);
        if entry.is_empty() {
            return Err(err("it is empty"));
        }
        if entry.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("it contains spaces or control characters"));
        }
        for (c, what) in [('?', "a query"), ('#', "a fragment"), ('@', "user info")] {
            if entry.contains(c) {
                return Err(err(&format!(
                    "it has {what}; write the host or origin only"
                )));
            }
        }

        let (scheme, rest) = match entry.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "https" => (Some(Scheme::Https), rest),
                "http" => (Some(Scheme::Http), rest),
                _ => return Err(err("only http and https origins are allowed")),
            },
            None => (None, entry),
        };
        if rest.contains('/') {
            return Err(err(
                "it has a path; write the host (acme.com) or the origin (https://acme.com) only",
            ));
        }

        const IP_WILDCARD: &str =
            "a `*.` wildcard covers the subdomains of a domain name, not of an IP address";
        if rest.starts_with("*.[") {
            return Err(err(IP_WILDCARD));
        }
        let (host, port) = split_host_port(rest).map_err(|problem| err(&problem))?;
        let port = match port {
            None => PortPattern::Default,
            Some("*") => PortPattern::Any,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && !p.starts_with('+') => PortPattern::Exact(n),
                _ => return Err(err("its port must be a number from 1 to 65535, or *")),
            },
        };

        let host = if let Some(parent) = host.strip_prefix("*.") {
            if parent.contains('*') {
                return Err(err("a `*` may only stand first, as in *.acme.com"));
            }
            match Host::parse(parent).map_err(|p| err(&p))? {
                Host::Name(name) => {
                    if host::public_suffix_section(&name) == Some(SuffixSection::Icann) {
                        return Err(err(&format!(
                            "`{name}` is a public suffix (anyone can register a domain under it), so `*.{name}` would let every such site load the widget; name your own domain, as in *.acme.{name}"
                        )));
                    }
                    HostPattern::Subdomains(name)
                }
                Host::V4(_) | Host::V6(_) => return Err(err(IP_WILDCARD)),
            }
        } else if host.contains('*') {
            return Err(err("a `*` may only stand first, as in *.acme.com"));
        } else {
            HostPattern::Exact(Host::parse(host).map_err(|p| err(&p))?)
        };

        let port = match (scheme, port) {
            (Some(_), PortPattern::Any) => {
                return Err(err(
                    "an origin entry names one exact port; use host:* without a scheme for any port",
                ));
            }
            // An origin never carries its scheme's default port: browsers
            // drop it, so `https://acme.com:443` is `https://acme.com`.
            (Some(scheme), PortPattern::Exact(port)) if port == scheme.default_port() => {
                PortPattern::Default
            }
            (_, port) => port,
        };
        if scheme.is_some() && matches!(host, HostPattern::Subdomains(_)) {
            return Err(err(
                "an origin entry names one exact origin; use *.acme.com without a scheme for subdomains",
            ));
        }
        Ok(Self { scheme, host, port })
    }

    /// Whether a page with this `Origin` (e.g. `https://shop.acme.com`, or
    /// `http://localhost:3000`) may load the widget under this entry. An
    /// origin that does not parse matches nothing.
    ///
    /// ```
    /// use kataven::allowlist::AllowlistEntry;
    ///
    /// let entry = AllowlistEntry::parse("acme.com")?;
    /// assert!(entry.matches("https://acme.com"));
    /// assert!(entry.matches("http://acme.com"));
    /// assert!(!entry.matches("https://acme.com:8443"));
    /// assert!(!entry.matches("https://www.acme.com"));
    /// # Ok::<(), kataven::allowlist::AllowlistError>(())
    /// ```
    pub fn matches(&self, origin: &str) -> bool {
        self.explain(origin).is_ok()
    }

    /// Whether this entry lets `origin` in, and if not, why: `Ok(())` when
    /// it matches, else the [`Miss`] that decided. The host is judged
    /// first, then the scheme, then the port.
    ///
    /// ```
    /// use kataven::allowlist::{AllowlistEntry, Miss};
    ///
    /// let entry = AllowlistEntry::parse("*.acme.com")?;
    /// assert_eq!(entry.explain("https://shop.acme.com"), Ok(()));
    /// assert!(matches!(entry.explain("https://acme.com"), Err(Miss::ApexNotCovered { .. })));
    /// let miss = entry.explain("https://shop.acme.com:8443").unwrap_err();
    /// assert_eq!(miss, Miss::PortNotCovered { port: 8443, allowed: 443 });
    /// println!("{miss}"); // port 8443 is not covered: the entry allows port 443 only
    /// # Ok::<(), kataven::allowlist::AllowlistError>(())
    /// ```
    pub fn explain(&self, origin: &str) -> Result<(), Miss> {
        let origin = Origin::parse(origin).map_err(|problem| Miss::InvalidOrigin { problem })?;
        match &self.host {
            HostPattern::Exact(host) if origin.host == *host => {}
            HostPattern::Subdomains(parent) if origin.host.is_subdomain_of(parent) => {}
            HostPattern::Subdomains(parent) if matches!(&origin.host, Host::Name(name) if name == parent) =>
            {
                return Err(Miss::ApexNotCovered {
                    apex: parent.clone(),
                });
            }
            pattern => {
                return Err(Miss::HostDiffers {
                    host: origin.host.to_string(),
                    expected: match pattern {
                        HostPattern::Exact(host) => host.to_string(),
                        HostPattern::Subdomains(parent) => format!("a subdomain of {parent}"),
                    },
                });
            }
        }
        if let Some(scheme) = self.scheme.filter(|&scheme| scheme != origin.scheme) {
            return Err(Miss::SchemeDiffers {
                allowed: scheme.as_str().to_string(),
                origin: origin.scheme.as_str().to_string(),
            });
        }
        match self.port.port_for(origin.scheme) {
            Some(allowed) if allowed != origin.port => Err(Miss::PortNotCovered {
                port: origin.port,
                allowed,
            }),
            _ => Ok(()),
        }
    }

    /// Whether every origin that `other` lets in, this entry lets in too
    /// (so `other` adds nothing next to it). An entry covers itself.
    ///
    /// ```
    /// use kataven::allowlist::AllowlistEntry;
    ///
    /// let wildcard = AllowlistEntry::parse("*.acme.com")?;
    /// assert!(wildcard.covers(&"shop.acme.com".parse()?));
    /// assert!(wildcard.covers(&"https://shop.acme.com".parse()?));
    /// assert!(!wildcard.covers(&"acme.com".parse()?));
    /// assert!(!wildcard.covers(&"shop.acme.com:8080".parse()?));
    /// # Ok::<(), kataven::allowlist::AllowlistError>(())
    /// ```
    pub fn covers(&self, other: &AllowlistEntry) -> bool {
        let hosts = match (&self.host, &other.host) {
            (HostPattern::Exact(mine), HostPattern::Exact(theirs)) => mine == theirs,
            (HostPattern::Subdomains(mine), HostPattern::Exact(theirs)) => {
                theirs.is_subdomain_of(mine)
            }
            (HostPattern::Subdomains(mine), HostPattern::Subdomains(theirs)) => {
                mine == theirs || host::is_proper_subdomain(theirs, mine)
            }
            (HostPattern::Exact(_), HostPattern::Subdomains(_)) => false,
        };
        let schemes: &[Scheme] = match &other.scheme {
            Some(scheme) => std::slice::from_ref(scheme),
            None => &Scheme::BOTH,
        };
        hosts
            && schemes.iter().all(|&scheme| {
                self.scheme.is_none_or(|mine| mine == scheme)
                    && match (self.port.port_for(scheme), other.port.port_for(scheme)) {
                        (None, _) => true,
                        (Some(mine), Some(theirs)) => mine == theirs,
                        (Some(_), None) => false,
                    }
            })
    }

    /// Whether the entry lets in a page served from the visitor's own
    /// machine: `localhost` (or a subdomain of it), `127.0.0.0/8`, `[::1]`.
    ///
    /// ```
    /// use kataven::allowlist::AllowlistEntry;
    ///
    /// assert!(AllowlistEntry::parse("localhost:*")?.is_loopback());
    /// assert!(AllowlistEntry::parse("http://127.0.0.1:3000")?.is_loopback());
    /// assert!(!AllowlistEntry::parse("acme.com")?.is_loopback());
    /// # Ok::<(), kataven::allowlist::AllowlistError>(())
    /// ```
    pub fn is_loopback(&self) -> bool {
        match &self.host {
            HostPattern::Exact(host) => host.is_loopback(),
            HostPattern::Subdomains(parent) => host::is_localhost(parent),
        }
    }

    /// For a wildcard whose domain is a suffix in the Public Suffix List's
    /// *private* section (`*.vercel.app`, `*.github.io`: hosting platforms
    /// where anyone can get a subdomain), that suffix.
    ///
    /// ```
    /// use kataven::allowlist::AllowlistEntry;
    ///
    /// assert_eq!(AllowlistEntry::parse("*.github.io")?.private_suffix(), Some("github.io"));
    /// assert_eq!(AllowlistEntry::parse("*.acme.github.io")?.private_suffix(), None);
    /// assert_eq!(AllowlistEntry::parse("*.acme.com")?.private_suffix(), None);
    /// # Ok::<(), kataven::allowlist::AllowlistError>(())
    /// ```
    pub fn private_suffix(&self) -> Option<&str> {
        match &self.host {
            HostPattern::Subdomains(parent)
                if host::public_suffix_section(parent) == Some(SuffixSection::Private) =>
            {
                Some(parent)
            }
            _ => None,
        }
    }
}

impl FromStr for AllowlistEntry {
    type Err = AllowlistError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AllowlistEntry {
    /// `entry` checked and in its normal form, as a request sends it: the
    /// same `String` when it is already written normalised (no new string,
    /// and a list is collected in place), else the normal form. The error
    /// says what is wrong, as [`parse`](Self::parse)'s does.
    pub(crate) fn normalised(entry: String) -> Result<String, AllowlistError> {
        if Self::is_plain_and_normalised(&entry) {
            return Ok(entry);
        }
        let parsed = Self::parse(&entry)?;
        Ok(if parsed.is_written_as(&entry) {
            entry
        } else {
            parsed.to_string()
        })
    }

    /// Whether `entry` is valid and already in its normal form, told without
    /// building it, for the form almost every list is written in: a
    /// lowercase domain name (`acme.com`) or a wildcard over one
    /// (`*.acme.com`, not over a public suffix), with no scheme and no port.
    /// `false` means only "not told here": [`normalised`](Self::normalised)
    /// then parses in full. A create checks each entry before it sends (the
    /// rules), and parsing builds the entry's strings and walks its
    /// characters several times: about half of create's extra cost over a
    /// hand-written call was that (BENCHMARKS.md). The
    /// `the_quick_check_agrees_with_parse` test holds the two readings equal.
    fn is_plain_and_normalised(entry: &str) -> bool {
        match entry.strip_prefix("*.") {
            Some(parent) => {
                host::is_plain_lowercase_name(parent)
                    && host::public_suffix_section(parent) != Some(SuffixSection::Icann)
            }
            None => host::is_plain_lowercase_name(entry),
        }
    }

    /// Whether `text` is this entry's normal form (its `Display`), found
    /// without writing that form out: most entries are written normalised,
    /// and then the caller keeps the text it has.
    fn is_written_as(&self, text: &str) -> bool {
        /// Compares what is written with the rest of `text`.
        struct Rest<'a>(&'a str);
        impl fmt::Write for Rest<'_> {
            fn write_str(&mut self, piece: &str) -> fmt::Result {
                match self.0.strip_prefix(piece) {
                    Some(rest) => {
                        self.0 = rest;
                        Ok(())
                    }
                    None => Err(fmt::Error),
                }
            }
        }
        let mut rest = Rest(text);
        fmt::write(&mut rest, format_args!("{self}")).is_ok() && rest.0.is_empty()
    }
}

impl fmt::Display for AllowlistEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = self.scheme {
            write!(f, "{}://", scheme.as_str())?;
        }
        match &self.host {
            HostPattern::Exact(host) => write!(f, "{host}")?,
            HostPattern::Subdomains(parent) => write!(f, "*.{parent}")?,
        }
        match self.port {
            PortPattern::Default => Ok(()),
            PortPattern::Any => f.write_str(":*"),
            PortPattern::Exact(port) => write!(f, ":{port}"),
        }
    }
}

/// Whether any entry of `allowlist` lets `origin` load the widget. Malformed
/// entries match nothing; an empty allowlist blocks every origin, as the Hub
/// does. [`explain`] says which entry, or why none.
///
/// ```
/// assert!(kataven::allowlist::allows(&["acme.com", "localhost:*"], "http://localhost:3000"));
/// assert!(!kataven::allowlist::allows::<&str>(&[], "https://acme.com"));
/// ```
pub fn allows<S: AsRef<str>>(allowlist: &[S], origin: &str) -> bool {
    explain(allowlist, origin).is_allowed()
}

/// Splits `host[:port]`, where host may be a bracketed IPv6 literal.
fn split_host_port(rest: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(after_bracket) = rest.strip_prefix('[') {
        let Some(end) = after_bracket.find(']') else {
            return Err("its IPv6 address has no closing `]`".to_string());
        };
        // `[` and `]` are one byte each: the host runs up to and with `]`.
        let Some((host, tail)) = rest.split_at_checked(end.saturating_add(2)) else {
            return Err("its IPv6 address has no closing `]`".to_string());
        };
        return match tail {
            "" => Ok((host, None)),
            _ => match tail.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err("unexpected text after the IPv6 address".to_string()),
            },
        };
    }
    match rest.split_once(':') {
        Some((_, port)) if port.contains(':') => {
            Err("it has more than one `:`; bracket an IPv6 address as [::1]".to_string())
        }
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((rest, None)),
    }
}

/// A page origin: `scheme://host[:port]`.
struct Origin {
    scheme: Scheme,
    host: Host,
    port: u16,
}

impl Origin {
    fn parse(origin: &str) -> Result<Self, String> {
        let Some((scheme, rest)) = origin.split_once("://") else {
            return Err("it is not scheme://host[:port], as in https://acme.com".to_string());
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            _ => return Err("only http and https pages can load the widget".to_string()),
        };
        // Tolerate a trailing slash, which some clients send.
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err("an origin has no path, query or fragment".to_string());
        }
        if rest.contains(['@', '*']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("its host holds characters an origin cannot".to_string());
        }
        let (host, port) = split_host_port(rest)?;
        let host = Host::parse(host)?;
        let port = match port {
            None => scheme.default_port(),
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&n| n > 0 && !p.starts_with('+'))
                .ok_or_else(|| "its port must be a number from 1 to 65535".to_string())?,
        };
        Ok(Self { scheme, host, port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_knows_whether_it_is_written_normalised() {
        for (text, normal) in [
            ("acme.com", true),
            ("*.acme.com", true),
            ("https://acme.com", true),
            ("localhost:*", true),
            ("ACME.com", false),
            ("https://acme.com:443", false),
            ("HTTPS://acme.com", false),
        ] {
            let entry = ok(text);
            assert_eq!(entry.is_written_as(text), normal, "{text}");
            assert!(entry.is_written_as(&entry.to_string()), "{text}");
        }
        assert!(!ok("acme.com").is_written_as("acme.co"));
        assert!(!ok("acme.com").is_written_as("acme.com.au"));
    }

    /// Entries built from labels near every rule's edge (empty, 63 and 64
    /// bytes, leading and trailing `-`, numbers, public suffixes of both
    /// sections, uppercase), with or without `*.`, a port or a scheme.
    fn entry_near_the_rules() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let label = prop_oneof![
            Just("acme".to_string()),
            Just("com".to_string()),
            Just("co".to_string()),
            Just("uk".to_string()),
            Just("ck".to_string()),
            Just("github".to_string()),
            Just("io".to_string()),
            Just("xn--p1ai".to_string()),
            Just("localhost".to_string()),
            Just(String::new()),
            Just("-a".to_string()),
            Just("a-".to_string()),
            Just("123".to_string()),
            Just("0x1f".to_string()),
            Just("a".repeat(63)),
            Just("a".repeat(64)),
            "[a-zA-Z0-9*_-]{1,4}",
        ];
        (
            prop_oneof![Just(""), Just("*."), Just("https://"), Just("*")],
            proptest::collection::vec(label, 1..5),
            prop_oneof![Just(""), Just(":8080"), Just(":*"), Just("/")],
        )
            .prop_map(|(head, labels, tail)| format!("{head}{}{tail}", labels.join(".")))
    }

    proptest::proptest! {
        /// The quick check never accepts what `parse` refuses or does not
        /// keep as written, and it accepts every plain lowercase name and
        /// wildcard that `parse` keeps as written (so it is not vacuous).
        #[test]
        fn the_quick_check_agrees_with_parse(
            entry in proptest::prop_oneof![
                entry_near_the_rules(),
                "[a-zA-Z0-9.*:/\\[\\]@ -]{0,24}",
                "[a-z0-9.-]{1,300}",
            ]
        ) {
            let parsed = AllowlistEntry::parse(&entry);
            let kept = parsed.as_ref().is_ok_and(|parsed| parsed.is_written_as(&entry));
            if AllowlistEntry::is_plain_and_normalised(&entry) {
                proptest::prop_assert!(kept, "quick check accepted {entry:?}: {parsed:?}");
            }
            let plain_name = parsed.as_ref().is_ok_and(|parsed| {
                parsed.scheme.is_none()
                    && parsed.port == PortPattern::Default
                    && matches!(&parsed.host, HostPattern::Exact(Host::Name(_)) | HostPattern::Subdomains(_))
            });
            if kept && plain_name {
                proptest::prop_assert!(
                    AllowlistEntry::is_plain_and_normalised(&entry),
                    "quick check missed {entry:?}"
                );
            }
        }
    }

    #[test]
    fn normalised_keeps_normal_text_and_rewrites_the_rest() {
        for (entry, normal) in [
            ("acme.com", "acme.com"),
            ("*.acme.com", "*.acme.com"),
            ("ACME.com", "acme.com"),
            ("HTTPS://acme.com:443", "https://acme.com"),
            ("[0:0::1]:3000", "[::1]:3000"),
        ] {
            assert_eq!(
                AllowlistEntry::normalised(entry.to_string()).as_deref(),
                Ok(normal),
                "{entry}"
            );
        }
        for bad in ["*.co.uk", "acme..com", "acme.com/pricing", ""] {
            let err = AllowlistEntry::normalised(bad.to_string()).unwrap_err();
            assert_eq!(err.entry(), bad);
        }
    }

    #[test]
    fn the_quick_check_on_the_documented_cases() {
        for (entry, quick) in [
            ("acme.com", true),
            ("*.acme.com", true),
            ("*.acme.co.uk", true),
            ("*.github.io", true), // private section: accepted (lint warns)
            ("localhost", true),
            ("*.com", false),
            ("*.co.uk", false),
            ("ACME.com", false),
            ("127.0.0.1", false),
            ("acme.com:8080", false),
            ("https://acme.com", false),
            ("acme..com", false),
            ("-acme.com", false),
            ("", false),
        ] {
            assert_eq!(
                AllowlistEntry::is_plain_and_normalised(entry),
                quick,
                "{entry}"
            );
        }
    }

    fn ok(entry: &str) -> AllowlistEntry {
        match AllowlistEntry::parse(entry) {
            Ok(e) => e,
            Err(e) => panic!("{entry}: {e}"),
        }
    }

    #[test]
    fn accepts_the_documented_forms_and_normalises_them() {
        for (input, normalised) in [
            ("acme.com", "acme.com"),
            ("*.acme.com", "*.acme.com"),
            ("localhost:*", "localhost:*"),
            ("https://acme.com", "https://acme.com"),
            ("HTTP://LocalHost:3000", "http://localhost:3000"),
            ("Acme.COM:8080", "acme.com:8080"),
            ("*.acme.com:*", "*.acme.com:*"),
            ("127.0.0.1:*", "127.0.0.1:*"),
            ("[::1]:3000", "[::1]:3000"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ] {
            let entry = ok(input);
            assert_eq!(entry.to_string(), normalised, "{input}");
            assert_eq!(ok(&entry.to_string()), entry, "round trip of {input}");
        }
    }

    #[test]
    fn refuses_each_malformed_case_naming_the_problem() {
        for (input, needle) in [
            ("", "empty"),
            ("acme.com/pricing", "path"),
            ("https://acme.com/", "path"),
            ("acme.com?x=1", "query"),
            ("acme.com#top", "fragment"),
            ("user@acme.com", "user info"),
            ("https://user:pw@acme.com", "user info"),
            ("acme .com", "spaces"),
            (" acme.com", "spaces"),
            ("a.*.acme.com", "`*`"),
            ("*acme.com", "`*`"),
            ("acme.*", "`*`"),
            ("*", "`*`"),
            ("*.*.acme.com", "`*`"),
            ("acme..com", "empty label"),
            (".acme.com", "empty label"),
            ("acme.com.", "empty label"),
            ("*.", "no host"),
            ("ftp://acme.com", "http and https"),
            ("acme.com:0", "port"),
            ("acme.com:99999", "port"),
            ("acme.com:", "port"),
            ("https://*.acme.com", "exact origin"),
            ("https://acme.com:*", "exact port"),
            ("bücher.example", "punycode"),
            ("-acme.com", "`-`"),
            ("[::1", "closing"),
            ("a:b:c", "more than one"),
        ] {
            let err = AllowlistEntry::parse(input).expect_err(input);
            assert!(err.to_string().contains(needle), "{input:?}: {err}");
            assert_eq!(err.entry(), input);
        }
    }

    #[test]
    fn refuses_wildcards_over_public_suffixes_and_ip_addresses() {
        for (input, needle) in [
            ("*.com", "public suffix"),
            ("*.co.uk", "public suffix"),
            ("*.COM:*", "public suffix"),
            ("*.uk", "public suffix"),
            ("*.127.0.0.1", "IP address"),
            ("*.[::1]", "IP address"),
        ] {
            let err = AllowlistEntry::parse(input).expect_err(input);
            assert!(err.to_string().contains(needle), "{input:?}: {err}");
        }
        for input in ["*.acme.co.uk", "*.acme.com", "*.vercel.app", "*.localhost"] {
            assert_eq!(ok(input).to_string(), input);
        }
    }

    #[test]
    fn ip_literals_must_be_valid_and_are_normalised() {
        for (input, needle) in [
            ("999.1.1.1", "IPv4"),
            ("1.2.3", "IPv4"),
            ("10.0.0.01", "IPv4"),
            ("acme.123:*", "IPv4"),
            ("https://256.0.0.1", "IPv4"),
            ("[:::]", "IPv6"),
            ("[:::]:3000", "IPv6"),
            ("[12345::]", "IPv6"),
            ("[::1%lo]", "IPv6"),
            ("[]", "IPv6"),
        ] {
            let err = AllowlistEntry::parse(input).expect_err(input);
            assert!(err.to_string().contains(needle), "{input:?}: {err}");
        }
        for (input, normalised) in [
            ("[0:0:0:0:0:0:0:1]:3000", "[::1]:3000"),
            ("https://[2001:DB8:0::1]", "https://[2001:db8::1]"),
            ("192.168.0.10:*", "192.168.0.10:*"),
            ("https://acme.com:443", "https://acme.com"),
            ("http://acme.com:80", "http://acme.com"),
            ("acme.com:443", "acme.com:443"),
        ] {
            assert_eq!(ok(input).to_string(), normalised, "{input}");
        }
        assert!(ok("[::1]:*").matches("http://[0::1]:5173"));
        assert!(!ok("acme.com").matches("https://999.1.1.1"));
    }

    #[test]
    fn bare_host_matches_any_scheme_on_default_ports_only() {
        let e = ok("acme.com");
        assert!(e.matches("https://acme.com"));
        assert!(e.matches("http://acme.com"));
        assert!(e.matches("https://ACME.com:443"));
        assert!(e.matches("http://acme.com:80"));
        assert!(!e.matches("http://acme.com:443"));
        assert!(!e.matches("https://acme.com:8443"));
        assert!(!e.matches("https://www.acme.com"));
        assert!(!e.matches("https://evilacme.com"));
        assert!(!e.matches("https://acme.com.evil.io"));
    }

    #[test]
    fn wildcard_matches_proper_subdomains_only() {
        let e = ok("*.acme.com");
        assert!(e.matches("https://shop.acme.com"));
        assert!(e.matches("https://a.b.acme.com"));
        assert!(!e.matches("https://acme.com"));
        assert!(!e.matches("https://evilacme.com"));
        assert!(!e.matches("https://shop.acme.com:8443"));
        assert!(ok("*.acme.com:*").matches("https://shop.acme.com:8443"));
    }

    #[test]
    fn ports_and_origins() {
        assert!(ok("localhost:*").matches("http://localhost:5173"));
        assert!(ok("localhost:*").matches("https://localhost"));
        assert!(!ok("localhost:*").matches("http://localhost.evil.io:5173"));
        assert!(ok("localhost:3000").matches("http://localhost:3000"));
        assert!(!ok("localhost:3000").matches("http://localhost:3001"));
        let origin = ok("https://acme.com");
        assert!(origin.matches("https://acme.com"));
        assert!(origin.matches("https://acme.com:443"));
        assert!(!origin.matches("http://acme.com"));
        assert!(!origin.matches("https://www.acme.com"));
        assert!(ok("http://localhost:3000").matches("http://localhost:3000/"));
    }

    #[test]
    fn unparsable_origins_match_nothing() {
        let e = ok("acme.com");
        for origin in [
            "acme.com",
            "",
            "null",
            "file:///x",
            "https://acme.com/path",
            "https://u@acme.com",
        ] {
            assert!(!e.matches(origin), "{origin}");
        }
    }

    #[test]
    fn allows_checks_any_entry_and_empty_blocks() {
        assert!(allows(&["nope..com", "acme.com"], "https://acme.com"));
        assert!(!allows::<String>(&[], "https://acme.com"));
        assert!(!allows(&["acme..com"], "https://acme.com"));
    }
}
