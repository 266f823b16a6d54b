//! The moment a batch is cut. A program reaches it just before it cuts its sources: at once
//! for a program that takes its whole batch at the cut, and after absorbing the pieces that
//! arrived during the interval for one that runs its first stage on pieces (`pieces.rs`). The
//! batch's statistics, its processing time and the decision to stop all start there.

use super::BatchContext;
use crate::exec::Executor;
use crate::monitor::{self, BatchInfo};
use crate::time::clock::Clock;
use crate::time::{Duration, Time};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// While a program waits for pieces and none is ready, it sleeps this long (in ms) before it
/// looks again, or until the batch time if sooner: a piece waits at most about this much.
const PIECE_POLL_MS: u64 = 1;

/// How the batch loop reaches a batch's cut.
pub(crate) enum Due<'a> {
    /// At once (the test harness, a cluster's batch loop, which waited already).
    Now {
        /// Checkpoint this batch whatever the checkpoint interval (a graceful stop's last).
        force_checkpoint: bool,
    },
    /// At the batch time on `clock`, or earlier when `stop` or `abort` is set. A stop, or the
    /// batch limit's last batch, stops receiving before the cut and checkpoints the batch.
    At { clock: &'a dyn Clock, stop: &'a AtomicBool, abort: &'a AtomicBool, last_of_limit: bool },
}

/// What happened at the cut.
pub(crate) struct Reached {
    /// The job is stopping: this is its last batch (receiving stopped before the cut).
    pub(crate) stopping: bool,
    /// Stopped at once (an abort): the batch is not run.
    pub(crate) aborted: bool,
    /// When the cut was reached: the batch's processing starts here.
    pub(crate) at: std::time::Instant,
    /// How late the cut was after the batch time, in ms (0 for [`Due::Now`]).
    pub(crate) scheduling_ms: u64,
    /// The batch's statistics, started at the cut, if the job collects them.
    pub(crate) watched: Option<Arc<BatchInfo>>,
}

/// What a program sees of the cut: whether it is due, a short wait, and reaching it.
pub(crate) trait Gate {
    /// Whether the cut is due now (the batch time has come, or a stop was asked). Never waits.
    fn is_due(&self) -> bool;
    /// Waits a little (at most until the batch time) for more input to arrive.
    fn nap(&self);
    /// Reaches the cut: waits for it, decides whether the job stops (then calls
    /// `stop_sources` so that the cut holds everything received), and starts the batch's
    /// statistics and processing time. Returns `false` if the job stops at once (an abort):
    /// the batch must not run.
    fn reach(&mut self, ctx: &mut BatchContext<'_>, stop_sources: &mut dyn FnMut()) -> bool;
}

/// The cut of the batch at `time`, as [`Job::run_batch_at`](super::Job) lends it.
pub(crate) struct CutPoint<'a> {
    pub(super) due: Due<'a>,
    pub(super) time: Time,
    pub(super) exec: &'a Executor,
    pub(super) watch: &'a monitor::Watch,
    /// The checkpoint interval in ms and the job's zero time, if the job checkpoints.
    pub(super) checkpoints: Option<(u64, Time)>,
    /// Set once the cut is reached.
    pub(super) reached: Option<Reached>,
}

impl Gate for CutPoint<'_> {
    fn is_due(&self) -> bool {
        match &self.due {
            Due::Now { .. } => true,
            Due::At { clock, stop, abort, .. } => {
                clock.now() >= self.time || stop.load(Ordering::SeqCst) || abort.load(Ordering::SeqCst)
            }
        }
    }

    fn nap(&self) {
        if let Due::At { clock, .. } = &self.due {
            clock.wait_until(clock.now().plus(Duration::from_millis(PIECE_POLL_MS)).min(self.time));
        }
    }

    fn reach(&mut self, ctx: &mut BatchContext<'_>, stop_sources: &mut dyn FnMut()) -> bool {
        let (stopping, scheduling_ms) = match &self.due {
            Due::Now { force_checkpoint } => (*force_checkpoint, 0),
            Due::At { clock, stop, abort, last_of_limit } => {
                let signalled = !super::wait_until_or_stopped(*clock, self.time, stop);
                if abort.load(Ordering::SeqCst) {
                    self.reached = Some(Reached {
                        stopping: true,
                        aborted: true,
                        at: std::time::Instant::now(),
                        scheduling_ms: 0,
                        watched: None,
                    });
                    return false;
                }
                let stopping = signalled || *last_of_limit;
                if stopping {
                    // Stop receiving before the cut, so this last batch holds everything received.
                    tracing::info!("stopping: no longer receiving; running the last batch");
                    stop_sources();
                    self.watch.monitor.receivers_stopped();
                }
                (stopping, clock.now().as_millis().saturating_sub(self.time.as_millis()))
            }
        };
        let at = std::time::Instant::now();
        // On the wall clock a batch is due at its time (Spark's submission time); the harness's
        // manual clock is not the wall's, so there it is due when it runs.
        let submission_us =
            if self.watch.wall_clock { self.time.as_millis() * 1000 } else { monitor::now_us() };
        let watched = self
            .watch
            .collect
            .then(|| self.watch.monitor.batch_started(self.time.as_millis(), submission_us));
        self.exec.begin_batch();
        if watched.is_none() {
            self.exec.stages.stop_timing();
        }
        // The last batch of a graceful stop always checkpoints, so a restart resumes after it.
        let due = self.checkpoints.is_some_and(|(interval, zero)| {
            stopping || (self.time.as_millis() - zero.as_millis()) % interval == 0
        });
        if due {
            ctx.save_into.get_or_insert_with(BTreeMap::new);
        }
        self.reached = Some(Reached { stopping, aborted: false, at, scheduling_ms, watched });
        true
    }
}
