//! The tools together: the generator's words and markers all reach each word count's output,
//! and the counts it writes add up to what the generator reports it sent.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dstream-bench-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A number field of a flat JSON object line.
fn field(line: &str, name: &str) -> u64 {
    let at = line.find(&format!("\"{name}\": ")).unwrap_or_else(|| panic!("no {name} in {line}"));
    line[at + name.len() + 4..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

fn wait(child: &mut Child, limit: Duration) {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("a tool did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the generator against `engine` and checks the engine's records.
fn check(engine: &str, dir: &Path) {
    let port = free_port().to_string();
    let report = dir.join("loadgen.json");
    let mut lg = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["--port", &port, "--schedule", "300k:2,0:1", "--marker-ms", "100", "--linger", "1"])
        .args(["--pool-lines", "5000", "--report", report.to_str().unwrap()])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut wc = Command::new(engine)
        .args(["--port", &port, "--batch-ms", "100", "--seconds", "60", "--out", dir.to_str().unwrap()])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait(&mut lg, Duration::from_secs(60));
    assert!(lg.wait().unwrap().success(), "the generator failed");
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(dir.join("STOP"), "").unwrap();
    wait(&mut wc, Duration::from_secs(30));
    assert!(wc.wait().unwrap().success(), "{engine} failed");

    let report = std::fs::read_to_string(report).unwrap();
    let step = report.lines().find(|l| l.contains("\"rate\": 300000")).expect("the sending step");
    let (sent_words, sent_markers) = (field(step, "words"), field(step, "markers"));
    assert!(sent_words > 100_000 && sent_markers >= 15, "{step}");
    let batches = std::fs::read_to_string(dir.join("batches.jsonl")).unwrap();
    let words: u64 = batches.lines().map(|l| field(l, "words")).sum();
    let markers: u64 = batches.lines().map(|l| field(l, "markers")).sum();
    assert_eq!(words, sent_words, "{engine}: words counted");
    assert_eq!(markers, sent_markers, "{engine}: markers counted");
    let latencies = std::fs::read_to_string(dir.join("markers.json")).unwrap();
    assert_eq!(latencies.matches('[').count() as u64, sent_markers + 1, "{engine}: markers.json");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_limit_counts_every_word_and_marker_sent() {
    check(env!("CARGO_BIN_EXE_wc-limit"), &out_dir("limit"));
}

#[test]
fn dstream_counts_every_word_and_marker_sent() {
    check(env!("CARGO_BIN_EXE_wc-dstream"), &out_dir("dstream"));
}
