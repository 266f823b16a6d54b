//! One job on a cluster of real processes on 127.0.0.1 (issue #14, docs/cluster.md): this test
//! binary runs again as each process (the ignored test `cluster_process`), with the cluster's
//! environment variables, and the outputs of 1 process, 2 processes × 1 worker and
//! 2 processes × 2 workers must be the same. Spark's vectors (`tests/spark_vectors.rs`, run
//! by the test harness) pass with the harness on a cluster of two processes.

mod common;
#[allow(dead_code)]
#[path = "../examples/cluster.rs"]
mod example;
/// Spark's vectors, also run here on a cluster of two processes (see
/// `spark_vectors_pass_on_two_processes`); in this binary's own run they run in one process.
#[path = "spark_vectors.rs"]
mod spark_vectors;

use common::TestDir;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One process of a test cluster: this binary running `cluster_process`. Killed and reaped
/// when dropped, so that a failing test leaves nothing running.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    /// Waits for the process to exit (at most `limit`): its success and its standard error.
    fn finish(mut self, limit: Duration) -> (bool, String) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.0.try_wait().expect("poll the process") {
                let mut err = String::new();
                if let Some(mut stderr) = self.0.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
                }
                return (status.success(), err);
            }
            assert!(Instant::now() < deadline, "a cluster process did not exit within {limit:?} (a hang)");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Starts process `index` of `processes` (`None`: a lone process without cluster settings)
/// running `program`, writing its records to `out`.
fn spawn(
    program: &str,
    cluster: Option<(usize, &Path, usize)>,
    index: usize,
    out: &Path,
    env: &[(&str, String)],
) -> Process {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args(["--exact", "cluster_process", "--ignored", "--nocapture"])
        .env("CLUSTER_CHILD", program)
        .env("CLUSTER_OUT", out)
        .env("RUST_LOG", "off")
        .env_remove("DSTREAM_PROCESSES");
    if let Some((processes, hostfile, workers)) = cluster {
        command
            .env("DSTREAM_PROCESSES", processes.to_string())
            .env("DSTREAM_PROCESS", index.to_string())
            .env("DSTREAM_HOSTFILE", hostfile)
            .env("DSTREAM_WORKERS", workers.to_string());
    }
    for (key, value) in env {
        command.env(key, value);
    }
    Process(command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn a cluster process"))
}

/// A hostfile of `n` free ports on 127.0.0.1.
fn hostfile(dir: &TestDir, n: usize) -> PathBuf {
    let listeners: Vec<_> =
        (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port")).collect();
    let lines: Vec<String> =
        listeners.iter().map(|l| format!("{}\n", l.local_addr().expect("its address"))).collect();
    let path = dir.join(&format!("hosts-{}", lines.concat().len()));
    std::fs::write(&path, lines.concat()).expect("write the hostfile");
    path
}

/// The records `program` writes on `processes` × `workers` (0 processes: one process without
/// cluster settings), sorted by batch and record.
fn run(program: &str, processes: usize, workers: usize) -> Vec<String> {
    run_with(program, processes, workers, &[])
}

/// [`run`] with more environment variables.
fn run_with(program: &str, processes: usize, workers: usize, env: &[(&str, String)]) -> Vec<String> {
    let dir = TestDir::new(&format!("cluster-{program}-{processes}x{workers}"));
    let out = dir.join("out");
    let hosts = hostfile(&dir, processes.max(1));
    let children: Vec<Process> = match processes {
        0 => vec![spawn(program, None, 0, &out, env)],
        n => (0..n).map(|i| spawn(program, Some((n, &hosts, workers)), i, &out, env)).collect(),
    };
    for (i, child) in children.into_iter().enumerate() {
        let (ok, err) = child.finish(Duration::from_secs(60));
        assert!(ok, "process {i} of {program} on {processes} × {workers} failed:\n{err}");
    }
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines.sort();
    lines
}

/// A process of a test cluster (started by the tests above, never on its own).
#[test]
#[ignore = "a child process of the cluster tests"]
fn cluster_process() {
    let Ok(program) = std::env::var("CLUSTER_CHILD") else { return };
    let batches = std::env::var("CLUSTER_BATCHES").ok().and_then(|b| b.parse().ok()).unwrap_or(4);
    if let Err(e) = example::run(&program, batches) {
        eprintln!("error: {e}");
        std::process::exit(3);
    }
}

#[test]
fn word_count_is_the_same_on_one_process_and_on_two() {
    let alone = run("wordcount", 0, 1);
    assert_eq!(alone.len(), 40, "4 batches of 10 words: {alone:?}");
    assert_eq!(run("wordcount", 2, 1), alone, "2 processes × 1 worker");
    assert_eq!(run("wordcount", 2, 2), alone, "2 processes × 2 workers");
}

#[test]
fn join_window_and_state_are_the_same_on_one_process_and_on_two() {
    let alone = run("joins", 0, 1);
    assert!(alone.len() > 10, "{alone:?}");
    assert_eq!(run("joins", 2, 1), alone, "2 processes × 1 worker");
    assert_eq!(run("joins", 2, 2), alone, "2 processes × 2 workers");
}

#[test]
fn foreach_partition_writes_each_partition_once_where_it_is() {
    // One process with 4 partitions against 2 processes × 2: the same partitions, the same
    // records in each, each written once.
    let alone = run_with("partitions", 0, 1, &[("CLUSTER_PARTITIONS", "4".into())]);
    assert_eq!(alone.len(), 40, "4 batches of 10 words: {alone:?}");
    assert!((0..4).all(|p| alone.iter().any(|l| l.contains(&format!(" ({p}, ")))), "{alone:?}");
    assert_eq!(run_with("partitions", 2, 2, &[]), alone);
}

/// `records` (`<batch> (<partition>, (<process>, "<word>"))` lines) without the process.
fn without_process(records: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = records
        .iter()
        .map(|l| {
            let (head, rest) = l.split_once(", (").expect("<batch> (<partition>, (<process>, <word>))");
            let (_, word) = rest.split_once(", ").expect("(<process>, <word>)");
            format!("{head}, {word}")
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn the_driver_spreads_its_source_records_over_every_process() {
    for program in ["shares", "textshares"] {
        let alone = run_with(program, 0, 1, &[("CLUSTER_PARTITIONS", "4".into())]);
        assert!(alone.len() > 400, "{program}: 4 batches of 100 lines: {alone:?}");
        let cluster = run(program, 2, 2);
        // Partitions 2 and 3 are process 1's: their words were split there, and every other
        // word on process 0; the words of each partition are those of one process with 4.
        for (p, process) in [(0, 0), (1, 0), (2, 1), (3, 1)] {
            let share: Vec<&String> = cluster.iter().filter(|l| l.contains(&format!(" ({p}, ("))).collect();
            assert!(!share.is_empty(), "{program}: partition {p} is empty");
            assert!(
                share.iter().all(|l| l.contains(&format!(" ({p}, ({process}, "))),
                "{program}: partition {p} ran off process {process}: {share:?}"
            );
        }
        assert_eq!(without_process(&cluster), without_process(&alone), "{program}: the same records");
    }
}

#[test]
fn text_files_reads_each_file_once_across_the_cluster() {
    let dir = TestDir::new("cluster-files");
    let input = dir.join("input");
    std::fs::create_dir_all(&input).expect("the input directory");
    // Files modified a few seconds from now: after both processes started (files already
    // there at start are not new), before the job's last batch.
    let at = std::time::SystemTime::now() + Duration::from_secs(6);
    let files = 24;
    for f in 0..files {
        let path = input.join(format!("file-{f}.txt"));
        std::fs::write(&path, format!("f{f}w0 f{f}w1\nf{f}w2\n")).expect("write an input file");
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_modified(at))
            .expect("its time");
    }
    let env = [("CLUSTER_DIR", input.display().to_string()), ("CLUSTER_BATCHES", "50".to_string())];
    let records = run_with("files", 2, 2, &env);
    let mut words: Vec<&str> = records.iter().map(|l| l.rsplit(", ").next().unwrap_or("")).collect();
    words.sort();
    let mut expected: Vec<String> =
        (0..files).flat_map(|f| (0..3).map(move |w| format!("\"f{f}w{w}\"))"))).collect();
    expected.sort();
    assert_eq!(words, expected, "every word of every file exactly once: {records:?}");
    for process in [0, 1] {
        let theirs: Vec<&String> =
            records.iter().filter(|l| l.contains(&format!(", ({process}, "))).collect();
        assert!(!theirs.is_empty(), "process {process} read no file: {records:?}");
        // A process's files are read into its own partitions.
        let partitions = [format!(" ({}, ", 2 * process), format!(" ({}, ", 2 * process + 1)];
        assert!(theirs.iter().all(|l| partitions.iter().any(|p| l.contains(p.as_str()))), "{theirs:?}");
    }
}

/// The records of `lines` by batch number: every batch from 0 to the last must be there,
/// whole (10 distinct words each, as the word count of [`example::run`] writes them).
fn assert_whole_batches(lines: &[String]) -> usize {
    let mut per_batch = std::collections::BTreeMap::<usize, usize>::new();
    for line in lines {
        let batch = line.split(' ').next().and_then(|b| b.parse().ok()).expect("<batch> <record>");
        *per_batch.entry(batch).or_default() += 1;
    }
    let batches = per_batch.len();
    assert!(per_batch.keys().copied().eq(0..batches), "batches missing: {per_batch:?}");
    assert!(per_batch.values().all(|&n| n == 10), "a batch written in part: {per_batch:?}");
    batches
}

#[test]
fn ctrl_c_on_process_1_stops_the_whole_cluster_gracefully() {
    let dir = TestDir::new("cluster-sigint");
    let hosts = hostfile(&dir, 2);
    let out = dir.join("out");
    let env = [("CLUSTER_BATCHES", "300".to_string()), ("RUST_LOG", "info".to_string())];
    let driver = spawn("wordcount", Some((2, &hosts, 1)), 0, &out, &env);
    let other = spawn("wordcount", Some((2, &hosts, 1)), 1, &out, &env);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&out).map_or(0, |t| t.lines().count()) < 20 {
        assert!(Instant::now() < deadline, "the cluster ran no batch");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill").args(["-INT", &other.0.id().to_string()]).status().expect("run kill");
    assert!(sent.success(), "SIGINT to process 1");
    let (ok, err) = other.finish(Duration::from_secs(30));
    assert!(ok, "process 1 did not stop gracefully:\n{err}");
    let (ok, err) = driver.finish(Duration::from_secs(30));
    assert!(ok, "the driver did not stop gracefully:\n{err}");
    assert!(err.contains("a process was asked to stop"), "{err}");
    assert!(err.contains("per_process=0: "), "the driver logs each process's time per batch: {err}");
    let lines: Vec<String> =
        std::fs::read_to_string(&out).expect("the output").lines().map(String::from).collect();
    let batches = assert_whole_batches(&lines);
    assert!(batches < 300, "the cluster ran to its end instead of stopping");
}

#[test]
fn job_start_runs_on_a_cluster_and_its_handle_stops_it() {
    let dir = TestDir::new("cluster-start");
    let hosts = hostfile(&dir, 2);
    let out = dir.join("out");
    let env = [("CLUSTER_BATCHES", "300".to_string())];
    let children: Vec<Process> =
        (0..2).map(|i| spawn("start", Some((2, &hosts, 1)), i, &out, &env)).collect();
    for (i, child) in children.into_iter().enumerate() {
        let (ok, err) = child.finish(Duration::from_secs(60));
        assert!(ok, "process {i} failed:\n{err}");
    }
    let lines: Vec<String> =
        std::fs::read_to_string(&out).expect("the output").lines().map(String::from).collect();
    let batches = assert_whole_batches(&lines);
    assert!((3..300).contains(&batches), "process 1's stop after 3 batches ended the cluster: {batches}");
    // The driver's statistics count every batch, and every input line of those that had input
    // (200 a batch; the last batch, after the stop, may hold none).
    let stats = std::fs::read_to_string(dir.join("out.stats")).expect("the driver's statistics");
    let figures: Vec<u64> = stats.split_whitespace().skip(1).map(|f| f.parse().expect("a number")).collect();
    assert!(figures[0] >= batches as u64, "{stats}");
    assert_eq!(figures[1], 200 * batches as u64, "{stats}");
}

/// `GET path` on `addr`: the response's body, or `None` if nothing answers.
#[cfg(feature = "dashboard")]
fn http_get(addr: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_once("\r\n\r\n").map(|(_, body)| body.to_string())
}

#[cfg(feature = "dashboard")]
#[test]
fn the_dashboard_is_served_by_the_driver_with_every_process_s_records() {
    let dir = TestDir::new("cluster-dashboard");
    let hosts = hostfile(&dir, 2);
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
    let addr = port.to_string();
    let env = [("CLUSTER_BATCHES", "300".to_string()), ("CLUSTER_DASHBOARD", addr.clone())];
    let out = dir.join("out");
    // Both processes on one host, with the same address: only the driver binds it.
    let driver = spawn("dashboard", Some((2, &hosts, 2)), 0, &out, &env);
    let other = spawn("dashboard", Some((2, &hosts, 2)), 1, &out, &env);
    let deadline = Instant::now() + Duration::from_secs(60);
    let latest = loop {
        match http_get(&addr, "/latest") {
            Some(body) if body.contains("\"counts\":{\"") => break body,
            _ => assert!(Instant::now() < deadline, "the dashboard showed no batch"),
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // 100 × "a b" a batch: the counts of every process's partitions, not the driver's alone.
    assert!(latest.contains(r#""counts":{"a":100,"b":100}"#), "{latest}");
    let sent = Command::new("kill").args(["-INT", &driver.0.id().to_string()]).status().expect("run kill");
    assert!(sent.success());
    for (i, p) in [driver, other].into_iter().enumerate() {
        let (ok, err) = p.finish(Duration::from_secs(30));
        assert!(ok, "process {i}:\n{err}");
    }
}

#[test]
fn different_programs_in_one_cluster_fail_on_every_process() {
    let dir = TestDir::new("cluster-mismatch");
    let hosts = hostfile(&dir, 2);
    let out = dir.join("out");
    let a = spawn("wordcount", Some((2, &hosts, 1)), 0, &out, &[]);
    let b = spawn("joins", Some((2, &hosts, 1)), 1, &out, &[]);
    for (i, p) in [a, b].into_iter().enumerate() {
        let (ok, err) = p.finish(Duration::from_secs(60));
        assert!(!ok, "process {i} ran a mixed cluster");
        assert!(err.contains("runs a different program"), "process {i}: {err}");
    }
}

#[test]
fn a_missing_peer_is_named_after_the_timeout() {
    let dir = TestDir::new("cluster-timeout");
    let hosts = hostfile(&dir, 2);
    let peer = std::fs::read_to_string(&hosts).unwrap().lines().next().unwrap().to_string();
    let timeout = [("DSTREAM_CONNECT_TIMEOUT", "1".to_string())];
    let (ok, err) = spawn("wordcount", Some((2, &hosts, 1)), 1, &dir.join("out"), &timeout)
        .finish(Duration::from_secs(30));
    assert!(!ok);
    assert!(err.contains(&format!("could not reach process 0 at {peer}")), "{err}");
}

#[test]
fn a_lost_peer_stops_the_other_process_with_an_error() {
    let dir = TestDir::new("cluster-lost");
    let hosts = hostfile(&dir, 2);
    let out = dir.join("out");
    let long = [("CLUSTER_BATCHES", "10000".to_string())];
    let driver = spawn("wordcount", Some((2, &hosts, 1)), 0, &out, &long);
    let mut other = spawn("wordcount", Some((2, &hosts, 1)), 1, &out, &long);
    // Once batches run (the driver's records arrive), kill the other process.
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&out).map_or(0, |m| m.len()) == 0 {
        assert!(Instant::now() < deadline, "the cluster ran no batch");
        std::thread::sleep(Duration::from_millis(20));
    }
    other.0.kill().expect("SIGKILL");
    let (ok, err) = driver.finish(Duration::from_secs(30));
    assert!(!ok, "the driver went on without its peer");
    assert!(err.contains("lost the cluster"), "{err}");
}

#[test]
fn spark_vectors_pass_on_two_processes() {
    for workers in [1, 2] {
        let dir = TestDir::new("cluster-spark-vectors");
        let hosts = hostfile(&dir, 2);
        // Both processes run every vector, one after the other, each vector's harness a
        // cluster of its own on the same ports. Process 0, the driver, sees every batch's
        // output and checks it; process 1 only takes part (its own checks see its share).
        let spawn_vectors = |i: usize| {
            let report = std::fs::File::create(dir.join(&format!("report-{i}"))).expect("a report file");
            let mut command = Command::new(std::env::current_exe().expect("the test binary"));
            command
                .args(["spark_vectors::", "--test-threads=1"])
                .env("RUST_LOG", "off")
                .env("DSTREAM_PROCESSES", "2")
                .env("DSTREAM_PROCESS", i.to_string())
                .env("DSTREAM_HOSTFILE", &hosts)
                .env("DSTREAM_WORKERS", workers.to_string());
            Process(command.stdout(report).stderr(Stdio::piped()).spawn().expect("spawn a process"))
        };
        let other = spawn_vectors(1);
        let driver = spawn_vectors(0);
        let (ok, err) = driver.finish(Duration::from_secs(300));
        let report = std::fs::read_to_string(dir.join("report-0")).unwrap_or_default();
        assert!(ok, "Spark's vectors on 2 processes × {workers}:\n{report}\n{err}");
        let passed = report
            .lines()
            .find_map(|l| l.strip_prefix("test result: ok. ")?.split(' ').next()?.parse::<usize>().ok());
        assert!(passed.is_some_and(|n| n >= 15), "Spark's vectors did not all run:\n{report}");
        drop(other);
    }
}
