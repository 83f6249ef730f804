//! Secrets never reach tracing, `Debug`, `Display` or errors. Every tracing
//! event and span field of these scenarios, at every level, is captured and
//! searched for the API key and the JWT. In its own test binary, so that no
//! other test registers the tracing call sites before the subscriber exists.

// This binary uses only `client_for` and `quick_backoff` of the shared helpers.
#[allow(dead_code)]
mod support;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kataven::mock::{Fault, MockHub};
use support::hub::{client_for, quick_backoff};

/// A tracing subscriber that writes every span and event, with all fields,
/// into one string.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Fields<'a>(&'a mut String);
impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut out = self.0.lock().unwrap();
        let _ = write!(out, "\nspan {}", span.metadata().name());
        span.record(&mut Fields(&mut out));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut out = self.0.lock().unwrap();
        let _ = write!(out, "\nevent {}", event.metadata().level());
        event.record(&mut Fields(&mut out));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

async fn scenarios(hub: &MockHub) -> Vec<String> {
    let mut shown = Vec::new();
    let client = client_for(hub).build().unwrap();
    let keys = client.widget_keys();
    let created = keys
        .create("k")
        .domain_allowlist(["acme.com"])
        .await
        .unwrap();
    hub.inject(Fault::status(503), 1);
    keys.list().await.unwrap();
    hub.inject(Fault::rate_limited(Duration::ZERO), 1);
    keys.update(&created.widget_key.id).name("n").await.unwrap();
    hub.inject(Fault::status(500), 1);
    shown.push(keys.create("x").await.unwrap_err().to_string());
    let wrong = kataven::Client::builder()
        .api_key(format!("{}x", hub.api_key()))
        .base_url(hub.base_url())
        .build()
        .unwrap();
    let err = wrong.widget_keys().list().await.unwrap_err();
    shown.push(format!("{err} {err:?} {wrong:?} {client:?}"));
    let jwt = kataven::Client::builder()
        .bearer_token(hub.jwt())
        .account_id("acme")
        .base_url(hub.base_url())
        .build()
        .unwrap();
    jwt.widget_keys()
        .revoke(&created.widget_key.id)
        .await
        .unwrap();
    shown.push(format!("{jwt:?}"));
    let refused = quick_backoff(
        kataven::Client::builder()
            .api_key(hub.api_key())
            .base_url("http://127.0.0.1:9"),
    )
    .build()
    .unwrap();
    let err = refused.widget_keys().list().await.unwrap_err();
    shown.push(format!("{err} {err:?}"));
    shown
}

#[test]
fn no_secret_reaches_tracing_debug_display_or_errors() {
    let capture = Capture::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (hub_key, jwt, shown) = tracing::subscriber::with_default(capture.clone(), || {
        runtime.block_on(async {
            let hub = MockHub::start().await;
            let shown = scenarios(&hub).await;
            (hub.api_key().to_string(), hub.jwt().to_string(), shown)
        })
    });
    let log = capture.0.lock().unwrap().clone();
    assert!(
        log.contains("kataven.request"),
        "tracing captured nothing:\n{log}"
    );
    assert!(
        log.contains("retrying"),
        "the retries were not traced:\n{log}"
    );
    assert!(log.contains("operation=\"create_widget_key\""), "{log}");
    // The mock Hub sends a request id; the call's span records it.
    assert!(
        log.contains("request_id=\"req_"),
        "no request id in the span:\n{log}"
    );
    let secret_of_key = hub_key.rsplit('_').next().unwrap();
    for text in shown.iter().chain([&log]) {
        assert!(!text.contains(secret_of_key), "the API key leaked:\n{text}");
        assert!(!text.contains(&jwt), "the JWT leaked:\n{text}");
    }
}
