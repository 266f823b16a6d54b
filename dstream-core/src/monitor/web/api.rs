//! The JSON API, in the shape of Spark's streaming REST endpoints
//! (`org.apache.spark.status.api.v1.streaming`), field names included, so that tools written
//! for Spark can read it. Absent values are left out, as Spark's writer does; dates are
//! Spark's `2026-12-04T12:04:05.000GMT`; delays are milliseconds.
//!
//! Under `/api/v1`: `/applications`, `/applications/{id}`, and under
//! `/applications/{id}/streaming`: `/statistics`, `/receivers`, `/receivers/{streamId}`,
//! `/batches` (`?status=COMPLETED|PROCESSING`), `/batches/{batchId}`,
//! `/batches/{batchId}/operations`, `/batches/{batchId}/operations/{outputOpId}`. A batch's
//! id is its time in milliseconds. The detail of one batch also has dstream's `inputs`,
//! `stages` and `stateSizes`.

use crate::monitor::{BatchInfo, Monitor, OutputOperationInfo, ReceiverInfo};
use serde_json::{json, Map, Value};

/// The API over one job's statistics.
#[derive(Debug)]
pub struct App {
    monitor: Monitor,
}

impl App {
    /// The API of the job `monitor` watches.
    pub fn new(monitor: Monitor) -> App {
        App { monitor }
    }

    /// The job's statistics.
    pub fn monitor(&self) -> &Monitor {
        &self.monitor
    }

    /// The application id: `local-<start ms>`, as Spark names a local application.
    pub fn id(&self) -> String {
        format!("local-{}", self.monitor.statistics().start_us / 1000)
    }

    /// The JSON at `path` (after `/api/v1`), if there is any.
    pub fn get(&self, path: &str, query: &str) -> Option<Value> {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let id = self.id();
        let value = match parts.as_slice() {
            ["applications"] => json!([self.application(&id)]),
            ["applications", app] if *app == id => self.application(&id),
            ["applications", app, "streaming", rest @ ..] if *app == id => self.streaming(rest, query)?,
            _ => return None,
        };
        Some(without_nulls(value))
    }

    fn streaming(&self, rest: &[&str], query: &str) -> Option<Value> {
        let m = &self.monitor;
        Some(match rest {
            ["statistics"] => self.statistics(),
            ["receivers"] => Value::Array(m.receivers().iter().map(|r| self.receiver(r)).collect()),
            ["receivers", id] => self.receiver(m.receivers().get(id.parse::<usize>().ok()?)?),
            ["batches"] => {
                let status = query.split('&').find_map(|kv| kv.strip_prefix("status="));
                let batches = m.batches();
                let shown =
                    batches.iter().filter(|b| status.is_none_or(|s| s.eq_ignore_ascii_case(batch_status(b))));
                Value::Array(shown.map(|b| batch(b, m.batch_interval_ms())).collect())
            }
            ["batches", id] => batch_detail(&*m.batch(id.parse().ok()?)?, m.batch_interval_ms()),
            ["batches", id, "operations"] => {
                let b = m.batch(id.parse().ok()?)?;
                Value::Array(b.output_operations.iter().map(operation).collect())
            }
            ["batches", id, "operations", op] => {
                let b = m.batch(id.parse().ok()?)?;
                operation(b.output_operations.get(op.parse::<usize>().ok()?)?)
            }
            _ => return None,
        })
    }

    /// Spark's `ApplicationInfo` with its one attempt, still running.
    fn application(&self, id: &str) -> Value {
        let start_ms = self.monitor.statistics().start_us / 1000;
        // Last updated: when the last batch ended (the job's last change of state).
        let last = self.monitor.last_completed().and_then(|b| b.processing_end_us);
        let updated_ms = last.map_or(start_ms, |us| us / 1000);
        json!({
            "id": id,
            "name": self.monitor.job_name(),
            "attempts": [{
                "startTime": date(start_ms),
                "endTime": date(0),
                "lastUpdated": date(updated_ms),
                "duration": updated_ms.saturating_sub(start_ms),
                "sparkUser": std::env::var("USER").unwrap_or_default(),
                "completed": false,
                "appSparkVersion": format!("dstream {}", env!("CARGO_PKG_VERSION")),
                "startTimeEpoch": start_ms,
                "endTimeEpoch": -1,
                "lastUpdatedEpoch": updated_ms,
            }],
        })
    }

    /// Spark's `StreamingStatistics`.
    fn statistics(&self) -> Value {
        let s = self.monitor.statistics();
        let receivers = self.monitor.receivers();
        let active = receivers.iter().filter(|r| r.active).count();
        json!({
            "startTime": date(s.start_us / 1000),
            "batchDuration": s.batch_duration_ms,
            "numReceivers": receivers.len(),
            "numActiveReceivers": active,
            "numInactiveReceivers": receivers.len() - active,
            "numTotalCompletedBatches": s.total_completed_batches,
            "numRetainedCompletedBatches": s.retained_completed_batches,
            "numActiveBatches": s.active_batches,
            "numProcessedRecords": s.processed_records,
            "numReceivedRecords": s.received_records,
            "avgInputRate": s.avg_input_rate,
            "avgSchedulingDelay": s.avg_scheduling_delay_us.map(ms),
            "avgProcessingTime": s.avg_processing_time_us.map(ms),
            "avgTotalDelay": s.avg_total_delay_us.map(ms),
        })
    }

    /// Spark's `ReceiverInfo`.
    fn receiver(&self, r: &ReceiverInfo) -> Value {
        let interval = self.monitor.batch_interval_ms();
        let rates: Vec<Value> = self
            .monitor
            .batches()
            .iter()
            .rev()
            .filter(|b| b.processing_end_us.is_some())
            .map(|b| {
                let records =
                    b.inputs.iter().find(|i| i.source == r.source).and_then(|i| i.records).unwrap_or(0);
                json!([b.batch_time_ms, records as f64 * 1000.0 / interval.max(1) as f64])
            })
            .collect();
        let (error_time, error) = match &r.last_error {
            Some((at, message)) => (Some(date(at / 1000)), Some(message.clone())),
            None => (None, None),
        };
        json!({
            "streamId": r.source,
            "streamName": r.name,
            "isActive": r.active,
            "executorId": "driver",
            "executorHost": "127.0.0.1",
            "lastErrorTime": error_time,
            "lastErrorMessage": error,
            "lastError": error,
            "avgEventRate": r.avg_rate,
            "eventRates": rates,
        })
    }
}

/// `COMPLETED`, `PROCESSING`, or `FAILED` (dstream: Spark reports failures per output).
fn batch_status(b: &BatchInfo) -> &'static str {
    match (b.processing_end_us, &b.failure) {
        (None, _) => "PROCESSING",
        (Some(_), Some(_)) => "FAILED",
        (Some(_), None) => "COMPLETED",
    }
}

/// Spark's `BatchInfo`.
fn batch(b: &BatchInfo, interval_ms: u64) -> Value {
    let ops = &b.output_operations;
    let failed = ops.iter().filter(|o| o.failure.is_some()).count();
    let completed = ops.iter().filter(|o| o.end_us.is_some()).count();
    json!({
        "batchId": b.batch_time_ms,
        "batchTime": date(b.batch_time_ms),
        "status": batch_status(b),
        "batchDuration": interval_ms,
        "inputSize": b.num_records(),
        "schedulingDelay": ms(b.scheduling_delay_us()),
        "processingTime": b.processing_delay_us().map(ms),
        "totalDelay": b.total_delay_us().map(ms),
        "numActiveOutputOps": ops.len() - completed - failed,
        "numCompletedOutputOps": completed,
        "numFailedOutputOps": failed,
        "numTotalOutputOps": ops.len(),
        "firstFailureReason": b.failure.clone().or_else(|| ops.iter().find_map(|o| o.failure.clone())),
    })
}

/// A batch with dstream's details: records per input, stages, state sizes.
fn batch_detail(b: &BatchInfo, interval_ms: u64) -> Value {
    let mut value = batch(b, interval_ms);
    if let Value::Object(fields) = &mut value {
        let inputs = b.inputs.iter().map(|i| json!({"streamId": i.source, "records": i.records}));
        fields.insert("inputs".into(), Value::Array(inputs.collect()));
        let stages = b.stages.iter().map(|s| {
            json!({"index": s.index, "kind": s.kind, "partitions": s.partitions,
                   "startMicros": s.start_us, "durationMicros": s.duration_us})
        });
        fields.insert("stages".into(), Value::Array(stages.collect()));
        let state = b
            .state
            .iter()
            .map(|s| json!({"operator": s.operator, "keys": s.keys, "approxBytes": s.approx_bytes}));
        fields.insert("stateSizes".into(), Value::Array(state.collect()));
    }
    value
}

/// Spark's `OutputOperationInfo`.
fn operation(o: &OutputOperationInfo) -> Value {
    json!({
        "outputOpId": o.id,
        "name": o.name,
        "description": o.name,
        "startTime": date(o.start_us / 1000),
        "endTime": o.end_us.map(|e| date(e / 1000)),
        "duration": o.duration_us().map(ms),
        "failureReason": o.failure,
        "jobIds": [],
    })
}

/// Microseconds as Spark's whole milliseconds.
fn ms(us: u64) -> u64 {
    us / 1000
}

/// `2026-12-04T12:04:05.000GMT`: Spark's REST date format for `epoch_ms`.
pub fn date(epoch_ms: u64) -> String {
    let days = (epoch_ms / 86_400_000) as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{}GMT", super::super::progress::clock_time(epoch_ms))
}

/// Howard Hinnant's days-to-civil: the proleptic Gregorian date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `value` without its `null` fields, at every depth (Spark leaves absent options out).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(fields) => {
            let kept: Map<String, Value> = fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect();
            Value::Object(kept)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_sparks() {
        assert_eq!(date(0), "1970-01-01T00:00:00.000GMT");
        assert_eq!(date(1_796_415_845_123), "2026-12-04T20:24:05.123GMT");
        assert_eq!(date(951_782_400_000), "2000-02-29T00:00:00.000GMT");
    }

    #[test]
    fn absent_values_are_left_out() {
        assert_eq!(without_nulls(json!({"a": null, "b": [{"c": null, "d": 1}]})), json!({"b": [{"d": 1}]}));
    }
}
