//! The integration tests, in one binary, one module per area: every test
//! binary links the SDK and its whole dependency graph again, so one binary
//! instead of one per file leaves `cargo test` less to build after an edit.
//!
//! Four test targets stay apart, each because a shared process would break
//! it:
//!
//! - `tests/from_env.rs` changes the process environment, which no other
//!   test may read half-changed.
//! - `tests/secrets.rs` captures every tracing event under a subscriber of
//!   its own, so no other test may register the SDK's tracing call sites
//!   before that subscriber exists.
//! - `tests/codegen_snapshot.rs` is run by name by `cargo xtask`
//!   (`xtask/src/cargo.rs`).
//! - `tests/load.rs` is an ignored load test that CI runs by name with
//!   `--ignored`; it counts the process's open file descriptors, which other
//!   tests' sockets would disturb, and `--ignored` here would also start the
//!   Prism scenarios of `contract.rs`.

#[path = "../support/mod.rs"]
mod support;

mod allowlist_entries;
mod api_keys;
mod body_limits;
mod contract;
mod create_outcome;
mod credential_checks;
mod custom_http_client;
mod deadlines;
mod error_redaction;
mod error_reporting;
mod fault_fuzz;
mod faults;
mod fixtures;
mod headers_and_redirects;
mod input_validation;
mod loopback_server;
mod mock_hub;
mod mock_hub_name_rules;
mod model_serde;
mod patch_body;
mod plain_http_and_proxies;
mod response_decoding;
mod retries;
mod rotation;
mod widget_keys;
