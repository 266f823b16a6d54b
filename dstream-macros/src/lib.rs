//! The `stream!` compiler: parses, checks and expands a dstream program at compile time.
//!
//! Phases, one module each, with typed data between them:
//!
//! | phase | takes | hands on |
//! |---|---|---|
//! | `parse` | tokens | [`parse::Program`]: statements, operator calls, raw arguments, spans |
//! | `graph` | `Program` | [`graph::Graph`]: operator nodes with inputs, `let` names resolved, `every` clauses |
//! | `check` | `graph::Graph` | [`ir::Graph`]: every node a typed [`ir::Op`], batch interval, settings; or all errors |
//! | `lower` | `ir::Graph` | `ir::Graph` with composite operators rewritten into basic ones |
//! | `plan` | `ir::Graph` | [`plan::Plan`]: steps and fused stages, slides, start-up checks |
//! | `codegen` | `ir::Graph` + `Plan` | the job's Rust code |
//!
//! `ops` is the operator table (`ops/defs/`, one module per operator); `slides` holds Spark's window rules;
//! `settings` the `#![..]` settings; `diag` collects errors and warnings. This file is the
//! only one that touches `proc_macro`; everything else works on `proc_macro2` and is
//! unit-tested.
//!
//! # Adding an operator
//!
//! What a new operator touches depends on what it is:
//!
//! | operator | touches |
//! |---|---|
//! | a connector (source or output) | its module in `ops/defs/` whose `build` returns `Source::Connector` / `Op::Output(Target::Connector)` from `BoundArgs::call`, and its constructor in `dstream_core::connectors` |
//! | a composite (made of existing operators) | its entry, an [`ir::Op`] variant (checked as written), its arm in `Op::kind`, and its rewrite in `lower` |
//! | a new primitive | its entry, a variant of its class (`NarrowOp`, `ShuffleOp`, …) and of [`ir::Op`], its arm in `Op::kind`, and its code in the class's codegen file (`codegen/stage.rs` for record-by-record operators, `codegen/ends.rs` for shuffles and outputs, `codegen/steps.rs` for windows, state and two-stream operators) |
//!
//! and, for every one, its documentation page in `dstream`'s `src/operators.rs`, a link from
//! the `stream!` reference, an expansion snapshot and a UI test: `ops/completeness.rs` fails
//! naming what is missing, and `diag_coverage.rs` fails for a new message without a UI test.
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
