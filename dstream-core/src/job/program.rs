//! A job's program behind a trait object: its sources and the generated code of one batch.

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
    fn run_batch(&mut self, ctx: &mut BatchContext<'_>, input: Input<'_>) -> Result<()>;
    fn stop_receiving(&mut self);
    fn positions(&self) -> Vec<Option<Vec<u8>>>;
    fn restore_positions(&mut self, positions: &[Option<Vec<u8>>]) -> Result<()>;
    fn batch_completed(&mut self, time: Time) -> Result<()>;
    fn source_names(&self) -> Vec<&'static str>;
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    fn sources_read_where_assigned(&self) -> Vec<bool>;
}

pub(super) struct Compiled<S, F> {
    pub(super) sources: S,
    pub(super) runner: F,
    /// Whether the sources that cannot describe their cuts have been named in the log.
    pub(super) told_undescribed: bool,
}

impl<S: SourceSet, F> Compiled<S, F> {
    /// Names, once, the sources whose cuts the batch log cannot record.
    fn tell_undescribed(&mut self, selections: &[Option<Vec<u8>>]) {
        if std::mem::replace(&mut self.told_undescribed, true) {
            return;
        }
        for (index, name) in self.sources.names().into_iter().enumerate() {
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

impl<S, F> Program for Compiled<S, F>
where
    S: SourceSet,
    F: FnMut(&mut BatchContext<'_>, S::Batches) -> Result<()> + Send,
{
    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.sources.start(ctx)
    }

    fn run_batch(&mut self, ctx: &mut BatchContext<'_>, input: Input<'_>) -> Result<()> {
        let time = ctx.time();
        let batches = match input {
            Input::Cut => self.sources.cut(time),
            Input::Recut(selections) => self.sources.recut(time, selections)?,
            Input::CutAndLog(log) => {
                let batches = self.sources.cut(time);
                let selections = self.sources.selections();
                self.tell_undescribed(&selections);
                // Durable before any output of the batch: a re-run takes the same input.
                log.append(Entry { time, selections })?;
                batches
            }
        };
        (self.runner)(ctx, batches)
    }

    fn stop_receiving(&mut self) {
        self.sources.stop_receiving()
    }

    fn positions(&self) -> Vec<Option<Vec<u8>>> {
        self.sources.positions()
    }

    fn restore_positions(&mut self, positions: &[Option<Vec<u8>>]) -> Result<()> {
        self.sources.restore_positions(positions)
    }

    fn batch_completed(&mut self, time: Time) -> Result<()> {
        self.sources.batch_completed(time)
    }

    fn source_names(&self) -> Vec<&'static str> {
        self.sources.names()
    }

    fn sources_read_where_assigned(&self) -> Vec<bool> {
        self.sources.read_where_assigned()
    }
}
