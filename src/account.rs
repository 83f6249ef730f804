//! The Hub's rule for account names, written once: the client checks
//! `account_id` with it before anything is sent, and the mock Hub refuses an
//! `X-Account-ID` that breaks it (see `docs/hub-contract.md`).

/// The account the Hub reserves for itself; it refuses it with 403.
pub(crate) const RESERVED: &str = "kataven-admin";

/// The rule in words, for error messages.
pub(crate) const RULE: &str =
    "1 to 63 characters of a-z, 0-9, `_` and `-`, starting with a letter or digit";

/// Whether `account` follows the Hub's rule `^[a-z0-9][a-z0-9_-]{0,62}$`.
pub(crate) fn follows_rule(account: &str) -> bool {
    let lead = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match account.as_bytes() {
        [first, rest @ ..] => {
            rest.len() <= 62
                && lead(first)
                && rest.iter().all(|b| lead(b) || *b == b'_' || *b == b'-')
        }
        [] => false,
    }
}

#[cfg(test)]
mod tests {
    use super::follows_rule;

    #[test]
    fn the_account_rule() {
        for ok in ["acme", "a", "0", "acme_co-2", &"a".repeat(63)] {
            assert!(follows_rule(ok), "{ok}");
        }
        for bad in [
            "",
            "Acme",
            "_acme",
            "-acme",
            "ac me",
            "acmé",
            &"a".repeat(64),
        ] {
            assert!(!follows_rule(bad), "{bad}");
        }
    }
}
