//! # kataven
//!
//! The Rust SDK for the [Kataven Hub](https://kataven.ai) API.
//!
//! ```
//! # #[cfg(feature = "mock")] {
//! # async fn run() -> kataven::Result<()> {
//! # let hub = kataven::mock::MockHub::start().await;
//! # unsafe { std::env::set_var("KATAVEN_API_KEY", hub.api_key()); std::env::set_var("KATAVEN_BASE_URL", hub.base_url()); }
//! let client = kataven::Client::from_env()?; // KATAVEN_API_KEY, KATAVEN_BASE_URL, KATAVEN_ACCOUNT_ID
//!
//! let created = client
//!     .widget_keys()
//!     .create("acme.com production")
//!     .domain_allowlist(["acme.com", "*.acme.com"])
//!     .await?;
//! println!("embed: {}", created.public_key); // shown once: store it
//!
//! for key in client.widget_keys().list().await? {
//!     println!("{} {} disabled={}", key.id, key.name, key.is_disabled());
//! }
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! # }
//! ```
//!
//! ## Layout
//!
//! - [`Client`] and [`ClientBuilder`]: credentials, base URL, retries, timeouts.
//! - [`widget_keys`]: the widget-key operations and their types.
//! - [`allowlist`]: parse allowlist entries and check an origin locally.
//! - [`Error`]: the one error type.
//! - [`raw`]: the low-level client generated from the Hub's OpenAPI spec, for
//!   endpoints the facade does not wrap. Its types follow the spec and may
//!   change with any spec refresh; the facade's do not.
//! - `mock` (feature `mock`): an in-memory Hub on a loopback port, for your
//!   own tests.
//!
//! ## Reliability
//!
//! Reads (and revoke, the one idempotent write) are retried on connection
//! failures, timeouts, 408, 429, 502, 503 and 504, with exponential backoff
//! and jitter, honouring `Retry-After`. Create, update and delete are retried
//! only when the request provably never reached the Hub (the connection
//! failed) or on 429: a write that timed out or got a 5xx may have happened,
//! and is never sent twice, and a retried write starts only if its whole
//! attempt fits before the call's total timeout. A create whose answer is
//! lost after a 201 says that the key exists (list to find it), and keeps the
//! plaintext key when the body still held it. The full rules, and the fault
//! matrix the tests hold them to, are in `docs/reliability.md`.
//!
//! ## Testing your code
//!
//! With feature `mock`, [`mock::MockHub`] is a stateful Hub on a loopback
//! port: faults for the next requests or one route, connection resets, keys
//! seeded in any state, request recording. `hub.client()` is a client of it
//! whose retries do not wait.
//!
//! ## Features
//!
//! - `rustls` (default): TLS with rustls and the ring provider, configured
//!   per client (no process-wide provider is installed). It turns on
//!   reqwest's `rustls-no-provider`: if your app also uses reqwest *without*
//!   any TLS feature, its own `reqwest::Client::new()` then needs a rustls
//!   provider installed (apps on reqwest's default TLS or `native-tls` are
//!   not affected). [`Client::http_client_builder`] gives a reqwest builder
//!   with the SDK's TLS setup, to make your own client from.
//! - `native-tls`: the platform's TLS instead (build with
//!   `default-features = false`).
//! - `codegen` (default): the build script runs progenitor over the
//!   vendored OpenAPI spec. Without it, the crate is built from the
//!   generated code as last reviewed (the same code, checked against a fresh
//!   generation in the crate's CI), and the code generator is not compiled:
//!   `default-features = false, features = ["rustls"]` for a lighter build.
//! - `mock`: [`mock::MockHub`].

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Leaves first: the rest of the crate builds on them, never the reverse.
mod account;
pub mod allowlist;
mod error;
mod id;
mod input;
mod shown_once;
mod wire;
// The HTTP layer (settings, retries, bodies, progenitor's hooks), and the
// generated bindings it serves (the one import cycle, forced by progenitor).
mod http;
pub mod raw;
// Runs one generated call and judges it; then the client; then resources.
pub mod api_keys;
mod client;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
mod rotation;
mod runner;
pub mod widget_keys;

pub use api_keys::{ApiKey, ApiKeyId, ApiKeySecret, CreatedApiKey, RotatedApiKey};
pub use chrono;
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, ENV_ACCOUNT_ID, ENV_API_KEY, ENV_BASE_URL,
};
pub use error::{Error, Result};
/// The reqwest the SDK is built on, for [`ClientBuilder::http_client`]: build
/// your client with this one, so that the versions match.
pub use reqwest;
pub use rotation::RotationState;
pub use shown_once::ShownOnce;
pub use widget_keys::{CreatedWidgetKey, PublicKey, RotatedWidgetKey, WidgetKey, WidgetKeyId};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
