//! The file-directory source (Spark's `textFileStream`, docs/semantics.md §a.2): every batch
//! it lists a directory and reads the new files, one record per line.
//!
//! Spark's rules, which users rely on:
//! - a file belongs to a batch by its **modification time**: batch `t` reads the new files
//!   modified at or before `t`;
//! - files should appear atomically (write elsewhere, then rename into the directory); a file
//!   already read is not read again, so appending to it later is ignored;
//! - names starting with `.` are ignored (so are names ending in `.tmp` and `_COPYING_`), and
//!   sub-directories are not scanned;
//! - files modified more than the remember window (60 s) before the batch are ignored, and so
//!   are files that were already there when the job first started (`newFilesOnly`).
//!
//! The names of the files read are the source's checkpoint position, and the names (and
//! modification times) of the files each batch read are its selection, which the job records
//! in its batch log before the batch runs: after a crash, a batch that runs again reads
//! exactly the files of its first run ([`Source::recut`]), even if files modified before its
//! time appeared in the directory since; those are read by the next batch that lists the
//! directory. So no record is lost or read twice.
//!
//! In a cluster (`docs/cluster.md`) every process lists the directory and reads its share
//! of the new files: a file is process `fnv1a(name) % processes`'s, a rule that needs no
//! agreement (two processes that list the directory at slightly different moments still
//! split every file the same way), so each file is read exactly once across the cluster.
//! A process's position and selections hold its own files only.
//!
//! Flow control does not cap this source, as Spark's has no cap: a file is read whole by one
//! batch, which is what lets its selection (file names) describe it; a cap per file would
//! need offsets in the selection and the position (see `docs/flow-control.md`).

use super::{Source, SourceContext};
use crate::error::{Error, Result};
use crate::text::{TextBatch, TextBlock};
use crate::time::{Duration, Time};
use crate::ui::metrics::Metrics;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

/// Spark's `spark.streaming.fileStream.minRememberDuration`.
pub const REMEMBER: Duration = Duration::from_secs(60);

/// Reads new files from a directory, one record per line.
#[derive(Debug)]
pub struct TextFilesSource {
    dir: PathBuf,
    position: Position,
    /// The files the last cut read, in order: its selection.
    last: Vec<(String, u64)>,
    metrics: Option<Metrics>,
    /// This process's index and the number of processes: it reads the files of its share.
    share: (usize, usize),
}

/// What a checkpoint keeps: the files read (name and modification time), and the time
/// before which files are ignored.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Position {
    read: BTreeMap<String, u64>,
    ignore_before: Option<u64>,
}

impl TextFilesSource {
    /// A source over the files that appear in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> TextFilesSource {
        TextFilesSource {
            dir: dir.into(),
            position: Position::default(),
            last: Vec::new(),
            metrics: None,
            share: (0, 1),
        }
    }

    /// The candidate files for batch `t`, oldest first.
    fn new_files(&self, t: Time) -> Result<Vec<(u64, String, PathBuf)>> {
        let threshold =
            t.as_millis().saturating_sub(REMEMBER.as_millis()).max(self.position.ignore_before.unwrap_or(0));
        let mut found = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(dir = %self.dir.display(), error = %e, "cannot list the input directory; will retry next batch");
                return Ok(found);
            }
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name.ends_with(".tmp") || name.ends_with("_COPYING_") {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() || self.position.read.contains_key(&name) || !self.is_mine(&name) {
                continue;
            }
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis() as u64);
            if modified <= t.as_millis() && modified >= threshold {
                found.push((modified, name, entry.path()));
            }
        }
        found.sort();
        Ok(found)
    }

    /// Whether the file `name` is this process's to read (always, in one process).
    fn is_mine(&self, name: &str) -> bool {
        let (process, processes) = self.share;
        processes <= 1 || share_of(name, processes) == process
    }

    /// Appends the lines of the file at `path` to `batch`; false if it cannot be read.
    fn read_into(&self, path: &std::path::Path, batch: &mut TextBatch) -> bool {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot read the file");
                return false;
            }
        };
        // Every `\n` ends a record; bytes after the last one are a last record (so an empty
        // file holds none, and a final newline does not start another).
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', &bytes)
            .chain((!bytes.ends_with(b"\n") && !bytes.is_empty()).then_some(bytes.len()));
        for end in ends {
            let raw = &bytes[start..end];
            start = end + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            match std::str::from_utf8(raw) {
                Ok(line) => batch.push_line(line),
                Err(_) => {
                    if let Some(m) = &self.metrics {
                        m.add_malformed_not_utf8(1);
                    }
                    tracing::warn!(file = %path.display(), "skipping a line that is not UTF-8");
                }
            }
        }
        if let Some(m) = &self.metrics {
            m.add_bytes_received(bytes.len() as u64);
        }
        true
    }

    /// Ends a cut that read the files `read`: remembers them, forgets the files older than
    /// the remember window, counts the records.
    fn finish_cut(&mut self, time: Time, read: Vec<(String, u64)>, batch: &TextBatch) {
        self.position.read.extend(read.iter().cloned());
        self.last = read;
        // Files older than the remember window can never be picked again: forget them.
        let horizon = time.as_millis().saturating_sub(REMEMBER.as_millis());
        self.position.read.retain(|_, modified| *modified >= horizon);
        if let Some(m) = &self.metrics {
            m.add_records_received(batch.len() as u64);
        }
    }
}

/// The process of `processes` that reads the file `name`: FNV-1a of the name, the same on
/// every process and every run.
fn share_of(name: &str, processes: usize) -> usize {
    let hash = crate::cluster::stable_hash(name);
    (hash % processes.max(1) as u64) as usize
}

impl Source for TextFilesSource {
    type Batch = TextBatch;

    fn read_where_assigned(&self) -> bool {
        true
    }

    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.metrics = Some(ctx.metrics.clone());
        self.share = (ctx.process, ctx.processes);
        if self.position.ignore_before.is_none() {
            // Files already there at the first start are not new (Spark's newFilesOnly).
            self.position.ignore_before = Some(ctx.clock.now().as_millis() + 1);
        }
        Ok(())
    }

    fn cut(&mut self, time: Time) -> TextBatch {
        let mut batch = TextBlock::new();
        let mut read = Vec::new();
        for (modified, name, path) in self.new_files(time).unwrap_or_default() {
            // A file that cannot be read now is a candidate again next batch.
            if self.read_into(&path, &mut batch) {
                read.push((name, modified));
            }
        }
        self.finish_cut(time, read, &batch);
        batch
    }

    fn stop_receiving(&mut self) {}

    fn position(&self) -> Option<Vec<u8>> {
        postcard::to_allocvec(&self.position).ok()
    }

    fn restore_position(&mut self, position: &[u8]) -> Result<()> {
        self.position = postcard::from_bytes(position)
            .map_err(|e| Error::Checkpoint(format!("bad file source position: {e}")))?;
        Ok(())
    }

    /// The names and modification times (ms) of the files the last cut read, in order.
    fn selection(&self) -> Option<Vec<u8>> {
        postcard::to_allocvec(&self.last).ok()
    }

    /// Reads exactly the recorded files again, in their order, whatever the directory holds
    /// now. A recorded file that is gone or unreadable cannot be read again: that is reported
    /// as an error (its records are missing from this run of the batch) and the batch goes on.
    fn recut(&mut self, time: Time, selection: &[u8]) -> Result<TextBatch> {
        let files: Vec<(String, u64)> = postcard::from_bytes(selection).map_err(|e| {
            Error::Checkpoint(format!(
                "bad file source selection in the batch log for batch {time} (directory {}): {e}",
                self.dir.display()
            ))
        })?;
        let mut batch = TextBlock::new();
        for (name, modified) in &files {
            let path = self.dir.join(name);
            let now = std::fs::metadata(&path).ok().and_then(|m| m.modified().ok());
            let now = now.and_then(|m| m.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_millis() as u64);
            if now.is_some_and(|now| now != *modified) {
                tracing::warn!(
                    file = %path.display(),
                    batch = %time,
                    "the file was modified since this batch first read it: the re-run reads its new content \
                     (files must not change once in the directory)"
                );
            }
            if !self.read_into(&path, &mut batch) {
                tracing::error!(
                    file = %path.display(),
                    batch = %time,
                    "a file this batch read on its first run cannot be read again: its records are missing \
                     from the batch's re-run"
                );
            }
        }
        self.finish_cut(time, files, &batch);
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::clock::ManualClock;
    use std::sync::Arc;

    fn now_ms() -> u64 {
        std::time::SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
    }

    fn put(dir: &std::path::Path, name: &str, text: &str) {
        let temp = dir.join(format!(".{name}.part"));
        std::fs::write(&temp, text).unwrap();
        std::fs::rename(&temp, dir.join(name)).unwrap();
    }

    #[test]
    fn reads_new_files_once_by_modification_time() {
        let dir = std::env::temp_dir().join(format!("dstream-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        put(&dir, "old.txt", "already here\n");
        let clock = ManualClock::new();
        clock.set(Time::from_millis(now_ms()));
        let ctx = SourceContext::new(Arc::new(clock.clone()), Metrics::new());
        let mut source = TextFilesSource::new(&dir);
        source.start(&ctx).unwrap();
        // File modification times are as coarse as the kernel tick (4 ms on ext4): leave room.
        std::thread::sleep(std::time::Duration::from_millis(50));
        put(&dir, "a.txt", "1\n2\n");
        put(&dir, ".hidden", "no\n");
        std::fs::create_dir(dir.join("nested")).unwrap();
        let t = Time::from_millis(now_ms() + 1000);
        let first: Vec<String> = source.cut(t).lines().map(str::to_owned).collect();
        assert_eq!(first, ["1", "2"]);
        // Appending to a file already read changes nothing.
        std::fs::write(dir.join("a.txt"), "1\n2\n3\n").unwrap();
        assert!(source.cut(t).is_empty());
        // A checkpointed position resumes without reading anything twice.
        let saved = source.position().unwrap();
        put(&dir, "b.txt", "4");
        let mut resumed = TextFilesSource::new(&dir);
        resumed.restore_position(&saved).unwrap();
        resumed.start(&ctx).unwrap();
        let t2 = Time::from_millis(now_ms() + 1000);
        assert_eq!(resumed.cut(t2).lines().collect::<Vec<_>>(), ["4"]);
        // An empty file holds no record; a file of one newline holds one empty record.
        put(&dir, "empty.txt", "");
        put(&dir, "newline.txt", "\n");
        let t3 = Time::from_millis(now_ms() + 1000);
        assert_eq!(resumed.cut(t3).lines().collect::<Vec<_>>(), [""]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_splits_into_lines_at_newlines_dropping_cr_and_counting_bad_lines() {
        let dir = crate::test_support::TempDir::new("files-lines");
        let metrics = Metrics::new();
        let source = TextFilesSource { metrics: Some(metrics.clone()), ..TextFilesSource::new(&dir.0) };
        let read = |bytes: &[u8]| {
            std::fs::write(dir.0.join("f"), bytes).unwrap();
            let mut batch = TextBlock::new();
            assert!(source.read_into(&dir.0.join("f"), &mut batch));
            batch.lines().map(str::to_owned).collect::<Vec<_>>()
        };
        assert_eq!(read(b"x\r\n\ny\n\xff\xfe\nlast"), ["x", "", "y", "last"]);
        assert_eq!(metrics.snapshot().malformed_not_utf8, 1);
        assert_eq!(read(b"\r\n"), [""]);
        assert!(read(b"").is_empty());
        assert!(!source.read_into(&dir.0.join("missing"), &mut TextBlock::new()));
    }

    #[test]
    fn the_processes_of_a_cluster_split_the_new_files_by_name() {
        let dir = crate::test_support::TempDir::new("files-share");
        let clock = ManualClock::new();
        clock.set(Time::from_millis(10_000));
        let mut sources: Vec<TextFilesSource> = (0..2)
            .map(|process| {
                let ctx = SourceContext {
                    process,
                    processes: 2,
                    ..SourceContext::new(Arc::new(clock.clone()), Metrics::new())
                };
                let mut source = TextFilesSource::new(&dir.0);
                source.start(&ctx).unwrap();
                source
            })
            .collect();
        let names: Vec<String> = (0..20).map(|i| format!("part-{i}.txt")).collect();
        for name in &names {
            put_at(&dir.0, name, name, 10_500);
        }
        let read: Vec<Vec<String>> = sources
            .iter_mut()
            .map(|s| s.cut(Time::from_millis(11_000)).lines().map(String::from).collect())
            .collect();
        assert!(read.iter().all(|r| !r.is_empty()), "both processes read a share: {read:?}");
        let mut all: Vec<String> = read.concat();
        all.sort();
        let mut expected = names.clone();
        expected.sort();
        assert_eq!(all, expected, "every file read exactly once");
        for (process, files) in read.iter().enumerate() {
            assert!(files.iter().all(|f| share_of(f, 2) == process));
        }
        // Each process's selection names its own files only.
        let selection: Vec<(String, u64)> = postcard::from_bytes(&sources[1].selection().unwrap()).unwrap();
        assert_eq!(selection.len(), read[1].len());
        assert!(sources.iter_mut().all(|s| s.cut(Time::from_millis(12_000)).is_empty()));
    }

    /// Puts a file named `name` modified at `ms` (ms since the epoch) into `dir`.
    fn put_at(dir: &std::path::Path, name: &str, text: &str, ms: u64) {
        put(dir, name, text);
        let file = std::fs::File::options().write(true).open(dir.join(name)).unwrap();
        file.set_modified(UNIX_EPOCH + std::time::Duration::from_millis(ms)).unwrap();
    }

    fn lines(batch: &TextBatch) -> Vec<&str> {
        batch.lines().collect()
    }

    /// The bug of issue #16: a batch run again after a crash listed the directory again and
    /// also read a file modified before its time that appeared after its first run.
    #[test]
    fn a_recut_reads_the_files_of_the_first_cut_even_after_new_files_appear() {
        let dir = crate::test_support::TempDir::new("files-recut");
        let clock = ManualClock::new();
        clock.set(Time::from_millis(10_000));
        let ctx = SourceContext::new(Arc::new(clock.clone()), Metrics::new());
        let mut source = TextFilesSource::new(&dir.0);
        source.start(&ctx).unwrap();
        put_at(&dir.0, "a.txt", "a1\na2\n", 10_500);
        assert_eq!(lines(&source.cut(Time::from_millis(11_000))), ["a1", "a2"]);
        let checkpointed = source.position().unwrap();
        put_at(&dir.0, "b.txt", "b1\n", 11_500);
        assert_eq!(lines(&source.cut(Time::from_millis(12_000))), ["b1"]);
        let selection = source.selection().unwrap();

        // The job dies; meanwhile a file modified before 12 000 appears.
        put_at(&dir.0, "c.txt", "c1\n", 11_800);
        let restarted = || {
            let mut source = TextFilesSource::new(&dir.0);
            source.restore_position(&checkpointed).unwrap();
            source.start(&ctx).unwrap();
            source
        };
        // Cut afresh, batch 12 000 would now hold other input than its first run.
        assert_eq!(lines(&restarted().cut(Time::from_millis(12_000))), ["b1", "c1"]);
        // Re-cut from its selection it holds the same; the late file goes to the next batch.
        let mut source = restarted();
        assert_eq!(lines(&source.recut(Time::from_millis(12_000), &selection).unwrap()), ["b1"]);
        assert_eq!(source.selection().unwrap(), selection);
        assert_eq!(lines(&source.cut(Time::from_millis(13_000))), ["c1"]);
        assert!(source.cut(Time::from_millis(14_000)).is_empty());
        // A recorded file that is gone is reported, and the rest of the batch still read.
        std::fs::remove_file(dir.0.join("b.txt")).unwrap();
        let mut source = restarted();
        assert!(source.recut(Time::from_millis(12_000), &selection).unwrap().is_empty());
        assert!(source.recut(Time::from_millis(12_000), b"garbage").is_err());
    }
}
