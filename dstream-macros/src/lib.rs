//! The `stream!` compiler: parses, checks and expands a dstream program at compile time.
//!
//! Phases, one module each, with typed data between them:
//! `parse` (tokens → syntax tree) → `graph` (operator nodes, named streams) → `validate`
//! (every check, errors collected) → `plan` (stages cut at shuffles) → `codegen` (one fused
//! loop per stage). `diag` collects errors and warnings. This file is the only one that
//! touches `proc_macro`; everything else works on `proc_macro2` and is unit-tested.
#![warn(missing_docs)]

mod codegen;
mod diag;
mod explain;
mod graph;
mod ops;
mod parse;
mod plan;
mod validate;

use proc_macro2::TokenStream;

/// Compiles a dstream program into a [`Job`](../dstream/struct.Job.html).
///
/// See the `dstream` crate for the language.
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
            return diag::placeholder(&diagnostics);
        }
    };
    let mut graph = graph::lower(program, &mut diagnostics);
    let Some(checked) = validate::validate(&graph, &mut diagnostics) else {
        return diag::placeholder(&diagnostics);
    };
    graph::expand_composites(&mut graph);
    let plan = plan::plan(&graph, &checked, &mut diagnostics);
    if diagnostics.has_errors() {
        return diag::placeholder(&diagnostics);
    }
    codegen::generate(&graph, &plan, diagnostics.warning_tokens())
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
    fn valid_program_expands_to_a_job() {
        let out =
            expand(quote! { queue(x) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print }).to_string();
        assert!(out.contains("Job :: new"), "{out}");
        assert!(out.contains("exchange_combine"));
        assert!(!out.contains("compile_error"));
    }
}
