//! The databases the `to_sql` tests write into, read back as text: a SQLite file in a
//! temporary directory, and the PostgreSQL of `scripts/services up postgres`
//! (`DSTREAM_POSTGRES_URL`), skipped when it does not answer unless `CI=true`.

#![allow(dead_code)] // each test file uses a part of it

use std::path::Path;

/// The default PostgreSQL URL: what `scripts/services up postgres` starts.
pub const POSTGRES_URL: &str = "postgres://dstream@127.0.0.1:5432/dstream";

/// A database under test.
pub enum Db {
    Sqlite(String),
    Postgres(String),
}

impl Db {
    /// A SQLite database file `name` in `dir`.
    pub fn sqlite(dir: &Path, name: &str) -> Db {
        Db::Sqlite(dir.join(name).to_string_lossy().into_owned())
    }

    /// The test PostgreSQL, or `None` (after printing why) when it does not answer. Under
    /// `CI=true` its absence fails the test.
    pub fn postgres() -> Option<Db> {
        let url = std::env::var("DSTREAM_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL.to_owned());
        match postgres::Client::connect(&url, postgres::NoTls) {
            Ok(_) => Some(Db::Postgres(url)),
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("no PostgreSQL at {url} ({e}); start it with `scripts/services up postgres`")
            }
            Err(e) => {
                println!(
                    "SKIPPED: no PostgreSQL at {url} ({e}); start it with `scripts/services up postgres`"
                );
                None
            }
        }
    }

    /// The URL `to_sql` takes.
    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(path) => format!("sqlite://{path}"),
            Db::Postgres(url) => url.clone(),
        }
    }

    /// A table name unique to this process and `name` (PostgreSQL is shared by every test).
    pub fn table(&self, name: &str) -> String {
        format!("{name}_{}", std::process::id())
    }

    /// Every row of `sql`, each value as text (`NULL` for null).
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        self.try_query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Every row of `sql`, or the database's error (a table not created yet).
    pub fn try_query(&self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        match self {
            Db::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
                let mut statement = conn.prepare(sql).map_err(|e| e.to_string())?;
                let width = statement.column_count();
                let rows = statement
                    .query_map([], |row| {
                        (0..width)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                                    rusqlite::types::ValueRef::Text(v) => {
                                        String::from_utf8_lossy(v).into_owned()
                                    }
                                    rusqlite::types::ValueRef::Blob(_) => "BLOB".to_owned(),
                                })
                            })
                            .collect::<rusqlite::Result<Vec<String>>>()
                    })
                    .map_err(|e| e.to_string())?;
                rows.collect::<rusqlite::Result<_>>().map_err(|e| e.to_string())
            }
            Db::Postgres(url) => {
                let mut client =
                    postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
                let messages = client.simple_query(sql).map_err(|e| e.to_string())?;
                Ok(messages
                    .into_iter()
                    .filter_map(|message| match message {
                        postgres::SimpleQueryMessage::Row(row) => {
                            Some((0..row.len()).map(|i| row.get(i).unwrap_or("NULL").to_owned()).collect())
                        }
                        _ => None,
                    })
                    .collect())
            }
        }
    }

    /// Runs `sql`.
    pub fn execute(&self, sql: &str) {
        match self {
            Db::Sqlite(path) => rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap(),
            Db::Postgres(url) => {
                postgres::Client::connect(url, postgres::NoTls).unwrap().batch_execute(sql).unwrap()
            }
        }
    }

    /// Drops `table` and its batches' markers: PostgreSQL outlives the test (a SQLite file
    /// goes with its directory).
    pub fn drop_table(&self, table: &str) {
        if let Db::Postgres(_) = self {
            self.execute(&format!("DROP TABLE IF EXISTS {table}"));
            if self.query("SELECT to_regclass('dstream_batches') IS NOT NULL") == [["t"]] {
                self.execute(&format!("DELETE FROM dstream_batches WHERE table_name = '{table}'"));
            }
        }
    }
}

/// `rows` as owned strings, for comparing with [`Db::query`].
pub fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|row| row.iter().map(|v| v.to_string()).collect()).collect()
}
