//! The SQL text `to_sql` runs, for both databases: the table's columns from the record type,
//! `CREATE TABLE`, the marker table, and the `INSERT` (or upsert) of a batch's rows.

use super::row::{SqlColumn, SqlRecord, SqlType};
use super::{MARKER_TABLE, TIME_COLUMN};

/// The SQL dialect: what differs between SQLite and PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// With one database's feature, the other's dialect is only used by the tests.
#[cfg_attr(not(all(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn type_name(self, ty: SqlType) -> &'static str {
        match (self, ty) {
            (Dialect::Sqlite, SqlType::Integer) => "INTEGER",
            (Dialect::Sqlite, SqlType::Real) => "REAL",
            (Dialect::Postgres, SqlType::Integer) => "BIGINT",
            (Dialect::Postgres, SqlType::Real) => "DOUBLE PRECISION",
            (_, SqlType::Text) => "TEXT",
            (_, SqlType::Boolean) => "BOOLEAN",
        }
    }

    /// The `n`th (from 1) statement parameter.
    fn param(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }
}

/// One table's columns and the statements that write it.
#[derive(Clone, Debug)]
pub struct Table {
    /// The table's name, quoted.
    quoted: String,
    /// The key columns' count: the first columns.
    keys: usize,
    /// Every column but the batch time: keys, then values; names quoted.
    columns: Vec<(String, SqlColumn)>,
    upsert: bool,
}

impl Table {
    /// The table `name` for records of type `R`. Errors name what is wrong with `name` or
    /// with the record type's columns.
    pub fn new<R: SqlRecord>(name: &str, upsert: bool) -> Result<Table, String> {
        let quoted = quote_table(name)?;
        let (mut key, mut value) = (Vec::new(), Vec::new());
        R::key_columns(&mut key);
        R::value_columns(&mut value);
        if upsert && key.is_empty() {
            return Err(format!(
                "upsert mode keeps the latest row per key, but records of type `{}` have no key: write `(key, value)` pairs",
                std::any::type_name::<R>()
            ));
        }
        let keys = key.len();
        let mut columns = name_part("key", &key);
        columns.extend(name_part("value", &value));
        let mut seen = std::collections::HashSet::new();
        for (name, _) in &columns {
            if name == TIME_COLUMN || !seen.insert(name.as_str()) {
                return Err(format!("two columns are named `{name}`"));
            }
        }
        let columns = columns.into_iter().map(|(name, column)| (quote_ident(&name), column)).collect();
        Ok(Table { quoted, keys, columns, upsert })
    }

    /// How many values a row has (without the batch time).
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// Whether rows with equal keys replace each other.
    pub fn upsert(&self) -> bool {
        self.upsert
    }

    /// How many of a row's first values are its key.
    pub fn keys(&self) -> usize {
        self.keys
    }

    /// `CREATE TABLE IF NOT EXISTS`, with a primary key on the key columns in upsert mode.
    pub fn create(&self, dialect: Dialect) -> String {
        let mut columns: Vec<String> = self
            .columns
            .iter()
            .map(|(name, column)| {
                let null = if column.nullable { "" } else { " NOT NULL" };
                format!("{name} {}{null}", dialect.type_name(column.ty))
            })
            .collect();
        columns.push(format!("{TIME_COLUMN} {} NOT NULL", dialect.type_name(SqlType::Integer)));
        if self.upsert {
            columns.push(format!("PRIMARY KEY ({})", self.key_names().join(", ")));
        }
        format!("CREATE TABLE IF NOT EXISTS {} ({})", self.quoted, columns.join(", "))
    }

    /// The `INSERT` of `rows` rows (parameters: each row's values, then its batch time); in
    /// upsert mode an existing key's row is replaced.
    pub fn insert(&self, dialect: Dialect, rows: usize) -> String {
        let mut names: Vec<&str> = self.columns.iter().map(|(name, _)| name.as_str()).collect();
        names.push(TIME_COLUMN);
        let width = names.len();
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let params: Vec<String> = (1..=width).map(|c| dialect.param(r * width + c)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let mut sql =
            format!("INSERT INTO {} ({}) VALUES {}", self.quoted, names.join(", "), tuples.join(", "));
        if self.upsert {
            let updates: Vec<String> =
                names[self.keys..].iter().map(|name| format!("{name} = excluded.{name}")).collect();
            sql.push_str(&format!(
                " ON CONFLICT ({}) DO UPDATE SET {}",
                self.key_names().join(", "),
                updates.join(", ")
            ));
        }
        sql
    }

    fn key_names(&self) -> Vec<&str> {
        self.columns[..self.keys].iter().map(|(name, _)| name.as_str()).collect()
    }
}

/// `CREATE TABLE IF NOT EXISTS` of the marker table.
pub fn create_markers(dialect: Dialect) -> String {
    let int = dialect.type_name(SqlType::Integer);
    format!(
        "CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (job TEXT NOT NULL, table_name TEXT NOT NULL, \
         batch_time {int} NOT NULL, row_count {int} NOT NULL, PRIMARY KEY (job, table_name, batch_time))"
    )
}

/// Whether a batch's marker exists (parameters: job, table, batch time).
pub fn find_marker(dialect: Dialect) -> String {
    format!(
        "SELECT 1 FROM {MARKER_TABLE} WHERE job = {} AND table_name = {} AND batch_time = {}",
        dialect.param(1),
        dialect.param(2),
        dialect.param(3)
    )
}

/// Writes a batch's marker (parameters: job, table, batch time, row count).
pub fn insert_marker(dialect: Dialect) -> String {
    format!(
        "INSERT INTO {MARKER_TABLE} (job, table_name, batch_time, row_count) VALUES ({}, {}, {}, {})",
        dialect.param(1),
        dialect.param(2),
        dialect.param(3),
        dialect.param(4)
    )
}

/// Names a part's columns: its own names, else `prefix` alone or `prefix_1`, `prefix_2`, ….
fn name_part(prefix: &str, columns: &[SqlColumn]) -> Vec<(String, SqlColumn)> {
    columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let name = match column.name {
                Some(name) => name.to_owned(),
                None if columns.len() == 1 => prefix.to_owned(),
                None => format!("{prefix}_{}", i + 1),
            };
            (name, *column)
        })
        .collect()
}

/// A table name, `name` or `schema.name`, of letters, digits and `_`, quoted: anything else
/// is refused, so the name the user wrote is the name the database shows.
fn quote_table(name: &str) -> Result<String, String> {
    let parts: Vec<&str> = name.split('.').collect();
    let valid = |part: &str| {
        part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if parts.len() > 2 || !parts.iter().all(|part| valid(part)) {
        return Err(format!(
            "table name `{name}`: use letters, digits and `_` (starting with a letter or `_`), optionally `schema.table`"
        ));
    }
    if parts.last() == Some(&MARKER_TABLE) {
        return Err(format!("table name `{name}`: `{MARKER_TABLE}` holds the committed batches' markers"));
    }
    Ok(parts.iter().map(|part| quote_ident(part)).collect::<Vec<_>>().join("."))
}

/// A quoted identifier: `"name"`, with `"` doubled.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_get_key_and_value_columns_and_upsert_a_primary_key() {
        let table = Table::new::<(String, (u64, Option<f64>))>("counts", true).unwrap();
        assert_eq!(
            table.create(Dialect::Postgres),
            "CREATE TABLE IF NOT EXISTS \"counts\" (\"key\" TEXT NOT NULL, \"value_1\" BIGINT NOT NULL, \
             \"value_2\" DOUBLE PRECISION, batch_time BIGINT NOT NULL, PRIMARY KEY (\"key\"))"
        );
        assert_eq!(
            table.insert(Dialect::Sqlite, 1),
            "INSERT INTO \"counts\" (\"key\", \"value_1\", \"value_2\", batch_time) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (\"key\") DO UPDATE SET \"value_1\" = excluded.\"value_1\", \
             \"value_2\" = excluded.\"value_2\", batch_time = excluded.batch_time"
        );
        assert_eq!(
            Table::new::<i32>("s.t", false).unwrap().insert(Dialect::Postgres, 2),
            "INSERT INTO \"s\".\"t\" (\"value\", batch_time) VALUES ($1, $2), ($3, $4)"
        );
    }

    #[test]
    fn bad_names_and_keyless_upserts_are_refused_with_what_was_written() {
        for name in ["", "a b", "x;drop", "a.b.c", "1st", "dstream_batches"] {
            let err = Table::new::<i32>(name, false).unwrap_err();
            assert!(err.contains(&format!("`{name}`")), "{err}");
        }
        assert!(Table::new::<i32>("t", true).unwrap_err().contains("no key"));
    }
}
