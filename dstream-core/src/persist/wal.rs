//! The socket source's write-ahead log: every received block is appended and synced before
//! it counts as received, and replayed after a crash (see the socket source's documentation
//! for the guarantee, the record layout, segments and trimming).

use super::frame::{self, Frame, Frames};
use crate::text::TextBlock;
use crate::time::Time;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A segment grows to about this size before the log moves to a new one.
pub(crate) const SEGMENT_BYTES: u64 = 64 * 1024 * 1024;

/// The first bytes of every segment.
pub(crate) const MAGIC: &[u8; 8] = b"DSTRWAL1";

/// `sequence: u64 | stamp: u64 | line count: u32`.
const PAYLOAD_FIXED_BYTES: usize = 8 + 8 + 4;

/// Longest line accepted by a source that logs (a record's lengths are 32-bit).
pub(crate) const MAX_LOGGED_LINE_BYTES: usize = 1 << 30;

/// Segments in the log, with no checkpoint taken yet, before it warns that only
/// checkpoints trim it.
const UNTRIMMED_SEGMENTS_WARNING: usize = 4;

/// The file name of the segment whose first block is `first_seq`.
pub(crate) fn segment_name(first_seq: u64) -> String {
    format!("wal-{first_seq:020}.log")
}

/// The first sequence number in a segment's file name.
fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("wal-")?.strip_suffix(".log")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Appends the record of block `seq` to `out`.
pub(crate) fn encode(out: &mut Vec<u8>, seq: u64, stamp: Time, block: &TextBlock) {
    frame::append(out, |out| {
        out.extend_from_slice(&seq.to_le_bytes());
        out.extend_from_slice(&stamp.as_millis().to_le_bytes());
        out.extend_from_slice(&(block.len() as u32).to_le_bytes());
        for line in block.lines() {
            out.extend_from_slice(&(line.len() as u32).to_le_bytes());
        }
        for line in block.lines() {
            out.extend_from_slice(line.as_bytes());
        }
    });
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// A record's payload, if well formed: sequence number, stamp, lines.
fn decode_payload(payload: &[u8]) -> Option<(u64, Time, TextBlock)> {
    let seq = u64_at(payload, 0)?;
    let stamp = Time::from_millis(u64_at(payload, 8)?);
    let count = u32_at(payload, 16)? as usize;
    let text_start = count.checked_mul(4)?.checked_add(PAYLOAD_FIXED_BYTES)?;
    let text = payload.get(text_start..)?;
    let mut block = TextBlock::new();
    let mut at = 0usize;
    for i in 0..count {
        let len = u32_at(payload, PAYLOAD_FIXED_BYTES + 4 * i)? as usize;
        let line = text.get(at..at.checked_add(len)?)?;
        block.push_line(std::str::from_utf8(line).ok()?);
        at += len;
    }
    (at == text.len()).then_some((seq, stamp, block))
}

/// What the next record of a segment is.
#[derive(Debug)]
pub(crate) enum Next {
    /// A good record.
    Record { seq: u64, stamp: Time, block: TextBlock },
    /// The segment ends after the last good record.
    End,
    /// A bad record at byte `at`. `torn` if it is what a crash during an append leaves
    /// (incomplete, or followed only by zeros or nothing); otherwise the segment is
    /// corrupt. Nothing after it is read.
    Bad { at: u64, why: String, torn: bool },
}

/// Reads the blocks of one segment, checking each record's framing and structure.
pub(crate) struct Records<R> {
    frames: Frames<R>,
}

impl<R: Read> Records<R> {
    /// Records from `input`, which stands at byte `offset` of a file of `end` bytes.
    pub(crate) fn new(input: R, offset: u64, end: u64) -> Records<R> {
        Records { frames: Frames::new(input, offset, end) }
    }

    pub(crate) fn next(&mut self) -> io::Result<Next> {
        let at = match self.frames.next()? {
            Frame::End => return Ok(Next::End),
            Frame::Bad { at, why, torn } => return Ok(Next::Bad { at, why, torn }),
            Frame::Payload { at, payload } => match decode_payload(payload) {
                Some((seq, stamp, block)) => return Ok(Next::Record { seq, stamp, block }),
                None => at,
            },
        };
        let torn = self.frames.reject()?;
        Ok(Next::Bad { at, why: "malformed record".to_string(), torn })
    }
}

/// The segment files in `dir`, oldest first.
fn list_segments(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(first) = entry.file_name().to_str().and_then(parse_segment_name) {
            segments.push((first, entry.path()));
        }
    }
    segments.sort();
    Ok(segments)
}

/// Reads the log at start: yields, in order, the blocks numbered after a position.
pub(crate) struct Replay {
    dir: PathBuf,
    /// Blocks numbered at or below this are not replayed.
    after: u64,
    /// The segments left, oldest first.
    segments: Vec<(u64, PathBuf)>,
    next_segment: usize,
    current: Option<(PathBuf, Records<BufReader<File>>)>,
    /// The largest sequence number seen.
    last_seq: u64,
    /// The number the next replayed block should have, to report gaps.
    expected: Option<u64>,
    /// Blocks replayed, and the stamps they were logged with (first, last), for the log.
    replayed: u64,
    stamps: Option<(Time, Time)>,
}

impl Replay {
    /// Opens (creating it if needed) the log in `dir` for a replay of the blocks numbered
    /// after `after`, and deletes the segments all of whose blocks are at or below it
    /// (known from the next segment's name; the last segment, once it has been read).
    /// `restored`: whether `after` came from a checkpoint (then missing blocks after it
    /// are reported).
    pub(crate) fn open(dir: &Path, after: u64, restored: bool) -> io::Result<Replay> {
        fs::create_dir_all(dir)?;
        let mut segments = list_segments(dir)?;
        let mut gone = 0;
        while gone + 1 < segments.len() && segments[gone + 1].0 <= after.saturating_add(1) {
            remove_segment(&segments[gone].1);
            gone += 1;
        }
        segments.drain(..gone);
        if restored || !segments.is_empty() {
            tracing::info!(
                dir = %dir.display(),
                after,
                segments = segments.len(),
                "socket source: replaying the write-ahead log"
            );
        }
        Ok(Replay {
            dir: dir.to_path_buf(),
            after,
            segments,
            next_segment: 0,
            current: None,
            last_seq: 0,
            expected: restored.then(|| after.saturating_add(1)),
            replayed: 0,
            stamps: None,
        })
    }

    /// The next block numbered after the position, with its number; `None` at the end.
    pub(crate) fn next_block(&mut self) -> Option<(u64, TextBlock)> {
        loop {
            let Some((path, records)) = &mut self.current else {
                let (_, path) = self.segments.get(self.next_segment)?;
                let path = path.clone();
                self.next_segment += 1;
                self.current = open_segment(&path).map(|records| (path, records));
                continue;
            };
            match records.next() {
                Ok(Next::Record { seq, stamp, block }) => {
                    self.last_seq = self.last_seq.max(seq);
                    if seq <= self.after {
                        continue;
                    }
                    match self.expected {
                        Some(expected) if seq < expected => {
                            tracing::error!(
                                segment = %path.display(),
                                seq,
                                expected,
                                "socket source: write-ahead log block out of order: skipped"
                            );
                            continue;
                        }
                        Some(expected) if seq > expected => tracing::error!(
                            segment = %path.display(),
                            first = expected,
                            last = seq - 1,
                            "socket source: blocks are missing from the write-ahead log: \
                             their lines are lost"
                        ),
                        _ => {}
                    }
                    self.expected = Some(seq + 1);
                    self.replayed += 1;
                    self.stamps = Some(self.stamps.map_or((stamp, stamp), |(first, _)| (first, stamp)));
                    return Some((seq, block));
                }
                Ok(Next::End) => self.current = None,
                Ok(Next::Bad { at, why, torn: true }) => {
                    tracing::warn!(
                        segment = %path.display(),
                        offset = at,
                        %why,
                        "socket source: ignoring a torn record at the end of a write-ahead-log segment \
                         (a crash during an append: its lines never counted as received)"
                    );
                    self.current = None;
                }
                Ok(Next::Bad { at, why, torn: false }) => {
                    tracing::error!(
                        segment = %path.display(),
                        offset = at,
                        %why,
                        "socket source: corrupt write-ahead-log record: skipping the rest of the segment"
                    );
                    self.current = None;
                }
                Err(error) => {
                    tracing::error!(
                        segment = %path.display(),
                        %error,
                        "socket source: cannot read the write-ahead log: skipping the rest of the segment"
                    );
                    self.current = None;
                }
            }
        }
    }

    /// The log, replayed, ready for appends: numbering continues after the last block
    /// in the log (or the position, if larger); the last old segment is deleted if all
    /// its blocks are at or below the position.
    pub(crate) fn into_writer(self, segment_bytes: u64) -> Writer {
        if let Some((first, last)) = self.stamps {
            tracing::info!(
                dir = %self.dir.display(),
                blocks = self.replayed,
                logged_from = %first,
                logged_until = %last,
                "socket source: replayed the write-ahead log"
            );
        }
        let mut writer = Writer {
            dir: self.dir,
            segment_bytes,
            segments: self.segments,
            file: None,
            file_len: 0,
            next_seq: self.last_seq.max(self.after) + 1,
            buf: Vec::new(),
            warned_untrimmed: false,
        };
        writer.delete_through(self.after);
        writer
    }
}

/// Opens a segment and checks its magic; `None` (logged) if it cannot be read.
fn open_segment(path: &Path) -> Option<Records<BufReader<File>>> {
    let opened = File::open(path).and_then(|file| {
        let len = file.metadata()?.len();
        Ok((file, len))
    });
    let (file, len) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            tracing::error!(
                segment = %path.display(),
                %error,
                "socket source: cannot open a write-ahead-log segment"
            );
            return None;
        }
    };
    if len < MAGIC.len() as u64 {
        if len > 0 {
            tracing::warn!(
                segment = %path.display(),
                bytes = len,
                "socket source: ignoring a write-ahead-log segment without a complete header \
                 (a crash while creating it)"
            );
        }
        return None;
    }
    let mut input = BufReader::with_capacity(256 * 1024, file);
    let mut magic = [0; 8];
    if let Err(error) = input.read_exact(&mut magic) {
        tracing::error!(
            segment = %path.display(),
            %error,
            "socket source: cannot read a write-ahead-log segment"
        );
        return None;
    }
    if &magic != MAGIC {
        tracing::error!(
            segment = %path.display(),
            "socket source: not a write-ahead-log segment (bad magic): skipped"
        );
        return None;
    }
    Some(Records::new(input, MAGIC.len() as u64, len))
}

fn remove_segment(path: &Path) {
    match fs::remove_file(path) {
        Ok(()) => {
            tracing::debug!(segment = %path.display(), "socket source: deleted a write-ahead-log segment")
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(
            segment = %path.display(),
            %error,
            "socket source: cannot delete an old write-ahead-log segment"
        ),
    }
}

/// Appends blocks to the log.
pub(crate) struct Writer {
    dir: PathBuf,
    segment_bytes: u64,
    /// The segment files, oldest first; the last one is open when `file` is set.
    segments: Vec<(u64, PathBuf)>,
    file: Option<File>,
    /// Length of the open segment.
    file_len: u64,
    /// The number of the next block.
    next_seq: u64,
    /// The record being written.
    buf: Vec<u8>,
    warned_untrimmed: bool,
}

impl Writer {
    /// Appends block `self.next_seq` and syncs it; returns its number. `retention` gives,
    /// when a new segment starts, the number at or below which segments may be deleted
    /// and how many checkpoints have been taken.
    pub(crate) fn append(
        &mut self,
        stamp: Time,
        block: &TextBlock,
        retention: impl FnOnce() -> (u64, usize),
    ) -> io::Result<u64> {
        self.buf.clear();
        encode(&mut self.buf, self.next_seq, stamp, block);
        let record = self.buf.len() as u64;
        let full = self.file_len > MAGIC.len() as u64 && self.file_len + record > self.segment_bytes;
        if self.file.is_none() || full {
            self.rotate(retention)?;
        }
        let Some(file) = self.file.as_mut() else {
            return Err(io::Error::other("no open write-ahead-log segment"));
        };
        if let Err(error) = file.write_all(&self.buf).and_then(|()| file.sync_data()) {
            // Cut off what was written of the record so the segment stays readable; if
            // that fails too, the next append starts a new segment (and a replay
            // ignores the partial record as torn).
            let len = self.file_len;
            if file.set_len(len).and_then(|()| file.seek(SeekFrom::Start(len))).is_err() {
                self.file = None;
            }
            return Err(error);
        }
        self.file_len += record;
        Ok(self.skip())
    }

    /// Takes the next number without logging a block.
    pub(crate) fn skip(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Starts segment `self.next_seq`, durably, then deletes the old segments that
    /// retention allows.
    fn rotate(&mut self, retention: impl FnOnce() -> (u64, usize)) -> io::Result<()> {
        self.file = None;
        let path = self.dir.join(segment_name(self.next_seq));
        // A segment of this name can only hold no good record (every logged number is
        // lower): it is replaced.
        let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(&path)?;
        file.write_all(MAGIC)?;
        file.sync_all()?;
        // Make the new name durable too (where directories can be opened and synced).
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        let first = self.next_seq;
        self.segments.retain(|(seq, _)| *seq != first);
        self.segments.push((first, path));
        self.file = Some(file);
        self.file_len = MAGIC.len() as u64;
        let (deletable_through, checkpoints) = retention();
        self.delete_through(deletable_through);
        if checkpoints == 0 && self.segments.len() > UNTRIMMED_SEGMENTS_WARNING && !self.warned_untrimmed {
            self.warned_untrimmed = true;
            tracing::warn!(
                dir = %self.dir.display(),
                segments = self.segments.len(),
                "socket source: the write-ahead log grows and no checkpoint has trimmed it: \
                 only checkpoints trim it (use the log with a checkpoint directory)"
            );
        }
        Ok(())
    }

    /// Deletes the segments, except the open one, all of whose blocks are numbered at
    /// or below `seq`.
    pub(crate) fn delete_through(&mut self, seq: u64) {
        let closed = self.segments.len() - usize::from(self.file.is_some());
        let mut gone = 0;
        while gone < closed {
            // The first number after the segment's blocks.
            let end = self.segments.get(gone + 1).map_or(self.next_seq, |(first, _)| *first);
            if end.saturating_sub(1) > seq {
                break;
            }
            remove_segment(&self.segments[gone].1);
            gone += 1;
        }
        self.segments.drain(..gone);
    }

    #[cfg(test)]
    pub(crate) fn segment_firsts(&self) -> Vec<u64> {
        self.segments.iter().map(|(first, _)| *first).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{block_of, TempDir};

    fn records_of(bytes: &[u8]) -> Vec<Next> {
        let mut records = Records::new(bytes, 0, bytes.len() as u64);
        let mut out = Vec::new();
        loop {
            let next = records.next().unwrap();
            let end = !matches!(next, Next::Record { .. });
            out.push(next);
            if end {
                return out;
            }
        }
    }

    fn encoded(blocks: &[(u64, u64, TextBlock)]) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for (seq, stamp, block) in blocks {
            encode(&mut bytes, *seq, Time::from_millis(*stamp), block);
            ends.push(bytes.len());
        }
        (bytes, ends)
    }

    fn sample_blocks() -> Vec<(u64, u64, TextBlock)> {
        vec![
            (7, 1000, block_of(&["a b", "", "\u{e9}t\u{e9} \u{2713}"])),
            (8, 1000, block_of(&[])),
            (9, 2500, block_of(&["x"; 40])),
        ]
    }

    #[test]
    fn wal_records_round_trip() {
        let blocks = sample_blocks();
        let (bytes, ends) = encoded(&blocks);
        // length | crc | sequence | stamp | line count | lengths | text
        assert_eq!(ends[0], 8 + 8 + 8 + 4 + 3 * 4 + "a b\u{e9}t\u{e9} \u{2713}".len());
        assert_eq!(&bytes[..4], &((ends[0] - 8) as u32).to_le_bytes());
        assert_eq!(&bytes[4..8], &crc32fast::hash(&bytes[8..ends[0]]).to_le_bytes());
        assert_eq!(&bytes[8..16], &7u64.to_le_bytes());
        let read = records_of(&bytes);
        assert_eq!(read.len(), 4);
        for ((seq, stamp, block), next) in blocks.iter().zip(&read) {
            match next {
                Next::Record { seq: s, stamp: t, block: b } => {
                    assert_eq!((s, t.as_millis(), b), (seq, *stamp, block));
                }
                other => panic!("expected record {seq}, got {other:?}"),
            }
        }
        assert!(matches!(read[3], Next::End));
    }

    #[test]
    fn wal_a_record_cut_anywhere_is_torn_and_never_misread() {
        let blocks = sample_blocks();
        let (bytes, ends) = encoded(&blocks);
        for cut in 0..bytes.len() {
            let read = records_of(&bytes[..cut]);
            let complete = ends.iter().filter(|&&end| end <= cut).count();
            assert_eq!(read.len(), complete + 1, "cut at {cut}");
            for (i, next) in read[..complete].iter().enumerate() {
                let good = matches!(next, Next::Record { seq, block, .. }
                    if *seq == blocks[i].0 && *block == blocks[i].2);
                assert!(good, "cut at {cut}: record {i} misread: {next:?}");
            }
            let at_boundary = cut == 0 || ends.contains(&cut);
            match &read[complete] {
                Next::End => assert!(at_boundary, "cut at {cut}: a partial record read as the end"),
                Next::Bad { at, torn, .. } => {
                    assert!(!at_boundary && *torn, "cut at {cut}: {:?}", read[complete]);
                    assert_eq!(*at as usize, if complete == 0 { 0 } else { ends[complete - 1] });
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn wal_a_flipped_bit_is_detected() {
        let blocks = sample_blocks();
        let (bytes, ends) = encoded(&blocks);
        for i in 0..ends[0] {
            for bit in [0x01, 0x80] {
                let mut flipped = bytes.clone();
                flipped[i] ^= bit;
                let read = records_of(&flipped);
                assert_eq!(read.len(), 1, "byte {i}: records after a bad one must not be read");
                match &read[0] {
                    // A good record follows: corruption, unless the length now runs past the end.
                    Next::Bad { at: 0, torn, .. } => assert!(!*torn || i < 4, "byte {i}: {:?}", read[0]),
                    other => panic!("byte {i} flipped: {other:?}"),
                }
            }
        }
        // In the last record, a bad checksum is a torn append.
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x01;
        let read = records_of(&flipped);
        assert!(matches!(read[..], [Next::Record { .. }, Next::Record { .. }, Next::Bad { torn: true, .. }]));
    }

    #[test]
    fn wal_a_zero_filled_tail_is_torn() {
        let blocks = sample_blocks();
        let (mut bytes, ends) = encoded(&blocks[..1]);
        bytes.extend_from_slice(&[0; 100]);
        let read = records_of(&bytes);
        assert!(matches!(read[0], Next::Record { seq: 7, .. }));
        assert!(
            matches!(read[1], Next::Bad { at, torn: true, .. } if at as usize == ends[0]),
            "{:?}",
            read[1]
        );
    }

    /// A block of one line naming its number, for the log tests.
    fn numbered(seq: u64) -> TextBlock {
        block_of(&[format!("line {seq} of the log").as_str()])
    }

    /// Appends blocks `numbers` (which must be the writer's next ones).
    fn append_all(writer: &mut Writer, numbers: std::ops::RangeInclusive<u64>) {
        for seq in numbers {
            assert_eq!(writer.append(Time::from_millis(seq), &numbered(seq), || (0, 1)).unwrap(), seq);
        }
    }

    /// Replays `dir` after `after`: the numbers and whether each block is the expected one.
    fn replayed(dir: &Path, after: u64) -> (Vec<u64>, Replay) {
        let mut replay = Replay::open(dir, after, after > 0).unwrap();
        let mut seqs = Vec::new();
        while let Some((seq, block)) = replay.next_block() {
            assert_eq!(block, numbered(seq));
            seqs.push(seq);
        }
        (seqs, replay)
    }

    #[test]
    fn wal_segments_rotate_replay_after_a_position_and_numbering_continues() {
        let dir = TempDir::new("rotate");
        let (seqs, replay) = replayed(&dir.0, 0);
        assert!(seqs.is_empty());
        // Records of about 50 bytes, segments of at most 120: two records per segment.
        let mut writer = replay.into_writer(120);
        append_all(&mut writer, 1..=9);
        assert_eq!(writer.segment_firsts(), [1, 3, 5, 7, 9]);
        let names: Vec<String> =
            dir.segments().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names[0], "wal-00000000000000000001.log");
        drop(writer);

        // A start at position 4 deletes the segments of 1..=2 and 3..=4 (the next names say
        // where they end) and replays 5..=9.
        let (seqs, replay) = replayed(&dir.0, 4);
        assert_eq!(seqs, [5, 6, 7, 8, 9]);
        assert_eq!(dir.segments().len(), 3);
        let mut writer = replay.into_writer(120);
        append_all(&mut writer, 10..=10);
        assert_eq!(writer.segment_firsts(), [5, 7, 9, 10], "every start opens a new segment");
        drop(writer);

        // A start at position 5 keeps segment 5-6 (6 is after the position).
        let (seqs, _) = replayed(&dir.0, 5);
        assert_eq!(seqs, (6..=10).collect::<Vec<_>>());
        assert_eq!(replayed(&dir.0, 0).0, (5..=10).collect::<Vec<_>>());
        // A position past the end of the log: nothing to replay, everything deleted,
        // numbering continues after the position.
        let (seqs, replay) = replayed(&dir.0, 12);
        assert!(seqs.is_empty());
        let mut writer = replay.into_writer(120);
        assert!(dir.segments().is_empty());
        append_all(&mut writer, 13..=13);
    }

    #[test]
    fn wal_trimming_deletes_only_segments_wholly_at_or_below_the_position() {
        let dir = TempDir::new("trim");
        let mut writer = replayed(&dir.0, 0).1.into_writer(120);
        append_all(&mut writer, 1..=10);
        assert_eq!(writer.segment_firsts(), [1, 3, 5, 7, 9]);
        writer.delete_through(5);
        assert_eq!(writer.segment_firsts(), [5, 7, 9], "5-6 holds 6 > 5: kept");
        writer.delete_through(100);
        assert_eq!(writer.segment_firsts(), [9], "the open segment is never deleted");
        // Rotation applies the retention it is given.
        let mut seq = 11;
        while writer.segment_firsts().len() < 3 {
            assert_eq!(writer.append(Time::from_millis(0), &numbered(seq), || (0, 1)).unwrap(), seq);
            seq += 1;
        }
        assert_eq!(writer.segment_firsts(), [9, 11, 13]);
        writer.append(Time::from_millis(0), &numbered(seq), || (12, 1)).unwrap();
        writer.append(Time::from_millis(0), &numbered(seq + 1), || (12, 1)).unwrap();
        assert_eq!(writer.segment_firsts(), [13, 15]);
        drop(writer);
        assert_eq!(replayed(&dir.0, 0).0, (13..=15).collect::<Vec<_>>());
    }

    #[test]
    fn wal_a_torn_last_record_is_ignored_and_its_number_reused() {
        let dir = TempDir::new("torn");
        let mut writer = replayed(&dir.0, 0).1.into_writer(SEGMENT_BYTES);
        append_all(&mut writer, 1..=5);
        drop(writer);
        let last = dir.segments().pop().unwrap();
        let len = std::fs::metadata(&last).unwrap().len();
        OpenOptions::new().write(true).open(&last).unwrap().set_len(len - 3).unwrap();
        let (seqs, replay) = replayed(&dir.0, 0);
        assert_eq!(seqs, [1, 2, 3, 4]);
        let mut writer = replay.into_writer(SEGMENT_BYTES);
        append_all(&mut writer, 5..=6);
        drop(writer);
        // The torn record stays ignored; the new block 5 is read from the new segment.
        assert_eq!(replayed(&dir.0, 0).0, [1, 2, 3, 4, 5, 6]);
        assert_eq!(replayed(&dir.0, 3).0, [4, 5, 6]);
    }

    #[test]
    fn wal_a_segment_without_a_complete_header_is_ignored_and_replaced() {
        let dir = TempDir::new("header");
        let mut writer = replayed(&dir.0, 0).1.into_writer(SEGMENT_BYTES);
        append_all(&mut writer, 1..=2);
        drop(writer);
        // A crash right after creating the next segment.
        std::fs::write(dir.0.join(segment_name(3)), &MAGIC[..3]).unwrap();
        let (seqs, replay) = replayed(&dir.0, 0);
        assert_eq!(seqs, [1, 2]);
        let mut writer = replay.into_writer(SEGMENT_BYTES);
        append_all(&mut writer, 3..=3);
        drop(writer);
        assert_eq!(replayed(&dir.0, 0).0, [1, 2, 3]);
    }
}
