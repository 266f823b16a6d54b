//! The `stream!` compiler: parses, checks and expands a dstream program at compile time.
//!
//! Phases, one module each, with typed data between them:
//!
//! | phase | takes | hands on |
//! |---|---|---|
//! | `parse` | tokens | `parse::Program`: statements, operator calls, raw arguments, spans |
//! | `graph` | `Program` | `graph::Graph`: operator nodes with inputs, `let` names resolved, `every` clauses |
//! | `check` | `graph::Graph` | `ir::Graph`: every node a typed `ir::Op`, batch interval, settings; or all errors |
//! | `lower` | `ir::Graph` | `ir::Graph` with composite operators rewritten into basic ones |
//! | `plan` | `ir::Graph` | `plan::Plan`: steps and fused stages, slides, start-up checks |
//! | `codegen` | `ir::Graph` + `Plan` | the job's Rust code |
//!
//! `ops` is the operator table (`ops/defs/`, one module per operator); `slides` holds Spark's window rules;
//! `settings` the `#![..]` settings; `diag` collects errors and warnings. This file is the
//! only one that touches `proc_macro`; everything else works on `proc_macro2` and is
//! unit-tested.
//!
//! # Adding an operator
//!
//! Each operator is one module, `ops/defs/<name>.rs`, as Hydro's `dfir_lang` keeps one
//! `OperatorConstraints` per file, and the module is all of it: its table entry
//! (`ops::OpSpec`: name, kind, parameters, summary, runnable example), its `build` (checked
//! arguments into its typed `ir::Op`), either its codegen hook, typed by its kind
//! (`codegen/hooks.rs`: a source's constructor, one record's code in the fused loop, a stage's
//! end, a state step, a two-stream step) or, for a composite, its `lower` hook (the operators
//! it is made of), and its page of the language reference (`ops::Page`), which the hidden
//! macros below make the `dstream` crate's `operators::<name>` module, its row of the
//! operators' overview and its link from the `stream!` reference. `codegen/` keeps the shared
//! machinery (stages, fusion, exchanges, windows, unions, spans); `plan` cuts stages by kind.
//!
//! Nothing lists the operators by hand: `build.rs` declares every file of `ops/defs/` as a
//! module and puts it in `ops::OPERATORS`, by name. A new operator keeps its arguments in a
//! struct of its own (`Op::own(Args { .. })`, read by its hooks with `op.own_args`), so what it
//! touches is:
//!
//! | operator | touches |
//! |---|---|
//! | built from existing runtime functions (narrow, keyed aggregate, reshape, output, composite) | its module |
//! | a connector (source or output) | its module, whose `build` returns `Source::Connector` / `Op::Output(Target::Connector)` from `BoundArgs::call` and whose hook is `source`'s / `output`'s, and its constructor in `dstream_core::connectors` |
//! | one that needs new runtime behaviour | its module and its runtime function in `dstream-core` |
//! | a new primitive shape that the shared phases must know (a new kind of step, exchange or state) | also `ir::Op` (a variant of its own) and the phase that inspects it |
//!
//! and, for every one, its tests: an expansion snapshot (`expansions/<name>.txt`), a UI test
//! using it and its page's example (a doctest). `ops/completeness.rs` fails naming what is
//! missing (also when its hook is not the one its kind needs), and `diag_coverage.rs` fails
//! for a new message without a UI test. (The UI test of an unknown operator lists every
//! operator's name, so it is re-blessed too.)
#![warn(missing_docs)]

mod check;
mod codegen;
mod diag;
#[cfg(test)]
mod diag_coverage;
mod explain;
mod graph;
mod ir;
mod lower;
mod ops;
mod owned_records;
mod parse;
mod plan;
mod settings;
mod slides;

use proc_macro2::TokenStream;

/// Compiles a dstream program into a [`Job`](../dstream/struct.Job.html).
///
/// The language reference (grammar, every operator, `every`, durations, settings, errors) is
/// the documentation of `dstream::stream!`, where this macro is re-exported.
#[proc_macro]
pub fn stream(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(input.into()).into()
}

/// Every operator's page of the language reference, `pub mod <name> {}` with its documentation
/// from its module in `ops/defs/` (for `dstream::operators`).
#[doc(hidden)]
#[proc_macro]
pub fn __operator_pages(_: proc_macro::TokenStream) -> proc_macro::TokenStream {
    ops::pages::pages().into()
}

/// The overview table of the operators, as a string literal (for `dstream::operators`).
#[doc(hidden)]
#[proc_macro]
pub fn __operator_overview(_: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let table = ops::pages::overview();
    quote::quote!(#table).into()
}

/// The operators by kind, linked to their pages, as a string literal (for `stream!`).
#[doc(hidden)]
#[proc_macro]
pub fn __operator_index(_: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let table = ops::pages::index();
    quote::quote!(#table).into()
}

/// The whole compiler on `proc_macro2` tokens.
fn expand(input: TokenStream) -> TokenStream {
    let mut diagnostics = diag::Diagnostics::new();
    let program = match parse::parse(input) {
        Ok(program) => program,
        Err(error) => {
            diagnostics.push(error);
            return diag::placeholder(&diagnostics, &quote::quote!(::dstream::__private));
        }
    };
    let private = settings::private_path(&program.settings);
    let graph = graph::lower(program, &mut diagnostics);
    let Some(checked) = check::check(&graph, &mut diagnostics) else {
        return diag::placeholder(&diagnostics, &private);
    };
    let lowered = lower::lower(checked);
    let plan = plan::plan(&lowered);
    codegen::generate(&lowered, &plan, diagnostics.warning_tokens())
}

/// The checked and lowered graph of a program that has no errors (for tests).
#[cfg(test)]
fn checked(tokens: TokenStream) -> ir::Graph {
    let mut diagnostics = diag::Diagnostics::new();
    let graph = graph::lower(parse::parse(tokens).expect("parses"), &mut diagnostics);
    let checked = check::check(&graph, &mut diagnostics);
    assert!(!diagnostics.has_errors(), "{:?}", diagnostics.messages());
    lower::lower(checked.expect("checked"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn errors_expand_to_compile_errors_and_a_placeholder() {
        let out = expand(quote! { queue(x) |> mapp(f) |> print }).to_string();
        assert!(out.contains("compile_error"));
        assert!(out.contains("unknown operator `mapp`"));
        assert!(out.contains("missing batch interval"));
        assert!(out.contains("placeholder_job"));
    }

    #[test]
    fn crate_setting_replaces_every_path_to_dstream() {
        let program = quote! {
            #![crate = my_facade::dstream]
            #![checkpoint("dir")]
            let w = queue(x) |> flat_map(split) |> map(|w| (w, 1)) every 1s;
            w |> reduce_by_key_and_window(+, -, 2s) |> print;
            w |> union(w) |> map_with_state(f) |> state_snapshots |> print;
            w |> join(w) |> print
        };
        let out = expand(program).to_string();
        assert!(out.contains("my_facade :: dstream :: __private"), "{out}");
        assert!(!out.replace("my_facade :: dstream :: __private", "").contains("__private"), "{out}");
        let errors = expand(quote! { #![crate = my_facade::dstream] queue(x) |> mapp(f) every 1s |> print })
            .to_string();
        assert!(errors.contains("my_facade :: dstream :: __private :: placeholder_job"), "{errors}");
    }

    #[test]
    fn valid_program_expands_to_a_job() {
        let out =
            expand(quote! { queue(x) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print }).to_string();
        assert!(out.contains("Job :: new"), "{out}");
        assert!(out.contains("exchange_combine"));
        assert!(!out.contains("compile_error"));
    }
}
