//! Spark's `PIDRateEstimator`: after every batch, a new ingestion rate for one input stream
//! from how fast the batch was processed and how long it waited.

use crate::error::{Error, Result};

/// The gains and floor of the [`PidRateEstimator`], with Spark's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PidSettings {
    /// Weight of the current error, the gap between the last rate and the measured
    /// processing rate (Spark's `spark.streaming.backpressure.pid.proportional`, default 1.0).
    pub proportional: f64,
    /// Weight of the accumulated error, read from the scheduling delay
    /// (`spark.streaming.backpressure.pid.integral`, default 0.2).
    pub integral: f64,
    /// Weight of the error's change per second (`spark.streaming.backpressure.pid.derived`,
    /// default 0.0).
    pub derivative: f64,
    /// Lowest rate ever estimated, records per second, so that some records still arrive to
    /// measure (`spark.streaming.backpressure.pid.minRate`, default 100).
    pub min_rate: f64,
}

impl Default for PidSettings {
    fn default() -> PidSettings {
        PidSettings { proportional: 1.0, integral: 0.2, derivative: 0.0, min_rate: 100.0 }
    }
}

impl PidSettings {
    /// Checks Spark's constraints: the gains are zero or more, the minimum rate positive.
    pub fn check(&self) -> Result<()> {
        let gains =
            [("proportional", self.proportional), ("integral", self.integral), ("derived", self.derivative)];
        for (name, value) in gains {
            if !(value >= 0.0 && value.is_finite()) {
                return Err(Error::Config(format!(
                    "backpressure: the PID `{name}` gain must be 0 or more, not {value}"
                )));
            }
        }
        if !(self.min_rate > 0.0 && self.min_rate.is_finite()) {
            return Err(Error::Config(format!(
                "backpressure: the minimum rate must be more than 0 records/s, not {}",
                self.min_rate
            )));
        }
        Ok(())
    }
}

/// What the job measured about one completed batch, for one input stream (the arguments of
/// Spark's `RateEstimator.compute`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchFeedback {
    /// When the batch finished processing, in milliseconds (Spark passes
    /// `processingEndTime`); only a later time than the last one updates the estimate.
    pub time_ms: f64,
    /// Records the stream contributed to the batch.
    pub records: u64,
    /// How long the batch took to process, in milliseconds.
    pub processing_ms: f64,
    /// How long the batch waited after its time before processing started, in milliseconds.
    pub scheduling_ms: f64,
}

/// Spark's PID rate estimator, step for step (`PIDRateEstimator.scala`).
///
/// The error is the last rate minus the measured processing rate (records / processing
/// time); the integral term is the backlog the scheduling delay stands for, as a rate:
/// `scheduling delay × processing rate / batch interval`. The new rate is
/// `last rate − P·error − I·backlog − D·d(error)/dt`, at least the minimum rate. The first
/// batch with records only records its processing rate as the last rate and estimates
/// nothing.
#[derive(Clone, Debug)]
pub struct PidRateEstimator {
    batch_interval_ms: f64,
    settings: PidSettings,
    first_run: bool,
    latest_time: f64,
    latest_rate: f64,
    latest_error: f64,
}

impl PidRateEstimator {
    /// An estimator for a job with batches every `batch_interval_ms` milliseconds (more than 0).
    pub fn new(batch_interval_ms: u64, settings: PidSettings) -> PidRateEstimator {
        PidRateEstimator {
            batch_interval_ms: batch_interval_ms.max(1) as f64,
            settings,
            first_run: true,
            latest_time: -1.0,
            latest_rate: -1.0,
            latest_error: -1.0,
        }
    }

    /// The new rate in records per second after the batch `feedback` describes, or `None`
    /// when it gives no estimate: the first batch with records, a batch without records or
    /// without measurable processing time, or one not later than the last.
    pub fn compute(&mut self, feedback: BatchFeedback) -> Option<f64> {
        let BatchFeedback { time_ms, records, processing_ms, scheduling_ms } = feedback;
        if !(time_ms > self.latest_time && records > 0 && processing_ms > 0.0) {
            return None;
        }
        let PidSettings { proportional, integral, derivative, min_rate } = self.settings;
        // Seconds since the last update, about the batch interval.
        let since_update = (time_ms - self.latest_time) / 1000.0;
        let processing_rate = records as f64 / processing_ms * 1000.0;
        let error = self.latest_rate - processing_rate;
        // The records the scheduling delay stands for, as a rate over one batch interval.
        let historical_error = scheduling_ms * processing_rate / self.batch_interval_ms;
        let d_error = (error - self.latest_error) / since_update;
        let new_rate =
            (self.latest_rate - proportional * error - integral * historical_error - derivative * d_error)
                .max(min_rate);
        self.latest_time = time_ms;
        if self.first_run {
            self.first_run = false;
            self.latest_rate = processing_rate;
            self.latest_error = 0.0;
            None
        } else {
            self.latest_rate = new_rate;
            self.latest_error = error;
            Some(new_rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feedback(time_ms: f64, records: u64, processing_ms: f64, scheduling_ms: f64) -> BatchFeedback {
        BatchFeedback { time_ms, records, processing_ms, scheduling_ms }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    /// Three steps worked by hand from Spark's formula, batch interval 1000 ms, defaults
    /// (P 1.0, I 0.2, D 0.0, min 100).
    #[test]
    fn follows_sparks_formula_step_by_step() {
        let mut pid = PidRateEstimator::new(1000, PidSettings::default());
        // First run: processing rate 1000 / 500 ms = 2000/s becomes the last rate; no estimate.
        assert_eq!(pid.compute(feedback(1000.0, 1000, 500.0, 0.0)), None);
        // 2000 records in 2000 ms: processing rate 1000/s; error 2000 - 1000 = 1000; backlog
        // 500 ms × 1000/s / 1000 ms = 500; new rate 2000 - 1000 - 0.2 × 500 = 900.
        let second = pid.compute(feedback(2000.0, 2000, 2000.0, 500.0)).unwrap();
        assert!(close(second, 900.0), "{second}");
        // 900 records in 1000 ms: 900/s; error 0; backlog 1500 × 900 / 1000 = 1350;
        // new rate 900 - 0 - 270 = 630.
        let third = pid.compute(feedback(3000.0, 900, 1000.0, 1500.0)).unwrap();
        assert!(close(third, 630.0), "{third}");
        // 630 records in 630 ms with no delay: 1000/s; error 630 - 1000 = -370; new rate
        // 630 + 370 = 1000: the rate rises again once processing keeps up.
        let fourth = pid.compute(feedback(4000.0, 630, 630.0, 0.0)).unwrap();
        assert!(close(fourth, 1000.0), "{fourth}");
    }

    #[test]
    fn the_derivative_term_uses_the_error_change_per_second() {
        let settings = PidSettings { derivative: 0.5, ..PidSettings::default() };
        let mut pid = PidRateEstimator::new(1000, settings);
        pid.compute(feedback(1000.0, 1000, 500.0, 0.0));
        // As above, error 1000 (latest error 0 after the first run), over 1 s: d = 1000;
        // new rate 2000 - 1000 - 100 - 0.5 × 1000 = 400.
        let rate = pid.compute(feedback(2000.0, 2000, 2000.0, 500.0)).unwrap();
        assert!(close(rate, 400.0), "{rate}");
    }

    #[test]
    fn never_below_the_minimum_rate() {
        let mut pid = PidRateEstimator::new(100, PidSettings::default());
        pid.compute(feedback(100.0, 10_000, 100.0, 0.0));
        // A huge scheduling delay would drive the rate far below zero.
        assert_eq!(pid.compute(feedback(200.0, 100, 1000.0, 60_000.0)), Some(100.0));
    }

    #[test]
    fn skips_batches_without_records_or_time_or_out_of_order() {
        let mut pid = PidRateEstimator::new(1000, PidSettings::default());
        assert_eq!(pid.compute(feedback(1000.0, 0, 500.0, 0.0)), None);
        assert_eq!(pid.compute(feedback(1000.0, 10, 0.0, 0.0)), None);
        // Those did not count as the first run: this one does.
        assert_eq!(pid.compute(feedback(1000.0, 1000, 1000.0, 0.0)), None);
        assert_eq!(pid.compute(feedback(1000.0, 1000, 1000.0, 0.0)), None, "not later");
        assert_eq!(pid.compute(feedback(2000.0, 1000, 1000.0, 0.0)), Some(1000.0));
    }

    #[test]
    fn settings_are_checked() {
        assert!(PidSettings::default().check().is_ok());
        assert!(PidSettings { integral: -0.1, ..PidSettings::default() }.check().is_err());
        assert!(PidSettings { min_rate: 0.0, ..PidSettings::default() }.check().is_err());
        assert!(PidSettings { proportional: f64::NAN, ..PidSettings::default() }.check().is_err());
    }
}
