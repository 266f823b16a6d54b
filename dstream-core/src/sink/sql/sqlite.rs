//! SQLite through rusqlite (SQLite bundled): `sqlite://path/to.db`, the file created when
//! missing. Commits are durable (`synchronous = FULL`) in write-ahead-log mode.

use super::row::SqlValue;
use super::statements::{self, Dialect, Table};
use super::writer::{Database, Marker};
use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// An open SQLite database.
pub(super) struct Sqlite {
    conn: Connection,
}

impl Sqlite {
    /// Opens (creating when missing) the file `sqlite://path` names.
    pub fn open(url: &str) -> Result<Sqlite, String> {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        if path.is_empty() {
            return Err("the URL names no file: write `sqlite://path/to.db`".to_owned());
        }
        let conn = Connection::open(path).map_err(|e| format!("cannot open `{path}`: {e}"))?;
        // Another writer (a dashboard's reader, a second job) waits instead of failing.
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| e.to_string())?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| e.to_string())?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(|e| e.to_string())?;
        Ok(Sqlite { conn })
    }
}

impl Database for Sqlite {
    fn create(&mut self, table: &Table) -> Result<(), String> {
        self.conn.execute(&statements::create_markers(Dialect::Sqlite), []).map_err(|e| e.to_string())?;
        self.conn
            .execute(&table.create(Dialect::Sqlite), [])
            .map_err(|e| format!("cannot create the table: {e}"))?;
        Ok(())
    }

    fn write(&mut self, table: &Table, batch: &Marker<'_>, rows: &[SqlValue]) -> Result<bool, String> {
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| e.to_string())?;
        let found = tx
            .query_row(
                &statements::find_marker(Dialect::Sqlite),
                params![batch.job, batch.table, batch.time],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| e.to_string())?;
        if found.is_some() {
            return Ok(false);
        }
        {
            let mut insert =
                tx.prepare_cached(&table.insert(Dialect::Sqlite, 1)).map_err(|e| e.to_string())?;
            for row in rows.chunks(table.width() + 1) {
                insert.execute(rusqlite::params_from_iter(row)).map_err(|e| e.to_string())?;
            }
        }
        tx.execute(
            &statements::insert_marker(Dialect::Sqlite),
            params![batch.job, batch.table, batch.time, batch.rows],
        )
        .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| format!("commit failed: {e}"))?;
        Ok(true)
    }
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlValue::Null => ToSqlOutput::Owned(Value::Null),
            SqlValue::Integer(v) => ToSqlOutput::Owned(Value::Integer(*v)),
            SqlValue::Unsigned(v) => ToSqlOutput::Owned(Value::Integer(
                i64::try_from(*v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
            )),
            SqlValue::Real(v) => ToSqlOutput::Owned(Value::Real(*v)),
            SqlValue::Text(v) => ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(v.as_bytes())),
            SqlValue::Boolean(v) => ToSqlOutput::Owned(Value::Integer(i64::from(*v))),
        })
    }
}
