//! The one record framing of everything dstream writes to survive a crash: the socket's
//! write-ahead log, the checkpoint files and the batch log each store records as
//!
//! ```text
//! length: u32 LE | crc: u32 LE (CRC-32 of the payload) | payload
//! ```
//!
//! and read them back with [`Frames`], which tells a **torn** record (what a crash during an
//! append leaves: incomplete, or bad with nothing or only zeros after it) from a **corrupt**
//! one (bad, with data after it). Nothing after a bad record is read.

use std::io::{self, Read};

/// `length: u32 | crc: u32`.
pub const HEADER_BYTES: usize = 8;

/// Appends one record to `out`: the payload is what `payload` writes.
pub fn append(out: &mut Vec<u8>, payload: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_BYTES]);
    payload(out);
    let body = &out[start + HEADER_BYTES..];
    let len = u32::try_from(body.len()).expect("a record payload is under 4 GiB");
    let crc = crc32fast::hash(body);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// What the next record of a file is.
#[derive(Debug)]
pub enum Frame<'a> {
    /// A record whose length and checksum are right, starting at byte `at`.
    Payload {
        /// Where the record starts in the file.
        at: u64,
        /// Its payload.
        payload: &'a [u8],
    },
    /// The file ends after the last good record.
    End,
    /// A bad record at byte `at`; `torn` if it is what a crash during an append leaves.
    Bad {
        /// Where the record starts in the file.
        at: u64,
        /// What is wrong with it.
        why: String,
        /// Nothing, or only zeros, follow it.
        torn: bool,
    },
}

/// Reads the records of one file, checking each one's length and checksum.
#[derive(Debug)]
pub struct Frames<R> {
    input: R,
    /// Where `input` stands in the file.
    offset: u64,
    /// The file's length.
    end: u64,
    payload: Vec<u8>,
    /// Set once a bad record was met.
    done: bool,
}

impl<R: Read> Frames<R> {
    /// Records from `input`, which stands at byte `offset` of a file of `end` bytes.
    pub fn new(input: R, offset: u64, end: u64) -> Frames<R> {
        Frames { input, offset, end, payload: Vec::new(), done: false }
    }

    /// The next record.
    pub fn next(&mut self) -> io::Result<Frame<'_>> {
        if self.done {
            return Ok(Frame::End);
        }
        let left = self.end.saturating_sub(self.offset);
        if left == 0 {
            return Ok(Frame::End);
        }
        let at = self.offset;
        if left < HEADER_BYTES as u64 {
            return Ok(self.bad(at, format!("{left} bytes, less than a record header"), true));
        }
        let mut header = [0; HEADER_BYTES];
        self.input.read_exact(&mut header)?;
        let len = u64::from(u32::from_le_bytes([header[0], header[1], header[2], header[3]]));
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let body_left = left - HEADER_BYTES as u64;
        if len > body_left {
            let why = format!("a record of {len} bytes with {body_left} bytes left in the file");
            return Ok(self.bad(at, why, true));
        }
        self.payload.resize(len as usize, 0);
        self.input.read_exact(&mut self.payload)?;
        self.offset += HEADER_BYTES as u64 + len;
        if crc32fast::hash(&self.payload) != crc {
            let torn = self.reject()?;
            return Ok(Frame::Bad { at, why: "checksum mismatch".to_string(), torn });
        }
        Ok(Frame::Payload { at, payload: &self.payload })
    }

    /// Marks the record just read as bad (its checksum, or the caller's own check of its
    /// payload, failed) and tells whether it is torn: nothing, or only zeros, after it.
    /// Nothing after it is read.
    pub fn reject(&mut self) -> io::Result<bool> {
        let after = self.end.saturating_sub(self.offset);
        let torn = after == 0 || self.rest_is_zeros(after)?;
        self.done = true;
        Ok(torn)
    }

    fn bad(&mut self, at: u64, why: String, torn: bool) -> Frame<'static> {
        self.done = true;
        Frame::Bad { at, why, torn }
    }

    /// Whether the next `left` bytes (the rest of the file) are all zero.
    fn rest_is_zeros(&mut self, mut left: u64) -> io::Result<bool> {
        let mut chunk = [0u8; 8192];
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            self.input.read_exact(&mut chunk[..n])?;
            if chunk[..n].iter().any(|&b| b != 0) {
                return Ok(false);
            }
            left -= n as u64;
        }
        Ok(true)
    }
}
