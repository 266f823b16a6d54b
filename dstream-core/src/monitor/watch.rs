//! What a job keeps for watching it: its statistics, listeners, name and UI setting, with
//! the [`Job`] methods that set them.

use super::{BatchInfo, Monitor, StreamingListener};
use crate::error::Result;
use crate::job::Job;
use crate::ui::metrics::Metrics;
use std::sync::Arc;

/// Where the web UI goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UiChoice {
    /// `DSTREAM_UI_PORT` if set, else 127.0.0.1:4040 or the next free port.
    Default,
    /// No UI.
    Off,
    /// Exactly this address (port 0: any free port).
    At(String),
}

/// The web UI of a running job, served until it is dropped.
#[cfg(feature = "ui")]
pub(crate) type Ui = super::web::UiServer;
/// Without the `ui` feature there is no UI.
#[cfg(not(feature = "ui"))]
pub(crate) type Ui = ();

/// A job's statistics, listeners and UI setting.
pub(crate) struct Watch {
    pub(crate) monitor: Monitor,
    pub(crate) listeners: Vec<Box<dyn StreamingListener>>,
    /// Whether batch times are wall-clock times (`Job::run`), not a test's manual clock.
    pub(crate) wall_clock: bool,
    /// The statistics of the batch that ran last.
    pub(crate) last_batch: Option<Arc<BatchInfo>>,
    pub(crate) ui: UiChoice,
    /// Whether batches are recorded (always, except to measure what recording costs).
    pub(crate) collect: bool,
    interval_ms: u64,
    metrics: Metrics,
}

impl Watch {
    /// For a job with batch interval `interval_ms` and counters `metrics`, named after the
    /// executable.
    pub(crate) fn new(interval_ms: u64, metrics: Metrics) -> Watch {
        Watch {
            monitor: Monitor::new(default_name(), interval_ms, metrics.clone()),
            listeners: Vec::new(),
            wall_clock: false,
            last_batch: None,
            ui: UiChoice::Default,
            collect: true,
            interval_ms,
            metrics,
        }
    }

    /// Starts the web UI as chosen, and logs its address.
    #[cfg(feature = "ui")]
    pub(crate) fn start_ui(&self) -> Result<Option<Ui>> {
        super::web::UiServer::start_as(&self.ui, self.monitor.clone())
    }

    /// Without the `ui` feature: says so if a UI was asked for.
    #[cfg(not(feature = "ui"))]
    pub(crate) fn start_ui(&self) -> Result<Option<Ui>> {
        if let UiChoice::At(address) = &self.ui {
            tracing::warn!(%address, "no web UI: dstream was built without its `ui` feature");
        }
        Ok(None)
    }
}

/// The executable's file stem: `wordcount` for `target/debug/wordcount`.
fn default_name() -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe.as_deref().and_then(std::path::Path::file_stem).map(|s| s.to_string_lossy().into_owned());
    stem.unwrap_or_else(|| "dstream".to_string())
}

impl Job {
    /// Names the job (Spark's application name): in the logs, the UI, the JSON API's
    /// application list and the metrics, and in what exactly-once outputs record with each
    /// batch time (so two jobs writing into one table keep apart: keep it stable across
    /// restarts). Default: the executable's file name without extension.
    pub fn with_name(mut self, name: impl Into<String>) -> Job {
        self.watch.monitor = Monitor::new(name.into(), self.watch.interval_ms, self.watch.metrics.clone());
        self
    }

    /// The job's name ([`Job::with_name`]).
    pub fn name(&self) -> &str {
        self.watch.monitor.job_name()
    }

    /// Serves the web UI on `address` (`127.0.0.1:0`: any free port; the job logs the one it
    /// got, and [`Monitor::ui_address`] tells it). Without the `ui` feature, warns and
    /// serves nothing.
    pub fn with_ui(mut self, address: impl Into<String>) -> Job {
        self.watch.ui = UiChoice::At(address.into());
        self
    }

    /// Records no batch statistics (no progress log, listeners see no batch): only to
    /// measure what recording them costs (`benches/monitor_overhead.rs`).
    #[doc(hidden)]
    pub fn without_statistics(mut self) -> Job {
        self.watch.collect = false;
        self
    }

    /// Serves no web UI, whatever `DSTREAM_UI_PORT` says.
    pub fn without_ui(mut self) -> Job {
        self.watch.ui = UiChoice::Off;
        self
    }
}
