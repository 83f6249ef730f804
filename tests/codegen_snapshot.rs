//! The code build.rs generated from `openapi.json`, as a reviewed snapshot.
//!
//! This reads the very file build.rs wrote (no second copy of the generation
//! settings), so the snapshot changes exactly when the generated bindings do:
//! a spec refresh or a progenitor bump shows up here as a diff to review.
//! Accept a reviewed change with `cargo xtask snapshot --accept`.

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/codegen.rs"));

#[test]
fn generated_client_matches_the_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description("progenitor output for openapi.json (see build.rs)");
    settings.bind(|| insta::assert_snapshot!("generated_client", GENERATED));
}
