//! The UI's HTML pages: the streaming overview (figures, charts, receivers, state sizes,
//! checkpoints, the batch table) and a page per batch. Plain HTML that reloads itself every
//! two seconds; times are UTC wall-clock times.

use super::charts::{line_chart, Series};
use crate::monitor::progress::{clock_time, count, millis};
use crate::monitor::{BatchInfo, Monitor, StateInfo};
use std::fmt::Write;

/// Batches on the charts (the newest).
const CHARTED: usize = 300;
/// Batches in the overview's table (the newest).
const LISTED: usize = 100;

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}\
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f2f2f2}td.l,th.l{text-align:left}\
.charts{display:flex;flex-wrap:wrap;gap:1em}.chart{margin:0}figcaption{font-weight:bold;font-size:.9em}\
.bad{color:#b00020;font-weight:bold}.ok{color:#1b7a1b}";

/// `&`, `<`, `>`, `"` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, refresh: bool, body: &str) -> String {
    let refresh = if refresh { r#"<meta http-equiv="refresh" content="2">"# } else { "" };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">{refresh}<title>{title}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        title = escape(title)
    )
}

fn opt_ms(us: Option<u64>) -> String {
    us.map_or_else(|| "–".to_string(), millis)
}

/// The streaming overview.
pub fn overview(monitor: &Monitor) -> String {
    let s = monitor.statistics();
    let batches = monitor.batches();
    let interval_us = s.batch_duration_ms * 1000;
    let mut body = String::new();
    let name = escape(monitor.job_name());
    let _ = write!(body, "<h1>{name}: streaming</h1>");
    let _ = write!(
        body,
        "<p>Running since {} UTC, batch interval {}. {} batches completed{}.</p>",
        clock_time(s.start_us / 1000),
        millis(interval_us),
        s.total_completed_batches,
        if s.failed_batches > 0 {
            format!(", <span class=\"bad\">{} failed</span>", s.failed_batches)
        } else {
            String::new()
        }
    );
    let completed: Vec<&BatchInfo> =
        batches.iter().filter(|b| b.processing_end_us.is_some()).map(|b| &**b).collect();
    if let Some(last) = completed.first() {
        let total = last.total_delay_us().unwrap_or(0);
        let health = if total > interval_us {
            "<span class=\"bad\" id=\"health\">falling behind: total delay above the batch interval</span>"
        } else {
            "<span class=\"ok\" id=\"health\">keeping up</span>"
        };
        let _ = write!(
            body,
            "<p id=\"last-batch\">Last batch {}: {} records, processing {}, total delay {}: {health}</p>",
            clock_time(last.batch_time_ms),
            last.num_records(),
            opt_ms(last.processing_delay_us()),
            opt_ms(last.total_delay_us())
        );
    }
    let _ = write!(
        body,
        "<table id=\"statistics\"><tr><th class=\"l\">Over the last {n} batches</th><th>average</th></tr>\
         <tr><td class=\"l\">Input rate</td><td id=\"avg-input-rate\">{rate} records/s</td></tr>\
         <tr><td class=\"l\">Scheduling delay</td><td>{sched}</td></tr>\
         <tr><td class=\"l\">Processing time</td><td>{proc}</td></tr>\
         <tr><td class=\"l\">Total delay</td><td>{total}</td></tr></table>",
        n = s.retained_completed_batches,
        rate = s.avg_input_rate.map_or_else(|| "–".into(), count),
        sched = opt_ms(s.avg_scheduling_delay_us),
        proc = opt_ms(s.avg_processing_time_us),
        total = opt_ms(s.avg_total_delay_us),
    );
    let charted: Vec<&BatchInfo> = completed.iter().take(CHARTED).rev().copied().collect();
    let per_s = 1000.0 / s.batch_duration_ms.max(1) as f64;
    let series = |id, title, unit, f: &dyn Fn(&BatchInfo) -> f64| Series {
        id,
        title,
        unit,
        points: charted.iter().map(|b| (b.batch_time_ms, f(b))).collect(),
    };
    let as_ms = |us: Option<u64>| us.unwrap_or(0) as f64 / 1000.0;
    body.push_str("<div class=\"charts\">");
    body.push_str(&line_chart(&series("chart-input-rate", "Input rate", "records/s", &|b| {
        b.num_records() as f64 * per_s
    })));
    body.push_str(&line_chart(&series("chart-scheduling-delay", "Scheduling delay", "ms", &|b| {
        as_ms(Some(b.scheduling_delay_us()))
    })));
    body.push_str(&line_chart(&series("chart-processing-time", "Processing time", "ms", &|b| {
        as_ms(b.processing_delay_us())
    })));
    body.push_str(&line_chart(&series("chart-total-delay", "Total delay", "ms", &|b| {
        as_ms(b.total_delay_us())
    })));
    body.push_str("</div>");
    receivers(&mut body, monitor);
    state(&mut body, monitor);
    checkpoint(&mut body, monitor);
    body.push_str("<h2>Batches</h2><table id=\"batches\"><tr><th class=\"l\">Batch time</th><th>Records</th><th>Scheduling delay</th><th>Processing time</th><th>Total delay</th><th class=\"l\">Outputs</th><th class=\"l\">Status</th></tr>");
    for b in batches.iter().take(LISTED) {
        let outputs: Vec<&str> = b.output_operations.iter().map(|o| o.name).collect();
        let status = match (&b.failure, b.processing_end_us) {
            (Some(f), _) => format!("<span class=\"bad\">failed: {}</span>", escape(f)),
            (None, None) => "processing".into(),
            (None, Some(_)) => "completed".into(),
        };
        let _ = write!(
            body,
            "<tr><td class=\"l\"><a href=\"/streaming/batch/?id={id}\">{time}</a></td><td>{records}</td><td>{sched}</td><td>{proc}</td><td>{total}</td><td class=\"l\">{outputs}</td><td class=\"l\">{status}</td></tr>",
            id = b.batch_time_ms,
            time = clock_time(b.batch_time_ms),
            records = b.num_records(),
            sched = millis(b.scheduling_delay_us()),
            proc = opt_ms(b.processing_delay_us()),
            total = opt_ms(b.total_delay_us()),
            outputs = outputs.join(", "),
        );
    }
    body.push_str("</table><p><a href=\"/api/v1/applications\">JSON API</a> · <a href=\"/metrics\">Prometheus metrics</a></p>");
    page(&format!("{} – dstream", monitor.job_name()), true, &body)
}

fn receivers(body: &mut String, monitor: &Monitor) {
    body.push_str("<h2>Receivers</h2><table id=\"receivers\"><tr><th class=\"l\">Source</th><th class=\"l\">Status</th><th>Average rate</th><th>Malformed records</th><th>Connection failures</th><th class=\"l\">Last error</th></tr>");
    for r in monitor.receivers() {
        let error = r
            .last_error
            .as_ref()
            .map_or_else(String::new, |(at, m)| format!("{} {}", clock_time(at / 1000), escape(m)));
        let _ = write!(
            body,
            "<tr><td class=\"l\">{}: {}</td><td class=\"l\">{}</td><td>{} records/s</td><td>{}</td><td>{}</td><td class=\"l\">{error}</td></tr>",
            r.source,
            escape(&r.name),
            if r.active { "active" } else { "stopped" },
            r.avg_rate.map_or_else(|| "–".into(), count),
            r.malformed_records,
            r.connection_failures,
        );
    }
    body.push_str("</table>");
}

fn state(body: &mut String, monitor: &Monitor) {
    state_table(body, "State", &monitor.state());
}

/// The state sizes of `state`, under the heading `title`, if there is any state.
fn state_table(body: &mut String, title: &str, state: &[StateInfo]) {
    if state.is_empty() {
        return;
    }
    let _ = write!(body, "<h2>{title}</h2><table id=\"state\"><tr><th class=\"l\">Operator</th><th>Keys</th><th>Approx. memory (bytes, size_of × keys)</th></tr>");
    for s in state {
        let _ = write!(
            body,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.operator),
            s.keys,
            s.approx_bytes
        );
    }
    body.push_str("</table>");
}

fn checkpoint(body: &mut String, monitor: &Monitor) {
    let c = monitor.checkpoint();
    if !c.enabled {
        body.push_str("<h2>Checkpoints</h2><p id=\"checkpoint\">This job does not checkpoint.</p>");
        return;
    }
    let last = match (c.last_batch_ms, c.last_written_us) {
        (Some(batch), Some(at)) => format!(
            "last of batch {} written at {} in {}",
            clock_time(batch),
            clock_time(at / 1000),
            opt_ms(c.last_duration_us)
        ),
        _ => "none written yet".into(),
    };
    let failures = match &c.last_failure {
        Some(f) => format!(", <span class=\"bad\">{} failed, last: {}</span>", c.failures, escape(f)),
        None => String::new(),
    };
    let _ =
        write!(body, "<h2>Checkpoints</h2><p id=\"checkpoint\">{} written; {last}{failures}.</p>", c.written);
}

/// The page of one batch: its figures, inputs, stages, outputs and state sizes.
pub fn batch(monitor: &Monitor, b: &BatchInfo) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<p><a href=\"/streaming/\">← {}</a></p><h1>Batch {} UTC</h1>",
        escape(monitor.job_name()),
        clock_time(b.batch_time_ms)
    );
    let _ = write!(
        body,
        "<table id=\"batch\"><tr><td class=\"l\">Batch id (time, ms)</td><td>{}</td></tr><tr><td class=\"l\">Input records</td><td id=\"input-size\">{}</td></tr>\
         <tr><td class=\"l\">Scheduling delay</td><td>{}</td></tr><tr><td class=\"l\">Processing time</td><td>{}</td></tr><tr><td class=\"l\">Total delay</td><td>{}</td></tr>\
         <tr><td class=\"l\">Status</td><td>{}</td></tr></table>",
        b.batch_time_ms,
        b.num_records(),
        millis(b.scheduling_delay_us()),
        opt_ms(b.processing_delay_us()),
        opt_ms(b.total_delay_us()),
        b.failure.as_deref().map_or_else(|| "completed".to_string(), |f| format!("failed: {}", escape(f))),
    );
    body.push_str("<h2>Inputs</h2><table id=\"inputs\"><tr><th>Source</th><th>Records</th></tr>");
    for i in &b.inputs {
        let records = i.records.map_or_else(|| "unknown".into(), |r| r.to_string());
        let _ = write!(body, "<tr><td>{}</td><td>{records}</td></tr>", i.source);
    }
    body.push_str("</table><h2>Stages</h2><table id=\"stages\"><tr><th>#</th><th class=\"l\">Kind</th><th>Partitions</th><th>Started after</th><th>Took</th></tr>");
    for s in &b.stages {
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.index,
            s.kind,
            s.partitions,
            millis(s.start_us),
            millis(s.duration_us)
        );
    }
    body.push_str("</table><h2>Output operations</h2><table id=\"outputs\"><tr><th>Id</th><th class=\"l\">Operation</th><th>Took</th><th class=\"l\">Status</th></tr>");
    for o in &b.output_operations {
        let status = o
            .failure
            .as_deref()
            .map_or_else(|| "completed".to_string(), |f| format!("failed: {}", escape(f)));
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{status}</td></tr>",
            o.id,
            o.name,
            opt_ms(o.duration_us())
        );
    }
    body.push_str("</table>");
    state_table(&mut body, "State after the batch", &b.state);
    page(&format!("Batch {} – {}", clock_time(b.batch_time_ms), monitor.job_name()), false, &body)
}

/// A page saying what was not found.
pub fn not_found(what: &str) -> String {
    page(
        "not found",
        false,
        &format!("<p>{}. <a href=\"/streaming/\">Back to the job</a>.</p>", escape(what)),
    )
}
