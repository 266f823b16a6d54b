//! The batch log: what every source selected for each batch, made durable **before** the
//! batch runs its stages and outputs, so that a batch time always means the same input
//! (Spark's direct Kafka approach, generalised to every source that can describe its cuts).
//!
//! With checkpointing on, the job appends one record per batch, `(batch time, every source's
//! selection)`, to `batches.log` in the checkpoint directory and syncs it before the batch
//! runs. On recovery from the checkpoint of batch `c`, the batch times after `c` found in the
//! log are re-cut from their recorded selections: they run again on exactly the input of
//! their first run, so a sink that commits by batch time sees each record once.
//!
//! The file is the magic `DSTRBLG1` followed by records framed as in [`frame`] (length |
//! CRC-32 | payload); a payload is the postcard encoding of [`Entry`]. A torn last record (a
//! crash during an append) means that batch never ran its outputs: it is dropped and the
//! batch is cut fresh. A corrupt record (bad, with data after it) is reported and it and
//! everything after it are dropped: those batches are cut fresh, at least once.
//!
//! The log is trimmed by rewriting it (temporary file, sync, rename) without the entries a
//! recovery can no longer need, once they are half of it: the job passes the time of the
//! oldest checkpoint that may still be on disk.

use super::frame::{self, Frame, Frames};
use crate::error::{Error, Result};
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The first bytes of the file.
const MAGIC: &[u8; 8] = b"DSTRBLG1";

/// The file's name in the checkpoint directory.
pub(crate) const FILE_NAME: &str = "batches.log";

/// One batch's input: every source's selection, by source index (`None` for a source that
/// cannot describe its cuts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// The batch time.
    pub time: Time,
    /// What each source's cut took, as its `Source::selection` described it.
    pub selections: Vec<Option<Vec<u8>>>,
}

/// The open log: appends entries, durably.
#[derive(Debug)]
pub(crate) struct BatchLog {
    path: PathBuf,
    file: File,
    /// The entries in the file, oldest first (small: a few per checkpoint interval).
    entries: Vec<Entry>,
    /// The record being written.
    buf: Vec<u8>,
}

impl BatchLog {
    /// Opens (creating it if needed) the log in `dir` and keeps its good entries; a torn or
    /// corrupt tail is dropped (and the file rewritten without it, so later appends follow
    /// the last good record). With `fresh`, the entries are dropped too: a job that starts
    /// without a checkpoint starts a new log.
    pub(crate) fn open(dir: &Path, fresh: bool) -> Result<BatchLog> {
        fs::create_dir_all(dir)?;
        let path = dir.join(FILE_NAME);
        let (entries, clean) = if fresh { (Vec::new(), false) } else { read(&path)? };
        let file =
            if clean { OpenOptions::new().append(true).open(&path)? } else { rewrite(&path, &entries)? };
        Ok(BatchLog { path, file, entries, buf: Vec::new() })
    }

    /// The recorded entries of the batches after `time`, oldest first.
    pub(crate) fn after(&self, time: Time) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.time > time)
    }

    /// Appends `entry` and syncs it: when this returns, a crash cannot lose it.
    pub(crate) fn append(&mut self, entry: Entry) -> Result<()> {
        self.buf.clear();
        encode(&mut self.buf, &entry)?;
        self.file.write_all(&self.buf).and_then(|()| self.file.sync_data()).map_err(|e| {
            Error::Io(std::io::Error::new(e.kind(), format!("batch log {}: {e}", self.path.display())))
        })?;
        self.entries.push(entry);
        Ok(())
    }

    /// Drops the entries of batches at or before `time` (no recovery can need them: the
    /// checkpoint of `time` or a later one will be its starting point). Lazily: only once
    /// they are at least half the log, since a rewrite costs a few syncs (about 25 ms on
    /// the development machine) whatever its size.
    pub(crate) fn trim_through(&mut self, time: Time) -> Result<()> {
        let dead = self.entries.partition_point(|e| e.time <= time);
        if dead == 0 || dead < self.entries.len() - dead {
            return Ok(());
        }
        self.entries.retain(|e| e.time > time);
        self.file = rewrite(&self.path, &self.entries)?;
        Ok(())
    }

    /// The times of the entries, oldest first.
    #[cfg(test)]
    pub(crate) fn times(&self) -> Vec<u64> {
        self.entries.iter().map(|e| e.time.as_millis()).collect()
    }
}

/// The good entries of the log at `path` (none if it does not exist), and whether the file
/// is exactly those (no torn or corrupt tail, magic present).
fn read(path: &Path) -> Result<(Vec<Entry>, bool)> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), false)),
        Err(e) => return Err(e.into()),
    };
    let len = file.metadata()?.len();
    let mut input = BufReader::new(file);
    let mut magic = [0; MAGIC.len()];
    if len < MAGIC.len() as u64 || input.read_exact(&mut magic).is_err() || &magic != MAGIC {
        if len > 0 {
            tracing::warn!(file = %path.display(), "the batch log has no valid header: starting it over");
        }
        return Ok((Vec::new(), false));
    }
    let mut frames = Frames::new(input, MAGIC.len() as u64, len);
    let mut entries = Vec::new();
    loop {
        let (at, why, torn) = match frames.next()? {
            Frame::End => return Ok((entries, true)),
            Frame::Payload { at, payload } => match postcard::from_bytes::<Entry>(payload) {
                Ok(entry) => {
                    entries.push(entry);
                    continue;
                }
                Err(e) => {
                    let why = format!("undecodable entry: {e}");
                    (at, why, frames.reject()?)
                }
            },
            Frame::Bad { at, why, torn } => (at, why, torn),
        };
        if torn {
            tracing::warn!(
                file = %path.display(),
                offset = at,
                %why,
                "ignoring a torn last batch-log record (a crash during its append: that batch never ran its outputs)"
            );
        } else {
            tracing::error!(
                file = %path.display(),
                offset = at,
                %why,
                "corrupt batch-log record: it and the records after it are dropped; those batches are cut \
                 fresh and may not see the input of their first run"
            );
        }
        return Ok((entries, false));
    }
}

/// Appends the record of `entry` to `out`.
fn encode(out: &mut Vec<u8>, entry: &Entry) -> Result<()> {
    let payload = postcard::to_allocvec(entry).map_err(|e| {
        Error::Checkpoint(format!("cannot encode the batch log entry of {}: {e}", entry.time))
    })?;
    frame::append(out, |out| out.extend_from_slice(&payload));
    Ok(())
}

/// Writes a log holding `entries` at `path` atomically; returns it open for appends.
fn rewrite(path: &Path, entries: &[Entry]) -> Result<File> {
    let mut bytes = MAGIC.to_vec();
    for entry in entries {
        encode(&mut bytes, entry)?;
    }
    let temp = path.with_extension("log.tmp");
    {
        let mut file = File::create(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    fs::rename(&temp, path)?;
    if let Some(dir) = path.parent() {
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(OpenOptions::new().append(true).open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempDir;

    fn entry(ms: u64, selection: &[u8]) -> Entry {
        Entry { time: Time::from_millis(ms), selections: vec![Some(selection.to_vec()), None] }
    }

    #[test]
    fn entries_round_trip_across_opens() {
        let dir = TempDir::new("batch-log-round-trip");
        let mut log = BatchLog::open(&dir.0, false).unwrap();
        log.append(entry(1000, b"a")).unwrap();
        log.append(entry(2000, b"bb")).unwrap();
        drop(log);
        let mut log = BatchLog::open(&dir.0, false).unwrap();
        assert_eq!(
            log.after(Time::from_millis(0)).cloned().collect::<Vec<_>>(),
            [entry(1000, b"a"), entry(2000, b"bb")]
        );
        assert_eq!(log.after(Time::from_millis(1000)).cloned().collect::<Vec<_>>(), [entry(2000, b"bb")]);
        // Appends after a reopen follow the old entries.
        log.append(entry(3000, b"")).unwrap();
        drop(log);
        assert_eq!(BatchLog::open(&dir.0, false).unwrap().times(), [1000, 2000, 3000]);
        // A fresh start forgets them.
        assert!(BatchLog::open(&dir.0, true).unwrap().times().is_empty());
        assert!(BatchLog::open(&dir.0, false).unwrap().times().is_empty());
    }

    #[test]
    fn a_torn_last_record_is_dropped_and_appends_continue_after_the_good_ones() {
        let dir = TempDir::new("batch-log-torn");
        let mut log = BatchLog::open(&dir.0, false).unwrap();
        log.append(entry(1000, b"a")).unwrap();
        log.append(entry(2000, b"bbbb")).unwrap();
        drop(log);
        let path = dir.0.join(FILE_NAME);
        let len = fs::metadata(&path).unwrap().len();
        OpenOptions::new().write(true).open(&path).unwrap().set_len(len - 2).unwrap();
        let mut log = BatchLog::open(&dir.0, false).unwrap();
        assert_eq!(log.times(), [1000]);
        log.append(entry(2000, b"again")).unwrap();
        drop(log);
        let log = BatchLog::open(&dir.0, false).unwrap();
        assert_eq!(
            log.after(Time::from_millis(0)).cloned().collect::<Vec<_>>(),
            [entry(1000, b"a"), entry(2000, b"again")]
        );
    }

    #[test]
    fn a_corrupt_record_drops_it_and_what_follows() {
        let dir = TempDir::new("batch-log-corrupt");
        let mut log = BatchLog::open(&dir.0, false).unwrap();
        for ms in [1000, 2000, 3000] {
            log.append(entry(ms, b"xyz")).unwrap();
        }
        drop(log);
        let path = dir.0.join(FILE_NAME);
        let mut bytes = fs::read(&path).unwrap();
        // The second record's payload: after the magic and the whole first record.
        let record = (bytes.len() - MAGIC.len()) / 3;
        bytes[MAGIC.len() + record + frame::HEADER_BYTES] ^= 0xff;
        fs::write(&path, &bytes).unwrap();
        assert_eq!(BatchLog::open(&dir.0, false).unwrap().times(), [1000]);
    }

    #[test]
    fn trimming_drops_the_entries_through_a_time_durably_once_they_are_half_the_log() {
        let dir = TempDir::new("batch-log-trim");
        let mut log = BatchLog::open(&dir.0, false).unwrap();
        for ms in [1000, 2000, 3000, 4000] {
            log.append(entry(ms, b"s")).unwrap();
        }
        // Lazily: one dead entry of four is not worth a rewrite; two are.
        log.trim_through(Time::from_millis(1000)).unwrap();
        assert_eq!(log.times(), [1000, 2000, 3000, 4000]);
        log.trim_through(Time::from_millis(2000)).unwrap();
        assert_eq!(log.times(), [3000, 4000]);
        log.append(entry(5000, b"s")).unwrap();
        drop(log);
        assert_eq!(BatchLog::open(&dir.0, false).unwrap().times(), [3000, 4000, 5000]);
        assert!(!dir.0.join("batches.log.tmp").exists());
    }

    #[test]
    fn a_file_without_the_magic_starts_over() {
        let dir = TempDir::new("batch-log-magic");
        fs::write(dir.0.join(FILE_NAME), b"not a log at all").unwrap();
        let mut log = BatchLog::open(&dir.0, false).unwrap();
        assert!(log.times().is_empty());
        log.append(entry(1000, b"a")).unwrap();
        drop(log);
        assert_eq!(BatchLog::open(&dir.0, false).unwrap().times(), [1000]);
    }
}
