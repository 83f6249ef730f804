//! Generates the low-level Hub bindings (`kataven::raw`) from `openapi.json`.
//!
//! This file is the one source of truth for the generation settings: the
//! codegen snapshot test reads the file written here, and `cargo xtask` proves
//! a candidate spec by building the crate with `KATAVEN_OPENAPI` pointing at
//! it. Every failure names the spec and the problem and exits non-zero; a
//! progenitor panic is caught and reported the same way.

use std::path::{Path, PathBuf};
use std::{env, fs, panic, process};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};

/// Overrides the spec path (used by `cargo xtask update-spec` to compile a
/// candidate before it replaces `openapi.json`).
const SPEC_ENV: &str = "KATAVEN_OPENAPI";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=openapi.json");
    println!("cargo::rerun-if-env-changed={SPEC_ENV}");

    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let spec_path = match env::var_os(SPEC_ENV) {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo::rerun-if-changed={}", path.display());
            path
        }
        None => manifest_dir.join("openapi.json"),
    };
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());

    match generate(&spec_path) {
        Ok(code) => {
            if let Err(err) = fs::write(out_dir.join("codegen.rs"), code) {
                fail(
                    &spec_path,
                    &format!("cannot write the generated code: {err}"),
                );
            }
        }
        Err(problem) => fail(&spec_path, &problem),
    }
}

/// The progenitor settings. Changing any of them changes the snapshot in
/// `tests/snapshots/`, which is how a reviewer sees the effect.
fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        // The facade hides the generated API, so the smallest style will do.
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        // The facade must implement `ClientHooks` (tracing, retries); with
        // `Expected`, deleting that impl is a compile error, not a silent no-op.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote_path("crate::transport::Transport"))
        // progenitor cannot send `"agent_id": null` or `"domain_allowlist": []`
        // (an optional nullable field is one `Option`, an empty optional array
        // is skipped), so the PATCH body is handwritten; see src/raw/update.rs.
        .with_replacement(
            "HandlersUpdateWidgetKeyRequest",
            "crate::raw::UpdateWidgetKeyBody",
            [TypeImpl::Default].into_iter(),
        )
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    settings
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().unwrap_or_default()
}

fn generate(spec_path: &Path) -> Result<String, String> {
    let text = fs::read_to_string(spec_path).map_err(|err| format!("cannot read it: {err}"))?;
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text)
        .map_err(|err| format!("it is not an OpenAPI 3.0 JSON document: {err}"))?;
    if !spec.openapi.starts_with("3.0.") {
        return Err(format!(
            "OpenAPI {} is not supported by progenitor (3.0.x only); \
             bring the spec in with `cargo xtask update-spec`, which down-converts 3.1",
            spec.openapi
        ));
    }

    // progenitor panics (rather than returning an error) on some specs, e.g.
    // an operation whose 2xx responses mix body kinds. Catch it and report it
    // like any other rejection, without the default panic message.
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let generated = panic::catch_unwind(|| Generator::new(&settings()).generate_tokens(&spec));
    panic::set_hook(default_hook);

    let tokens = match generated {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(err)) => return Err(format!("progenitor rejected it: {err}")),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            return Err(format!(
                "progenitor panicked: {message} (an operation whose success or error \
                 responses mix body kinds does this; `cargo xtask update-spec` normalises them)"
            ));
        }
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|err| format!("generated code does not parse: {err}"))?;
    Ok(prettyplease::unparse(&file))
}

fn fail(spec_path: &Path, problem: &str) -> ! {
    eprintln!("error: kataven codegen: {}: {problem}", spec_path.display());
    process::exit(1);
}
