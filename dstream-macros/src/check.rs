//! Phase 3, check: every check on the program as the user wrote it, each a small named
//! function with one message, all errors collected and spanned on the user's token. Its
//! output is the typed, checked graph ([`ir::Graph`]) that the later phases consume.

use crate::diag::Diagnostics;
use crate::graph::{Graph, Node, NodeId};
use crate::ir;
use crate::ops::{self, ArgKind, BoundArgs, OpSpec};
use crate::parse::{Arg, DurationLit, EveryValue};
use proc_macro2::Span;

/// Batch intervals below this are legal but probably a mistake (per-batch overhead dominates).
const SHORT_INTERVAL_MS: u64 = 10;

/// Runs every check and builds the typed graph. Returns `None` if any error was reported.
pub fn check(graph: &Graph, diag: &mut Diagnostics) -> Option<ir::Graph> {
    for node in &graph.nodes {
        match node.spec {
            None => unknown_operator(node, diag),
            Some(spec) => {
                source_position(node, spec, diag);
                output_position(graph, node, spec, diag);
                snapshots_position(graph, node, spec, diag);
                filter_needs_inverse(node, diag);
                arity(node, spec, diag);
                argument_kinds(node, spec, diag);
            }
        }
    }
    crate::owned_records::check(graph, diag);
    statement_ends(graph, diag);
    unused_streams(graph, diag);
    let settings = crate::settings::settings(&graph.settings, diag);
    let interval = batch_interval(graph, diag);
    if diag.has_errors() {
        return None;
    }
    let checked = ir::Graph {
        nodes: typed_nodes(graph, diag)?,
        statement_ends: graph.statement_ends.clone(),
        interval: interval?,
        mode: settings.mode,
        checkpoint: settings.checkpoint,
        private: settings.private,
    };
    crate::slides::check(&checked, diag);
    crate::settings::checkpoint_interval(&checked, diag);
    (!diag.has_errors()).then_some(checked)
}

/// Every node as a typed operator (the program passed every check on its arguments).
fn typed_nodes(graph: &Graph, diag: &mut Diagnostics) -> Option<Vec<ir::Node>> {
    let mut nodes = Vec::with_capacity(graph.nodes.len());
    for (id, node) in graph.nodes.iter().enumerate() {
        let spec = node.spec?;
        let Some(op) = (spec.build)(&BoundArgs::new(spec, &node.args)) else {
            diag.error(
                node.args_or_name_span(),
                format!(
                    "`{}` could not read its arguments: `{}` {}",
                    spec.name,
                    spec.signature(),
                    spec.summary
                ),
            );
            continue;
        };
        let other_names = node.other_names.clone();
        nodes.push(ir::Node {
            op,
            spec,
            name: node.name.clone(),
            input: node.input,
            others: node.others.clone(),
            other_names,
            consumers: node.consumers.clone(),
            origin: id,
            written: node.name.to_string(),
        });
    }
    (nodes.len() == graph.nodes.len()).then_some(nodes)
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
                "`{}` is not a source: a pipeline starts with a source such as `socket(..)` or `queue(..)`, or with the name of a `let` stream",
                spec.name
            ),
        );
    }
}

fn filter_needs_inverse(node: &Node, diag: &mut Diagnostics) {
    if let (Some(filter), None) = (node.param("filter"), node.param("inverse")) {
        diag.error(
            arg_span(filter),
            "a `filter` is only for the incremental form: pass the inverse function too, as in `reduce_by_key_and_window(+, -, 30s, 10s, |(_, v)| *v != 0)`",
        );
    }
}

fn snapshots_position(graph: &Graph, node: &Node, spec: &OpSpec, diag: &mut Diagnostics) {
    if spec.name != "state_snapshots" {
        return;
    }
    let after_map_with_state =
        node.input.and_then(|i| graph.nodes[i].spec).map(|s| s.name) == Some("map_with_state");
    if !after_map_with_state {
        diag.error(
            node.name.span(),
            "`state_snapshots` shows the state of a `map_with_state`: it must directly follow `map_with_state(..)`",
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
                "`{next}` cannot follow `{output}`: an output operation ends its pipeline; move `{next}` before `{output}`, or name the stream with `let` to give it more than one output",
                next = next.name,
                output = spec.name
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
        if !is_let && !spec.is_output() && !follows_an_output(graph, end) {
            diag.error(
                node.name.span(),
                format!("this pipeline ends at `{}` without an output operation: add `|> print` (nothing runs without an output)", spec.name),
            );
        }
    }
}

/// Whether an output operation comes before `id` in its pipeline (`output_position` has
/// then reported the operators after it, and a missing output would be a follow-on error).
fn follows_an_output(graph: &Graph, id: NodeId) -> bool {
    let mut input = graph.nodes[id].input;
    while let Some(i) = input {
        if graph.nodes[i].spec.is_some_and(OpSpec::is_output) {
            return true;
        }
        input = graph.nodes[i].input;
    }
    false
}

fn arity(node: &Node, spec: &OpSpec, diag: &mut Diagnostics) {
    let (min, max) = spec.arity();
    let given = node.args.len();
    let binding = spec.bind(&node.args);
    let first_extra = binding.iter().position(Option::is_none);
    let missing = spec.args.iter().enumerate().any(|(i, p)| p.required && !binding.contains(&Some(i)));
    if first_extra.is_none() && !missing {
        return;
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let expected = match (min, max) {
        (0, 0) => "no arguments".to_string(),
        (a, usize::MAX) => format!("at least {a} argument{}", plural(a)),
        (a, b) if a == b => format!("{a} argument{}", plural(a)),
        (a, b) if a + 1 == b => format!("{a} or {b} arguments"),
        (a, b) => format!("{a} to {b} arguments"),
    };
    // Too many: point at the first argument too many; too few: at the parentheses (or the
    // name, when none were written).
    let span = first_extra.map_or_else(|| node.args_or_name_span(), |i| arg_span(&node.args[i]));
    diag.error(
        span,
        format!(
            "`{}` takes {expected} but {given} {} given: `{}` {}",
            spec.name,
            if given == 1 { "was" } else { "were" },
            spec.signature(),
            spec.summary,
        ),
    );
}

/// The span of an argument (its first token, on stable Rust).
fn arg_span(arg: &Arg) -> Span {
    match arg {
        Arg::Shorthand(_, span) => *span,
        Arg::Duration(d) => d.span,
        Arg::Expr(e) => syn::spanned::Spanned::span(e),
    }
}

fn argument_kinds(node: &Node, spec: &OpSpec, diag: &mut Diagnostics) {
    let binding = spec.bind(&node.args);
    let bound = node.args.iter().zip(binding).filter_map(|(arg, param)| Some((arg, &spec.args[param?])));
    for (arg, param) in bound {
        if param.kind == ArgKind::Stream {
            // Stream names are resolved, and their mistakes reported, by `graph`.
            continue;
        }
        match arg {
            Arg::Shorthand(op, span) if param.kind != ArgKind::Reducer => {
                let symbol = match op {
                    crate::parse::ShorthandOp::Plus => "+",
                    crate::parse::ShorthandOp::Times => "*",
                    crate::parse::ShorthandOp::Minus => "-",
                };
                let wanted = match param.kind {
                    ArgKind::Function => {
                        format!("a function for its `{}`, such as `{}(|x| ...)`", param.name, spec.name)
                    }
                    ArgKind::Count => format!("a number for its `{}`", param.name),
                    _ => format!("a value for its `{}`", param.name),
                };
                diag.error(
                    *span,
                    format!(
                        "`{}` takes {wanted}, not the shorthand `{symbol}`: shorthands combine two values, as in `reduce_by_key({symbol})`",
                        spec.name
                    ),
                );
            }
            Arg::Duration(d) if param.kind == ArgKind::Duration => match duration_millis(d) {
                Ok(0) => diag.error(
                    d.span,
                    format!("the `{}` of `{}` must be longer than zero", param.name, spec.name),
                ),
                Ok(_) => {}
                Err(message) => diag.error(d.span, message),
            },
            Arg::Duration(d) => diag.error(
                d.span,
                format!("`{}` takes no duration here: its `{}` is not a time", spec.name, param.name),
            ),
            Arg::Expr(syn::Expr::Infer(omitted)) if param.required => diag.error(
                syn::spanned::Spanned::span(omitted),
                format!(
                    "`_` leaves out an optional argument, but the `{}` of `{}` is required: `{}`",
                    param.name,
                    spec.name,
                    spec.signature()
                ),
            ),
            // `{expr}`: a duration the program computes, checked when the job starts.
            Arg::Expr(syn::Expr::Block(_)) if param.kind == ArgKind::Duration => {}
            Arg::Expr(e) if param.kind == ArgKind::Duration => diag.error(
                syn::spanned::Spanned::span(e),
                format!(
                    "the `{}` of `{}` must be a duration: a literal such as `10s` or `500ms`, or `{{expr}}` for a `Duration` computed when the program runs",
                    param.name, spec.name
                ),
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

/// The batch interval: exactly one `every`. With none, the error is reported on the first
/// operator that keeps data across batches (it is the one that cannot work without an
/// interval), else on the first source.
fn batch_interval(graph: &Graph, diag: &mut Diagnostics) -> Option<ir::Dur> {
    let Some((_, first)) = graph.every.first() else {
        missing_every(graph, diag);
        return None;
    };
    for (keyword, _) in &graph.every[1..] {
        diag.error(
            *keyword,
            format!(
                "a second `every`: a program has one batch interval, already set by `every {}`; remove this one",
                first.written()
            ),
        );
    }
    let first = match first {
        EveryValue::Literal(d) => d,
        EveryValue::Runtime(block) => {
            let span = block.block.brace_token.span.join();
            let value = ir::DurValue::Runtime(syn::Expr::Block(block.clone()));
            return Some(ir::Dur { value, span });
        }
    };
    let millis = match duration_millis(first) {
        Ok(ms) => ms,
        Err(message) => {
            diag.error(first.span, message);
            return None;
        }
    };
    if millis == 0 {
        diag.error(
            first.span,
            format!("the batch interval must be longer than zero, not `{}{}`", first.digits, first.unit),
        );
        return None;
    }
    if millis < SHORT_INTERVAL_MS {
        diag.warn(
            first.span,
            format!("a batch interval of {millis} ms is very short: per-batch overhead will dominate; 10 ms or more is practical"),
        );
    }
    Some(ir::Dur { value: ir::DurValue::Millis(millis), span: first.span })
}

fn missing_every(graph: &Graph, diag: &mut Diagnostics) {
    use ops::Kind;
    let kind = |node: &&Node| node.spec.map(|s| s.kind);
    let stateful = graph.nodes.iter().find(|n| matches!(kind(n), Some(Kind::Window | Kind::State)));
    let help = "help: add `every <duration>` after an operator to set the batch interval, for example `queue(..) every 1s |> ...`";
    match stateful {
        Some(node) => diag.error(
            node.name.span(),
            format!(
                "`{}` keeps data across batches, so it needs a batch interval, and the program has none\n{help}",
                node.name
            ),
        ),
        None => {
            let span = graph.nodes.iter().find(|n| matches!(kind(n), Some(Kind::Source))).map(|n| n.name.span());
            diag.error(
                span.unwrap_or_else(Span::call_site),
                format!("missing batch interval: this source's batches need one\n{help}"),
            );
        }
    }
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
        let checked = super::check(&graph, &mut diag);
        (checked.and_then(|c| c.interval.millis()), diag.messages(), diag.warning_messages())
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
        assert!(errors[1].contains("not the shorthand `+`"));
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
        assert!(errors.iter().any(|e| e.contains("`map` cannot follow `print`")), "{errors:?}");
        assert_eq!(errors.len(), 1, "no follow-on `without an output operation`: {errors:?}");
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
            (super::check(&graph, &mut diag).map(|c| c.mode), diag.messages())
        };
        assert_eq!(mode(quote! { queue(x) every 1s |> print }).0, Some(ir::Mode::Fused));
        assert_eq!(mode(quote! { #![unfused] queue(x) every 1s |> print }).0, Some(ir::Mode::Unfused));
        assert!(mode(quote! { #![fast] queue(x) every 1s |> print }).1[0].contains("unknown program setting"));
        assert_eq!(
            mode(quote! { #![crate = my::dstream] queue(x) every 1s |> print }).1,
            Vec::<String>::new()
        );
        assert!(mode(quote! { #![crate = "my"] queue(x) every 1s |> print }).1[0].contains("takes the path"));
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
