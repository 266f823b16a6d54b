//! How a source's batch is cut into the partitions of the first stage, and, in a cluster,
//! spread from the driver over every process ([`scatter_input`]).

use crate::exec::Executor;
use crate::text::{split_contiguous, Lines, TextBatch};

/// Partitions the batch of the job's source number `source` for the first stage, after
/// telling the executor its size (kept for the batch's statistics). In a cluster only the
/// driver's sources hold records: the other processes' batches are discarded (empty), and
/// [`scatter_input`] then sends them their partitions.
pub fn partition_input<'b, B: SourceBatch>(
    exec: &Executor,
    source: usize,
    batch: &'b mut B,
    n: usize,
) -> Vec<B::Part<'b>> {
    if exec.read_where_assigned(source) {
        return read_where_assigned(exec, source, batch, n);
    }
    if !exec.is_driver() {
        batch.discard();
    }
    exec.note_input_records(source, batch.records());
    batch.partitions(n)
}

/// The partitions of a batch this process read as its share of the source (`text_files`
/// in a cluster): cut among the partitions it owns, every other partition empty. The driver
/// notes the records of every process's share, for the batch's statistics.
fn read_where_assigned<'b, B: SourceBatch>(
    exec: &Executor,
    source: usize,
    batch: &'b mut B,
    n: usize,
) -> Vec<B::Part<'b>> {
    exec.note_input_records(source, exec.records_on_driver(batch.records()));
    let mine: Vec<usize> = (0..n).filter(|&j| exec.owns(j, n)).collect();
    let mut local = batch.partitions(mine.len()).into_iter();
    (0..n)
        .map(|j| if mine.contains(&j) { local.next().unwrap_or_default() } else { Default::default() })
        .collect()
}

/// Spreads the partitions of a source's batch over the processes of a cluster: the driver
/// sends each process the partitions it owns, and every process returns its own (the others
/// empty). In one process, `parts` as they are. Every process calls it for every source of
/// every batch, in the same order.
pub fn scatter_input<'e, P: Scatter<'e>>(exec: &'e Executor, source: usize, parts: Vec<P>) -> Vec<P> {
    if exec.read_where_assigned(source) {
        return parts;
    }
    P::scatter(exec, parts)
}

/// A partition of a source's batch that the driver can send to the process that owns it
/// (`exec::scatter`): with the `cluster` feature, a text partition or a `Vec` of records
/// that can cross between processes; without it, any partition.
#[diagnostic::on_unimplemented(
    message = "the records of a source batch `{Self}` cannot cross between the processes of a cluster",
    note = "with the `cluster` feature the driver sends each process its share of the sources' records: they must implement serde's `Serialize` and `Deserialize` (add `#[derive(serde::Serialize, serde::Deserialize)]` to your type)"
)]
pub trait Scatter<'e>: Sized {
    /// This process's partitions after the driver sent every process its own.
    fn scatter(exec: &'e Executor, parts: Vec<Self>) -> Vec<Self>;
}

#[cfg(not(feature = "cluster"))]
impl<P> Scatter<'_> for P {
    fn scatter(_: &Executor, parts: Vec<P>) -> Vec<P> {
        parts
    }
}

/// A batch that can be cut into partitions, one task each.
pub trait SourceBatch {
    /// One partition.
    type Part<'a>: Send + Default
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
