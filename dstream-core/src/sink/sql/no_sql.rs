//! `to_sql(..)` in a build with neither the `sqlite` nor the `postgres` feature: a
//! constructor with a bound nothing satisfies, so a program using it fails to compile with an
//! error naming the features instead of every build compiling both clients.

use super::SqlOptions;
use crate::error::Result;
use crate::sink::{Sink, SinkBatch};

/// What `to_sql(..)` needs: dstream's `sqlite` or `postgres` feature. Never implemented.
#[diagnostic::on_unimplemented(
    message = "the `to_sql(..)` output needs dstream's `sqlite` or `postgres` feature",
    label = "neither `sqlite` nor `postgres` is compiled in",
    note = "enable one in Cargo.toml: `dstream = {{ version = \"0.1\", features = [\"sqlite\"] }}`, or build with `--features sqlite` (or `postgres`)"
)]
pub trait SqlFeature {
    /// The sink an implementation would build.
    fn to_sql(self) -> SqlSink;
}

/// No SQL output can be built without the features: this type has no values.
#[derive(Debug)]
pub enum SqlSink {}

/// Rejected at compile time: see [`SqlFeature`].
pub fn to_sql<U: SqlFeature>(url: U, _table: impl AsRef<str>, _options: Option<SqlOptions>) -> SqlSink {
    url.to_sql()
}

impl<T> Sink<T> for SqlSink {
    fn write_batch(&mut self, _batch: &SinkBatch<'_>, _records: Vec<T>) -> Result<()> {
        match *self {}
    }
}
