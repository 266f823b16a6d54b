//! The runtime's error type.

use std::io;

/// Everything that can stop a dstream job.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error that the job cannot work around (bad input never causes one).
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The job was configured in a way that cannot run.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A checkpoint could not be written, read or applied.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The processes of a cluster could not connect, disagree, or lost one another.
    #[error("cluster: {0}")]
    Cluster(String),
    /// An output operation failed.
    #[error("output operation `{operator}` failed at {time}: {message}")]
    Output {
        /// The operator that failed.
        operator: &'static str,
        /// The batch time.
        time: crate::time::Time,
        /// What went wrong.
        message: String,
    },
    /// A thread of the job panicked (a bug: in the program's closures or in dstream).
    #[error("{0} panicked")]
    Panicked(String),
}

/// `Result` with dstream's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
