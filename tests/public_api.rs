//! The public API, checked in: `tests/public-api.txt` lists every public item of `dstream`
//! and `dstream-core` (modules, types, traits, functions, constants, macros, and the public
//! methods, fields, variants and trait items of types), one `kind path` per line. The test
//! fails when an item appears or disappears without the list changing with it, so that a
//! change of the public surface is always deliberate and visible in review.
//!
//! After a deliberate change: `DSTREAM_BLESS=1 cargo test --test public_api`, then review
//! the diff of `tests/public-api.txt` like code.
//!
//! The list is read from the source with `syn` (no nightly rustdoc JSON): starting at each
//! crate's root it follows `pub mod` and `pub use` (paths, groups, renames and globs,
//! across the two crates) as if every feature were on. Items marked `#[doc(hidden)]`, such
//! as `__private` (what generated code calls), and items only under `cfg(test)` or
//! `cfg(not(feature = ..))` are not part of the API. Members (methods, fields, variants,
//! trait items) are listed once, under the shortest path of their type.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use syn::{Attribute, Item, UseTree, Visibility};

/// The crates whose API is listed, with their roots, and the crates they may re-export.
const CRATES: [(&str, &str); 3] = [
    ("dstream", "src/lib.rs"),
    ("dstream_core", "dstream-core/src/lib.rs"),
    ("dstream_macros", "dstream-macros/src/lib.rs"),
];

/// The crates whose public items are listed (the macro crate is reached through `dstream`).
const LISTED: [&str; 2] = ["dstream", "dstream_core"];

/// Where the list is kept.
const LIST: &str = "tests/public-api.txt";

/// A module: its crate and its path in the crate (`[]` for the root).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ModId {
    krate: usize,
    path: Vec<String>,
}

/// What a path names.
#[derive(Clone, Debug)]
enum Target {
    Module(ModId),
    /// An item defined in `module`, named `name`.
    Item {
        module: ModId,
        name: String,
    },
    /// Something outside the listed crates (`std::..`).
    External(String),
}

/// Every module of the crates, parsed.
struct Crates {
    modules: HashMap<ModId, Vec<Item>>,
}

impl Crates {
    fn load(root: &Path) -> Crates {
        let mut crates = Crates { modules: HashMap::new() };
        for (krate, (_, file)) in CRATES.iter().enumerate() {
            let file = root.join(file);
            let dir = file.parent().expect("a crate root in a directory").to_path_buf();
            crates.load_file(ModId { krate, path: Vec::new() }, &file, dir);
        }
        crates
    }

    fn load_file(&mut self, id: ModId, file: &Path, dir: PathBuf) {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("parse {}: {e}", file.display()));
        self.load_items(id, parsed.items, dir);
    }

    /// Stores a module's items and loads its child modules; `dir` holds the children's files.
    fn load_items(&mut self, id: ModId, items: Vec<Item>, dir: PathBuf) {
        for item in &items {
            let Item::Mod(m) = item else { continue };
            if !cfg_on(&m.attrs) {
                continue;
            }
            let name = m.ident.to_string();
            let mut child = id.clone();
            child.path.push(name.clone());
            match (&m.content, path_attr(&m.attrs)) {
                (Some((_, items)), _) => self.load_items(child, items.clone(), dir.join(&name)),
                (None, Some(path)) => {
                    let file = dir.join(path);
                    let child_dir = file.parent().expect("a module file in a directory").to_path_buf();
                    self.load_file(child, &file, child_dir);
                }
                (None, None) => {
                    let flat = dir.join(format!("{name}.rs"));
                    let file = if flat.exists() { flat } else { dir.join(&name).join("mod.rs") };
                    self.load_file(child, &file, dir.join(&name));
                }
            }
        }
        self.modules.insert(id, items);
    }

    fn items(&self, id: &ModId) -> &[Item] {
        self.modules.get(id).map_or(&[], Vec::as_slice)
    }

    /// What `name` means inside module `id`: an item, a child module or an import.
    fn lookup(&self, id: &ModId, name: &str, depth: usize) -> Option<Target> {
        assert!(depth < 32, "a cycle of imports through {id:?}::{name}");
        for item in self.items(id).iter().filter(|item| cfg_on(attrs(item))) {
            if let Item::Mod(m) = item {
                if m.ident == name {
                    let mut child = id.clone();
                    child.path.push(name.to_string());
                    return Some(Target::Module(child));
                }
            } else if item_name(item).as_deref() == Some(name) {
                return Some(Target::Item { module: id.clone(), name: name.to_string() });
            }
        }
        // `#[macro_export]` macros live at their crate's root.
        if id.path.is_empty() {
            for (module, items) in &self.modules {
                let exported = items.iter().any(|item| {
                    matches!(item, Item::Macro(m) if m.ident.as_ref().is_some_and(|i| i == name)
                        && has_attr(&m.attrs, "macro_export"))
                });
                if module.krate == id.krate && exported {
                    return Some(Target::Item { module: module.clone(), name: name.to_string() });
                }
            }
        }
        let mut globs = Vec::new();
        for item in self.items(id).iter().filter(|item| cfg_on(attrs(item))) {
            let Item::Use(u) = item else { continue };
            for (binding, path) in flatten_use(&u.tree) {
                match binding {
                    // `pub use ::other_crate;`: a re-export of a crate outside the walk.
                    Some(binding) if binding == name && u.leading_colon.is_some() => {
                        return Some(Target::External(path.join("::")))
                    }
                    Some(binding) if binding == name => return Some(self.resolve(id, &path, depth + 1)),
                    None => globs.push(path),
                    Some(_) => {}
                }
            }
        }
        for path in globs {
            if let Target::Module(module) = self.resolve(id, &path, depth + 1) {
                if let Some(target) = self.lookup(&module, name, depth + 1) {
                    return Some(target);
                }
            }
        }
        None
    }

    /// What the path `segments`, written in module `id`, names.
    fn resolve(&self, id: &ModId, segments: &[String], depth: usize) -> Target {
        let crate_named = |name: &str| CRATES.iter().position(|(krate, _)| *krate == name);
        let (mut current, rest) = match segments[0].as_str() {
            "crate" => (Target::Module(ModId { krate: id.krate, path: Vec::new() }), &segments[1..]),
            "self" => (Target::Module(id.clone()), &segments[1..]),
            "super" => {
                let mut parent = id.clone();
                parent.path.pop();
                (Target::Module(parent), &segments[1..])
            }
            // Crate names first: looking them up in a module with a glob import of that
            // crate would go round in circles (and no module here shadows them).
            first => match crate_named(first) {
                Some(krate) => (Target::Module(ModId { krate, path: Vec::new() }), &segments[1..]),
                None => match self.lookup(id, first, depth) {
                    Some(target) => (target, &segments[1..]),
                    None => return Target::External(segments.join("::")),
                },
            },
        };
        for segment in rest {
            current = match current {
                Target::Module(module) if segment == "super" => {
                    let mut parent = module;
                    parent.path.pop();
                    Target::Module(parent)
                }
                Target::Module(module) => match self.lookup(&module, segment, depth) {
                    Some(target) => target,
                    None => panic!("`{}` does not resolve from {id:?}", segments.join("::")),
                },
                // A variant or an associated item: outside what this list follows.
                Target::Item { .. } | Target::External(_) => return Target::External(segments.join("::")),
            };
        }
        current
    }

    /// The item `name` defined in `module`.
    fn definition(&self, module: &ModId, name: &str) -> Option<&Item> {
        self.items(module).iter().find(|item| item_name(item).as_deref() == Some(name) && cfg_on(attrs(item)))
    }
}

/// One public item: its kind, its public path, and what it is (for its members).
struct Entry {
    kind: &'static str,
    path: String,
    def: Option<(ModId, String)>,
}

/// Walks the public items of `module`, reached as `public`, into `out`.
fn walk(crates: &Crates, module: &ModId, public: &str, out: &mut Vec<Entry>, seen: &mut BTreeSet<String>) {
    if !seen.insert(public.to_string()) {
        return;
    }
    for item in crates.items(module) {
        if !cfg_on(attrs(item)) || hidden(attrs(item)) {
            continue;
        }
        match item {
            Item::Use(u) if matches!(u.vis, Visibility::Public(_)) => {
                for (binding, path) in flatten_use(&u.tree) {
                    let target = crates.resolve(module, &path, 0);
                    match binding {
                        Some(binding) => export(crates, target, &format!("{public}::{binding}"), out, seen),
                        None => {
                            let Target::Module(inner) = target else {
                                panic!("glob of a non-module {path:?}")
                            };
                            walk_glob(crates, &inner, public, out, seen);
                        }
                    }
                }
            }
            Item::Mod(m) if matches!(m.vis, Visibility::Public(_)) => {
                let mut child = module.clone();
                child.path.push(m.ident.to_string());
                let path = format!("{public}::{}", m.ident);
                out.push(Entry { kind: "mod", path: path.clone(), def: None });
                walk(crates, &child, &path, out, seen);
            }
            Item::Macro(m) if has_attr(&m.attrs, "macro_export") && module.path.is_empty() => {
                // Listed where `lookup` finds it: at the crate root (below, for nested ones).
                let name = m.ident.as_ref().expect("macro_rules! has a name");
                out.push(Entry { kind: "macro", path: format!("{public}::{name}"), def: None });
            }
            _ => {
                if let (Some(kind), Some(name)) = (item_kind(item), item_name(item)) {
                    if is_pub(item) {
                        let def = Some((module.clone(), name.clone()));
                        out.push(Entry { kind, path: format!("{public}::{name}"), def });
                    }
                }
            }
        }
    }
    // `#[macro_export]` macros defined in nested modules appear at the crate root.
    if module.path.is_empty() && LISTED.contains(&CRATES[module.krate].0) {
        for (other, items) in &crates.modules {
            if other.krate != module.krate || other.path.is_empty() {
                continue;
            }
            for item in items {
                if let Item::Macro(m) = item {
                    if has_attr(&m.attrs, "macro_export") && cfg_on(&m.attrs) && !hidden(&m.attrs) {
                        let name = m.ident.as_ref().expect("macro_rules! has a name");
                        out.push(Entry { kind: "macro", path: format!("{public}::{name}"), def: None });
                    }
                }
            }
        }
    }
}

/// The public items of `module` under `public`, as a glob import brings them.
fn walk_glob(
    crates: &Crates,
    module: &ModId,
    public: &str,
    out: &mut Vec<Entry>,
    seen: &mut BTreeSet<String>,
) {
    // A glob adds names to `public`, which may already have been walked: walk `module`
    // under the same name without the `seen` check.
    let mut fresh = BTreeSet::new();
    walk(crates, module, public, out, &mut fresh);
    seen.extend(fresh);
}

/// One `pub use` binding: `target` is public as `path`.
fn export(crates: &Crates, target: Target, path: &str, out: &mut Vec<Entry>, seen: &mut BTreeSet<String>) {
    match target {
        Target::Module(module) => {
            out.push(Entry { kind: "mod", path: path.to_string(), def: None });
            walk(crates, &module, path, out, seen);
        }
        Target::Item { module, name } => {
            let item = crates.definition(&module, &name);
            match item {
                Some(item) if hidden(attrs(item)) => {}
                Some(item) => {
                    let kind = item_kind(item).unwrap_or("item");
                    out.push(Entry { kind, path: path.to_string(), def: Some((module, name)) });
                }
                // A `#[macro_export]` macro (found in another module) or a proc macro.
                None => out.push(Entry { kind: "macro", path: path.to_string(), def: None }),
            }
        }
        Target::External(from) => {
            out.push(Entry { kind: "use", path: format!("{path} = {from}"), def: None })
        }
    }
}

/// The members of a type or trait: public methods of its inherent impls (in its module and
/// the modules below it, where a big type's impls may be split), public fields, variants,
/// trait items.
fn members(crates: &Crates, module: &ModId, name: &str) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    match crates.definition(module, name) {
        Some(Item::Struct(s)) => {
            for field in &s.fields {
                if let (Some(ident), Visibility::Public(_)) = (&field.ident, &field.vis) {
                    if !hidden(&field.attrs) {
                        found.push(("field", ident.to_string()));
                    }
                }
            }
        }
        Some(Item::Enum(e)) => found.extend(
            e.variants.iter().filter(|v| !hidden(&v.attrs)).map(|v| ("variant", v.ident.to_string())),
        ),
        Some(Item::Trait(t)) => {
            for item in &t.items {
                match item {
                    syn::TraitItem::Fn(f) if !hidden(&f.attrs) => found.push(("fn", f.sig.ident.to_string())),
                    syn::TraitItem::Type(ty) if !hidden(&ty.attrs) => {
                        found.push(("type", ty.ident.to_string()))
                    }
                    syn::TraitItem::Const(c) if !hidden(&c.attrs) => {
                        found.push(("const", c.ident.to_string()))
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    let impls = crates
        .modules
        .iter()
        .filter(|(id, _)| id.krate == module.krate && id.path.starts_with(&module.path))
        .flat_map(|(_, items)| items);
    for item in impls {
        let Item::Impl(imp) = item else { continue };
        let self_named = matches!(&*imp.self_ty, syn::Type::Path(p)
            if p.path.segments.last().is_some_and(|s| s.ident == name));
        if imp.trait_.is_some() || !self_named || !cfg_on(&imp.attrs) || hidden(&imp.attrs) {
            continue;
        }
        for member in &imp.items {
            match member {
                syn::ImplItem::Fn(f) if matches!(f.vis, Visibility::Public(_)) && !hidden(&f.attrs) => {
                    found.push(("fn", f.sig.ident.to_string()))
                }
                syn::ImplItem::Const(c) if matches!(c.vis, Visibility::Public(_)) && !hidden(&c.attrs) => {
                    found.push(("const", c.ident.to_string()))
                }
                _ => {}
            }
        }
    }
    found
}

/// The sorted list of `kind path` lines.
fn public_api(root: &Path) -> Vec<String> {
    let crates = Crates::load(root);
    let mut entries = Vec::new();
    let mut seen = BTreeSet::new();
    for name in LISTED {
        let krate = CRATES.iter().position(|(k, _)| *k == name).expect("a listed crate");
        walk(&crates, &ModId { krate, path: Vec::new() }, name, &mut entries, &mut seen);
    }
    // Members once, under the shortest public path of their type.
    let mut shortest: HashMap<(ModId, String), &str> = HashMap::new();
    for entry in &entries {
        if let Some(def) = &entry.def {
            let best = shortest.entry(def.clone()).or_insert(&entry.path);
            if (entry.path.matches("::").count(), entry.path.as_str()) < (best.matches("::").count(), *best) {
                *best = &entry.path;
            }
        }
    }
    let mut lines: BTreeSet<String> = entries.iter().map(|e| format!("{} {}", e.kind, e.path)).collect();
    for ((module, name), path) in &shortest {
        for (kind, member) in members(&crates, module, name) {
            lines.insert(format!("{kind} {path}::{member}"));
        }
    }
    lines.into_iter().collect()
}

/// The `(binding, path)` pairs of a `use` tree; `None` for a glob (`path` is the module).
fn flatten_use(tree: &UseTree) -> Vec<(Option<String>, Vec<String>)> {
    fn go(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Option<String>, Vec<String>)>) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                go(&p.tree, prefix, out);
                prefix.pop();
            }
            UseTree::Name(n) if n.ident == "self" => {
                out.push((prefix.last().cloned(), prefix.clone()));
            }
            UseTree::Name(n) => {
                let mut path = prefix.clone();
                path.push(n.ident.to_string());
                out.push((Some(n.ident.to_string()), path));
            }
            UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                // `use x as _` binds nothing.
                if r.rename != "_" {
                    out.push((Some(r.rename.to_string()), path));
                }
            }
            UseTree::Glob(_) => out.push((None, prefix.clone())),
            UseTree::Group(g) => g.items.iter().for_each(|tree| go(tree, prefix, out)),
        }
    }
    let mut out = Vec::new();
    go(tree, &mut Vec::new(), &mut out);
    out
}

fn attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

fn item_name(item: &Item) -> Option<String> {
    match item {
        Item::Const(i) => Some(i.ident.to_string()),
        Item::Enum(i) => Some(i.ident.to_string()),
        Item::Fn(i) => Some(i.sig.ident.to_string()),
        Item::Macro(i) => i.ident.as_ref().map(ToString::to_string),
        Item::Static(i) => Some(i.ident.to_string()),
        Item::Struct(i) => Some(i.ident.to_string()),
        Item::Trait(i) => Some(i.ident.to_string()),
        Item::Type(i) => Some(i.ident.to_string()),
        Item::Union(i) => Some(i.ident.to_string()),
        _ => None,
    }
}

fn item_kind(item: &Item) -> Option<&'static str> {
    match item {
        Item::Const(_) => Some("const"),
        Item::Enum(_) => Some("enum"),
        // Functions of the macro crate are procedural macros.
        Item::Fn(f) if has_attr(&f.attrs, "proc_macro") => Some("macro"),
        Item::Fn(_) => Some("fn"),
        Item::Macro(_) => Some("macro"),
        Item::Static(_) => Some("static"),
        Item::Struct(_) => Some("struct"),
        Item::Trait(_) => Some("trait"),
        Item::Type(_) => Some("type"),
        Item::Union(_) => Some("union"),
        _ => None,
    }
}

fn is_pub(item: &Item) -> bool {
    let vis = match item {
        Item::Const(i) => &i.vis,
        Item::Enum(i) => &i.vis,
        Item::Fn(i) => &i.vis,
        Item::Static(i) => &i.vis,
        Item::Struct(i) => &i.vis,
        Item::Trait(i) => &i.vis,
        Item::Type(i) => &i.vis,
        Item::Union(i) => &i.vis,
        _ => return false,
    };
    matches!(vis, Visibility::Public(_))
}

fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

/// `#[doc(hidden)]`.
fn hidden(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc") && a.parse_args::<syn::Ident>().is_ok_and(|ident| ident == "hidden")
    })
}

/// `#[path = ".."]`.
fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find(|a| a.path().is_ident("path")).map(|a| match &a.meta {
        syn::Meta::NameValue(syn::MetaNameValue { value: syn::Expr::Lit(lit), .. }) => match &lit.lit {
            syn::Lit::Str(s) => s.value(),
            _ => panic!("#[path] takes a string"),
        },
        _ => panic!("#[path] takes a string"),
    })
}

/// Whether the item's `#[cfg(..)]`s hold with every feature on, outside tests, on Unix.
fn cfg_on(attrs: &[Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).all(|a| {
        let meta: syn::Meta = a.parse_args().unwrap_or_else(|e| panic!("a #[cfg] that syn cannot read: {e}"));
        cfg_holds(&meta)
    })
}

fn cfg_holds(meta: &syn::Meta) -> bool {
    let nested = |list: &syn::MetaList| -> Vec<syn::Meta> {
        list.parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
            .map(|p| p.into_iter().collect())
            .unwrap_or_default()
    };
    match meta {
        syn::Meta::Path(p) => p.is_ident("unix") || p.is_ident("debug_assertions"),
        syn::Meta::NameValue(nv) => nv.path.is_ident("feature") || nv.path.is_ident("target_family"),
        syn::Meta::List(list) if list.path.is_ident("not") => !nested(list).iter().all(cfg_holds),
        syn::Meta::List(list) if list.path.is_ident("all") => nested(list).iter().all(cfg_holds),
        syn::Meta::List(list) if list.path.is_ident("any") => nested(list).iter().any(cfg_holds),
        syn::Meta::List(_) => false,
    }
}

/// The lines of `ours` not in `theirs`.
fn missing_from<'a>(ours: &'a [String], theirs: &[String]) -> Vec<&'a str> {
    let theirs: BTreeSet<&str> = theirs.iter().map(String::as_str).collect();
    ours.iter().map(String::as_str).filter(|line| !theirs.contains(line)).collect()
}

#[test]
fn the_public_api_is_the_checked_in_list() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let current = public_api(root);
    let list = root.join(LIST);
    if std::env::var_os("DSTREAM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&list, current.join("\n") + "\n").expect("write tests/public-api.txt");
        return;
    }
    let recorded: Vec<String> = std::fs::read_to_string(&list)
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    let added = missing_from(&current, &recorded);
    let removed = missing_from(&recorded, &current);
    let mut diff = String::new();
    for line in &removed {
        diff.push_str(&format!("- {line}\n"));
    }
    for line in &added {
        diff.push_str(&format!("+ {line}\n"));
    }
    assert!(
        diff.is_empty(),
        "the public API differs from {LIST} (- gone, + new):\n{diff}\nIf the change is deliberate: \
         DSTREAM_BLESS=1 cargo test --test public_api, and review the list's diff."
    );
}

#[test]
fn the_walk_sees_what_it_must_and_nothing_hidden() {
    let api = public_api(Path::new(env!("CARGO_MANIFEST_DIR")));
    let has = |line: &str| api.iter().any(|l| l == line);
    // Items, re-exports across crates, globs, members and a feature-gated module.
    for line in [
        "struct dstream::Job",
        "fn dstream::Job::run",
        "macro dstream::stream",
        "macro dstream::prelude::stream",
        "struct dstream::prelude::Job",
        "trait dstream::source::Source",
        "fn dstream::source::Source::cut",
        "variant dstream::Error::Output",
        "mod dstream::dashboard",
    ] {
        assert!(has(line), "`{line}` is missing from the walk:\n{}", api.join("\n"));
    }
    assert!(api.iter().all(|line| !line.contains("__private")), "doc(hidden) items are listed");
}
