//! Pieces: a program whose first stage can run on parts of a batch (narrow operators up to a
//! map-side combine, on a source that hands over pieces) absorbs the pieces of a batch while
//! its interval fills, and runs only the rest at the cut.
//!
//! The generated code of such a program gets a [`Feed`] instead of its batch. It asks it for
//! pieces ([`Feed::next_piece`]) until the cut is due, runs its first stage on each into one
//! map-side table per partition, then takes the rest of the batch ([`Feed::rest`]: the cut),
//! runs the first stage on it into the same tables, and goes on as a whole batch would (the
//! exchange, the reduce side, the outputs, in batch order). The pieces stay in a
//! [`Pieces`] arena until the batch ends, so that the tables' keys can borrow their text while
//! more arrive: each piece is set once in a cell of its own, in safe Rust.
//!
//! Which batch a record belongs to does not change: a piece holds records that the cut
//! would have taken (see [`Source::take_piece`]), and a batch's output is the same with or
//! without pieces for an associative and commutative reduction (as Spark asks of
//! `reduceByKey`'s function: the values of a key are combined in another order).

use super::cut::Gate;
use super::program::{Compiled, Input, Runner, Sources};
use super::{BatchContext, Explain, Job};
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::source::set::SourceSet;
use crate::source::Source;
use crate::text::{Lines, TextBatch};
use crate::time::{Duration, Time};
use std::cell::{Cell, OnceCell};

/// Most pieces a batch keeps (the cut takes whatever arrives after them): with the socket
/// source's smallest pieces (2 MiB), 2 GiB per batch.
const MAX_PIECES: usize = 1024;

/// The pieces of one batch, and its rest, kept until the batch ends: a cell each, set once,
/// so that a piece can be borrowed while more are added.
pub struct Pieces<T> {
    cells: Vec<OnceCell<T>>,
    used: Cell<usize>,
}

impl<T> Default for Pieces<T> {
    fn default() -> Pieces<T> {
        Pieces { cells: (0..=MAX_PIECES).map(|_| OnceCell::new()).collect(), used: Cell::new(0) }
    }
}

impl<T> Pieces<T> {
    /// Whether only the cell kept for the rest is left.
    fn is_full(&self) -> bool {
        self.used.get() + 1 >= self.cells.len()
    }

    /// Keeps `value` in the next cell; `None` if every cell is used.
    fn keep(&self, value: T) -> Option<&T> {
        let cell = self.cells.get(self.used.get())?;
        self.used.set(self.used.get() + 1);
        Some(cell.get_or_init(|| value))
    }
}

/// What the generated code of a program that runs on pieces gets instead of its batch: the
/// pieces of the batch while its interval fills, then the rest at the cut.
pub struct Feed<'f, S: Source> {
    sources: &'f mut Sources<(S,)>,
    cut: &'f mut dyn Gate,
    input: Option<Input<'f>>,
    time: Time,
    /// Whether pieces are taken: not for a batch taken again from the batch log (its input
    /// is the recorded cut), nor in a cluster (the driver spreads the batch at the cut).
    on: bool,
    /// Records in the pieces handed over so far.
    absorbed: usize,
}

impl<S: Source<Batch = TextBatch>> Feed<'_, S> {
    /// The next piece of the batch, kept in `pieces`: one that is ready, else waits (in short
    /// naps) for one until the cut is due; `None` once it is.
    pub fn next_piece<'a>(&mut self, pieces: &'a Pieces<TextBatch>) -> Option<&'a TextBatch> {
        if !self.on {
            return None;
        }
        loop {
            if pieces.is_full() {
                return None;
            }
            if let Some(piece) = self.sources.set.0.take_piece(self.time) {
                self.absorbed += piece.len();
                return pieces.keep(piece);
            }
            if self.cut.is_due() {
                return None;
            }
            self.cut.nap();
        }
    }

    /// The cut: reaches it (the batch's processing starts here), takes the rest of the batch
    /// and keeps it in `pieces`. An error if the job stopped at once instead.
    pub fn rest<'a>(
        &mut self,
        ctx: &mut BatchContext<'_>,
        pieces: &'a Pieces<TextBatch>,
    ) -> Result<&'a TextBatch> {
        let sources = &mut *self.sources;
        if !self.cut.reach(ctx, &mut || sources.set.stop_receiving()) {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "the job stopped at once, before this batch's cut",
            )));
        }
        let (rest,) = sources.take(self.time, self.input.take().unwrap_or(Input::Cut))?;
        pieces.keep(rest).ok_or_else(|| Error::Config("a batch kept more pieces than it has room for".into()))
    }

    /// Partitions `rest` for the first stage, after telling the executor the records of the
    /// whole batch (its pieces and its rest), for the batch's statistics.
    pub fn rest_parts<'a>(&self, exec: &Executor, rest: &'a TextBatch, n: usize) -> Vec<Lines<'a>> {
        exec.note_input_records(0, Some(self.absorbed + rest.len()));
        rest.partitions(n)
    }
}

/// The partitions of a piece, each with its partition's map-side table. The piece's stage is
/// timed and sized on its own (it runs on the pool when the piece is large); the batch's
/// statistics start at the cut and forget it.
pub fn piece_parts<'a, 's, T>(
    exec: &Executor,
    piece: &'a TextBatch,
    tables: &'s mut [Option<T>],
) -> Vec<(Lines<'a>, &'s mut Option<T>)> {
    exec.begin_batch();
    exec.note_source_records(Some(piece.len()));
    with_tables(piece.partitions(tables.len()), tables)
}

/// Each of `parts` with its partition's map-side table.
pub fn with_tables<P, T>(parts: Vec<P>, tables: &mut [Option<T>]) -> Vec<(P, &mut Option<T>)> {
    parts.into_iter().zip(tables.iter_mut()).collect()
}

/// The task of a stage that runs on pieces, as generated: it feeds a partition of a piece (or
/// of the rest) into its partition's table. Gives the closure its signature, so that its
/// partitions borrow the batch's `pieces` and its tables keep their keys across pieces.
pub fn task<'a, T, F>(pieces: &'a Pieces<TextBatch>, task: F) -> F
where
    F: Fn(Lines<'a>, &mut Option<T>) + Sync,
{
    let _ = pieces;
    task
}

/// One empty map-side table per partition.
pub fn tables<T>(n: usize) -> Vec<Option<T>> {
    (0..n).map(|_| None).collect()
}

/// The generated code of a program that runs its first stage on pieces.
pub(super) struct InPieces<F>(pub(super) F);

impl<S, F> Runner<(S,)> for InPieces<F>
where
    S: Source,
    F: FnMut(&mut BatchContext<'_>, &mut Feed<'_, S>) -> Result<()> + Send,
{
    fn run(
        &mut self,
        sources: &mut Sources<(S,)>,
        ctx: &mut BatchContext<'_>,
        input: Input<'_>,
        cut: &mut dyn Gate,
    ) -> Result<()> {
        let on = !matches!(input, Input::Recut(_)) && !ctx.exec().in_cluster();
        let time = ctx.time();
        let mut feed = Feed { sources, cut, input: Some(input), time, on, absorbed: 0 };
        (self.0)(ctx, &mut feed)
    }
}

impl Job {
    /// Builds a job whose generated code runs its first stage on pieces of its one source's
    /// batches (see `job/pieces.rs`). Generated by `stream!`; not meant to be called by hand.
    #[doc(hidden)]
    pub fn new_pieced<S, F>(batch_interval: Duration, explain: Explain, source: S, runner: F) -> Job
    where
        S: Source,
        F: FnMut(&mut BatchContext<'_>, &mut Feed<'_, S>) -> Result<()> + Send + 'static,
    {
        let program = Compiled { sources: Sources::new((source,)), runner: InPieces(runner) };
        Job::with_program(batch_interval, explain, Box::new(program))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_stay_borrowed_while_more_are_kept_and_the_last_cell_is_the_rests() {
        let pieces = Pieces::<String>::default();
        let first = pieces.keep("a".to_string()).unwrap();
        let mut borrowed = vec![first.as_str()];
        while !pieces.is_full() {
            borrowed.push(pieces.keep("b".to_string()).unwrap());
        }
        assert_eq!(borrowed.len(), MAX_PIECES);
        assert_eq!(borrowed[0], "a");
        assert_eq!(pieces.keep("rest".to_string()).map(String::as_str), Some("rest"));
        assert_eq!(pieces.keep("more".to_string()), None);
    }
}
