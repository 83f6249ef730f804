//! The integration tests, in one binary: each test binary links the SDK and
//! its whole dependency graph, and that link, once per file, was most of
//! what `cargo test` waited for after an edit. One module per area.
//!
//! Four test targets stay apart, each because a shared process would break
//! it:
//!
//! - `tests/from_env.rs` changes the process environment, which no other
//!   test may read half-changed.
//! - `tests/secrets.rs` installs a tracing subscriber and must see every
//!   tracing call site register under it; tracing caches a call site's
//!   interest for the whole process, so another test's earlier call would
//!   hide it.
//! - `tests/codegen_snapshot.rs` is run by name by `cargo xtask`
//!   (`xtask/src/cargo.rs`).
//! - `tests/load.rs` is an ignored load test that CI runs by name with
//!   `--ignored`; it counts the process's open file descriptors, which other
//!   tests' sockets would disturb, and `--ignored` here would also start the
//!   Prism scenarios of `contract.rs`.

#[path = "../support/mod.rs"]
mod support;

mod contract;
mod contract_regressions;
mod faults;
mod input_validation;
mod loopback_server;
mod properties;
mod retries;
mod update_body_schema;
mod widget_keys;
