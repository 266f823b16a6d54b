//! Phase 3, validate: every check on the graph, each a small named function with one
//! message, all errors collected and spanned on the user's token.

use crate::diag::Diagnostics;
use crate::graph::{Graph, Node};
use crate::ops::{self, ArgKind, OpSpec};
use crate::parse::{Arg, DurationLit};
use proc_macro2::Span;

/// Batch intervals below this are legal but probably a mistake (per-batch overhead dominates).
const SHORT_INTERVAL_MS: u64 = 10;

/// The checked facts later phases rely on.
pub struct Checked {
    pub interval_ms: u64,
    pub mode: Mode,
}

/// How stages run: fused (one loop per stage, the default) or unfused (a materialised
/// collection after every operator, for measuring what fusion buys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Fused,
    Unfused,
}

/// Runs every check. Returns `None` if any error was reported.
pub fn validate(graph: &Graph, diag: &mut Diagnostics) -> Option<Checked> {
    for node in &graph.nodes {
        match node.spec {
            None => unknown_operator(node, diag),
            Some(spec) => {
                source_position(node, spec, diag);
                output_position(graph, node, spec, diag);
                arity(node, spec, diag);
                argument_kinds(node, spec, diag);
            }
        }
    }
    statement_ends(graph, diag);
    unused_streams(graph, diag);
    let mode = settings(graph, diag);
    let interval_ms = batch_interval(graph, diag);
    if diag.has_errors() {
        return None;
    }
    interval_ms.map(|interval_ms| Checked { interval_ms, mode })
}

fn settings(graph: &Graph, diag: &mut Diagnostics) -> Mode {
    let mut mode = Mode::Fused;
    for setting in &graph.settings {
        let path = setting.path();
        match (&setting.meta, path.get_ident().map(|i| i.to_string()).as_deref()) {
            (syn::Meta::Path(_), Some("unfused")) => mode = Mode::Unfused,
            (syn::Meta::Path(_), Some("fused")) => mode = Mode::Fused,
            _ => diag.error(
                syn::spanned::Spanned::span(&setting.meta),
                "unknown program setting: the settings are `#![fused]` (the default) and `#![unfused]`",
            ),
        }
    }
    mode
}

fn unknown_operator(node: &Node, diag: &mut Diagnostics) {
    let name = node.name.to_string();
    let message = match ops::suggest(&name) {
        Some(s) => format!("unknown operator `{name}`: did you mean `{s}`?"),
        None => {
            let all: Vec<&str> = ops::OPERATORS.iter().map(|o| o.name).collect();
            format!("unknown operator `{name}`; the operators are: {}", all.join(", "))
        }
    };
    diag.error(node.name.span(), message);
}

fn source_position(node: &Node, spec: &OpSpec, diag: &mut Diagnostics) {
    if spec.is_source() && node.input.is_some() {
        diag.error(
            node.name.span(),
            format!("`{}` is a source: it can only start a pipeline, not follow `|>`", spec.name),
        );
    }
    if !spec.is_source() && node.input.is_none() {
        diag.error(
            node.name.span(),
            format!(
                "a pipeline starts with a source (`socket(..)`, `queue(..)`) or a stream name; `{}` is not a source",
                spec.name
            ),
        );
    }
}

fn output_position(graph: &Graph, node: &Node, spec: &OpSpec, diag: &mut Diagnostics) {
    if !spec.is_output() {
        return;
    }
    for &consumer in &node.consumers {
        let next = &graph.nodes[consumer];
        diag.error(
            next.name.span(),
            format!(
                "nothing can follow the output operation `{}`: an output ends its pipeline; start another pipeline from a `let` stream to add a second output",
                spec.name
            ),
        );
    }
}

fn statement_ends(graph: &Graph, diag: &mut Diagnostics) {
    for &(end, is_let) in &graph.statement_ends {
        let node = &graph.nodes[end];
        let Some(spec) = node.spec else { continue };
        if is_let && spec.is_output() {
            diag.error(
                node.name.span(),
                format!("a `let` stream cannot end in the output operation `{}`", spec.name),
            );
        }
        if !is_let && !spec.is_output() {
            diag.error(
                node.name.span(),
                format!("this pipeline ends at `{}` without an output operation: add `|> print` (nothing runs without an output)", spec.name),
            );
        }
    }
}

fn arity(node: &Node, spec: &OpSpec, diag: &mut Diagnostics) {
    let (min, max) = spec.arity();
    let given = node.args.len();
    if given >= min && given <= max {
        return;
    }
    let expected = match (min, max) {
        (0, 0) => "no arguments".to_string(),
        (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
        (a, b) => format!("{a} to {b} arguments"),
    };
    diag.error(
        node.args_or_name_span(),
        format!(
            "`{}` takes {expected} (`{}`: {}), but {given} {} given",
            spec.name,
            spec.signature(),
            spec.summary,
            if given == 1 { "was" } else { "were" }
        ),
    );
}

fn argument_kinds(node: &Node, spec: &OpSpec, diag: &mut Diagnostics) {
    for (arg, param) in node.args.iter().zip(spec.args) {
        match arg {
            Arg::Shorthand(op, span) if param.kind != ArgKind::Reducer => {
                let symbol = match op {
                    crate::parse::ShorthandOp::Plus => "+",
                    crate::parse::ShorthandOp::Times => "*",
                };
                diag.error(
                    *span,
                    format!(
                        "`{}` does not take the shorthand `{symbol}` for its `{}`: shorthands are for combining two values, as in `reduce_by_key({symbol})`",
                        spec.name, param.name
                    ),
                );
            }
            Arg::Duration(d) => diag.error(
                d.span,
                format!("`{}` takes no duration here: its `{}` is not a time", spec.name, param.name),
            ),
            _ => {}
        }
    }
}

fn unused_streams(graph: &Graph, diag: &mut Diagnostics) {
    for named in &graph.lets {
        if named.uses == 0 {
            diag.error(
                named.name.span(),
                format!("the stream `{}` is never used: use it in a pipeline that ends in an output, or remove it", named.name),
            );
        }
    }
}

fn batch_interval(graph: &Graph, diag: &mut Diagnostics) -> Option<u64> {
    let Some((_, first)) = graph.every.first() else {
        diag.error(
            Span::call_site(),
            "missing batch interval: add `every <duration>` after an operator, for example `reduce_by_key(+) every 1s`",
        );
        return None;
    };
    for (keyword, _) in &graph.every[1..] {
        diag.error(*keyword, "a second `every`: a program has one batch interval; remove this one");
    }
    let millis = match duration_millis(first) {
        Ok(ms) => ms,
        Err(message) => {
            diag.error(first.span, message);
            return None;
        }
    };
    if millis == 0 {
        diag.error(first.span, "the batch interval must be longer than zero");
        return None;
    }
    if millis < SHORT_INTERVAL_MS {
        diag.warn(
            first.span,
            format!("a batch interval of {millis} ms is very short: per-batch overhead will dominate; 10 ms or more is practical"),
        );
    }
    Some(millis)
}

/// The value of a duration literal in milliseconds, or what is wrong with it.
pub fn duration_millis(d: &DurationLit) -> Result<u64, String> {
    let factor: u64 = match d.unit.as_str() {
        "ms" => 1,
        "s" => 1_000,
        "min" => 60_000,
        "h" => 3_600_000,
        "" => return Err(format!("`{}` needs a unit: write `{0}ms`, `{0}s`, `{0}min` or `{0}h`", d.digits)),
        other => {
            return Err(format!(
                "unknown duration unit `{other}` in `{}{other}`: use `ms`, `s`, `min` or `h`",
                d.digits
            ))
        }
    };
    let value: f64 = d.digits.parse().map_err(|_| format!("`{}` is not a number", d.digits))?;
    let millis = value * factor as f64;
    if millis.fract() != 0.0 || millis < 0.0 || millis > u64::MAX as f64 {
        return Err(format!("`{}{}` is not a whole number of milliseconds", d.digits, d.unit));
    }
    Ok(millis as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::lower;
    use crate::parse::parse;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn check(tokens: TokenStream) -> (Option<u64>, Vec<String>, Vec<String>) {
        let mut diag = Diagnostics::new();
        let graph = lower(parse(tokens).unwrap(), &mut diag);
        let checked = validate(&graph, &mut diag);
        (checked.map(|c| c.interval_ms), diag.messages(), diag.warning_messages())
    }

    #[test]
    fn word_count_is_valid() {
        let (ms, errors, _) = check(quote! {
            socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
        });
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(ms, Some(1000));
    }

    #[test]
    fn all_errors_are_reported_at_once() {
        let (_, errors, _) =
            check(quote! { socket("h", 1) |> mapp(f) |> map(+) |> filter(a, b) every 2sec |> print });
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].contains("did you mean `map`"));
        assert!(errors[1].contains("does not take the shorthand `+`"));
        assert!(errors[2].contains("`filter` takes 1 argument"));
        assert!(errors[3].contains("unknown duration unit `sec`"));
    }

    #[test]
    fn missing_and_duplicate_every() {
        assert!(check(quote! { queue(x) |> print }).1[0].contains("missing batch interval"));
        assert!(check(quote! { queue(x) every 1s |> print every 2s }).1[0].contains("a second `every`"));
    }

    #[test]
    fn sources_and_outputs_in_place() {
        let errors = check(quote! { queue(x) |> print |> map(f) every 1s }).1;
        assert!(
            errors.iter().any(|e| e.contains("nothing can follow the output operation `print`")),
            "{errors:?}"
        );
        let errors = check(quote! { queue(x) |> socket("h", 1) every 1s |> print }).1;
        assert!(errors[0].contains("`socket` is a source"));
        let errors = check(quote! { map(f) every 1s |> print }).1;
        assert!(errors[0].contains("`map` is not a source"));
        let errors = check(quote! { queue(x) every 1s |> map(f) }).1;
        assert!(errors[0].contains("without an output operation"));
    }

    #[test]
    fn settings_choose_the_mode() {
        let mode = |tokens: TokenStream| {
            let mut diag = Diagnostics::new();
            let graph = lower(parse(tokens).unwrap(), &mut diag);
            (validate(&graph, &mut diag).map(|c| c.mode), diag.messages())
        };
        assert_eq!(mode(quote! { queue(x) every 1s |> print }).0, Some(Mode::Fused));
        assert_eq!(mode(quote! { #![unfused] queue(x) every 1s |> print }).0, Some(Mode::Unfused));
        assert!(mode(quote! { #![fast] queue(x) every 1s |> print }).1[0].contains("unknown program setting"));
    }

    #[test]
    fn unused_stream_is_an_error() {
        let errors = check(quote! { let a = queue(x); queue(y) every 1s |> print }).1;
        assert!(errors[0].contains("`a` is never used"));
    }

    #[test]
    fn durations() {
        let d = |digits: &str, unit: &str| {
            duration_millis(&DurationLit {
                span: Span::call_site(),
                digits: digits.into(),
                unit: unit.into(),
            })
        };
        assert_eq!(d("500", "ms"), Ok(500));
        assert_eq!(d("15", "min"), Ok(900_000));
        assert_eq!(d("1", "h"), Ok(3_600_000));
        assert_eq!(d("1.5", "s"), Ok(1500));
        assert!(d("5", "").unwrap_err().contains("needs a unit"));
        assert!(d("0.5", "ms").unwrap_err().contains("whole number"));
        assert!(check(quote! { queue(x) every 0s |> print }).1[0].contains("longer than zero"));
        assert!(check(quote! { queue(x) every 5ms |> print }).2[0].contains("very short"));
    }
}
