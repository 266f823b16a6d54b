//! `to_sql` exactly once under crashes: a job reading files (a source that describes its
//! cuts) counts records per key with `reduce_by_key` (a history table, one row per key per
//! batch) and with `update_state_by_key` (an upsert table of running totals), checkpointing
//! every batch. It is killed with SIGKILL at random moments and restarted,
//! `DSTREAM_CRASH_ROUNDS` times (default 20); at the end the history adds up to every input
//! record exactly once and the totals equal an uncrashed run's. For SQLite, and for the
//! PostgreSQL of `scripts/services up postgres` (skipped when it does not answer, unless
//! `CI=true`).

mod common;
#[path = "common/sql.rs"]
mod sql;

use common::{rng_from_pid, ChildJob, TestDir};
use dstream::prelude::*;
use dstream::sink::sql::SqlOptions;
use sql::Db;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration as StdDuration, Instant};

const FILES: usize = 40;
const LINES_PER_FILE: usize = 25;
const KEYS: usize = 7;
const JOB: &str = "to-sql-kill";

/// The job under test, as the child runs it (`DSTREAM_KILL_*` say where).
#[test]
#[ignore = "run by the kill tests in a child process"]
fn to_sql_kill_child() {
    let Ok(root) = std::env::var("DSTREAM_KILL_DIR") else { return };
    let url = std::env::var("DSTREAM_KILL_URL").expect("the database URL");
    let counts = std::env::var("DSTREAM_KILL_COUNTS").expect("the history table");
    let totals = std::env::var("DSTREAM_KILL_TOTALS").expect("the totals table");
    let root = Path::new(&root);
    let (input, checkpoints) = (root.join("in"), root.join("checkpoints"));
    let job = stream! {
        #![checkpoint(checkpoints, 100ms)]
        let pairs = text_files(input) every 100ms |> map(|l| (l.split(':').next().unwrap_or("").to_string(), 1u64));
        pairs |> reduce_by_key(+) |> to_sql(url.as_str(), counts.as_str());
        pairs |> update_state_by_key(|ones, total| Some(ones.iter().sum::<u64>() + total.unwrap_or(0)))
            |> to_sql(url.as_str(), totals.as_str(), SqlOptions::upsert())
    }
    .with_name(JOB);
    job.run().expect("the job runs until it is killed or stopped");
}

/// Writes input file `i` atomically: elsewhere first, then renamed into the directory.
fn add_file(root: &Path, i: usize) {
    let text: String =
        (0..LINES_PER_FILE).map(|j| format!("k{}:f{i}-l{j}\n", (i * LINES_PER_FILE + j) % KEYS)).collect();
    let staging = root.join("staging").join(format!("f{i}.txt"));
    std::fs::write(&staging, text).unwrap();
    std::fs::rename(&staging, root.join("in").join(format!("f{i}.txt"))).unwrap();
}

/// The latest committed batch time, if any (none before the marker table exists).
fn last_batch(db: &Db, table: &str) -> Option<u64> {
    let rows = db
        .try_query(&format!(
            "SELECT max(batch_time) FROM dstream_batches WHERE job = '{JOB}' AND table_name = '{table}'"
        ))
        .ok()?;
    rows.first().and_then(|row| row[0].parse().ok())
}

/// `SELECT key, value` of `sql` as a map (values added up per key).
fn per_key(db: &Db, sql: &str) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for row in db.query(sql) {
        *map.entry(row[0].clone()).or_default() += row[1].parse::<u64>().unwrap();
    }
    map
}

fn killed_and_restarted(db: &Db, name: &str) {
    let rounds: usize = std::env::var("DSTREAM_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20);
    let dir = TestDir::new(name);
    let root = dir.path();
    for sub in ["in", "staging"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    let (counts, totals) = (db.table("kill_counts"), db.table("kill_totals"));
    db.drop_table(&counts);
    db.drop_table(&totals);
    let url = db.url();
    let env = [
        ("DSTREAM_KILL_DIR", root.to_str().unwrap()),
        ("DSTREAM_KILL_URL", url.as_str()),
        ("DSTREAM_KILL_COUNTS", counts.as_str()),
        ("DSTREAM_KILL_TOTALS", totals.as_str()),
    ];
    let spawn = || ChildJob::spawn("to_sql_kill_child", &env);
    // Files already present at the very first start are not new (Spark's newFilesOnly):
    // add input only once the job has committed its first batch.
    let child = spawn();
    let deadline = Instant::now() + StdDuration::from_secs(60);
    while last_batch(db, &counts).is_none() {
        assert!(Instant::now() < deadline, "the job never committed a batch");
        std::thread::sleep(StdDuration::from_millis(20));
    }
    let mut child = Some(child);
    let mut rng = rng_from_pid();
    let mut added = 0;
    for _ in 0..rounds {
        let running = child.take().unwrap_or_else(spawn);
        // Let it run a few batches, adding files meanwhile, then kill it anywhere: while it
        // starts, recovers, reads, or commits.
        let alive_for = StdDuration::from_millis(100 + rng.below(500));
        let started = Instant::now();
        while started.elapsed() < alive_for {
            if added < FILES && rng.below(3) == 0 {
                add_file(root, added);
                added += 1;
            }
            std::thread::sleep(StdDuration::from_millis(20));
        }
        running.kill();
    }
    while added < FILES {
        add_file(root, added);
        added += 1;
    }
    // A last run that is not killed: wait until every record is counted, then stop it.
    let before = last_batch(db, &counts).unwrap_or(0);
    let child = spawn();
    let expected_total = (FILES * LINES_PER_FILE) as u64;
    let history = format!("SELECT key, value FROM {counts}");
    let deadline = Instant::now() + StdDuration::from_secs(90);
    loop {
        let seen: u64 = per_key(db, &history).values().sum();
        let ran = last_batch(db, &counts).is_some_and(|t| t > before);
        if seen >= expected_total && ran {
            break;
        }
        assert!(Instant::now() < deadline, "only {seen} of {expected_total} records counted");
        std::thread::sleep(StdDuration::from_millis(100));
    }
    let status = child.terminate();
    assert!(status.success(), "graceful stop exits 0, got {status}");

    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for i in 0..FILES {
        for j in 0..LINES_PER_FILE {
            *want.entry(format!("k{}", (i * LINES_PER_FILE + j) % KEYS)).or_default() += 1;
        }
    }
    assert_eq!(per_key(db, &history), want, "the history counts every record exactly once");
    assert_eq!(
        per_key(db, &format!("SELECT key, value FROM {totals}")),
        want,
        "the totals are an uncrashed run's"
    );
    // One marker per committed batch, and the rows it says it committed.
    let markers = db.query(&format!(
        "SELECT m.batch_time, m.row_count, (SELECT count(*) FROM {counts} c WHERE c.batch_time = m.batch_time) \
         FROM dstream_batches m WHERE m.job = '{JOB}' AND m.table_name = '{counts}'"
    ));
    assert!(markers.len() > rounds, "a batch or more per run: {} markers", markers.len());
    for row in &markers {
        assert_eq!(row[1], row[2], "batch {} has the rows its marker counts", row[0]);
    }
    db.drop_table(&counts);
    db.drop_table(&totals);
}

#[test]
fn sqlite_counts_every_record_once_across_kills() {
    let dir = TestDir::new("to-sql-kill-db");
    killed_and_restarted(&Db::sqlite(dir.path(), "kill.db"), "to-sql-kill-sqlite");
}

#[test]
fn postgres_counts_every_record_once_across_kills() {
    if let Some(db) = Db::postgres() {
        killed_and_restarted(&db, "to-sql-kill-postgres");
    }
}
