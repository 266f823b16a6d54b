//! Live order-status dashboard: counts e-commerce order events per status, one batch a
//! minute, and shows them on a web page that updates as each batch completes.
//!
//! ```text
//! cargo run --release --example order_dashboard                    # open http://127.0.0.1:8080/
//! cargo run --release --example order_dashboard -- --interval 2s   # a quick look: a batch every 2 s
//! cargo run --release --example order_dashboard -- --interval 2s --batches 3
//! cargo run --release --example order_dashboard -- --generate --listen 127.0.0.1:9999
//! cargo run --release --example order_dashboard -- --connect 127.0.0.1:9999
//! cargo run --release --example order_dashboard --features dashboard,sqlite -- --sql sqlite://orders.db
//! ```
//!
//! The events are lines `order_id,status,timestamp_ms` with a status among `purchased`,
//! `shipped`, `delivered`, `cancelled` and `returned`. By default the example starts its own
//! generator, [`OrderEvents`], on a free local port: seeded, so the same seed gives the same
//! events, written at `--rate` events per second; about one line in 400 is garbled, as real
//! feeds are. `--generate` runs only that generator, as a server on `--listen`, for another
//! instance started with `--connect` (or any program that reads lines over TCP).
//!
//! The job parses each line (a malformed line is skipped and counted: the job logs how
//! many each batch), counts the orders per status with `reduce_by_key(+)`, prints the counts
//! in Spark's format on standard output and publishes them with `dashboard`: a page on
//! `--dashboard` (default `127.0.0.1:8080`) with a chart of the counts per status over the
//! last 60 batches and a table of the latest batch, its batch time and processing time.
//!
//! With `--sql URL` (`sqlite://orders.db`, or `postgres://dstream@127.0.0.1:5432/dstream`
//! after `scripts/services up postgres`; features `sqlite` / `postgres`), each batch's
//! counts are also written with `to_sql` into the table `order_status`: columns `key` (the
//! status), `value` (the count) and `batch_time`, one transaction per batch.
//!
//! The batch interval comes from the command line (`every {interval.duration()}`): one
//! program serves `--interval 1min` (the default) and `--interval 2s`.
//!
//! Logs go to standard error (`RUST_LOG=debug` for more). Ctrl-C stops the job gracefully.

use clap::{Parser, ValueEnum};
use dstream::feed::{LineServer, Rng};
use dstream::prelude::*;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

// Host:port parsing, logging set-up and error reporting, shared with the other examples.
#[allow(dead_code)] // the feed and `--generate` helpers of the other examples
#[path = "common/cli.rs"]
mod cli;

/// The statuses of an order, in the order an order goes through them.
pub const STATUSES: [&str; 5] = ["purchased", "shipped", "delivered", "cancelled", "returned"];

/// Counts order events per status and shows them live on a web page.
#[derive(Debug, Parser)]
#[command(name = "order_dashboard")]
struct Args {
    /// The batch interval: `1min`, or `2s` for a quick look.
    #[arg(long, value_enum, default_value = "1min")]
    interval: Interval,

    /// Where the dashboard serves its page.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    dashboard: String,

    /// Read events from this TCP server (`host:port`) instead of the embedded generator.
    #[arg(long, value_name = "HOST:PORT", value_parser = cli::parse_host_port, conflicts_with = "generate")]
    connect: Option<(String, u16)>,

    /// Run only the event generator, as a TCP server on `--listen`, until Ctrl-C.
    #[arg(long)]
    generate: bool,

    /// With `--generate`: the address to serve the events on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9999", requires = "generate")]
    listen: String,

    /// Seed of the generated events: the same seed gives the same events.
    #[arg(long, default_value_t = 7)]
    seed: u64,

    /// Events per second written by the generator.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    rate: u32,

    /// Also write each batch's counts into the table `order_status` of this database
    /// (`sqlite://orders.db` or `postgres://user@host/db`; features `sqlite`, `postgres`).
    #[arg(long, value_name = "URL")]
    sql: Option<String>,

    /// Stop gracefully after this many batches (default: run until Ctrl-C).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    batches: Option<u64>,
}

/// The batch intervals the example offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Interval {
    /// `every 1min`: the dashboard of a real shop.
    #[value(name = "1min")]
    OneMinute,
    /// `every 2s`: a demonstration.
    #[value(name = "2s")]
    TwoSeconds,
}

impl Interval {
    /// The batch interval.
    pub fn duration(self) -> std::time::Duration {
        match self {
            Interval::OneMinute => std::time::Duration::from_secs(60),
            Interval::TwoSeconds => std::time::Duration::from_secs(2),
        }
    }
}

/// The status of an event line `order_id,status,timestamp_ms`, or `None` if the line is
/// malformed: not three fields, an id or timestamp that is not a number, or an unknown
/// status.
pub fn parse_status(line: &str) -> Option<&'static str> {
    let mut fields = line.split(',');
    let (id, status, timestamp) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() {
        return None;
    }
    id.trim().parse::<u64>().ok()?;
    timestamp.trim().parse::<u64>().ok()?;
    let status = status.trim();
    STATUSES.into_iter().find(|known| *known == status)
}

/// [`parse_status`], counting the malformed lines in `skipped`.
fn parse_counting(line: &str, skipped: &AtomicU64) -> Option<&'static str> {
    let status = parse_status(line);
    if status.is_none() {
        skipped.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(line, "skipping a malformed event");
    }
    status
}

/// Logs, after each batch, how many malformed lines it skipped.
#[derive(Debug)]
pub struct SkipLog {
    skipped: Arc<AtomicU64>,
    reported: u64,
}

impl SkipLog {
    /// Reports the lines counted in `skipped`.
    pub fn new(skipped: Arc<AtomicU64>) -> SkipLog {
        SkipLog { skipped, reported: 0 }
    }

    /// Logs the lines skipped since the last report.
    fn report(&mut self, time: Time) {
        let total = self.skipped.load(Ordering::Relaxed);
        if total > self.reported {
            tracing::warn!(batch = %time, skipped = total - self.reported, total, "malformed events skipped");
            self.reported = total;
        }
    }
}

/// The job: events from the line server at `host:port`, counted per status every batch,
/// printed and shown on the dashboard at `dashboard_addr`. Malformed lines are counted in
/// `skipped`.
pub fn order_job(
    interval: Interval,
    host: &str,
    port: u16,
    dashboard_addr: &str,
    skipped: Arc<AtomicU64>,
) -> Job {
    order_job_with_sql(interval, host, port, dashboard_addr, skipped, SqlOutput::default())
}

/// [`order_job`], also writing each batch's counts to `sql`.
pub fn order_job_with_sql(
    interval: Interval,
    host: &str,
    port: u16,
    dashboard_addr: &str,
    skipped: Arc<AtomicU64>,
    sql: SqlOutput,
) -> Job {
    let mut log = SkipLog::new(Arc::clone(&skipped));
    stream! {
        let counts = socket(host, port)
            |> flat_map(|line| parse_counting(line, &skipped))
            |> map(|status| (status, 1u64))
            |> reduce_by_key(+) every {interval.duration()};
        counts |> print;
        counts |> dashboard(dashboard_addr);
        counts |> output(sql);
        counts |> foreach_batch(|_, time| log.report(time))
    }
}

/// `--sql URL`: `to_sql(URL, "order_status")` when given (a build with neither the `sqlite`
/// nor the `postgres` feature refuses the flag), else nothing.
#[derive(Debug, Default)]
pub struct SqlOutput(Option<dstream::sink::sql::SqlSink>);

impl SqlOutput {
    /// The counts written into the table `order_status` at `url`.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub fn to(url: &str) -> dstream::Result<SqlOutput> {
        Ok(SqlOutput(Some(dstream::sink::sql::to_sql(url, "order_status", None))))
    }

    /// Refused: this build has no SQL output.
    #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
    pub fn to(url: &str) -> dstream::Result<SqlOutput> {
        Err(dstream::Error::Config(format!(
            "--sql {url}: build the example with `--features dashboard,sqlite` (or `postgres`)"
        )))
    }
}

// For any lifetime of the status text: with the `cluster` feature, text that crossed an
// exchange is borrowed from the batch's received bytes rather than `'static`.
impl<'a> dstream::sink::Sink<(&'a str, u64)> for SqlOutput {
    fn write_batch(
        &mut self,
        batch: &dstream::sink::SinkBatch<'_>,
        records: Vec<(&'a str, u64)>,
    ) -> dstream::Result<()> {
        match &mut self.0 {
            Some(sql) => sql.write_batch(batch, records),
            None => Ok(()),
        }
    }
}

/// A deterministic stream of order events, `order_id,status,timestamp_ms`.
///
/// Orders go through their statuses as in a shop: purchased, then shipped (or, for about
/// one in eight, cancelled), delivered, and for about one delivered order in seven,
/// returned. Up to 400 orders are open at once; each event advances a random one of them or
/// opens a new order. Timestamps start at 2024-06-01T00:00:00Z and advance 1 to 40 ms per
/// event. About one line in 400 is garbled (cut short). The same seed gives the same lines.
#[derive(Clone, Debug)]
pub struct OrderEvents {
    rng: Rng,
    next_order: u64,
    /// Open orders and the last status of each.
    open: Vec<(u64, Stage)>,
    clock_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Purchased,
    Shipped,
    Delivered,
}

/// Most orders open at once.
const MAX_OPEN: usize = 400;

impl OrderEvents {
    /// The events of seed `seed`.
    pub fn new(seed: u64) -> OrderEvents {
        OrderEvents {
            rng: Rng::new(seed),
            next_order: 100_001,
            open: Vec::new(),
            clock_ms: 1_717_200_000_000,
        }
    }

    /// The next event's order id and status.
    fn next_event(&mut self) -> (u64, &'static str) {
        loop {
            let open_new = self.open.len() < 10 || (self.open.len() < MAX_OPEN && self.rng.below(100) < 35);
            if open_new {
                let id = self.next_order;
                self.next_order += 1;
                self.open.push((id, Stage::Purchased));
                return (id, "purchased");
            }
            let i = self.rng.below(self.open.len() as u64) as usize;
            let (id, stage) = self.open[i];
            match stage {
                Stage::Purchased if self.rng.below(8) == 0 => {
                    self.open.swap_remove(i);
                    return (id, "cancelled");
                }
                Stage::Purchased => {
                    self.open[i].1 = Stage::Shipped;
                    return (id, "shipped");
                }
                Stage::Shipped => {
                    self.open[i].1 = Stage::Delivered;
                    return (id, "delivered");
                }
                Stage::Delivered => {
                    self.open.swap_remove(i);
                    if self.rng.below(7) == 0 {
                        return (id, "returned");
                    }
                    // Kept: the order is complete and makes no event. Draw again.
                }
            }
        }
    }
}

impl Iterator for OrderEvents {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let (id, status) = self.next_event();
        self.clock_ms += 1 + self.rng.below(40);
        let mut line = format!("{id},{status},{}", self.clock_ms);
        if self.rng.below(400) == 0 {
            // A garbled line: cut short, as by a writer that died mid-line.
            line.truncate(line.len() / 2);
        }
        Some(line)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    cli::init_tracing();
    let result = if args.generate { generate(&args) } else { run(&args) };
    cli::exit_code("order_dashboard", result)
}

/// `--generate`: serves the events on `--listen` until the process is stopped.
fn generate(args: &Args) -> dstream::Result<()> {
    let server = LineServer::start(args.listen.as_str(), OrderEvents::new(args.seed), Some(args.rate))?;
    tracing::info!(address = %server.local_addr(), seed = args.seed, rate = args.rate, "serving order events until Ctrl-C");
    loop {
        std::thread::park();
    }
}

fn run(args: &Args) -> dstream::Result<()> {
    // The embedded generator lives until the job has stopped.
    let (feed, host, port) = match &args.connect {
        Some((host, port)) => (None, host.clone(), *port),
        None => {
            let server = LineServer::start("127.0.0.1:0", OrderEvents::new(args.seed), Some(args.rate))?;
            let addr = server.local_addr();
            (Some(server), addr.ip().to_string(), addr.port())
        }
    };
    tracing::info!(%host, port, interval = ?args.interval, "order dashboard reading events from a socket");

    let skipped = Arc::new(AtomicU64::new(0));
    let sql = match &args.sql {
        Some(url) => SqlOutput::to(url)?,
        None => SqlOutput::default(),
    };
    let mut job = order_job_with_sql(args.interval, &host, port, &args.dashboard, Arc::clone(&skipped), sql);
    tracing::debug!("plan:\n{}", job.explain());
    if let Some(n) = args.batches {
        job = job.stop_after_batches(n);
    }
    let result = job.run();

    tracing::info!(skipped = skipped.load(Ordering::Relaxed), "malformed events skipped in all");
    if let Some(server) = feed {
        tracing::info!(events_sent = server.lines_sent(), "embedded generator stopped");
        server.stop();
    }
    result
}
