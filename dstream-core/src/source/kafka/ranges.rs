//! Offset ranges: what a cut decides, and the reading of exactly those messages.

use crate::ui::metrics::Metrics;
use rdkafka::message::{BorrowedMessage, Message};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Malformed values logged individually before logging becomes sparse.
const LOG_FIRST_MALFORMED: u64 = 10;
/// After the first few, one malformed value in this many is logged.
const LOG_EVERY_MALFORMED: u64 = 1000;

/// The messages `[from, until)` of one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OffsetRange {
    pub partition: i32,
    pub from: i64,
    pub until: i64,
}

impl OffsetRange {
    pub fn is_empty(&self) -> bool {
        self.until <= self.from
    }
}

/// The next offset to read of every partition known so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Positions(BTreeMap<i32, i64>);

impl Positions {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn set(&mut self, partition: i32, next: i64) {
        self.0.insert(partition, next);
    }

    /// One range per partition of `marks` (`(partition, low, high)`): from the position (a
    /// partition new to the job starts at its low watermark, as in Spark; a position below it
    /// was deleted by retention and is skipped, with a warning) up to `high`, at most `cap`
    /// messages.
    /// The next offset of `partition`, if known.
    pub fn get(&self, partition: i32) -> Option<i64> {
        self.0.get(&partition).copied()
    }

    /// One range per partition of `marks` (partition, low, high watermark), from where the
    /// last cut stopped, at most `caps[i]` messages for the `i`-th (no cap past its end).
    pub fn ranges(&self, marks: &[(i32, i64, i64)], caps: &[Option<u64>]) -> Vec<OffsetRange> {
        marks
            .iter()
            .enumerate()
            .map(|(i, &(partition, low, high))| {
                let cap = caps.get(i).copied().flatten();
                let mut from = self.0.get(&partition).copied().unwrap_or(low);
                if from < low {
                    tracing::warn!(
                        partition,
                        from,
                        low,
                        "kafka source: messages were deleted before they were read"
                    );
                    from = low;
                }
                let until = match cap {
                    Some(cap) => high.min(from.saturating_add(i64::try_from(cap).unwrap_or(i64::MAX))),
                    None => high,
                }
                .max(from);
                OffsetRange { partition, from, until }
            })
            .collect()
    }
}

/// Collects the messages of a set of ranges as they arrive, in any order of partitions.
pub(crate) struct Reader {
    /// Per range: the next offset wanted, and the records read.
    ranges: Vec<(OffsetRange, i64, Vec<String>)>,
}

impl Reader {
    pub fn new(ranges: &[OffsetRange]) -> Reader {
        Reader { ranges: ranges.iter().map(|&r| (r, r.from, Vec::new())).collect() }
    }

    /// Whether every range was read to its end.
    pub fn is_done(&self) -> bool {
        self.ranges.iter().all(|(r, next, _)| *next >= r.until)
    }

    /// Takes a message if it is the next one of its range (offsets may have gaps: compacted
    /// messages, transaction markers). A value that is not UTF-8 is counted as malformed
    /// and logged; its offset is consumed.
    pub fn message(&mut self, m: &BorrowedMessage<'_>, metrics: &Metrics, malformed: &mut u64, topic: &str) {
        let Some((r, next, records)) = self.ranges.iter_mut().find(|(r, _, _)| r.partition == m.partition())
        else {
            return;
        };
        let offset = m.offset();
        if offset < *next || offset >= r.until {
            return;
        }
        *next = offset + 1;
        let value = m.payload().unwrap_or_default();
        metrics.add_bytes_received(value.len() as u64);
        match std::str::from_utf8(value) {
            Ok(text) => records.push(text.to_owned()),
            Err(e) => {
                metrics.add_malformed_not_utf8(1);
                *malformed += 1;
                if *malformed <= LOG_FIRST_MALFORMED || *malformed % LOG_EVERY_MALFORMED == 0 {
                    tracing::warn!(
                        topic,
                        partition = m.partition(),
                        offset,
                        value_bytes = value.len(),
                        valid_up_to = e.valid_up_to(),
                        malformed_so_far = *malformed,
                        "kafka source: dropped a message whose value is not valid UTF-8"
                    );
                }
            }
        }
    }

    /// The consumer reached the end of `partition` as it was when the range was decided:
    /// whatever is missing of its range are gaps in the offsets.
    pub fn end_of_partition(&mut self, partition: i32) {
        if let Some((r, next, _)) = self.ranges.iter_mut().find(|(r, _, _)| r.partition == partition) {
            *next = (*next).max(r.until);
        }
    }

    /// The records in partition order, and the ranges read (shortened where a deadline came
    /// first).
    pub fn finish(self) -> (Vec<String>, Vec<OffsetRange>) {
        let mut records = Vec::new();
        let mut read = Vec::with_capacity(self.ranges.len());
        for (r, next, part) in self.ranges {
            records.extend(part);
            read.push(OffsetRange { until: next.min(r.until).max(r.from), ..r });
        }
        (records, read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_start_new_partitions_at_their_low_mark_and_respect_the_cap() {
        let mut positions = Positions::default();
        positions.set(0, 5);
        let ranges = positions.ranges(&[(0, 0, 100), (1, 3, 4)], &[Some(10), Some(10)]);
        assert_eq!(
            ranges,
            [
                OffsetRange { partition: 0, from: 5, until: 15 },
                OffsetRange { partition: 1, from: 3, until: 4 }
            ]
        );
    }

    #[test]
    fn a_position_deleted_by_retention_moves_to_the_low_mark() {
        let mut positions = Positions::default();
        positions.set(0, 2);
        assert_eq!(
            positions.ranges(&[(0, 7, 9)], &[None]),
            [OffsetRange { partition: 0, from: 7, until: 9 }]
        );
    }

    #[test]
    fn an_unread_range_finishes_empty_and_the_reader_is_done_only_when_all_are_read() {
        let ranges = [
            OffsetRange { partition: 0, from: 4, until: 6 },
            OffsetRange { partition: 1, from: 0, until: 0 },
        ];
        let reader = Reader::new(&ranges);
        assert!(!reader.is_done());
        let (records, read) = reader.finish();
        assert!(records.is_empty());
        assert_eq!(read, [OffsetRange { partition: 0, from: 4, until: 4 }, ranges[1]]);
    }
}
