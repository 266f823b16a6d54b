//! The dstream runtime: the time grid, batches, the partition executor, sources, output
//! operations and the test harness. Programs reach it through the `stream!` macro of the
//! `dstream` crate; this crate is the library that generated code calls.
#![warn(missing_docs)]

pub mod branches;
pub mod checkpoint;
pub mod clock;
pub mod combine;
pub mod dense_keys;
pub mod durations;
pub mod error;
pub mod exec;
pub mod feed;
pub mod job;
pub mod join;
pub mod metrics;
pub mod ops;
pub mod owned;
pub mod partition;
pub mod render;
pub mod short_keys;
pub mod sink;
pub mod source;
pub mod split_records;
pub mod state;
pub mod testing;
pub mod text;
pub mod time;
pub mod window;
mod words;

pub use error::{Error, Result};
pub use job::Job;
pub use render::Render;
pub use time::{Duration, Time};

/// What a dstream program needs in scope: `use dstream::prelude::*;`.
pub mod prelude {
    pub use crate::error::{Error, Result};
    pub use crate::job::Job;
    pub use crate::render::Render;
    pub use crate::state::State;
    pub use crate::text::split;
    pub use crate::time::{Duration, Time};
}

/// The paths generated code uses. Not a public API: it changes with the compiler.
#[doc(hidden)]
pub mod __private {
    pub use crate::branches;
    pub use crate::combine::{CombineTable, Combiner};
    pub use crate::durations;
    pub use crate::error::Result;
    pub use crate::exec::{Executor, SMALL_BATCH_RECORDS};
    pub use crate::job::{BatchContext, Explain, Job};
    pub use crate::join;
    pub use crate::ops;
    pub use crate::owned::own_partitions;
    pub use crate::partition::{partition_source, SourceBatch};
    pub use crate::short_keys::{AnyKeyTable, SpecialKeyTable, TableFor, TableHint};
    pub use crate::sink::{dashboard, foreach, print, text_files};
    pub use crate::split_records;
    pub use crate::state;
    pub use crate::text;
    pub use crate::time::Duration;
    pub use crate::window::{own_tables, IncrementalWindow, WindowBuffer};

    /// The job a program with compile errors expands to, so that the code around the
    /// `stream!` invocation still type-checks and shows no follow-on errors.
    pub fn placeholder_job() -> Job {
        Job::new(Duration::from_millis(1000), Explain::default(), (), |_, ()| Ok(()))
    }

    /// Constructors of the language's sources.
    pub mod sources {
        use crate::source::queue::QueueSource;
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

        /// `source(value)`: any source.
        pub fn custom<S: crate::source::Source>(source: S) -> S {
            source
        }

        /// `queue(batches)`.
        pub fn queue<T, B, I>(batches: B) -> QueueSource<Vec<T>>
        where
            B: IntoIterator<Item = I>,
            I: IntoIterator<Item = T>,
        {
            QueueSource::new(batches)
        }
    }
}
