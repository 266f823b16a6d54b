//! How many rows per second `to_sql` commits: writes `--batches` batches of `--rows`
//! `(String, u64)` pairs into a fresh table through the sink itself (one transaction and one
//! marker per batch, as a job's batch thread does) and prints the rate.
//!
//! ```text
//! cargo run --release --example to_sql_rate --features sqlite,postgres -- --url sqlite:///tmp/rate.db
//! scripts/services up postgres
//! cargo run --release --example to_sql_rate --features sqlite,postgres -- --url postgres://dstream@127.0.0.1:5432/dstream
//! cargo run --release --example to_sql_rate --features sqlite,postgres -- --url sqlite:///tmp/rate.db --upsert
//! ```
//!
//! Measured on the project's 2-core machine while other builds kept it loaded (load average
//! 9 to 14), release build, PostgreSQL 15 on the same cores, two runs each:
//!
//! | database | mode | batches × rows | rows/s | ms per batch |
//! |---|---|---|---|---|
//! | SQLite (WAL, `synchronous = FULL`) | append | 20 × 10 000 | 0.98–1.14 M | 8.8–10.2 |
//! | SQLite | upsert | 20 × 10 000 | 420–473 k | 21–24 |
//! | PostgreSQL | append | 20 × 10 000 | 302–407 k | 25–33 |
//! | PostgreSQL | upsert | 20 × 10 000 | 68–76 k | 131–148 |
//! | SQLite | append | 200 × 100 | 31 k | 3.2 |
//! | PostgreSQL | append | 200 × 100 | 19 k | 5.2 |
//!
//! Small batches are bound by the commit (an fsync each); large ones by building and binding
//! the rows.

use clap::Parser;
use dstream::sink::sql::{to_sql, SqlOptions};
use dstream::sink::{Sink, SinkBatch};
use dstream::Time;
use std::process::ExitCode;
use std::time::Instant;

/// Measures `to_sql`'s committed rows per second.
#[derive(Debug, Parser)]
#[command(name = "to_sql_rate")]
struct Args {
    /// The database: `sqlite://path` or `postgres://user@host:port/db`.
    #[arg(long)]
    url: String,
    /// Rows per batch.
    #[arg(long, default_value_t = 10_000)]
    rows: usize,
    /// Batches to write (after one untimed batch that connects and creates the table).
    #[arg(long, default_value_t = 20)]
    batches: u64,
    /// Upsert mode: every batch rewrites the same `--rows` keys.
    #[arg(long)]
    upsert: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("to_sql_rate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> dstream::Result<()> {
    let table = format!("to_sql_rate_{}", std::process::id());
    let options = if args.upsert { SqlOptions::upsert() } else { SqlOptions::append() };
    let mut sink = to_sql(&args.url, &table, Some(options));
    let batch = |i: u64| -> Vec<(String, u64)> { (0..args.rows).map(|k| (format!("key-{k}"), i)).collect() };
    let job = "to_sql_rate";
    sink.write_batch(&SinkBatch { time: Time::from_millis(1000), job }, batch(0))?;
    let started = Instant::now();
    for i in 1..=args.batches {
        sink.write_batch(&SinkBatch { time: Time::from_millis(1000 * (i + 1)), job }, batch(i))?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let rows = args.rows as f64 * args.batches as f64;
    println!(
        "{} {}: {} batches of {} rows in {seconds:.3} s: {:.0} rows/s, {:.1} ms per batch (table {table})",
        args.url,
        if args.upsert { "upsert" } else { "append" },
        args.batches,
        args.rows,
        rows / seconds,
        seconds * 1000.0 / args.batches as f64,
    );
    Ok(())
}
