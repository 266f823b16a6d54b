//! The figures of docs/cluster.md, measured on this machine (a note, not a timed test):
//!
//! - word count on 1 process × 1 worker, 1 process × 2 workers and 2 processes × 1 worker:
//!   the batches' processing time (the sum of each batch's time, from the job's statistics
//!   on the driver);
//! - bytes sent between the processes per input record, with map-side combining
//!   (`reduce_by_key`) and without (`group_by_key` ships every value);
//! - bytes the driver sends per input record to spread its source's records over the
//!   processes (a pipeline without shuffle: only the scatter sends), for records (`String`
//!   lines) and for a text batch (raw line bytes, as a socket or `text_files` cuts them);
//! - the start-up time of a 2-process cluster (connect and compare plans).
//!
//! `cargo run --release --features cluster --example cluster_figures`. The example runs
//! itself as the processes of each configuration, on 127.0.0.1.

use dstream::feed::Rng;
use dstream::prelude::*;
use dstream::stream;
use std::process::{Command, Stdio};

/// Batches and lines per batch of the input; ~4.5 words per line over a 2,000-word vocabulary.
const BATCHES: usize = 6;
const LINES: usize = 40_000;

/// The input, the same in every process: lines of words `w0` .. `w1999`, Zipf-like (small
/// numbers are frequent), so that map-side combining has keys to combine.
fn input() -> Vec<Vec<String>> {
    let mut rng = Rng::new(14);
    (0..BATCHES)
        .map(|_| {
            (0..LINES)
                .map(|_| {
                    let words = 1 + rng.below(8);
                    (0..words)
                        .map(|_| {
                            let range = 1 + rng.below(2000);
                            format!("w{}", rng.below(range))
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
        .collect()
}

/// [`input`] as text batches.
fn text_input() -> Vec<dstream::text::TextBatch> {
    input()
        .into_iter()
        .map(|batch| {
            let mut text = dstream::text::TextBatch::new();
            batch.iter().for_each(|line| text.push_line(line));
            text
        })
        .collect()
}

/// One process of a configuration: runs `program` and lets the batch loop log its figures.
fn child(program: &str) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let job = match program {
        "combined" => stream! {
            queue(input())
                |> flat_map(|line: String| line.split(' ').map(String::from).collect::<Vec<_>>())
                |> map(|w| (w, 1u64))
                |> reduce_by_key(+)
                every 500ms |> foreach_batch(|records, _| { std::hint::black_box(records.len()); })
        },
        "scatter" => stream! {
            queue(input())
                |> flat_map(|line: String| line.split(' ').map(String::from).collect::<Vec<_>>())
                every 500ms |> foreach_partition(|records, _, _| { std::hint::black_box(records.len()); })
        },
        "textscatter" => stream! {
            source(dstream::source::queue::QueueSource::text(text_input()))
                |> flat_map(split)
                every 500ms |> foreach_partition(|records, _, _| { std::hint::black_box(records.len()); })
        },
        _ => stream! {
            queue(input())
                |> flat_map(|line: String| line.split(' ').map(String::from).collect::<Vec<_>>())
                |> map(|w| (w, 1u64))
                |> group_by_key
                |> map_values(|ones: Vec<u64>| ones.len())
                every 500ms |> foreach_batch(|records, _| { std::hint::black_box(records.len()); })
        },
    };
    let partitions = std::env::var("FIGURES_PARTITIONS").ok().and_then(|p| p.parse().ok()).unwrap_or(1);
    let handle = job.with_parallelism(partitions).stop_after_batches(BATCHES as u64).start()?;
    let monitor = handle.monitor().clone();
    handle.await_termination()?;
    // The batches' processing time, from the job's statistics (on the driver: every batch).
    let stats = monitor.statistics();
    let busy_us = stats.avg_processing_time_us.unwrap_or(0) * stats.total_completed_batches;
    eprintln!("figures busy_us={busy_us}");
    Ok(())
}

/// What the processes of one run logged.
#[derive(Debug, Default)]
struct Logged {
    /// The driver's batches' processing time, summed, in ms.
    busy_ms: f64,
    /// Bytes sent to the other processes, all processes together.
    bytes_sent: u64,
    /// The driver's start-up (connect and compare plans), in ms.
    startup_ms: u64,
}

/// The number after `name=` in `line`, if any.
fn field(line: &str, name: &str) -> Option<u64> {
    let rest = &line[line.find(&format!("{name}="))? + name.len() + 1..];
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Runs `program` on `processes` processes (0: one process, no cluster) of `workers` each.
fn measure(program: &str, processes: usize, workers: usize) -> Logged {
    let me = std::env::current_exe().expect("this example");
    let hosts = std::env::temp_dir().join(format!("dstream-figures-hosts-{}", std::process::id()));
    let ports: Vec<_> =
        (0..2).map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port")).collect();
    let lines: Vec<String> =
        ports.iter().map(|l| format!("{}\n", l.local_addr().expect("address"))).collect();
    std::fs::write(&hosts, lines.concat()).expect("hostfile");
    drop(ports);
    let children: Vec<_> = (0..processes.max(1))
        .map(|i| {
            let mut command = Command::new(&me);
            command
                .env("FIGURES_CHILD", program)
                .env("FIGURES_PARTITIONS", workers.to_string())
                .env("RUST_LOG", "dstream_core=debug")
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            if processes > 0 {
                command
                    .env("DSTREAM_PROCESSES", processes.to_string())
                    .env("DSTREAM_PROCESS", i.to_string())
                    .env("DSTREAM_HOSTFILE", &hosts)
                    .env("DSTREAM_WORKERS", workers.to_string());
            }
            command.spawn().expect("spawn a process")
        })
        .collect();
    let mut logged = Logged::default();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("a process");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for line in String::from_utf8_lossy(&out.stderr).lines() {
            if i == 0 && line.starts_with("figures ") {
                logged.busy_ms = field(line, "busy_us").unwrap_or(0) as f64 / 1000.0;
            }
            if i == 0 && line.contains("plans agree") {
                logged.startup_ms = field(line, "startup_ms").unwrap_or(0);
            }
            if line.contains("job stopped") {
                logged.bytes_sent += field(line, "bytes_sent").unwrap_or(0);
            }
        }
    }
    let _ = std::fs::remove_file(hosts);
    logged
}

fn main() {
    if let Ok(program) = std::env::var("FIGURES_CHILD") {
        if let Err(e) = child(&program) {
            eprintln!("error: {e}");
            std::process::exit(3);
        }
        return;
    }
    let records: usize = input().iter().flatten().map(|l| l.split(' ').count()).sum();
    println!("word count, {BATCHES} batches, {records} words in all");
    for (name, processes, workers) in
        [("1 process x 1 worker", 0, 1), ("1 process x 2 workers", 0, 2), ("2 processes x 1 worker", 2, 1)]
    {
        let logged = measure("combined", processes, workers);
        println!(
            "  {name:24} {:8.1} ms of batch processing, {:6.2} M words/s",
            logged.busy_ms,
            records as f64 / logged.busy_ms / 1000.0
        );
    }
    for (name, program) in
        [("with map-side combining (reduce_by_key)", "combined"), ("without (group_by_key)", "grouped")]
    {
        let logged = measure(program, 2, 1);
        println!(
            "bytes sent per input word, 2 processes x 1 worker, {name}: {:.3} ({} bytes)",
            logged.bytes_sent as f64 / records as f64,
            logged.bytes_sent
        );
    }
    let lines: usize = input().iter().map(Vec::len).sum();
    for (name, program) in [("String lines", "scatter"), ("a text batch", "textscatter")] {
        let logged = measure(program, 2, 1);
        println!(
            "bytes the driver sends to spread {name}, 2 processes x 1 worker: {:.2} per input line, {:.3} per word ({} bytes)",
            logged.bytes_sent as f64 / lines as f64,
            logged.bytes_sent as f64 / records as f64,
            logged.bytes_sent
        );
    }
    let startups: Vec<u64> = (0..3).map(|_| measure("combined", 2, 1).startup_ms).collect();
    println!("start-up of a 2-process cluster (connect, compare plans), 3 runs: {startups:?} ms");
}
