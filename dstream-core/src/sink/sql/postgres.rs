//! PostgreSQL through the synchronous `postgres` client: `postgres://user@host:port/db`
//! (any form `postgres::Config` reads), without TLS. A batch's rows go in multi-row
//! `INSERT`s of up to [`ROWS_PER_STATEMENT`] rows, each a prepared statement kept for the
//! connection's life.

use super::row::SqlValue;
use super::statements::{self, Dialect, Table};
use super::writer::{Database, Marker};
use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, Config, NoTls, Statement};
use std::collections::HashMap;
use std::time::Duration;

/// The most rows one `INSERT` carries (fewer when the rows are wide: PostgreSQL takes at most
/// 65535 parameters).
const ROWS_PER_STATEMENT: usize = 500;

/// A connection to a PostgreSQL database.
pub(super) struct Postgres {
    client: Client,
    /// The `INSERT` of n rows, by n.
    inserts: HashMap<usize, Statement>,
}

impl Postgres {
    /// The client configuration `url` describes, with a connection timeout.
    pub fn config(url: &str) -> Result<Config, String> {
        let mut config: Config = url.parse().map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        Ok(config)
    }

    /// Connects to `url`.
    pub fn connect(url: &str) -> Result<Postgres, String> {
        let client = Postgres::config(url)?.connect(NoTls).map_err(|e| format!("cannot connect: {e}"))?;
        Ok(Postgres { client, inserts: HashMap::new() })
    }

    fn insert(&mut self, table: &Table, rows: usize) -> Result<Statement, String> {
        if let Some(statement) = self.inserts.get(&rows) {
            return Ok(statement.clone());
        }
        let statement =
            self.client.prepare(&table.insert(Dialect::Postgres, rows)).map_err(|e| e.to_string())?;
        self.inserts.insert(rows, statement.clone());
        Ok(statement)
    }
}

impl Database for Postgres {
    fn create(&mut self, table: &Table) -> Result<(), String> {
        self.client
            .batch_execute(&statements::create_markers(Dialect::Postgres))
            .map_err(|e| e.to_string())?;
        self.client
            .batch_execute(&table.create(Dialect::Postgres))
            .map_err(|e| format!("cannot create the table: {e}"))
    }

    fn write(&mut self, table: &Table, batch: &Marker<'_>, rows: &[SqlValue]) -> Result<bool, String> {
        let width = table.width() + 1;
        let per_statement = ROWS_PER_STATEMENT.min(65535 / width).max(1);
        // Statements are prepared before the transaction borrows the client.
        let full = self.insert(table, per_statement)?;
        let rest = (rows.len() / width) % per_statement;
        let last = if rest > 0 { Some(self.insert(table, rest)?) } else { None };
        let mut tx = self.client.transaction().map_err(|e| e.to_string())?;
        let found = tx
            .query_opt(&statements::find_marker(Dialect::Postgres), &[&batch.job, &batch.table, &batch.time])
            .map_err(|e| e.to_string())?;
        if found.is_some() {
            return Ok(false);
        }
        for chunk in rows.chunks(per_statement * width) {
            let statement =
                if chunk.len() == per_statement * width { &full } else { last.as_ref().expect("prepared") };
            let params: Vec<&(dyn ToSql + Sync)> = chunk.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            tx.execute(statement, &params).map_err(|e| e.to_string())?;
        }
        tx.execute(
            &statements::insert_marker(Dialect::Postgres),
            &[&batch.job, &batch.table, &batch.time, &batch.rows],
        )
        .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| format!("commit failed: {e}"))?;
        Ok(true)
    }
}

impl ToSql for SqlValue {
    /// Binds the value to the column's actual type, so an existing table with narrower types
    /// (`INTEGER`, `REAL`, `VARCHAR`) works too; a value that does not fit is an error.
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let int = |v: i64, out: &mut BytesMut| -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                _ => Err(format!("cannot write the integer {v} into a column of type {ty}").into()),
            }
        };
        match self {
            SqlValue::Null => Ok(IsNull::Yes),
            SqlValue::Integer(v) => int(*v, out),
            SqlValue::Unsigned(v) => int(i64::try_from(*v)?, out),
            SqlValue::Real(v) if *ty == Type::FLOAT4 => (*v as f32).to_sql(ty, out),
            SqlValue::Real(v) => v.to_sql(ty, out),
            SqlValue::Text(v) => v.to_sql(ty, out),
            SqlValue::Boolean(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
