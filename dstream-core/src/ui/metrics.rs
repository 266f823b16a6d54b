//! Counters that make bad input and connection trouble visible instead of silent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Counters shared by a job's sources and its batch loop. Cheap to clone (two `Arc`s).
///
/// Each source of a job counts into counters of its own ([`Metrics::for_source`]), which also
/// add into the job's: the job's totals and each receiver's errors (Spark's `ReceiverInfo`)
/// come from the same counts.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    inner: Arc<Counters>,
    /// The job's counters, when these are one source's.
    job: Option<Arc<Counters>>,
}

/// The counters behind [`Metrics`].
#[derive(Debug, Default)]
struct Counters {
    records_received: AtomicU64,
    bytes_received: AtomicU64,
    malformed_not_utf8: AtomicU64,
    malformed_too_long: AtomicU64,
    connection_failures: AtomicU64,
    connections: AtomicU64,
    batches_completed: AtomicU64,
    pieces: AtomicU64,
    /// The last error a source reported, with when (µs since the Unix epoch).
    last_error: Mutex<Option<(u64, String)>>,
    /// Each source's own counters, by the source's index in the job (job counters only).
    sources: Mutex<Vec<Option<Arc<Counters>>>>,
}

/// A point-in-time copy of the counters, for reports and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Records (lines, queued items) handed to the job.
    pub records_received: u64,
    /// Bytes read by sources, including malformed lines.
    pub bytes_received: u64,
    /// Lines dropped because they were not valid UTF-8.
    pub malformed_not_utf8: u64,
    /// Lines dropped because they exceeded the configured maximum length.
    pub malformed_too_long: u64,
    /// Connection attempts that failed, and connections that dropped.
    pub connection_failures: u64,
    /// Connections established (the first one and every reconnection).
    pub connections: u64,
    /// Batches the job has finished.
    pub batches_completed: u64,
    /// Pieces of batches that sources handed to the job before the batches' cuts, for a
    /// first stage that runs while the interval fills (`Source::take_piece`).
    pub pieces: u64,
}

impl MetricsSnapshot {
    /// All malformed records, whatever the reason.
    pub fn malformed_records(&self) -> u64 {
        self.malformed_not_utf8 + self.malformed_too_long
    }
}

macro_rules! counter {
    ($add:ident, $field:ident, $doc:literal) => {
        #[doc = $doc]
        pub fn $add(&self, n: u64) {
            self.inner.$field.fetch_add(n, Ordering::Relaxed);
            if let Some(job) = &self.job {
                job.$field.fetch_add(n, Ordering::Relaxed);
            }
        }
    };
}

impl Metrics {
    /// Fresh counters, all zero.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    counter!(add_records_received, records_received, "Counts records handed to the job.");
    counter!(add_bytes_received, bytes_received, "Counts bytes read by a source.");
    counter!(add_malformed_not_utf8, malformed_not_utf8, "Counts a line dropped as invalid UTF-8.");
    counter!(add_malformed_too_long, malformed_too_long, "Counts a line dropped as too long.");
    counter!(add_connection_failures, connection_failures, "Counts a failed or dropped connection.");
    counter!(add_connections, connections, "Counts an established connection.");
    counter!(add_batches_completed, batches_completed, "Counts a finished batch.");
    counter!(add_pieces, pieces, "Counts a piece of a batch handed over before its cut.");

    /// The counters of the job's source number `source`: what it counts is also counted in
    /// these (the job's). The job gives each source its own when it starts them.
    pub fn for_source(&self, source: usize) -> Metrics {
        let own = Arc::new(Counters::default());
        let mut sources = self.inner.sources.lock().unwrap_or_else(|p| p.into_inner());
        if sources.len() <= source {
            sources.resize(source + 1, None);
        }
        sources[source] = Some(Arc::clone(&own));
        Metrics { inner: own, job: Some(Arc::clone(&self.inner)) }
    }

    /// The counters of the job's source number `source`, if it was started with its own.
    pub fn source(&self, source: usize) -> Option<Metrics> {
        let sources = self.inner.sources.lock().unwrap_or_else(|p| p.into_inner());
        let own = sources.get(source)?.as_ref()?;
        Some(Metrics { inner: Arc::clone(own), job: None })
    }

    /// Remembers `message` as the last source error (shown with the receivers in the job's
    /// statistics: this source's, and the job's). Sources call it where they count a failure.
    pub fn note_error(&self, message: impl Into<String>) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let error = Some((now.as_micros() as u64, message.into()));
        for counters in std::iter::once(&self.inner).chain(&self.job) {
            *counters.last_error.lock().unwrap_or_else(|p| p.into_inner()) = error.clone();
        }
    }

    /// The last error a source reported, with when (µs since the Unix epoch).
    pub fn last_error(&self) -> Option<(u64, String)> {
        self.inner.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let c = &self.inner;
        MetricsSnapshot {
            records_received: c.records_received.load(Ordering::Relaxed),
            bytes_received: c.bytes_received.load(Ordering::Relaxed),
            malformed_not_utf8: c.malformed_not_utf8.load(Ordering::Relaxed),
            malformed_too_long: c.malformed_too_long.load(Ordering::Relaxed),
            connection_failures: c.connection_failures.load(Ordering::Relaxed),
            connections: c.connections.load(Ordering::Relaxed),
            batches_completed: c.batches_completed.load(Ordering::Relaxed),
            pieces: c.pieces.load(Ordering::Relaxed),
        }
    }
}
