//! Hosts: domain names and IP literals, validated and normalised, and the
//! Public Suffix List lookups that the wildcard rules need.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

// `psl` over `publicsuffix`: it ships the list and is republished as the list changes, where `publicsuffix` (faster to build) needs a copy of the list we would have to keep current.
use psl::Psl as _;

/// A host as an origin or an exact entry names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Host {
    /// A lowercase domain name (`acme.com`, `localhost`).
    Name(String),
    /// A dotted-quad IPv4 address.
    V4(Ipv4Addr),
    /// A bracketed IPv6 address.
    V6(Ipv6Addr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::V4(addr) => write!(f, "{addr}"),
            Host::V6(addr) => write!(f, "[{addr}]"),
        }
    }
}

impl Host {
    /// Parses a host (without `*.`): a domain name, a dotted-quad IPv4
    /// address, or a bracketed IPv6 address; the error says what is wrong.
    pub(super) fn parse(host: &str) -> Result<Host, String> {
        if host.is_empty() {
            return Err("it has no host".to_string());
        }
        if let Some(inner) = host.strip_prefix('[') {
            let inner = inner.strip_suffix(']').unwrap_or(inner);
            return inner
                .parse::<Ipv6Addr>()
                .map(Host::V6)
                .map_err(|_| format!("`[{}]` is not a valid IPv6 address", inner.escape_debug()));
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
        // Browsers read a host whose last label is a number as an IPv4
        // address (the URL Standard's "ends in a number" rule) and send it
        // as a dotted quad, so anything else of that shape can never match.
        if ends_in_a_number(host) {
            return host.parse::<Ipv4Addr>().map(Host::V4).map_err(|_| {
                format!(
                    "`{}` looks like an IPv4 address but is not one: write four numbers from 0 to 255 without leading zeros, as in 127.0.0.1",
                    host.escape_debug()
                )
            });
        }
        Ok(Host::Name(host.to_ascii_lowercase()))
    }

    /// Whether this host is on the visitor's own machine: `localhost` (and
    /// its subdomains, which browsers resolve to loopback), `127.0.0.0/8`,
    /// `[::1]`.
    pub(super) fn is_loopback(&self) -> bool {
        match self {
            Host::Name(name) => is_localhost(name),
            Host::V4(addr) => addr.is_loopback(),
            Host::V6(addr) => {
                addr.is_loopback() || addr.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        }
    }

    /// Whether this is a proper subdomain of `parent` (a domain name).
    pub(super) fn is_subdomain_of(&self, parent: &str) -> bool {
        match self {
            Host::Name(name) => is_proper_subdomain(name, parent),
            Host::V4(_) | Host::V6(_) => false,
        }
    }
}

/// Whether `name` is a domain name that [`Host::parse`] accepts as it is
/// written: lowercase ASCII letters, digits, `-` and `.`, in labels of 1 to
/// 63 bytes that do not start or end with `-`, 253 bytes at most, and not
/// read as an IPv4 address. One pass over the bytes, no allocation; `false`
/// also for names that parse but not to themselves (uppercase), which the
/// caller then parses in full.
pub(super) fn is_plain_lowercase_name(name: &str) -> bool {
    // One loop over the bytes rather than `split('.')` and a pass per label,
    // each byte classified by one table load rather than a chain of range
    // tests: this runs for every entry of every create and update.
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 253 {
        return false;
    }
    // The name is at most 253 bytes here, so the counts cannot overflow.
    let mut label_start: usize = 0;
    let mut previous = DOT;
    for (at, &b) in bytes.iter().enumerate() {
        let class = NAME_BYTE[usize::from(b)];
        match class {
            LABEL => {}
            HYPHEN if previous != DOT => {}
            // An empty label, or one ending in `-` or over 63 bytes.
            DOT if previous == LABEL && at.saturating_sub(label_start) <= 63 => {
                label_start = at.saturating_add(1);
            }
            _ => return false,
        }
        previous = class;
    }
    // The last label is the name's bytes from `label_start`.
    let last_label = name.get(label_start..).unwrap_or(name);
    previous == LABEL && last_label.len() <= 63 && !is_a_number(last_label)
}

/// What a byte is in a plain lowercase name ([`NAME_BYTE`]).
const OTHER: u8 = 0;
const LABEL: u8 = 1;
const HYPHEN: u8 = 2;
const DOT: u8 = 3;

/// [`is_plain_lowercase_name`]'s byte classes: `a`-`z` and `0`-`9` are
/// [`LABEL`], `-` is [`HYPHEN`], `.` is [`DOT`], anything else [`OTHER`].
static NAME_BYTE: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'0'..=b'9' => LABEL,
            b'-' => HYPHEN,
            b'.' => DOT,
            _ => OTHER,
        };
        b += 1;
    }
    table
};

/// Whether `name` is `localhost` or one of its subdomains.
pub(super) fn is_localhost(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether `name` is `label(s).parent`, with at least one label.
pub(super) fn is_proper_subdomain(name: &str, parent: &str) -> bool {
    name.strip_suffix(parent)
        .and_then(|head| head.strip_suffix('.'))
        .is_some_and(|label| !label.is_empty())
}

/// The URL Standard's test: the last label is all digits, or `0x` + hex.
fn ends_in_a_number(host: &str) -> bool {
    is_a_number(host.rsplit('.').next().unwrap_or(host))
}

/// Whether a label is all digits, or `0x` + hex: a number, to a browser.
fn is_a_number(last: &str) -> bool {
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|digits| digits.chars().all(|c| c.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.chars().all(|c| c.is_ascii_digit()))
}

/// Which section of the Public Suffix List names a suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SuffixSection {
    /// Registries run under ICANN: `com`, `co.uk`, `*.ck`.
    Icann,
    /// Suffixes that companies open to the public: `github.io`, `vercel.app`.
    Private,
}

/// The section of the Public Suffix List that lists `name` (lowercase) as
/// a public suffix itself, if one does. Names the list does not know (such
/// as `localhost` or `internal`) are not treated as suffixes: only the
/// list's own rules count, not its implicit `*` default rule.
pub(super) fn public_suffix_section(name: &str) -> Option<SuffixSection> {
    let suffix = psl::List.suffix(name.as_bytes())?;
    if suffix.as_bytes() != name.as_bytes() {
        return None;
    }
    match suffix.typ()? {
        psl::Type::Icann => Some(SuffixSection::Icann),
        psl::Type::Private => Some(SuffixSection::Private),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_suffix_list_sections() {
        for (name, section) in [
            ("com", Some(SuffixSection::Icann)),
            ("co.uk", Some(SuffixSection::Icann)),
            ("uk", Some(SuffixSection::Icann)),
            ("anything.ck", Some(SuffixSection::Icann)),
            ("www.ck", None),
            ("github.io", Some(SuffixSection::Private)),
            ("vercel.app", Some(SuffixSection::Private)),
            ("acme.co.uk", None),
            ("acme.com", None),
            ("acme.vercel.app", None),
            ("localhost", None),
            ("internal", None),
            ("xn--3e0b707e", Some(SuffixSection::Icann)),
        ] {
            assert_eq!(public_suffix_section(name), section, "{name}");
        }
    }

    #[test]
    fn ip_literals_are_parsed_and_canonical() {
        for (input, shown) in [
            ("127.0.0.1", "127.0.0.1"),
            ("[::1]", "[::1]"),
            ("[0:0:0:0:0:0:0:1]", "[::1]"),
            ("[2001:DB8::0:1]", "[2001:db8::1]"),
            ("[::FFFF:7F00:1]", "[::ffff:127.0.0.1]"),
        ] {
            assert_eq!(
                Host::parse(input).map(|h| h.to_string()),
                Ok(shown.to_string())
            );
        }
        for bad in [
            "999.1.1.1",
            "1.2.3",
            "01.2.3.4",
            "acme.123",
            "0x7f.0.0.1",
            "[:::]",
            "[fe80::1%eth0]",
            "[]",
            "[acme.com]",
        ] {
            assert!(Host::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "app.localhost",
            "127.0.0.1",
            "127.8.9.10",
            "[::1]",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(Host::parse(host).is_ok_and(|h| h.is_loopback()), "{host}");
        }
        for host in ["acme.com", "localhost.acme.com", "10.0.0.1", "[::2]"] {
            assert!(Host::parse(host).is_ok_and(|h| !h.is_loopback()), "{host}");
        }
    }
}
