//! The queue source (Spark's `queueStream`): one queued batch per batch time, for tests and
//! demonstrations. When the queue runs out every later batch is empty. A queue holds either
//! batches of records (`Vec<T>`) or batches of text lines ([`TextBatch`], what the socket and
//! file sources produce, so a text pipeline can be tested and measured without a server).

use super::{Source, SourceContext};
use crate::error::{Error, Result};
use crate::text::TextBatch;
use crate::time::Time;
use std::collections::VecDeque;

/// A batch a queue can hold.
pub trait QueuedBatch: Default + Send + 'static {
    /// Records in the batch (for the received-records counter).
    fn records(&self) -> usize;
}

impl<T: Send + 'static> QueuedBatch for Vec<T> {
    fn records(&self) -> usize {
        self.len()
    }
}

impl QueuedBatch for TextBatch {
    fn records(&self) -> usize {
        self.len()
    }
}

/// Hands out one queued batch per cut, then empty batches.
#[derive(Debug)]
pub struct QueueSource<B> {
    batches: VecDeque<B>,
    /// Batches handed out so far: the position a checkpoint keeps.
    taken: u64,
    metrics: Option<crate::ui::metrics::Metrics>,
}

impl<T> QueueSource<Vec<T>> {
    /// A source that yields `batches` one per batch time, in order.
    pub fn new<B, I>(batches: B) -> QueueSource<Vec<T>>
    where
        B: IntoIterator<Item = I>,
        I: IntoIterator<Item = T>,
    {
        QueueSource {
            batches: batches.into_iter().map(|b| b.into_iter().collect()).collect(),
            metrics: None,
            taken: 0,
        }
    }
}

impl QueueSource<TextBatch> {
    /// A source that yields batches of text lines one per batch time, in order: the records
    /// are `&str` slices of each batch's buffer, as from `socket` and `text_files`.
    ///
    /// ```
    /// use dstream_core::source::queue::QueueSource;
    /// use dstream_core::text::TextBatch;
    /// let mut batch = TextBatch::new();
    /// batch.push_line("to be or not to be");
    /// let source = QueueSource::text([batch]);
    /// # let _ = source;
    /// ```
    pub fn text(batches: impl IntoIterator<Item = TextBatch>) -> QueueSource<TextBatch> {
        QueueSource { batches: batches.into_iter().collect(), metrics: None, taken: 0 }
    }
}

impl<B: QueuedBatch> Source for QueueSource<B> {
    type Batch = B;

    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.metrics = Some(ctx.metrics.clone());
        Ok(())
    }

    fn cut(&mut self, _time: Time) -> B {
        let batch = self.batches.pop_front().unwrap_or_default();
        self.taken += 1;
        if let Some(m) = &self.metrics {
            m.add_records_received(batch.records() as u64);
        }
        batch
    }

    fn stop_receiving(&mut self) {}

    /// The number of batches handed out: a restarted job skips them (Spark's queue stream
    /// cannot be checkpointed; here the queue is rebuilt from the program, so it can).
    fn position(&self) -> Option<Vec<u8>> {
        Some(self.taken.to_le_bytes().to_vec())
    }

    fn restore_position(&mut self, position: &[u8]) -> Result<()> {
        let taken = position
            .try_into()
            .map(u64::from_le_bytes)
            .map_err(|_| Error::Checkpoint("bad queue position".into()))?;
        for _ in 0..taken {
            self.batches.pop_front();
        }
        self.taken = taken;
        Ok(())
    }

    /// The index of the queued batch the last cut handed out (8 bytes, little-endian).
    fn selection(&self) -> Option<Vec<u8>> {
        Some(self.taken.checked_sub(1)?.to_le_bytes().to_vec())
    }

    /// Hands out the queued batch of the recorded index again: the queue is rebuilt from the
    /// program, so the batch is the same one.
    fn recut(&mut self, time: Time, selection: &[u8]) -> Result<B> {
        let index = selection.try_into().map(u64::from_le_bytes).map_err(|_| {
            Error::Checkpoint(format!("bad queue selection in the batch log for batch {time}"))
        })?;
        if index < self.taken {
            return Err(Error::Checkpoint(format!(
                "the batch log says batch {time} took queued batch {index}, but {} were already taken: \
                 did the program's sources change? Restore the old program, or start from a new checkpoint directory",
                self.taken
            )));
        }
        while self.taken < index {
            self.batches.pop_front();
            self.taken += 1;
        }
        Ok(self.cut(time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recut_hands_out_the_recorded_queued_batch_again() {
        let batches = || QueueSource::new(vec![vec![1], vec![2], vec![3]]);
        let mut first = batches();
        assert_eq!(first.selection(), None, "nothing cut yet");
        assert_eq!(first.cut(Time::from_millis(1000)), [1]);
        let position = first.position().unwrap();
        assert_eq!(first.cut(Time::from_millis(2000)), [2]);
        let second = first.selection().unwrap();
        assert_eq!(first.cut(Time::from_millis(3000)), [3]);
        let third = first.selection().unwrap();

        let mut again = batches();
        again.restore_position(&position).unwrap();
        assert_eq!(again.recut(Time::from_millis(2000), &second).unwrap(), [2]);
        assert_eq!(again.recut(Time::from_millis(3000), &third).unwrap(), [3]);
        assert!(again.recut(Time::from_millis(3000), &second).is_err(), "cannot go back");
        assert!(again.recut(Time::from_millis(3000), b"bad").is_err());
    }
}
