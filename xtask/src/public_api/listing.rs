//! The public API of a crate, one item a line, from its rustdoc JSON.
//!
//! What is listed (and why) is described in CONTRIBUTING.md, "The public-API
//! snapshot". In short:
//!
//! * every item reachable from the crate root by public paths, at its *home*:
//!   the path it is defined at when that path is public, else the public path
//!   that shares most of it (`kataven::widget_keys::WidgetKey` for an item
//!   defined in the private `widget_keys::model`). So moving an item between
//!   private modules changes nothing; moving it between public ones does;
//! * every other public path to it as `pub use <path> = <home>`;
//! * structs with their public fields, enums with their variants and fields,
//!   traits with their items, functions and methods with full signatures
//!   (without parameter names: renaming one is not an API change);
//! * trait impls written in the crate or derived, with their associated types
//!   and consts (their methods follow from the trait); auto traits (`Send`,
//!   `Sync`, `Unpin`, `UnwindSafe`, `RefUnwindSafe`) as one line per type;
//! * not listed: blanket impls (`impl<T> From<T> for T`, and those of
//!   dependencies such as `tracing::Instrument`: they follow from the other
//!   lines, and would change with every dependency bump), the unstable auto
//!   traits `Freeze` and `UnsafeUnpin`, `StructuralPartialEq` (a detail of
//!   `derive(PartialEq)`), and the contents of the excluded modules (the
//!   generated `raw`, pinned by its own snapshot): only their `pub mod` line.

use std::collections::{BTreeSet, HashMap, HashSet};

use rustdoc_types::{
    Attribute, Crate, GenericArg, GenericArgs, GenericBound, GenericParamDefKind, Generics, Id,
    Impl, Item, ItemEnum, ReprKind, StructKind, Type, Use, VariantKind,
};

use super::render::{Renderer, header};

/// Deeper than any real module tree; stops a module that re-exports one of
/// its ancestors (`pub use crate as again;`) from being walked forever.
const MAX_DEPTH: usize = 24;

/// Auto traits that stable Rust lets users name and rely on. rustdoc also
/// reports `Freeze` and `UnsafeUnpin`, which are unstable.
const STABLE_AUTO_TRAITS: &[&str] = &["RefUnwindSafe", "Send", "Sync", "Unpin", "UnwindSafe"];

/// Where a line sorts: under its owner's path (the item itself, or the type
/// or trait a member belongs to), then by section, then by member name.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Line {
    owner: Vec<String>,
    section: Section,
    member: String,
    text: String,
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Section {
    Item,
    Field,
    Member,
    TraitImpl,
    AutoTraits,
}

/// A `pub use` seen while walking a module at `module_path`.
struct ReExport<'a> {
    module: Id,
    module_path: Vec<String>,
    item: &'a Use,
}

struct Walk<'a> {
    krate: &'a Crate,
    /// Every public path each item is reachable at.
    reach: HashMap<Id, BTreeSet<Vec<String>>>,
    re_exports: Vec<ReExport<'a>>,
    /// Modules already walked at a given path, and modules already
    /// glob-imported at a given path (globs may import each other in a
    /// cycle, which rustc allows).
    walked: HashSet<(Id, Vec<String>)>,
    globbed: HashSet<(Id, Vec<String>)>,
}

impl<'a> Walk<'a> {
    fn module(&mut self, id: Id, path: Vec<String>) {
        if path.len() > MAX_DEPTH || !self.walked.insert((id, path.clone())) {
            return;
        }
        let Some(ItemEnum::Module(module)) = self.krate.index.get(&id).map(|i| &i.inner) else {
            return;
        };
        self.children(id, &module.items, &path);
    }

    /// The items of `module` (or of a module glob-imported into it), as
    /// reachable under `path`.
    fn children(&mut self, module: Id, items: &[Id], path: &[String]) {
        for child in items {
            let Some(item) = self.krate.index.get(child) else {
                continue;
            };
            match &item.inner {
                ItemEnum::Use(item) => self.re_export(module, item, path),
                ItemEnum::Impl(_) => {}
                _ => {
                    if let Some(name) = &item.name {
                        self.reached(*child, with(path, name));
                    }
                }
            }
        }
    }

    fn re_export(&mut self, module: Id, item: &'a Use, path: &[String]) {
        self.re_exports.push(ReExport {
            module,
            module_path: path.to_vec(),
            item,
        });
        let Some(target) = item.id.and_then(|id| self.krate.index.get(&id)) else {
            return; // another crate's item: only the `pub use` line
        };
        if item.is_glob {
            if let ItemEnum::Module(inner) = &target.inner
                && self.globbed.insert((target.id, path.to_vec()))
            {
                self.children(module, &inner.items, path);
            }
        } else if is_path_item(target) {
            self.reached(target.id, with(path, &item.name));
        }
    }

    fn reached(&mut self, id: Id, path: Vec<String>) {
        let is_module = matches!(
            self.krate.index.get(&id).map(|i| &i.inner),
            Some(ItemEnum::Module(_))
        );
        self.reach.entry(id).or_default().insert(path.clone());
        if is_module {
            self.module(id, path);
        }
    }
}

/// Items that live at a path of their own (not fields, variants, impls).
fn is_path_item(item: &Item) -> bool {
    matches!(
        item.inner,
        ItemEnum::Module(_)
            | ItemEnum::Struct(_)
            | ItemEnum::Enum(_)
            | ItemEnum::Union(_)
            | ItemEnum::Trait(_)
            | ItemEnum::TraitAlias(_)
            | ItemEnum::Function(_)
            | ItemEnum::TypeAlias(_)
            | ItemEnum::Constant { .. }
            | ItemEnum::Static(_)
            | ItemEnum::Macro(_)
            | ItemEnum::ProcMacro(_)
            | ItemEnum::ExternType
            | ItemEnum::ExternCrate { .. }
    )
}

fn with(path: &[String], name: &str) -> Vec<String> {
    let mut out = path.to_vec();
    out.push(name.to_string());
    out
}

/// The path an item is listed at: where it is defined if that is public,
/// else the public path sharing the longest prefix with the definition, then
/// the shortest, then the first in order.
fn home(definition: Option<&[String]>, reachable: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    let definition = definition.unwrap_or_default();
    if reachable.iter().any(|p| p.as_slice() == definition) {
        return Some(definition.to_vec());
    }
    let shared = |p: &Vec<String>| p.iter().zip(definition).take_while(|(a, b)| a == b).count();
    reachable
        .iter()
        .min_by(|a, b| {
            shared(b)
                .cmp(&shared(a))
                .then(a.len().cmp(&b.len()))
                .then(a.cmp(b))
        })
        .cloned()
}

/// The public API of `krate` as sorted lines. `excluded` names modules
/// directly under the root whose contents are left out (one line says they
/// exist, with `note`).
pub fn lines(krate: &Crate, excluded: &[&str], note: &str) -> Vec<String> {
    let Some(root) = krate.index.get(&krate.root) else {
        return Vec::new();
    };
    let crate_name = root.name.clone().unwrap_or_default();
    let mut walk = Walk {
        krate,
        reach: HashMap::new(),
        re_exports: Vec::new(),
        walked: HashSet::new(),
        globbed: HashSet::new(),
    };
    walk.reached(krate.root, vec![crate_name.clone()]);

    let homes: HashMap<Id, Vec<String>> = walk
        .reach
        .iter()
        .filter_map(|(id, reachable)| {
            let definition = krate.paths.get(id).map(|s| s.path.as_slice());
            home(definition, reachable).map(|h| (*id, h))
        })
        .collect();
    let excluded_paths: Vec<Vec<String>> = excluded
        .iter()
        .map(|name| vec![crate_name.clone(), name.to_string()])
        .collect();
    let is_excluded = |path: &[String]| {
        excluded_paths
            .iter()
            .any(|e| path.len() > e.len() && path.starts_with(e))
    };

    let mut out = Output {
        krate,
        homes: &homes,
        render: Renderer::new(krate, &homes),
        lines: BTreeSet::new(),
    };
    for (id, home) in &homes {
        if is_excluded(home) {
            continue;
        }
        if let Some(item) = krate.index.get(id) {
            let note = if excluded_paths.iter().any(|e| e == home) {
                note
            } else {
                ""
            };
            out.item(item, home, note);
        }
    }
    for re_export in &walk.re_exports {
        // Listed once, from the module's home (not from every path that
        // reaches the module).
        if homes.get(&re_export.module) == Some(&re_export.module_path)
            && !is_excluded(&with(&re_export.module_path, "_"))
        {
            out.re_export(re_export);
        }
    }
    for item in krate.index.values() {
        if let ItemEnum::Impl(imp) = &item.inner {
            out.impl_block(imp, &is_excluded);
        }
    }
    out.auto_traits(&is_excluded);
    out.lines.into_iter().map(|l| l.text).collect()
}

struct Output<'a> {
    krate: &'a Crate,
    homes: &'a HashMap<Id, Vec<String>>,
    render: Renderer<'a>,
    lines: BTreeSet<Line>,
}

impl Output<'_> {
    fn push(&mut self, owner: &[String], section: Section, member: &str, text: String) {
        self.lines.insert(Line {
            owner: owner.to_vec(),
            section,
            member: member.to_string(),
            text,
        });
    }

    fn item(&mut self, item: &Item, home: &[String], note: &str) {
        let path = home.join("::");
        let attrs = attributes(item);
        let r = &self.render;
        let text = match &item.inner {
            ItemEnum::Module(_) => format!("pub mod {path}{note}"),
            ItemEnum::Struct(s) => {
                let shape = match &s.kind {
                    StructKind::Unit => ";".to_string(),
                    StructKind::Tuple(fields) => format!("({})", self.tuple_fields(fields, "pub ")),
                    StructKind::Plain {
                        fields,
                        has_stripped_fields,
                    } => {
                        self.fields(home, "pub ", fields);
                        if *has_stripped_fields {
                            " (has private fields)".to_string()
                        } else {
                            String::new()
                        }
                    }
                };
                let r = &self.render;
                format!(
                    "{attrs}pub struct {path}{}{}{shape}",
                    r.params(&s.generics.params),
                    r.where_clause(&s.generics)
                )
            }
            ItemEnum::Union(u) => {
                self.fields(home, "pub ", &u.fields);
                let r = &self.render;
                let stripped = if u.has_stripped_fields {
                    " (has private fields)"
                } else {
                    ""
                };
                format!(
                    "{attrs}pub union {path}{}{}{stripped}",
                    r.params(&u.generics.params),
                    r.where_clause(&u.generics)
                )
            }
            ItemEnum::Enum(e) => {
                for variant in &e.variants {
                    self.variant(home, *variant);
                }
                let r = &self.render;
                let stripped = if e.has_stripped_variants {
                    " (has hidden variants)"
                } else {
                    ""
                };
                format!(
                    "{attrs}pub enum {path}{}{}{stripped}",
                    r.params(&e.generics.params),
                    r.where_clause(&e.generics)
                )
            }
            ItemEnum::Function(f) => format!(
                "{attrs}pub {}fn {path}{}({}){}{}",
                header(&f.header),
                r.params(&f.generics.params),
                r.inputs(&f.sig, false),
                r.output(&f.sig),
                r.where_clause(&f.generics)
            ),
            ItemEnum::Trait(t) => {
                for member in &t.items {
                    self.trait_member(home, *member);
                }
                let r = &self.render;
                let bounds = if t.bounds.is_empty() {
                    String::new()
                } else {
                    format!(": {}", r.bounds(&t.bounds))
                };
                format!(
                    "{attrs}pub {}{}trait {path}{}{bounds}{}{}",
                    if t.is_unsafe { "unsafe " } else { "" },
                    if t.is_auto { "auto " } else { "" },
                    r.params(&t.generics.params),
                    r.where_clause(&t.generics),
                    if t.is_dyn_compatible {
                        ""
                    } else {
                        " (not dyn compatible)"
                    }
                )
            }
            ItemEnum::TraitAlias(t) => format!(
                "{attrs}pub trait {path}{} = {}{}",
                r.params(&t.generics.params),
                r.bounds(&t.params),
                r.where_clause(&t.generics)
            ),
            ItemEnum::TypeAlias(t) => format!(
                "{attrs}pub type {path}{} = {}{}",
                r.params(&t.generics.params),
                r.ty(&t.type_),
                r.where_clause(&t.generics)
            ),
            ItemEnum::Constant { type_, const_ } => {
                format!("{attrs}pub const {path}: {} = {}", r.ty(type_), const_.expr)
            }
            ItemEnum::Static(s) => format!(
                "{attrs}pub {}{}static {path}: {}",
                if s.is_unsafe { "unsafe " } else { "" },
                if s.is_mutable { "mut " } else { "" },
                r.ty(&s.type_)
            ),
            ItemEnum::Macro(_) => format!("{attrs}macro_rules! {path}"),
            ItemEnum::ProcMacro(_) => format!("{attrs}pub proc macro {path}"),
            ItemEnum::ExternType => format!("{attrs}pub extern type {path}"),
            ItemEnum::ExternCrate { name, .. } => format!("pub extern crate {path} = {name}"),
            _ => return,
        };
        self.push(home, Section::Item, "", text);
    }

    /// `pub T, _` for tuple fields (`_`: a private field).
    fn tuple_fields(&self, fields: &[Option<Id>], visibility: &str) -> String {
        fields
            .iter()
            .map(
                |field| match field.and_then(|id| self.krate.index.get(&id)) {
                    Some(Item {
                        inner: ItemEnum::StructField(ty),
                        ..
                    }) => format!("{visibility}{}", self.render.ty(ty)),
                    _ => "_".to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn fields(&mut self, owner: &[String], visibility: &str, fields: &[Id]) {
        self.named_fields(owner, "", visibility, fields);
    }

    fn named_fields(&mut self, owner: &[String], prefix: &str, visibility: &str, fields: &[Id]) {
        let path = owner.join("::");
        for field in fields {
            let Some(item) = self.krate.index.get(field) else {
                continue;
            };
            let (Some(name), ItemEnum::StructField(ty)) = (&item.name, &item.inner) else {
                continue;
            };
            let member = format!("{prefix}{name}");
            let text = format!(
                "{}{visibility}{path}::{member}: {}",
                attributes(item),
                self.render.ty(ty)
            );
            self.push(owner, Section::Field, &member, text);
        }
    }

    fn variant(&mut self, owner: &[String], id: Id) {
        let Some(item) = self.krate.index.get(&id) else {
            return;
        };
        let (Some(name), ItemEnum::Variant(variant)) = (&item.name, &item.inner) else {
            return;
        };
        let shape = match &variant.kind {
            VariantKind::Plain => String::new(),
            VariantKind::Tuple(fields) => format!("({})", self.tuple_fields(fields, "")),
            VariantKind::Struct {
                fields,
                has_stripped_fields,
            } => {
                self.named_fields(owner, &format!("{name}::"), "", fields);
                if *has_stripped_fields {
                    " { .. } (has hidden fields)".to_string()
                } else {
                    " { .. }".to_string()
                }
            }
        };
        let discriminant = variant
            .discriminant
            .as_ref()
            .map(|d| format!(" = {}", d.expr))
            .unwrap_or_default();
        let text = format!(
            "{}{}::{name}{shape}{discriminant}",
            attributes(item),
            owner.join("::")
        );
        self.push(owner, Section::Field, name, text);
    }

    fn trait_member(&mut self, owner: &[String], id: Id) {
        let Some(item) = self.krate.index.get(&id) else {
            return;
        };
        let Some(name) = &item.name else {
            return;
        };
        let path = format!("{}::{name}", owner.join("::"));
        let r = &self.render;
        let attrs = attributes(item);
        let text = match &item.inner {
            ItemEnum::Function(f) => format!(
                "{attrs}{}fn {path}{}({}){}{}{}",
                header(&f.header),
                r.params(&f.generics.params),
                r.inputs(&f.sig, true),
                r.output(&f.sig),
                r.where_clause(&f.generics),
                if f.has_body { " (provided)" } else { "" }
            ),
            ItemEnum::AssocType {
                generics,
                bounds,
                type_,
            } => {
                let bounds = if bounds.is_empty() {
                    String::new()
                } else {
                    format!(": {}", r.bounds(bounds))
                };
                let default = type_
                    .as_ref()
                    .map(|t| format!(" = {}", r.ty(t)))
                    .unwrap_or_default();
                format!(
                    "{attrs}type {path}{}{bounds}{default}{}",
                    r.params(&generics.params),
                    r.where_clause(generics)
                )
            }
            ItemEnum::AssocConst { type_, value } => {
                let default = value
                    .as_ref()
                    .map(|v| format!(" = {v}"))
                    .unwrap_or_default();
                format!("{attrs}const {path}: {}{default}", r.ty(type_))
            }
            _ => return,
        };
        self.push(owner, Section::Member, name, text);
    }

    fn re_export(&mut self, re_export: &ReExport) {
        let item = re_export.item;
        let target = item.id.map(|id| {
            self.homes
                .get(&id)
                .map(|h| h.join("::"))
                .or_else(|| self.krate.paths.get(&id).map(|s| s.path.join("::")))
                .unwrap_or_else(|| item.source.clone())
        });
        let target = target.unwrap_or_else(|| item.source.clone());
        let private_module = item
            .id
            .is_some_and(|id| self.krate.index.contains_key(&id) && !self.homes.contains_key(&id));
        if item.is_glob && private_module {
            return; // its items are listed at this path themselves
        }
        let (at, text) = if item.is_glob {
            let at = with(&re_export.module_path, "*");
            let text = format!("pub use {} = {target}::*", at.join("::"));
            (at, text)
        } else {
            let at = with(&re_export.module_path, &item.name);
            if at.join("::") == target {
                return; // the item is listed at this path itself
            }
            let text = format!("pub use {} = {target}", at.join("::"));
            (at, text)
        };
        self.push(&at, Section::Item, "", text);
    }

    fn impl_block(&mut self, imp: &Impl, is_excluded: &dyn Fn(&[String]) -> bool) {
        if imp.blanket_impl.is_some() || imp.is_synthetic {
            return;
        }
        let Some(owner) = self.impl_owner(imp) else {
            return;
        };
        if is_excluded(&owner) {
            return;
        }
        let r = &self.render;
        let Some(trait_) = &imp.trait_ else {
            // Inherent: each public item is a line of its own, under the
            // type with its parameters (`WidgetKeys<'a>::create`), or with
            // the impl's header when that says more (bounds, `Wrapper<u8>`).
            let (subject, context) = if trivial_impl_generics(imp) {
                (r.ty(&imp.for_), String::new())
            } else {
                let context = format!(
                    " (in impl{} {}{})",
                    r.params(&imp.generics.params),
                    r.ty(&imp.for_),
                    r.where_clause(&imp.generics)
                );
                (owner.join("::"), context)
            };
            for id in &imp.items {
                self.inherent_member(&owner, &subject, *id, &context);
            }
            return;
        };
        if self.is_hidden_trait(trait_.id) {
            return;
        }
        let mut members: Vec<String> = imp
            .items
            .iter()
            .filter_map(|id| self.krate.index.get(id))
            .filter_map(|item| {
                let name = item.name.as_deref()?;
                match &item.inner {
                    ItemEnum::AssocType { type_, .. } => Some(format!(
                        "type {name} = {}",
                        type_.as_ref().map(|t| r.ty(t)).unwrap_or_default()
                    )),
                    ItemEnum::AssocConst { type_, value } => Some(format!(
                        "const {name}: {} = {}",
                        r.ty(type_),
                        value.as_deref().unwrap_or("_")
                    )),
                    _ => None,
                }
            })
            .collect();
        members.sort();
        let members = if members.is_empty() {
            String::new()
        } else {
            format!(" {{ {}; }}", members.join("; "))
        };
        let text = format!(
            "{}impl{} {}{} for {}{}{members}",
            if imp.is_unsafe { "unsafe " } else { "" },
            r.params(&imp.generics.params),
            if imp.is_negative { "!" } else { "" },
            r.path(trait_),
            r.ty(&imp.for_),
            r.where_clause(&imp.generics),
        );
        self.push(&owner, Section::TraitImpl, "", text);
    }

    /// Private traits (sealed ones) cannot be named by users; derive's
    /// `StructuralPartialEq` is unstable and follows from `PartialEq`.
    fn is_hidden_trait(&self, id: Id) -> bool {
        let local = self.krate.index.contains_key(&id);
        if local && !self.homes.contains_key(&id) {
            return true;
        }
        self.krate
            .paths
            .get(&id)
            .is_some_and(|s| s.path.last().is_some_and(|n| n == "StructuralPartialEq"))
    }

    fn inherent_member(&mut self, owner: &[String], subject: &str, id: Id, context: &str) {
        let Some(item) = self.krate.index.get(&id) else {
            return;
        };
        let (Some(name), rustdoc_types::Visibility::Public) = (&item.name, &item.visibility) else {
            return;
        };
        let path = format!("{subject}::{name}");
        let r = &self.render;
        let attrs = attributes(item);
        let text = match &item.inner {
            ItemEnum::Function(f) => format!(
                "{attrs}pub {}fn {path}{}({}){}{}{context}",
                header(&f.header),
                r.params(&f.generics.params),
                r.inputs(&f.sig, true),
                r.output(&f.sig),
                r.where_clause(&f.generics)
            ),
            ItemEnum::AssocConst { type_, value } => format!(
                "{attrs}pub const {path}: {} = {}{context}",
                r.ty(type_),
                value.as_deref().unwrap_or("_")
            ),
            ItemEnum::AssocType { type_, .. } => format!(
                "{attrs}pub type {path} = {}{context}",
                type_.as_ref().map(|t| r.ty(t)).unwrap_or_default()
            ),
            _ => return,
        };
        self.push(owner, Section::Member, name, text);
    }

    /// The public path an impl is listed under: the type it is for, if that
    /// is one of ours; else the first of our types its trait or type
    /// mentions (`impl From<Key> for String` goes with `Key`); else the
    /// trait, if ours. None: the impl concerns nothing public.
    fn impl_owner(&self, imp: &Impl) -> Option<Vec<String>> {
        if let Type::ResolvedPath(path) = &imp.for_
            && self.krate.index.contains_key(&path.id)
        {
            return self.homes.get(&path.id).cloned();
        }
        let mut ids = Vec::new();
        type_ids(&imp.for_, &mut ids);
        if let Some(trait_) = &imp.trait_ {
            if let Some(args) = &trait_.args {
                args_ids(args, &mut ids);
            }
            ids.push(trait_.id);
        }
        ids.into_iter().find_map(|id| {
            if self.krate.index.contains_key(&id) {
                self.homes.get(&id).cloned()
            } else {
                None
            }
        })
    }

    fn auto_traits(&mut self, is_excluded: &dyn Fn(&[String]) -> bool) {
        // Per type: how it is written (with its parameters), and the traits.
        let mut per_type: HashMap<Vec<String>, (String, Vec<String>)> = HashMap::new();
        for item in self.krate.index.values() {
            let ItemEnum::Impl(imp) = &item.inner else {
                continue;
            };
            let (true, Some(trait_)) = (imp.is_synthetic, &imp.trait_) else {
                continue;
            };
            let name = self
                .krate
                .paths
                .get(&trait_.id)
                .and_then(|s| s.path.last())
                .map(String::as_str)
                .unwrap_or(trait_.path.as_str());
            if !STABLE_AUTO_TRAITS.contains(&name) {
                continue;
            }
            let Some(owner) = self.impl_owner(imp) else {
                continue;
            };
            if is_excluded(&owner) {
                continue;
            }
            let condition = self.render.where_clause(&imp.generics);
            let entry = if condition.is_empty() {
                format!("{}{name}", if imp.is_negative { "!" } else { "" })
            } else {
                format!(
                    "{}{name} ({})",
                    if imp.is_negative { "!" } else { "" },
                    condition.trim_start()
                )
            };
            per_type
                .entry(owner)
                .or_insert_with(|| (self.render.ty(&imp.for_), Vec::new()))
                .1
                .push(entry);
        }
        for (owner, (subject, mut traits)) in per_type {
            traits.sort();
            let text = format!("auto traits of {subject}: {}", traits.join(", "));
            self.push(&owner, Section::AutoTraits, "", text);
        }
    }
}

/// True when an inherent impl's header adds nothing to its methods' lines:
/// `impl<'a> WidgetKeys<'a>`, not `impl<T: Clone> Wrapper<T>` or
/// `impl Wrapper<u8>`.
fn trivial_impl_generics(imp: &Impl) -> bool {
    let Generics {
        params,
        where_predicates,
    } = &imp.generics;
    let bounded = params.iter().any(|p| match &p.kind {
        GenericParamDefKind::Lifetime { outlives } => !outlives.is_empty(),
        GenericParamDefKind::Type { bounds, .. } => !bounds.is_empty(),
        GenericParamDefKind::Const { .. } => false,
    });
    let concrete_args = match &imp.for_ {
        Type::ResolvedPath(path) => match path.args.as_deref() {
            Some(GenericArgs::AngleBracketed { args, .. }) => args.iter().any(|a| match a {
                GenericArg::Type(Type::Generic(_)) | GenericArg::Lifetime(_) => false,
                GenericArg::Const(c) => !params.iter().any(|p| p.name == c.expr),
                _ => true,
            }),
            _ => false,
        },
        _ => true,
    };
    where_predicates.is_empty() && !bounded && !concrete_args
}

fn type_ids(ty: &Type, out: &mut Vec<Id>) {
    match ty {
        Type::ResolvedPath(path) => {
            out.push(path.id);
            if let Some(args) = &path.args {
                args_ids(args, out);
            }
        }
        Type::Tuple(types) => types.iter().for_each(|t| type_ids(t, out)),
        Type::Slice(inner)
        | Type::Array { type_: inner, .. }
        | Type::RawPointer { type_: inner, .. }
        | Type::BorrowedRef { type_: inner, .. }
        | Type::Pat { type_: inner, .. } => type_ids(inner, out),
        Type::DynTrait(dyn_trait) => {
            for poly in &dyn_trait.traits {
                out.push(poly.trait_.id);
            }
        }
        Type::ImplTrait(bounds) => bounds_ids(bounds, out),
        Type::QualifiedPath { self_type, .. } => type_ids(self_type, out),
        Type::FunctionPointer(_) | Type::Generic(_) | Type::Primitive(_) | Type::Infer => {}
    }
}

fn args_ids(args: &GenericArgs, out: &mut Vec<Id>) {
    match args {
        GenericArgs::AngleBracketed { args, .. } => {
            for arg in args {
                if let GenericArg::Type(ty) = arg {
                    type_ids(ty, out);
                }
            }
        }
        GenericArgs::Parenthesized { inputs, output } => {
            inputs.iter().for_each(|t| type_ids(t, out));
            if let Some(output) = output {
                type_ids(output, out);
            }
        }
        GenericArgs::ReturnTypeNotation => {}
    }
}

fn bounds_ids(bounds: &[GenericBound], out: &mut Vec<Id>) {
    for bound in bounds {
        if let GenericBound::TraitBound { trait_, .. } = bound {
            out.push(trait_.id);
        }
    }
}

/// The attributes that are part of the API, as a prefix. `must_use`'s reason
/// and deprecation notes are left out: rewording them changes no API.
fn attributes(item: &Item) -> String {
    let mut out = String::new();
    if item.deprecation.is_some() {
        out.push_str("#[deprecated] ");
    }
    for attr in &item.attrs {
        match attr {
            Attribute::NonExhaustive => out.push_str("#[non_exhaustive] "),
            Attribute::MustUse { .. } => out.push_str("#[must_use] "),
            Attribute::Repr(repr) => {
                let mut parts: Vec<String> = Vec::new();
                match repr.kind {
                    ReprKind::Rust => {}
                    ReprKind::C => parts.push("C".into()),
                    ReprKind::Transparent => parts.push("transparent".into()),
                    ReprKind::Simd => parts.push("simd".into()),
                }
                parts.extend(repr.int.clone());
                parts.extend(repr.align.map(|a| format!("align({a})")));
                parts.extend(repr.packed.map(|p| format!("packed({p})")));
                if !parts.is_empty() {
                    out.push_str(&format!("#[repr({})] ", parts.join(", ")));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&[&str]]) -> BTreeSet<Vec<String>> {
        list.iter()
            .map(|p| p.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn home_is_the_definition_when_public() {
        let reachable = paths(&[&["k", "Key"], &["k", "keys", "Key"]]);
        let definition = path(&["k", "keys", "Key"]);
        assert_eq!(home(Some(&definition), &reachable), Some(definition));
    }

    #[test]
    fn home_of_a_private_definition_shares_most_of_its_path() {
        let reachable = paths(&[&["k", "Key"], &["k", "keys", "Key"]]);
        let definition = path(&["k", "keys", "model", "Key"]);
        assert_eq!(
            home(Some(&definition), &reachable),
            Some(path(&["k", "keys", "Key"]))
        );
        // Nothing shared beyond the crate: the shortest public path.
        let definition = path(&["k", "client", "Client"]);
        let reachable = paths(&[&["k", "Client"], &["k", "prelude", "Client"]]);
        assert_eq!(
            home(Some(&definition), &reachable),
            Some(path(&["k", "Client"]))
        );
    }

    #[test]
    fn where_predicates_make_an_impl_header_worth_showing() {
        let imp: Impl = serde_json::from_value(serde_json::json!({
            "is_unsafe": false,
            "generics": {"params": [], "where_predicates": [
                {"lifetime_predicate": {"lifetime": "'a", "outlives": ["'b"]}}
            ]},
            "provided_trait_methods": [],
            "trait": null,
            "for": {"generic": "T"},
            "items": [],
            "is_negative": false,
            "is_synthetic": false,
            "blanket_impl": null
        }))
        .unwrap();
        assert!(!trivial_impl_generics(&imp));
    }
}
