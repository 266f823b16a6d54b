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

pub use dstream_core::owned_as_self;
pub use dstream_core::{
    checkpoint, clock, dense_keys, feed, metrics, owned, render, source, state, testing, text, time, window,
};
pub use dstream_core::{Duration, Error, Job, Render, Result, Time};
pub use dstream_macros::stream;

/// Everything a dstream program needs: `use dstream::prelude::*;`.
pub mod prelude {
    pub use dstream_core::prelude::*;
    pub use dstream_macros::stream;
}

#[doc(hidden)]
pub use dstream_core::__private;

/// What the code `stream!` generates calls: helpers, and the traits behind its type errors,
/// re-exported here so that those errors name them by a public path rather than an internal
/// one. Not an API to call directly: it changes with the compiler.
pub mod generated {
    pub use dstream_core::job::BatchContext;
    pub use dstream_core::sink::print;
    pub use dstream_core::{branches, durations, join, ops};
}

pub mod fault_tolerance;
pub mod operators;
