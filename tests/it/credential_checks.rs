//! Credentials are visible ASCII, or refused before anything is sent.

use kataven::Error;

/// Credentials are visible ASCII, or refused before anything is sent.
#[test]
fn credentials_must_be_visible_ascii() {
    for bad in [
        "sk_live_acme_\u{202e}0123",
        "sk_live_acmé_0123",
        "sk_live_acme_0123\u{200b}",
        "sk_live_acme_\u{7f}0123",
    ] {
        let err = kataven::Client::builder().api_key(bad).build().unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "api_key",
                    ..
                }
            ),
            "{bad:?}: {err}"
        );
        assert!(err.to_string().contains("visible ASCII"), "{err}");
        assert!(!err.to_string().contains(bad), "{err}");
    }
    let err = kataven::Client::builder()
        .bearer_token("eyJ\u{202e}.e30.c2ln")
        .account_id("acme")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: "bearer_token",
                ..
            }
        ),
        "{err}"
    );
}
