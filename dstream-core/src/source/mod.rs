//! Sources: where a job's records come from.
//!
//! A source runs its receiving on its own threads (if it has any) and hands the batch loop
//! everything that arrived in a batch's interval when the loop cuts that batch. What a
//! receiver holds is bounded (the socket's buffer, in bytes), so a slow job pushes back on
//! its inputs instead of buffering without limit. [`rate`] paces receivers: a maximum rate,
//! and backpressure from the batches' delays.

#[cfg(any(feature = "kafka", feature = "nats"))]
mod completions;
pub mod files;
pub mod kafka;
pub mod nats;
pub mod queue;
pub mod rate;
pub(crate) mod set;
pub mod socket;
#[cfg(any(not(feature = "kafka"), not(feature = "nats")))]
#[doc(hidden)]
pub mod unavailable;

use crate::error::Result;
use crate::time::clock::Clock;
use crate::time::Time;
use crate::ui::metrics::Metrics;
use std::sync::Arc;

/// What a running job lends its sources.
#[derive(Clone)]
pub struct SourceContext {
    /// The job's clock; receivers stamp what they receive with it.
    pub clock: Arc<dyn Clock>,
    /// The job's counters.
    pub metrics: Metrics,
    /// The job's flow control: a receiver registers with it to learn the rate it may take
    /// in (see [`rate`]).
    pub rate: rate::RateControl,
    /// This process's index in its cluster (`docs/cluster.md`; 0 in one process): a source
    /// read on every process ([`Source::read_where_assigned`]) reads the share of this index.
    pub process: usize,
    /// The number of processes of the cluster (1 in one process).
    pub processes: usize,
}

impl SourceContext {
    /// A context with `clock` and `metrics`, without flow control (no rate limits): for a
    /// source started outside a job.
    pub fn new(clock: Arc<dyn Clock>, metrics: Metrics) -> SourceContext {
        SourceContext { clock, metrics, rate: rate::RateControl::default(), process: 0, processes: 1 }
    }

    /// The context of the job's source number `source`: counters of its own, which also count
    /// into the job's (see [`Metrics::for_source`]).
    pub fn for_source(&self, source: usize) -> SourceContext {
        SourceContext {
            clock: Arc::clone(&self.clock),
            metrics: self.metrics.for_source(source),
            rate: self.rate.clone(),
            process: self.process,
            processes: self.processes,
        }
    }
}

/// An input stream of a job. Implement it for your own receiver and start a program with
/// `source(my_receiver)` (Spark's `receiverStream`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dstream source",
    label = "`source(..)` takes a value implementing `dstream::source::Source`",
    note = "the built-in sources are `socket(host, port)`, `text_files(dir)` and `queue(batches)`"
)]
pub trait Source: Send + 'static {
    /// The data of one batch, handed to the job's first stage.
    type Batch: Send;

    /// Starts receiving. Called once, before the first batch is cut.
    fn start(&mut self, ctx: &SourceContext) -> Result<()>;

    /// Hands over everything received up to and including `time` that no earlier cut took.
    fn cut(&mut self, time: Time) -> Self::Batch;

    /// A piece of the batch at `time`, handed over before its cut, if one is ready: lines
    /// that the cut at `time` would take, in order, and never taken again; the cut then hands
    /// over the rest. Nothing may be lost or counted twice: pieces and the cut together hold
    /// exactly what the cut alone would have (and, for a source that describes its cuts, the
    /// cut's [`Source::selection`] covers its pieces). A job whose first stage can run on
    /// parts of a batch asks for pieces while the batch's interval fills, so that little is
    /// left to do at the cut (see `docs/operating.md`, "Pieces").
    ///
    /// The default has none: the cut hands over everything. The socket source has them.
    fn take_piece(&mut self, time: Time) -> Option<Self::Batch> {
        let _ = time;
        None
    }

    /// Whether every process of a cluster starts and cuts this source, each reading its own
    /// share of the input (`text_files` splits new files by name), instead of the driver
    /// alone reading it and spreading its records (the default: socket, queue, ...). A source
    /// that says yes reads the share of [`SourceContext::process`] in its `cut`s.
    fn read_where_assigned(&self) -> bool {
        false
    }

    /// Stops receiving new data (the first step of a graceful stop). Data already received
    /// is still handed over by later cuts.
    fn stop_receiving(&mut self);

    /// Where the source stands after the last cut, for a checkpoint: what a restarted job
    /// needs to hand over exactly the data that follows (for example the files already
    /// read). `None` for a source that cannot resume.
    fn position(&self) -> Option<Vec<u8>> {
        None
    }

    /// Resumes from a position saved by [`Source::position`]. Called before `start`.
    fn restore_position(&mut self, _position: &[u8]) -> Result<()> {
        Ok(())
    }

    /// What the last [`Source::cut`] (or [`Source::recut`]) took, described so that
    /// [`Source::recut`] can take exactly the same input again: for example the names of the
    /// files read, or a range of write-ahead-log blocks. With checkpointing on, the job
    /// records it durably before the batch runs; a batch run again after a crash is then
    /// re-cut from it, so that a batch time always means the same input.
    ///
    /// `None` (the default): the source cannot describe its cuts. A batch run again after a
    /// crash then cuts it afresh, and may see other input than its first run: the job warns
    /// at its first checkpointed batch, and a sink that commits by batch time is no longer exactly once
    /// for this source's records.
    fn selection(&self) -> Option<Vec<u8>> {
        None
    }

    /// Takes again exactly the input that a cut described by `selection` (from
    /// [`Source::selection`]) took at `time`, and moves the source's position past it as that
    /// cut did. Called, instead of `cut`, for the batches after the recovered checkpoint that
    /// ran before the crash, in order and after `start`.
    ///
    /// The default cuts afresh (for a source whose `selection` is `None` it is never called):
    /// a source that describes its cuts must implement both.
    fn recut(&mut self, time: Time, selection: &[u8]) -> Result<Self::Batch> {
        let _ = selection;
        Ok(self.cut(time))
    }

    /// Called after the batch at `time` ran and every output of it was written (and, with
    /// checkpointing, after its input was logged). A source that acknowledges what it read
    /// (a message queue's consumer, a Kafka consumer group's committed offsets) does it here,
    /// so that nothing is acknowledged before the outputs that consumed it are committed.
    /// The default does nothing.
    fn batch_completed(&mut self, time: Time) -> Result<()> {
        let _ = time;
        Ok(())
    }
}
