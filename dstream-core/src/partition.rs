//! How a source's batch is cut into the partitions of the first stage.

use crate::text::{split_contiguous, Lines, TextBatch};

/// A batch that can be cut into partitions, one task each.
pub trait SourceBatch {
    /// One partition.
    type Part<'a>: Send
    where
        Self: 'a;

    /// Cuts the batch into `n` partitions, contiguous as Spark's `parallelize`.
    fn partitions(&mut self, n: usize) -> Vec<Self::Part<'_>>;
}

impl SourceBatch for TextBatch {
    type Part<'a> = Lines<'a>;

    fn partitions(&mut self, n: usize) -> Vec<Lines<'_>> {
        TextBatch::partitions(self, n)
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
}
