//! The `to_kafka(brokers, topic)` output: each batch's records become messages of `topic`,
//! text records as values, `(key, value)` pairs as keyed messages. At least once: a batch
//! returns only after every message was acknowledged by the brokers (a failed delivery stops
//! the job; the batch then runs again after a restart, and may write some messages twice).

use crate::error::{Error, Result};
use crate::render::Render;
use crate::sink::{Sink, SinkBatch};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientConfig, ClientContext};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one wait for deliveries lasts before it is logged and waited again.
const FLUSH_STEP: Duration = Duration::from_secs(10);

/// A record `to_kafka` can write: text (the message's value), or a `(key, value)` pair.
#[diagnostic::on_unimplemented(
    message = "`to_kafka(..)` cannot write records of type `{Self}`",
    label = "records here are `{Self}`",
    note = "`to_kafka` writes text records (`String`, `&str`) and bytes (`Vec<u8>`) as message values and `(key, value)` pairs as keyed messages; `map` the records to one of these first"
)]
pub trait KafkaMessage {
    /// The message's key (if any) and value.
    fn key_value(&self) -> (Option<Vec<u8>>, Vec<u8>);
}

impl KafkaMessage for String {
    fn key_value(&self) -> (Option<Vec<u8>>, Vec<u8>) {
        (None, self.as_bytes().to_vec())
    }
}

impl KafkaMessage for &str {
    fn key_value(&self) -> (Option<Vec<u8>>, Vec<u8>) {
        (None, self.as_bytes().to_vec())
    }
}

/// Bytes, written as they are (a value that is not text).
impl KafkaMessage for Vec<u8> {
    fn key_value(&self) -> (Option<Vec<u8>>, Vec<u8>) {
        (None, self.clone())
    }
}

/// A pair: the key and the value as they print (`("a", 1)` is key `a`, value `1`).
impl<K: Render, V: Render> KafkaMessage for (K, V) {
    fn key_value(&self) -> (Option<Vec<u8>>, Vec<u8>) {
        (Some(self.0.render_to_string().into_bytes()), self.1.render_to_string().into_bytes())
    }
}

/// Collects the deliveries librdkafka failed (after its own retries).
#[derive(Default, Clone)]
struct Deliveries {
    failed: Arc<Mutex<Vec<String>>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            self.failed.lock().unwrap_or_else(|p| p.into_inner()).push(e.to_string());
        }
    }
}

/// Writes each batch to a Kafka topic. Built by `to_kafka(brokers, topic)` in a program.
pub struct KafkaSink {
    brokers: String,
    topic: String,
    producer: Option<BaseProducer<Deliveries>>,
}

impl KafkaSink {
    /// An output writing to `topic` of the cluster at `brokers` (`host:port[,host:port..]`).
    pub fn new(brokers: impl Into<String>, topic: impl Into<String>) -> KafkaSink {
        KafkaSink { brokers: brokers.into(), topic: topic.into(), producer: None }
    }

    fn error(&self, batch: &SinkBatch<'_>, message: String) -> Error {
        Error::Output {
            operator: "to_kafka",
            time: batch.time,
            message: format!("to_kafka({:?}, {:?}): {message}", self.brokers, self.topic),
        }
    }

    fn ensure_producer(&mut self, batch: &SinkBatch<'_>) -> Result<()> {
        if self.producer.is_none() {
            let producer = ClientConfig::new()
                .set("bootstrap.servers", &self.brokers)
                .set("enable.idempotence", "false")
                .create_with_context(Deliveries::default())
                .map_err(|e| self.error(batch, format!("cannot create a producer: {e}")))?;
            self.producer = Some(producer);
        }
        Ok(())
    }
}

impl<T: KafkaMessage> Sink<T> for KafkaSink {
    fn write_batch(&mut self, batch: &SinkBatch<'_>, records: Vec<T>) -> Result<()> {
        self.ensure_producer(batch)?;
        let (brokers, topic) = (&self.brokers, &self.topic);
        let producer = self.producer.as_ref().expect("created above");
        let mut send_error = None;
        for record in &records {
            let (key, value) = record.key_value();
            let mut message = BaseRecord::to(topic).payload(&value);
            if let Some(key) = &key {
                message = message.key(key);
            }
            loop {
                match producer.send(message) {
                    Ok(()) => break,
                    // The producer's queue is full: let deliveries make room.
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), again)) => {
                        producer.poll(Duration::from_millis(100));
                        message = again;
                    }
                    Err((e, _)) => {
                        send_error = Some(e.to_string());
                        break;
                    }
                }
            }
            if send_error.is_some() {
                break;
            }
        }
        // Wait for every delivery: librdkafka retries failed sends itself until its
        // `delivery.timeout.ms`, then reports them as failed.
        while let Err(e) = producer.flush(FLUSH_STEP) {
            tracing::warn!(brokers = %brokers, topic = %topic, error = %e, "to_kafka: still waiting for the brokers to acknowledge the batch");
        }
        let failed =
            std::mem::take(&mut *producer.context().failed.lock().unwrap_or_else(|p| p.into_inner()));
        if let Some(e) = send_error {
            return Err(self.error(batch, format!("cannot send a message: {e}")));
        }
        if let Some(first) = failed.first() {
            return Err(self.error(
                batch,
                format!("{} of {} messages were not delivered: {first}", failed.len(), records.len()),
            ));
        }
        Ok(())
    }
}

/// Called by generated code for `to_kafka(brokers, topic)`.
pub fn to_kafka(brokers: impl Into<String>, topic: impl Into<String>) -> KafkaSink {
    KafkaSink::new(brokers, topic)
}
