//! A batch time always means the same input (issue #16): a batch that runs again after a
//! crash takes exactly the input of its first run, recorded in the batch log before its
//! outputs ran, so a store that commits by batch time (the recipe of
//! `dstream::fault_tolerance`) sees every record exactly once.
//!
//! The crash is deterministic: a job is driven by the harness, dropped after a batch ran and
//! before its checkpoint (as if the process died), and rebuilt on the same directories. File
//! modification times are set explicitly, on the harness's clock (which starts at 0).

use dstream::prelude::*;
use dstream::testing::Harness;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A store that commits each batch's records together with its time, and skips a batch
/// whose time is already committed: the recipe of `dstream::fault_tolerance`.
#[derive(Clone, Default)]
struct Store {
    committed: Arc<Mutex<BTreeMap<u64, Vec<String>>>>,
}

impl Store {
    fn commit(&self, time: Time, records: Vec<String>) {
        self.committed.lock().unwrap().entry(time.as_millis()).or_insert(records);
    }

    /// Every committed record, sorted.
    fn records(&self) -> Vec<String> {
        let mut all: Vec<String> = self.committed.lock().unwrap().values().flatten().cloned().collect();
        all.sort();
        all
    }

    fn batch(&self, ms: u64) -> Vec<String> {
        self.committed.lock().unwrap().get(&ms).cloned().unwrap_or_default()
    }
}

/// What a `foreach_batch` saw: (batch time in ms, records).
type Seen = Arc<Mutex<Vec<(u64, Vec<String>)>>>;

/// A fresh directory, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir =
            std::env::temp_dir().join(format!("dstream-batch-log-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(dir.join("input")).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Moves a file of `lines` into `dir` atomically, modified at `ms` on the harness's clock.
fn put(dir: &Path, name: &str, lines: &[&str], ms: u64) {
    let temp = dir.join(format!(".{name}.part"));
    std::fs::write(&temp, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let file = std::fs::File::options().write(true).open(&temp).unwrap();
    file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)).unwrap();
    drop(file);
    std::fs::rename(&temp, dir.join(name)).unwrap();
}

/// `text_files` into the store, checkpointing every 2 s.
fn job(dir: &Path, store: &Store) -> Job {
    let (input, checkpoints, store) = (dir.join("input"), dir.join("checkpoints"), store.clone());
    stream! {
        #![checkpoint(checkpoints, 2s)]
        text_files(input) |> map(|line| line.to_string())
            every 1s |> foreach_batch(move |records, time| store.commit(time, records))
    }
}

/// The run of the issue: batch 3000 read file 28 and committed; the job died before the
/// checkpoint of 4000; meanwhile file 29, modified before 3000, appeared. Re-run, batch 3000
/// must read file 28 alone (the store skips it), and batch 4000 file 29, or the store loses
/// file 29's records.
#[test]
fn a_batch_run_again_after_a_crash_reads_the_files_of_its_first_run() {
    let dir = Dir::new("files");
    let input = dir.0.join("input");
    let store = Store::default();

    let mut harness = Harness::new(job(&dir.0, &store));
    put(&input, "file-27", &["27a", "27b"], 1500);
    harness.run_batches(2).unwrap(); // 1000, 2000 (checkpointed)
    put(&input, "file-28", &["28a", "28b"], 2500);
    assert_eq!(harness.step().unwrap().time, Time::from_millis(3000));
    assert_eq!(store.batch(3000), ["28a", "28b"]);
    drop(harness); // dies before the checkpoint of 4000

    put(&input, "file-29", &["29a"], 2600);
    let mut harness = Harness::new(job(&dir.0, &store));
    let rerun = harness.run_batches(2).unwrap();
    assert_eq!(rerun[0].time, Time::from_millis(3000), "resumes after the checkpoint of 2000");
    assert_eq!(store.batch(4000), ["29a"], "the late file goes to the first batch cut afresh");
    assert_eq!(store.records(), ["27a", "27b", "28a", "28b", "29a"], "every record exactly once");
}

/// The batches after the checkpoint all run again on their own input, in order, and the job
/// goes on cutting afresh after them; a second crash during the re-run changes nothing.
#[test]
fn every_logged_batch_after_the_checkpoint_is_re_cut_even_across_two_crashes() {
    let dir = Dir::new("two-crashes");
    let input = dir.0.join("input");
    let seen: Seen = Arc::default();
    let job = || {
        let (input, checkpoints, seen) = (input.clone(), dir.0.join("checkpoints"), Arc::clone(&seen));
        stream! {
            #![checkpoint(checkpoints, 4s)]
            text_files(input) |> map(|line| line.to_string())
                every 1s |> foreach_batch(move |records, time| seen.lock().unwrap().push((time.as_millis(), records)))
        }
    };
    let mut harness = Harness::new(job());
    for (n, ms) in [(1, 500), (2, 1500), (3, 2500), (4, 3500), (5, 4500), (6, 5500), (7, 6500)] {
        put(&input, &format!("f{n}"), &[&format!("r{n}")], ms);
        harness.step().unwrap();
    }
    // 1000 .. 7000 ran; the checkpoint is 4000's. Files modified back in time appear.
    drop(harness);
    let first: Vec<(u64, Vec<String>)> = seen.lock().unwrap().drain(..).collect();
    put(&input, "late-a", &["la"], 4200);
    put(&input, "late-b", &["lb"], 5200);

    // The first restart re-runs 5000 and dies again.
    let mut harness = Harness::new(job());
    harness.step().unwrap();
    drop(harness);
    put(&input, "late-c", &["lc"], 5300);
    // The second re-runs 5000, 6000, 7000, then cuts 8000 afresh.
    let mut harness = Harness::new(job());
    harness.run_batches(4).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0], first[4], "the first restart's 5000");
    assert_eq!(seen[1..4], first[4..7], "5000, 6000 and 7000 exactly as their first run");
    assert_eq!(seen[4], (8000, vec!["la".to_string(), "lb".to_string(), "lc".to_string()]));
}
