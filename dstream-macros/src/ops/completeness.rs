//! The operator table walked entry by entry: an operator is complete when it has a summary,
//! codegen of its kind (or a lowering), an example that compiles, an expansion snapshot, a
//! documentation page (its [`Page`](super::Page): text, Spark counterpart, output) with a
//! runnable example, and a UI test. Adding an operator without one of them fails here, naming
//! what is missing. (Its links from the `stream!` reference and the overview are generated
//! from the table: `pages.rs`.)
//!
//! The expansion snapshot of operator `op` is the plan of its example as `explain` prints it,
//! in `dstream-macros/expansions/op.txt`; write new or changed ones with
//! `DSTREAM_BLESS=1 cargo test -p dstream-macros`, then review the diff like code.

use super::{Emit, Kind, OpSpec, Page, OPERATORS};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The plan of `program` as `explain` prints it, or its errors.
fn expansion(program: &str) -> Result<String, Vec<String>> {
    let tokens: proc_macro2::TokenStream = program.parse().map_err(|e| vec![format!("{e}")])?;
    let mut diag = crate::diag::Diagnostics::new();
    let parsed = crate::parse::parse(tokens).map_err(|e| vec![e.to_string()])?;
    let graph = crate::graph::lower(parsed, &mut diag);
    let checked = crate::check::check(&graph, &mut diag).ok_or_else(|| diag.messages())?;
    let lowered = crate::lower::lower(checked);
    let plan = crate::plan::plan(&lowered);
    let code = crate::codegen::generate(&lowered, &plan, proc_macro2::TokenStream::new()).to_string();
    assert!(!code.contains("compile_error"), "{program}: {code}");
    Ok(crate::explain::text(&plan, &lowered))
}

/// What `op`'s page lacks: its text, its Spark counterpart or output for the overview, a first
/// line that names it, or an example that the doctests build (a fence that is not `ignore`,
/// `text` or `compile_fail`; a `no_run` one, for a connector that needs its server, is built
/// but not run).
fn page_problems(op: &OpSpec) -> Vec<String> {
    let (name, page) = (op.name, op.page);
    let mut problems = Vec::new();
    if page.text.trim().is_empty() {
        return vec![format!(
            "`{name}`: no documentation page (`static PAGE: Page` in its module, `.documented(&PAGE)`)"
        )];
    }
    if page.spark.trim().is_empty() || page.output.trim().is_empty() {
        problems.push(format!("`{name}`: its page has no `spark` or `output` for the overview table"));
    }
    if !page.text.trim_start().starts_with(&format!("`{name}")) {
        problems.push(format!("`{name}`: its page does not start with `{name}(..)`: what it does"));
    }
    if !has_built_example(page) {
        problems.push(format!("`{name}`: its documentation page has no example that the doctests build"));
    }
    problems
}

/// Whether `page` has a code block that rustdoc builds, and runs unless `no_run` (with
/// `dstream`'s features, for a `` ```[feature] `` fence).
fn has_built_example(page: &Page) -> bool {
    let mut in_block = false;
    for line in page.text.lines() {
        let Some(info) = line.trim_start().strip_prefix("```") else { continue };
        if !in_block {
            let info = info.split('[').next().unwrap_or_default();
            if matches!(info, "" | "rust" | "no_run") {
                return true;
            }
        }
        in_block = !in_block;
    }
    false
}

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    out
}

/// Whether `text` uses the operator `name` (as a whole word).
fn mentions(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        let before = text[..i].chars().next_back().is_none_or(|c| !word(c));
        let after = text[i + name.len()..].chars().next().is_none_or(|c| !word(c));
        before && after
    })
}

/// Whether codegen builds `op` from its own hook (the one its kind calls for), from
/// `steps.rs` (`union`, `window`), or never sees it (a composite, which `lower` rewrites).
fn has_code_of_its_kind(op: &OpSpec) -> bool {
    match (op.kind, op.emit) {
        (_, Emit::Lowered) => op.lower.is_some(),
        (Kind::Source, Emit::Source(_))
        | (Kind::Narrow, Emit::Record(_))
        | (Kind::Shuffle | Kind::Reshape | Kind::Output, Emit::StageEnd(_))
        | (Kind::State, Emit::State(_))
        | (Kind::Binary, Emit::Binary(_)) => true,
        (Kind::Union | Kind::Window, Emit::Step) => op.name == "union" || op.name == "window",
        _ => false,
    }
}

#[test]
fn every_operator_is_complete() {
    let ui_tests = sources(&root().join("ui-tests/tests/ui"));
    let bless = std::env::var_os("DSTREAM_BLESS").is_some();
    let mut missing = Vec::new();
    for op in OPERATORS {
        let name = op.name;
        if op.summary.is_empty() {
            missing.push(format!("`{name}`: no summary in the table"));
        }
        if !has_code_of_its_kind(op) {
            missing.push(format!(
                "`{name}`: a {:?} operator whose `emit` is {:?} (and `lower` {}): its code would be missing",
                op.kind,
                op.emit,
                if op.lower.is_some() { "set" } else { "unset" }
            ));
        }
        if !mentions(op.example, name) {
            missing.push(format!("`{name}`: its example does not use it"));
        }
        match expansion(op.example) {
            Err(errors) => missing.push(format!("`{name}`: its example does not compile: {errors:?}")),
            Ok(plan) => {
                let path = root().join(format!("dstream-macros/expansions/{name}.txt"));
                match std::fs::read_to_string(&path) {
                    _ if bless => std::fs::write(&path, &plan).expect("write the snapshot"),
                    Ok(stored) if stored == plan => {}
                    Ok(stored) => missing.push(format!(
                        "`{name}`: its expansion changed (bless with DSTREAM_BLESS=1):\n--- stored\n{stored}--- now\n{plan}"
                    )),
                    Err(_) => missing.push(format!("`{name}`: no expansion snapshot (write it with DSTREAM_BLESS=1)")),
                }
            }
        }
        missing.extend(page_problems(op));
        if !ui_tests.iter().any(|t| mentions(t, name)) {
            missing.push(format!("`{name}`: no UI test under ui-tests/tests/ui uses it"));
        }
    }
    assert!(missing.is_empty(), "incomplete operators:\n{}", missing.join("\n"));
}

#[test]
fn an_operator_without_code_of_its_kind_is_caught() {
    let map = super::lookup("map").expect("map");
    assert!(has_code_of_its_kind(map));
    assert!(!has_code_of_its_kind(&OpSpec { emit: Emit::Step, ..*map }));
    let print = super::lookup("print").expect("print");
    assert!(!has_code_of_its_kind(&OpSpec { emit: map.emit, ..*print }));
    let composite = super::lookup("count_by_window").expect("count_by_window");
    assert!(has_code_of_its_kind(composite));
    assert!(!has_code_of_its_kind(&OpSpec { lower: None, ..*composite }));
}

#[test]
fn an_operator_without_a_page_or_an_example_is_caught() {
    let map = super::lookup("map").expect("map");
    assert!(page_problems(map).is_empty(), "{:?}", page_problems(map));
    let undocumented = OpSpec { page: &Page::NONE, ..*map };
    assert_eq!(page_problems(&undocumented).len(), 1);
    static NOT_RUN: Page = Page {
        spark: "`map`",
        output: "records",
        text: "`map(func)`: ..\n\n```ignore\nlet x = 1;\n```\n\n```text\n```\n",
    };
    let not_run = OpSpec { page: &NOT_RUN, ..*map };
    assert_eq!(
        page_problems(&not_run),
        ["`map`: its documentation page has no example that the doctests build"]
    );
    static GATED: Page = Page { text: "`map(func)`: ..\n```[sqlite]\nlet x = 1;\n```\n", ..NOT_RUN };
    assert!(page_problems(&OpSpec { page: &GATED, ..*map }).is_empty());
    static MISNAMED: Page = Page { text: "`filter(f)`: ..\n```\nlet x = 1;\n```\n", ..NOT_RUN };
    assert_eq!(page_problems(&OpSpec { page: &MISNAMED, ..*map }).len(), 1);
}
