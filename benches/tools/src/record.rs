//! What the word counts write, in the Spark peer's format (`BenchDStream.scala`), so that one
//! analysis reads every engine: `OUT/batches.jsonl`, one line per batch
//! (`{"t_ms": T, "keys": K, "words": W, "markers": M, "records": R, "sched_ms": S,
//! "proc_ms": P, "total_ms": S + P}`, `T` the batch time = the end of its interval, epoch
//! ms), and `OUT/markers.json`, `[[sent_ms, seen_ms], ...]` for every marker seen in an
//! output, written when the run ends.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One batch's figures, as an output saw them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchCounts {
    /// Distinct words (markers included), i.e. pairs handed to the output.
    pub keys: u64,
    /// Words counted, markers excluded.
    pub words: u64,
    /// Markers seen.
    pub markers: u64,
}

/// Writes `batches.jsonl` as batches finish and `markers.json` at the end.
pub struct Recorder {
    dir: PathBuf,
    batches: BufWriter<File>,
    markers: Vec<(u64, u64)>,
    /// When the previous batch finished (epoch ms): a batch starts at its time or then,
    /// whichever is later, as batches run one after the other.
    previous_end_ms: u64,
}

impl Recorder {
    /// Creates `dir` and its `batches.jsonl`.
    pub fn create(dir: &Path) -> std::io::Result<Recorder> {
        std::fs::create_dir_all(dir)?;
        let batches = BufWriter::new(File::create(dir.join("batches.jsonl"))?);
        Ok(Recorder { dir: dir.to_path_buf(), batches, markers: Vec::new(), previous_end_ms: 0 })
    }

    /// Notes a marker sent at `sent_ms`, seen in an output now (`seen_ms`).
    pub fn marker(&mut self, sent_ms: u64, seen_ms: u64) {
        self.markers.push((sent_ms, seen_ms));
    }

    /// Records the batch at `t_ms` that finished at `end_ms`, having started at `start_ms`
    /// (or, when `None`, at `t_ms` or when the previous batch finished, whichever is later).
    pub fn batch(
        &mut self,
        t_ms: u64,
        start_ms: Option<u64>,
        end_ms: u64,
        counts: BatchCounts,
    ) -> std::io::Result<()> {
        let start = start_ms.unwrap_or(t_ms.max(self.previous_end_ms)).min(end_ms);
        self.previous_end_ms = end_ms;
        let sched = start.saturating_sub(t_ms);
        let proc = end_ms - start;
        let BatchCounts { keys, words, markers } = counts;
        writeln!(
            self.batches,
            "{{\"t_ms\": {t_ms}, \"keys\": {keys}, \"words\": {words}, \"markers\": {markers}, \"records\": {words}, \
             \"sched_ms\": {sched}, \"proc_ms\": {proc}, \"total_ms\": {}}}",
            sched + proc
        )?;
        self.batches.flush()
    }

    /// Writes `markers.json`.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.batches.flush()?;
        let pairs: Vec<String> = self.markers.iter().map(|(a, b)| format!("[{a}, {b}]")).collect();
        std::fs::write(self.dir.join("markers.json"), format!("[{}]\n", pairs.join(", ")))
    }
}

/// Whether a run should stop: `dir/STOP` exists (the Spark peer's convention) or `deadline`
/// (epoch ms) has passed.
pub fn stop_requested(dir: &Path, deadline_ms: u64) -> bool {
    crate::epoch_ms() >= deadline_ms || dir.join("STOP").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_and_markers_are_written_in_the_spark_peers_format() {
        let dir = std::env::temp_dir().join(format!("dstream-bench-record-{}", std::process::id()));
        let mut r = Recorder::create(&dir).unwrap();
        r.marker(1_000, 1_250);
        // On time: starts at its time. Then one that starts late, after the previous one.
        r.batch(1_000, None, 1_300, BatchCounts { keys: 3, words: 10, markers: 1 }).unwrap();
        r.batch(1_100, None, 1_350, BatchCounts { keys: 0, words: 0, markers: 0 }).unwrap();
        r.finish().unwrap();
        let batches = std::fs::read_to_string(dir.join("batches.jsonl")).unwrap();
        let lines: Vec<&str> = batches.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"t_ms": 1000, "keys": 3, "words": 10, "markers": 1, "records": 10, "sched_ms": 0, "proc_ms": 300, "total_ms": 300}"#
        );
        assert!(lines[1].contains(r#""sched_ms": 200, "proc_ms": 50, "total_ms": 250"#), "{}", lines[1]);
        assert_eq!(std::fs::read_to_string(dir.join("markers.json")).unwrap(), "[[1000, 1250]]\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
