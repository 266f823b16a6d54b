//! `kafka(..)` and `to_kafka(..)` in a build without the `kafka` feature: a bound nothing
//! satisfies, so a program using them fails to compile with an error naming the feature
//! instead of every build linking librdkafka.

use super::KafkaOptions;

/// What `kafka(..)` and `to_kafka(..)` need: dstream's `kafka` feature. Never implemented.
#[diagnostic::on_unimplemented(
    message = "`kafka(..)` and `to_kafka(..)` need dstream's `kafka` feature",
    label = "`kafka` is not compiled in",
    note = "enable it in Cargo.toml: `dstream = {{ version = \"0.1\", features = [\"kafka\"] }}` (it builds librdkafka from source: a C compiler and make), or build with `--features kafka`"
)]
pub trait KafkaFeature {
    /// The source an implementation would build.
    fn kafka_source(self) -> KafkaSource;
    /// The output an implementation would build.
    fn kafka_sink(self) -> crate::sink::kafka::KafkaSink;
}

/// No source can be built without the feature: this type has no values.
pub type KafkaSource = crate::source::unavailable::Unavailable;

/// Rejected at compile time: see [`KafkaFeature`].
pub fn kafka<B: KafkaFeature>(
    brokers: B,
    _topic: impl Into<String>,
    _options: Option<KafkaOptions>,
) -> KafkaSource {
    brokers.kafka_source()
}
