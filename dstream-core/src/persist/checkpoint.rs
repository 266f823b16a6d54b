//! Checkpoints: a job's state at a batch boundary, written atomically so a restarted job
//! resumes where it left off (docs/semantics.md §a.7, E24).
//!
//! A checkpoint holds the last completed batch time, every stateful operator's state (state
//! stores, window buffers) under a stable id derived from the program text, and every
//! source's position (for example the files a file source has read). The file is
//! `checkpoint-<ms>` in the checkpoint directory:
//!
//! ```text
//! magic "DSTRCKPT" | format version (u32 LE) | body length (u64 LE) | CRC-32 of body (u32 LE) | body
//! ```
//!
//! where the body is the [`Checkpoint`] encoded with bincode. It is written to a temporary
//! file, synced, renamed into place, and the directory synced: a reader sees a whole
//! checkpoint or none. A truncated or corrupted file fails its length or checksum test and
//! recovery falls back to the previous checkpoint, saying so in the log; it never silently
//! starts empty. The last [`KEEP`] checkpoints are kept.

use crate::error::{Error, Result};
use crate::time::Time;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many checkpoints are kept in the directory.
pub const KEEP: usize = 10;

const MAGIC: &[u8; 8] = b"DSTRCKPT";
const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

/// One operator's saved state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorState {
    /// The Rust types of the state, to detect a program change that makes it unreadable.
    pub types: String,
    /// The state, encoded.
    pub bytes: Vec<u8>,
}

/// Everything a job needs to resume.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last batch whose effects the checkpoint holds.
    pub batch_time: Time,
    /// The batch interval of the program that wrote it, in ms.
    pub batch_interval_ms: u64,
    /// One batch interval before the job's first batch: windows keep sliding from here.
    pub zero_time: Time,
    /// Operator states by stable operator id.
    pub operators: BTreeMap<String, OperatorState>,
    /// Source positions by source index.
    pub sources: Vec<Option<Vec<u8>>>,
}

/// State that can be saved in a checkpoint: every operator state of a program with a
/// `checkpoint(..)` setting must be.
#[diagnostic::on_unimplemented(
    message = "this operator's state (`{Self}`) cannot be checkpointed",
    label = "its keys, values and state must implement serde's `Serialize` and `Deserialize`",
    note = "derive them: `#[derive(serde::Serialize, serde::Deserialize)]` on your own types"
)]
pub trait Checkpointable {
    /// Encodes the state.
    fn save(&self) -> Result<OperatorState>;
    /// Replaces the state with a saved one.
    fn restore(&mut self, saved: &OperatorState) -> Result<()>;
}

#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> Checkpointable for T {
    fn save(&self) -> Result<OperatorState> {
        let bytes =
            bincode::serialize(self).map_err(|e| Error::Checkpoint(format!("cannot encode state: {e}")))?;
        Ok(OperatorState { types: std::any::type_name::<T>().to_string(), bytes })
    }

    fn restore(&mut self, saved: &OperatorState) -> Result<()> {
        let expected = std::any::type_name::<T>();
        if saved.types != expected {
            return Err(Error::Checkpoint(format!(
                "the checkpoint holds state of type `{}`, but the program now keeps `{expected}`",
                saved.types
            )));
        }
        *self = bincode::deserialize(&saved.bytes)
            .map_err(|e| Error::Checkpoint(format!("cannot decode state: {e}")))?;
        Ok(())
    }
}

/// The file name of the checkpoint of batch `time`.
fn file_name(time: Time) -> String {
    format!("checkpoint-{}", time.as_millis())
}

/// Encodes a checkpoint with its header.
pub fn encode(checkpoint: &Checkpoint) -> Result<Vec<u8>> {
    let body =
        bincode::serialize(checkpoint).map_err(|e| Error::Checkpoint(format!("cannot encode: {e}")))?;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes and verifies a checkpoint file's bytes.
pub fn decode(bytes: &[u8]) -> Result<Checkpoint> {
    let corrupt = |why: &str| Error::Checkpoint(format!("corrupt checkpoint: {why}"));
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err(corrupt("not a dstream checkpoint"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(Error::Checkpoint(format!(
            "checkpoint format {version} is not supported (this build reads {FORMAT_VERSION})"
        )));
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes")) as usize;
    let crc = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    let body = &bytes[HEADER_LEN..];
    if body.len() != len {
        return Err(corrupt(&format!("{} bytes of body, header says {len} (truncated?)", body.len())));
    }
    if crc32fast::hash(body) != crc {
        return Err(corrupt("checksum mismatch"));
    }
    bincode::deserialize(body).map_err(|e| corrupt(&e.to_string()))
}

/// Writes `checkpoint` into `dir` atomically and removes all but the newest [`KEEP`].
pub fn write(dir: &Path, checkpoint: &Checkpoint) -> Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let bytes = encode(checkpoint)?;
    let target = dir.join(file_name(checkpoint.batch_time));
    let temp = dir.join(format!(".{}.tmp", file_name(checkpoint.batch_time)));
    {
        let mut file = fs::File::create(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    fs::rename(&temp, &target)?;
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    for old in list(dir)?.into_iter().rev().skip(KEEP) {
        let _ = fs::remove_file(old.1);
    }
    Ok(target)
}

/// The checkpoint files in `dir`, oldest first.
fn list(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e.into()),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(ms) = name.strip_prefix("checkpoint-").and_then(|ms| ms.parse::<u64>().ok()) {
            found.push((ms, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// The newest readable checkpoint in `dir`, if any. Unreadable ones are skipped with a
/// warning naming the file and the reason; if files exist but none is readable, that is an
/// error, never a silent fresh start.
pub fn load_latest(dir: &Path) -> Result<Option<Checkpoint>> {
    let files = list(dir)?;
    for (_, path) in files.iter().rev() {
        match fs::read(path).map_err(Error::from).and_then(|bytes| decode(&bytes)) {
            Ok(checkpoint) => {
                tracing::info!(file = %path.display(), batch = %checkpoint.batch_time, "recovering from checkpoint");
                return Ok(Some(checkpoint));
            }
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "skipping unreadable checkpoint; trying the previous one")
            }
        }
    }
    if files.is_empty() {
        Ok(None)
    } else {
        Err(Error::Checkpoint(format!(
            "none of the {} checkpoints in {} is readable",
            files.len(),
            dir.display()
        )))
    }
}

/// Writes checkpoints on a background thread, so the batch loop only pays for encoding.
pub struct Writer {
    sender: Option<crossbeam_channel::Sender<Checkpoint>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// A writer into `dir`. At most two checkpoints wait; a third blocks the batch loop
    /// (backpressure rather than unbounded memory).
    pub fn new(dir: PathBuf) -> Writer {
        let (sender, receiver) = crossbeam_channel::bounded::<Checkpoint>(2);
        let thread = std::thread::Builder::new()
            .name("dstream-checkpoint".into())
            .spawn(move || {
                for checkpoint in receiver {
                    let started = std::time::Instant::now();
                    match write(&dir, &checkpoint) {
                        Ok(path) => tracing::debug!(file = %path.display(), took_ms = started.elapsed().as_millis() as u64, "checkpoint written"),
                        Err(e) => tracing::error!(error = %e, batch = %checkpoint.batch_time, "checkpoint not written"),
                    }
                }
            })
            .expect("spawn the checkpoint writer");
        Writer { sender: Some(sender), thread: Some(thread) }
    }

    /// Queues a checkpoint for writing.
    pub fn submit(&self, checkpoint: Checkpoint) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(checkpoint);
        }
    }

    /// Waits until every queued checkpoint is written.
    pub fn finish(mut self) {
        self.close();
    }

    fn close(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(ms: u64) -> Checkpoint {
        let mut operators = BTreeMap::new();
        let state: Vec<(String, u64)> = vec![("a".into(), ms)];
        operators.insert("update_state_by_key#0".to_string(), state.save().unwrap());
        Checkpoint {
            batch_time: Time::from_millis(ms),
            batch_interval_ms: 1000,
            zero_time: Time::from_millis(0),
            operators,
            sources: vec![None],
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dstream-ckpt-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn round_trip() {
        let c = sample(1000);
        assert_eq!(decode(&encode(&c).unwrap()).unwrap(), c);
        let mut state: Vec<(String, u64)> = Vec::new();
        state.restore(&c.operators["update_state_by_key#0"]).unwrap();
        assert_eq!(state, vec![("a".to_string(), 1000)]);
    }

    #[test]
    fn a_changed_state_type_is_reported() {
        let c = sample(1000);
        let mut wrong: Vec<(String, i32)> = Vec::new();
        let err = wrong.restore(&c.operators["update_state_by_key#0"]).unwrap_err().to_string();
        assert!(err.contains("but the program now keeps"), "{err}");
    }

    #[test]
    fn truncated_and_bit_flipped_files_fall_back_to_the_previous_checkpoint() {
        let dir = temp_dir("fallback");
        write(&dir, &sample(1000)).unwrap();
        write(&dir, &sample(2000)).unwrap();
        let newest = dir.join("checkpoint-2000");
        let bytes = fs::read(&newest).unwrap();
        fs::write(&newest, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(load_latest(&dir).unwrap().unwrap().batch_time, Time::from_millis(1000));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x10;
        fs::write(&newest, &flipped).unwrap();
        assert_eq!(load_latest(&dir).unwrap().unwrap().batch_time, Time::from_millis(1000));
        fs::write(dir.join("checkpoint-1000"), b"garbage").unwrap();
        assert!(load_latest(&dir).is_err(), "unreadable checkpoints must not mean a silent fresh start");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn keeps_the_newest_ten() {
        let dir = temp_dir("keep");
        for t in 1..=13 {
            write(&dir, &sample(t * 1000)).unwrap();
        }
        let kept: Vec<u64> = list(&dir).unwrap().into_iter().map(|(ms, _)| ms).collect();
        assert_eq!(kept, (4..=13).map(|t| t * 1000).collect::<Vec<_>>());
        assert_eq!(load_latest(&dir).unwrap().unwrap().batch_time, Time::from_millis(13000));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_directory_means_no_checkpoint() {
        assert_eq!(load_latest(&temp_dir("none")).unwrap(), None);
    }
}
