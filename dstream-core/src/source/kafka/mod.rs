//! The `kafka(brokers, topic, options)` source: Spark's direct approach. At each cut the
//! source asks the brokers for every partition's latest offset, decides one offset range
//! `[from, until)` per partition (capped by `max_records_per_partition`), and reads exactly
//! those messages with an assign-based consumer (no group membership, no rebalancing). The
//! ranges are the cut's [`selection`](crate::source::Source::selection), logged before the batch runs, so a
//! batch run again after a crash reads the same messages; the next offsets are the
//! checkpoint's [`position`](crate::source::Source::position). Offsets are committed to the consumer group
//! (when one is given) only once the batch's outputs were written.
//!
//! In a cluster (`docs/cluster.md`) the source is read where it is assigned: every process
//! reads the partitions `partition % processes == process` of the topic's metadata at each
//! cut, so its ranges, positions and commits are its own partitions' only.
//!
//! Without the `kafka` feature only the options exist, and `kafka(..)` fails to compile
//! with an error naming the feature.

mod options;
pub use options::{KafkaOptions, StartingOffsets};

#[cfg(feature = "kafka")]
mod consumer;
#[cfg(feature = "kafka")]
mod ranges;
/// The Rust binding of librdkafka the connectors are built on (the same version), for what
/// they do not cover: creating topics, reading keys and headers, other clients.
#[cfg(feature = "kafka")]
pub use ::rdkafka;
#[cfg(feature = "kafka")]
pub use consumer::{kafka, KafkaSource};

#[cfg(not(feature = "kafka"))]
mod missing;
#[cfg(not(feature = "kafka"))]
pub use missing::{kafka, KafkaFeature, KafkaSource};
