//! `to_kafka(..)` in a build without the `kafka` feature: see `source::kafka::KafkaFeature`.

use crate::error::Result;
use crate::sink::{Sink, SinkBatch};
use crate::source::kafka::KafkaFeature;

/// No Kafka output can be built without the feature: this type has no values.
#[derive(Debug)]
pub enum KafkaSink {}

/// Rejected at compile time: see [`KafkaFeature`].
pub fn to_kafka<B: KafkaFeature>(brokers: B, _topic: impl Into<String>) -> KafkaSink {
    brokers.kafka_sink()
}

impl<T> Sink<T> for KafkaSink {
    fn write_batch(&mut self, _batch: &SinkBatch<'_>, _records: Vec<T>) -> Result<()> {
        match *self {}
    }
}
