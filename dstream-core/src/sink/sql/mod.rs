//! The `to_sql(url, table)` output: each batch's records as rows of a SQLite or PostgreSQL
//! table, committed exactly once.
//!
//! Each batch is one transaction holding its rows and a marker row `(job, table, batch_time)`
//! in [`dstream_batches`](MARKER_TABLE); the transaction first looks for the marker and
//! writes nothing when it is there. A batch that runs again after a crash (same batch time,
//! and the same records from a source that describes its cuts) is therefore applied once,
//! whether the crash came before or after its commit.
//!
//! Rows: see [`SqlRecord`] (which parts are the key and the values), [`SqlColumns`] (how
//! values flatten into columns) and [`SqlType`] (the column types). The table is created when
//! missing; an existing table is used as it is.
//!
//! SQLite (`sqlite://path/to.db`, feature `sqlite`) is embedded; PostgreSQL
//! (`postgres://user@host:port/db`, feature `postgres`) is reached with the synchronous client.
//! A failed connection or transaction is logged and retried with backoff
//! ([`SqlOptions::retries`]); when the retries are spent the job stops with an error naming
//! the table and the URL (its password hidden).

mod row;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod statements;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod writer;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use writer::{to_sql, SqlSink};
#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
#[path = "no_sql.rs"]
mod writer;
#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
pub use writer::{to_sql, SqlFeature, SqlSink};
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use row::{SqlColumn, SqlColumns, SqlRecord, SqlScalar, SqlType, SqlValue};

use std::time::Duration;

/// How `to_sql` writes: `to_sql(url, "table", SqlOptions::upsert())`. The default appends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlOptions {
    upsert: bool,
    retries: u32,
    backoff: Duration,
}

impl Default for SqlOptions {
    fn default() -> SqlOptions {
        SqlOptions::append()
    }
}

impl SqlOptions {
    /// Every batch's rows are added (with their `batch_time`): a history. The default.
    pub fn append() -> SqlOptions {
        SqlOptions { upsert: false, retries: 5, backoff: Duration::from_millis(200) }
    }

    /// One row per key, the latest batch's: the table gets a primary key on the key columns
    /// and rows are written with `INSERT … ON CONFLICT (key) DO UPDATE`. For state snapshots
    /// (`update_state_by_key`) that a dashboard reads. Records must be `(key, value)` pairs.
    pub fn upsert() -> SqlOptions {
        SqlOptions { upsert: true, ..SqlOptions::append() }
    }

    /// How many times a failed connection or batch is retried before the job stops (5).
    pub fn retries(self, retries: u32) -> SqlOptions {
        SqlOptions { retries, ..self }
    }

    /// The wait before the first retry (200 ms); it doubles at each retry, up to 5 s.
    pub fn backoff(self, first: Duration) -> SqlOptions {
        SqlOptions { backoff: first, ..self }
    }

    /// Whether rows replace earlier rows with the same key.
    pub fn is_upsert(&self) -> bool {
        self.upsert
    }
}

/// The table every `to_sql` output records its committed batches in: one row per
/// `(job, table_name, batch_time)`, written in the same transaction as the batch's rows, so a
/// batch that runs again after a crash finds its marker and writes nothing.
pub const MARKER_TABLE: &str = "dstream_batches";

/// The column holding each row's batch time, in milliseconds.
pub const TIME_COLUMN: &str = "batch_time";
