//! A check on the closures that read records a state store owns: there, words are `String`,
//! not `&str` (the store keeps them after their batch's text is gone), so a closure annotated
//! `|w: &str|` cannot take them. The error is on the annotation and says what to write
//! instead, rather than rustc's mismatch between closure signatures. (A window emits its
//! records in the type they had before it, `BorrowBack`: it passes owned records through.)

use crate::diag::{written, Diagnostics};
use crate::graph::{Graph, Node, NodeId};
use crate::ops::Kind;
use crate::parse::Arg;
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// Reports every `map`/`flat_map`/`filter` closure whose parameter is annotated with `&str`
/// (anywhere in its type) where the records it reads are owned.
pub fn check(graph: &Graph, diag: &mut Diagnostics) {
    for node in &graph.nodes {
        let Some(spec) = node.spec else { continue };
        if !matches!(spec.name, "map" | "flat_map" | "filter") {
            continue;
        }
        let Some(Arg::Expr(syn::Expr::Closure(closure))) = node.args.first() else { continue };
        let Some(syn::Pat::Type(param)) = closure.inputs.first() else { continue };
        if !has_str_ref(param.ty.to_token_stream()) {
            continue;
        }
        let Some(owner) = node.input.and_then(|input| owner_of(graph, input)) else { continue };
        let owned = written(&replace_str_refs(param.ty.to_token_stream()));
        diag.error(
            syn::spanned::Spanned::span(&param.ty),
            format!(
                "after `{owner}`, the records are owned: `{owner}` keeps them past their batch, so their text is `String`, not `&str`\nhelp: write `{pat}: {owned}` here instead of `{pat}: {typed}`",
                pat = written(&param.pat),
                typed = written(&param.ty),
            ),
        );
    }
}

/// The state operator whose owned records reach `id` unchanged (through `filter`,
/// `repartition`, windows and `union`), if any.
fn owner_of(graph: &Graph, id: NodeId) -> Option<String> {
    let node: &Node = &graph.nodes[id];
    let spec = node.spec?;
    match (spec.kind, spec.name) {
        // (`count_by_window` gives numbers; `map_with_state` whatever its function returns.)
        (Kind::State, "update_state_by_key" | "state_snapshots") => Some(node.name.to_string()),
        // A window's records have the type of its input's.
        (Kind::Window, name) if name != "count_by_window" => owner_of(graph, node.input?),
        (_, "filter" | "repartition") => owner_of(graph, node.input?),
        // A union's records are owned when any of its streams' are (text meets text as `String`).
        (Kind::Union, _) => node.input.iter().chain(&node.others).find_map(|&i| owner_of(graph, i)),
        _ => None,
    }
}

/// Whether the tokens hold `&str` or `&'a str`.
fn has_str_ref(tokens: TokenStream) -> bool {
    let mut rest = tokens.into_iter().peekable();
    while let Some(tree) = rest.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '&' => {
                if let Some(TokenTree::Punct(q)) = rest.peek() {
                    if q.as_char() == '\'' {
                        rest.next();
                        rest.next();
                    }
                }
                if matches!(rest.peek(), Some(TokenTree::Ident(i)) if i == "str") {
                    return true;
                }
            }
            TokenTree::Group(g) if has_str_ref(g.stream()) => return true,
            _ => {}
        }
    }
    false
}

/// The tokens with every `&str` and `&'a str` replaced by `String`.
fn replace_str_refs(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        let is_amp = matches!(&trees[i], TokenTree::Punct(p) if p.as_char() == '&');
        let lifetime = matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '\'');
        let str_at = if lifetime { i + 3 } else { i + 1 };
        if is_amp && matches!(trees.get(str_at), Some(TokenTree::Ident(s)) if s == "str") {
            out.push(TokenTree::Ident(syn::Ident::new("String", trees[str_at].span())));
            i = str_at + 1;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut group = proc_macro2::Group::new(g.delimiter(), replace_str_refs(g.stream()));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            tree => out.push(tree.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn text_references_become_strings() {
        let ty = quote!((&str, Option<&'a str>, &u32));
        assert!(has_str_ref(ty.clone()));
        assert!(!has_str_ref(quote!((&u32, String))));
        assert_eq!(written(&replace_str_refs(ty)), "(String, Option<String>, &u32)");
        assert_eq!(written(&replace_str_refs(quote!(&&str))), "&String");
    }

    fn errors(tokens: TokenStream) -> Vec<String> {
        let mut diag = Diagnostics::new();
        let graph = crate::graph::lower(crate::parse::parse(tokens).unwrap(), &mut diag);
        check(&graph, &mut diag);
        diag.messages()
    }

    #[test]
    fn reported_only_where_records_are_owned() {
        // A window's records have its input's type: borrowed words stay `&str`.
        let after_window = errors(quote! {
            queue(x) |> flat_map(split) |> window(2s) |> filter(|w: &&str| true) |> map(|w: &str| w.len()) every 1s |> print
        });
        assert_eq!(after_window, Vec::<String>::new());
        // Owned by a state store, still owned after a window.
        let state_then_window = errors(quote! {
            queue(x) |> map(|w| (w, 1)) |> update_state_by_key(f) |> window(2s)
                |> filter(|(w, _): &(&str, u32)| true) every 1s |> print
        });
        assert_eq!(state_then_window.len(), 1, "{state_then_window:?}");
        assert!(
            state_then_window[0].contains("after `update_state_by_key`")
                && state_then_window[0].contains("write `(w, _): &(String, u32)`"),
            "{state_then_window:?}"
        );
        let per_batch =
            errors(quote! { queue(x) |> flat_map(split) |> map(|w: &str| w.len()) every 1s |> print });
        assert_eq!(per_batch, Vec::<String>::new());
        let through_union = errors(quote! {
            let s = queue(x) |> map(|w| (w, 1)) |> update_state_by_key(f);
            queue(y) |> union(s) |> map(|(w, n): (&str, u32)| n) every 1s |> print
        });
        assert!(through_union[0].contains("write `(w, n): (String, u32)`"), "{through_union:?}");
    }
}
