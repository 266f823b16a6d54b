//! `to_sql` against real databases: SQLite in a temporary directory, and the PostgreSQL of
//! `scripts/services up postgres` (skipped when it does not answer, unless `CI=true`).
//! Types become columns, each batch its rows plus one marker, a batch written again is a
//! no-op, upsert keeps the latest row per key, and mistakes give errors that say what.

mod common;
#[path = "common/sql.rs"]
mod sql;

use common::TestDir;
use dstream::prelude::*;
use dstream::sink::sql::{to_sql, SqlOptions, SqlSink};
use dstream::sink::{Sink, SinkBatch};
use dstream::testing::Harness;
use sql::{rows, Db};
use std::time::Duration as StdDuration;

/// Runs `test` against SQLite, then against PostgreSQL when it answers.
fn each_database(name: &str, test: impl Fn(&Db, &str)) {
    let dir = TestDir::new(name);
    let sqlite = Db::sqlite(dir.path(), "test.db");
    test(&sqlite, &sqlite.table(name));
    if let Some(postgres) = Db::postgres() {
        let table = postgres.table(name);
        postgres.drop_table(&table);
        test(&postgres, &table);
        postgres.drop_table(&table);
    }
}

fn write<T>(sink: &mut SqlSink, ms: u64, records: Vec<T>) -> Result<()>
where
    SqlSink: Sink<T>,
{
    sink.write_batch(&SinkBatch { time: Time::from_millis(ms), job: "test-job" }, records)
}

#[test]
fn rust_types_become_typed_columns() {
    each_database("types", |db, table| {
        let mut sink = to_sql(db.url(), table, None);
        let records = vec![
            ("a".to_string(), (7i32, 2.5f64, true, Some("x"), None::<u64>)),
            ("b".to_string(), (-1, 0.0, false, None, Some(u64::from(u32::MAX)))),
        ];
        write(&mut sink, 1000, records).unwrap();
        let columns = match db {
            Db::Sqlite(_) => {
                db.query(&format!("SELECT name, type, \"notnull\" FROM pragma_table_info('{table}')"))
            }
            Db::Postgres(_) => db.query(&format!(
                "SELECT column_name, data_type, CASE is_nullable WHEN 'NO' THEN '1' ELSE '0' END \
                 FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position"
            )),
        };
        let (int, real) = match db {
            Db::Sqlite(_) => ("INTEGER", "REAL"),
            Db::Postgres(_) => ("bigint", "double precision"),
        };
        let (text, boolean) = match db {
            Db::Sqlite(_) => ("TEXT", "BOOLEAN"),
            Db::Postgres(_) => ("text", "boolean"),
        };
        assert_eq!(
            columns,
            rows(&[
                &["key", text, "1"],
                &["value_1", int, "1"],
                &["value_2", real, "1"],
                &["value_3", boolean, "1"],
                &["value_4", text, "0"],
                &["value_5", int, "0"],
                &["batch_time", int, "1"],
            ])
        );
        let got = db.query(&format!(
            "SELECT key, value_1, value_2, CAST(value_3 AS INTEGER), value_4, value_5, batch_time FROM {table} ORDER BY key"
        ));
        assert_eq!(
            got,
            rows(&[
                &["a", "7", "2.5", "1", "x", "NULL", "1000"],
                &["b", "-1", "0", "0", "NULL", "4294967295", "1000"]
            ])
        );
    });
}

#[test]
fn each_batch_commits_its_rows_and_one_marker() {
    each_database("counts", |db, table| {
        let url = db.url();
        let table_name = table.to_owned();
        let job = stream! {
            queue(vec![vec!["a b a"], vec![], vec!["c"]]) |> flat_map(split) |> map(|w| (w, 1u32)) |> reduce_by_key(+)
                every 1s |> to_sql(url.as_str(), table_name.as_str())
        }
        .with_name("counts-job");
        Harness::new(job).run_batches(3).unwrap();
        assert_eq!(
            db.query(&format!("SELECT key, value, batch_time FROM {table} ORDER BY batch_time, key")),
            rows(&[&["a", "2", "1000"], &["b", "1", "1000"], &["c", "1", "3000"]])
        );
        // The empty batch has its marker too: it was committed, with no rows.
        assert_eq!(
            db.query(&format!(
                "SELECT job, batch_time, row_count FROM dstream_batches WHERE table_name = '{table}' ORDER BY batch_time"
            )),
            rows(&[&["counts-job", "1000", "2"], &["counts-job", "2000", "0"], &["counts-job", "3000", "1"]])
        );
    });
}

#[test]
fn a_batch_written_again_is_not_applied_twice() {
    each_database("rerun", |db, table| {
        let mut sink = to_sql(db.url(), table, None);
        write(&mut sink, 1000, vec![("a", 1), ("b", 2)]).unwrap();
        write(&mut sink, 2000, vec![("a", 3)]).unwrap();
        // The batch at 1000 again, as after a crash (here with other records, to tell them
        // apart): its marker is there, so nothing is written.
        write(&mut sink, 1000, vec![("z", 9)]).unwrap();
        assert_eq!(sink.skipped_batches(), 1);
        // A new sink (a restarted job) sees the same markers.
        let mut restarted = to_sql(db.url(), table, None);
        write(&mut restarted, 2000, vec![("a", 3)]).unwrap();
        assert_eq!(restarted.skipped_batches(), 1);
        assert_eq!(
            db.query(&format!("SELECT key, value, batch_time FROM {table} ORDER BY batch_time, key")),
            rows(&[&["a", "1", "1000"], &["b", "2", "1000"], &["a", "3", "2000"]])
        );
        // Another job writing the same batch time into the same table is not confused with it.
        restarted
            .write_batch(&SinkBatch { time: Time::from_millis(2000), job: "other-job" }, vec![("c", 4)])
            .unwrap();
        assert_eq!(db.query(&format!("SELECT count(*) FROM {table}")), rows(&[&["4"]]));
    });
}

#[test]
fn upsert_keeps_the_latest_row_per_key() {
    each_database("upsert", |db, table| {
        let url = db.url();
        let table_name = table.to_owned();
        let job = stream! {
            queue(vec![vec!["a b a"], vec!["b"], vec!["c a"]]) |> flat_map(split) |> map(|w| (w.to_string(), 1u64))
                every 1s
                |> update_state_by_key(|ones, count| Some(ones.len() as u64 + count.unwrap_or(0)))
                |> to_sql(url.as_str(), table_name.as_str(), SqlOptions::upsert())
        };
        Harness::new(job).run_batches(3).unwrap();
        assert_eq!(
            db.query(&format!("SELECT key, value, batch_time FROM {table} ORDER BY key")),
            rows(&[&["a", "3", "3000"], &["b", "2", "3000"], &["c", "1", "3000"]])
        );
        // Two rows with one key in one batch: the later one stays.
        let mut sink = to_sql(db.url(), table, Some(SqlOptions::upsert()));
        write(&mut sink, 4000, vec![("a".to_string(), 10u64), ("d".to_string(), 1), ("a".to_string(), 11)])
            .unwrap();
        assert_eq!(
            db.query(&format!("SELECT key, value FROM {table} WHERE batch_time = 4000 ORDER BY key")),
            rows(&[&["a", "11"], &["d", "1"]])
        );
    });
}

#[test]
fn mistakes_stop_the_job_with_an_error_naming_the_table_and_url() {
    let quick = || Some(SqlOptions::append().retries(1).backoff(StdDuration::from_millis(1)));
    let error = |mut sink: SqlSink| write(&mut sink, 1000, vec![("a", 1)]).unwrap_err().to_string();

    let message = error(to_sql("mysql://u@h/db", "t", quick()));
    assert!(message.contains("table `t` at mysql://u@h/db") && message.contains("sqlite://"), "{message}");

    let message = error(to_sql("postgres://u:secret@127.0.0.1:1/db", "t", quick()));
    assert!(message.contains("postgres://u:***@127.0.0.1:1/db"), "{message}");
    assert!(message.contains("cannot connect") && message.contains("after 2 attempts"), "{message}");
    assert!(!message.contains("secret"), "{message}");

    let dir = TestDir::new("to-sql-mistakes");
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    let message = error(to_sql(&url, "no spaces", quick()));
    assert!(message.contains("table name `no spaces`"), "{message}");

    let message =
        error(to_sql(format!("sqlite://{}", dir.join("missing/dir/db.sqlite").display()), "t", quick()));
    assert!(message.contains("cannot open"), "{message}");

    // Upsert needs a key.
    let mut sink = to_sql(&url, "scalars", Some(SqlOptions::upsert()));
    let message = write(&mut sink, 1000, vec![1, 2]).unwrap_err().to_string();
    assert!(message.contains("no key"), "{message}");
}

#[test]
fn a_failed_connection_is_retried_with_backoff_until_it_succeeds() {
    // The database's directory appears only after the first attempts failed.
    let dir = TestDir::new("to-sql-retry");
    let late = dir.join("late");
    let url = format!("sqlite://{}", late.join("db.sqlite").display());
    let options = SqlOptions::append().retries(8).backoff(StdDuration::from_millis(20));
    let mut sink = to_sql(&url, "t", Some(options));
    let maker = std::thread::spawn(move || {
        std::thread::sleep(StdDuration::from_millis(100));
        std::fs::create_dir_all(late).unwrap();
    });
    write(&mut sink, 1000, vec![("a", 1)]).unwrap();
    maker.join().unwrap();
    let db = Db::sqlite(&dir.join("late"), "db.sqlite");
    assert_eq!(db.query("SELECT key, value FROM t"), rows(&[&["a", "1"]]));
}
