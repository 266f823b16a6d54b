//! The `nats(url, subject, options)` source: the payloads of a NATS JetStream subject, read
//! with a durable pull consumer on the stream that holds the subject (the stream is the
//! user's). A cut takes what the consumer delivers (up to `max_records_per_batch`) and
//! records the stream sequence numbers it took as its selection, so a batch run again after
//! a crash gets exactly the same messages back by sequence. Messages are acknowledged only
//! once the batch's outputs were written.
//!
//! Without the `nats` feature only the options exist, and `nats(..)` fails to compile with
//! an error naming the feature.

#[cfg(feature = "nats")]
mod consumer;
#[cfg(feature = "nats")]
pub use consumer::{nats, NatsSource};

#[cfg(not(feature = "nats"))]
mod missing;
#[cfg(not(feature = "nats"))]
pub use missing::{nats, NatsFeature, NatsSource};

/// Options of the `nats(..)` source: `nats(url, "orders", NatsOptions::new().durable("orders-job"))`.
#[derive(Clone, Debug)]
pub struct NatsOptions {
    pub(crate) durable: Option<String>,
    pub(crate) max_records_per_batch: usize,
}

impl Default for NatsOptions {
    fn default() -> NatsOptions {
        NatsOptions { durable: None, max_records_per_batch: 100_000 }
    }
}

impl NatsOptions {
    /// The defaults: durable consumer `dstream-<subject>`, at most 100 000 messages a batch.
    pub fn new() -> NatsOptions {
        NatsOptions::default()
    }

    /// The durable consumer's name (letters, digits, `-` and `_`).
    pub fn durable(mut self, name: impl Into<String>) -> NatsOptions {
        self.durable = Some(name.into());
        self
    }

    /// Takes at most `max` messages into one batch; the rest wait for the next batches.
    pub fn max_records_per_batch(mut self, max: usize) -> NatsOptions {
        self.max_records_per_batch = max.max(1);
        self
    }
}
