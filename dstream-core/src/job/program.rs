//! A job's program behind a trait object: its sources and the generated code of one batch.

use super::cut::Gate;
use super::BatchContext;
use crate::error::Result;
use crate::persist::batch_log::{BatchLog, Entry};
use crate::source::set::SourceSet;
use crate::source::SourceContext;
use crate::time::Time;

/// Where a batch's input comes from.
pub(super) enum Input<'a> {
    /// Cut the sources afresh.
    Cut,
    /// Cut the sources afresh and record what they took in the batch log, durably, before
    /// the batch runs.
    CutAndLog(&'a mut BatchLog),
    /// Take again what the batch log recorded for this batch time on its first run.
    Recut(&'a [Option<Vec<u8>>]),
}

/// A job's program: its sources and the generated code that runs one batch.
pub(super) trait Program: Send {
    fn start(&mut self, ctx: &SourceContext) -> Result<()>;
    /// Runs one batch: reaches its `cut` (see [`Gate::reach`]), takes its input, runs it.
    fn run_batch(&mut self, ctx: &mut BatchContext<'_>, input: Input<'_>, cut: &mut dyn Gate) -> Result<()>;
    fn stop_receiving(&mut self);
    fn positions(&self) -> Vec<Option<Vec<u8>>>;
    fn restore_positions(&mut self, positions: &[Option<Vec<u8>>]) -> Result<()>;
    fn batch_completed(&mut self, time: Time) -> Result<()>;
    fn source_names(&self) -> Vec<&'static str>;
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    fn sources_read_where_assigned(&self) -> Vec<bool>;
}

/// How a program's generated code takes its batch: whole at the cut ([`Whole`]), or in
/// pieces while the interval fills (`pieces::InPieces`).
pub(super) trait Runner<S: SourceSet>: Send {
    fn run(
        &mut self,
        sources: &mut Sources<S>,
        ctx: &mut BatchContext<'_>,
        input: Input<'_>,
        cut: &mut dyn Gate,
    ) -> Result<()>;
}

/// The generated code of a program that takes its whole batch at the cut.
pub(super) struct Whole<F>(pub(super) F);

impl<S, F> Runner<S> for Whole<F>
where
    S: SourceSet,
    F: FnMut(&mut BatchContext<'_>, S::Batches) -> Result<()> + Send,
{
    fn run(
        &mut self,
        sources: &mut Sources<S>,
        ctx: &mut BatchContext<'_>,
        input: Input<'_>,
        cut: &mut dyn Gate,
    ) -> Result<()> {
        if !cut.reach(ctx, &mut || sources.set.stop_receiving()) {
            return Ok(());
        }
        let batches = sources.take(ctx.time(), input)?;
        (self.0)(ctx, batches)
    }
}

/// A program's sources, and whether those that cannot describe their cuts were named.
pub(super) struct Sources<S> {
    pub(super) set: S,
    /// Whether the sources that cannot describe their cuts have been named in the log.
    told_undescribed: bool,
}

impl<S: SourceSet> Sources<S> {
    pub(super) fn new(set: S) -> Sources<S> {
        Sources { set, told_undescribed: false }
    }

    /// Takes the batch at `time` as `input` says: a cut, a cut recorded in the batch log, or
    /// a re-cut of a recorded one.
    pub(super) fn take(&mut self, time: Time, input: Input<'_>) -> Result<S::Batches> {
        Ok(match input {
            Input::Cut => self.set.cut(time),
            Input::Recut(selections) => self.set.recut(time, selections)?,
            Input::CutAndLog(log) => {
                let batches = self.set.cut(time);
                let selections = self.set.selections();
                self.tell_undescribed(&selections);
                // Durable before any output of the batch: a re-run takes the same input.
                log.append(Entry { time, selections })?;
                batches
            }
        })
    }

    /// Names, once, the sources whose cuts the batch log cannot record.
    fn tell_undescribed(&mut self, selections: &[Option<Vec<u8>>]) {
        if std::mem::replace(&mut self.told_undescribed, true) {
            return;
        }
        for (index, name) in self.set.names().into_iter().enumerate() {
            if selections.get(index).is_none_or(Option::is_none) {
                tracing::warn!(
                    source = index,
                    kind = name,
                    "this source cannot describe its cuts: after a crash, the batches that run again \
                     cut it afresh and may see other input than their first run (at least once or at \
                     most once for its records, not exactly once)"
                );
            }
        }
    }
}

/// A compiled program: its sources and its generated code.
pub(super) struct Compiled<S, R> {
    pub(super) sources: Sources<S>,
    pub(super) runner: R,
}

impl<S, R> Program for Compiled<S, R>
where
    S: SourceSet,
    R: Runner<S>,
{
    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.sources.set.start(ctx)
    }

    fn run_batch(&mut self, ctx: &mut BatchContext<'_>, input: Input<'_>, cut: &mut dyn Gate) -> Result<()> {
        self.runner.run(&mut self.sources, ctx, input, cut)
    }

    fn stop_receiving(&mut self) {
        self.sources.set.stop_receiving()
    }

    fn positions(&self) -> Vec<Option<Vec<u8>>> {
        self.sources.set.positions()
    }

    fn restore_positions(&mut self, positions: &[Option<Vec<u8>>]) -> Result<()> {
        self.sources.set.restore_positions(positions)
    }

    fn batch_completed(&mut self, time: Time) -> Result<()> {
        self.sources.set.batch_completed(time)
    }

    fn source_names(&self) -> Vec<&'static str> {
        self.sources.set.names()
    }

    fn sources_read_where_assigned(&self) -> Vec<bool> {
        self.sources.set.read_where_assigned()
    }
}
