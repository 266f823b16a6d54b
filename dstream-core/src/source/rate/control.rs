//! The job's flow control, shared with its receivers: each receiver registers and reads the
//! rate it may take in; after every batch the job reports the batch's delays, and with
//! backpressure each receiver's PID estimator sets its next rate (Spark's `RateController`).

use super::estimator::{BatchFeedback, PidRateEstimator};
use super::limiter::RateLimiter;
use super::partitions;
use super::settings::FlowControl;
use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How often a receiver waiting for permits looks at its stop flag.
const POLL: Duration = Duration::from_millis(50);

/// Unused permits a receiver keeps: Guava's one second, but never more than a batch
/// interval, so that a receiver idle for a while does not put several batches' worth of
/// records into one.
const MAX_BURST: Duration = Duration::from_secs(1);

/// A job's flow control: its settings ([`FlowControl`]) and the receivers that registered.
/// Cheap to clone (one `Arc`); the job lends it to its sources in
/// [`SourceContext::rate`](crate::source::SourceContext::rate) and reads it with
/// [`Job::flow_control`](crate::Job::flow_control).
#[derive(Clone, Debug)]
pub struct RateControl {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    batch_interval_ms: u64,
    settings: Mutex<FlowControl>,
    /// A setting from the environment that could not be read: the job fails to start.
    env_error: Mutex<Option<String>>,
    receivers: Mutex<Vec<ReceiverRate>>,
}

impl Default for RateControl {
    /// No limits, no backpressure, batches of 1 s (for sources started outside a job).
    fn default() -> RateControl {
        RateControl::new(1000, FlowControl::default())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A rate in records per second as a limit: `None` (no limit) for 0.
fn limit_of(rate: u64) -> f64 {
    if rate == 0 {
        f64::INFINITY
    } else {
        rate as f64
    }
}

impl RateControl {
    /// Flow control with `settings` for a job with batches every `batch_interval_ms`.
    pub fn new(batch_interval_ms: u64, settings: FlowControl) -> RateControl {
        RateControl {
            inner: Arc::new(Inner {
                batch_interval_ms: batch_interval_ms.max(1),
                settings: Mutex::new(settings),
                env_error: Mutex::new(None),
                receivers: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Flow control with the settings of the environment ([`FlowControl::from_env`]); an
    /// unreadable variable is reported by [`RateControl::check`], when the job starts.
    pub(crate) fn from_env(batch_interval_ms: u64) -> RateControl {
        let (settings, error) = match FlowControl::from_env() {
            Ok(settings) => (settings, None),
            Err(error) => (FlowControl::default(), Some(error.to_string())),
        };
        let control = RateControl::new(batch_interval_ms, settings);
        *lock(&control.inner.env_error) = error;
        control
    }

    /// The settings in use.
    pub fn settings(&self) -> FlowControl {
        lock(&self.inner.settings).clone()
    }

    /// Changes the settings; receivers that registered already keep theirs.
    pub(crate) fn update(&self, change: impl FnOnce(&mut FlowControl)) {
        change(&mut lock(&self.inner.settings));
    }

    /// Fails if a setting from the environment could not be read, or the PID gains are out
    /// of range. Called when the job starts its sources.
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(error) = lock(&self.inner.env_error).clone() {
            return Err(Error::Config(error));
        }
        let settings = self.settings();
        if settings.backpressure {
            settings.pid.check()?;
        }
        if settings != FlowControl::default() {
            tracing::info!(
                max_rate = settings.max_rate,
                max_rate_per_partition = settings.max_rate_per_partition,
                backpressure = settings.backpressure,
                initial_rate = settings.initial_rate,
                "flow control (records/s per receiver, 0 for no limit)"
            );
        }
        Ok(())
    }

    /// Registers a receiver named `name` (for the log) whose own maximum rate is
    /// `max_rate` records per second (0: none). Its limit is the lower of that and the job's
    /// [`FlowControl::max_rate`]; with backpressure, it starts at
    /// [`FlowControl::initial_rate`] (if set) and follows the estimates after each batch.
    pub fn register(&self, name: impl Into<String>, max_rate: u64) -> ReceiverRate {
        let settings = self.settings();
        let max = limit_of(max_rate).min(limit_of(settings.max_rate));
        let initial = if settings.backpressure { limit_of(settings.initial_rate).min(max) } else { max };
        let estimator = settings
            .backpressure
            .then(|| Mutex::new(PidRateEstimator::new(self.inner.batch_interval_ms, settings.pid)));
        let receiver = ReceiverRate {
            state: Arc::new(ReceiverState {
                name: name.into(),
                max,
                limit: AtomicU64::new(initial.to_bits()),
                estimator,
                records: AtomicU64::new(0),
                buffered_bytes: AtomicU64::new(0),
                peak_buffered_bytes: AtomicU64::new(0),
                batch_interval_ms: self.inner.batch_interval_ms,
                max_rate_per_partition: settings.max_rate_per_partition,
            }),
        };
        lock(&self.inner.receivers).push(receiver.clone());
        receiver
    }

    /// After a batch: `end` is when it finished (on the job's clock, in ms), `processing` how
    /// long it ran, `scheduling` how long it waited after its time. Each receiver with
    /// backpressure gets a new rate from its estimator, fed with the records it gave the batch.
    pub fn batch_completed(&self, end_ms: u64, processing: Duration, scheduling: Duration) {
        for receiver in lock(&self.inner.receivers).iter() {
            let state = &receiver.state;
            let records = state.records.swap(0, Ordering::Relaxed);
            let Some(estimator) = &state.estimator else { continue };
            let feedback = BatchFeedback {
                time_ms: end_ms as f64,
                records,
                processing_ms: processing.as_secs_f64() * 1000.0,
                scheduling_ms: scheduling.as_secs_f64() * 1000.0,
            };
            if let Some(rate) = lock(estimator).compute(feedback) {
                let limit = rate.min(state.max);
                state.limit.store(limit.to_bits(), Ordering::Relaxed);
                tracing::debug!(receiver = %state.name, rate = limit, "backpressure: new receiving rate (records/s)");
            }
        }
    }

    /// Every registered receiver's flow: its rate limit and buffered bytes.
    pub fn receivers(&self) -> Vec<ReceiverFlow> {
        lock(&self.inner.receivers).iter().map(ReceiverRate::flow).collect()
    }
}

/// One receiver's flow at a moment, from [`RateControl::receivers`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiverFlow {
    /// The name it registered with.
    pub name: String,
    /// Its rate limit in records per second (`None`: unlimited).
    pub limit: Option<f64>,
    /// Bytes it holds, received and not yet handed to a batch.
    pub buffered_bytes: u64,
    /// The most bytes it has held at once.
    pub peak_buffered_bytes: u64,
}

/// A receiver's side of the flow control: the rate it may take in, and what it reports.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct ReceiverRate {
    state: Arc<ReceiverState>,
}

#[derive(Debug)]
struct ReceiverState {
    name: String,
    /// The receiver's maximum rate (`f64::INFINITY`: none).
    max: f64,
    /// The current limit, an `f64`'s bits (`f64::INFINITY`: none).
    limit: AtomicU64,
    /// With backpressure.
    estimator: Option<Mutex<PidRateEstimator>>,
    /// Records handed to the current batch.
    records: AtomicU64,
    buffered_bytes: AtomicU64,
    peak_buffered_bytes: AtomicU64,
    batch_interval_ms: u64,
    max_rate_per_partition: u64,
}

impl ReceiverRate {
    /// The rate the receiver may take in now, records per second (`None`: unlimited).
    pub fn limit(&self) -> Option<f64> {
        Some(self.current()).filter(|rate| rate.is_finite())
    }

    fn current(&self) -> f64 {
        f64::from_bits(self.state.limit.load(Ordering::Relaxed))
    }

    /// A token bucket at the current limit, to pass to [`ReceiverRate::acquire`].
    pub fn limiter(&self) -> RateLimiter {
        let burst = MAX_BURST.min(Duration::from_millis(self.state.batch_interval_ms));
        RateLimiter::new(self.current(), burst, Instant::now())
    }

    /// Waits until `limiter`, brought to the current limit, grants some of `wanted` permits
    /// (one per record), and returns how many (at least 1 if `wanted` is). Returns
    /// `wanted` at once when unlimited, and as soon as `stop` is set: a stopping receiver
    /// hands over what it holds.
    pub fn acquire(&self, limiter: &mut RateLimiter, wanted: u64, stop: &AtomicBool) -> u64 {
        loop {
            let now = Instant::now();
            limiter.set_rate(self.current(), now);
            match limiter.try_acquire(wanted, now) {
                Ok(granted) => return granted,
                Err(_) if stop.load(Ordering::SeqCst) => return wanted,
                Err(at) => std::thread::sleep(at.saturating_duration_since(now).min(POLL)),
            }
        }
    }

    /// Counts `records` handed to the current batch (the estimator's input).
    pub fn add_records(&self, records: u64) {
        self.state.records.fetch_add(records, Ordering::Relaxed);
    }

    /// Reports the bytes the receiver holds, received and not yet handed to a batch.
    pub fn set_buffered_bytes(&self, bytes: u64) {
        self.state.buffered_bytes.store(bytes, Ordering::Relaxed);
        self.state.peak_buffered_bytes.fetch_max(bytes, Ordering::Relaxed);
    }

    /// For a partitioned source: the most records each partition may give to the next
    /// batch, given how many each has available (`lags`), from the current limit and the
    /// job's [`FlowControl::max_rate_per_partition`]; `None` for no cap. See
    /// [`max_records_per_partition`](super::max_records_per_partition) (each partition gives
    /// at least 1).
    pub fn max_records_per_partition(&self, lags: &[u64]) -> Option<Vec<u64>> {
        let state = &self.state;
        partitions::max_records_per_partition(
            self.limit(),
            lags,
            state.max_rate_per_partition,
            1,
            state.batch_interval_ms,
        )
    }

    fn flow(&self) -> ReceiverFlow {
        let state = &self.state;
        ReceiverFlow {
            name: state.name.clone(),
            limit: self.limit(),
            buffered_bytes: state.buffered_bytes.load(Ordering::Relaxed),
            peak_buffered_bytes: state.peak_buffered_bytes.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::rate::estimator::PidSettings;

    fn control(settings: FlowControl) -> RateControl {
        RateControl::new(1000, settings)
    }

    #[test]
    fn limits_combine_the_receivers_and_the_jobs_maximum() {
        let none = control(FlowControl::default());
        assert_eq!(none.register("a", 0).limit(), None);
        assert_eq!(none.register("b", 500).limit(), Some(500.0));
        let job = control(FlowControl { max_rate: 300, ..FlowControl::default() });
        assert_eq!(job.register("c", 0).limit(), Some(300.0));
        assert_eq!(job.register("d", 500).limit(), Some(300.0));
        assert_eq!(job.register("e", 200).limit(), Some(200.0));
        let names: Vec<String> = job.receivers().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["c", "d", "e"]);
    }

    #[test]
    fn backpressure_starts_at_the_initial_rate_and_follows_the_estimator() {
        let settings =
            FlowControl { backpressure: true, initial_rate: 5000, max_rate: 4000, ..FlowControl::default() };
        let control = control(settings);
        let receiver = control.register("socket", 0);
        assert_eq!(receiver.limit(), Some(4000.0), "the initial rate, capped by the maximum");
        // First batch: 1000 records in 500 ms; no estimate yet.
        receiver.add_records(1000);
        control.batch_completed(1000, Duration::from_millis(500), Duration::ZERO);
        assert_eq!(receiver.limit(), Some(4000.0));
        // Second: 2000 records in 2000 ms after 500 ms of waiting: 900/s (see the
        // estimator's test).
        receiver.add_records(2000);
        control.batch_completed(2000, Duration::from_millis(2000), Duration::from_millis(500));
        let limit = receiver.limit().unwrap();
        assert!((limit - 900.0).abs() < 1e-6, "{limit}");
        // The records were counted per batch.
        assert_eq!(receiver.state.records.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn without_backpressure_batches_change_nothing() {
        let control = control(FlowControl { max_rate: 100, ..FlowControl::default() });
        let receiver = control.register("socket", 0);
        receiver.add_records(10_000);
        control.batch_completed(1000, Duration::from_millis(5000), Duration::from_millis(5000));
        assert_eq!(receiver.limit(), Some(100.0));
    }

    #[test]
    fn bad_pid_settings_fail_the_check_only_with_backpressure() {
        let pid = PidSettings { min_rate: 0.0, ..PidSettings::default() };
        assert!(control(FlowControl { pid, ..FlowControl::default() }).check().is_ok());
        let error = control(FlowControl { pid, backpressure: true, ..FlowControl::default() }).check();
        assert!(error.unwrap_err().to_string().contains("minimum rate"));
    }

    #[test]
    fn buffered_bytes_keep_their_peak() {
        let control = control(FlowControl::default());
        let receiver = control.register("socket", 0);
        receiver.set_buffered_bytes(10);
        receiver.set_buffered_bytes(300);
        receiver.set_buffered_bytes(20);
        let flow = &control.receivers()[0];
        assert_eq!((flow.buffered_bytes, flow.peak_buffered_bytes), (20, 300));
    }

    #[test]
    fn acquire_paces_and_gives_way_to_a_stop() {
        let control = control(FlowControl::default());
        let stop = AtomicBool::new(false);
        // Unlimited: everything at once.
        let free = control.register("free", 0);
        assert_eq!(free.acquire(&mut free.limiter(), 1_000_000, &stop), 1_000_000);
        // 1000/s: a first grant after about 10 ms, never more than asked.
        let paced = control.register("paced", 1000);
        let mut limiter = paced.limiter();
        let granted = paced.acquire(&mut limiter, 5, &stop);
        assert!((1..=5).contains(&granted), "{granted}");
        // Stopped: no wait, everything.
        let slow = control.register("slow", 1);
        let mut limiter = slow.limiter();
        stop.store(true, Ordering::SeqCst);
        assert_eq!(slow.acquire(&mut limiter, 7, &stop), 7);
    }

    #[test]
    fn partition_caps_use_the_limit_and_the_per_partition_maximum() {
        let control =
            control(FlowControl { max_rate: 1000, max_rate_per_partition: 300, ..FlowControl::default() });
        let receiver = control.register("kafka", 0);
        assert_eq!(receiver.max_records_per_partition(&[100, 900]), Some(vec![100, 300]));
        let free = RateControl::default().register("kafka", 0);
        assert_eq!(free.max_records_per_partition(&[100, 900]), None);
    }
}
