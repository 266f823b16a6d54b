//! Operator arguments as generated code, and the spans that put a type error on the user's
//! token.

use super::Codegen;
use crate::ir::{Call, CallArg, Func, Reducer, Target, Value};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::Ident;

/// A span at the user's token `at` that resolves like generated code. rustc reports a helper
/// call's failed trait bound or closure mismatch on the call or its argument only when their
/// spans share the call's hygiene context, and otherwise on the whole `stream!` invocation;
/// so an operator's generated code (paths, punctuation, generated variables) is built with
/// this one span, and its errors land on the operator or shorthand the user wrote.
pub fn user_at(at: Span) -> Span {
    Span::mixed_site().located_at(at)
}

/// Generated tokens (variables from [`Codegen::var`] or [`mixed`], never user tokens, and
/// the crate path) moved to `span` (from [`user_at`]); they resolve as before.
pub fn respan<T: ToTokens>(tokens: &T, span: Span) -> TokenStream {
    tokens
        .to_token_stream()
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

/// A generated variable moved to `span` (from [`user_at`]); it resolves as before.
pub fn respan_ident(var: &Ident, span: Span) -> Ident {
    let mut var = var.clone();
    var.set_span(span);
    var
}

/// An identifier that user code cannot see or shadow (hygienic like `macro_rules!` locals).
pub fn mixed(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

impl Codegen<'_> {
    /// A connector constructor's call, `connectors::function(args)`: required arguments as
    /// written, optional ones as `Some(arg)` or `None`; at the arguments' spans, so a wrong
    /// argument type is reported on what the user wrote.
    pub fn connector_call(&self, call: &Call, span: Span) -> TokenStream {
        let dp = self.dp_at(span);
        let function = Ident::new(call.function, span);
        let args = call.args.iter().map(|arg| match arg {
            CallArg::Given(value) => quote!(#value),
            CallArg::Optional(Some(value)) => {
                let at = syn::spanned::Spanned::span(value);
                quote_spanned!(at=> ::core::option::Option::Some(#value))
            }
            CallArg::Optional(None) => quote_spanned!(span=> ::core::option::Option::None),
        });
        quote_spanned!(span=> #dp::connectors::#function(#(#args),*))
    }

    /// The value an output writes to (a connector's, built at the operator's `span`).
    pub fn output_target(&self, target: &Target, span: Span) -> TokenStream {
        match target {
            Target::Value(value) => {
                let at = syn::spanned::Spanned::span(value);
                let dp = self.dp_at(user_at(at));
                quote_spanned!(at=> #dp::output(#value))
            }
            Target::Connector(call) => {
                let dp = self.dp_at(span);
                let call = self.connector_call(call, span);
                quote_spanned!(span=> #dp::output(#call))
            }
        }
    }

    /// A string argument (`&str` or `String`), evaluated once when the job is built.
    pub fn string_arg(&mut self, expr: &Value) -> TokenStream {
        let var = self.var("string");
        let span = syn::spanned::Spanned::span(expr);
        self.hoisted.push(
            quote_spanned!(span=> let #var: ::std::string::String = ::core::convert::Into::into(#expr);),
        );
        var.into_token_stream()
    }

    /// A `usize` argument, evaluated once when the job is built.
    pub fn count_arg(&mut self, expr: &Value) -> TokenStream {
        let var = self.var("count");
        let span = syn::spanned::Spanned::span(expr);
        self.hoisted.push(quote_spanned!(span=> let #var: usize = #expr;));
        var.into_token_stream()
    }

    /// The partition count of a shuffle: its optional argument, else the job's parallelism.
    pub fn partitions_arg(&mut self, partitions: &Option<Value>) -> TokenStream {
        match partitions {
            Some(expr) => self.count_arg(expr),
            None => mixed("__parallelism").into_token_stream(),
        }
    }

    /// A function argument: a closure stays in place (so its parameter types infer from the
    /// helper it is passed to), written with or without `move`; a path is borrowed; anything
    /// else is evaluated once.
    pub fn function_arg(&mut self, func: &Func) -> TokenStream {
        match func {
            syn::Expr::Closure(c) => {
                // The job's batch closure already owns everything user closures capture, so a
                // `move` here would move out of it once per record; borrowing is equivalent.
                let mut c = c.clone();
                c.capture = None;
                c.to_token_stream()
            }
            syn::Expr::Path(p) => quote!(&#p),
            e => {
                let var = self.var("function");
                self.hoisted.push(quote!(let #var = #e;));
                quote!(&#var)
            }
        }
    }

    /// A function the user wrote, as a closure of `arity` arguments that hands them to it
    /// through `dstream::requirements::<requirement>` (whose signature is the one the function
    /// must have): `|a, b| requirements::reduce_func(a, b, func)`. The runtime helper that
    /// takes this closure infers its arguments' types, the requirement infers the user's
    /// closure's from them, and a closure of the wrong type is reported as "required by a
    /// bound in `dstream::requirements::reduce_func`", never naming a runtime helper.
    pub fn required_fn(&mut self, func: &Func, requirement: &str, arity: usize) -> TokenStream {
        let (args, call) = self.required_call(func, requirement, arity);
        let span = user_at(syn::spanned::Spanned::span(func));
        quote_spanned!(span=> |#(#args),*| #call)
    }

    /// [`Self::required_fn`]'s arguments and body: the call of the requirement, for a hook that
    /// makes the closure around it itself.
    pub fn required_call(
        &mut self,
        func: &Func,
        requirement: &str,
        arity: usize,
    ) -> (Vec<Ident>, TokenStream) {
        let span = user_at(syn::spanned::Spanned::span(func));
        let f = self.function_arg(func);
        let dp = self.dp_at(span);
        let requirement = Ident::new(requirement, span);
        let args: Vec<Ident> =
            (0..arity).map(|i| respan_ident(&mixed(&format!("__dstream_arg_{i}")), span)).collect();
        let call = quote_spanned!(span=> #dp::requirements::#requirement(#(#args,)* #f));
        (args, call)
    }

    /// A function of two values, or a shorthand (`+`, `*`, `-`, `min`, `max`).
    pub fn reducer_arg(&mut self, reducer: &Reducer) -> TokenStream {
        self.reducer_arg_as(reducer, "reduce_func")
    }

    /// [`Self::reducer_arg`], a function passed through the requirement `requirement`
    /// (`reduce_func` or `inv_reduce_func`).
    pub fn reducer_arg_as(&mut self, reducer: &Reducer, requirement: &str) -> TokenStream {
        // A shorthand is its trait's method (`<_ as Plus>::plus`), not a generic function: a
        // value type without `+` is then reported on the shorthand with the trait's message
        // alone, no "required by a bound in" note naming a function of the runtime.
        let helper = |this: &Self, span: Span, method: &str, of: Option<&str>| {
            let span = user_at(span);
            let (dp, method) = (this.dp_at(span), Ident::new(method, span));
            match of {
                Some(of) => {
                    let of = Ident::new(of, span);
                    quote_spanned!(span=> <_ as #dp::ops::#of>::#method)
                }
                None => quote_spanned!(span=> #dp::ops::#method),
            }
        };
        match reducer {
            Reducer::Plus(span) => helper(self, *span, "plus", Some("Plus")),
            Reducer::Times(span) => helper(self, *span, "times", Some("Times")),
            Reducer::Minus(span) => helper(self, *span, "minus", Some("Minus")),
            Reducer::Concat(span) => helper(self, *span, "concat", None),
            Reducer::MinMax(ident) => helper(self, ident.span(), &ident.to_string(), Some("Ordered")),
            Reducer::Func(func) => self.required_fn(func, requirement, 2),
        }
    }
}
