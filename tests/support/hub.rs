//! Clients of the mock Hub, and what the Hub recorded.

use std::time::Duration;

use kataven::mock::MockHub;

/// A mock Hub and a client of it with near-zero backoff, so retry tests are fast.
pub async fn hub_and_client() -> (MockHub, kataven::Client) {
    let hub = MockHub::start().await;
    let client = client_for(&hub).build().expect("client builds");
    (hub, client)
}

/// A builder for a client of `hub`, with near-zero backoff.
pub fn client_for(hub: &MockHub) -> kataven::ClientBuilder {
    quick_backoff(
        kataven::Client::builder()
            .api_key(hub.api_key())
            .base_url(hub.base_url()),
    )
}

/// Near-zero backoff between retries, so that retry tests are fast. The one
/// place the tests shorten it (the load test keeps its own value).
pub fn quick_backoff(builder: kataven::ClientBuilder) -> kataven::ClientBuilder {
    builder.backoff(Duration::from_micros(2500), Duration::from_millis(80))
}

/// The JSON bodies of the requests with this method that reached `hub`.
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
