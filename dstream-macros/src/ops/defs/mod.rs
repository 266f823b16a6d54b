//! One module per operator: its entry of the table (name, kind, parameters, summary, runnable
//! example, and how its checked arguments become a typed [`Op`](crate::ir::Op)), and how it
//! becomes code: its codegen hook of its kind (`emit`), or for a composite its lowering
//! (`lower`). Its user documentation is the module of the same name in the `dstream` crate's
//! `operators.rs`; `completeness.rs` checks that it is there.
//!
//! Adding an operator: a new file here defining `pub static SPEC: OpSpec`, and its name in the
//! `operators!` list below (which declares the module and puts it in the table), as Hydro's
//! `dfir_lang` lists its operators in `declare_ops!`. This file also holds what several
//! entries share (parameter lists, the window steps of composites).

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
    OpSpec { name, kind, args, variadic: false, summary, example, build, emit: Emit::Step, lower: None }
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

/// Declares each operator's module and lists its `SPEC` in [`OPERATORS`], in this order.
macro_rules! operators {
    ($($name:ident),* $(,)?) => {
        $(mod $name;)*

        /// Every operator of the language.
        pub static OPERATORS: &[&OpSpec] = &[$(&$name::SPEC),*];
    };
}

operators![
    socket,
    queue,
    text_files,
    source,
    kafka,
    nats,
    map,
    flat_map,
    filter,
    map_values,
    flat_map_values,
    union,
    glom,
    map_partitions,
    repartition,
    transform,
    transform_with,
    join,
    left_outer_join,
    right_outer_join,
    full_outer_join,
    cogroup,
    combine_by_key,
    reduce_by_key,
    group_by_key,
    count_by_value,
    count,
    reduce,
    window,
    reduce_by_key_and_window,
    reduce_by_window,
    count_by_window,
    count_by_value_and_window,
    group_by_key_and_window,
    update_state_by_key,
    map_with_state,
    state_snapshots,
    print,
    foreach_batch,
    foreach_partition,
    save_as_text_files,
    dashboard,
    to_sql,
    to_kafka,
    output,
];
