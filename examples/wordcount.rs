//! Word count: Spark Streaming's quick-start job, written in dstream.
//!
//! ```text
//! cargo run --release --example wordcount                    # embedded lorem ipsum feed
//! cargo run --release --example wordcount -- --batches 3     # stop after 3 batches
//! cargo run --release --example wordcount -- --connect 127.0.0.1:9999   # after `nc -lk 9999`
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
use dstream::feed::{LineServer, LoremLines};
use dstream::prelude::*;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

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
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port)]
    connect: Option<(String, u16)>,

    /// Stop gracefully after this many batches (default: run until Ctrl-C).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    batches: Option<u64>,
}

/// Splits `host:port` (IPv6 hosts in brackets: `[::1]:9999`).
fn parse_host_port(s: &str) -> Result<(String, u16), String> {
    let (host, port) = s.rsplit_once(':').ok_or_else(|| format!("`{s}` is not of the form host:port"))?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if host.is_empty() {
        return Err(format!("`{s}` has no host"));
    }
    let port = match port.parse::<u16>() {
        Ok(port) if port > 0 => port,
        _ => return Err(format!("`{port}` is not a port number (1 to 65535)")),
    };
    Ok((host.to_string(), port))
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let mut message = error.to_string();
            eprintln!("wordcount: error: {message}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                // Many errors already include their cause in their own message.
                let text = cause.to_string();
                if !message.contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                message = text;
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> dstream::Result<()> {
    // The embedded feed lives until the job has stopped.
    let (feed, host, port) = match args.connect {
        Some((host, port)) => (None, host, port),
        None => {
            let server =
                LineServer::start("127.0.0.1:0", LoremLines::new(FEED_SEED), Some(FEED_LINES_PER_SEC))?;
            let addr = server.local_addr();
            (Some(server), addr.ip().to_string(), addr.port())
        }
    };
    tracing::info!(%host, port, "word count reading from a socket");

    let mut job = stream! {
        socket(host.as_str(), port)
            |> flat_map(split)
            |> map(|w| (w, 1))
            |> reduce_by_key(+) every 1s
            |> print
    };
    tracing::debug!("plan:\n{}", job.explain());
    if let Some(n) = args.batches {
        job = job.stop_after_batches(n);
    }
    let result = job.run();

    if let Some(server) = feed {
        tracing::info!(lines_sent = server.lines_sent(), "embedded feed stopped");
        server.stop();
    }
    result
}
