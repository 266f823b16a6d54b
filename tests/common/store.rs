//! A store that commits by batch time, exactly the recipe of `dstream::fault_tolerance`:
//! batch `t`'s records are written elsewhere and renamed to `batch-<t>` (the transaction's
//! commit, atomic even under SIGKILL), and a batch whose file exists is already committed
//! and is skipped. With sources that replay a re-run batch's input exactly, every record is
//! then in the store exactly once however often the job is killed.
//!
//! Every call is also appended to `attempts.log` (time, committed or skipped, and a
//! fingerprint of the records), so that a test can count the re-runs of committed batches
//! and see whether a re-run saw other records than the committed run did.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The store: a directory of committed batches plus the attempts log.
#[derive(Clone, Debug)]
pub struct BatchStore {
    dir: PathBuf,
}

/// One call of [`BatchStore::commit`], as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub time: u64,
    pub committed: bool,
    pub fingerprint: u64,
}

/// What the attempts log tells about re-runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reruns {
    /// Calls for a batch time that was already committed (so skipped).
    pub of_committed: usize,
    /// Of those, the ones whose records differ from the committed ones.
    pub with_other_records: usize,
}

impl BatchStore {
    /// The store in `dir`, created if missing.
    pub fn new(dir: &Path) -> BatchStore {
        std::fs::create_dir_all(dir).expect("create the store directory");
        BatchStore { dir: dir.to_path_buf() }
    }

    /// Commits batch `time`'s records unless that time is already committed. Called by the
    /// child job's `foreach_batch`.
    pub fn commit(&self, time: u64, records: &[String]) {
        let file = self.dir.join(format!("batch-{time}"));
        let committed = !file.exists();
        if committed {
            let temp = self.dir.join(format!(".batch-{time}.tmp"));
            let text: String = records.iter().map(|r| format!("{r}\n")).collect();
            std::fs::write(&temp, text).expect("write the batch");
            std::fs::rename(&temp, &file).expect("commit the batch");
        }
        // One `write` per line: a kill leaves whole lines (or none).
        let line =
            format!("{time} {} {}\n", if committed { "committed" } else { "skipped" }, fingerprint(records));
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("attempts.log"))
            .expect("open the attempts log");
        log.write_all(line.as_bytes()).expect("log the attempt");
    }

    /// The committed batches: time → records, in the order they were given.
    pub fn committed(&self) -> BTreeMap<u64, Vec<String>> {
        let mut batches = BTreeMap::new();
        for entry in std::fs::read_dir(&self.dir).expect("list the store").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(time) = name.strip_prefix("batch-").and_then(|t| t.parse().ok()) else { continue };
            let text = std::fs::read_to_string(entry.path()).expect("read a committed batch");
            batches.insert(time, text.lines().map(str::to_owned).collect());
        }
        batches
    }

    /// How many batches are committed (cheaper than reading them).
    pub fn committed_count(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .expect("list the store")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("batch-"))
            .count()
    }

    /// The newest committed batch time, if any.
    pub fn newest(&self) -> Option<u64> {
        std::fs::read_dir(&self.dir)
            .expect("list the store")
            .flatten()
            .filter_map(|e| e.file_name().to_string_lossy().strip_prefix("batch-")?.parse().ok())
            .max()
    }

    /// Every record of every committed batch.
    pub fn records(&self) -> Vec<String> {
        self.committed().into_values().flatten().collect()
    }

    /// Every logged call, in order.
    pub fn attempts(&self) -> Vec<Attempt> {
        let text = std::fs::read_to_string(self.dir.join("attempts.log")).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let mut fields = line.split(' ');
                let time = fields.next()?.parse().ok()?;
                let committed = fields.next()? == "committed";
                let fingerprint = fields.next()?.parse().ok()?;
                Some(Attempt { time, committed, fingerprint })
            })
            .collect()
    }

    /// The re-runs of committed batches, and how many of them saw other records.
    pub fn reruns(&self) -> Reruns {
        let committed = self.committed();
        let mut reruns = Reruns::default();
        for attempt in self.attempts().iter().filter(|a| !a.committed) {
            reruns.of_committed += 1;
            if committed.get(&attempt.time).map(|r| fingerprint(r)) != Some(attempt.fingerprint) {
                reruns.with_other_records += 1;
            }
        }
        reruns
    }
}

/// The records as a multiset: their count and a hash of them sorted. `DefaultHasher::new`
/// has fixed keys, so the child and the parent (the same binary) agree.
fn fingerprint(records: &[String]) -> u64 {
    let mut sorted: Vec<&String> = records.iter().collect();
    sorted.sort();
    let mut hasher = DefaultHasher::new();
    sorted.hash(&mut hasher);
    hasher.finish()
}
