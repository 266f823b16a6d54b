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
pub use dstream_core::{error, feed, metrics, source, testing, text, time};
pub use dstream_core::{DenseKey, Duration, Error, IntoOwned, Job, Render, Result, Time};
pub use dstream_macros::stream;

/// Everything a dstream program needs: `use dstream::prelude::*;`.
pub mod prelude {
    pub use dstream_core::prelude::*;
    pub use dstream_macros::stream;
}

#[doc(hidden)]
pub use dstream_core::__private;

pub mod fault_tolerance;
pub mod operators;
