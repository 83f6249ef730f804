//! Helpers shared by the test binaries: `tests/it/main.rs` includes this
//! module with `#[path]`, a separate binary with a plain `mod support;`.

pub mod child;
pub mod hub;
pub mod loopback;
