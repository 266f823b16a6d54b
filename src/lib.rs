//! # dstream
//!
//! Spark Streaming's DStream model as a compile-time dataflow language for Rust.
//!
//! ```no_run
//! use dstream::prelude::*;
//!
//! fn main() -> dstream::Result<()> {
//!     let job = stream! {
//!         socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
//!     };
//!     job.run()
//! }
//! ```
//!
//! The `stream!` macro parses, checks and compiles the program at compile time into fused
//! per-partition loops that run on `dstream-core`'s partition executor.
#![warn(missing_docs)]

#[cfg(feature = "dashboard")]
pub use dstream_core::dashboard;
pub use dstream_core::owned_as_self;
pub use dstream_core::{cluster, error, feed, metrics, monitor, sink, source, testing, text, time};
pub use dstream_core::{
    BorrowBack, DenseKey, Duration, Error, IntoOwned, Job, JobHandle, Monitor, Render, Result,
    StreamingListener, Time,
};
/// Compiles a dstream program into a [`Job`] at compile time.
///
/// `stream! { ... }` holds a program in dstream's language; the compiler inside the macro
/// parses it, checks it (every error at once, each on the tokens it is about), lowers the
/// composite operators, cuts it into fused stages and expands to the job's Rust code. The
/// per-operator reference, with Spark's exact semantics and a runnable example each, is
/// [`operators`].
///
/// ```
/// use dstream::prelude::*;
/// use dstream::testing::Harness;
///
/// let job = stream! {
///     let words = queue(vec![vec!["to be or", "not to be"]]) |> flat_map(split);
///     words |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print;
///     words |> count_by_window(2s) |> print
/// };
/// let out = Harness::new(job).step().unwrap();
/// assert!(out.printed.contains("(be,2)"));
/// ```
///
/// # Grammar
///
/// ```text
/// program   := setting* stmt (';' stmt)* ';'?
/// setting   := '#![' ( 'fused' | 'unfused' | 'checkpoint(' expr (',' duration)? ')' | 'crate =' path ) ']'
/// stmt      := ('let' NAME '=')? pipeline
/// pipeline  := (source | NAME) ('|>' op)*          -- a `let` pipeline has no output;
///                                                     any other ends in one
/// op        := OPERATOR ('(' arg (',' arg)* ')')? ('every' duration)?
/// arg       := '+' | '*' | '-' | '_' | duration | NAME | rust-expression
/// duration  := LITERAL | '{' rust-expression '}'  -- LITERAL: 500ms, 1.5s, 15min, 1h
/// ```
///
/// A statement is a **pipeline**: a source (or a `let` stream's name), operators joined by
/// `|>`, and an output operation. `let name = pipeline;` names a stream for later statements
/// and for the operators that take a second stream; a stream used by several statements is
/// computed once per batch (Spark's `persist`), which `Job::explain` shows as a shared stage.
/// Outputs run in the order written.
///
/// # `every` and durations
///
/// `every <duration>` fixes the batch interval `B`; it may follow any operator and a program
/// has exactly one. Batch times are the multiples of `B`. Durations are literals with a unit
/// (`ms`, `s`, `min`, `h`; `1.5s` is 1500 ms) or `{expr}`: a `std::time::Duration` or
/// `dstream::Duration` the program computes (a variable, a `const`, a calculation), read once
/// when the job is built. Literals are checked at compile time; the rules on `{expr}`
/// durations (Spark's: a window's length and slide are multiples of its input's slide,
/// combined streams slide together, `B > 0`) are checked when the job starts, before its
/// sources do, and a broken one stops it there with [`Error::Config`].
///
/// # Arguments
///
/// Functions are closures (`|w| (w, 1)`) or paths (`split`); reducers are closures of two
/// values or the shorthands `+`, `*`, `min`, `max`, and `-` as an inverse; values are any
/// expression, evaluated once when the job is built; counts are `usize` expressions; streams
/// are `let` names. See [Arguments](crate::operators#arguments).
///
/// Arguments are positional; optional ones may be left out, or skipped with `_`. `{expr}` is a
/// duration where a duration parameter can take it, else an ordinary expression (a function
/// or a value). Where it could be either, a duration literal after it decides: in
/// `reduce_by_key_and_window(+, {inverse}, 10s)` the braces are the inverse, in
/// `reduce_by_key_and_window(+, {length}, {slide})` the window's durations; write
/// `reduce_by_key_and_window(+, _, {length}, 2s)` for a computed length and a literal slide
/// without an inverse.
///
/// # Operators
///
#[doc = dstream_macros::__operator_index!()]
///
/// # Settings
///
/// `#![unfused]` materialises every operator's output (to measure fusion); `#![checkpoint(dir)]`
/// and `#![checkpoint(dir, 10s)]` checkpoint the job's state and sources and recover from
/// them; `#![crate = path]` names the `dstream` crate for a crate that re-exports it. See
/// [Program settings](crate::operators#program-settings).
///
/// # Errors
///
/// Every mistake is a compile error on the user's tokens, all reported at once, and the macro
/// still expands to a placeholder job so the surrounding code shows no follow-on errors:
/// unknown operators (with the closest name), wrong arity (with the signature and what the
/// operator does), a source after `|>`, an operator after an output, a pipeline without an
/// output, unused or undefined streams (with the closest name), a missing or second `every`
/// (on the operator that needs it), durations without a unit, zero or not whole milliseconds,
/// windows whose length or slide is not a multiple of the input's slide (on that duration, in
/// every window form), streams combined with different slides or record/key types (on the
/// other stream's name, naming both types), and closures or shorthands that do not fit the
/// records (on the closure or the shorthand). A slide longer than its window and a batch
/// interval under 10 ms are warnings. The messages use the names you wrote, never the
/// generated code's.
///
/// Type errors come from rustc after expansion, with dstream's messages and on your tokens:
/// records that are not `(key, value)` pairs for a keyed operator (on the operator), values a
/// shorthand cannot combine (`+` without `Add`, `min` or `max` without `Ord`; on the
/// shorthand), a `{expr}` duration that is not a `Duration` (on the braces), a checkpointed
/// key, state or window record without serde's traits (on the stateful operator, naming that
/// type), a `union` or join whose streams' record or key types differ (on the other stream's
/// name), a key without `Hash` and `Eq` (on the keyed operator), and a function whose
/// parameters do not fit the records (on the closure; the note names the signature it needed,
/// such as `dstream::requirements::map`). The traits and signatures these errors name are
/// listed, with what each asks for, in [`requirements`].
pub use dstream_macros::stream;

/// Everything a dstream program needs: `use dstream::prelude::*;`.
pub mod prelude {
    pub use dstream_core::prelude::*;
    pub use dstream_macros::stream;
}

#[doc(hidden)]
pub use dstream_core::__private;

/// The traits a `stream!` program's compile errors name (pairs for keyed operators, `+` and
/// `min`/`max` shorthands, durations in braces, checkpointed state, streams a `union` or a
/// join combines), with what each asks for, and the signature each function passed to an
/// operator must have. Public so that errors name them by this path.
pub use dstream_core::requirements;

/// What the code `stream!` generates calls: helpers, and the traits behind its type errors,
/// re-exported here so that those errors name them by a public path rather than an internal
/// one. Not an API to call directly: it changes with the compiler, so it is hidden from the
/// documentation and the public API list.
#[doc(hidden)]
pub mod generated {
    pub use dstream_core::__private::{
        branches, checkpoint, durations, join, ops, print, requirements, split_records, state, BatchContext,
    };
}

pub mod fault_tolerance;
pub mod operators;
