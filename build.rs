//! Generates the low-level Hub bindings (`kataven::raw`) from `openapi.json`.
//!
//! With the `codegen` feature (a default one), progenitor runs here over the
//! vendored spec. Without it, the crate is built from the generated code as
//! last reviewed, `tests/snapshots/generated_client.snap`, which the codegen
//! snapshot test and `cargo xtask check` hold equal to a fresh generation:
//! the same code, without compiling the code generator (about a fifth of a
//! clean build of an app, BENCHMARKS.md "Build cost").
//!
//! This file is the one source of truth for the generation settings: the
//! codegen snapshot test reads the file written here, and `cargo xtask` proves
//! a candidate spec by building the crate with `KATAVEN_OPENAPI` pointing at
//! it. Every failure names the spec and the problem and exits non-zero; a
//! progenitor panic is caught and reported the same way.
//!
//! After progenitor, rewrites of the generated code, each driven by the
//! spec alone (so a new resource needs no change here):
//!
//! 1. **Sealed constructors.** The generated `Client::new` builds a bare
//!    `reqwest::Client` and unwraps it (a panic under the `rustls` feature,
//!    which installs no process-wide crypto provider), and `new_with_client`
//!    would let anyone pair the SDK's hooks with a client that skips its
//!    settings. `new` is removed and `new_with_client` becomes `pub(crate)`:
//!    a `raw::Client` comes only from `kataven::Client::raw()`.
//! 2. **PATCH bodies that can say "absent", "null" and "empty".** For an
//!    optional field, progenitor (typify) skips `None` and skips an empty
//!    array, so a PATCH body can neither unpin (`"agent_id": null`) nor clear
//!    a list (`"domain_allowlist": []`). In the body type of every PATCH
//!    operation, an optional nullable field becomes `Option<Option<T>>`
//!    (absent / null / value) and an optional array becomes `Option<Vec<T>>`
//!    (absent / the list, empty included).
//! 3. **Request URLs joined, not formatted.** Every generated method builds
//!    its URL with `format!("{}/api/v1/...", self.baseurl, ...)`. Where each
//!    argument is a `String` (the base URL, `encode_path(..)`), the URL is
//!    `[a, "/api/v1/...", b].concat()` instead: the same text, one
//!    allocation of the exact size, without the formatting machinery
//!    (~900 instructions per call, benches/sdk_vs_raw.rs `--count`). An
//!    argument of any other form is left to `format!`.
//! 4. **A shared base URL.** `Client::baseurl` becomes an `Arc<str>`: the
//!    facade makes a copy of the client for each call (it carries that
//!    call's attempts), and a `String` there cost an allocation and a copy
//!    of the URL per call.
//! 5. **Header parameters set on the request.** Each generated method
//!    gathers its header parameters (`api-version`, `X-Account-ID`) in a
//!    `HeaderMap` of its own and merges it into the request with
//!    `RequestBuilder::headers`: two allocations, the names hashed twice,
//!    and the merge's removal pass (~900 instructions per call). They are
//!    inserted into the built request's headers instead, under names made
//!    at compile time: the same headers, in the same order
//!    (`set_headers_in_place`).

use std::path::{Path, PathBuf};
use std::{env, fs, process};

/// Overrides the spec path (used by `cargo xtask update-spec` to compile a
/// candidate before it replaces `openapi.json`).
const SPEC_ENV: &str = "KATAVEN_OPENAPI";

/// The reviewed generated code, built from without the `codegen` feature.
#[cfg(not(feature = "codegen"))]
const SNAPSHOT: &str = "tests/snapshots/generated_client.snap";

#[cfg(feature = "codegen")]
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

    match codegen::generate(&spec_path) {
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

#[cfg(not(feature = "codegen"))]
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={SNAPSHOT}");
    println!("cargo::rerun-if-env-changed={SPEC_ENV}");
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    let snapshot = manifest_dir.join(SNAPSHOT);
    if let Some(spec) = env::var_os(SPEC_ENV) {
        fail(
            Path::new(&spec),
            "a candidate spec is compiled by progenitor: build with the `codegen` feature",
        );
    }
    let text = fs::read_to_string(&snapshot)
        .unwrap_or_else(|err| fail(&snapshot, &format!("cannot read it: {err}")));
    // An insta snapshot: a `---` header block, then the code.
    let code = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, code)| code)
        .unwrap_or_else(|| fail(&snapshot, "it has no insta header; is it a snapshot?"));
    if let Err(err) = fs::write(out_dir.join("codegen.rs"), code) {
        fail(
            &snapshot,
            &format!("cannot write the generated code: {err}"),
        );
    }
}

/// progenitor and the rewrites of its output: what the `codegen` feature runs.
#[cfg(feature = "codegen")]
mod codegen {
    use std::path::Path;
    use std::{fs, panic};

    use progenitor_impl::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
    use serde_json::Value;

    /// The progenitor settings. Changing any of them changes the snapshot in
    /// `tests/snapshots/`, which is how a reviewer sees the effect.
    fn settings() -> GenerationSettings {
        let mut settings = GenerationSettings::new();
        settings
            // The facade hides the generated API, so the smallest style will do.
            .with_interface(InterfaceStyle::Positional)
            .with_tag(TagStyle::Merged)
            // The facade must implement `ClientHooks` (headers, retries, tracing);
            // with `Expected`, deleting that impl is a compile error, not a silent
            // no-op.
            .with_hooks(HooksMode::Expected)
            .with_inner_type(quote_path("crate::http::Transport"))
            .with_derive("PartialEq");
        settings
    }

    fn quote_path(path: &str) -> proc_macro2::TokenStream {
        path.parse().unwrap_or_default()
    }

    pub(super) fn generate(spec_path: &Path) -> Result<String, String> {
        let text = fs::read_to_string(spec_path).map_err(|err| format!("cannot read it: {err}"))?;
        let json: Value =
            serde_json::from_str(&text).map_err(|err| format!("it is not JSON: {err}"))?;
        let spec: openapiv3::OpenAPI = serde_json::from_value(json.clone())
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
        let mut file: syn::File =
            syn::parse2(tokens).map_err(|err| format!("generated code does not parse: {err}"))?;
        seal_constructors(&mut file)?;
        share_base_url(&mut file)?;
        join_urls(&mut file);
        set_headers_in_place(&mut file);
        for body in patch_bodies(&json)? {
            merge_patch_fields(&mut file, &body)?;
        }
        // Formatted, not a bare token stream: this file is what an app's
        // "go to definition", rustdoc's source view and a compiler error in
        // `raw` show, and one line of tokens reads as nothing. prettyplease
        // costs about a second of an app's clean build (BENCHMARKS.md, "Build
        // cost"); an app that wants none of it turns `codegen` off.
        Ok(prettyplease::unparse(&file))
    }

    /// Removes `Client::new` and makes `Client::new_with_client` crate-private.
    fn seal_constructors(file: &mut syn::File) -> Result<(), String> {
        let mut removed_new = false;
        let mut sealed = false;
        for item in &mut file.items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            if block.trait_.is_some() || !is_path_named(&block.self_ty, "Client") {
                continue;
            }
            let before = block.items.len();
            block
                .items
                .retain(|item| !matches!(item, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
            removed_new |= block.items.len() < before;
            for item in &mut block.items {
                if let syn::ImplItem::Fn(f) = item
                    && f.sig.ident == "new_with_client"
                {
                    f.vis = syn::parse_quote!(pub(crate));
                    sealed = true;
                }
            }
        }
        if removed_new && sealed {
            Ok(())
        } else {
            Err(
                "progenitor's output changed: cannot find `Client::new` and \
                 `Client::new_with_client` to seal (see seal_constructors in build.rs)"
                    .to_string(),
            )
        }
    }

    /// Makes `Client::baseurl` an `Arc<str>` (see the file docs): the field,
    /// its initialiser in `new_with_client`, and `ClientInfo::baseurl`.
    fn share_base_url(file: &mut syn::File) -> Result<(), String> {
        let changed = |what: &str| {
            format!(
                "progenitor's output changed: cannot find {what} to share (see share_base_url in build.rs)"
            )
        };
        let mut field = false;
        let mut init = false;
        let mut getter = false;
        for item in &mut file.items {
            match item {
                syn::Item::Struct(s) if s.ident == "Client" => {
                    if let syn::Fields::Named(named) = &mut s.fields {
                        for f in &mut named.named {
                            if f.ident.as_ref().is_some_and(|i| i == "baseurl") {
                                f.ty = syn::parse_quote!(::std::sync::Arc<str>);
                                field = true;
                            }
                        }
                    }
                }
                syn::Item::Impl(block) if is_path_named(&block.self_ty, "Client") => {
                    for item in &mut block.items {
                        let syn::ImplItem::Fn(f) = item else {
                            continue;
                        };
                        if block.trait_.is_none() && f.sig.ident == "new_with_client" {
                            for stmt in &mut f.block.stmts {
                                let syn::Stmt::Expr(syn::Expr::Struct(literal), _) = stmt else {
                                    continue;
                                };
                                for value in &mut literal.fields {
                                    if matches!(&value.member, syn::Member::Named(n) if n == "baseurl")
                                    {
                                        value.expr =
                                            syn::parse_quote!(::std::sync::Arc::from(baseurl));
                                        init = true;
                                    }
                                }
                            }
                        }
                        if block.trait_.is_some() && f.sig.ident == "baseurl" {
                            f.block = syn::parse_quote!({ &self.baseurl });
                            getter = true;
                        }
                    }
                }
                _ => {}
            }
        }
        match (field, init, getter) {
            (true, true, true) => Ok(()),
            (false, _, _) => Err(changed("the field `Client::baseurl`")),
            (_, false, _) => Err(changed("`baseurl` in `Client::new_with_client`")),
            (_, _, false) => Err(changed("`ClientInfo::baseurl`")),
        }
    }

    /// Rewrites `let url = format!("{}/lit/{}", a, b);` in the client's methods
    /// to `let url = [a.as_ref(), "/lit/", b.as_ref()].concat();` (see the file
    /// docs; `AsRef::<str>` spelled out). `AsRef<str>` keeps it honest: an
    /// argument that is not text fails to compile rather than change the text.
    fn join_urls(file: &mut syn::File) {
        for method in client_methods(file) {
            for stmt in &mut method.block.stmts {
                let syn::Stmt::Local(local) = stmt else {
                    continue;
                };
                let is_url = matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "url");
                let Some(init) = local.init.as_mut().filter(|_| is_url) else {
                    continue;
                };
                if let Some(joined) = joined_url(&init.expr) {
                    *init.expr = joined;
                }
            }
        }
    }

    /// The generated endpoint methods: the functions of `impl Client` (the
    /// inherent impl, not its trait impls).
    fn client_methods(file: &mut syn::File) -> impl Iterator<Item = &mut syn::ImplItemFn> {
        file.items
            .iter_mut()
            .filter_map(|item| match item {
                syn::Item::Impl(block)
                    if block.trait_.is_none() && is_path_named(&block.self_ty, "Client") =>
                {
                    Some(block.items.iter_mut())
                }
                _ => None,
            })
            .flatten()
            .filter_map(|item| match item {
                syn::ImplItem::Fn(method) => Some(method),
                _ => None,
            })
    }

    /// Rewrites each method's header parameters to be set on the built
    /// request, not gathered in a map of their own and merged in (see the
    /// file docs):
    ///
    /// ```text
    /// let mut header_map = HeaderMap::with_capacity(2usize);   // removed
    /// header_map.append(NAME, VALUE);
    /// if let Some(value) = x { header_map.append("X-Account-ID", ..?); }
    /// let mut request = self.client.post(url)...headers(header_map).build()?;
    /// ```
    ///
    /// becomes the request without `.headers(header_map)`, then
    /// `{ let header_map = request.headers_mut(); header_map.insert(NAME,
    /// VALUE); if let .. { header_map.insert(..); } }`, each NAME a
    /// constant. `RequestBuilder::headers` replaces what the request had
    /// under each name, so with distinct names
    /// `insert` sends exactly the same headers, in the same order. A method in
    /// any other shape (a map that does not start empty, a name given twice
    /// or not as a literal, a statement that does more than append, the merge
    /// anywhere but just before `build`, as with progenitor's websocket
    /// headers) is left as progenitor wrote it. One difference: a header
    /// value that does not convert (`try_into()?`) is now found after
    /// `build()?`, so a request that fails both ways reports the build error;
    /// either way nothing is sent.
    fn set_headers_in_place(file: &mut syn::File) {
        for method in client_methods(file) {
            set_method_headers_in_place(&mut method.block.stmts);
        }
    }

    fn set_method_headers_in_place(stmts: &mut Vec<syn::Stmt>) {
        let declares = |stmt: &syn::Stmt, name: &str| {
            matches!(stmt, syn::Stmt::Local(local)
                if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == name))
        };
        let Some(map_at) = stmts.iter().position(|s| declares(s, "header_map")) else {
            return;
        };
        let Some(request_at) = stmts.iter().position(|s| declares(s, "request")) else {
            return;
        };
        if !stmts.get(map_at).is_some_and(declares_empty_header_map) {
            return;
        }
        let Some(header_stmts) = stmts.get(map_at.saturating_add(1)..request_at) else {
            return;
        };
        let mut names = Vec::new();
        for stmt in header_stmts {
            match header_append_name(stmt) {
                Some(name) if !names.contains(&name) => names.push(name),
                _ => return,
            }
        }
        let Some(syn::Stmt::Local(request)) = stmts.get_mut(request_at) else {
            return;
        };
        let Some(init) = request.init.as_mut() else {
            return;
        };
        if !remove_headers_call(&mut init.expr) {
            return;
        }
        let mut moved: Vec<syn::Stmt> = stmts.drain(map_at..request_at).skip(1).collect();
        for (stmt, name) in moved.iter_mut().zip(&names) {
            append_to_insert(stmt, name);
        }
        // `request_at` moved up by what was drained.
        let after_request = map_at.saturating_add(1);
        stmts.insert(
            after_request,
            syn::parse_quote!({
                let header_map = request.headers_mut();
                #(#moved)*
            }),
        );
    }

    /// The header name (lowercased) of `header_map.append(NAME, VALUE);` or
    /// `if let Some(value) = x { header_map.append(NAME, VALUE); }`, where
    /// NAME is a string literal or `HeaderName::from_static("...")`.
    fn header_append_name(stmt: &syn::Stmt) -> Option<String> {
        match stmt {
            syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_)) => {
                let receiver_is_map = matches!(&*call.receiver,
                    syn::Expr::Path(p) if p.path.is_ident("header_map"));
                if !receiver_is_map || call.method != "append" || call.args.len() != 2 {
                    return None;
                }
                let name = match call.args.first()? {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => s.value(),
                    syn::Expr::Call(c)
                        if matches!(&*c.func, syn::Expr::Path(p)
                            if p.path.segments.last().is_some_and(|s| s.ident == "from_static")) =>
                    {
                        let Some(syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        })) = c.args.first()
                        else {
                            return None;
                        };
                        s.value()
                    }
                    _ => return None,
                };
                Some(name.to_ascii_lowercase())
            }
            syn::Stmt::Expr(syn::Expr::If(branch), _) => {
                let [inner] = branch.then_branch.stmts.as_slice() else {
                    return None;
                };
                if branch.else_branch.is_some() || !matches!(&*branch.cond, syn::Expr::Let(_)) {
                    return None;
                }
                header_append_name(inner)
            }
            _ => None,
        }
    }

    /// `header_map.append(NAME, ..)` to `header_map.insert(const { NAME }, ..)`,
    /// also inside an `if let`, with NAME (lowercased) made at compile time:
    /// `HeaderName::from_static` or a `&str` name parse it on every call.
    fn append_to_insert(stmt: &mut syn::Stmt, name: &str) {
        match stmt {
            syn::Stmt::Expr(syn::Expr::MethodCall(call), _) => {
                call.method = syn::Ident::new("insert", call.method.span());
                if let Some(first) = call.args.first_mut() {
                    *first = syn::parse_quote!(const {
                        ::reqwest::header::HeaderName::from_static(#name)
                    });
                }
            }
            syn::Stmt::Expr(syn::Expr::If(branch), _) => {
                for inner in &mut branch.then_branch.stmts {
                    append_to_insert(inner, name);
                }
            }
            _ => {}
        }
    }

    /// Removes `.headers(header_map)` from `<chain>.headers(header_map).build()?`
    /// (the merge as the last step before `build`, so nothing appended after it
    /// changes order); whether it was there in that place.
    fn remove_headers_call(expr: &mut syn::Expr) -> bool {
        let syn::Expr::Try(tried) = expr else {
            return false;
        };
        let syn::Expr::MethodCall(build) = &mut *tried.expr else {
            return false;
        };
        if build.method != "build" || !build.args.is_empty() {
            return false;
        }
        let syn::Expr::MethodCall(merge) = &*build.receiver else {
            return false;
        };
        let is_merge = merge.method == "headers"
            && merge.args.len() == 1
            && matches!(merge.args.first(),
                Some(syn::Expr::Path(p)) if p.path.is_ident("header_map"));
        if !is_merge {
            return false;
        }
        let chain = (*merge.receiver).clone();
        *build.receiver = chain;
        true
    }

    /// Whether `stmt` is `let mut header_map = HeaderMap::with_capacity(..)`
    /// or `HeaderMap::new()`: a map that starts empty.
    fn declares_empty_header_map(stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Local(local) = stmt else {
            return false;
        };
        let Some(init) = &local.init else {
            return false;
        };
        let syn::Expr::Call(call) = &*init.expr else {
            return false;
        };
        let syn::Expr::Path(path) = &*call.func else {
            return false;
        };
        let mut last = path.path.segments.iter().rev();
        match (last.next(), last.next()) {
            (Some(function), Some(ty)) => {
                ty.ident == "HeaderMap"
                    && (function.ident == "with_capacity" || function.ident == "new")
            }
            _ => false,
        }
    }

    /// The `concat` form of a `format!` whose placeholders are all plain `{}`
    /// and whose arguments are `self.baseurl` or `encode_path(..)` calls.
    fn joined_url(expr: &syn::Expr) -> Option<syn::Expr> {
        use syn::punctuated::Punctuated;
        let syn::Expr::Macro(mac) = expr else {
            return None;
        };
        if !mac.mac.path.is_ident("format") {
            return None;
        }
        let parts = mac
            .mac
            .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            .ok()?;
        let mut parts = parts.into_iter();
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(template),
            ..
        }) = parts.next()?
        else {
            return None;
        };
        let template = template.value();
        if template.replace("{}", "").contains(['{', '}']) {
            return None; // escaped braces or format specs: not a plain join
        }
        let args: Vec<syn::Expr> = parts.collect();
        let literals: Vec<&str> = template.split("{}").collect();
        if literals.len() != args.len() + 1 {
            return None;
        }
        let plain = |arg: &syn::Expr| match arg {
            syn::Expr::Field(field) => {
                matches!(&*field.base, syn::Expr::Path(p) if p.path.is_ident("self"))
                    && matches!(&field.member, syn::Member::Named(name) if name == "baseurl")
            }
            syn::Expr::Call(call) => {
                matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("encode_path"))
            }
            _ => false,
        };
        if !args.iter().all(plain) {
            return None;
        }
        let mut pieces: Vec<syn::Expr> = Vec::new();
        for (literal, arg) in literals.iter().zip(args.iter().map(Some).chain([None])) {
            if !literal.is_empty() {
                pieces.push(syn::parse_quote!(#literal));
            }
            if let Some(arg) = arg {
                pieces.push(syn::parse_quote!(::std::convert::AsRef::<str>::as_ref(&#arg)));
            }
        }
        Some(syn::parse_quote!([#(#pieces),*].concat()))
    }

    /// A PATCH operation's request body: the generated method and, per
    /// property, whether it is optional and nullable.
    struct PatchBody {
        operation_id: String,
        /// property name -> (optional, nullable)
        properties: Vec<(String, bool, bool)>,
    }

    /// Every PATCH operation with a JSON object body, read from the spec.
    fn patch_bodies(spec: &Value) -> Result<Vec<PatchBody>, String> {
        let mut bodies = Vec::new();
        let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
            return Ok(bodies);
        };
        for (path, item) in paths {
            let Some(op) = item.get("patch") else {
                continue;
            };
            let Some(schema) = op
                .pointer("/requestBody/content/application~1json/schema")
                .map(|s| resolve(spec, s))
            else {
                continue;
            };
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                continue;
            };
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("PATCH {path} has no operationId"))?
                .to_string();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let properties = properties
                .iter()
                .map(|(name, property)| {
                    let property = resolve(spec, property);
                    let nullable = property.get("nullable").and_then(Value::as_bool) == Some(true);
                    (name.clone(), !required.contains(&name.as_str()), nullable)
                })
                .collect();
            bodies.push(PatchBody {
                operation_id,
                properties,
            });
        }
        Ok(bodies)
    }

    fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => reference
                .strip_prefix('#')
                .and_then(|pointer| spec.pointer(pointer))
                .unwrap_or(schema),
            None => schema,
        }
    }

    /// Rewrites the fields of one PATCH body type (see the file docs).
    fn merge_patch_fields(file: &mut syn::File, body: &PatchBody) -> Result<(), String> {
        let type_name = body_type_of(file, &body.operation_id)?;
        let types = file
            .items
            .iter_mut()
            .find_map(|item| match item {
                syn::Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
                _ => None,
            })
            .ok_or("progenitor's output changed: no `types` module")?;
        let fields = types
            .1
            .iter_mut()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == type_name => match &mut s.fields {
                    syn::Fields::Named(named) => Some(named),
                    _ => None,
                },
                _ => None,
            })
            .ok_or_else(|| format!("cannot find the struct `types::{type_name}`"))?;
        let mut rewrote_nullable = false;
        for field in &mut fields.named {
            let wire_name = serde_rename(field)
                .or_else(|| field.ident.as_ref().map(|i| i.to_string()))
                .unwrap_or_default();
            let Some(&(_, optional, nullable)) =
                body.properties.iter().find(|(name, ..)| *name == wire_name)
            else {
                continue;
            };
            if !optional {
                continue;
            }
            let old = field.ty.clone();
            if nullable && is_path_named(&old, "Option") {
                field.ty = syn::parse_quote!(::std::option::Option<#old>);
                push_doc(
                    field,
                    "`None`: absent (left alone); `Some(None)`: sent as `null`; `Some(Some(v))`: set.",
                );
                replace_serde_attrs(
                    field,
                    syn::parse_quote!(#[serde(
                        default,
                        skip_serializing_if = "::std::option::Option::is_none",
                        deserialize_with = "deserialize_present"
                    )]),
                );
                rewrote_nullable = true;
            } else if is_path_named(&old, "Vec") {
                field.ty = syn::parse_quote!(::std::option::Option<#old>);
                push_doc(
                    field,
                    "`None`: absent (left alone); `Some(vec![])`: sent as `[]`.",
                );
                replace_serde_attrs(
                    field,
                    syn::parse_quote!(#[serde(
                        default,
                        skip_serializing_if = "::std::option::Option::is_none"
                    )]),
                );
            }
        }
        if rewrote_nullable
            && !types.1.iter().any(
                |item| matches!(item, syn::Item::Fn(f) if f.sig.ident == "deserialize_present"),
            )
        {
            types.1.push(syn::parse_quote! {
                /// Deserializes a field that is present (possibly `null`) as
                /// `Some(..)`; `#[serde(default)]` covers the absent case.
                fn deserialize_present<'de, D, T>(
                    deserializer: D,
                ) -> ::std::result::Result<::std::option::Option<::std::option::Option<T>>, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                    T: ::serde::Deserialize<'de>,
                {
                    <::std::option::Option<T> as ::serde::Deserialize>::deserialize(deserializer)
                        .map(::std::option::Option::Some)
                }
            });
        }
        Ok(())
    }

    /// The type name of the `body` parameter of the generated method
    /// `operation_id` (`body: &'a types::Name`).
    fn body_type_of(file: &syn::File, operation_id: &str) -> Result<String, String> {
        for item in &file.items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            for item in &block.items {
                let syn::ImplItem::Fn(f) = item else {
                    continue;
                };
                if f.sig.ident != operation_id {
                    continue;
                }
                for input in &f.sig.inputs {
                    let syn::FnArg::Typed(arg) = input else {
                        continue;
                    };
                    let syn::Pat::Ident(name) = &*arg.pat else {
                        continue;
                    };
                    if name.ident != "body" {
                        continue;
                    }
                    if let syn::Type::Reference(reference) = &*arg.ty
                        && let syn::Type::Path(path) = &*reference.elem
                        && let Some(last) = path.path.segments.last()
                    {
                        return Ok(last.ident.to_string());
                    }
                }
            }
        }
        Err(format!(
            "cannot find the body type of the generated method `{operation_id}`"
        ))
    }

    /// Whether `ty` is a path whose last segment is `name` (`::std::vec::Vec<..>`).
    fn is_path_named(ty: &syn::Type, name: &str) -> bool {
        matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
    }

    /// The `#[serde(rename = "...")]` of a field, if any.
    fn serde_rename(field: &syn::Field) -> Option<String> {
        let mut rename = None;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    rename = Some(value.value());
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
        rename
    }

    /// Replaces a field's `#[serde(...)]` attributes, keeping a `rename`.
    fn replace_serde_attrs(field: &mut syn::Field, mut attr: syn::Attribute) {
        if let Some(rename) = serde_rename(field)
            && let syn::Meta::List(list) = &mut attr.meta
        {
            let tokens = &list.tokens;
            list.tokens = quote_tokens(&format!("rename = {rename:?}, {tokens}"));
        }
        field.attrs.retain(|a| !a.path().is_ident("serde"));
        field.attrs.push(attr);
    }

    fn quote_tokens(text: &str) -> proc_macro2::TokenStream {
        text.parse().unwrap_or_default()
    }

    /// Appends a paragraph to a field's doc comment.
    fn push_doc(field: &mut syn::Field, text: &str) {
        field.attrs.push(syn::parse_quote!(#[doc = ""]));
        field.attrs.push(syn::parse_quote!(#[doc = #text]));
    }
}

fn fail(spec_path: &Path, problem: &str) -> ! {
    eprintln!("error: kataven codegen: {}: {problem}", spec_path.display());
    process::exit(1);
}
