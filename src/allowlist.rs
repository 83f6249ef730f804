//! Domain allowlist entries: parse and validate them, and check an origin
//! against them.
//!
//! The Hub checks a page's `Origin` (or `Referer`) against a widget key's
//! allowlist before it serves the widget. Its documentation names the forms
//! `acme.com`, `*.acme.com`, `localhost:*` and full origins such as
//! `https://acme.com`, but not every rule. This module is **the SDK's reading**
//! of those rules (written down in `hub-api.md`), used to refuse malformed
//! entries before a request is sent and to let you test an origin locally:
//!
//! - a bare host (`acme.com`) matches that host on any scheme, on the
//!   scheme's default port (443 for https, 80 for http);
//! - `*.acme.com` matches proper subdomains of `acme.com` only, never
//!   `acme.com` itself;
//! - `host:*` matches the host on any port, and `host:8080` on that port;
//! - an origin entry (`https://acme.com`, `http://localhost:3000`) matches
//!   exactly that origin.
//!
//! Entries with a path, query, fragment, user info, spaces, an inner `*` or
//! an empty label are malformed. Hosts are compared case-insensitively and
//! entries are normalised to lowercase.
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
//! # Ok::<(), kataven::allowlist::AllowlistError>(())
//! ```

use std::fmt;
use std::str::FromStr;

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
    Exact(String),
    /// `*.acme.com`: the part after `*.`.
    Subdomains(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum PortPattern {
    /// No port written: the scheme's default port.
    Default,
    Any,
    Exact(u16),
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
    /// assert!(AllowlistEntry::parse("https://acme.com/").is_err());
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
            HostPattern::Subdomains(validate_host(parent).map_err(|p| err(&p))?)
        } else if host.contains('*') {
            return Err(err("a `*` may only stand first, as in *.acme.com"));
        } else {
            HostPattern::Exact(validate_host(host).map_err(|p| err(&p))?)
        };

        if scheme.is_some() {
            if matches!(host, HostPattern::Subdomains(_)) {
                return Err(err(
                    "an origin entry names one exact origin; use *.acme.com without a scheme for subdomains",
                ));
            }
            if port == PortPattern::Any {
                return Err(err(
                    "an origin entry names one exact port; use host:* without a scheme for any port",
                ));
            }
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
        let Some(origin) = Origin::parse(origin) else {
            return false;
        };
        if self.scheme.is_some_and(|scheme| scheme != origin.scheme) {
            return false;
        }
        let host_ok = match &self.host {
            HostPattern::Exact(host) => origin.host == *host,
            HostPattern::Subdomains(parent) => origin
                .host
                .strip_suffix(parent.as_str())
                .and_then(|head| head.strip_suffix('.'))
                .is_some_and(|label| !label.is_empty()),
        };
        let port_ok = match self.port {
            PortPattern::Any => true,
            PortPattern::Exact(port) => origin.port == port,
            PortPattern::Default => origin.port == origin.scheme.default_port(),
        };
        host_ok && port_ok
    }
}

impl FromStr for AllowlistEntry {
    type Err = AllowlistError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for AllowlistEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = self.scheme {
            write!(f, "{}://", scheme.as_str())?;
        }
        match &self.host {
            HostPattern::Exact(host) => f.write_str(host)?,
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
/// does.
///
/// ```
/// assert!(kataven::allowlist::allows(&["acme.com", "localhost:*"], "http://localhost:3000"));
/// assert!(!kataven::allowlist::allows::<&str>(&[], "https://acme.com"));
/// ```
pub fn allows<S: AsRef<str>>(allowlist: &[S], origin: &str) -> bool {
    allowlist
        .iter()
        .any(|entry| AllowlistEntry::parse(entry.as_ref()).is_ok_and(|entry| entry.matches(origin)))
}

/// Splits `host[:port]`, where host may be a bracketed IPv6 literal.
fn split_host_port(rest: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(after_bracket) = rest.strip_prefix('[') {
        let Some(end) = after_bracket.find(']') else {
            return Err("its IPv6 address has no closing `]`".to_string());
        };
        let host = &rest[..end + 2];
        let tail = &after_bracket[end + 1..];
        return match tail {
            "" => Ok((host, None)),
            _ => match tail.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err("unexpected text after the IPv6 address".to_string()),
            },
        };
    }
    match rest.split_once(':') {
        Some((host, port)) if port.contains(':') => {
            let _ = host;
            Err("it has more than one `:`; bracket an IPv6 address as [::1]".to_string())
        }
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((rest, None)),
    }
}

/// Validates a host (without `*.`), returning it lowercased.
fn validate_host(host: &str) -> Result<String, String> {
    if host.is_empty() {
        return Err("it has no host".to_string());
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        if inner.is_empty()
            || !inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err("its IPv6 address is malformed".to_string());
        }
        return Ok(host.to_ascii_lowercase());
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err(
                "it has an empty label (two dots in a row, or a leading or trailing dot)"
                    .to_string(),
            );
        }
        if label.len() > 63 {
            return Err("a label is longer than 63 characters".to_string());
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(
                "a host may hold only letters, digits, `-` and `.` (write internationalised names in punycode)"
                    .to_string(),
            );
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label may not start or end with `-`".to_string());
        }
    }
    if host.len() > 253 {
        return Err("the host is longer than 253 characters".to_string());
    }
    Ok(host.to_ascii_lowercase())
}

/// A page origin: `scheme://host[:port]`.
struct Origin {
    scheme: Scheme,
    host: String,
    port: u16,
}

impl Origin {
    fn parse(origin: &str) -> Option<Self> {
        let (scheme, rest) = origin.split_once("://")?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            _ => return None,
        };
        // Tolerate a trailing slash, which some clients send.
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@', '*']) {
            return None;
        }
        let (host, port) = split_host_port(rest).ok()?;
        let host = validate_host(host).ok()?;
        let port = match port {
            None => scheme.default_port(),
            Some(p) => p.parse::<u16>().ok().filter(|&p| p > 0)?,
        };
        Some(Self { scheme, host, port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
