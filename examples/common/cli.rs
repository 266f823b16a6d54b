//! What the examples share on the command line: where the lines come from (the embedded
//! generator or `--connect`), `--generate`, `--batches`, logging and error reporting
//! (`FeedArgs` is the whole set, for `sentiment` and `fraud`; `wordcount` and
//! `order_dashboard` take the parts they need). Included by each example with
//! `#[path = "common/cli.rs"] mod cli;`.

use dstream::feed::{LineGenerator, LineServer};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tracing_subscriber::EnvFilter;

/// The options every example has.
#[derive(Debug, clap::Args)]
pub struct FeedArgs {
    /// Read lines from this TCP server (`host:port`, e.g. `nc -lk 9999`) instead of starting
    /// the embedded generator.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port, conflicts_with = "generate")]
    pub connect: Option<(String, u16)>,

    /// Compressed time: the demo program (second-long batches and windows of seconds)
    /// instead of the production one.
    #[arg(long)]
    pub demo: bool,

    /// Stop gracefully after this many batches (default: run until Ctrl-C).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub batches: Option<u64>,

    /// Print the generated lines on standard output, paced at `--rate`, instead of running
    /// the job (to pipe into `nc -lk 9999` and read back with `--connect`).
    #[arg(long)]
    pub generate: bool,

    /// With `--generate`: stop after this many lines (default: endless).
    #[arg(long, value_name = "N", requires = "generate")]
    pub lines: Option<u64>,

    /// Lines per second of the embedded generator and of `--generate` (default: the
    /// example's own).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,

    /// Seed of the generator: the same seed gives the same lines.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
}

/// Splits `host:port` (IPv6 hosts in brackets: `[::1]:9999`).
pub fn parse_host_port(s: &str) -> Result<(String, u16), String> {
    let (host, port) = s.rsplit_once(':').ok_or_else(|| format!("`{s}` is not of the form host:port"))?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if host.is_empty() {
        return Err(format!("`{s}` has no host"));
    }
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok((host.to_string(), port)),
        _ => Err(format!("`{port}` is not a port number (1 to 65535)")),
    }
}

/// Logs to standard error, at `info` unless `RUST_LOG` says otherwise.
pub fn init_tracing() {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log written to a file or a pipe stays plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// `--generate`: writes `lines` to standard output at `rate` lines per second, `limit` of
/// them if given. A closed pipe (the reader went away) ends it quietly.
pub fn generate(lines: impl Iterator<Item = String>, rate: u32, limit: Option<u64>) -> ExitCode {
    let started = Instant::now();
    let mut out = io::stdout().lock();
    for (i, line) in lines.take(limit.map_or(usize::MAX, |n| n as usize)).enumerate() {
        let due = started + Duration::from_secs_f64(i as f64 / f64::from(rate));
        let now = Instant::now();
        if due > now {
            // Flush what is written before waiting, so the reader gets it on time.
            if out.flush().is_err() {
                return ExitCode::SUCCESS;
            }
            std::thread::sleep(due - now);
        }
        if let Err(error) = writeln!(out, "{line}") {
            if error.kind() == io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: cannot write a line: {error}");
            return ExitCode::FAILURE;
        }
    }
    match out.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write a line: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Where the job reads: `--connect`'s server, or an embedded [`LineServer`] on a free local
/// port writing `lines` at `rate` lines per second. Keep the returned server (if any) until
/// the job has stopped.
pub fn feed<G: LineGenerator>(
    connect: Option<(String, u16)>,
    lines: G,
    rate: u32,
) -> io::Result<(Option<LineServer>, String, u16)> {
    match connect {
        Some((host, port)) => Ok((None, host, port)),
        None => {
            let server = LineServer::start("127.0.0.1:0", lines, Some(rate))?;
            let addr = server.local_addr();
            Ok((Some(server), addr.ip().to_string(), addr.port()))
        }
    }
}

/// Runs `job` (for `batches` batches if given), then stops the embedded feed.
pub fn run(job: dstream::Job, batches: Option<u64>, feed: Option<LineServer>) -> dstream::Result<()> {
    tracing::debug!("plan:\n{}", job.explain());
    let job = match batches {
        Some(n) => job.stop_after_batches(n),
        None => job,
    };
    let result = job.run();
    if let Some(server) = feed {
        tracing::info!(lines_sent = server.lines_sent(), "embedded feed stopped");
        server.stop();
    }
    result
}

/// The exit code of a run, with the error and its causes on standard error.
pub fn exit_code(example: &str, result: dstream::Result<()>) -> ExitCode {
    let Err(error) = result else { return ExitCode::SUCCESS };
    let mut message = error.to_string();
    eprintln!("{example}: error: {message}");
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
