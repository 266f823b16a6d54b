//! `to_sql`: its entry in the operator table (a connector output).

use super::*;
use crate::ir::{Op, Target};

pub static SPEC: OpSpec = op(
    "to_sql",
    Kind::Output,
    &[arg("url", Value), arg("table", Value), optional("options", Value)],
    "writes each batch into a SQLite (`sqlite://path`) or PostgreSQL (`postgres://..`) table, exactly once: rows and a marker of the batch in one transaction",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> to_sql("sqlite://counts.db", "counts")"#,
    |a| Some(Op::Output(Target::Connector(a.call("to_sql")?))),
)
.emits(Emit::StageEnd(super::output::emit))
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::to_sql`.
static PAGE: Page = Page {
    spark: "none (`foreachRDD` + a transaction)",
    output: "writes the records as rows of a table, exactly once",
    text: r#"
`to_sql(url, table)` / `to_sql(url, table, options)`: writes each batch into `table`
of a SQLite (`"sqlite://path/to.db"`, feature `sqlite`) or PostgreSQL
(`"postgres://user@host:port/db"`, feature `postgres`) database, **exactly once**. No
Spark counterpart (Spark leaves this to `foreachRDD`).

* Output operation. Each record is one row: a pair `(key, value)` gives the key's
  columns then the value's, named `key`/`value` (or `key_1`, `key_2`, … and
  `value_1`, … when a part is a tuple, which flattens), then `batch_time`, the batch
  time in milliseconds. A record that is not a pair is `value` columns only. Column
  types come from the Rust types: integers `INTEGER`/`BIGINT`, floats
  `REAL`/`DOUBLE PRECISION`, `bool` `BOOLEAN`, strings `TEXT`, `Option<_>` the same
  without `NOT NULL` (table in [`SqlType`](crate::sink::sql::SqlType)). Other types:
  implement [`SqlColumns`](crate::sink::sql::SqlColumns).
* The table is created when missing (an existing one is used as it is), and so is
  `dstream_batches(job, table_name, batch_time, row_count)`. Each batch is **one
  transaction** holding its rows and its marker row; the transaction first looks for
  the marker and writes nothing if the batch is already there. After a crash, a batch
  that runs again therefore changes nothing, whether the crash came before or after its
  commit: with a source that describes its cuts and `#![checkpoint(dir)]`, every input
  record is counted once (see [`fault_tolerance`](crate::fault_tolerance)). An empty
  batch commits its marker only.
* `options`: [`SqlOptions::append()`](crate::sink::sql::SqlOptions::append) (the
  default: a history, every batch's rows) or
  [`SqlOptions::upsert()`](crate::sink::sql::SqlOptions::upsert): one row per key, the
  latest (a primary key on the key columns, `INSERT … ON CONFLICT DO UPDATE`), for
  state snapshots a dashboard reads. `.retries(n)` and `.backoff(d)` tune the retries.
* It connects on the first batch. A failed connection or transaction is logged and
  retried with backoff (5 times, from 200 ms, doubling); after that, or at once for a
  mistake in what was written (an unknown URL scheme, a bad table name), the job stops
  with an error naming the table and the URL, its password hidden.
* Without the `sqlite` and `postgres` features, a program using `to_sql` does not
  compile, with an error naming them.

# Example

(With the `sqlite` feature.)

```[sqlite]
use dstream::prelude::*;
use dstream::testing::Harness;

let dir = std::env::temp_dir().join(format!("dstream-doc-to-sql-{}", std::process::id()));
std::fs::create_dir_all(&dir).unwrap();
let url = format!("sqlite://{}", dir.join("counts.db").display());
let job = stream! {
    queue(vec![vec!["a b a"], vec!["b"]]) |> flat_map(split) |> map(|w| (w, 1u64))
        |> reduce_by_key(+) every 1s |> to_sql(url.as_str(), "word_counts")
};
Harness::new(job).run_batches(2).unwrap();

let db = rusqlite::Connection::open(dir.join("counts.db")).unwrap();
let mut rows = db.prepare("SELECT key, value, batch_time FROM word_counts ORDER BY batch_time, key").unwrap();
let rows: Vec<(String, i64, i64)> =
    rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
assert_eq!(rows, [("a".into(), 2, 1000), ("b".into(), 1, 1000), ("b".into(), 1, 2000)]);
let markers: i64 = db.query_row("SELECT count(*) FROM dstream_batches", [], |r| r.get(0)).unwrap();
assert_eq!(markers, 2);
std::fs::remove_dir_all(&dir).unwrap();
```

Records that are not rows do not compile, with a message saying what a row can be:

```compile_fail[sqlite]
use dstream::prelude::*;
let job = stream! {
    queue(vec![vec![vec![1, 2]]]) every 1s |> to_sql("sqlite://counts.db", "lists")
};
```
"#,
};
