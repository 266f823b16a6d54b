//! Program settings, written as inner attributes before the first statement:
//! `#![fused]` (the default), `#![unfused]`, `#![checkpoint(dir[, interval])]` and
//! `#![crate = path]` (where the `dstream` crate is, for a crate that re-exports it).

use crate::diag::Diagnostics;
use crate::ir::{self, Checkpoint, Dur, DurValue, Mode};
use crate::parse::Arg;
use proc_macro2::TokenStream;
use quote::quote;

/// The settings of a program.
pub struct Settings {
    pub mode: Mode,
    pub checkpoint: Option<Checkpoint>,
    /// The generated code's path to `dstream`'s private module.
    pub private: TokenStream,
}

const USAGE: &str = "the settings are `#![fused]` (the default), `#![unfused]`, `#![checkpoint(dir)]` / `#![checkpoint(dir, interval)]` and `#![crate = path::to::dstream]`";

/// Reads and checks every setting.
pub fn settings(attrs: &[syn::Attribute], diag: &mut Diagnostics) -> Settings {
    let mut mode = Mode::Fused;
    let mut checkpoint = None;
    for setting in attrs {
        let path = setting.path();
        let span = syn::spanned::Spanned::span(&setting.meta);
        match (&setting.meta, path.get_ident().map(|i| i.to_string()).as_deref()) {
            (syn::Meta::Path(_), Some("unfused")) => mode = Mode::Unfused,
            (syn::Meta::Path(_), Some("fused")) => mode = Mode::Fused,
            (syn::Meta::List(_), Some("checkpoint")) => checkpoint = checkpoint_setting(setting, diag),
            (syn::Meta::NameValue(nv), Some("crate")) => {
                if !matches!(nv.value, syn::Expr::Path(_)) {
                    diag.error(
                        syn::spanned::Spanned::span(&nv.value),
                        "`#![crate = ..]` takes the path where the `dstream` crate is, such as `#![crate = my_facade::dstream]`",
                    );
                }
            }
            _ => diag.error(span, format!("unknown program setting: {USAGE}")),
        }
    }
    Settings { mode, checkpoint, private: private_path(attrs) }
}

/// `#path::__private` for `#![crate = path]`, else `::dstream::__private`. Read before any
/// check, so that even the placeholder of a program with errors uses the right path.
pub fn private_path(attrs: &[syn::Attribute]) -> TokenStream {
    let written = attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("crate") => match &nv.value {
            syn::Expr::Path(p) => Some(p.path.clone()),
            _ => None,
        },
        _ => None,
    });
    match written {
        Some(path) => quote!(#path::__private),
        None => quote!(::dstream::__private),
    }
}

/// `#![checkpoint(dir)]` or `#![checkpoint(dir, interval)]`.
fn checkpoint_setting(setting: &syn::Attribute, diag: &mut Diagnostics) -> Option<Checkpoint> {
    let span = syn::spanned::Spanned::span(&setting.meta);
    let args =
        match setting.parse_args_with(syn::punctuated::Punctuated::<Arg, syn::Token![,]>::parse_terminated) {
            Ok(args) => args.into_iter().collect::<Vec<_>>(),
            Err(e) => {
                diag.push(e);
                return None;
            }
        };
    match args.as_slice() {
        [Arg::Expr(dir)] => Some(Checkpoint { dir: dir.clone(), interval: None }),
        [Arg::Expr(dir), Arg::Duration(d)] => match crate::check::duration_millis(d) {
            Ok(ms) => Some(Checkpoint {
                dir: dir.clone(),
                interval: Some(Dur { value: DurValue::Millis(ms), span: d.span }),
            }),
            Err(message) => {
                diag.error(d.span, message);
                None
            }
        },
        _ => {
            diag.error(
                span,
                "a checkpoint setting takes a directory and optionally an interval: write `#![checkpoint(\"dir\")]` or `#![checkpoint(\"dir\", 10s)]`",
            );
            None
        }
    }
}

/// The checkpoint interval must be a positive multiple of the batch interval (Spark rejects
/// others too, docs/semantics.md E21). With `every {expr}`, the job checks it when it starts.
pub fn checkpoint_interval(graph: &ir::Graph, diag: &mut Diagnostics) {
    let Some(Checkpoint { interval: Some(interval), .. }) = &graph.checkpoint else { return };
    if let (Some(ms), Some(b)) = (interval.millis(), graph.interval.millis()) {
        if ms == 0 || ms % b != 0 {
            diag.error(
                interval.span,
                format!("the checkpoint interval must be a positive multiple of the batch interval ({b} ms)"),
            );
        }
    }
}
