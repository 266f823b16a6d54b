//! How far two threads can scale on this machine, whatever the engine.
//!
//! The 2-partition goal of issue #18 asks 1.7× one partition's wall time; the hand-written
//! limit's own two threads reach about 1.4×. This tool separates the machine from the code:
//! for kernels from pure register arithmetic to random reads of main memory, it times one
//! unit of work on one thread, then one unit on each of `--threads` threads at once (each on
//! its own memory, as partitions have their own tables), and prints the scaling
//! `threads × t1 / tN` (2.00× = two cores that do not slow each other). Rounds alternate the
//! two runs; the median is printed, with every round's figure.
//!
//! ```text
//! cores [--rounds 5] [--threads 2] [--kernels alu,l2,l3,dram,stream]
//! ```

use dstream_bench::args::Args;
use std::hint::black_box;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cores [--rounds 5] [--threads 2] [--kernels alu,l2,l3,dram,stream]";

/// One kernel: its name, what it stands for, and one unit of its work on a fresh thread.
struct Kernel {
    name: &'static str,
    what: &'static str,
    /// Bytes of memory each thread works on (0: registers only).
    bytes: usize,
    run: fn(&mut [u64]) -> u64,
}

/// A dependent chain of multiplies and xorshifts: no memory at all.
fn alu(_: &mut [u64]) -> u64 {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..400_000_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x = x.wrapping_mul(0x2545_F491_4F6C_DD1D).wrapping_add(i);
    }
    x
}

/// Independent random read-modify-writes, as a hash table's inserts are: the next index
/// depends on a counter, not on the value read, so misses overlap.
fn random_updates(table: &mut [u64]) -> u64 {
    let mask = table.len() - 1;
    let mut h = 0x243F_6A88_85A3_08D3u64;
    let updates = 64_000_000u64;
    for _ in 0..updates {
        h = h.wrapping_mul(0x5851_F42D_4C95_7F2D).wrapping_add(0x1405_7B7E_F767_814F);
        let slot = &mut table[(h >> 20) as usize & mask];
        *slot = slot.wrapping_add(h);
    }
    table[(h >> 20) as usize & mask]
}

/// Sums a buffer from start to end, several times: sequential reads, as a scan of a batch's
/// text is.
fn stream(buffer: &mut [u64]) -> u64 {
    let mut sum = 0u64;
    for _ in 0..16 {
        sum = buffer.iter().fold(sum, |s, &v| s.wrapping_add(v));
        black_box(&mut *buffer);
    }
    sum
}

const KERNELS: &[Kernel] = &[
    Kernel { name: "alu", what: "register arithmetic, no memory", bytes: 0, run: alu },
    Kernel {
        name: "l2",
        what: "random updates in 512 KiB per thread (fits L2)",
        bytes: 512 << 10,
        run: random_updates,
    },
    Kernel {
        name: "l3",
        what: "random updates in 8 MiB per thread (fits the shared L3)",
        bytes: 8 << 20,
        run: random_updates,
    },
    Kernel {
        name: "dram",
        what: "random updates in 256 MiB per thread (main memory)",
        bytes: 256 << 20,
        run: random_updates,
    },
    Kernel {
        name: "stream",
        what: "sequential reads of 64 MiB per thread, 16 passes",
        bytes: 64 << 20,
        run: stream,
    },
];

/// The wall time of one unit of `kernel` on each of `threads` threads started together, each
/// on its own memory (allocated and touched before the clock starts).
fn wall(kernel: &Kernel, threads: usize) -> Duration {
    let mut memories: Vec<Vec<u64>> = (0..threads).map(|t| vec![t as u64 + 1; kernel.bytes / 8]).collect();
    let barrier = std::sync::Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        for memory in &mut memories {
            let barrier = &barrier;
            scope.spawn(move || {
                barrier.wait();
                black_box((kernel.run)(memory));
                barrier.wait();
            });
        }
        barrier.wait();
        let start = Instant::now();
        barrier.wait();
        start.elapsed()
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args = Args::parse(USAGE, &[]);
    let rounds: usize = args.get("rounds", 5);
    let threads: usize = args.get("threads", 2);
    let wanted = args.opt("kernels").unwrap_or("alu,l2,l3,dram,stream").to_string();
    if rounds == 0 || threads < 2 {
        args.fail("--rounds must be at least 1 and --threads at least 2");
    }
    for name in wanted.split(',') {
        let Some(kernel) = KERNELS.iter().find(|k| k.name == name) else {
            args.fail(&format!("unknown kernel {name:?}"))
        };
        let mut scalings = Vec::new();
        let mut t1s = Vec::new();
        for _ in 0..rounds {
            let t1 = wall(kernel, 1);
            let tn = wall(kernel, threads);
            t1s.push(t1.as_secs_f64() * 1e3);
            scalings.push(threads as f64 * t1.as_secs_f64() / tn.as_secs_f64());
        }
        let each: Vec<String> = scalings.iter().map(|s| format!("{s:.2}")).collect();
        println!(
            "{:<7} {threads} threads {:.2}x one (median of {rounds}: {}; 1 thread {:.0} ms)  {}",
            kernel.name,
            median(scalings.clone()),
            each.join(" "),
            median(t1s),
            kernel.what
        );
    }
}
