//! Sentiment every 15 minutes: posts from four sources stream in, each is scored with VADER,
//! and every minute the job prints, over the last 15 minutes, the mean sentiment and the
//! number of posts of each source, then the most negative posts.
//!
//! ```text
//! cargo run --release --example sentiment -- --demo --batches 5   # 1 s batches, 15 s window
//! cargo run --release --example sentiment                         # 1 min batches, 15 min window
//! cargo run --release --example sentiment -- --generate --demo | nc -lk 9999   # a feed...
//! cargo run --release --example sentiment -- --demo --connect 127.0.0.1:9999  # ...read back
//! ```
//!
//! A post is one line, `source<TAB>text`, with `source` one of `twitter`, `facebook`,
//! `review`, `comment`; malformed lines are skipped. Each post gets VADER's compound score
//! (from −1, most negative, to +1), computed by the `vader-sentimental` crate, a maintained
//! Rust port of the VADER lexicon and rules (Hutto & Gilbert, ICWSM 2014).
//!
//! The program (in `examples/common/sentiment.rs`, shared with `tests/sentiment.rs`):
//!
//! ```text
//! let posts = socket(host, port) |> flat_map(parse_post) |> map(scored) every 1min;
//! posts |> map(|(source, score, _)| (source, (score, 1u64)))
//!       |> reduce_by_key_and_window(|(sum_a, n_a), (sum_b, n_b)| (sum_a + sum_b, n_a + n_b), 15min, 1min)
//!       |> transform(|per_source, _| moods(per_source)) |> print;
//! posts |> filter(|(_, score, _)| *score < 0.0)
//!       |> transform(|negative, _| most_negative(negative, worst))
//!       |> window(15min, 1min)
//!       |> transform(|negative, _| most_negative(negative, worst))
//!       |> map(Negative::from) |> print(worst)
//! ```
//!
//! Batch intervals and windows are compile-time literals in `stream!`, so the demo switch
//! compiles the program twice: `every 1min` with a `15min` window sliding `1min`, and, with
//! `--demo`, `every 1s` with a `15s` window sliding `1s` (the same 15 batches, 60 times
//! faster); `--demo` picks one at run time.
//!
//! By default the example starts its own feed, a line server on a free local port writing
//! deterministic generated posts (`--seed`, `--rate` per second). Results go to standard
//! output in Spark's `print` format, logs to standard error (`RUST_LOG=debug` for more).
//! Ctrl-C stops the job gracefully.

use clap::Parser;
use std::process::ExitCode;

#[path = "common/cli.rs"]
mod cli;
#[allow(dead_code)] // `queue_job` is for the test
#[path = "common/sentiment.rs"]
mod sentiment;

/// Posts per second of the embedded feed.
const DEFAULT_RATE: u32 = 20;

/// Mean sentiment and post count per source over 15 minutes, and the most negative posts.
#[derive(Debug, Parser)]
#[command(name = "sentiment")]
struct Args {
    #[command(flatten)]
    feed: cli::FeedArgs,

    /// How many of the window's most negative posts to print.
    #[arg(long, value_name = "N", default_value_t = 3)]
    worst: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let posts = sentiment::PostLines::new(args.feed.seed);
    let rate = args.feed.rate.unwrap_or(DEFAULT_RATE);
    if args.feed.generate {
        return cli::generate(posts, rate, args.feed.lines);
    }
    cli::init_tracing();
    cli::exit_code("sentiment", run(args, posts, rate))
}

fn run(args: Args, posts: sentiment::PostLines, rate: u32) -> dstream::Result<()> {
    let (feed, host, port) = cli::feed(args.feed.connect, posts, rate)?;
    tracing::info!(%host, port, demo = args.feed.demo, "sentiment job reading posts from a socket");
    let job = sentiment::socket_job(host, port, args.feed.demo, args.worst);
    cli::run(job, args.feed.batches, feed)
}
