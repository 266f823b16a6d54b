//! `/metrics` in the Prometheus text exposition format, written by `prometheus-client` (the
//! Prometheus project's Rust client): the job's counters, the last batch's delays, averages,
//! state sizes per operator and checkpoints. Every metric is named `dstream_*`.

use crate::monitor::Monitor;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type FloatGauge = Gauge<f64, AtomicU64>;

fn counter(registry: &mut Registry, name: &str, help: &str, value: u64) {
    let metric = Counter::<u64>::default();
    metric.inc_by(value);
    registry.register(name, help, metric);
}

fn gauge(registry: &mut Registry, name: &str, help: &str, unit: Option<Unit>, value: f64) {
    let metric = FloatGauge::default();
    metric.set(value);
    match unit {
        Some(unit) => registry.register_with_unit(name, help, unit, metric),
        None => registry.register(name, help, metric),
    }
}

/// The metrics of the job `monitor` watches, now.
pub fn render(monitor: &Monitor) -> String {
    let s = monitor.statistics();
    let m = monitor.metrics();
    let c = monitor.checkpoint();
    let mut registry = Registry::with_prefix("dstream");
    counter(&mut registry, "batches_completed", "Batches completed", s.total_completed_batches);
    counter(&mut registry, "batches_failed", "Batches that failed", s.failed_batches);
    counter(&mut registry, "records_processed", "Input records of completed batches", s.processed_records);
    counter(&mut registry, "records_received", "Records the sources received", m.records_received);
    counter(&mut registry, "bytes_received", "Bytes the sources read", m.bytes_received);
    counter(&mut registry, "malformed_records", "Malformed records dropped", m.malformed_records());
    counter(
        &mut registry,
        "connection_failures",
        "Failed or dropped source connections",
        m.connection_failures,
    );
    counter(&mut registry, "checkpoints_written", "Checkpoints written", c.written);
    counter(&mut registry, "checkpoint_failures", "Checkpoints that could not be written", c.failures);
    let seconds = |us: u64| us as f64 / 1e6;
    gauge(
        &mut registry,
        "batch_interval",
        "The batch interval",
        Some(Unit::Seconds),
        s.batch_duration_ms as f64 / 1000.0,
    );
    gauge(&mut registry, "active_batches", "Batches running now", None, s.active_batches as f64);
    gauge(
        &mut registry,
        "avg_input_rate",
        "Input records per second over the retained batches",
        None,
        s.avg_input_rate.unwrap_or(0.0),
    );
    let receivers = monitor.receivers();
    gauge(
        &mut registry,
        "receivers_active",
        "Sources receiving",
        None,
        receivers.iter().filter(|r| r.active).count() as f64,
    );
    if let Some(last) = monitor.batches().iter().find(|b| b.processing_end_us.is_some()) {
        gauge(
            &mut registry,
            "last_batch_time",
            "The last completed batch's time (Unix time)",
            Some(Unit::Seconds),
            last.batch_time_ms as f64 / 1000.0,
        );
        gauge(
            &mut registry,
            "last_batch_records",
            "The last completed batch's input records",
            None,
            last.num_records() as f64,
        );
        gauge(
            &mut registry,
            "last_batch_scheduling_delay",
            "The last completed batch's scheduling delay",
            Some(Unit::Seconds),
            seconds(last.scheduling_delay_us()),
        );
        gauge(
            &mut registry,
            "last_batch_processing_time",
            "The last completed batch's processing time",
            Some(Unit::Seconds),
            seconds(last.processing_delay_us().unwrap_or(0)),
        );
        gauge(
            &mut registry,
            "last_batch_total_delay",
            "The last completed batch's total delay",
            Some(Unit::Seconds),
            seconds(last.total_delay_us().unwrap_or(0)),
        );
    }
    if let Some(at) = c.last_written_us {
        gauge(
            &mut registry,
            "last_checkpoint_time",
            "When the last checkpoint was written (Unix time)",
            Some(Unit::Seconds),
            seconds(at),
        );
    }
    let keys = Family::<Vec<(String, String)>, FloatGauge>::default();
    let bytes = Family::<Vec<(String, String)>, FloatGauge>::default();
    for state in monitor.state() {
        let labels = vec![("operator".to_string(), state.operator.clone())];
        keys.get_or_create(&labels).set(state.keys as f64);
        bytes.get_or_create(&labels).set(state.approx_bytes as f64);
    }
    registry.register("state_keys", "Keys with state per stateful operator", keys);
    registry.register_with_unit(
        "state",
        "Estimated state memory per stateful operator (size_of x keys)",
        Unit::Bytes,
        bytes,
    );
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut text, &registry);
    text
}
