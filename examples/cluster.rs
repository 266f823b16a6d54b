//! The same programs on one process or on a cluster of processes (docs/cluster.md).
//!
//! `cargo run --features cluster --example cluster -- wordcount` runs a word count over a
//! fixed input in one process; `scripts/cluster-local.sh 2 wordcount` runs it on two local
//! processes (or set `DSTREAM_PROCESSES`, `DSTREAM_PROCESS`, `DSTREAM_HOSTFILE` and
//! `DSTREAM_WORKERS` yourself). `joins` runs a join, a window and a running state by key;
//! `partitions` writes each partition's counts with `foreach_partition`, where it is.
//! Every batch's records, sorted, are written by the driver to standard output as
//! `<batch> <record>` lines (and `print` shows the first records of each batch), so the
//! outputs of any two runs can be compared. `tests/cluster.rs` does exactly that.

use dstream::prelude::*;
use dstream::stream;
use std::fmt::Debug;

/// Batches of the fixed input: `batches` batches of `lines` lines of words from a small
/// vocabulary (so that keys repeat), the same on every run and every process.
fn input(batches: usize, lines: usize) -> Vec<Vec<String>> {
    let words = ["spark", "streaming", "rust", "timely", "dataflow", "batch", "key", "a", "the", "of"];
    let mut state = 7u64;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..batches)
        .map(|_| {
            (0..lines)
                .map(|_| {
                    (0..1 + next() % 8).map(|_| words[next() % words.len()]).collect::<Vec<_>>().join(" ")
                })
                .collect()
        })
        .collect()
}

/// The word count started with `Job::start`: process 1 stops the whole cluster through its
/// handle once it ran 3 batches; the driver then writes how many batches and records its
/// statistics counted (`stats <batches> <records>`).
fn start(batches: usize) -> Result<()> {
    let job = stream! {
        queue(input(batches, 200))
            |> flat_map(|line: String| line.split(' ').map(String::from).collect::<Vec<_>>())
            |> map(|w| (w, 1u64))
            |> reduce_by_key(+)
            every 200ms |> foreach_batch(emit)
    };
    let mut handle = job.start()?;
    while !handle.await_termination_or_timeout(std::time::Duration::from_millis(20))? {
        if process() == 1 && handle.statistics().total_completed_batches >= 3 {
            handle.stop(true);
        }
    }
    if process() == 0 {
        let stats = handle.statistics();
        let line = format!("stats {} {}\n", stats.total_completed_batches, stats.processed_records);
        match std::env::var("CLUSTER_OUT") {
            Ok(path) => std::fs::write(format!("{path}.stats"), line)?,
            Err(_) => print!("{line}"),
        }
    }
    Ok(())
}

/// [`input`] as text batches, as a socket or `text_files` source cuts them.
fn text_input(batches: usize, lines: usize) -> Vec<dstream::text::TextBatch> {
    input(batches, lines)
        .into_iter()
        .map(|batch| {
            let mut text = dstream::text::TextBatch::new();
            batch.iter().for_each(|line| text.push_line(line));
            text
        })
        .collect()
}

/// This process's index in its cluster (0 alone).
fn process() -> usize {
    std::env::var("DSTREAM_PROCESS").ok().and_then(|p| p.parse().ok()).unwrap_or(0)
}

/// The batch interval of both programs, in milliseconds.
const INTERVAL_MS: u64 = 200;

/// Writes a batch's records sorted, one `<batch> <record>` line each (`<batch>` counts from
/// 0, so that runs started at different times compare), to standard output or to the file
/// `CLUSTER_OUT` names.
fn emit<T: Debug>(records: Vec<T>, time: Time) {
    static FIRST: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let batch = (time.as_millis() - *FIRST.get_or_init(|| time.as_millis())) / INTERVAL_MS;
    let mut lines: Vec<String> = records.iter().map(|r| format!("{batch} {r:?}\n")).collect();
    lines.sort();
    let text = lines.concat();
    match std::env::var("CLUSTER_OUT") {
        Ok(path) => {
            use std::io::Write;
            let mut file =
                std::fs::OpenOptions::new().create(true).append(true).open(path).expect("CLUSTER_OUT");
            file.write_all(text.as_bytes()).expect("CLUSTER_OUT");
        }
        Err(_) => print!("{text}"),
    }
}

fn main() -> Result<()> {
    let program = std::env::args().nth(1).unwrap_or_else(|| "wordcount".into());
    let batches: usize = std::env::var("CLUSTER_BATCHES").ok().and_then(|b| b.parse().ok()).unwrap_or(4);
    run(&program, batches)
}

/// Runs `program` for `batches` batches of input (and one more, empty, as it stops).
pub fn run(program: &str, batches: usize) -> Result<()> {
    if program == "start" {
        return start(batches);
    }
    let job = match program {
        "wordcount" => stream! {
            queue(input(batches, 200))
                |> flat_map(|line: String| line.split(' ').map(String::from).collect::<Vec<_>>())
                |> map(|w| (w, 1u64))
                |> reduce_by_key(+)
                every 200ms |> foreach_batch(emit)
        },
        "joins" => stream! {
            let words = queue(input(batches, 50))
                |> flat_map(|line: String| line.split(' ').map(String::from).collect::<Vec<_>>());
            let lengths = queue(input(batches, 5))
                |> map(|line: String| (line.split(' ').next().unwrap_or("").to_string(), line.len() as u64));
            words
                |> map(|w| (w, 1u64))
                |> window(400ms, 200ms)
                |> reduce_by_key(+)
                |> join(lengths)
                |> map(|(w, (n, len))| (w, n * len))
                |> update_state_by_key(|values, state: Option<u64>| Some(values.iter().sum::<u64>() + state.unwrap_or(0)))
                every 200ms |> foreach_batch(emit)
        },
        // Each partition's counts, written where the partition is (`<batch> <partition> <record>`).
        "partitions" => stream! {
            queue(input(batches, 100))
                |> flat_map(|line: String| line.split(' ').map(String::from).collect::<Vec<_>>())
                |> map(|w| (w, 1u64))
                |> reduce_by_key(+)
                every 200ms |> foreach_partition(|records, time, partition| emit(records.into_iter().map(|r| (partition, r)).collect(), time))
        },
        // Where the first stage ran: each line's words with the process that split them,
        // written by partition where they are (`<batch> (<partition>, (<process>, <word>))`).
        "shares" => stream! {
            queue(input(batches, 100))
                |> flat_map(|line: String| line.split(' ').map(|w| (process(), w.to_string())).collect::<Vec<_>>())
                every 200ms |> foreach_partition(|records, time, partition| emit(records.into_iter().map(|r| (partition, r)).collect(), time))
        },
        // The same over a text source, whose batches cross as raw line bytes.
        "textshares" => stream! {
            source(dstream::source::queue::QueueSource::text(text_input(batches, 100)))
                |> flat_map(split)
                |> map(|w| (process(), w.to_string()))
                every 200ms |> foreach_partition(|records, time, partition| emit(records.into_iter().map(|r| (partition, r)).collect(), time))
        },
        // The words of the files that appear in `CLUSTER_DIR`, with the process that read
        // them, by partition (`<batch> (<partition>, (<process>, <word>))`).
        "files" => {
            let dir =
                std::env::var("CLUSTER_DIR").map_err(|_| Error::Config("files: set CLUSTER_DIR".into()))?;
            stream! {
                text_files(dir.as_str())
                    |> flat_map(split)
                    |> map(|w| (process(), w.to_string()))
                    every 200ms |> foreach_partition(|records, time, partition| emit(records.into_iter().map(|r| (partition, r)).collect(), time))
            }
        }
        // The same words every batch (100 × "a b"), on the dashboard at `CLUSTER_DASHBOARD`.
        #[cfg(feature = "dashboard")]
        "dashboard" => {
            let addr = std::env::var("CLUSTER_DASHBOARD")
                .map_err(|_| Error::Config("dashboard: set CLUSTER_DASHBOARD".into()))?;
            let same = (0..batches).map(|_| vec!["a b"; 100]).collect::<Vec<_>>();
            stream! {
                queue(same) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+)
                    every 200ms |> dashboard(addr.as_str())
            }
        }
        other => {
            return Err(Error::Config(format!(
                "unknown program `{other}`: wordcount, joins, partitions, shares, textshares or files"
            )))
        }
    };
    // `CLUSTER_PARTITIONS`: the partitions of a run in one process, to compare partitions.
    let job = match std::env::var("CLUSTER_PARTITIONS").ok().and_then(|p| p.parse().ok()) {
        Some(partitions) => job.with_parallelism(partitions),
        None => job,
    };
    job.stop_after_batches(batches as u64 + 1).run()
}
