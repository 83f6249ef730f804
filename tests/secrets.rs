//! Secrets never reach tracing, `Debug`, `Display` or errors. Every tracing
//! event and span field of these scenarios, at every level, is captured and
//! searched for the API key, the JWT and every `sk_live_` secret the Hub
//! minted (created, rotated, recovered from a broken answer, used as a
//! credential). In its own test binary, so that no
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
    shown.extend(api_key_scenarios(hub).await);
    shown
}

/// Everything the crate shows while API keys are minted, used, rotated and
/// recovered.
async fn api_key_scenarios(hub: &MockHub) -> Vec<String> {
    let mut shown = Vec::new();
    let session = hub.session_client().unwrap();
    let keys = session.api_keys();
    let created = keys.create("ci").expires_in_days(30).await.unwrap();
    shown.push(format!(
        "{created:?} {} {:?}",
        created.secret_key, created.secret_key
    ));
    // The secret as a credential: its client, its calls, its errors.
    let ci = hub
        .client_builder()
        .api_key(created.secret_key.expose_secret())
        .build()
        .unwrap();
    shown.push(format!("{ci:?}"));
    ci.widget_keys().list().await.unwrap();
    let err = ci.api_keys().create("sneaky").await.unwrap_err();
    shown.push(format!("{err} {err:?}"));
    let rotated = keys.rotate(&created.api_key.id).await.unwrap();
    shown.push(format!("{rotated:?}"));
    // Broken create answers: the secret recovered, cut, or lost.
    for cut in [20, 40, 70, 150, 250] {
        hub.inject_on("POST", "/api/v1/api-keys", Fault::truncated(cut), 1);
        if let Err(err) = keys.create("broken").await {
            shown.push(format!("{err} {err:?} {:?}", err.secret_key()));
        }
    }
    hub.inject_on("POST", "/api/v1/api-keys", Fault::stalled(200), 1);
    let slow = hub
        .session_client_builder()
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = slow.api_keys().create("stalled").await.unwrap_err();
    shown.push(format!("{err} {err:?}"));
    // A rotation whose create answer broke after the secret.
    hub.inject_on("POST", "/api/v1/api-keys", Fault::truncated(250), 1);
    match keys.rotate(&rotated.replacement.api_key.id).await {
        Ok(again) => shown.push(format!("{again:?}")),
        Err(err) => shown.push(format!("{err} {err:?}")),
    }
    ci.api_keys().list().await.unwrap();
    keys.revoke(&rotated.previous.id).await.unwrap();
    let err = ci.widget_keys().list().await.unwrap_err();
    shown.push(format!("{err} {err:?}"));
    // What the mock holds and recorded.
    shown.push(format!(
        "{hub:?} {:?} {:?} {:?}",
        hub.requests(),
        hub.api_keys(),
        hub.api_keys().list()
    ));
    shown
}

#[test]
fn no_secret_reaches_tracing_debug_display_or_errors() {
    let capture = Capture::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (hub_key, jwt, minted, shown) = tracing::subscriber::with_default(capture.clone(), || {
        runtime.block_on(async {
            let hub = MockHub::start().await;
            let shown = scenarios(&hub).await;
            let minted: Vec<String> = hub
                .api_keys()
                .issued()
                .iter()
                .map(|secret| secret.expose_secret().to_string())
                .collect();
            (
                hub.api_key().to_string(),
                hub.jwt().to_string(),
                minted,
                shown,
            )
        })
    });
    assert!(
        minted.len() >= 7,
        "the scenarios minted too few keys: {}",
        minted.len()
    );
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
        for secret in &minted {
            // Its random part: the account prefix and last 8 are public.
            let random = secret.rsplit('_').next().unwrap();
            let hidden = &random[..random.len() - 8];
            assert!(!text.contains(hidden), "a minted API key leaked:\n{text}");
        }
    }
    assert!(
        shown.iter().any(|text| text.contains("Error::shown_once")),
        "no secret was recovered: {shown:#?}"
    );
}
