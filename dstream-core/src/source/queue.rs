//! The queue source (Spark's `queueStream`): one queued batch per batch time, for tests and
//! demonstrations. When the queue runs out every later batch is empty. A queue holds either
//! batches of records (`Vec<T>`) or batches of text lines ([`TextBatch`], what the socket and
//! file sources produce, so a text pipeline can be tested and measured without a server).

use super::{Source, SourceContext};
use crate::error::Result;
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
            .map_err(|_| crate::error::Error::Checkpoint("bad queue position".into()))?;
        for _ in 0..taken {
            self.batches.pop_front();
        }
        self.taken = taken;
        Ok(())
    }
}
