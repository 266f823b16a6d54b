//! The options of `kafka(brokers, topic, options)`.

/// Where a job with no checkpoint starts reading each partition (Spark's `startingOffsets`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StartingOffsets {
    /// Every message the topic still holds.
    Earliest,
    /// Only messages written after the job started (the default, as in Spark).
    #[default]
    Latest,
}

/// Options of the `kafka(..)` source: `kafka("127.0.0.1:9092", "orders", KafkaOptions::new().group("orders-job"))`.
#[derive(Clone, Debug, Default)]
pub struct KafkaOptions {
    pub(crate) group: Option<String>,
    pub(crate) starting_offsets: StartingOffsets,
    pub(crate) max_records_per_partition: Option<u64>,
    pub(crate) client: Vec<(String, String)>,
}

impl KafkaOptions {
    /// The defaults: no consumer group, start at the latest offsets, no cap per batch.
    pub fn new() -> KafkaOptions {
        KafkaOptions::default()
    }

    /// Commits each completed batch's offsets to consumer group `group` (Spark's
    /// `commitAsync`), so that monitoring tools see the job's lag. The job itself resumes
    /// from its checkpoint, never from the group's offsets.
    pub fn group(mut self, group: impl Into<String>) -> KafkaOptions {
        self.group = Some(group.into());
        self
    }

    /// Where to start without a checkpoint.
    pub fn starting_offsets(mut self, starting: StartingOffsets) -> KafkaOptions {
        self.starting_offsets = starting;
        self
    }

    /// Takes at most `max` messages of each partition into one batch (Spark's
    /// `maxRatePerPartition` times the batch interval), so a backlog is worked off in
    /// batches of bounded size instead of one huge batch.
    pub fn max_records_per_partition(mut self, max: u64) -> KafkaOptions {
        self.max_records_per_partition = Some(max);
        self
    }

    /// Sets a librdkafka client property (for example `security.protocol`), passed as is.
    pub fn client_property(mut self, key: impl Into<String>, value: impl Into<String>) -> KafkaOptions {
        self.client.push((key.into(), value.into()));
        self
    }
}
