//! Connector sources into `to_sql` under crashes (issue #17): a job reading Kafka (into
//! PostgreSQL and into SQLite) or NATS (into SQLite) counts records per key with
//! `reduce_by_key` (a history table, one row per key per batch) and with
//! `update_state_by_key` (an upsert table of running totals), checkpointing as it goes. It is
//! killed with SIGKILL at random moments and restarted, `DSTREAM_CRASH_ROUNDS` times
//! (default 20), with new messages published before each start; at the end the history adds
//! up to every published record exactly once and the totals equal the input's counts.
//!
//! The job's last output logs each batch time it ran (outputs run in the order written), so a
//! time logged twice is a batch whose `to_sql` outputs had completed and that ran again after
//! a kill: the test fails if there was none (it would have tested nothing).
//!
//! Needs `scripts/services up kafka|nats|postgres`; without a server the tests print
//! "SKIPPED: .." and pass, unless `CI=true`.

mod common;
#[path = "common/sql.rs"]
mod sql;

use common::connectors::{key_of, server_present, wait_for};
use common::kafka::{broker_answers, create_topic, produce, BROKERS};
use common::nats::{Wire, URL as NATS_URL};
use common::{rng_from_pid, ChildJob, Rng, TestDir};
use dstream::prelude::*;
use dstream::sink::sql::SqlOptions;
use dstream::source::kafka::{KafkaOptions, StartingOffsets};
use dstream::source::nats::NatsOptions;
use sql::Db;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration as StdDuration;

const JOB: &str = "connectors-kill";
/// Records published before each start of the job.
const PER_ROUND: u64 = 200;

/// What the child reads from its environment: (root dir, topic or subject, URL, history
/// table, totals table), or `None` when not run as a child.
fn child_env() -> Option<(std::path::PathBuf, String, String, String, String)> {
    let var = |name: &str| std::env::var(name).ok();
    Some((
        var("DSTREAM_CK_ROOT")?.into(),
        var("DSTREAM_CK_SOURCE")?,
        var("DSTREAM_CK_URL")?,
        var("DSTREAM_CK_COUNTS")?,
        var("DSTREAM_CK_TOTALS")?,
    ))
}

/// Appends `time` to the batch log in `root` (one `write` per line: a kill leaves whole lines).
fn log_batch(root: &Path, time: u64) {
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(root.join("batches.log"))
        .expect("open the batch log");
    log.write_all(format!("{time}\n").as_bytes()).expect("log the batch");
}

/// The Kafka job, as the child runs it.
#[test]
#[ignore = "run by the Kafka kill tests in a child process"]
fn kafka_sql_child() {
    let Some((root, topic, url, counts, totals)) = child_env() else { return };
    let checkpoints = root.join("checkpoints");
    let options =
        KafkaOptions::new().starting_offsets(StartingOffsets::Earliest).max_records_per_partition(150);
    let job = stream! {
        #![checkpoint(checkpoints, 300ms)]
        let pairs = kafka(BROKERS, topic, options) every 100ms |> map(|r| (key_of(&r), 1u64));
        pairs |> reduce_by_key(+) |> to_sql(url.as_str(), counts.as_str());
        pairs |> update_state_by_key(|ones, total| Some(ones.iter().sum::<u64>() + total.unwrap_or(0)))
            |> to_sql(url.as_str(), totals.as_str(), SqlOptions::upsert());
        pairs |> foreach_batch(move |_: Vec<(String, u64)>, time| log_batch(&root, time.as_millis()))
    }
    .with_name(JOB);
    job.run().expect("the job runs until it is killed or stopped");
}

/// The NATS job, as the child runs it.
#[test]
#[ignore = "run by the NATS kill test in a child process"]
fn nats_sql_child() {
    let Some((root, subject, url, counts, totals)) = child_env() else { return };
    let checkpoints = root.join("checkpoints");
    let options = NatsOptions::new().durable(format!("sql-kill-{}", subject.replace('.', "-")));
    let job = stream! {
        #![checkpoint(checkpoints, 300ms)]
        let pairs = nats(NATS_URL, subject, options) every 100ms |> map(|r| (key_of(&r), 1u64));
        pairs |> reduce_by_key(+) |> to_sql(url.as_str(), counts.as_str());
        pairs |> update_state_by_key(|ones, total| Some(ones.iter().sum::<u64>() + total.unwrap_or(0)))
            |> to_sql(url.as_str(), totals.as_str(), SqlOptions::upsert());
        pairs |> foreach_batch(move |_: Vec<(String, u64)>, time| log_batch(&root, time.as_millis()))
    }
    .with_name(JOB);
    job.run().expect("the job runs until it is killed or stopped");
}

/// How many batches of `table` are committed (their markers; none before the marker table
/// exists).
fn markers(db: &Db, table: &str) -> usize {
    db.try_query(&format!(
        "SELECT count(*) FROM dstream_batches WHERE job = '{JOB}' AND table_name = '{table}'"
    ))
    .ok()
    .and_then(|rows| rows.first()?.first()?.parse().ok())
    .unwrap_or(0)
}

/// `SELECT key, value` of `sql` as a map (values added up per key); empty before the table
/// exists.
fn per_key(db: &Db, sql: &str) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for row in db.try_query(sql).unwrap_or_default() {
        *map.entry(row[0].clone()).or_default() += row[1].parse::<u64>().unwrap();
    }
    map
}

/// Runs `child` (publishing with `publish(first, count)`) killed at random moments `rounds`
/// times, then once more until every record is counted, stopped gracefully; then checks the
/// tables.
fn killed_and_restarted(test: &str, db: &Db, child: &str, source: &str, mut publish: impl FnMut(u64, u64)) {
    let rounds: usize = std::env::var("DSTREAM_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20);
    let dir = TestDir::new(test);
    let (counts, totals) = (db.table(&format!("{test}_counts")), db.table(&format!("{test}_totals")));
    db.drop_table(&counts);
    db.drop_table(&totals);
    let (root, url) = (dir.path().to_string_lossy().into_owned(), db.url());
    let env = [
        ("DSTREAM_CK_ROOT", root.as_str()),
        ("DSTREAM_CK_SOURCE", source),
        ("DSTREAM_CK_URL", url.as_str()),
        ("DSTREAM_CK_COUNTS", counts.as_str()),
        ("DSTREAM_CK_TOTALS", totals.as_str()),
    ];
    let spawn = || ChildJob::spawn(child, &env);
    let history = format!("SELECT key, value FROM {counts}");
    let mut rng: Rng = rng_from_pid();
    let mut published = 0;
    for _ in 0..rounds {
        publish(published, PER_ROUND);
        published += PER_ROUND;
        let running = spawn();
        // Kill it anywhere: while it starts or recovers (no new batch yet), or after zero to
        // three new committed batches and a random moment more, mid-batch or mid-commit.
        let target = markers(db, &counts) + rng.below(4) as usize;
        wait_for(
            StdDuration::from_secs(60),
            || format!("{} of {target} batches committed", markers(db, &counts)),
            || markers(db, &counts) >= target,
        );
        std::thread::sleep(StdDuration::from_millis(rng.below(200)));
        running.kill();
    }
    // A last run that is not killed: every record counted, then a few more batches (a
    // duplicate would show as a count above the total), then a graceful stop.
    let running = spawn();
    wait_for(
        StdDuration::from_secs(90),
        || format!("{} of {published} records counted", per_key(db, &history).values().sum::<u64>()),
        || per_key(db, &history).values().sum::<u64>() >= published,
    );
    let target = markers(db, &counts) + 3;
    wait_for(StdDuration::from_secs(30), || "three more batches".into(), || markers(db, &counts) >= target);
    let status = running.terminate();
    assert!(status.success(), "graceful stop exits 0, got {status}");

    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for n in 0..published {
        *want.entry(key_of(&format!("r{n}"))).or_default() += 1;
    }
    let log = std::fs::read_to_string(dir.join("batches.log")).unwrap_or_default();
    let mut runs: BTreeMap<u64, usize> = BTreeMap::new();
    for line in log.lines() {
        *runs.entry(line.parse().expect("a batch time")).or_default() += 1;
    }
    let reruns: usize = runs.values().map(|n| n - 1).sum();
    println!(
        "{test}: {rounds} kills, {published} records, {} batches committed, {reruns} re-runs of committed batch times",
        markers(db, &counts)
    );
    assert_eq!(per_key(db, &history), want, "the history counts every record exactly once");
    assert_eq!(
        per_key(db, &format!("SELECT key, value FROM {totals}")),
        want,
        "the upserted totals equal the input's counts"
    );
    // One marker per committed batch, and the rows it says it committed.
    let marked = db.query(&format!(
        "SELECT m.batch_time, m.row_count, (SELECT count(*) FROM {counts} c WHERE c.batch_time = m.batch_time) \
         FROM dstream_batches m WHERE m.job = '{JOB}' AND m.table_name = '{counts}'"
    ));
    for row in &marked {
        assert_eq!(row[1], row[2], "batch {} has the rows its marker counts", row[0]);
    }
    assert!(reruns > 0, "no committed batch time ran again: the test tested nothing");
    db.drop_table(&counts);
    db.drop_table(&totals);
}

fn broker() -> bool {
    server_present(broker_answers(), "no Kafka at 127.0.0.1:9092 (scripts/services up kafka)")
}

fn kafka_publisher(topic: &str) -> impl FnMut(u64, u64) + '_ {
    move |first, count| {
        let records: Vec<Vec<u8>> = (first..first + count).map(|n| format!("r{n}").into_bytes()).collect();
        produce(topic, None, &records);
    }
}

#[test]
fn kafka_to_postgres_counts_every_record_once_across_kills() {
    if !broker() {
        return;
    }
    let Some(db) = Db::postgres() else { return };
    let topic = create_topic("sql-kill-pg", 3);
    killed_and_restarted("kafka_pg_kill", &db, "kafka_sql_child", &topic, kafka_publisher(&topic));
}

#[test]
fn kafka_to_sqlite_counts_every_record_once_across_kills() {
    if !broker() {
        return;
    }
    let topic = create_topic("sql-kill-sqlite", 3);
    let dir = TestDir::new("kafka-sql-kill-db");
    let db = Db::sqlite(dir.path(), "kill.db");
    killed_and_restarted("kafka_sqlite_kill", &db, "kafka_sql_child", &topic, kafka_publisher(&topic));
}

#[test]
fn nats_to_sqlite_counts_every_record_once_across_kills() {
    let Some(mut wire) = Wire::connect() else {
        server_present(false, "no NATS at 127.0.0.1:4222 (scripts/services up nats)");
        return;
    };
    let (stream, subject) = (
        format!("dstream_sql_kill_{}", std::process::id()),
        format!("dstream.test.sqlkill.{}", std::process::id()),
    );
    wire.create_stream(&stream, &subject);
    drop(wire); // idle through the kills, the server would drop it
    let dir = TestDir::new("nats-sql-kill-db");
    let db = Db::sqlite(dir.path(), "kill.db");
    let publish = |first: u64, count: u64| {
        let mut wire = Wire::connect().expect("the server answers");
        for n in first..first + count {
            wire.publish(&subject, format!("r{n}").as_bytes());
        }
        wire.flush();
    };
    killed_and_restarted("nats_sqlite_kill", &db, "nats_sql_child", &subject, publish);
    Wire::connect().expect("the server answers").delete_stream(&stream);
}
