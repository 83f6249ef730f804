//! `Client::from_env`, in its own test binary: it changes the process
//! environment, which no other test may see half-changed.

#[test]
fn from_env_reads_the_three_variables_and_says_what_is_missing() {
    // SAFETY: this binary has this one test, so no other thread reads the environment.
    unsafe {
        std::env::remove_var("KATAVEN_API_KEY");
        std::env::remove_var("KATAVEN_BASE_URL");
        std::env::remove_var("KATAVEN_ACCOUNT_ID");
    }
    let err = kataven::Client::from_env().unwrap_err();
    assert!(err.to_string().contains("KATAVEN_API_KEY"), "{err}");

    unsafe {
        std::env::set_var("KATAVEN_API_KEY", "sk_live_acme_envsecret");
    }
    let client = kataven::Client::from_env().unwrap();
    assert_eq!(client.base_url(), "https://api.kataven.ai");
    assert_eq!(client.account_id(), None);
    assert!(!format!("{client:?}").contains("envsecret"));

    unsafe {
        std::env::set_var("KATAVEN_BASE_URL", "http://127.0.0.1:4010/");
        std::env::set_var("KATAVEN_ACCOUNT_ID", "acme");
    }
    let client = kataven::Client::from_env().unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:4010");
    assert_eq!(client.account_id(), Some("acme"));

    unsafe {
        std::env::set_var("KATAVEN_BASE_URL", "https://api.kataven.ai/v1");
    }
    let err = kataven::Client::from_env().unwrap_err();
    assert!(err.to_string().contains("base_url"), "{err}");
}
