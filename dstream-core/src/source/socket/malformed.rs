//! What happens to the lines a receiver drops (not UTF-8, or longer than
//! `max_line_bytes`): counted, logged (rate-limited) and, if configured, written aside.

use super::READ_BUFFER_BYTES;
use crate::ui::metrics::Metrics;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

/// Malformed lines logged individually before logging becomes sparse.
const LOG_FIRST_MALFORMED: u64 = 10;

/// After the first few, one malformed line in this many is logged.
const LOG_EVERY_MALFORMED: u64 = 1000;

/// Counts, logs and writes aside the lines a receiver drops. What is written aside is
/// collected while the receiver holds the buffer's lock and written by [`MalformedLines::flush`].
pub(super) struct MalformedLines {
    pub(super) label: String,
    pub(super) metrics: Metrics,
    pub(super) path: Option<PathBuf>,
    pub(super) file: Option<File>,
    /// Bytes to write aside at the next flush.
    pub(super) aside: Vec<u8>,
    /// Malformed lines seen by this receiver, for the log.
    pub(super) count: u64,
}

impl MalformedLines {
    pub(super) fn new(label: String, metrics: Metrics, path: Option<PathBuf>) -> MalformedLines {
        MalformedLines { label, metrics, path, file: None, aside: Vec::new(), count: 0 }
    }

    /// Counts one more malformed line; whether this one should be logged.
    pub(super) fn next_should_log(&mut self) -> bool {
        self.count += 1;
        self.count <= LOG_FIRST_MALFORMED || self.count % LOG_EVERY_MALFORMED == 0
    }

    pub(super) fn not_utf8(&mut self, line: &[u8], error: std::str::Utf8Error) {
        self.metrics.add_malformed_not_utf8(1);
        if self.next_should_log() {
            tracing::warn!(
                source = %self.label,
                line_bytes = line.len(),
                valid_up_to = error.valid_up_to(),
                malformed_so_far = self.count,
                "socket source: dropped a line that is not valid UTF-8"
            );
        }
        self.write_aside(line);
        self.write_aside(b"\n");
    }

    /// A line turned out longer than the limit; `seen` is how many of its bytes are known.
    pub(super) fn too_long_start(&mut self, start: &[u8], seen: usize) {
        self.metrics.add_malformed_too_long(1);
        if self.next_should_log() {
            tracing::warn!(
                source = %self.label,
                bytes_at_least = seen,
                malformed_so_far = self.count,
                "socket source: dropped a line longer than max_line_bytes"
            );
        }
        self.write_aside(start);
    }

    /// More bytes of the too-long line being skipped.
    pub(super) fn too_long_more(&mut self, bytes: &[u8]) {
        self.write_aside(bytes);
    }

    /// The too-long line being skipped has ended.
    pub(super) fn too_long_end(&mut self) {
        self.write_aside(b"\n");
    }

    pub(super) fn write_aside(&mut self, bytes: &[u8]) {
        if self.path.is_some() {
            self.aside.extend_from_slice(bytes);
        }
    }

    /// Writes aside what was collected.
    pub(super) fn flush(&mut self) {
        if self.aside.is_empty() {
            return;
        }
        if self.file.is_none() {
            let Some(path) = &self.path else {
                self.aside.clear();
                return;
            };
            match OpenOptions::new().create(true).append(true).open(path) {
                Ok(file) => self.file = Some(file),
                Err(error) => {
                    tracing::error!(
                        path = %path.display(),
                        %error,
                        "socket source: cannot open the malformed-lines file; not writing them aside"
                    );
                    self.path = None;
                    self.aside = Vec::new();
                    return;
                }
            }
        }
        if let Some(file) = &mut self.file {
            if let Err(error) = file.write_all(&self.aside) {
                tracing::error!(%error, "socket source: cannot write a malformed line aside; not writing them aside");
                self.file = None;
                self.path = None;
                self.aside = Vec::new();
                return;
            }
        }
        self.aside.clear();
        if self.aside.capacity() > READ_BUFFER_BYTES {
            self.aside.shrink_to(READ_BUFFER_BYTES);
        }
    }
}

impl Drop for MalformedLines {
    fn drop(&mut self) {
        self.flush();
    }
}
