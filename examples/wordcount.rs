//! Word count: Spark Streaming's quick-start job, written in dstream.
//!
//! ```text
//! cargo run --release --features generate --example wordcount                 # embedded lorem ipsum feed
//! cargo run --release --features generate --example wordcount -- --batches 3  # stop after 3 batches
//! cargo run --release --features generate --example wordcount -- --connect 127.0.0.1:9999   # after `nc -lk 9999`
//! cargo run --release --features generate --example wordcount -- --generate | nc -lk 9999   # the feed alone
//! ```
//!
//! By default the example starts its own line server on a free local port, writing seeded
//! lorem ipsum lines at a steady rate, and the job's `socket` source reads from it. With
//! `--connect host:port` it reads from your server instead (type lines into `nc -lk 9999`).
//!
//! Every second the job prints the word counts of that second's lines in Spark's format on
//! standard output. Logs go to standard error (`RUST_LOG=debug` for more, `RUST_LOG=warn` for
//! less). Ctrl-C stops it gracefully: the lines already received are counted in one last batch.

use clap::Parser;
use dstream::feed::LoremLines;
use dstream::prelude::*;
use std::process::ExitCode;

// Host:port parsing, the feed, `--generate`, logging and error reporting, shared with the
// other examples.
#[allow(dead_code)] // `FeedArgs`, for the examples with a demo mode
#[path = "common/cli.rs"]
mod cli;

/// Seed of the embedded feed: the same seed gives the same lines.
const FEED_SEED: u64 = 42;

/// Lines per second written by the embedded feed: 5 to 15 words each, about 2,000 words a
/// second.
const FEED_LINES_PER_SEC: u32 = 200;

/// Counts the words of a text stream, one batch per second, as Spark Streaming's quick start.
#[derive(Debug, Parser)]
#[command(name = "wordcount")]
struct Args {
    /// Read lines from this TCP server (`host:port`, e.g. `nc -lk 9999`) instead of starting
    /// the embedded lorem ipsum feed.
    #[arg(long, value_name = "HOST:PORT", value_parser = cli::parse_host_port, conflicts_with = "generate")]
    connect: Option<(String, u16)>,

    /// Stop gracefully after this many batches (default: run until Ctrl-C).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    batches: Option<u64>,

    /// Print the embedded feed's lines on standard output, 200 a second, instead of running
    /// the job (to pipe into `nc -lk 9999` and read back with `--connect`).
    #[arg(long)]
    generate: bool,

    /// With `--generate`: stop after this many lines (default: endless).
    #[arg(long, value_name = "N", requires = "generate")]
    lines: Option<u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lines = LoremLines::new(FEED_SEED);
    if args.generate {
        return cli::generate(lines, FEED_LINES_PER_SEC, args.lines);
    }
    cli::init_tracing();
    cli::exit_code("wordcount", run(args, lines))
}

fn run(args: Args, lines: LoremLines) -> dstream::Result<()> {
    // The embedded feed lives until the job has stopped.
    let (feed, host, port) = cli::feed(args.connect, lines, FEED_LINES_PER_SEC)?;
    tracing::info!(%host, port, "word count reading from a socket");
    let job = stream! {
        socket(host.as_str(), port)
            |> flat_map(split)
            |> map(|w| (w, 1))
            |> reduce_by_key(+) every 1s
            |> print
    };
    cli::run(job, args.batches, feed)
}
