//! `sysprobe` samples the processes it is given until they have all exited, one JSON line per
//! sample, naming each of their threads with its run time (Linux `/proc` only).
#![cfg(target_os = "linux")]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn out_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("dstream-bench-sysprobe-{name}-{}.jsonl", std::process::id()))
}

#[test]
fn samples_a_process_until_it_exits() {
    let mut sleeper = Command::new("sleep").arg("0.5").stdout(Stdio::null()).spawn().unwrap();
    let pid = sleeper.id();
    let out = out_file("sleep");
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_sysprobe"))
        .args(["--pids", &pid.to_string(), "--out", out.to_str().unwrap(), "--every-ms", "5"])
        .status()
        .unwrap();
    assert!(status.success());
    // It ran until the process was gone (reaped here, after it has ended).
    assert!(started.elapsed() >= Duration::from_millis(300), "stopped early: {:?}", started.elapsed());
    sleeper.wait().unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 20, "{} samples in about 0.5 s at 5 ms", lines.len());
    let cpus = std::thread::available_parallelism().unwrap().get();
    for line in &lines[..lines.len() - 1] {
        assert!(line.starts_with("{\"t\":") && line.ends_with("]}"), "{line}");
        assert!(line.contains(&format!("[{pid},{pid},\"sleep\",")), "the sleeper's thread in {line}");
        let cpu = &line[line.find("\"cpu\":[").unwrap() + 7..line.find("],\"psi\"").unwrap()];
        assert_eq!(cpu.matches('[').count(), cpus, "one entry per CPU in {line}");
    }
    let _ = std::fs::remove_file(out);
}

#[test]
fn a_process_that_is_gone_gives_no_samples() {
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    let out = out_file("gone");
    let status = Command::new(env!("CARGO_BIN_EXE_sysprobe"))
        .args(["--pids", &pid.to_string(), "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "");
    let _ = std::fs::remove_file(out);
}
