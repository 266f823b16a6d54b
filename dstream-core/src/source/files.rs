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
//! The names of the files read are the source's checkpoint position: after a crash, a batch
//! that is run again reads exactly the files it read the first time (those modified at or
//! before its time that the checkpoint had not seen), so no record is lost or read twice.

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
    metrics: Option<Metrics>,
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
        TextFilesSource { dir: dir.into(), position: Position::default(), metrics: None }
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
            if !meta.is_file() || self.position.read.contains_key(&name) {
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
}

impl Source for TextFilesSource {
    type Batch = TextBatch;

    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.metrics = Some(ctx.metrics.clone());
        if self.position.ignore_before.is_none() {
            // Files already there at the first start are not new (Spark's newFilesOnly).
            self.position.ignore_before = Some(ctx.clock.now().as_millis() + 1);
        }
        Ok(())
    }

    fn cut(&mut self, time: Time) -> TextBatch {
        let mut batch = TextBlock::new();
        let files = self.new_files(time).unwrap_or_default();
        for (modified, name, path) in files {
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "cannot read the file; will retry next batch");
                    continue;
                }
            };
            let mut lines = 0u64;
            // An empty file holds no record (splitting it would give one empty line).
            let records = if bytes.is_empty() { &[][..] } else { &bytes[..] };
            for raw in records.split(|b| *b == b'\n').take(if records.is_empty() { 0 } else { usize::MAX }) {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                match std::str::from_utf8(raw) {
                    Ok(line) => {
                        batch.push_line(line);
                        lines += 1;
                    }
                    Err(_) => {
                        if let Some(m) = &self.metrics {
                            m.add_malformed_not_utf8(1);
                        }
                        tracing::warn!(file = %path.display(), "skipping a line that is not UTF-8");
                    }
                }
            }
            // A final newline does not start another (empty) record.
            if bytes.ends_with(b"\n") && lines > 0 {
                batch.pop_line();
            }
            if let Some(m) = &self.metrics {
                m.add_bytes_received(bytes.len() as u64);
            }
            self.position.read.insert(name, modified);
        }
        // Files older than the remember window can never be picked again: forget them.
        let horizon = time.as_millis().saturating_sub(REMEMBER.as_millis());
        self.position.read.retain(|_, modified| *modified >= horizon);
        if let Some(m) = &self.metrics {
            m.add_records_received(batch.len() as u64);
        }
        batch
    }

    fn stop_receiving(&mut self) {}

    fn position(&self) -> Option<Vec<u8>> {
        bincode::serialize(&self.position).ok()
    }

    fn restore_position(&mut self, position: &[u8]) -> Result<()> {
        self.position = bincode::deserialize(position)
            .map_err(|e| Error::Checkpoint(format!("bad file source position: {e}")))?;
        Ok(())
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
        let ctx = SourceContext { clock: Arc::new(clock.clone()), metrics: Metrics::new() };
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
}
