//! Fraud detection: bank transactions stream in, and the job raises alerts per account from
//! three rules that combine keyed state and sliding windows. Alerts go to standard output
//! and to text files.
//!
//! ```text
//! cargo run --release --example fraud -- --demo --batches 5    # 1 s batches, windows of seconds
//! cargo run --release --example fraud                          # 10 s batches, windows of minutes
//! cargo run --release --example fraud -- --generate --demo | nc -lk 9999   # a feed...
//! cargo run --release --example fraud -- --demo --connect 127.0.0.1:9999  # ...read back
//! ```
//!
//! A transaction is one line, `time,account,amount,country,merchant`
//! (`2024-06-01T09:00:00.025Z,ACC-1003,42.50,FR,Carrefour`); malformed lines are skipped.
//! The rules (in `examples/common/fraud.rs`, shared with `tests/fraud.rs`):
//!
//! 1. **amount**: an amount more than 3 standard deviations above the account's running
//!    mean, once it has 5 transactions: `map_with_state` keeps each account's count, mean
//!    and sum of squared deviations (Welford); an outlier stays out of the profile.
//! 2. **velocity**: more than `--limit` transactions (default 20) within 1 minute:
//!    `reduce_by_key_and_window(+, -, 1min, 10s, ...)`, the incremental window.
//! 3. **travel**: payments in two countries or more within 5 minutes:
//!    `group_by_key_and_window(5min, 10s)`.
//!
//! The window rules alert once per episode, when the condition starts to hold:
//! `update_state_by_key` keeps the accounts whose condition held at the previous slide.
//! The three alert streams are united, sorted, printed and saved with
//! `save_as_text_files("<out-dir>/alerts", "txt")`: one directory
//! `alerts-<batch time in ms>.txt` per batch, with a `part-NNNNN` file per partition.
//! `--out-dir` defaults to `dstream-fraud-alerts` in the system's temporary directory, not
//! the current one; the job logs where it writes.
//!
//! Batch intervals and windows are compile-time literals in `stream!`, so the demo switch
//! compiles the program twice: `every 10s` with windows of `1min` and `5min`, and, with
//! `--demo`, `every 1s` with windows of `6s` and `30s` (the same numbers of batches, 10
//! times faster); `--demo` picks one at run time. The embedded generator's rate follows (4
//! transactions a second, 40 with `--demo`), so a batch holds about 40 either way.
//!
//! By default the example starts its own feed, a line server on a free local port writing
//! deterministic generated transactions (`--seed`, `--rate`): 16 accounts paying as usual,
//! and every 8 rounds a burst, a payment abroad and an outsized amount. Logs go to standard
//! error (`RUST_LOG=debug` for more). Ctrl-C stops the job gracefully.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[path = "common/cli.rs"]
mod cli;
#[allow(dead_code)] // `queue_job` is for the test
#[path = "common/fraud.rs"]
mod fraud;

/// Transactions per second of the embedded feed with `--demo`; a tenth of it without.
const DEMO_RATE: u32 = 40;

/// Alerts per account: outsized amounts, too many transactions, two countries.
#[derive(Debug, Parser)]
#[command(name = "fraud")]
struct Args {
    #[command(flatten)]
    feed: cli::FeedArgs,

    /// The most transactions an account may make within the velocity window (1 min, 6 s
    /// with `--demo`) without an alert.
    #[arg(long, value_name = "N", default_value_t = 20)]
    limit: u32,

    /// Where to write the alert files (`alerts-<batch time in ms>.txt/part-NNNNN`);
    /// default: `dstream-fraud-alerts` in the system's temporary directory (`$TMPDIR`).
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let default_rate = if args.feed.demo { DEMO_RATE } else { DEMO_RATE / 10 };
    let rate = args.feed.rate.unwrap_or(default_rate);
    let transactions = fraud::TransactionLines::new(args.feed.seed, rate);
    if args.feed.generate {
        return cli::generate(transactions, rate, args.feed.lines);
    }
    cli::init_tracing();
    cli::exit_code("fraud", run(args, transactions, rate))
}

fn run(args: Args, transactions: fraud::TransactionLines, rate: u32) -> dstream::Result<()> {
    let (feed, host, port) = cli::feed(args.feed.connect, transactions, rate)?;
    let out_dir = args.out_dir.unwrap_or_else(|| std::env::temp_dir().join("dstream-fraud-alerts"));
    let prefix = out_dir.join("alerts").to_string_lossy().into_owned();
    tracing::info!(%host, port, demo = args.feed.demo, alerts = %prefix, "fraud job reading transactions from a socket");
    let job = fraud::socket_job(host, port, args.feed.demo, args.limit, prefix);
    cli::run(job, args.feed.batches, feed)
}
