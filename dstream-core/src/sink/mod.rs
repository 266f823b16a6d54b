//! Output operations: what a job does with each batch's result. They run in the order the
//! program writes them, one batch after another.
//!
//! [`Sink`] is the seam every output outside the core goes through: `output(my_sink)` in a
//! program, and the connectors (`to_sql`, `to_kafka`, …), whose constructors build a `Sink`.

// The built-in outputs are reached by generated code through `__private`, and
// `dashboard` also as `dstream::dashboard`.
#[cfg(feature = "dashboard")]
#[doc(hidden)]
pub mod dashboard;
// Without the feature, the paths generated code calls exist but reject every use.
#[cfg(not(feature = "dashboard"))]
#[doc(hidden)]
#[path = "no_dashboard.rs"]
pub mod dashboard;
#[doc(hidden)]
pub mod foreach;
#[doc(hidden)]
pub mod print;
// `save_as_text_files` to an S3 bucket.
#[cfg(feature = "s3")]
mod s3;
#[doc(hidden)]
pub mod text_files;
// `to_sql(url, table)`: SQLite and PostgreSQL (features `sqlite`, `postgres`).
pub mod sql;

use crate::error::Result;
use crate::job::BatchContext;
use crate::time::Time;

/// An output of a job: Spark's `foreachRDD` as a value with its own state (a connection, a
/// producer, a prepared statement). Write `output(my_sink)` at the end of a pipeline; the
/// connectors' outputs (`to_sql(..)`, `to_kafka(..)`) are `Sink`s too.
///
/// [`Sink::write_batch`] is called once per batch, in batch order, on the job's batch thread,
/// after every partition of the batch finished, with all the batch's records gathered in
/// partition order (Spark's driver-side output). An error stops the job with that error.
///
/// After a crash, the batches after the last checkpoint run again with the same batch times
/// and, for sources that describe their cuts, the same records: an exactly-once sink commits
/// [`SinkBatch::time`] (with [`SinkBatch::job`]) atomically with the data and skips a batch
/// it already holds. See the `fault_tolerance` page of the `dstream` crate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an output for records of type `{T}`",
    label = "`output(..)` takes a value implementing `dstream::sink::Sink<{T}>`",
    note = "implement `Sink<{T}>` for it, or use `foreach_batch(|records, time| ..)` for a one-off closure"
)]
pub trait Sink<T>: Send + 'static {
    /// Writes one batch's records.
    fn write_batch(&mut self, batch: &SinkBatch<'_>, records: Vec<T>) -> Result<()>;
}

/// Which batch a [`Sink`] is writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SinkBatch<'a> {
    /// The batch time: the same when a batch runs again after a crash.
    pub time: Time,
    /// The job's name ([`Job::name`](crate::Job::name)), stable across restarts.
    pub job: &'a str,
}

/// Gathers the batch's partitions and hands them to `sink`. Called by generated code.
#[doc(hidden)]
pub fn emit<T, S: Sink<T>>(sink: &mut S, ctx: &mut BatchContext<'_>, partitions: Vec<Vec<T>>) -> Result<()> {
    let mut records = Vec::with_capacity(partitions.iter().map(Vec::len).sum());
    for part in partitions {
        records.extend(part);
    }
    sink.write_batch(&SinkBatch { time: ctx.time(), job: ctx.job_name() }, records)
}

/// Checks at the sink's construction that it is one, so a wrong value is reported on the
/// expression the user wrote. Called by generated code.
#[doc(hidden)]
pub fn output<S>(sink: S) -> S {
    sink
}
