//! A batch's timeline for `wc-emit --timeline`: when each phase of a batch starts and how long
//! it takes, in milliseconds after the batch's processing started, averaged over the batches
//! after the first (which grows the tables). The stages and exchanges come from the job's
//! statistics (`StageInfo`, timed by the executor on the batch thread: a stage lasts until
//! its slowest partition is done); building the batch at the source's cut and the output's
//! closure are timed by the tool, on the same clock (microseconds since the Unix epoch).
//!
//! Everything that is not a stage runs on the batch thread alone, so the rows other than the
//! stages are the serial part of a batch; which threads ran a stage's partitions, and when,
//! is for `perf sched timehist` (the rows here say only how long the stage took).

use dstream::monitor::stats::BatchInfo;
use std::sync::{Mutex, PoisonError};

/// Spans the tool times itself, one per batch, in the order the batches ran.
#[derive(Debug, Default)]
pub struct Spans {
    /// Building each batch from the text, at the source's cut.
    pub build: Mutex<Vec<(u64, u64)>>,
    /// The output's closure (`foreach_batch`) of each batch.
    pub output: Mutex<Vec<(u64, u64)>>,
}

/// Microseconds since the Unix epoch: the clock of the job's statistics.
pub fn now_us() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// Notes a span that started at `start_us` and ends now.
pub fn close(spans: &Mutex<Vec<(u64, u64)>>, start_us: u64) {
    let end = now_us();
    spans.lock().unwrap_or_else(PoisonError::into_inner).push((start_us, end));
}

/// One row of a batch's timeline: what ran, when it started and how long it took (ms).
#[derive(Clone, Debug, PartialEq)]
struct Row {
    phase: String,
    start_ms: f64,
    ms: f64,
}

/// The rows of one batch, in the order they ran; `build` and `output` are the tool's spans
/// for this batch, if it timed them.
fn rows(batch: &BatchInfo, build: Option<(u64, u64)>, output: Option<(u64, u64)>) -> Vec<Row> {
    let start = batch.processing_start_us as f64;
    let span = |phase: &str, (from, to): (u64, u64)| Row {
        phase: phase.to_string(),
        start_ms: (from as f64 - start) / 1e3,
        ms: to.saturating_sub(from) as f64 / 1e3,
    };
    let mut rows: Vec<Row> = build.map(|b| span("build the batch (source's cut)", b)).into_iter().collect();
    rows.extend(batch.stages.iter().map(|s| Row {
        phase: format!("{} {} ({} partitions)", s.index, s.kind, s.partitions),
        start_ms: s.start_us as f64 / 1e3,
        ms: s.duration_us as f64 / 1e3,
    }));
    rows.extend(output.map(|o| span("output closure (foreach_batch)", o)));
    if let Some(end) = batch.processing_end_us {
        rows.push(span("whole batch", (batch.processing_start_us, end)));
    }
    rows
}

/// The timeline as a Markdown table: each phase's mean start and duration over the batches
/// after the first, and the mean of the stages' durations (the part that can run in
/// parallel) against the whole batch's.
pub fn table(batches: &[std::sync::Arc<BatchInfo>], spans: &Spans) -> String {
    let mut batches: Vec<&BatchInfo> = batches.iter().map(|b| &**b).collect();
    batches.sort_by_key(|b| b.batch_time_ms);
    let build = spans.build.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let output = spans.output.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let per_batch: Vec<Vec<Row>> = batches
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, b)| rows(b, build.get(i).copied(), output.get(i).copied()))
        .collect();
    let Some(first) = per_batch.first() else { return "no batch after the first to time\n".into() };
    // Every batch runs the same phases; a batch that did not is left out.
    let same: Vec<&Vec<Row>> = per_batch
        .iter()
        .filter(|r| r.len() == first.len() && r.iter().zip(first).all(|(a, b)| a.phase == b.phase))
        .collect();
    let n = same.len() as f64;
    let mut out =
        format!("| phase (mean of {} batches) | starts at ms | ms |\n|---|---:|---:|\n", same.len());
    for (i, row) in first.iter().enumerate() {
        let start = same.iter().map(|r| r[i].start_ms).sum::<f64>() / n;
        let ms = same.iter().map(|r| r[i].ms).sum::<f64>() / n;
        out += &format!("| {} | {start:.2} | {ms:.2} |\n", row.phase);
    }
    let stages: f64 =
        same.iter().flat_map(|r| r.iter().filter(|row| is_stage(&row.phase))).map(|r| r.ms).sum::<f64>() / n;
    let whole: f64 = same.iter().filter_map(|r| r.last()).map(|r| r.ms).sum::<f64>() / n;
    out += &format!(
        "\nstages and exchanges {stages:.2} ms of {whole:.2} ms per batch; the rest ({:.2} ms) ran on the batch thread alone\n",
        whole - stages
    );
    out
}

/// Whether a row is one of the executor's stages or exchanges (numbered by the statistics).
fn is_stage(phase: &str) -> bool {
    phase.chars().next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dstream::monitor::StageInfo;
    use std::sync::Arc;

    fn batch(time: u64, start: u64) -> Arc<BatchInfo> {
        Arc::new(BatchInfo {
            batch_time_ms: time,
            inputs: Vec::new(),
            submission_us: start,
            processing_start_us: start,
            processing_end_us: Some(start + 10_000),
            stages: vec![StageInfo {
                index: 0,
                kind: "stage",
                partitions: 2,
                start_us: 1_000,
                duration_us: 6_000,
            }],
            output_operations: Vec::new(),
            state: Vec::new(),
            failure: None,
        })
    }

    #[test]
    fn phases_are_averaged_over_the_batches_after_the_first_in_batch_order() {
        // Newest first, as the monitor lists them.
        let batches = vec![batch(3000, 300_000), batch(2000, 200_000), batch(1000, 100_000)];
        let spans = Spans::default();
        for start in [100_000, 200_000, 300_000] {
            spans.build.lock().unwrap().push((start + 100, start + 900));
            spans.output.lock().unwrap().push((start + 7_000, start + 10_000 - (start / 100_000) * 1_000));
        }
        let table = table(&batches, &spans);
        assert!(table.contains("| phase (mean of 2 batches) |"), "{table}");
        assert!(table.contains("| build the batch (source's cut) | 0.10 | 0.80 |"), "{table}");
        assert!(table.contains("| 0 stage (2 partitions) | 1.00 | 6.00 |"), "{table}");
        // Batches 2 and 3: outputs of 1 and 0 ms after the first's 2 ms, which is left out.
        assert!(table.contains("| output closure (foreach_batch) | 7.00 | 0.50 |"), "{table}");
        assert!(table.contains("| whole batch | 0.00 | 10.00 |"), "{table}");
        assert!(table.contains("stages and exchanges 6.00 ms of 10.00 ms"), "{table}");
    }

    #[test]
    fn a_single_batch_has_no_timeline() {
        assert_eq!(table(&[batch(1000, 0)], &Spans::default()), "no batch after the first to time\n");
    }
}
