//! Types, generics and signatures from rustdoc JSON, as Rust-like text.
//!
//! Paths are never the ones written in the source (`Path::path`), which
//! change whenever someone edits a `use`: a local item is printed at its
//! public home (see `listing.rs`), anything else at the canonical path rustdoc
//! records for it, with the prelude's names bare (`Option`, `String`, ...).

use std::collections::HashMap;

use rustdoc_types::{
    Abi, AssocItemConstraint, AssocItemConstraintKind, Crate, DynTrait, FunctionHeader,
    FunctionPointer, FunctionSignature, GenericArg, GenericArgs, GenericBound, GenericParamDef,
    GenericParamDefKind, Generics, Id, Path, PreciseCapturingArg, Term, TraitBoundModifier, Type,
    WherePredicate,
};

/// Items of the standard prelude (and `Some`/`None`/`Ok`/`Err`), printed
/// without their path: every reader knows them, and their canonical paths
/// (`core::iter::traits::collect::IntoIterator`) only add noise.
const PRELUDE: &[&[&str]] = &[
    &["alloc", "borrow", "ToOwned"],
    &["alloc", "boxed", "Box"],
    &["alloc", "string", "String"],
    &["alloc", "string", "ToString"],
    &["alloc", "vec", "Vec"],
    &["core", "clone", "Clone"],
    &["core", "cmp", "Eq"],
    &["core", "cmp", "Ord"],
    &["core", "cmp", "PartialEq"],
    &["core", "cmp", "PartialOrd"],
    &["core", "convert", "AsMut"],
    &["core", "convert", "AsRef"],
    &["core", "convert", "From"],
    &["core", "convert", "Into"],
    &["core", "convert", "TryFrom"],
    &["core", "convert", "TryInto"],
    &["core", "default", "Default"],
    &["core", "iter", "traits", "collect", "Extend"],
    &["core", "iter", "traits", "collect", "FromIterator"],
    &["core", "iter", "traits", "collect", "IntoIterator"],
    &["core", "iter", "traits", "iterator", "Iterator"],
    &["core", "marker", "Copy"],
    &["core", "marker", "Send"],
    &["core", "marker", "Sized"],
    &["core", "marker", "Sync"],
    &["core", "marker", "Unpin"],
    &["core", "ops", "drop", "Drop"],
    &["core", "ops", "function", "Fn"],
    &["core", "ops", "function", "FnMut"],
    &["core", "ops", "function", "FnOnce"],
    &["core", "option", "Option"],
    &["core", "result", "Result"],
];

/// Renders types and signatures of one crate.
pub struct Renderer<'a> {
    krate: &'a Crate,
    /// The public path of every local item that has one.
    homes: &'a HashMap<Id, Vec<String>>,
}

impl<'a> Renderer<'a> {
    pub fn new(krate: &'a Crate, homes: &'a HashMap<Id, Vec<String>>) -> Self {
        Renderer { krate, homes }
    }

    /// The path to print for an item: its public home if it is local and has
    /// one, else rustdoc's canonical path (prelude items bare), else the
    /// path as written (only for items rustdoc knows nothing about).
    pub fn item_path(&self, id: Id, as_written: &str) -> String {
        if let Some(home) = self.homes.get(&id) {
            return home.join("::");
        }
        match self.krate.paths.get(&id) {
            Some(summary) => {
                if PRELUDE.iter().any(|p| {
                    p.iter()
                        .copied()
                        .eq(summary.path.iter().map(String::as_str))
                }) {
                    summary.path.last().cloned().unwrap_or_default()
                } else {
                    summary.path.join("::")
                }
            }
            None => as_written.to_string(),
        }
    }

    pub fn path(&self, path: &Path) -> String {
        let mut out = self.item_path(path.id, &path.path);
        if let Some(args) = &path.args {
            out.push_str(&self.generic_args(args));
        }
        out
    }

    pub fn generic_args(&self, args: &GenericArgs) -> String {
        match args {
            GenericArgs::AngleBracketed { args, constraints } => {
                let parts: Vec<String> = args
                    .iter()
                    .map(|a| self.generic_arg(a))
                    .chain(constraints.iter().map(|c| self.constraint(c)))
                    .collect();
                if parts.is_empty() {
                    String::new()
                } else {
                    format!("<{}>", parts.join(", "))
                }
            }
            GenericArgs::Parenthesized { inputs, output } => {
                let inputs: Vec<String> = inputs.iter().map(|t| self.ty(t)).collect();
                match output {
                    Some(output) => format!("({}) -> {}", inputs.join(", "), self.ty(output)),
                    None => format!("({})", inputs.join(", ")),
                }
            }
            GenericArgs::ReturnTypeNotation => "(..)".to_string(),
        }
    }

    fn generic_arg(&self, arg: &GenericArg) -> String {
        match arg {
            GenericArg::Lifetime(lifetime) => lifetime.clone(),
            GenericArg::Type(ty) => self.ty(ty),
            GenericArg::Const(constant) => constant.expr.clone(),
            GenericArg::Infer => "_".to_string(),
        }
    }

    fn constraint(&self, constraint: &AssocItemConstraint) -> String {
        let args = constraint
            .args
            .as_deref()
            .map(|a| self.generic_args(a))
            .unwrap_or_default();
        match &constraint.binding {
            AssocItemConstraintKind::Equality(term) => {
                format!("{}{args} = {}", constraint.name, self.term(term))
            }
            AssocItemConstraintKind::Constraint(bounds) => {
                format!("{}{args}: {}", constraint.name, self.bounds(bounds))
            }
        }
    }

    pub fn term(&self, term: &Term) -> String {
        match term {
            Term::Type(ty) => self.ty(ty),
            Term::Constant(constant) => constant.expr.clone(),
        }
    }

    pub fn ty(&self, ty: &Type) -> String {
        match ty {
            Type::ResolvedPath(path) => self.path(path),
            Type::DynTrait(dyn_trait) => self.dyn_trait(dyn_trait),
            Type::Generic(name) | Type::Primitive(name) => name.clone(),
            Type::FunctionPointer(pointer) => self.function_pointer(pointer),
            Type::Tuple(types) => match types.as_slice() {
                [one] => format!("({},)", self.ty(one)),
                _ => format!(
                    "({})",
                    types
                        .iter()
                        .map(|t| self.ty(t))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Type::Slice(inner) => format!("[{}]", self.ty(inner)),
            Type::Array { type_, len } => format!("[{}; {len}]", self.ty(type_)),
            Type::Pat {
                type_,
                __pat_unstable_do_not_use: pattern,
            } => format!("{} is {pattern}", self.ty(type_)),
            Type::ImplTrait(bounds) => format!("impl {}", self.bounds(bounds)),
            Type::Infer => "_".to_string(),
            Type::RawPointer { is_mutable, type_ } => {
                let kind = if *is_mutable { "mut" } else { "const" };
                format!("*{kind} {}", self.ty(type_))
            }
            Type::BorrowedRef {
                lifetime,
                is_mutable,
                type_,
            } => format!("{}{}", reference(lifetime, *is_mutable), self.ty(type_)),
            Type::QualifiedPath {
                name,
                args,
                self_type,
                trait_,
            } => {
                let args = args
                    .as_deref()
                    .map(|a| self.generic_args(a))
                    .unwrap_or_default();
                match trait_ {
                    Some(trait_) => format!(
                        "<{} as {}>::{name}{args}",
                        self.ty(self_type),
                        self.path(trait_)
                    ),
                    None => format!("{}::{name}{args}", self.ty(self_type)),
                }
            }
        }
    }

    fn dyn_trait(&self, dyn_trait: &DynTrait) -> String {
        let mut parts: Vec<String> = dyn_trait
            .traits
            .iter()
            .map(|poly| {
                format!(
                    "{}{}",
                    self.higher_ranked(&poly.generic_params),
                    self.path(&poly.trait_)
                )
            })
            .collect();
        parts.extend(dyn_trait.lifetime.clone());
        format!("dyn {}", parts.join(" + "))
    }

    fn function_pointer(&self, pointer: &FunctionPointer) -> String {
        format!(
            "{}{}fn({}){}",
            self.higher_ranked(&pointer.generic_params),
            header(&pointer.header),
            self.inputs(&pointer.sig, false),
            self.output(&pointer.sig)
        )
    }

    /// `for<'a> ` (or nothing).
    fn higher_ranked(&self, params: &[GenericParamDef]) -> String {
        if params.is_empty() {
            String::new()
        } else {
            format!("for{} ", self.params(params))
        }
    }

    pub fn bounds(&self, bounds: &[GenericBound]) -> String {
        bounds
            .iter()
            .map(|b| self.bound(b))
            .collect::<Vec<_>>()
            .join(" + ")
    }

    fn bound(&self, bound: &GenericBound) -> String {
        match bound {
            GenericBound::TraitBound {
                trait_,
                generic_params,
                modifier,
            } => {
                let modifier = match modifier {
                    TraitBoundModifier::None => "",
                    TraitBoundModifier::Maybe => "?",
                    TraitBoundModifier::MaybeConst => "[const] ",
                };
                format!(
                    "{}{modifier}{}",
                    self.higher_ranked(generic_params),
                    self.path(trait_)
                )
            }
            GenericBound::Outlives(lifetime) => lifetime.clone(),
            GenericBound::Use(args) => {
                let args: Vec<&str> =
                    args.iter()
                        .map(|a| match a {
                            PreciseCapturingArg::Lifetime(name)
                            | PreciseCapturingArg::Param(name) => name.as_str(),
                        })
                        .collect();
                format!("use<{}>", args.join(", "))
            }
        }
    }

    /// `<'a, T: Bound, const N: usize>` without the parameters the compiler
    /// made up for `impl Trait` arguments (those show in the signature).
    pub fn params(&self, params: &[GenericParamDef]) -> String {
        let parts: Vec<String> = params
            .iter()
            .filter(|p| {
                !matches!(
                    p.kind,
                    GenericParamDefKind::Type {
                        is_synthetic: true,
                        ..
                    }
                )
            })
            .map(|p| match &p.kind {
                GenericParamDefKind::Lifetime { outlives } => {
                    if outlives.is_empty() {
                        p.name.clone()
                    } else {
                        format!("{}: {}", p.name, outlives.join(" + "))
                    }
                }
                GenericParamDefKind::Type {
                    bounds, default, ..
                } => {
                    let mut out = p.name.clone();
                    if !bounds.is_empty() {
                        out.push_str(": ");
                        out.push_str(&self.bounds(bounds));
                    }
                    if let Some(default) = default {
                        out.push_str(" = ");
                        out.push_str(&self.ty(default));
                    }
                    out
                }
                GenericParamDefKind::Const { type_, default } => {
                    let mut out = format!("const {}: {}", p.name, self.ty(type_));
                    if let Some(default) = default {
                        out.push_str(" = ");
                        out.push_str(default);
                    }
                    out
                }
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("<{}>", parts.join(", "))
        }
    }

    /// ` where A: B, 'a: 'b` (or nothing).
    pub fn where_clause(&self, generics: &Generics) -> String {
        let parts: Vec<String> = generics
            .where_predicates
            .iter()
            .map(|predicate| match predicate {
                WherePredicate::BoundPredicate {
                    type_,
                    bounds,
                    generic_params,
                } => format!(
                    "{}{}: {}",
                    self.higher_ranked(generic_params),
                    self.ty(type_),
                    self.bounds(bounds)
                ),
                WherePredicate::LifetimePredicate { lifetime, outlives } => {
                    format!("{lifetime}: {}", outlives.join(" + "))
                }
                WherePredicate::EqPredicate { lhs, rhs } => {
                    format!("{} = {}", self.ty(lhs), self.term(rhs))
                }
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" where {}", parts.join(", "))
        }
    }

    /// The parameter list. Parameter names are left out on purpose (as
    /// `cargo public-api` does since 0.52): renaming a parameter is not an
    /// API change and must not show in the snapshot. `self` keeps its form.
    pub fn inputs(&self, sig: &FunctionSignature, has_self: bool) -> String {
        let mut parts: Vec<String> = sig
            .inputs
            .iter()
            .enumerate()
            .map(|(i, (name, ty))| {
                if has_self && i == 0 && name == "self" {
                    self.receiver(ty)
                } else {
                    self.ty(ty)
                }
            })
            .collect();
        if sig.is_c_variadic {
            parts.push("...".to_string());
        }
        parts.join(", ")
    }

    fn receiver(&self, ty: &Type) -> String {
        match ty {
            Type::Generic(name) if name == "Self" => "self".to_string(),
            Type::BorrowedRef {
                lifetime,
                is_mutable,
                type_,
            } if matches!(type_.as_ref(), Type::Generic(name) if name == "Self") => {
                format!("{}self", reference(lifetime, *is_mutable))
            }
            other => format!("self: {}", self.ty(other)),
        }
    }

    pub fn output(&self, sig: &FunctionSignature) -> String {
        match &sig.output {
            Some(ty) => format!(" -> {}", self.ty(ty)),
            None => String::new(),
        }
    }
}

fn reference(lifetime: &Option<String>, is_mutable: bool) -> String {
    let mut out = "&".to_string();
    if let Some(lifetime) = lifetime {
        out.push_str(lifetime);
        out.push(' ');
    }
    if is_mutable {
        out.push_str("mut ");
    }
    out
}

/// `const async unsafe extern "C" ` (the parts that apply).
pub fn header(header: &FunctionHeader) -> String {
    let mut out = String::new();
    if header.is_const {
        out.push_str("const ");
    }
    if header.is_async {
        out.push_str("async ");
    }
    if header.is_unsafe {
        out.push_str("unsafe ");
    }
    let abi = match &header.abi {
        Abi::Rust => None,
        Abi::C { unwind } => Some(("C", *unwind)),
        Abi::Cdecl { unwind } => Some(("cdecl", *unwind)),
        Abi::Stdcall { unwind } => Some(("stdcall", *unwind)),
        Abi::Fastcall { unwind } => Some(("fastcall", *unwind)),
        Abi::Aapcs { unwind } => Some(("aapcs", *unwind)),
        Abi::Win64 { unwind } => Some(("win64", *unwind)),
        Abi::SysV64 { unwind } => Some(("sysv64", *unwind)),
        Abi::System { unwind } => Some(("system", *unwind)),
        Abi::Other(name) => Some((name.as_str(), false)),
    };
    if let Some((name, unwind)) = abi {
        let unwind = if unwind { "-unwind" } else { "" };
        out.push_str(&format!("extern \"{name}{unwind}\" "));
    }
    out
}
