//! Checkpoints: a job's state at a batch boundary, written atomically so a restarted job
//! resumes where it left off (docs/semantics.md §a.7, E24).
//!
//! A checkpoint holds the last completed batch time, every stateful operator's state (state
//! stores, window buffers) under a stable id derived from the program text, and every
//! source's position (for example the files a file source has read). The file is
//! `checkpoint-<ms>` in the checkpoint directory, on the records of [`frame`],
//! the framing the write-ahead log uses too:
//!
//! ```text
//! magic "DSTRCKPT" | format version (u32 LE) | record: summary | records: operator states
//! ```
//!
//! The summary (postcard) holds the batch times, the source positions, and each operator's
//! id, state schema and state length; the operators' encoded states (postcard) follow in the
//! summary's order, each in one record, or in several of at most [`MAX_RECORD`] bytes when it
//! is larger (a record's length is a `u32`).
//!
//! A state is identified by the operator id that the macro derives from the program text
//! (`update_state_by_key#0`) and by its [schema](super::schema), a description of its
//! serialized shape without module paths: a module move or a compiler upgrade restores, a
//! real change of the state's type is refused with the operator and both shapes.
//!
//! The file is written to a temporary file, synced, renamed into
//! place, and the directory synced: a reader sees a whole checkpoint or none. A truncated or
//! corrupted file fails a record's length or checksum test and recovery falls back to the
//! previous checkpoint, saying so in the log; it never silently starts empty. The last
//! [`KEEP`] checkpoints are kept.
//!
//! Format 1 was bincode 1.3 (unmaintained, RUSTSEC-2025-0141) in one record of its own
//! framing; format 2 is postcard on the shared framing. A file of another format is refused
//! with a message that says which.

use super::frame::{self, Frame, Frames};
use super::parts;
use crate::error::{Error, Result};
use crate::time::Time;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

// What the generated code saves and restores each operator's state with: a codec per kind of
// store, made from its parts' `Checkpointable::part`. Not an API: hidden, like `__private`.
#[doc(hidden)]
pub use super::parts::{whole, Codec, Part, Timed};
#[doc(hidden)]
pub use crate::ops::state::saved::{mapped_state_store, state_store};
#[doc(hidden)]
pub use crate::ops::window::saved::{incremental_window, window_buffer};
// The stores and the context, under a path that is not `__private`, for rustc's notes that
// name them (by their shortest visible path). Hidden too.
#[doc(hidden)]
pub use crate::job::BatchContext;
#[doc(hidden)]
pub use crate::ops::state::StateStore;
#[doc(hidden)]
pub use crate::ops::window::{IncrementalWindow, WindowBuffer};

/// How many checkpoints are kept in the directory.
pub const KEEP: usize = 10;

/// The most bytes of an operator's state in one record; a larger state spans several.
pub const MAX_RECORD: usize = 1 << 30;

const MAGIC: &[u8; 8] = b"DSTRCKPT";
/// The format this build writes and reads. Any change to what a checkpoint file holds or how
/// it is encoded bumps it (the golden files in `tests/golden/` fail until it is).
pub const FORMAT_VERSION: u32 = 2;
/// `magic | version`, before the first record.
const PRELUDE: usize = 8 + 4;

/// One operator's saved state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorState {
    /// The state's [schema](super::schema): its serialized shape, without module paths, to
    /// refuse a state the program now keeps in another shape. `None` if it cannot be traced.
    pub schema: Option<String>,
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

/// The first record of a checkpoint file: everything but the operators' encoded states,
/// which follow it in this order.
#[derive(Serialize, Deserialize)]
struct Summary {
    batch_time: Time,
    batch_interval_ms: u64,
    zero_time: Time,
    sources: Vec<Option<Vec<u8>>>,
    operators: Vec<StateEntry>,
}

/// One operator in the summary.
#[derive(Serialize, Deserialize)]
struct StateEntry {
    id: String,
    schema: Option<String>,
    /// The length of its encoded state, spread over the records after the summary.
    len: u64,
}

/// State that can be saved in a checkpoint: the keys, values and states of every stateful
/// operator of a program with a `checkpoint(..)` setting (a window's records) must be.
///
/// The generated code asks it of each part type of an operator's state, by passing
/// [`Checkpointable::part`] as a function (see [`parts`]): an error names the
/// user's type, never the runtime's store around it.
#[diagnostic::on_unimplemented(
    message = "the state of this operator cannot be saved in a checkpoint",
    label = "its keys, values and state (for a window: its records) must implement serde's `Serialize` and `Deserialize`",
    note = "derive them: `#[derive(serde::Serialize, serde::Deserialize)]` on your own types"
)]
pub trait Checkpointable {
    /// Encodes the state.
    #[doc(hidden)]
    fn save(&self) -> Result<OperatorState>;
    /// Replaces the state with a saved one.
    #[doc(hidden)]
    fn restore(&mut self, saved: &OperatorState) -> Result<()>;
    /// How values of this type are saved as a part of an operator's state.
    #[doc(hidden)]
    fn part() -> Part<Self>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> Checkpointable for T {
    fn save(&self) -> Result<OperatorState> {
        parts::save_with(|out| parts::encode(self, out), PhantomData::<T>)
    }

    fn restore(&mut self, saved: &OperatorState) -> Result<()> {
        *self = parts::restore_with(PhantomData::<T>, saved)?;
        Ok(())
    }

    fn part() -> Part<T> {
        Part::of()
    }
}

/// The operator of a state id as the user wrote it: `update_state_by_key#1` is "the second
/// `update_state_by_key` of the program".
pub(crate) fn operator_as_written(id: &str) -> String {
    let Some((name, n)) = id.rsplit_once('#').and_then(|(name, n)| Some((name, n.parse::<usize>().ok()?)))
    else {
        return format!("`{id}`");
    };
    let nth = match n {
        0 => "first".to_string(),
        1 => "second".to_string(),
        2 => "third".to_string(),
        n => format!("{}th", n + 1),
    };
    format!("the {nth} `{name}` of the program")
}

/// What went wrong, without the `checkpoint:` prefix, to be told inside another checkpoint
/// error.
pub(crate) fn reason(e: Error) -> String {
    match e {
        Error::Checkpoint(why) => why,
        other => other.to_string(),
    }
}

/// The file name of the checkpoint of batch `time`.
fn file_name(time: Time) -> String {
    format!("checkpoint-{}", time.as_millis())
}

/// Encodes a checkpoint file.
pub fn encode(checkpoint: &Checkpoint) -> Result<Vec<u8>> {
    encode_in_records_of(checkpoint, MAX_RECORD)
}

/// Encodes a checkpoint file whose operator states take records of at most `max_record`
/// bytes ([`MAX_RECORD`] but in tests).
fn encode_in_records_of(checkpoint: &Checkpoint, max_record: usize) -> Result<Vec<u8>> {
    let summary = Summary {
        batch_time: checkpoint.batch_time,
        batch_interval_ms: checkpoint.batch_interval_ms,
        zero_time: checkpoint.zero_time,
        sources: checkpoint.sources.clone(),
        operators: checkpoint
            .operators
            .iter()
            .map(|(id, state)| StateEntry {
                id: id.clone(),
                schema: state.schema.clone(),
                len: state.bytes.len() as u64,
            })
            .collect(),
    };
    let summary =
        postcard::to_allocvec(&summary).map_err(|e| Error::Checkpoint(format!("cannot encode: {e}")))?;
    if summary.len() > MAX_RECORD {
        return Err(Error::Checkpoint(format!(
            "cannot encode: the source positions and operator ids take {} bytes, more than a record's {MAX_RECORD}",
            summary.len()
        )));
    }
    let states: usize = checkpoint.operators.values().map(|s| s.bytes.len() + frame::HEADER_BYTES).sum();
    let mut out = Vec::with_capacity(PRELUDE + frame::HEADER_BYTES + summary.len() + states);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    frame::append(&mut out, |buf| buf.extend_from_slice(&summary));
    for state in checkpoint.operators.values() {
        for chunk in state.bytes.chunks(max_record) {
            frame::append(&mut out, |buf| buf.extend_from_slice(chunk));
        }
    }
    Ok(out)
}

/// Decodes and verifies a checkpoint file's bytes. Never panics, whatever the bytes.
pub fn decode(bytes: &[u8]) -> Result<Checkpoint> {
    let corrupt = |why: &str| Error::Checkpoint(format!("corrupt checkpoint: {why}"));
    if bytes.len() < PRELUDE || &bytes[..8] != MAGIC {
        return Err(corrupt("not a dstream checkpoint"));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != FORMAT_VERSION {
        let written_by = if version < FORMAT_VERSION { "an earlier" } else { "a later" };
        return Err(Error::Checkpoint(format!(
            "checkpoint format {version} (written by {written_by} dstream) cannot be read by this build, which reads format {FORMAT_VERSION}: finish the job with the dstream that wrote it, or start from a new checkpoint directory"
        )));
    }
    let mut records = Frames::new(&bytes[PRELUDE..], PRELUDE as u64, bytes.len() as u64);
    let summary: Summary = postcard::from_bytes(next_record(&mut records, "the summary")?)
        .map_err(|e| corrupt(&format!("the summary: {e}")))?;
    let mut operators = BTreeMap::new();
    for entry in summary.operators {
        let what = format!("the state of `{}`", entry.id);
        let len = usize::try_from(entry.len).map_err(|_| corrupt(&format!("{what} is too long")))?;
        // The file's length bounds the allocation, not the (possibly corrupt) summary.
        let mut state = Vec::with_capacity(len.min(bytes.len()));
        while state.len() < len {
            let record = next_record(&mut records, &what)?;
            if state.len() + record.len() > len {
                return Err(corrupt(&format!("{what} is longer than the summary says")));
            }
            state.extend_from_slice(record);
        }
        operators.insert(entry.id, OperatorState { schema: entry.schema, bytes: state });
    }
    match records.next() {
        Ok(Frame::End) => {}
        Ok(Frame::Payload { at, .. } | Frame::Bad { at, .. }) => {
            return Err(corrupt(&format!("data after the last operator's state, at byte {at}")))
        }
        Err(e) => return Err(corrupt(&e.to_string())),
    }
    Ok(Checkpoint {
        batch_time: summary.batch_time,
        batch_interval_ms: summary.batch_interval_ms,
        zero_time: summary.zero_time,
        operators,
        sources: summary.sources,
    })
}

/// The payload of the next record, which must be there and whole (`what` names it).
fn next_record<'r>(records: &'r mut Frames<&[u8]>, what: &str) -> Result<&'r [u8]> {
    let corrupt = |why: String| Error::Checkpoint(format!("corrupt checkpoint: {what}: {why}"));
    match records.next() {
        Ok(Frame::Payload { payload, .. }) => Ok(payload),
        Ok(Frame::End) => Err(corrupt("missing (truncated?)".to_string())),
        Ok(Frame::Bad { at, why, .. }) => Err(corrupt(format!("{why} at byte {at}"))),
        Err(e) => Err(corrupt(e.to_string())),
    }
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

/// Reads and decodes the checkpoint file at `path`.
fn read(path: &Path) -> Result<Checkpoint> {
    fs::read(path).map_err(Error::from).and_then(|bytes| decode(&bytes))
}

/// The newest readable checkpoint in `dir`, if any. Unreadable ones are skipped with a
/// warning naming the file and the reason; if files exist but none is readable, that is an
/// error, never a silent fresh start.
pub fn load_latest(dir: &Path) -> Result<Option<Checkpoint>> {
    let files = list(dir)?;
    let mut newest_error = None;
    for (_, path) in files.iter().rev() {
        match read(path) {
            Ok(checkpoint) => {
                tracing::info!(file = %path.display(), batch = %checkpoint.batch_time, "recovering from checkpoint");
                return Ok(Some(checkpoint));
            }
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "skipping unreadable checkpoint; trying the previous one");
                newest_error.get_or_insert_with(|| format!("{}: {}", path.display(), reason(e)));
            }
        }
    }
    match newest_error {
        None => Ok(None),
        Some(newest) => Err(Error::Checkpoint(format!(
            "none of the {} checkpoints in {} is readable; the newest, {newest}",
            files.len(),
            dir.display()
        ))),
    }
}

/// The batch times of the readable checkpoints in `dir`, oldest first. A file that does not
/// decode (a disk error, a bit flip) is skipped with a warning. The processes of a cluster
/// offer these to one another to agree on the batch they all resume from.
pub fn readable_times(dir: &Path) -> Result<Vec<Time>> {
    let mut times = Vec::new();
    for (ms, path) in list(dir)? {
        match read(&path) {
            Ok(checkpoint) if checkpoint.batch_time.as_millis() == ms => times.push(checkpoint.batch_time),
            Ok(checkpoint) => {
                tracing::warn!(file = %path.display(), batch = %checkpoint.batch_time, "skipping a checkpoint whose name is not its batch time")
            }
            Err(e) => tracing::warn!(file = %path.display(), error = %e, "skipping unreadable checkpoint"),
        }
    }
    Ok(times)
}

/// The checkpoint of batch `time` in `dir`: in a cluster every process resumes from the same
/// batch, which need not be its newest (docs/cluster.md).
pub fn load_at(dir: &Path, time: Time) -> Result<Checkpoint> {
    let path = dir.join(file_name(time));
    let checkpoint = read(&path)
        .map_err(|e| Error::Checkpoint(format!("cannot resume from {}: {}", path.display(), reason(e))))?;
    tracing::info!(file = %path.display(), batch = %checkpoint.batch_time, "recovering from checkpoint");
    Ok(checkpoint)
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
        Writer::reporting(dir, |_, _| {})
    }

    /// A writer into `dir` that tells `report` how each checkpoint went: the time writing
    /// took in microseconds, or why it failed (for the job's statistics).
    pub fn reporting(
        dir: PathBuf,
        report: impl Fn(Time, std::result::Result<u64, String>) + Send + 'static,
    ) -> Writer {
        let (sender, receiver) = crossbeam_channel::bounded::<Checkpoint>(2);
        let thread = std::thread::Builder::new()
            .name("dstream-checkpoint".into())
            .spawn(move || {
                for checkpoint in receiver {
                    let started = std::time::Instant::now();
                    match write(&dir, &checkpoint) {
                        Ok(path) => {
                            tracing::debug!(file = %path.display(), took_ms = started.elapsed().as_millis() as u64, "checkpoint written");
                            report(checkpoint.batch_time, Ok(started.elapsed().as_micros() as u64));
                        }
                        Err(e) => {
                            tracing::error!(error = %e, batch = %checkpoint.batch_time, "checkpoint not written");
                            report(checkpoint.batch_time, Err(e.to_string()));
                        }
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
    fn a_state_larger_than_a_record_spans_several() {
        let mut c = sample(1000);
        let big: Vec<u64> = (0..100).collect();
        c.operators.insert("window#0".to_string(), big.save().unwrap());
        let bytes = encode_in_records_of(&c, 7).unwrap();
        assert_eq!(decode(&bytes).unwrap(), c);
        assert!(bytes.len() > encode(&c).unwrap().len(), "small records add headers");
        // A file cut at a record boundary misses a record: it is not taken as whole.
        let mut last_record = PRELUDE;
        while last_record < bytes.len() {
            let len = u32::from_le_bytes(bytes[last_record..last_record + 4].try_into().unwrap()) as usize;
            if last_record + frame::HEADER_BYTES + len == bytes.len() {
                break;
            }
            last_record += frame::HEADER_BYTES + len;
        }
        let err = decode(&bytes[..last_record]).unwrap_err().to_string();
        assert!(err.contains("missing (truncated?)"), "{err}");
    }

    #[test]
    fn another_format_is_refused_with_its_version() {
        let mut bytes = encode(&sample(1000)).unwrap();
        bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
        let err = decode(&bytes).unwrap_err().to_string();
        assert!(err.contains("checkpoint format 1 (written by an earlier dstream)"), "{err}");
        assert!(err.contains("reads format 2"), "{err}");
    }

    #[test]
    fn trailing_data_is_corruption() {
        let mut bytes = encode(&sample(1000)).unwrap();
        frame::append(&mut bytes, |b| b.extend_from_slice(b"extra"));
        let err = decode(&bytes).unwrap_err().to_string();
        assert!(err.contains("data after the last operator's state"), "{err}");
    }

    #[test]
    fn a_changed_state_type_is_reported() {
        let c = sample(1000);
        let mut wrong: Vec<(String, i32)> = Vec::new();
        let err = wrong.restore(&c.operators["update_state_by_key#0"]).unwrap_err().to_string();
        assert!(err.contains("saved in the shape `Seq<Tuple<Str, U64>>`"), "{err}");
        assert!(err.contains("now keeps `Seq<Tuple<Str, I32>>`"), "{err}");
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
        let err = load_latest(&dir).unwrap_err().to_string();
        assert!(err.contains("none of the 2 checkpoints"), "a silent fresh start: {err}");
        assert!(err.contains("checkpoint-2000: corrupt checkpoint"), "the newest's reason: {err}");
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

    /// A checkpoint with two operators, the second spread over several records.
    fn two_operators() -> Vec<u8> {
        let mut c = sample(1000);
        let window: Vec<(Time, Vec<String>)> = vec![(Time::from_millis(1000), vec!["x".into(), "yz".into()])];
        c.operators.insert("window#0".to_string(), window.save().unwrap());
        c.sources = vec![Some(vec![1, 2, 3]), None];
        encode_in_records_of(&c, 5).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn every_truncation_is_refused(cut in 0usize..1000) {
            let bytes = two_operators();
            let cut = cut % bytes.len();
            proptest::prop_assert!(decode(&bytes[..cut]).is_err());
        }

        #[test]
        fn every_flipped_bit_is_refused(at in 0usize..1000, bit in 0u8..8) {
            let mut bytes = two_operators();
            let at = at % bytes.len();
            bytes[at] ^= 1 << bit;
            proptest::prop_assert!(decode(&bytes).is_err());
        }

        /// Records with right checksums but any content (a bug, or a crafted file): an
        /// error or a checkpoint, never a panic or a huge allocation.
        #[test]
        fn any_records_decode_without_panicking(records in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..64), 0..6)) {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
            for record in &records {
                frame::append(&mut bytes, |b| b.extend_from_slice(record));
            }
            let _ = decode(&bytes);
        }

        /// A well-formed summary that claims any state lengths, then any records.
        #[test]
        fn any_claimed_lengths_decode_without_panicking(
            lens in proptest::collection::vec(proptest::num::u64::ANY, 0..4),
            records in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..16), 0..6),
        ) {
            let operators = lens.iter().enumerate().map(|(i, &len)| StateEntry { id: format!("op#{i}"), schema: None, len }).collect();
            let summary = Summary { batch_time: Time::from_millis(1), batch_interval_ms: 1, zero_time: Time::from_millis(0), sources: vec![], operators };
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
            frame::append(&mut bytes, |b| b.extend_from_slice(&postcard::to_allocvec(&summary).unwrap()));
            for record in &records {
                frame::append(&mut bytes, |b| b.extend_from_slice(record));
            }
            if let Ok(c) = decode(&bytes) {
                let total: usize = c.operators.values().map(|o| o.bytes.len()).sum();
                proptest::prop_assert_eq!(total as u64, lens.iter().sum::<u64>());
            }
        }

        #[test]
        fn any_state_bytes_restore_without_panicking(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let mut state: crate::ops::state::StateStore<String, (u64, Option<String>)> =
                crate::ops::state::StateStore::empty();
            let _ = state.restore(&OperatorState { schema: None, bytes });
        }
    }

    #[test]
    fn any_bytes_decode_without_panicking() {
        for bytes in
            [&b""[..], b"DSTRCKPT", b"DSTRCKPT\x02\0\0\0", b"DSTRCKPT\x02\0\0\0\xff\xff\xff\xff\0\0\0\0"]
        {
            assert!(decode(bytes).is_err());
        }
    }

    #[test]
    fn readable_times_skip_a_bad_file_and_load_at_reads_the_one_asked_for() {
        let dir = temp_dir("times");
        for ms in [1000, 2000, 3000] {
            write(&dir, &sample(ms)).unwrap();
        }
        fs::write(dir.join("checkpoint-2000"), b"garbage").unwrap();
        fs::write(dir.join("checkpoint-4000"), encode(&sample(1000)).unwrap()).unwrap();
        let times: Vec<u64> = readable_times(&dir).unwrap().iter().map(|t| t.as_millis()).collect();
        assert_eq!(times, [1000, 3000]);
        assert_eq!(load_at(&dir, Time::from_millis(1000)).unwrap(), sample(1000));
        let err = load_at(&dir, Time::from_millis(2000)).unwrap_err().to_string();
        assert!(err.contains("checkpoint-2000") && err.contains("corrupt"), "{err}");
        assert!(readable_times(&temp_dir("times-none")).unwrap().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_directory_means_no_checkpoint() {
        assert_eq!(load_latest(&temp_dir("none")).unwrap(), None);
    }
}
