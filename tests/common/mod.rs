//! Shared by the crash tests: a job in a child process (this test binary run again on one
//! ignored test) that can be killed with SIGKILL or stopped with SIGTERM, a seeded random
//! number generator, a temporary directory, a store that commits by batch time, and the
//! socket helpers (a numbering line server, a reader of the write-ahead log).
//!
//! Every test file that kills jobs includes this with `mod common;` and uses a part of it.
#![allow(dead_code)]

pub mod connectors;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod nats;
pub mod socket;
pub mod store;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// A job in a child process: this test binary, running only the ignored test `name`.
/// Killed (SIGKILL) and reaped when dropped, so that a failing test leaves no job running.
pub struct ChildJob(Child);

impl ChildJob {
    /// Starts the test `name` of this binary with the environment `env`; its output is
    /// discarded.
    pub fn spawn(name: &str, env: &[(&str, &str)]) -> ChildJob {
        let mut command = Command::new(std::env::current_exe().expect("the test binary"));
        command.args(["--exact", name, "--ignored", "--nocapture"]).env("RUST_LOG", "off");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn the child job");
        ChildJob(child)
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILL, then reaps it: the crash under test.
    pub fn kill(mut self) {
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("reap the child");
    }

    /// Waits for the child to exit by itself (at most `limit`, then it is killed): whether it
    /// succeeded.
    pub fn finish(mut self, limit: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().expect("poll the child") {
                return status.success();
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    /// SIGTERM (a graceful stop), then waits for it to exit.
    pub fn terminate(mut self) -> ExitStatus {
        Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status().expect("kill -TERM");
        self.0.wait().expect("reap the child")
    }
}

impl Drop for ChildJob {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The project's one seeded generator (`dstream::feed::Rng`).
pub use dstream::feed::Rng;

/// A generator seeded from this process's id, for runs that differ from one another.
pub fn rng_from_pid() -> Rng {
    Rng::new(0x9E37_79B9_7F4A_7C15u64 ^ u64::from(std::process::id()))
}

/// A fresh directory under the temp dir, removed when dropped (also when the test fails).
pub struct TestDir(pub PathBuf);

impl TestDir {
    /// A new, empty directory named after `name`, this process and the time.
    pub fn new(name: &str) -> TestDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("dstream-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the test directory");
        TestDir(dir)
    }

    /// `name` under the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Milliseconds since the Unix epoch: the job's batch times are on this clock.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_millis()
        as u64
}

/// How an output differs from "every expected record exactly once": the records missing,
/// those present more than once (each once per extra copy) and those never expected.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mismatch {
    pub missing: Vec<String>,
    pub duplicated: Vec<String>,
    pub unexpected: Vec<String>,
}

impl Mismatch {
    /// Compares `output` with `expected` (a set: each expected record once).
    pub fn of(expected: &std::collections::BTreeSet<String>, output: &[String]) -> Mismatch {
        let mut counts: std::collections::BTreeMap<&String, usize> = std::collections::BTreeMap::new();
        for record in output {
            *counts.entry(record).or_default() += 1;
        }
        let mut mismatch = Mismatch::default();
        for record in expected {
            if !counts.contains_key(record) {
                mismatch.missing.push(record.clone());
            }
        }
        for (record, &n) in &counts {
            if !expected.contains(*record) {
                mismatch.unexpected.push((*record).clone());
            } else if n > 1 {
                mismatch.duplicated.extend(std::iter::repeat_n((*record).clone(), n - 1));
            }
        }
        mismatch
    }

    /// Whether every expected record was there exactly once and nothing else.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.duplicated.is_empty() && self.unexpected.is_empty()
    }

    /// A line for the test's output: the counts, and a few of each.
    pub fn summary(&self) -> String {
        let few = |v: &[String]| v.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
        format!(
            "{} missing [{}], {} duplicated [{}], {} unexpected [{}]",
            self.missing.len(),
            few(&self.missing),
            self.duplicated.len(),
            few(&self.duplicated),
            self.unexpected.len(),
            few(&self.unexpected)
        )
    }
}
