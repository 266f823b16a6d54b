//! Fault tolerance on a cluster (issue #14, docs/cluster.md): a job with a checkpoint runs on
//! two real processes on 127.0.0.1 (this test binary run again, as in `tests/cluster.rs`);
//! the test SIGKILLs one of the two, chosen at random, at a random moment (while they
//! connect, agree on a checkpoint, or between any two instructions of a batch), waits for the
//! other to stop on its lost peer, and restarts both, many times; then lets the job finish.
//!
//! The job is a word count: each batch's lines, its counts (`reduce_by_key`), the running
//! totals (`update_state_by_key`) and the counts over a window of three batches go into four
//! stores that commit by batch time and skip a time already committed (`tests/common/store.rs`, the recipe of `dstream::fault_tolerance`),
//! written by the driver. Every input line must then be in the line store exactly once, the
//! counts summed over the committed batches must equal the input's, and the totals must equal
//! those of an uncrashed run, and each window's counts the sum of its batches' counts: for a `queue` input, batch by batch against a cluster run
//! without kills at the same time (a queue hands out one queued batch per batch time, so the
//! two runs' batches hold the same input); for a `text_files` input, which a producer fills
//! while the kills go on, the last totals against the input's counts; for a `kafka` input
//! (feature `kafka`, needs the broker, else "SKIPPED"), a topic of four partitions a producer
//! fills while the kills go on, the same. The test also checks that committed batch times did run again (else it tested nothing) and on the same input.
//!
//! `DSTREAM_CLUSTER_KILL_ROUNDS` (default 12) sets the kills per test. No assertion is about
//! timing: the waits are bounded only so that a broken job fails instead of hanging.

mod common;

use common::store::BatchStore;
use common::{now_ms, rng_from_pid, Mismatch, Rng, TestDir};
use dstream::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

/// The batch interval, in ms (the programs say `every 100ms`).
const INTERVAL_MS: u64 = 100;

/// Queued batches of the `queue` program; later batches are empty.
const QUEUED_BATCHES: usize = 80;

/// Lines per queued batch and per input file.
const LINES: usize = 8;

/// The words of the lines: few, so that keys repeat across batches and partitions.
const WORDS: [&str; 10] = ["spark", "rust", "timely", "batch", "key", "state", "a", "the", "of", "to"];

/// The two tests run one at a time: each runs two or four processes of two workers already.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rounds() -> usize {
    std::env::var("DSTREAM_CLUSTER_KILL_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(12)
}

/// Line `j` of input `i`: a unique id, then one to five words.
fn line(i: usize, j: usize) -> String {
    let mut rng = Rng::new((i * 1_000 + j) as u64 + 1);
    let words: Vec<&str> = (0..1 + rng.below(5)).map(|_| rng.pick(&WORDS)).collect();
    format!("{i}.{j} {}", words.join(" "))
}

/// The words of a line, after its id.
fn words(line: &str) -> Vec<String> {
    line.split(' ').skip(1).map(String::from).collect()
}

/// The input of the `queue` program.
fn queued() -> Vec<Vec<String>> {
    (0..QUEUED_BATCHES).map(|i| (0..LINES).map(|j| line(i, j)).collect()).collect()
}

/// `(word, n)` records as store lines.
fn pairs(records: Vec<(String, u64)>) -> Vec<String> {
    records.into_iter().map(|(w, n)| format!("{w} {n}")).collect()
}

/// The outputs of the word count, in the order of [`Stores::all`].
const OUTPUTS: [&str; 4] = ["lines", "counts", "totals", "windowed"];

/// The stores of a run's outputs, under `root`.
struct Stores {
    lines: BatchStore,
    counts: BatchStore,
    totals: BatchStore,
    windowed: BatchStore,
}

impl Stores {
    fn under(root: &Path) -> Stores {
        let [lines, counts, totals, windowed] = OUTPUTS.map(|name| BatchStore::new(&root.join(name)));
        Stores { lines, counts, totals, windowed }
    }

    /// Every store, in the order of [`OUTPUTS`].
    fn all(&self) -> [&BatchStore; 4] {
        [&self.lines, &self.counts, &self.totals, &self.windowed]
    }
}

/// The word count of the tests over `source`, checkpointing into `root/checkpoints`, its
/// outputs into the stores under `root`.
macro_rules! word_count {
    ($root:expr, $($source:tt)*) => {{
        let root: &Path = $root;
        let checkpoints = root.join("checkpoints");
        let Stores { lines, counts, totals, windowed } = Stores::under(root);
        stream! {
            #![checkpoint(checkpoints, 200ms)]
            let text = $($source)* every 100ms |> map(|l| l.to_string());
            text |> foreach_batch(move |records, time| lines.commit(time.as_millis(), &records));
            let counted = text |> flat_map(|l: String| words(&l)) |> map(|w| (w, 1u64)) |> reduce_by_key(+);
            counted |> foreach_batch(move |records, time| counts.commit(time.as_millis(), &pairs(records)));
            counted |> window(300ms, 100ms) |> reduce_by_key(+)
                |> foreach_batch(move |records, time| windowed.commit(time.as_millis(), &pairs(records)));
            counted
                |> update_state_by_key(|ones, total: Option<u64>| Some(ones.iter().sum::<u64>() + total.unwrap_or(0)))
                |> foreach_batch(move |records, time| totals.commit(time.as_millis(), &pairs(records)))
        }
    }};
}

/// Runs the job in this process (one of a cluster) until it is killed or stopped.
fn run_process(job: Job) {
    if let Err(e) = job.run() {
        eprintln!("error: {e}");
        std::process::exit(3);
    }
}

/// A process of the `queue` cluster (started by the tests, never on its own).
#[test]
#[ignore = "a process of the cluster the kill tests start"]
fn queue_process() {
    let Ok(root) = std::env::var("CLUSTER_KILL_ROOT") else { return };
    run_process(word_count!(Path::new(&root), queue(queued())));
}

/// A process of the `text_files` cluster (started by the tests, never on its own).
#[test]
#[ignore = "a process of the cluster the kill tests start"]
fn files_process() {
    let Ok(root) = std::env::var("CLUSTER_KILL_ROOT") else { return };
    let input = PathBuf::from(&root).join("in");
    run_process(word_count!(Path::new(&root), text_files(input)));
}

/// A process of the `kafka` cluster (started by the tests, never on its own): each process
/// reads the topic's partitions assigned to it.
#[cfg(feature = "kafka")]
#[test]
#[ignore = "a process of the cluster the kill tests start"]
fn kafka_process() {
    use dstream::source::kafka::{KafkaOptions, StartingOffsets};
    let (Ok(root), Ok(topic)) = (std::env::var("CLUSTER_KILL_ROOT"), std::env::var("CLUSTER_KILL_TOPIC"))
    else {
        return;
    };
    // A short fetch wait: with librdkafka's default `fetch.wait.max.ms` (500 ms) a batch took
    // about 2.3 s against tansu here, and batches of 100 ms fell behind for good.
    let options = KafkaOptions::new()
        .starting_offsets(StartingOffsets::Earliest)
        .max_records_per_partition(1000)
        .client_property("fetch.wait.max.ms", "10");
    run_process(word_count!(Path::new(&root), kafka(common::kafka::BROKERS, topic, options)));
}

// ---------------------------------------------------------------------------------------
// The cluster

/// Two processes of this binary running `test` on `root`: killed and reaped when dropped.
struct Cluster {
    processes: [Option<Child>; 2],
    logs: [PathBuf; 2],
}

impl Cluster {
    /// Starts both processes with a fresh hostfile; their logs go to `root/logs/<tag>-<i>`.
    fn start(test: &str, root: &Path, tag: &str) -> Cluster {
        let logs_dir = root.join("logs");
        std::fs::create_dir_all(&logs_dir).expect("create the logs directory");
        let listeners: Vec<_> =
            (0..2).map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port")).collect();
        let hosts: String =
            listeners.iter().map(|l| format!("{}\n", l.local_addr().expect("its address"))).collect();
        let hostfile = logs_dir.join(format!("{tag}-hosts"));
        std::fs::write(&hostfile, hosts).expect("write the hostfile");
        drop(listeners);
        let logs = [0, 1].map(|i| logs_dir.join(format!("{tag}-{i}.log")));
        let processes = [0, 1].map(|i| {
            let log = std::fs::File::create(&logs[i]).expect("create a log file");
            let child = Command::new(std::env::current_exe().expect("the test binary"))
                .args(["--exact", test, "--ignored", "--nocapture"])
                .env("CLUSTER_KILL_ROOT", root)
                .env("CLUSTER_KILL_TOPIC", topic_of(root))
                .env("DSTREAM_PROCESSES", "2")
                .env("DSTREAM_PROCESS", i.to_string())
                .env("DSTREAM_HOSTFILE", &hostfile)
                .env("DSTREAM_WORKERS", "2")
                .env("DSTREAM_CONNECT_TIMEOUT", "5")
                .env("RUST_LOG", "info")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("spawn a cluster process");
            Some(child)
        });
        Cluster { processes, logs }
    }

    /// The end of process `i`'s log, for a failure's message.
    fn log_tail(&self, i: usize) -> String {
        let text = std::fs::read_to_string(&self.logs[i]).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// SIGKILLs process `i` and reaps it.
    fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.processes[i].take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap the process");
        }
    }

    /// SIGTERM to process `i`: a graceful stop.
    fn terminate(&mut self, i: usize) {
        let pid = self.processes[i].as_ref().expect("a running process").id();
        Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill -TERM");
    }

    /// Waits up to `limit` for process `i` to exit: its status, or `None` if it still runs.
    fn wait(&mut self, i: usize, limit: StdDuration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        let child = self.processes[i].as_mut()?;
        loop {
            if let Some(status) = child.try_wait().expect("poll the process") {
                self.processes[i] = None;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(StdDuration::from_millis(10));
        }
    }

    /// Stops the job gracefully (SIGTERM to the driver) and checks that both processes exit
    /// successfully.
    fn stop(mut self) {
        self.terminate(0);
        for i in [0, 1] {
            let status = self.wait(i, StdDuration::from_secs(60));
            assert!(
                status.is_some_and(|s| s.success()),
                "process {i} did not stop gracefully ({status:?}):\n{}",
                self.log_tail(i)
            );
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in [0, 1] {
            self.kill(i);
        }
    }
}

/// Waits, polling, until `done` holds; panics with `what` and the cluster's logs after `limit`.
fn wait_for(cluster: &Cluster, limit: StdDuration, what: impl Fn() -> String, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() >= deadline {
            panic!(
                "timed out waiting: {}\nprocess 0:\n{}\nprocess 1:\n{}",
                what(),
                cluster.log_tail(0),
                cluster.log_tail(1)
            );
        }
        std::thread::sleep(StdDuration::from_millis(5));
    }
}

/// Waits until `store` holds `count` committed batches.
fn wait_for_commits(cluster: &Cluster, store: &BatchStore, count: usize) {
    wait_for(
        cluster,
        StdDuration::from_secs(60),
        || format!("{} of {count} batches committed", store.committed_count()),
        || store.committed_count() >= count,
    );
}

/// The newest checkpoint of process `i` under `root`, if any.
fn newest_checkpoint(root: &Path, i: usize) -> Option<u64> {
    std::fs::read_dir(root.join("checkpoints").join(format!("process-{i}")))
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().strip_prefix("checkpoint-")?.parse().ok())
        .max()
}

/// Waits (up to 2 s) for a moment when one process has written a checkpoint the other has
/// not yet written: the one behind, if such a moment was seen.
fn one_behind(root: &Path) -> Option<usize> {
    let deadline = Instant::now() + StdDuration::from_secs(2);
    while Instant::now() < deadline {
        match (newest_checkpoint(root, 0), newest_checkpoint(root, 1)) {
            (Some(a), Some(b)) if a < b => return Some(0),
            (Some(a), Some(b)) if b < a => return Some(1),
            _ => std::thread::sleep(StdDuration::from_micros(200)),
        }
    }
    None
}

/// How many starts under `root` resumed from an older checkpoint than a process's newest
/// (their processes logged it).
fn resumed_from_older(root: &Path) -> usize {
    let Ok(logs) = std::fs::read_dir(root.join("logs")) else { return 0 };
    logs.flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|log| log.matches("holds a newer checkpoint than every process does").count())
        .sum()
}

/// How the kills of [`kill_rounds`] went.
#[derive(Debug, Default)]
struct Kills {
    /// Kills while the processes start (connect, recover) or run their first batches.
    early: usize,
    /// Kills of a process that had not yet written a checkpoint its peer had written.
    behind: usize,
    /// Starts that resumed from an older checkpoint than a process's newest.
    resumed_from_older: usize,
}

/// Starts the cluster `rounds` times and SIGKILLs one process of it each time, at a random
/// moment: a quarter of the time 0 to 600 ms after the start (while the processes connect,
/// recover, or run their first batches); a quarter of the time, after a batch was committed,
/// the moment one process has written a checkpoint the other has not (that one is killed,
/// so the next start must resume from an older checkpoint than the newest); else after 1 to
/// 4 new batches were committed and 0 to 100 ms more. The other process must then stop by
/// itself, with an error.
fn kill_rounds(test: &str, root: &Path, stores: &Stores, rng: &mut Rng) -> Kills {
    let mut kills = Kills::default();
    for round in 0..rounds() {
        let started = Instant::now();
        let mut cluster = Cluster::start(test, root, &format!("round-{round}"));
        let mut victim = rng.below(2) as usize;
        match rng.below(4) {
            0 => {
                kills.early += 1;
                std::thread::sleep(StdDuration::from_millis(rng.below(601)));
            }
            1 => {
                wait_for_commits(&cluster, &stores.lines, stores.lines.committed_count() + 1);
                if let Some(behind) = one_behind(root) {
                    kills.behind += 1;
                    victim = behind;
                }
            }
            _ => {
                let target = stores.lines.committed_count() + 1 + rng.below(4) as usize;
                wait_for_commits(&cluster, &stores.lines, target);
                std::thread::sleep(StdDuration::from_millis(rng.below(101)));
            }
        }
        cluster.kill(victim);
        let peer = 1 - victim;
        let status = cluster.wait(peer, StdDuration::from_secs(30));
        assert!(
            status.is_some_and(|s| !s.success()),
            "round {round}: process {peer} did not stop with an error after process {victim} was killed ({status:?}):\n{}",
            cluster.log_tail(peer)
        );
        println!("{test}: round {round} took {:?}, process {victim} killed", started.elapsed());
    }
    kills
}

/// What a run committed, batch by batch from its first batch time, and its checks.
struct Outcome {
    /// Per batch, from the first: every output's records (see [`OUTPUTS`]), each sorted.
    batches: Vec<[Vec<String>; 4]>,
    /// The last batch's totals as a map.
    last_totals: BTreeMap<String, u64>,
}

impl Outcome {
    /// Reads the stores, checking that the committed batch times have no gap.
    fn of(stores: &Stores) -> Outcome {
        let committed = stores.all().map(BatchStore::committed);
        let times: Vec<u64> = committed[0].keys().copied().collect();
        assert!(!times.is_empty(), "nothing committed");
        assert!(
            times.windows(2).all(|w| w[1] == w[0] + INTERVAL_MS),
            "a gap in the committed batches: {times:?}"
        );
        // The last batch may have committed its lines and not yet its other outputs: up to
        // the newest batch every store holds.
        let newest = committed.iter().map(|c| c.keys().last().copied().unwrap_or(0)).min().unwrap_or(0);
        let batches: Vec<[Vec<String>; 4]> = times
            .iter()
            .filter(|t| **t <= newest)
            .map(|t| {
                committed.each_ref().map(|c| {
                    let mut records = c.get(t).cloned().unwrap_or_default();
                    records.sort();
                    records
                })
            })
            .collect();
        let last_totals = batches.last().map(|b| counted(&b[2])).unwrap_or_default();
        Outcome { batches, last_totals }
    }

    /// The first batch whose windowed counts are not the sum of the counts of its window's
    /// batches (the batch and the two before it; there are none before the first batch).
    fn first_wrong_window(&self) -> Option<usize> {
        (0..self.batches.len()).find(|&i| {
            let mut summed: BTreeMap<String, u64> = BTreeMap::new();
            for batch in &self.batches[i.saturating_sub(2)..=i] {
                for (word, n) in counted(&batch[1]) {
                    *summed.entry(word).or_insert(0) += n;
                }
            }
            counted(&self.batches[i][3]) != summed
        })
    }

    /// Every committed line, and the counts summed over the committed batches.
    fn all_lines_and_summed_counts(&self) -> (Vec<String>, BTreeMap<String, u64>) {
        let lines = self.batches.iter().flat_map(|b| b[0].clone()).collect();
        let mut summed = BTreeMap::new();
        for batch in &self.batches {
            for (word, n) in counted(&batch[1]) {
                *summed.entry(word).or_insert(0) += n;
            }
        }
        (lines, summed)
    }
}

/// `word n` store lines as a map.
fn counted(records: &[String]) -> BTreeMap<String, u64> {
    records
        .iter()
        .filter_map(|r| {
            let (word, n) = r.split_once(' ')?;
            Some((word.to_string(), n.parse().ok()?))
        })
        .collect()
}

/// The word counts of `lines`.
fn word_counts<'l>(lines: impl IntoIterator<Item = &'l String>) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for line in lines {
        for word in words(line) {
            *counts.entry(word).or_insert(0) += 1;
        }
    }
    counts
}

/// The checks common to both tests: every expected line exactly once, the counts summed over
/// the batches and the last totals equal to the input's counts, committed batch times run
/// again (and on the same input).
fn check(
    test: &str,
    root: &Path,
    stores: &Stores,
    outcome: &Outcome,
    expected: &BTreeSet<String>,
    mut kills: Kills,
) {
    kills.resumed_from_older = resumed_from_older(root);
    let (lines, summed) = outcome.all_lines_and_summed_counts();
    let mismatch = Mismatch::of(expected, &lines);
    let reruns = stores.all().map(|s| s.reruns());
    println!(
        "{test}: {} rounds ({kills:?}), {} input lines, {} batches committed, re-runs of committed batches (and with other records) per output {OUTPUTS:?}: {:?}; {}",
        rounds(),
        expected.len(),
        outcome.batches.len(),
        reruns.map(|r| (r.of_committed, r.with_other_records)),
        mismatch.summary()
    );
    assert!(
        mismatch.is_empty(),
        "not every input line is in the output exactly once: {}",
        mismatch.summary()
    );
    let input = word_counts(expected);
    assert_eq!(summed, input, "the counts summed over the committed batches differ from the input's");
    assert_eq!(outcome.last_totals, input, "the running totals differ from the input's counts");
    if let Some(i) = outcome.first_wrong_window() {
        panic!(
            "batch {i}: the windowed counts are not the sum of the window's batches' counts: {:?}",
            outcome.batches[i.saturating_sub(2)..=i].iter().map(|b| [&b[1], &b[3]]).collect::<Vec<_>>()
        );
    }
    assert!(reruns[0].of_committed > 0, "no committed batch time ran again: the test tested nothing");
    for (store, r) in OUTPUTS.iter().zip(reruns) {
        assert_eq!(
            r.with_other_records, 0,
            "a re-run of a committed batch had other {store} than its first run"
        );
    }
}

#[test]
fn queue_word_count_on_two_processes_is_exactly_once_under_sigkill() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = TestDir::new("cluster-kill-queue");
    let (crashed, uncrashed) = (dir.join("crashed"), dir.join("uncrashed"));
    let stores = Stores::under(&crashed);
    let reference = Stores::under(&uncrashed);
    // The uncrashed run goes on meanwhile.
    let mut alone = Cluster::start("queue_process", &uncrashed, "uncrashed");
    let mut rng = rng_from_pid();
    let kills = kill_rounds("queue_process", &crashed, &stores, &mut rng);

    // Both runs until every queued batch and one empty batch are committed.
    let finished = |stores: &Stores| {
        let first = stores.totals.committed().keys().next().copied();
        first.is_some_and(|t| stores.totals.newest() >= Some(t + QUEUED_BATCHES as u64 * INTERVAL_MS))
    };
    let last = Cluster::start("queue_process", &crashed, "last");
    wait_for(
        &last,
        StdDuration::from_secs(120),
        || "the crashed run to finish its input".into(),
        || finished(&stores),
    );
    last.stop();
    wait_for(
        &alone,
        StdDuration::from_secs(120),
        || "the uncrashed run to finish".into(),
        || finished(&reference),
    );
    alone.terminate(0);
    let status = alone.wait(0, StdDuration::from_secs(60));
    assert!(status.is_some_and(|s| s.success()), "the uncrashed run did not stop: {}", alone.log_tail(0));

    let outcome = Outcome::of(&stores);
    let expected: BTreeSet<String> = queued().into_iter().flatten().collect();
    check("queue", &crashed, &stores, &outcome, &expected, kills);
    let uncrashed = Outcome::of(&reference);
    let same = outcome.batches.len().min(uncrashed.batches.len());
    assert!(same > QUEUED_BATCHES, "{same} batches in both runs");
    for (i, (a, b)) in outcome.batches.iter().zip(&uncrashed.batches).enumerate() {
        assert_eq!(a, b, "batch {i} ({OUTPUTS:?}) differs from the uncrashed run's");
    }
}

/// Writes input files into `root/in` until `stop` is set, one every 10 to 40 ms, each written
/// in `root/staging` and renamed in 0 to 250 ms later (so its modification time may be before
/// a batch that has run). Returns the number of files, once all are in.
fn feed_files(root: PathBuf, seed: u64, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut rng = Rng::new(seed);
        let mut staged: Vec<(Instant, String)> = Vec::new();
        let mut files = 0;
        while !stop.load(Ordering::SeqCst) || !staged.is_empty() {
            if !stop.load(Ordering::SeqCst) {
                let name = format!("f{files}.txt");
                let text: String = (0..LINES).map(|j| line(files, j) + "\n").collect();
                std::fs::write(root.join("staging").join(&name), text).expect("stage a file");
                staged.push((Instant::now() + StdDuration::from_millis(rng.below(251)), name));
                files += 1;
            }
            let now = Instant::now();
            for (_, name) in staged.iter().filter(|(due, _)| *due <= now) {
                std::fs::rename(root.join("staging").join(name), root.join("in").join(name))
                    .expect("rename a file in");
            }
            staged.retain(|(due, _)| *due > now);
            std::thread::sleep(StdDuration::from_millis(10 + rng.below(31)));
        }
        files
    })
}

#[test]
fn text_files_word_count_on_two_processes_is_exactly_once_under_sigkill() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = TestDir::new("cluster-kill-files");
    let root = dir.join("run");
    for sub in ["in", "staging"] {
        std::fs::create_dir_all(root.join(sub)).expect("create an input directory");
    }
    let stores = Stores::under(&root);
    let mut rng = rng_from_pid();
    // Files already there when the job first starts are not new (Spark's newFilesOnly):
    // feed once the job has committed a batch.
    let first = Cluster::start("files_process", &root, "first");
    wait_for_commits(&first, &stores.lines, 1);
    drop(first);
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = feed_files(root.clone(), rng.next_u64(), Arc::clone(&stop));
    let kills = kill_rounds("files_process", &root, &stores, &mut rng);
    stop.store(true, Ordering::SeqCst);
    let files = feeder.join().expect("the feeder thread");
    let all_in = now_ms();

    // A last run, stopped once it has committed a batch well after the last file came in.
    let last = Cluster::start("files_process", &root, "last");
    wait_for(
        &last,
        StdDuration::from_secs(120),
        || "a batch after the last file".into(),
        || stores.totals.newest().is_some_and(|t| t > all_in + 2 * INTERVAL_MS),
    );
    last.stop();

    let outcome = Outcome::of(&stores);
    let expected: BTreeSet<String> = (0..files).flat_map(|i| (0..LINES).map(move |j| line(i, j))).collect();
    check("text_files", &root, &stores, &outcome, &expected, kills);
}

/// The Kafka topic of the run under `root` (the `kafka` test writes it to `root/topic`).
fn topic_of(root: &Path) -> String {
    std::fs::read_to_string(root.join("topic")).unwrap_or_default()
}

/// Writes messages to `topic` until `stop` is set: every 10 to 40 ms the lines of one more
/// input, one message each, all to partition `input % partitions`. Returns the number of
/// inputs written.
#[cfg(feature = "kafka")]
fn feed_kafka(
    topic: String,
    partitions: i32,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut rng = Rng::new(seed);
        let mut inputs = 0;
        while !stop.load(Ordering::SeqCst) {
            let values: Vec<Vec<u8>> = (0..LINES).map(|j| line(inputs, j).into_bytes()).collect();
            common::kafka::produce(&topic, Some(inputs as i32 % partitions), &values);
            inputs += 1;
            std::thread::sleep(StdDuration::from_millis(10 + rng.below(31)));
        }
        inputs
    })
}

#[cfg(feature = "kafka")]
#[test]
fn kafka_word_count_on_two_processes_is_exactly_once_under_sigkill() {
    let present = common::kafka::broker_answers();
    if !common::connectors::server_present(present, "no Kafka at 127.0.0.1:9092 (scripts/services up kafka)")
    {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = TestDir::new("cluster-kill-kafka");
    let root = dir.join("run");
    std::fs::create_dir_all(&root).expect("create the run directory");
    let partitions = 4;
    let topic = common::kafka::create_topic("cluster-kill", partitions);
    std::fs::write(root.join("topic"), &topic).expect("write the topic's name");
    let stores = Stores::under(&root);
    let mut rng = rng_from_pid();
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = feed_kafka(topic, partitions, rng.next_u64(), Arc::clone(&stop));
    let kills = kill_rounds("kafka_process", &root, &stores, &mut rng);
    stop.store(true, Ordering::SeqCst);
    let inputs = feeder.join().expect("the feeder thread");
    let expected: BTreeSet<String> = (0..inputs).flat_map(|i| (0..LINES).map(move |j| line(i, j))).collect();

    // A last run, stopped once every message is in a committed batch.
    let last = Cluster::start("kafka_process", &root, "last");
    wait_for(
        &last,
        StdDuration::from_secs(180),
        || format!("every message committed: {} of {} lines", stores.lines.records().len(), expected.len()),
        || stores.lines.records().len() >= expected.len(),
    );
    last.stop();

    let outcome = Outcome::of(&stores);
    check("kafka", &root, &stores, &outcome, &expected, kills);
}
