//! What the loopback-server tests share: an API key and a key id, a create
//! response as the Hub sends it, and a client builder without backoff.

use std::time::Duration;

pub(crate) const KEY: &str = "sk_live_acme_0123456789abcdef";

pub(crate) const ID: &str = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";

/// A create response as the Hub sends it.
pub(crate) fn created(name: &str, public_key: &str) -> String {
    let last8 = &public_key[public_key.len() - 8..];
    format!(
        r#"{{"key_last8":"{last8}","name":"{name}","public_key":"{public_key}","id":"{ID}","domain_allowlist":[],"agent_id":null,"created_at":"2026-11-02T09:15:27Z","updated_at":"2026-11-02T09:15:27Z","disabled_at":null,"last_used_at":null}}"#
    )
}

pub(crate) fn builder(base_url: &str) -> kataven::ClientBuilder {
    kataven::Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .backoff(Duration::ZERO, Duration::ZERO)
}
