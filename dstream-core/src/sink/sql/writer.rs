//! [`SqlSink`]: the `to_sql` output. It connects on its first batch, creates the tables,
//! and writes each batch in one transaction with its marker, retrying failures with backoff.

use super::row::{SqlRecord, SqlValue};
use super::statements::Table;
use super::SqlOptions;
use crate::error::{Error, Result};
use crate::sink::{Sink, SinkBatch};
use std::time::Duration;

/// A connection to one database, behind the dialect's client.
pub(super) trait Database: Send {
    /// Creates the table and the marker table when missing.
    fn create(&mut self, table: &Table) -> std::result::Result<(), String>;
    /// In one transaction: nothing when the batch's marker exists (returns `false`), else
    /// `rows` (each `table.width()` values, then the batch time) and the marker.
    fn write(
        &mut self,
        table: &Table,
        batch: &Marker<'_>,
        rows: &[SqlValue],
    ) -> std::result::Result<bool, String>;
}

/// The marker row of one batch.
pub(super) struct Marker<'a> {
    pub job: &'a str,
    pub table: &'a str,
    pub time: i64,
    pub rows: i64,
}

/// The output `to_sql(url, table, options)` builds: see the [module](super).
pub struct SqlSink {
    url: String,
    shown_url: String,
    table_name: String,
    options: SqlOptions,
    db: Option<Box<dyn Database>>,
    /// The table's statements, once the first batch's record type made them.
    table: Option<Table>,
    /// How many batches were skipped because their marker was there (re-runs after a crash).
    skipped: u64,
}

impl std::fmt::Debug for SqlSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlSink").field("url", &self.shown_url).field("table", &self.table_name).finish()
    }
}

/// `to_sql(url, table, options)`: a sink writing each batch into `table` of the database at
/// `url` (`sqlite://path` or `postgres://user@host:port/db`). It connects on the first
/// batch: a bad URL stops the job then, with an error naming it.
pub fn to_sql(url: impl AsRef<str>, table: impl AsRef<str>, options: Option<SqlOptions>) -> SqlSink {
    let url = url.as_ref().to_owned();
    SqlSink {
        shown_url: redact(&url),
        url,
        table_name: table.as_ref().to_owned(),
        options: options.unwrap_or_default(),
        db: None,
        table: None,
        skipped: 0,
    }
}

impl SqlSink {
    /// How many batches this sink found already committed (their marker present) and skipped.
    pub fn skipped_batches(&self) -> u64 {
        self.skipped
    }

    fn error(&self, time: crate::Time, message: impl std::fmt::Display) -> Error {
        Error::Output {
            operator: "to_sql",
            time,
            message: format!("table `{}` at {}: {message}", self.table_name, self.shown_url),
        }
    }

    /// The connection, made (and the table created) when there is none.
    fn connected(&mut self) -> std::result::Result<&mut Box<dyn Database>, String> {
        if self.db.is_none() {
            let mut db = connect(&self.url)?;
            if let Some(table) = &self.table {
                db.create(table)?;
            }
            self.db = Some(db);
        }
        Ok(self.db.as_mut().expect("connected above"))
    }

    /// One attempt at the batch: connect if needed, then the transaction.
    fn attempt(&mut self, marker: &Marker<'_>, rows: &[SqlValue]) -> std::result::Result<bool, String> {
        let table = self.table.clone().expect("made before the first attempt");
        let db = self.connected()?;
        db.write(&table, marker, rows)
    }
}

impl<T: SqlRecord> Sink<T> for SqlSink {
    fn write_batch(&mut self, batch: &SinkBatch<'_>, records: Vec<T>) -> Result<()> {
        if self.table.is_none() {
            // Mistakes in what the user wrote are not retried.
            check_url(&self.url).map_err(|e| self.error(batch.time, e))?;
            let table = Table::new::<T>(&self.table_name, self.options.upsert)
                .map_err(|e| self.error(batch.time, e))?;
            self.table = Some(table);
        }
        let table = self.table.as_ref().expect("made above");
        let time = i64::try_from(batch.time.as_millis())
            .map_err(|_| self.error(batch.time, "batch time out of range"))?;
        let rows = rows(table, &records, time);
        let count = rows.len() / (table.width() + 1);
        let marker = Marker { job: batch.job, table: &self.table_name.clone(), time, rows: count as i64 };
        let mut wait = self.options.backoff;
        let mut attempt = 0;
        loop {
            match self.attempt(&marker, &rows) {
                Ok(written) => {
                    if !written {
                        self.skipped += 1;
                        tracing::info!(table = %self.table_name, batch = %batch.time, "to_sql: batch already committed, skipped");
                    }
                    return Ok(());
                }
                Err(e) if attempt < self.options.retries => {
                    attempt += 1;
                    tracing::warn!(
                        table = %self.table_name, url = %self.shown_url, attempt, retries = self.options.retries,
                        "to_sql: {e}; retrying in {wait:?}"
                    );
                    // Start over on a fresh connection: the old one may be broken.
                    self.db = None;
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    self.db = None;
                    let tries = attempt + 1;
                    return Err(self.error(batch.time, format!("{e} (after {tries} attempts)")));
                }
            }
        }
    }
}

/// The batch's rows, flat: each row's values then its batch time. In upsert mode only the
/// last row of each key stays (one statement must not update a key twice).
fn rows<T: SqlRecord>(table: &Table, records: &[T], time: i64) -> Vec<SqlValue> {
    let width = table.width() + 1;
    let mut rows = Vec::with_capacity(records.len() * width);
    for record in records {
        record.row(&mut rows);
        rows.push(SqlValue::Integer(time));
    }
    if !table.upsert() {
        return rows;
    }
    let mut last = std::collections::HashMap::new();
    for (i, row) in rows.chunks(width).enumerate() {
        last.insert(key_bytes(&row[..table.keys()]), i);
    }
    if last.len() == records.len() {
        return rows;
    }
    let mut keep: Vec<usize> = last.into_values().collect();
    keep.sort_unstable();
    keep.iter().flat_map(|&i| rows[i * width..(i + 1) * width].iter().cloned()).collect()
}

/// A key's values as bytes that are equal exactly when the values are.
fn key_bytes(values: &[SqlValue]) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        match value {
            SqlValue::Null => out.push(0),
            SqlValue::Integer(v) => {
                out.push(1);
                out.extend(v.to_le_bytes());
            }
            SqlValue::Unsigned(v) => {
                out.push(1);
                out.extend(i128::from(*v).to_le_bytes()[..9].iter());
            }
            SqlValue::Real(v) => {
                out.push(2);
                out.extend(v.to_bits().to_le_bytes());
            }
            SqlValue::Text(v) => {
                out.push(3);
                out.extend((v.len() as u64).to_le_bytes());
                out.extend(v.as_bytes());
            }
            SqlValue::Boolean(v) => out.extend([4, u8::from(*v)]),
        }
    }
    out
}

/// Whether `url` names a database this build can open.
fn check_url(url: &str) -> std::result::Result<(), String> {
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("sqlite") if cfg!(feature = "sqlite") => Ok(()),
        Some("sqlite") => Err("SQLite needs dstream's `sqlite` feature".to_owned()),
        #[cfg(feature = "postgres")]
        Some("postgres" | "postgresql") => super::postgres::Postgres::config(url).map(drop),
        #[cfg(not(feature = "postgres"))]
        Some("postgres" | "postgresql") => Err("PostgreSQL needs dstream's `postgres` feature".to_owned()),
        _ => Err("the URL must start with `sqlite://` or `postgres://`".to_owned()),
    }
}

/// Opens the database `url` names (checked by [`check_url`]).
fn connect(url: &str) -> std::result::Result<Box<dyn Database>, String> {
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("sqlite") => connect_sqlite(url),
        _ => connect_postgres(url),
    }
}

#[cfg(feature = "sqlite")]
fn connect_sqlite(url: &str) -> std::result::Result<Box<dyn Database>, String> {
    Ok(Box::new(super::sqlite::Sqlite::open(url)?))
}

#[cfg(not(feature = "sqlite"))]
fn connect_sqlite(_url: &str) -> std::result::Result<Box<dyn Database>, String> {
    Err("SQLite needs dstream's `sqlite` feature".to_owned())
}

#[cfg(feature = "postgres")]
fn connect_postgres(url: &str) -> std::result::Result<Box<dyn Database>, String> {
    Ok(Box::new(super::postgres::Postgres::connect(url)?))
}

#[cfg(not(feature = "postgres"))]
fn connect_postgres(_url: &str) -> std::result::Result<Box<dyn Database>, String> {
    Err("PostgreSQL needs dstream's `postgres` feature".to_owned())
}

/// `url` as it may be shown: with its password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let path = match path.find("password=") {
        Some(at) => {
            let end = path[at..].find('&').map_or(path.len(), |e| at + e);
            format!("{}password=***{}", &path[..at], &path[end..])
        }
        None => path.to_owned(),
    };
    format!("{scheme}://{authority}{path}")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db?password=secret&x=1"), "postgres://u@h/db?password=***&x=1");
        assert_eq!(redact("sqlite://a/b.db"), "sqlite://a/b.db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
