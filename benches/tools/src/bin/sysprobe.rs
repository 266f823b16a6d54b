//! Samples what the kernel says about some processes and the machine every few milliseconds,
//! so that a slow batch in an end-to-end run can be matched with its cause: the CPU its
//! threads got (`/proc/PID/task/TID/sched`: run time in ns, involuntary switches), their page
//! faults, the machine's per-CPU time (steal, interrupts), pressure stall totals
//! (`/proc/pressure/*`) and reclaim and compaction counters (`/proc/vmstat`).
//!
//! ```text
//! sysprobe --pids 1234,5678 --out probe.jsonl [--every-ms 5]
//! ```
//!
//! One JSON object per line, until every process has exited (or is a zombie):
//! `{"t": epoch ms, "cpu": [[user, system, idle, iowait, irq, softirq, steal] per CPU, in
//! ticks], "psi": [cpu some, memory some, io some, in µs], "vm": [compact_stall, allocstall,
//! pgmajfault, pgscan_direct], "th": [[pid, tid, "name", run ms, involuntary switches, minor
//! faults, major faults, "state"], …]}`. `benches/e2e/stalls.py` reads it.

use dstream_bench::args::Args;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: sysprobe --pids PID[,PID…] --out FILE [--every-ms 5]";

fn main() {
    let args = Args::parse(USAGE, &[]);
    let pids: Vec<u32> = args
        .opt("pids")
        .unwrap_or_else(|| args.fail("--pids is required"))
        .split(',')
        .map(|p| p.trim().parse().unwrap_or_else(|_| args.fail(&format!("--pids: {p:?} is not a pid"))))
        .collect();
    let out = args.opt("out").unwrap_or_else(|| args.fail("--out FILE is required"));
    let every = Duration::from_millis(args.get("every-ms", 5));
    let file = fs::File::create(out).unwrap_or_else(|e| args.fail(&format!("--out {out:?}: {e}")));
    let mut file = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut line = String::with_capacity(4096);
    let mut next = Instant::now();
    loop {
        line.clear();
        if !sample(&pids, &mut line) {
            break;
        }
        if let Err(e) = file.write_all(line.as_bytes()) {
            eprintln!("sysprobe: writing {out:?}: {e}");
            std::process::exit(1);
        }
        next += every;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    }
    if let Err(e) = file.flush() {
        eprintln!("sysprobe: writing {out:?}: {e}");
        std::process::exit(1);
    }
}

/// Appends one sample to `line`; false once none of `pids` is left.
fn sample(pids: &[u32], line: &mut String) -> bool {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0);
    let _ = write!(line, "{{\"t\":{t:.2},\"cpu\":[");
    let stat = fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut first = true;
    for l in stat.lines().filter(|l| l.starts_with("cpu") && !l.starts_with("cpu ")) {
        let f: Vec<&str> = l.split_whitespace().collect();
        // user nice system idle iowait irq softirq steal
        let n = |i: usize| f.get(i).copied().unwrap_or("0");
        let user = n(1).parse::<u64>().unwrap_or(0) + n(2).parse::<u64>().unwrap_or(0);
        let _ = write!(
            line,
            "{}[{user},{},{},{},{},{},{}]",
            if first { "" } else { "," },
            n(3),
            n(4),
            n(5),
            n(6),
            n(7),
            n(8)
        );
        first = false;
    }
    let psi = |what: &str| {
        let s = fs::read_to_string(format!("/proc/pressure/{what}")).unwrap_or_default();
        s.lines()
            .next()
            .and_then(|l| l.rsplit("total=").next())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let _ = write!(line, "],\"psi\":[{},{},{}],\"vm\":[", psi("cpu"), psi("memory"), psi("io"));
    let vm = fs::read_to_string("/proc/vmstat").unwrap_or_default();
    let counter = |prefix: &str| -> u64 {
        vm.lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum()
    };
    let _ = write!(
        line,
        "{},{},{},{}],\"th\":[",
        counter("compact_stall "),
        counter("allocstall_"),
        counter("pgmajfault "),
        counter("pgscan_direct ")
    );
    let mut alive = false;
    let mut first = true;
    for &pid in pids {
        // A process that has exited but is not yet reaped (a zombie) is gone too.
        let exited = fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
            s.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with(['Z', 'X']))
        });
        let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else { continue };
        if exited {
            continue;
        }
        alive = true;
        for task in tasks.flatten() {
            let tid = task.file_name();
            let Some(tid) = tid.to_str() else { continue };
            let dir = format!("/proc/{pid}/task/{tid}");
            let (Ok(stat), Ok(sched)) =
                (fs::read_to_string(format!("{dir}/stat")), fs::read_to_string(format!("{dir}/sched")))
            else {
                continue;
            };
            // The name is in parentheses and may hold spaces; the fields after it are fixed.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
            let name: String = stat[open + 1..close]
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "-_.:/ ".contains(*c))
                .collect();
            let rest: Vec<&str> = stat[close + 1..].split_whitespace().collect();
            let state = rest.first().copied().unwrap_or("?");
            let minflt = rest.get(7).copied().unwrap_or("0");
            let majflt = rest.get(9).copied().unwrap_or("0");
            let field = |key: &str| {
                sched
                    .lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.rsplit(':').next())
                    .map(|v| v.trim().to_string())
                    .unwrap_or_else(|| "0".into())
            };
            let _ = write!(
                line,
                "{}[{pid},{tid},\"{name}\",{},{},{minflt},{majflt},\"{state}\"]",
                if first { "" } else { "," },
                field("se.sum_exec_runtime"),
                field("nr_involuntary_switches"),
            );
            first = false;
        }
    }
    line.push_str("]}\n");
    alive
}
