//! The Kafka consumer side of the source: deciding, reading and committing offset ranges.

use super::ranges::{self, OffsetRange, Positions};
use super::{KafkaOptions, StartingOffsets};
use crate::error::{Error, Result};
use crate::source::completions::Completions;
use crate::source::{Source, SourceContext};
use crate::time::Time;
use crate::ui::metrics::Metrics;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use std::time::{Duration, Instant};

/// How long one metadata or offsets request may take before the brokers count as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The first wait after a failed request; doubled after each failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long a re-run batch keeps retrying to read its recorded ranges before the job stops.
const RECUT_PATIENCE: Duration = Duration::from_secs(120);

/// Reads a Kafka topic's message values as `String` records. Built by `kafka(..)` in a
/// program; see the `kafka` operator's page for the options.
pub struct KafkaSource {
    brokers: String,
    topic: String,
    options: KafkaOptions,
    consumer: Option<BaseConsumer>,
    /// The next offset of every partition known so far: the checkpoint's position.
    positions: Positions,
    /// Whether `positions` came from a checkpoint (then `starting_offsets` does not apply).
    restored: bool,
    /// The ranges the last cut took.
    last: Option<Vec<OffsetRange>>,
    /// Offsets to commit to the group once the batch at that time completed.
    to_commit: Completions<Vec<OffsetRange>>,
    /// When the brokers may be asked again after a failure, and the next wait.
    retry_at: Option<Instant>,
    backoff: Duration,
    metrics: Metrics,
    malformed: u64,
    /// The job's flow control for this source (`maxRatePerPartition`, backpressure), from
    /// `start`.
    rate: Option<crate::source::rate::ReceiverRate>,
    /// This process's index and the number of processes: it reads the partitions of its
    /// share ([`is_mine`]), from `start`.
    share: (usize, usize),
}

impl KafkaSource {
    /// A source reading `topic` from the cluster at `brokers` (`host:port[,host:port..]`).
    pub fn new(brokers: impl Into<String>, topic: impl Into<String>, options: KafkaOptions) -> KafkaSource {
        KafkaSource {
            brokers: brokers.into(),
            topic: topic.into(),
            options,
            consumer: None,
            positions: Positions::default(),
            restored: false,
            last: None,
            to_commit: Completions::default(),
            retry_at: None,
            backoff: FIRST_BACKOFF,
            metrics: Metrics::new(),
            malformed: 0,
            rate: None,
            share: (0, 1),
        }
    }

    fn consumer(&self) -> Result<&BaseConsumer> {
        self.consumer.as_ref().ok_or_else(|| Error::Config("kafka source used before start".into()))
    }

    /// Every `[low, high)` watermarks of the partitions this process reads, asked of the
    /// brokers now. The partition list comes from the topic's metadata at every cut, so
    /// partitions added while the job runs are picked up by the process they belong to.
    fn watermarks(&self) -> Result<Vec<(i32, i64, i64)>> {
        let consumer = self.consumer()?;
        let what = |e: rdkafka::error::KafkaError| {
            Error::Config(format!("kafka({:?}, {:?}): {e}", self.brokers, self.topic))
        };
        let metadata = consumer.fetch_metadata(Some(&self.topic), REQUEST_TIMEOUT).map_err(what)?;
        let topic = metadata.topics().iter().find(|t| t.name() == self.topic);
        let partitions: Vec<i32> = match topic {
            Some(t) if t.error().is_none() => {
                t.partitions().iter().map(|p| p.id()).filter(|&p| is_mine(p, self.share)).collect()
            }
            Some(t) => {
                return Err(Error::Config(format!(
                    "kafka({:?}, {:?}): the topic is not available: {:?}",
                    self.brokers,
                    self.topic,
                    t.error()
                )))
            }
            None => {
                return Err(Error::Config(format!(
                    "kafka({:?}, {:?}): no such topic",
                    self.brokers, self.topic
                )))
            }
        };
        let mut marks = Vec::with_capacity(partitions.len());
        for p in partitions {
            let (low, high) = consumer.fetch_watermarks(&self.topic, p, REQUEST_TIMEOUT).map_err(what)?;
            marks.push((p, low, high));
        }
        Ok(marks)
    }

    /// Decides this cut's ranges from the brokers' watermarks.
    fn decide(&mut self) -> Result<Vec<OffsetRange>> {
        let marks = self.watermarks()?;
        if self.positions.is_empty() && !self.restored {
            // The first contact of a job without a checkpoint: where to start.
            for &(p, low, high) in &marks {
                let start = match self.options.starting_offsets {
                    StartingOffsets::Earliest => low,
                    StartingOffsets::Latest => high,
                };
                self.positions.set(p, start);
            }
            self.restored = true;
        }
        // Each partition's cap: the option's, and the job's flow control (Spark's
        // `maxRatePerPartition` and backpressure, shared out by each partition's lag).
        let lags: Vec<u64> = marks
            .iter()
            .map(|&(p, low, high)| {
                u64::try_from(high - self.positions.get(p).unwrap_or(low).max(low)).unwrap_or(0)
            })
            .collect();
        let flow = self.rate.as_ref().and_then(|rate| rate.max_records_per_partition(&lags));
        let caps: Vec<Option<u64>> = (0..marks.len())
            .map(|i| {
                let flow = flow.as_ref().map(|caps| caps[i]);
                match (self.options.max_records_per_partition, flow) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            })
            .collect();
        Ok(self.positions.ranges(&marks, &caps))
    }

    /// Reads exactly `ranges`, or (with a deadline) as much of each as arrives before it.
    /// Returns the records and the ranges actually read.
    fn read(
        &mut self,
        ranges: &[OffsetRange],
        deadline: Option<Instant>,
    ) -> Result<(Vec<String>, Vec<OffsetRange>)> {
        let mut reader = ranges::Reader::new(ranges);
        if !reader.is_done() {
            let consumer = self
                .consumer
                .as_ref()
                .ok_or_else(|| Error::Config("kafka source used before start".into()))?;
            let mut assignment = TopicPartitionList::new();
            for r in ranges.iter().filter(|r| !r.is_empty()) {
                assignment.add_partition_offset(&self.topic, r.partition, Offset::Offset(r.from)).map_err(
                    |e| Error::Config(format!("kafka({:?}, {:?}): {e}", self.brokers, self.topic)),
                )?;
            }
            consumer
                .assign(&assignment)
                .map_err(|e| Error::Config(format!("kafka({:?}, {:?}): {e}", self.brokers, self.topic)))?;
            let step = Duration::from_millis(100);
            while !reader.is_done() {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                match consumer.poll(step) {
                    None => {}
                    Some(Ok(message)) => {
                        reader.message(&message, &self.metrics, &mut self.malformed, &self.topic);
                    }
                    Some(Err(rdkafka::error::KafkaError::PartitionEOF(p))) => reader.end_of_partition(p),
                    Some(Err(e)) => {
                        self.metrics.add_connection_failures(1);
                        tracing::warn!(brokers = %self.brokers, topic = %self.topic, error = %e, "kafka source: read failed; retrying");
                    }
                }
            }
        }
        let (records, read) = reader.finish();
        self.metrics.add_records_received(records.len() as u64);
        Ok((records, read))
    }

    fn note_failure(&mut self, e: &Error) {
        self.metrics.add_connection_failures(1);
        tracing::warn!(brokers = %self.brokers, topic = %self.topic, error = %e, retry_in_ms = self.backoff.as_millis() as u64,
            "kafka source: brokers unreachable; this batch takes nothing from them, retrying with backoff");
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Takes `read` as the cut at `time`.
    fn took(&mut self, time: Time, read: Vec<OffsetRange>) {
        for r in &read {
            self.positions.set(r.partition, r.until);
        }
        if self.options.group.is_some() && !read.is_empty() {
            self.to_commit.push(time, read.clone());
        }
        if let Some(rate) = &self.rate {
            // The records this batch takes: the backpressure estimator's input.
            rate.add_records(read.iter().map(|r| u64::try_from(r.until - r.from).unwrap_or(0)).sum());
        }
        self.last = Some(read);
    }
}

impl Source for KafkaSource {
    type Batch = Vec<String>;

    fn read_where_assigned(&self) -> bool {
        true
    }

    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.metrics = ctx.metrics.clone();
        self.share = (ctx.process, ctx.processes);
        self.rate = Some(ctx.rate.register(format!("kafka {}", self.topic), 0));
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            // Assign-based reading needs no group; librdkafka wants an id to commit offsets.
            .set("group.id", self.options.group.as_deref().unwrap_or("dstream"))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "true")
            .set("auto.offset.reset", "error");
        for (k, v) in &self.options.client {
            config.set(k, v);
        }
        let consumer: BaseConsumer = config.create().map_err(|e| {
            Error::Config(format!(
                "kafka({:?}, {:?}): cannot create a consumer: {e}",
                self.brokers, self.topic
            ))
        })?;
        self.consumer = Some(consumer);
        Ok(())
    }

    fn cut(&mut self, time: Time) -> Vec<String> {
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            self.took(time, Vec::new());
            return Vec::new();
        }
        let ranges = match self.decide() {
            Ok(ranges) => ranges,
            Err(e) => {
                self.note_failure(&e);
                self.took(time, Vec::new());
                return Vec::new();
            }
        };
        // A cut waits at most a few seconds for its messages; what did not arrive is left
        // to the next cut (the recorded range is what was read).
        let deadline = Instant::now() + REQUEST_TIMEOUT;
        match self.read(&ranges, Some(deadline)) {
            Ok((records, read)) => {
                self.retry_at = None;
                self.backoff = FIRST_BACKOFF;
                self.took(time, read);
                records
            }
            Err(e) => {
                self.note_failure(&e);
                self.took(time, Vec::new());
                Vec::new()
            }
        }
    }

    fn stop_receiving(&mut self) {}

    fn position(&self) -> Option<Vec<u8>> {
        postcard::to_allocvec(&self.positions).ok()
    }

    fn restore_position(&mut self, position: &[u8]) -> Result<()> {
        self.positions = postcard::from_bytes(position)
            .map_err(|e| Error::Checkpoint(format!("bad kafka position for topic {:?}: {e}", self.topic)))?;
        self.restored = true;
        Ok(())
    }

    fn selection(&self) -> Option<Vec<u8>> {
        postcard::to_allocvec(self.last.as_ref()?).ok()
    }

    fn recut(&mut self, time: Time, selection: &[u8]) -> Result<Vec<String>> {
        let ranges: Vec<OffsetRange> = postcard::from_bytes(selection).map_err(|e| {
            Error::Checkpoint(format!(
                "bad kafka selection in the batch log for batch {time} of topic {:?}: {e}",
                self.topic
            ))
        })?;
        let give_up = Instant::now() + RECUT_PATIENCE;
        let mut backoff = FIRST_BACKOFF;
        loop {
            // A re-run batch must read all of its ranges: no deadline per attempt but the
            // patience in total.
            let (records, read) = self.read(&ranges, Some(give_up))?;
            if read == ranges {
                self.took(time, read);
                return Ok(records);
            }
            if Instant::now() >= give_up {
                return Err(Error::Config(format!(
                    "kafka({:?}, {:?}): batch {time} ran before a crash with offset ranges {ranges:?}, \
                     but only {read:?} could be read again (deleted by retention, or brokers unreachable)",
                    self.brokers, self.topic
                )));
            }
            tracing::warn!(topic = %self.topic, %time, "kafka source: re-reading a batch's ranges failed; retrying");
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Commits the offsets of every batch up to `time` to the group (asynchronously, as
    /// Spark's `commitAsync`: the group's offsets are for monitoring, the job resumes from
    /// its checkpoint). A failed commit is logged, not fatal.
    fn batch_completed(&mut self, time: Time) -> Result<()> {
        let mut latest = std::collections::BTreeMap::new();
        for r in self.to_commit.through(time).into_iter().flatten() {
            latest.insert(r.partition, r.until);
        }
        if latest.is_empty() {
            return Ok(());
        }
        let mut offsets = TopicPartitionList::new();
        for (p, until) in latest {
            if let Err(e) = offsets.add_partition_offset(&self.topic, p, Offset::Offset(until)) {
                tracing::warn!(topic = %self.topic, error = %e, "kafka source: cannot commit offsets");
                return Ok(());
            }
        }
        if let Err(e) = self.consumer()?.commit(&offsets, CommitMode::Async) {
            tracing::warn!(topic = %self.topic, error = %e, "kafka source: committing offsets to the group failed");
        }
        Ok(())
    }
}

/// Whether `partition` is read by process `process` of `processes` (`share`): the partitions
/// are dealt round-robin, `partition % processes == process`. The rule needs no agreement
/// between the processes, and with one process every partition is its.
fn is_mine(partition: i32, (process, processes): (usize, usize)) -> bool {
    processes <= 1 || usize::try_from(partition).is_ok_and(|p| p % processes == process)
}

/// Called by generated code for `kafka(brokers, topic, options)`.
pub fn kafka(
    brokers: impl Into<String>,
    topic: impl Into<String>,
    options: Option<KafkaOptions>,
) -> KafkaSource {
    KafkaSource::new(brokers, topic, options.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::is_mine;

    #[test]
    fn the_partitions_are_dealt_round_robin_and_one_process_reads_them_all() {
        let of = |process| (0..6).filter(|&p| is_mine(p, (process, 2))).collect::<Vec<_>>();
        assert_eq!(of(0), [0, 2, 4]);
        assert_eq!(of(1), [1, 3, 5]);
        assert!((0..6).all(|p| is_mine(p, (0, 1))));
        // Three processes, two partitions: the third reads nothing.
        assert!(!(0..2).any(|p| is_mine(p, (2, 3))));
    }
}
