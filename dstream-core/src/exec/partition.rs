//! How a source's batch is cut into the partitions of the first stage.

use crate::exec::Executor;
use crate::text::{split_contiguous, Lines, TextBatch};

/// Partitions the batch of the job's source number `source` for the first stage, after
/// telling the executor its size (kept for the batch's statistics). In a cluster only the
/// driver's sources hold records: the other processes' batches are discarded (empty).
pub fn partition_input<'b, B: SourceBatch>(
    exec: &Executor,
    source: usize,
    batch: &'b mut B,
    n: usize,
) -> Vec<B::Part<'b>> {
    if !exec.is_driver() {
        batch.discard();
    }
    exec.note_input_records(source, batch.records());
    batch.partitions(n)
}

/// A batch that can be cut into partitions, one task each.
pub trait SourceBatch {
    /// One partition.
    type Part<'a>: Send
    where
        Self: 'a;

    /// Cuts the batch into `n` partitions, contiguous as Spark's `parallelize`.
    fn partitions(&mut self, n: usize) -> Vec<Self::Part<'_>>;

    /// Records in the batch, if known: a batch known to be small runs its stages on the batch
    /// thread (see [`Executor::note_source_records`]).
    fn records(&self) -> Option<usize> {
        None
    }

    /// Empties the batch: in a cluster only the driver feeds its sources' records to the
    /// first stage (the other processes run it on empty partitions).
    fn discard(&mut self);
}

impl SourceBatch for TextBatch {
    type Part<'a> = Lines<'a>;

    fn partitions(&mut self, n: usize) -> Vec<Lines<'_>> {
        TextBatch::partitions(self, n)
    }

    fn discard(&mut self) {
        self.clear();
    }

    fn records(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<T: Send> SourceBatch for Vec<T> {
    type Part<'a>
        = Vec<T>
    where
        T: 'a;

    fn partitions(&mut self, n: usize) -> Vec<Vec<T>> {
        split_contiguous(std::mem::take(self), n)
    }

    fn discard(&mut self) {
        self.clear();
    }

    fn records(&self) -> Option<usize> {
        Some(self.len())
    }
}
