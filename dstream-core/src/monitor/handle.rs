//! A running job's handle (Spark's `StreamingContext` once started): read its statistics,
//! stop it gracefully or at once, wait for it to end.

use super::{Monitor, StreamingStatistics};
use crate::error::{Error, Result};
use crate::job::Job;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration as StdDuration;

/// A job running on a thread of its own, from [`Job::start`].
///
/// Dropping the handle does not stop the job (stop it with [`JobHandle::stop`]), but stops
/// its web UI, which lives as long as the handle.
#[derive(Debug)]
pub struct JobHandle {
    monitor: Monitor,
    stop: Arc<AtomicBool>,
    abort: Arc<AtomicBool>,
    done: crossbeam_channel::Receiver<Result<()>>,
    /// The job's result, once received.
    result: Option<Result<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The web UI: it lives as long as the handle, so that the final figures of a job that
    /// has ended can still be read.
    #[allow(dead_code)]
    ui: Option<super::Ui>,
}

impl Job {
    /// Starts the job on a thread of its own and returns its handle. Everything before the
    /// first batch (start checks, recovery from a checkpoint, the web UI, the sources) runs
    /// here, so an error there is returned at once. Ctrl-C and SIGTERM stop it gracefully,
    /// as with [`Job::run`].
    ///
    /// In a cluster (docs/cluster.md) joining it (waiting for the peers) runs here too; the
    /// handle's statistics are this process's (on the driver, the whole batches'), and a
    /// stop, graceful or not, stops the whole cluster gracefully.
    pub fn start(mut self) -> Result<JobHandle> {
        if let Some(config) = self.take_cluster()? {
            return self.start_in_cluster(config);
        }
        let mut started = self.prepare()?;
        let ui = started.ui.take();
        let monitor = self.monitor();
        let stop = self.stop_handle();
        let abort = Arc::new(AtomicBool::new(false));
        let (sender, done) = crossbeam_channel::bounded(1);
        let job_abort = Arc::clone(&abort);
        let thread = std::thread::Builder::new().name("dstream-job".into()).spawn(move || {
            let result = self.run_batches(started, &job_abort);
            let _ = sender.send(result);
        })?;
        Ok(JobHandle { monitor, stop, abort, done, result: None, thread: Some(thread), ui })
    }
}

impl Job {
    /// [`Job::start`] for one process of a cluster.
    fn start_in_cluster(self, config: crate::cluster::ClusterConfig) -> Result<JobHandle> {
        let monitor = self.monitor();
        let stop = self.stop_handle();
        let run = crate::cluster::join(self, config)?;
        let (sender, done) = crossbeam_channel::bounded(1);
        let thread = std::thread::Builder::new().name("dstream-job".into()).spawn(move || {
            let _ = sender.send(run());
        })?;
        let abort = Arc::new(AtomicBool::new(false));
        Ok(JobHandle { monitor, stop, abort, done, result: None, thread: Some(thread), ui: None })
    }
}

impl JobHandle {
    /// The running figures (Spark's `StreamingStatistics`).
    pub fn statistics(&self) -> StreamingStatistics {
        self.monitor.statistics()
    }

    /// Everything the job records: batches, receivers, state sizes, checkpoints.
    pub fn monitor(&self) -> &Monitor {
        &self.monitor
    }

    /// Where the web UI listens (`None` without one).
    pub fn ui_address(&self) -> Option<std::net::SocketAddr> {
        self.monitor.ui_address()
    }

    /// Asks the job to stop. Graceful (Spark's `stop(stopGracefully = true)`): stop
    /// receiving, run one last batch with everything received, checkpoint, end — what Ctrl-C
    /// does. Not graceful: end after the batch running now, without processing what was
    /// received since. Returns at once; wait with [`JobHandle::await_termination`].
    pub fn stop(&self, graceful: bool) {
        if !graceful {
            self.abort.store(true, Ordering::SeqCst);
        }
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Waits until the job ends, and returns how it ended.
    pub fn await_termination(mut self) -> Result<()> {
        self.wait(None);
        self.finish()
    }

    /// Waits up to `timeout` for the job to end: `Ok(true)` if it ended well, `Ok(false)` if
    /// it still runs, the job's error if it failed (Spark's `awaitTerminationOrTimeout`).
    pub fn await_termination_or_timeout(&mut self, timeout: StdDuration) -> Result<bool> {
        if !self.wait(Some(timeout)) {
            return Ok(false);
        }
        // The error goes to the first caller that sees it; later calls see a job that ended.
        match self.result.replace(Ok(())) {
            Some(Err(e)) => Err(e),
            _ => Ok(true),
        }
    }

    /// Waits for the job's result; `false` if `timeout` passed first.
    fn wait(&mut self, timeout: Option<StdDuration>) -> bool {
        if self.result.is_some() {
            return true;
        }
        let received = match timeout {
            Some(timeout) => match self.done.recv_timeout(timeout) {
                Ok(result) => Some(result),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => return false,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => None,
            },
            None => self.done.recv().ok(),
        };
        // The thread dropped its sender without a result: it panicked.
        self.result = Some(received.unwrap_or_else(|| Err(Error::Panicked("the job's thread".into()))));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        true
    }

    fn finish(&mut self) -> Result<()> {
        self.result.take().unwrap_or(Ok(()))
    }
}
