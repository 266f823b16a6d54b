//! The language reference, made from the table: each operator's page (the `dstream` crate's
//! module `operators::<name>`), the overview of `dstream::operators` and the index by kind of
//! `stream!`'s documentation. The text lives in the operator's module (`defs/<name>.rs`), so
//! adding an operator adds its documentation with it; the hidden macros of `lib.rs` place
//! these in the `dstream` crate, where rustdoc renders them and runs their examples.

use super::{Kind, OpSpec, OPERATORS};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The operators in the order of the reference: by kind (as [`KINDS`] lists them), then by
/// name.
fn in_reference_order() -> Vec<&'static OpSpec> {
    let mut ops: Vec<&'static OpSpec> = OPERATORS.to_vec();
    ops.sort_by_key(|op| (KINDS.iter().position(|(kinds, _, _)| kinds.contains(&op.kind)), op.name));
    ops
}

/// The kinds in the order of the reference, each with its name in the overview's `Kind`
/// column and its row of the index.
const KINDS: &[(&[Kind], &str, &str)] = &[
    (&[Kind::Source], "source", "sources"),
    (&[Kind::Narrow], "narrow", "record by record (fused)"),
    (&[Kind::Shuffle], "shuffle", "per key or per batch (a shuffle)"),
    (&[Kind::Reshape], "reshape", "reshaping"),
    (&[Kind::Union, Kind::Binary], "two streams", "several streams"),
    (&[Kind::Window], "window", "windows"),
    (&[Kind::State], "state", "state across batches"),
    (&[Kind::Output], "output", "outputs"),
];

/// The name of `kind` in the overview's `Kind` column.
fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Union => "union",
        _ => KINDS.iter().find(|(kinds, _, _)| kinds.contains(&kind)).map_or("", |(_, label, _)| label),
    }
}

/// Every operator's page: `#[doc = ..] pub mod <name> {}`, by name.
pub fn pages() -> TokenStream {
    let mut ops: Vec<&'static OpSpec> = OPERATORS.to_vec();
    ops.sort_by_key(|op| op.name);
    ops.iter()
        .map(|op| {
            let name = format_ident!("{}", op.name);
            let docs = doc_attributes(op.page.text);
            quote!(#(#docs)* pub mod #name {})
        })
        .collect()
}

/// `text` as doc attributes: a fence `` ```[feature] `` (or `` ```compile_fail[feature] ``)
/// becomes the fence when `dstream` has that feature, else an `ignore` fence.
fn doc_attributes(text: &str) -> Vec<TokenStream> {
    let mut attributes = Vec::new();
    let mut chunk = String::new();
    for line in text.split('\n') {
        match feature_fence(line) {
            Some((fence, feature)) => {
                attributes.push(quote!(#[doc = #chunk]));
                chunk.clear();
                attributes.push(quote!(
                    #[cfg_attr(feature = #feature, doc = #fence)]
                    #[cfg_attr(not(feature = #feature), doc = "```ignore")]
                ));
            }
            None => {
                if !chunk.is_empty() {
                    chunk.push('\n');
                }
                chunk.push_str(line);
            }
        }
    }
    attributes.push(quote!(#[doc = #chunk]));
    attributes
}

/// The fence and the feature of a line `` ```attrs[feature] ``.
fn feature_fence(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("```")?.strip_suffix(']')?;
    let (attrs, feature) = rest.split_once('[')?;
    Some((format!("```{attrs}"), feature.to_string()))
}

/// The overview of `dstream::operators`: one row per operator, linked to its page.
pub fn overview() -> String {
    let mut table = String::from("| Operator | Spark | Kind | Output per batch |\n|---|---|---|---|\n");
    for op in in_reference_order() {
        table.push_str(&format!(
            "| [`{}`](mod@{}) | {} | {} | {} |\n",
            op.signature(),
            op.name,
            op.page.spark,
            kind_label(op.kind),
            op.page.output
        ));
    }
    table
}

/// The index of `stream!`'s documentation: the operators by kind, linked to their pages.
pub fn index() -> String {
    let mut table = String::from("| kind | operators |\n|---|---|\n");
    let ops = in_reference_order();
    for (kinds, _, row) in KINDS {
        let links: Vec<String> = ops
            .iter()
            .filter(|op| kinds.contains(&op.kind))
            .map(|op| format!("[`{0}`](crate::operators::{0})", op.name))
            .collect();
        table.push_str(&format!("| {row} | {} |\n", links.join(", ")));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_fences_run_only_with_their_feature() {
        let attributes: Vec<String> =
            doc_attributes("a\n```compile_fail[sqlite]\ncode\n```").iter().map(|a| a.to_string()).collect();
        assert_eq!(attributes.len(), 3, "{attributes:?}");
        assert_eq!(attributes[0], r#"# [doc = "a"]"#);
        assert!(
            attributes[1].contains(r#"cfg_attr (feature = "sqlite" , doc = "```compile_fail")"#),
            "{attributes:?}"
        );
        assert!(attributes[1].contains(r#"cfg_attr (not (feature = "sqlite") , doc = "```ignore")"#));
        assert_eq!(attributes[2], "# [doc = \"code\\n```\"]");
        assert_eq!(feature_fence("```"), None);
        assert_eq!(feature_fence("```rust"), None);
    }

    #[test]
    fn every_operator_is_in_the_overview_and_the_index_once() {
        let (overview, index) = (overview(), index());
        for op in OPERATORS {
            assert_eq!(overview.matches(&format!("](mod@{})", op.name)).count(), 1, "{}", op.name);
            assert_eq!(index.matches(&format!("(crate::operators::{})", op.name)).count(), 1, "{}", op.name);
        }
        assert_eq!(pages().to_string().matches("pub mod").count(), OPERATORS.len());
    }
}
