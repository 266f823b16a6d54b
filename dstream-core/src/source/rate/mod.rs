//! Flow control: a maximum rate per receiver and per partition, and backpressure.
//!
//! Spark's design, piece for piece:
//!
//! - [`settings`]: [`FlowControl`], the job's settings, named after Spark's keys
//!   (`spark.streaming.receiver.maxRate`, `spark.streaming.backpressure.enabled`, ...), from
//!   the `Job::with_*` builders or `DSTREAM_*` variables.
//! - [`control`]: [`RateControl`], shared by the job and its sources through
//!   [`SourceContext::rate`](super::SourceContext::rate). A receiver registers and gets a
//!   [`ReceiverRate`]: the rate it may take in now, and where it reports the records it
//!   gave each batch and the bytes it holds. After every batch the job calls
//!   [`RateControl::batch_completed`] (Spark's `RateController.onBatchCompleted`).
//! - [`estimator`]: [`PidRateEstimator`], Spark's `PIDRateEstimator`, one per receiver with
//!   backpressure on.
//! - [`limiter`]: [`RateLimiter`], the token bucket a receiver takes a permit from per
//!   record (the Guava `RateLimiter` of Spark's receivers).
//! - [`partitions`]: the per-partition caps of a partitioned source (Spark's direct Kafka
//!   `maxMessagesPerPartition`), through [`ReceiverRate::max_records_per_partition`] or [`max_records_per_partition`].
//!
//! A receiver that waits for permits does not read its input meanwhile: for a socket, TCP
//! flow control then holds the sender back.

mod control;
mod estimator;
mod limiter;
mod partitions;
mod settings;

pub use control::{RateControl, ReceiverFlow, ReceiverRate};
pub use estimator::{BatchFeedback, PidRateEstimator, PidSettings};
pub use limiter::RateLimiter;
pub use partitions::max_records_per_partition;
pub use settings::FlowControl;
