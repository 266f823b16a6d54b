//! Diagnostics: every error of a program is collected with the span of the user's token and
//! reported at once; warnings become real compiler warnings.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};

/// Errors and warnings found while compiling one `stream!` invocation.
#[derive(Default)]
pub struct Diagnostics {
    errors: Vec<syn::Error>,
    warnings: Vec<(Span, String)>,
}

impl Diagnostics {
    /// No diagnostics yet.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Reports an error at `span`.
    pub fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Reports an error that syn produced.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Reports a warning at `span`: the program is legal but suspicious.
    pub fn warn(&mut self, span: Span, message: impl Into<String>) {
        self.warnings.push((span, message.into()));
    }

    /// Whether any error was reported.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The error messages, for tests.
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.errors.iter().map(|e| e.to_string()).collect()
    }

    /// The warning messages, for tests.
    #[cfg(test)]
    pub fn warning_messages(&self) -> Vec<String> {
        self.warnings.iter().map(|(_, m)| m.clone()).collect()
    }

    /// Every error as `compile_error!` invocations, each at its own span.
    pub fn error_tokens(&self) -> TokenStream {
        self.errors.iter().map(syn::Error::to_compile_error).collect()
    }

    /// Every warning as a use of a deprecated item at the warning's span: stable Rust's way
    /// for a procedural macro to raise a real, spanned compiler warning.
    pub fn warning_tokens(&self) -> TokenStream {
        self.warnings
            .iter()
            .map(|(span, message)| {
                let note = format!("dstream: {message}");
                quote_spanned! {*span=>
                    {
                        #[deprecated(note = #note)]
                        fn dstream_warning() {}
                        dstream_warning();
                    }
                }
            })
            .collect()
    }
}

/// The job emitted when the program has errors: the errors, plus a placeholder of the right
/// type so the user's surrounding code type-checks and shows no follow-on errors.
pub fn placeholder(diagnostics: &Diagnostics, private: &TokenStream) -> TokenStream {
    let errors = diagnostics.error_tokens();
    quote! {
        {
            #errors
            #private::placeholder_job()
        }
    }
}

/// Tokens as a person writes them, near enough for a message: `(String, u32)` and
/// `{std::time::Duration::ZERO}` rather than the token stream's `(String , u32)` and
/// `{ std :: time :: Duration :: ZERO }`.
pub fn written(tokens: &impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    let spacing = [
        (" :: ", "::"),
        (" . ", "."),
        ("{ ", "{"),
        (" }", "}"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        ("& ", "&"),
        ("' ", "'"),
    ];
    for (from, to) in spacing {
        text = text.replace(from, to);
    }
    text
}
