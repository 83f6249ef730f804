//! Allowlist entries, as properties over generated inputs: parsing never
//! panics and round-trips through `Display`, and matching follows the rules
//! for wildcards, bare hosts and IP addresses.

use kataven::allowlist::AllowlistEntry;
use proptest::prelude::*;

/// A syntactically valid domain name: 1 to 4 labels of letters and digits,
/// the last one starting with a letter (a last label that is a number makes
/// the host an IPv4 address, which has its own property below).
fn host() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec("[a-z0-9]{1,12}", 0..4),
        "[a-z][a-z0-9]{0,11}",
    )
        .prop_map(|(mut labels, last)| {
            labels.push(last);
            labels.join(".")
        })
}

/// A domain a `*.` wildcard may cover: not a public suffix such as `com` or
/// `co.uk` (the parser refuses those; its unit tests say which).
fn wildcard_domain() -> impl Strategy<Value = String> {
    host().prop_filter("a public suffix", |domain| {
        AllowlistEntry::parse(&format!("*.{domain}")).is_ok()
    })
}

/// Strings that look like allowlist entries, valid or not.
fn entry_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9.*:/@?# \\[\\]-]{0,30}",
        (
            host(),
            prop_oneof![
                Just(String::new()),
                Just(":*".to_string()),
                (1u16..).prop_map(|p| format!(":{p}"))
            ]
        )
            .prop_map(|(h, p)| format!("{h}{p}")),
        host().prop_map(|h| format!("*.{h}")),
        host().prop_map(|h| format!("https://{h}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_never_panics_and_display_round_trips(input in entry_like()) {
        if let Ok(entry) = AllowlistEntry::parse(&input) {
            let shown = entry.to_string();
            let again = AllowlistEntry::parse(&shown);
            prop_assert_eq!(again.as_ref(), Ok(&entry), "{} -> {}", input, shown);
            prop_assert_eq!(shown.to_ascii_lowercase(), shown.clone());
        }
    }

    #[test]
    fn matching_never_panics(entry in entry_like(), origin in any::<String>()) {
        if let Ok(entry) = AllowlistEntry::parse(&entry) {
            let _ = entry.matches(&origin);
        }
        let _ = kataven::allowlist::allows(&[entry], &origin);
    }

    #[test]
    fn a_wildcard_never_matches_its_own_domain(domain in wildcard_domain(), scheme in "https?", port in proptest::option::of(1u16..)) {
        let entry = AllowlistEntry::parse(&format!("*.{domain}")).unwrap();
        let origin = match port {
            Some(p) => format!("{scheme}://{domain}:{p}"),
            None => format!("{scheme}://{domain}"),
        };
        prop_assert!(!entry.matches(&origin));
        let any_port = AllowlistEntry::parse(&format!("*.{domain}:*")).unwrap();
        prop_assert!(!any_port.matches(&origin));
        let subdomain = format!("{scheme}://www.{domain}");
        prop_assert!(entry.matches(&subdomain));
    }

    #[test]
    fn a_bare_host_matches_itself_on_default_ports_only(domain in host(), port in 1u16..) {
        let entry = AllowlistEntry::parse(&domain).unwrap();
        let (https, http, with_port) =
            (format!("https://{domain}"), format!("http://{domain}"), format!("https://{domain}:{port}"));
        prop_assert!(entry.matches(&https));
        prop_assert!(entry.matches(&http));
        prop_assert_eq!(entry.matches(&with_port), port == 443);
    }

    #[test]
    fn a_host_of_numbers_is_valid_only_as_a_dotted_quad(numbers in proptest::collection::vec(0u16..1000, 1..6)) {
        let host = numbers.iter().map(u16::to_string).collect::<Vec<_>>().join(".");
        let dotted_quad = numbers.len() == 4 && numbers.iter().all(|&n| n <= 255);
        let entry = AllowlistEntry::parse(&host);
        prop_assert_eq!(entry.is_ok(), dotted_quad, "{}", host);
        if let Ok(entry) = entry {
            let origin = format!("http://{host}");
            prop_assert!(entry.matches(&origin));
        }
    }
}
