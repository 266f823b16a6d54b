//! Exactly-once output under SIGKILL, with the recipe of `dstream::fault_tolerance`: a
//! `foreach_batch` into a store that commits by batch time and skips a batch time it has
//! already committed. That is only exactly once if a batch that runs again after a crash
//! reads the same input as its first run; these tests check that it does, for `text_files`
//! and for `socket` with a write-ahead log.
//!
//! The job runs in a child process (this test binary run again on an ignored test); the
//! parent feeds it, and kills it (SIGKILL) right after it committed a few new batches.
//! Batches are 100 ms and checkpoints 400 ms apart, so most kills land after a batch's
//! output was committed and before a checkpoint covers it: on restart, committed batch times
//! run again. The tests count those re-runs (and fail if there were none: they would have
//! tested nothing), then check that every input record is in the store exactly once.
//! `DSTREAM_EXACTLY_ONCE_ROUNDS` (default 24) sets how many kills each test makes. A last
//! test kills a socket job before its first checkpoint after a batch, once.
//!
//! No assertion is about timing: the waits are bounded only so that a broken job fails the
//! test instead of hanging it. Run the ignored ones with
//! `cargo test --test exactly_once -- --ignored exactly_once --nocapture`.

mod common;

use common::socket::{logged_lines, numbering_server};
use common::store::BatchStore;
use common::{now_ms, rng_from_pid, ChildJob, Mismatch, Rng, TestDir};
use dstream::prelude::*;
use dstream::source::socket::SocketConfig;
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

/// Lines per input file.
const LINES_PER_FILE: usize = 5;

/// The longest a file waits, written, before it is renamed into the input directory.
const MAX_RENAME_DELAY_MS: u64 = 250;

fn rounds() -> usize {
    std::env::var("DSTREAM_EXACTLY_ONCE_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(24)
}

/// Waits, polling, until `done` holds; panics with `what` after `limit`.
fn wait_for(limit: StdDuration, what: impl Fn() -> String, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {}", what());
        std::thread::sleep(StdDuration::from_millis(5));
    }
}

/// Waits until the store holds `count` committed batches.
fn wait_for_commits(store: &BatchStore, count: usize) {
    wait_for(
        StdDuration::from_secs(30),
        || format!("{} of {count} batches committed", store.committed_count()),
        || store.committed_count() >= count,
    );
}

/// Lets a started child commit between 1 and 5 new batches, and waits up to 60 ms more: a
/// kill then lands after a committed batch, usually before the checkpoint that covers it.
fn let_it_commit_a_few(store: &BatchStore, rng: &mut Rng) {
    wait_for_commits(store, store.committed_count() + 1 + rng.below(5) as usize);
    std::thread::sleep(StdDuration::from_millis(rng.below(60)));
}

/// Prints what a test saw, and checks that every input record is in the store exactly
/// once and, if `reruns_expected`, that committed batch times did run again (else the test
/// would have tested nothing).
fn check(test: &str, store: &BatchStore, expected: &BTreeSet<String>, reruns_expected: bool) {
    let mismatch = Mismatch::of(expected, &store.records());
    let reruns = store.reruns();
    println!(
        "{test}: {} input records, {} batches committed, {} re-runs of committed batch times ({} of them read other records than the committed run); {}",
        expected.len(),
        store.committed_count(),
        reruns.of_committed,
        reruns.with_other_records,
        mismatch.summary()
    );
    assert!(
        !reruns_expected || reruns.of_committed > 0,
        "no committed batch time ran again: the test tested nothing"
    );
    assert!(
        mismatch.is_empty(),
        "not every input record is in the store exactly once: {}",
        mismatch.summary()
    );
}

/// Whether the job has written a checkpoint.
/// Whether the job wrote a checkpoint after a batch: the first file, `checkpoint-<zero
/// time>`, is the job's starting point, written before its first batch.
fn has_checkpoint(checkpoints: &Path) -> bool {
    std::fs::read_dir(checkpoints)
        .map(|entries| {
            entries.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("checkpoint-")).count()
                > 1
        })
        .unwrap_or(false)
}

/// Waits for the job's first checkpoint.
fn wait_for_a_checkpoint(checkpoints: &Path) {
    wait_for(StdDuration::from_secs(30), || "a first checkpoint".into(), || has_checkpoint(checkpoints));
}

// ---------------------------------------------------------------------------------------
// text_files

/// The `text_files` job, as the child runs it.
#[test]
#[ignore = "run by `text_files_into_a_batch_time_store_exactly_once_under_sigkill` in a child process"]
fn files_child() {
    let Ok(root) = std::env::var("DSTREAM_EXACTLY_ONCE_FILES") else { return };
    let root = PathBuf::from(root);
    let (input, checkpoints) = (root.join("in"), root.join("checkpoints"));
    let store = BatchStore::new(&root.join("store"));
    let job = stream! {
        #![checkpoint(checkpoints, 400ms)]
        text_files(input) |> map(|line| line.to_string()) every 100ms
            |> foreach_batch(move |records, time| store.commit(time.as_millis(), &records))
    };
    job.run().expect("the job runs until it is killed or stopped");
}

/// The lines of input file `i`.
fn file_lines(i: usize) -> impl Iterator<Item = String> {
    (0..LINES_PER_FILE).map(move |j| format!("f{i}-l{j}"))
}

/// Writes input files until `stop` is set, one every 10 to 40 ms, each written in `staging`
/// and renamed into `in` 0 to 250 ms later, as a slow producer would: a file's modification
/// time (which decides its batch) is then before the moment it appears. Returns how many
/// files it wrote, once all are renamed.
fn feed_files(root: PathBuf, seed: u64, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut rng = Rng::new(seed);
        let mut pending: Vec<(Instant, usize)> = Vec::new();
        let mut written = 0;
        let mut next_write = Instant::now();
        loop {
            let now = Instant::now();
            let stopping = stop.load(Ordering::SeqCst);
            if !stopping && now >= next_write {
                let text: String = file_lines(written).map(|l| l + "\n").collect();
                std::fs::write(root.join("staging").join(format!("f{written}.txt")), text)
                    .expect("stage a file");
                pending.push((now + StdDuration::from_millis(rng.below(MAX_RENAME_DELAY_MS + 1)), written));
                written += 1;
                next_write = now + StdDuration::from_millis(10 + rng.below(31));
            }
            pending.retain(|&(due, i)| {
                if due > now {
                    return true;
                }
                let name = format!("f{i}.txt");
                std::fs::rename(root.join("staging").join(&name), root.join("in").join(&name))
                    .expect("rename a file in");
                false
            });
            if stopping && pending.is_empty() {
                return written;
            }
            std::thread::sleep(StdDuration::from_millis(2));
        }
    })
}

#[test]
fn text_files_into_a_batch_time_store_exactly_once_under_sigkill() {
    let dir = TestDir::new("exactly-once-files");
    for sub in ["in", "staging"] {
        std::fs::create_dir_all(dir.join(sub)).expect("create an input directory");
    }
    let store = BatchStore::new(&dir.join("store"));
    let root = dir.path().to_string_lossy().into_owned();
    let spawn = || ChildJob::spawn("files_child", &[("DSTREAM_EXACTLY_ONCE_FILES", &root)]);
    let mut rng = rng_from_pid();
    let stop = Arc::new(AtomicBool::new(false));
    let mut feeder = None;
    for _ in 0..rounds() {
        let child = spawn();
        if feeder.is_none() {
            // Files already there when the job first starts are not new (Spark's
            // newFilesOnly): feed only once the job has run and checkpointed a batch.
            wait_for_a_checkpoint(&dir.join("checkpoints"));
            feeder = Some(feed_files(dir.path().to_path_buf(), rng.next_u64(), Arc::clone(&stop)));
        }
        let_it_commit_a_few(&store, &mut rng);
        child.kill();
    }
    stop.store(true, Ordering::SeqCst);
    let files = feeder.expect("the feeder started").join().expect("the feeder thread");
    let all_in = now_ms();

    // A last run, not killed: once it has committed a batch after the last file appeared
    // (that batch listed the directory with every file in it), stop it gracefully.
    let child = spawn();
    wait_for(
        StdDuration::from_secs(60),
        || format!("a batch after {all_in}; newest is {:?}", store.newest()),
        || store.newest().is_some_and(|t| t > all_in + 100),
    );
    let status = child.terminate();
    assert!(status.success(), "a graceful stop exits 0, got {status}");

    let expected: BTreeSet<String> = (0..files).flat_map(file_lines).collect();
    check(&format!("text_files, {} kills", rounds()), &store, &expected, true);
}

// ---------------------------------------------------------------------------------------
// socket with a write-ahead log

/// The socket job, as the child runs it.
#[test]
#[ignore = "run by the `socket_` tests in a child process"]
fn socket_child() {
    let (Ok(root), Ok(port)) =
        (std::env::var("DSTREAM_EXACTLY_ONCE_SOCKET"), std::env::var("DSTREAM_EXACTLY_ONCE_PORT"))
    else {
        return;
    };
    let root = PathBuf::from(root);
    let port: u16 = port.parse().expect("a port");
    let checkpoints = root.join("checkpoints");
    let store = BatchStore::new(&root.join("store"));
    let config = SocketConfig {
        initial_backoff: StdDuration::from_millis(10),
        max_backoff: StdDuration::from_millis(100),
        write_ahead_log: Some(root.join("wal")),
        ..SocketConfig::default()
    };
    let job = stream! {
        #![checkpoint(checkpoints, 400ms)]
        socket("127.0.0.1", port, config) |> map(|line| line.to_string()) every 100ms
            |> foreach_batch(move |records, time| store.commit(time.as_millis(), &records))
    };
    job.run().expect("the job runs until it is killed or stopped");
}

/// One socket test's world: its directory and store, and a numbering server the child
/// jobs connect to.
struct SocketWorld {
    dir: TestDir,
    store: BatchStore,
    port: String,
    sending: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
    server: Option<std::thread::JoinHandle<u64>>,
    /// Every line ever in the log: each run writes its own segments, read after the run
    /// (a segment is deleted only once a later checkpoint covers it).
    logged: BTreeSet<String>,
    /// More environment for the child jobs (flow-control settings).
    env: Vec<(&'static str, &'static str)>,
}

impl SocketWorld {
    fn new(name: &str) -> SocketWorld {
        let dir = TestDir::new(name);
        let store = BatchStore::new(&dir.join("store"));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test server");
        let port = listener.local_addr().expect("local address").port().to_string();
        let (sending, done) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicBool::new(false)));
        let server = Some(numbering_server(listener, Arc::clone(&sending), Arc::clone(&done)));
        SocketWorld { dir, store, port, sending, done, server, logged: BTreeSet::new(), env: Vec::new() }
    }

    fn spawn(&self) -> ChildJob {
        let root = self.dir.path().to_string_lossy();
        let mut env =
            vec![("DSTREAM_EXACTLY_ONCE_SOCKET", &*root), ("DSTREAM_EXACTLY_ONCE_PORT", &self.port)];
        env.extend(self.env.iter().copied());
        ChildJob::spawn("socket_child", &env)
    }

    /// Kills `child` (SIGKILL) and notes what the log holds.
    fn kill(&mut self, child: ChildJob) {
        child.kill();
        self.logged.extend(logged_lines(&self.dir.join("wal")));
    }

    /// A last run, not killed, with no more input: it replays the log in its first batches;
    /// once every logged line is in the store, or it has committed ten new batches, it is
    /// stopped gracefully. Then every line ever logged must be in the store exactly once.
    fn finish_and_check(mut self, test: &str, reruns_expected: bool) {
        assert!(!self.logged.is_empty(), "no line was ever logged: the test tested nothing");
        self.sending.store(false, Ordering::SeqCst);
        let before = self.store.committed_count();
        let child = self.spawn();
        wait_for(
            StdDuration::from_secs(60),
            || format!("the last run's batches; {} committed", self.store.committed_count()),
            || {
                // At least one new batch first: it shows the run has installed its signal
                // handlers, so the SIGTERM below stops it gracefully instead of killing it
                // (when the killed runs had committed every logged line, the subset check
                // alone passed before the child had even started).
                let committed = self.store.committed_count();
                let stored: BTreeSet<String> = self.store.records().into_iter().collect();
                committed > before && (self.logged.is_subset(&stored) || committed >= before + 10)
            },
        );
        let status = child.terminate();
        assert!(status.success(), "a graceful stop exits 0, got {status}");
        self.logged.extend(logged_lines(&self.dir.join("wal")));
        let sent = self.stop_server();
        check(&format!("{test} ({sent} lines sent)"), &self.store, &self.logged, reruns_expected);
    }

    /// Stops the server; returns how many lines it sent.
    fn stop_server(&mut self) -> u64 {
        self.done.store(true, Ordering::SeqCst);
        self.server.take().map_or(0, |server| server.join().expect("the server thread"))
    }
}

impl Drop for SocketWorld {
    fn drop(&mut self) {
        self.stop_server();
    }
}

#[test]
fn socket_with_a_log_into_a_batch_time_store_exactly_once_under_sigkill() {
    kill_and_check(SocketWorld::new("exactly-once-socket"), "socket");
}

/// The same with a rate limit below what the server sends and backpressure on: the
/// receiver logs its lines in paced portions, and a batch's selection still names exactly
/// the blocks it took.
#[test]
fn socket_with_a_log_and_flow_control_into_a_batch_time_store_exactly_once_under_sigkill() {
    let mut world = SocketWorld::new("exactly-once-socket-paced");
    // The server sends 5000 lines/s.
    world.env = vec![("DSTREAM_RECEIVER_MAX_RATE", "3000"), ("DSTREAM_BACKPRESSURE", "true")];
    kill_and_check(world, "socket with flow control");
}

/// Kills the world's child jobs at random moments, then checks the store.
fn kill_and_check(mut world: SocketWorld, test: &str) {
    let mut rng = rng_from_pid();
    for round in 0..rounds() {
        let child = world.spawn();
        if round == 0 {
            // A job killed before its first checkpoint after a batch is the next test's case.
            wait_for_a_checkpoint(&world.dir.join("checkpoints"));
        }
        let_it_commit_a_few(&world.store, &mut rng);
        world.kill(child);
    }
    world.finish_and_check(&format!("{test}, {} kills", rounds()), true);
}

/// A job killed before its first checkpoint after a batch recovers from the checkpoint of
/// its starting point and runs its logged batches again on the input of their first run.
/// (Before that checkpoint existed it restarted on new batch times and replayed its whole
/// log into them: a store that commits by batch time held the first run's lines twice.)
#[test]
fn socket_killed_before_its_first_checkpoint_into_a_batch_time_store_exactly_once() {
    for attempt in 1.. {
        let mut world = SocketWorld::new("exactly-once-first");
        let child = world.spawn();
        // The first checkpoint comes after the fourth batch: kill after the second.
        wait_for_commits(&world.store, 2);
        world.kill(child);
        if has_checkpoint(&world.dir.join("checkpoints")) {
            assert!(attempt < 5, "every kill came after the first checkpoint");
            continue;
        }
        world.finish_and_check("socket, killed before its first checkpoint", true);
        return;
    }
}
