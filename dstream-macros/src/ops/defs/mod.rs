//! One module per operator, and everything about it: its entry of the table (name, kind,
//! parameters, summary, runnable example, and how its checked arguments become a typed
//! [`Op`](crate::ir::Op)), how it becomes code (its codegen hook of its kind, `emit`, or for a
//! composite its lowering, `lower`), and its page of the language reference (`PAGE`, which
//! becomes `dstream::operators::<name>`: `pages.rs`).
//!
//! Adding an operator is adding its file here, `<name>.rs`, defining `pub static SPEC: OpSpec`
//! (see `map.rs` for a narrow operator, `save_as_text_files.rs` for an output, `count_by_window.rs`
//! for a composite). Nothing else lists it: `build.rs` declares every file of this directory as a
//! module and puts its `SPEC` in [`OPERATORS`], by name. Its arguments are a struct of its own,
//! `Op::own(Args { .. })`, read back by its hook with `op.own_args::<Args>()`, so the IR needs no
//! new variant either; an `Op` variant of its own is only for what the shared phases inspect
//! (a new primitive shape: plan, `codegen/steps.rs`, explain). Its tests: an expansion snapshot
//! (`DSTREAM_BLESS=1 cargo test -p dstream-macros`), a UI test using it, and its page's
//! example; `completeness.rs` fails naming whichever is missing.
//!
//! `cargo fmt` does not reach these files (they are declared in `build.rs`'s output, as they
//! were inside a macro before): format one with `rustfmt --edition 2021 <file>`
//! (`.ci/run` checks them all with `rustfmt --check`).
//!
//! This file holds what several entries share (parameter lists, the window steps of composites).

use super::ArgKind::*;
use super::*;

const fn arg(name: &'static str, kind: ArgKind) -> ArgSpec {
    ArgSpec { name, kind, required: true }
}

const fn optional(name: &'static str, kind: ArgKind) -> ArgSpec {
    ArgSpec { name, kind, required: false }
}

/// An entry with no variadic parameter.
#[allow(clippy::too_many_arguments)]
const fn op(
    name: &'static str,
    kind: Kind,
    args: &'static [ArgSpec],
    summary: &'static str,
    example: &'static str,
    build: Build,
) -> OpSpec {
    OpSpec {
        name,
        kind,
        args,
        variadic: false,
        summary,
        example,
        build,
        emit: Emit::Step,
        lower: None,
        page: &Page::NONE,
    }
}

impl OpSpec {
    /// The entry with its codegen hook.
    const fn emits(self, emit: Emit) -> OpSpec {
        OpSpec { emit, ..self }
    }

    /// The entry of a composite, with its lowering (it has no code of its own).
    const fn lowers(self, lower: Lower) -> OpSpec {
        OpSpec { lower: Some(lower), emit: Emit::Lowered, ..self }
    }

    /// The entry with its page of the language reference.
    const fn documented(self, page: &'static Page) -> OpSpec {
        OpSpec { page, ..self }
    }
}

/// The join-like operators: `other` stream and an optional partition count.
const JOIN_ARGS: &[ArgSpec] = &[arg("other", Stream), optional("partitions", Count)];
/// A window's duration parameters.
const WINDOW_ARGS: &[ArgSpec] = &[arg("length", Duration), optional("slide", Duration)];

/// `window(w)`, as a composite's lowering writes it.
fn window(w: &crate::ir::WindowSpec) -> (&'static OpSpec, crate::ir::Op) {
    (&window::SPEC, crate::ir::Op::Window(w.clone()))
}

/// The incremental window of `func` and `inverse`, as the composite `spec`.
fn incremental(
    spec: &'static OpSpec,
    func: &crate::ir::Reducer,
    inverse: &crate::ir::Reducer,
    w: &crate::ir::WindowSpec,
    filter: Option<syn::Expr>,
) -> (&'static OpSpec, crate::ir::Op) {
    let op = crate::ir::Op::IncrementalWindow {
        func: func.clone(),
        inverse: inverse.clone(),
        window: w.clone(),
        filter,
    };
    (spec, op)
}

// The operators' modules and `OPERATORS`, the table: one entry per file of this directory, by
// name (written by `build.rs`).
include!(concat!(env!("OUT_DIR"), "/operators.rs"));
