//! Line assembly: splits the bytes of a connection into `\n`-terminated lines (a `\r`
//! before the `\n` is dropped), carrying a partial line from one read to the next, and
//! hands the lines that are not UTF-8 or too long to [`MalformedLines`].

use super::malformed::MalformedLines;
use crate::text::TextBlock;

/// Splits a byte stream into lines, validating each one, without allocating per line.
pub(super) struct LineAssembler {
    pub(super) max_line_bytes: usize,
    /// The start of a line whose end has not arrived yet (at most `max_line_bytes + 1`
    /// bytes, which leaves room for a `\r` before the `\n`).
    pub(super) carry: Vec<u8>,
    /// Inside a too-long line: its bytes are skipped until the next `\n`.
    pub(super) discarding: bool,
}

impl LineAssembler {
    pub(super) fn new(max_line_bytes: usize) -> LineAssembler {
        LineAssembler { max_line_bytes, carry: Vec::new(), discarding: false }
    }

    /// Forgets any partial line (a new connection starts at a line boundary).
    pub(super) fn reset(&mut self) {
        self.carry.clear();
        self.discarding = false;
    }

    /// Consumes `data`, pushing every completed valid line into `block`.
    pub(super) fn feed(&mut self, data: &[u8], block: &mut TextBlock, bad: &mut MalformedLines) {
        let mut rest = data;
        // The line in progress (or being skipped) ends at the first `\n`.
        if self.discarding || !self.carry.is_empty() {
            let Some(pos) = memchr::memchr(b'\n', rest) else {
                self.keep_partial(rest, bad);
                return;
            };
            self.complete_pending(&rest[..pos], block, bad);
            rest = &rest[pos + 1..];
        }
        // The whole lines that follow: validated in one go and split with memchr (a `\n`
        // never occurs inside a multi-byte character, so the lines of valid text are valid);
        // line by line only if something in them is not UTF-8.
        if let Some(last) = memchr::memrchr(b'\n', rest) {
            let lines = &rest[..=last];
            let mut start = 0;
            match std::str::from_utf8(lines) {
                Ok(text) => {
                    for end in memchr::memchr_iter(b'\n', lines) {
                        push_valid_line(self.max_line_bytes, &text[start..end], block, bad);
                        start = end + 1;
                    }
                }
                Err(_) => {
                    for end in memchr::memchr_iter(b'\n', lines) {
                        complete_line(self.max_line_bytes, &lines[start..end], block, bad);
                        start = end + 1;
                    }
                }
            }
            rest = &rest[last + 1..];
        }
        self.keep_partial(rest, bad);
    }

    /// The end of the line in progress (or being skipped) has arrived: `segment` is its rest.
    pub(super) fn complete_pending(
        &mut self,
        segment: &[u8],
        block: &mut TextBlock,
        bad: &mut MalformedLines,
    ) {
        if self.discarding {
            bad.too_long_more(segment);
            bad.too_long_end();
            self.discarding = false;
        } else if self.carry.len() + segment.len() > self.max_line_bytes + 1 {
            bad.too_long_start(&self.carry, self.carry.len() + segment.len());
            bad.too_long_more(segment);
            bad.too_long_end();
            self.carry.clear();
        } else {
            self.carry.extend_from_slice(segment);
            complete_line(self.max_line_bytes, &self.carry, block, bad);
            self.carry.clear();
        }
    }

    /// `rest`, which holds no `\n`, starts or continues the line in progress.
    pub(super) fn keep_partial(&mut self, rest: &[u8], bad: &mut MalformedLines) {
        if rest.is_empty() {
            return;
        }
        if self.discarding {
            bad.too_long_more(rest);
        } else if self.carry.len() + rest.len() > self.max_line_bytes + 1 {
            bad.too_long_start(&self.carry, self.carry.len() + rest.len());
            bad.too_long_more(rest);
            self.carry.clear();
            self.discarding = true;
        } else {
            self.carry.extend_from_slice(rest);
        }
    }

    /// End of stream: a pending partial line is delivered as a line.
    pub(super) fn finish(&mut self, block: &mut TextBlock, bad: &mut MalformedLines) {
        if self.discarding {
            bad.too_long_end();
        } else if !self.carry.is_empty() {
            complete_line(self.max_line_bytes, &self.carry, block, bad);
        }
        self.reset();
    }

    /// The connection ended abnormally: a partial line is dropped, and said so.
    pub(super) fn abandon(&mut self, bad: &mut MalformedLines, why: &str) {
        if self.discarding {
            bad.too_long_end();
        } else if !self.carry.is_empty() {
            tracing::warn!(
                source = %bad.label,
                bytes = self.carry.len(),
                "socket source: dropped an incomplete line because {why}"
            );
        }
        self.reset();
    }
}

/// Checks the length of one complete line already known to be UTF-8 (its `\n` removed) and
/// pushes it or reports it.
#[inline]
fn push_valid_line(max_line_bytes: usize, line: &str, block: &mut TextBlock, bad: &mut MalformedLines) {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.len() > max_line_bytes {
        bad.too_long_start(line.as_bytes(), line.len());
        bad.too_long_end();
    } else {
        block.push_line(line);
    }
}

/// Checks one complete line (its `\n` removed) and pushes it or reports it.
fn complete_line(max_line_bytes: usize, line: &[u8], block: &mut TextBlock, bad: &mut MalformedLines) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > max_line_bytes {
        bad.too_long_start(line, line.len());
        bad.too_long_end();
        return;
    }
    match std::str::from_utf8(line) {
        Ok(text) => block.push_line(text),
        Err(error) => bad.not_utf8(line, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::metrics::Metrics;
    use proptest::prelude::*;

    /// Pieces of streams: terminators, `\r` alone, ASCII, multi-byte characters, and bytes
    /// that are not UTF-8 (alone, or a truncated character).
    const PIECES: &[&[u8]] =
        &[b"\n", b"\n", b"\r\n", b"\r", b"a", b"bc", b"def ", b"\xc3\xa9", b"\xe2\x82\xac", b"\xff", b"\xc3"];

    /// What a line-by-line byte loop makes of `stream`: the lines, and the counts of
    /// too-long and non-UTF-8 lines.
    fn reference(stream: &[u8], max_line_bytes: usize, end_of_stream: bool) -> (Vec<String>, u64, u64) {
        let mut pieces: Vec<&[u8]> = stream.split(|&b| b == b'\n').collect();
        let last = pieces.pop().unwrap_or_default();
        let (mut lines, mut too_long, mut not_utf8) = (Vec::new(), 0, 0);
        if end_of_stream && !last.is_empty() {
            pieces.push(last);
        } else if last.len() > max_line_bytes + 1 {
            // A partial line is known to be too long (room is left for a `\r`) before it ends.
            too_long += 1;
        }
        for piece in pieces {
            let line = piece.strip_suffix(b"\r").unwrap_or(piece);
            if line.len() > max_line_bytes {
                too_long += 1;
            } else {
                match std::str::from_utf8(line) {
                    Ok(line) => lines.push(line.to_owned()),
                    Err(_) => not_utf8 += 1,
                }
            }
        }
        (lines, too_long, not_utf8)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Random streams of good, long, non-UTF-8 and `\r\n`-terminated lines, cut into
        /// random reads: the lines and the malformed counts are those of the reference.
        #[test]
        fn line_assembly_matches_a_line_by_line_reference(
            picks in proptest::collection::vec(0..PIECES.len(), 0..300),
            reads in proptest::collection::vec(1usize..90, 1..40),
            max_line_bytes in 1usize..25,
            end_of_stream: bool,
        ) {
            let stream: Vec<u8> = picks.iter().flat_map(|&i| PIECES[i].iter().copied()).collect();
            let metrics = Metrics::new();
            let mut bad = MalformedLines::new("test".into(), metrics.clone(), None);
            let mut assembler = LineAssembler::new(max_line_bytes);
            let mut block = TextBlock::new();
            let mut rest = &stream[..];
            for n in reads.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let n = (*n).min(rest.len());
                assembler.feed(&rest[..n], &mut block, &mut bad);
                rest = &rest[n..];
            }
            if end_of_stream {
                assembler.finish(&mut block, &mut bad);
            }
            let got: Vec<String> = block.lines().map(str::to_owned).collect();
            let m = metrics.snapshot();
            let (lines, too_long, not_utf8) = reference(&stream, max_line_bytes, end_of_stream);
            prop_assert_eq!(got, lines);
            prop_assert_eq!((m.malformed_too_long, m.malformed_not_utf8), (too_long, not_utf8));
        }
    }
}
