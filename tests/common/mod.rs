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
        .backoff_scale(0.01)
}

pub fn json_bodies(hub: &MockHub, method: &str) -> Vec<serde_json::Value> {
    hub.requests()
        .into_iter()
        .filter(|r| r.method == method)
        .filter_map(|r| r.body)
        .collect()
}
