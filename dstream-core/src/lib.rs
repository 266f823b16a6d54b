//! The dstream runtime: the time grid, batches, the partition executor, sources, output
//! operations and the test harness. Programs reach it through the `stream!` macro of the
//! `dstream` crate; this crate is the library that generated code calls.
#![warn(missing_docs)]
// The runtime's internal docs link between its private rooms; read them with
// `cargo doc --document-private-items`.
#![allow(rustdoc::private_intra_doc_links)]

// The rooms of the runtime. Only what a user writes is public: the job, the harness,
// sources, time, keys a user implements, counters, errors and the prelude. What generated
// code calls lives in `__private`.
#[doc(hidden)]
pub mod connectors;
mod exec;
mod job;
mod keys;
pub mod monitor;
mod ops;
mod persist;
mod render;
mod ui;

#[cfg(test)]
mod test_support;

pub mod cluster;
pub mod error;
pub mod feed;
pub mod requirements;
pub mod sink;
pub mod source;
pub mod testing;
pub mod text;
pub mod time;

#[cfg(feature = "dashboard")]
pub use sink::dashboard;
pub use ui::metrics;

pub use error::{Error, Result};
pub use job::Job;
pub use keys::{BorrowBack, DenseKey, IntoOwned};
pub use monitor::handle::JobHandle;
pub use monitor::{Monitor, StreamingListener};
pub use render::Render;
pub use time::{Duration, Time};

/// What a dstream program needs in scope: `use dstream::prelude::*;`.
pub mod prelude {
    pub use crate::error::{Error, Result};
    pub use crate::job::Job;
    pub use crate::monitor::handle::JobHandle;
    pub use crate::monitor::StreamingListener;
    pub use crate::ops::state::State;
    pub use crate::render::Render;
    pub use crate::text::split;
    pub use crate::time::{Duration, Time};
}

/// The paths generated code uses. Not a public API: it changes with the compiler.
#[doc(hidden)]
pub mod __private {
    pub use crate::connectors;
    pub use crate::error::Result;
    pub use crate::exec::exchange::Exchange;
    pub use crate::exec::partition::{partition_input, scatter_input, SourceBatch};
    pub use crate::exec::{Executor, SMALL_BATCH_RECORDS};
    pub use crate::job::pieces;
    pub use crate::job::{BatchContext, Explain, Job};
    pub use crate::keys::combine::{CombineTable, Combiner, TableSize};
    pub use crate::keys::owned::own_partitions;
    pub use crate::keys::pool::{FreshTable, PooledTable, Reuse};
    pub use crate::keys::short_keys::{AnyKeyTable, SpecialKeyTable, TableFor, TableHint};
    pub use crate::ops::closures as ops;
    pub use crate::ops::window::{
        keep_if as window_keep_if, like as window_like, IncrementalWindow, WindowBuffer,
    };
    pub use crate::ops::{branches, durations, join, sizing, split_records, state};
    pub use crate::persist::checkpoint;
    pub use crate::render::Render;
    pub use crate::requirements;
    pub use crate::sink::{dashboard, emit as sink_emit, foreach, output, print, text_files};
    pub use crate::text;
    pub use crate::time::Duration;

    /// The job a program with compile errors expands to, so that the code around the
    /// `stream!` invocation still type-checks and shows no follow-on errors.
    pub fn placeholder_job() -> Job {
        Job::new(Duration::from_millis(1000), Explain::default(), (), |_, ()| Ok(()))
    }

    /// Constructors of the language's sources.
    pub mod sources {
        use crate::source::socket::{SocketConfig, SocketSource};

        /// `socket(host, port)`.
        pub fn socket(host: impl Into<String>, port: u16) -> SocketSource {
            SocketSource::new(host, port)
        }

        /// `socket(host, port, config)`.
        pub fn socket_with(host: impl Into<String>, port: u16, config: SocketConfig) -> SocketSource {
            SocketSource::new(host, port).with_config(config)
        }

        /// `text_files(dir)`.
        pub fn text_files(dir: impl Into<std::path::PathBuf>) -> crate::source::files::TextFilesSource {
            crate::source::files::TextFilesSource::new(dir)
        }
    }
}
