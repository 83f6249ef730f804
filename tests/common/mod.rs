#![allow(dead_code)]

use kataven::mock::MockHub;

/// A mock Hub and a client of it with near-zero backoff, so retry tests are fast.
pub async fn hub_and_client() -> (MockHub, kataven::Client) {
    let hub = MockHub::start().await;
    let client = client_for(&hub).build().expect("client builds");
    (hub, client)
}

pub fn client_for(hub: &MockHub) -> kataven::ClientBuilder {
    kataven::Client::builder()
        .api_key(hub.api_key())
        .base_url(hub.base_url())
        .backoff(
            std::time::Duration::from_micros(2500),
            std::time::Duration::from_millis(80),
        )
}

pub fn json_bodies(hub: &MockHub, method: &str) -> Vec<serde_json::Value> {
    hub.requests()
        .into_iter()
        .filter(|r| r.method == method)
        .filter_map(|r| r.body)
        .collect()
}

/// A plain HTTP client that carries the Hub's API key, for looking at the
/// wire directly (the SDK's own reqwest client never carries credentials as
/// default headers: it adds them to each request).
pub fn authed_http(hub: &MockHub) -> kataven::reqwest::Client {
    use kataven::reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
    let mut headers = HeaderMap::new();
    let auth = HeaderValue::try_from(format!("Bearer {}", hub.api_key())).expect("a header");
    headers.insert(AUTHORIZATION, auth);
    kataven::Client::http_client_builder()
        .expect("TLS setup")
        .default_headers(headers)
        .no_proxy()
        .build()
        .expect("a client")
}
