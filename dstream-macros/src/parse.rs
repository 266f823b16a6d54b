//! Phase 1, parse: the text inside `stream! { ... }` into a syntax tree that keeps every
//! token's span, so later phases can point at exactly what the user wrote.
//!
//! ```text
//! program   := ('#![' setting ']')* stmt (';' stmt)* ';'?
//! stmt      := 'let' IDENT '=' pipeline | pipeline
//! pipeline  := op ('|>' op)*
//! op        := IDENT ('(' arg (',' arg)* ')')? ('every' duration)?
//! arg       := '+' | '*' | '-' | duration | rust-expression
//! duration  := DURATION | '{' rust-expression '}'
//! DURATION  := number literal with a unit suffix: 500ms, 1.5s, 15min, 1h
//! ```

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

/// A whole program.
#[derive(Debug)]
pub struct Program {
    /// Program settings written as inner attributes, such as `#![unfused]`.
    pub settings: Vec<syn::Attribute>,
    pub stmts: Vec<Stmt>,
}

/// One statement: a named stream or a pipeline that ends in an output.
#[derive(Debug)]
pub struct Stmt {
    /// `let name =`, if the statement names its stream.
    pub binding: Option<Ident>,
    pub pipeline: Pipeline,
}

/// `op |> op |> ...`
#[derive(Debug)]
pub struct Pipeline {
    pub ops: Vec<OpCall>,
}

/// One operator application, such as `reduce_by_key(+) every 1s`.
#[derive(Debug)]
pub struct OpCall {
    pub name: Ident,
    /// `None` when written without parentheses (`print`, or a stream name).
    pub args: Option<Args>,
    pub every: Option<Every>,
}

/// A parenthesised argument list.
#[derive(Debug)]
pub struct Args {
    pub span: Span,
    pub items: Vec<Arg>,
}

/// One operator argument.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `+` or `*`: an operator shorthand.
    Shorthand(ShorthandOp, Span),
    /// A suffixed number such as `10s`.
    Duration(DurationLit),
    /// Any Rust expression: a closure, a path such as `split`, a literal, a call.
    Expr(syn::Expr),
}

/// An operator symbol usable as a shorthand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShorthandOp {
    Plus,
    Times,
    Minus,
}

/// `every <duration>`.
#[derive(Debug)]
pub struct Every {
    pub keyword: Span,
    pub duration: EveryValue,
}

/// What follows `every`: a literal, or `{expr}` (a `std::time::Duration` known when the
/// program runs).
#[derive(Debug, Clone)]
pub enum EveryValue {
    Literal(DurationLit),
    Runtime(syn::ExprBlock),
}

impl EveryValue {
    /// The duration as the user wrote it, for messages.
    pub fn written(&self) -> String {
        match self {
            EveryValue::Literal(d) => format!("{}{}", d.digits, d.unit),
            EveryValue::Runtime(_) => "{..}".to_string(),
        }
    }
}

/// A duration literal as written; its value is checked by `check`.
#[derive(Debug, Clone)]
pub struct DurationLit {
    pub span: Span,
    /// The digits, e.g. `"1.5"`.
    pub digits: String,
    /// The unit suffix as written, e.g. `"s"`; empty when none was written.
    pub unit: String,
}

impl Parse for Program {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let settings = input.call(syn::Attribute::parse_inner)?;
        let mut stmts = Vec::new();
        while !input.is_empty() {
            stmts.push(input.parse()?);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![;]>()?;
        }
        Ok(Program { settings, stmts })
    }
}

impl Parse for Stmt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let binding = if input.peek(Token![let]) {
            input.parse::<Token![let]>()?;
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            Some(name)
        } else {
            None
        };
        Ok(Stmt { binding, pipeline: input.parse()? })
    }
}

impl Parse for Pipeline {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut ops = vec![input.parse::<OpCall>()?];
        while input.peek(Token![|]) && input.peek2(Token![>]) {
            input.parse::<Token![|]>()?;
            input.parse::<Token![>]>()?;
            ops.push(input.parse()?);
        }
        if !input.is_empty() && !input.peek(Token![;]) {
            return Err(input.error("expected `|>` followed by an operator, `;`, or the end of the program"));
        }
        Ok(Pipeline { ops })
    }
}

impl Parse for OpCall {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = input
            .call(Ident::parse_any_ident)
            .map_err(|e| syn::Error::new(e.span(), "expected an operator name such as `map` or `print`"))?;
        let args = if input.peek(syn::token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            let items = Punctuated::<Arg, Token![,]>::parse_terminated(&content)?;
            Some(Args { span: paren.span.join(), items: items.into_iter().collect() })
        } else {
            None
        };
        let every = if input.peek(Ident) && input.fork().parse::<Ident>().is_ok_and(|i| i == "every") {
            let keyword = input.parse::<Ident>()?.span();
            let duration = if input.peek(syn::token::Brace) {
                EveryValue::Runtime(input.parse()?)
            } else {
                EveryValue::Literal(input.parse::<DurationLit>().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected a duration after `every`, such as `every 1s`, or `every {interval}` for a `Duration` computed when the program runs",
                    )
                })?)
            };
            Some(Every { keyword, duration })
        } else {
            None
        };
        Ok(OpCall { name, args, every })
    }
}

trait ParseAnyIdent {
    fn parse_any_ident(input: ParseStream) -> syn::Result<Ident>;
}

impl ParseAnyIdent for Ident {
    /// Accepts keywords too, so that a misspelt operator gets a spanned "unknown operator"
    /// error rather than a parse error.
    fn parse_any_ident(input: ParseStream) -> syn::Result<Ident> {
        use syn::ext::IdentExt;
        Ident::parse_any(input)
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // A lone `+`, `*` or `-` before `,` or `)` is a shorthand; `-x` is an expression.
        if let Ok(proc_macro2::TokenTree::Punct(p)) = input.fork().parse::<proc_macro2::TokenTree>() {
            let op = match p.as_char() {
                '+' => Some(ShorthandOp::Plus),
                '*' => Some(ShorthandOp::Times),
                '-' => Some(ShorthandOp::Minus),
                _ => None,
            };
            let fork = input.fork();
            fork.parse::<proc_macro2::TokenTree>()?;
            if let (Some(op), true) = (op, fork.is_empty() || fork.peek(Token![,])) {
                input.parse::<proc_macro2::TokenTree>()?;
                return Ok(Arg::Shorthand(op, p.span()));
            }
        }
        if let Some(d) = DurationLit::peek(input) {
            input.parse::<syn::Lit>()?;
            return Ok(Arg::Duration(d));
        }
        Ok(Arg::Expr(input.parse()?))
    }
}

/// Rust's own numeric suffixes: a literal with one of these is a number, not a duration.
const NUMERIC_SUFFIXES: &[&str] =
    &["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64"];

impl DurationLit {
    /// A duration literal at the cursor (an integer or float with a non-numeric suffix).
    fn peek(input: ParseStream) -> Option<DurationLit> {
        let (digits, unit, span) = match input.fork().parse::<syn::Lit>().ok()? {
            syn::Lit::Int(i) => (i.base10_digits().to_string(), i.suffix().to_string(), i.span()),
            syn::Lit::Float(f) => (f.base10_digits().to_string(), f.suffix().to_string(), f.span()),
            _ => return None,
        };
        if unit.is_empty() || NUMERIC_SUFFIXES.contains(&unit.as_str()) {
            return None;
        }
        Some(DurationLit { span, digits, unit })
    }
}

impl Parse for DurationLit {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if let Some(d) = DurationLit::peek(input) {
            input.parse::<syn::Lit>()?;
            return Ok(d);
        }
        // A bare number (no unit) or a number with a Rust suffix still parses, so that
        // `check` can say what is wrong with it at its span.
        match input.parse::<syn::Lit>()? {
            syn::Lit::Int(i) => {
                Ok(DurationLit { span: i.span(), digits: i.base10_digits().into(), unit: i.suffix().into() })
            }
            syn::Lit::Float(f) => {
                Ok(DurationLit { span: f.span(), digits: f.base10_digits().into(), unit: f.suffix().into() })
            }
            other => Err(syn::Error::new(other.span(), "expected a duration such as `1s`")),
        }
    }
}

/// Parses a program from the macro's input tokens.
pub fn parse(tokens: TokenStream) -> syn::Result<Program> {
    syn::parse2(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parses_the_word_count() {
        let p = parse(quote! {
            socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
        })
        .unwrap();
        let ops = &p.stmts[0].pipeline.ops;
        let names: Vec<String> = ops.iter().map(|o| o.name.to_string()).collect();
        assert_eq!(names, ["socket", "flat_map", "map", "reduce_by_key", "print"]);
        assert!(matches!(ops[3].args.as_ref().unwrap().items[0], Arg::Shorthand(ShorthandOp::Plus, _)));
        let every = ops[3].every.as_ref().unwrap();
        assert_eq!(every.duration.written(), "1s");
        assert!(ops[4].args.is_none());
    }

    #[test]
    fn parses_lets_durations_and_expressions() {
        let p = parse(quote! {
            let a = queue(batches) |> window(10s, 500ms);
            a |> map(|x| x * 2) every 15min |> print(3);
        })
        .unwrap();
        assert_eq!(p.stmts.len(), 2);
        assert_eq!(p.stmts[0].binding.as_ref().unwrap(), "a");
        let window = &p.stmts[0].pipeline.ops[1];
        let args = &window.args.as_ref().unwrap().items;
        assert!(matches!(&args[0], Arg::Duration(d) if d.digits == "10" && d.unit == "s"));
        assert!(matches!(&args[1], Arg::Duration(d) if d.unit == "ms"));
        let print = &p.stmts[1].pipeline.ops[2];
        assert!(matches!(&print.args.as_ref().unwrap().items[0], Arg::Expr(_)));
    }

    #[test]
    fn plus_inside_an_expression_is_not_a_shorthand() {
        let p = parse(quote! { q |> map(*f) every 1s |> print }).unwrap();
        let map = &p.stmts[0].pipeline.ops[1];
        assert!(matches!(&map.args.as_ref().unwrap().items[0], Arg::Expr(_)));
    }

    #[test]
    fn every_without_duration_is_an_error() {
        assert!(parse(quote! { q |> print every }).is_err());
        assert!(parse(quote! { q print }).is_err());
    }

    #[test]
    fn unit_less_every_parses_for_check_to_report() {
        let p = parse(quote! { q every 5 |> print }).unwrap();
        let d = &p.stmts[0].pipeline.ops[0].every.as_ref().unwrap().duration;
        assert_eq!(d.written(), "5");
    }

    #[test]
    fn every_takes_a_braced_expression() {
        let p = parse(quote! { q every {interval} |> window({3 * interval}, 2s) |> print }).unwrap();
        let every = &p.stmts[0].pipeline.ops[0].every.as_ref().unwrap().duration;
        assert!(matches!(every, EveryValue::Runtime(_)));
        let window = &p.stmts[0].pipeline.ops[1].args.as_ref().unwrap().items;
        assert!(matches!(&window[0], Arg::Expr(syn::Expr::Block(_))));
    }
}
