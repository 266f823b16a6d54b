//! The job's flow-control builders (`source::rate`).

use super::Job;
use crate::source::rate::{FlowControl, RateControl};

/// Flow control (`source::rate`). The settings start from the environment
/// ([`FlowControl::from_env`]); set them before `run`.
impl Job {
    /// Caps every receiver at `records_per_sec` records per second, 0 for no cap (Spark's
    /// `spark.streaming.receiver.maxRate`).
    pub fn with_max_rate(self, records_per_sec: u64) -> Job {
        self.rate.update(|s| s.max_rate = records_per_sec);
        self
    }

    /// Caps every partition of a partitioned source at `records_per_sec` records per second,
    /// 0 for no cap (`spark.streaming.kafka.maxRatePerPartition`).
    pub fn with_max_rate_per_partition(self, records_per_sec: u64) -> Job {
        self.rate.update(|s| s.max_rate_per_partition = records_per_sec);
        self
    }

    /// Turns backpressure on or off (`spark.streaming.backpressure.enabled`): with it, the
    /// receivers slow down when batches take longer than the batch interval, and speed up
    /// again when they recover.
    pub fn with_backpressure(self, on: bool) -> Job {
        self.rate.update(|s| s.backpressure = on);
        self
    }

    /// With backpressure, each receiver's rate until the first estimate, records per second
    /// (`spark.streaming.backpressure.initialRate`).
    pub fn with_backpressure_initial_rate(self, records_per_sec: u64) -> Job {
        self.rate.update(|s| s.initial_rate = records_per_sec);
        self
    }

    /// Replaces every flow-control setting, the environment's included.
    pub fn with_flow_control(self, settings: FlowControl) -> Job {
        self.rate.update(|s| *s = settings);
        self
    }

    /// The job's flow control: its settings, and each receiver's rate limit and buffered
    /// bytes while it runs (keep a clone before `run`).
    pub fn flow_control(&self) -> RateControl {
        self.rate.clone()
    }
}
