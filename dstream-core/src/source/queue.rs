//! The queue source (Spark's `queueStream`): one queued batch per batch time, for tests and
//! demonstrations. When the queue runs out every later batch is empty.

use super::{Source, SourceContext};
use crate::error::Result;
use crate::time::Time;
use std::collections::VecDeque;

/// Hands out one queued batch per cut, then empty batches.
#[derive(Debug)]
pub struct QueueSource<T> {
    batches: VecDeque<Vec<T>>,
    /// Batches handed out so far: the position a checkpoint keeps.
    taken: u64,
    metrics: Option<crate::metrics::Metrics>,
}

impl<T> QueueSource<T> {
    /// A source that yields `batches` one per batch time, in order.
    pub fn new<B, I>(batches: B) -> QueueSource<T>
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

impl<T: Send + 'static> Source for QueueSource<T> {
    type Batch = Vec<T>;

    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.metrics = Some(ctx.metrics.clone());
        Ok(())
    }

    fn cut(&mut self, _time: Time) -> Vec<T> {
        let batch = self.batches.pop_front().unwrap_or_default();
        self.taken += 1;
        if let Some(m) = &self.metrics {
            m.add_records_received(batch.len() as u64);
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
