//! The emission-heavy word count without a socket, for profilers (callgrind's instruction
//! counts are repeatable on a busy machine): `--batches` batches of `--mb` MB of generated
//! lines (100,000-word vocabulary), every (word, count) pair handed to an output that sums
//! them; by dstream (`stream!`, batch built from the lines as a source builds it) or by the
//! limit (the same table as `wc-limit`, `memchr` split; `limit-swar`: the criterion benches'
//! SWAR split). Both print the same digest when they did the same
//! work.
//!
//! ```text
//! valgrind --tool=callgrind --dump-instr=no wc-emit --engine dstream --mb 10 --batches 2
//! callgrind_annotate callgrind.out.PID
//! ```

use dstream::prelude::*;
use dstream::source::queue::QueueSource;
use dstream::testing::Harness;
use dstream::text::TextBatch;
use dstream_bench::args::Args;
use dstream_bench::lines::Pool;
use dstream_bench::table::{count_text, count_text_swar, WordCounts};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const USAGE: &str =
    "usage: wc-emit [--engine dstream|limit|limit-swar] [--mb 10] [--batches 2] [--vocab 100000] [--partitions 1]";

/// What the output saw: pairs, words, and a sum over the pairs that depends on which word got
/// which count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Digest {
    pairs: u64,
    words: u64,
    mix: u64,
}

impl Digest {
    #[inline]
    fn add(&mut self, word: &[u8], n: u64) {
        self.pairs += 1;
        self.words += n;
        let h = word
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x1_0000_01b3));
        self.mix = self.mix.wrapping_add(h.wrapping_mul(n | 1));
    }
}

fn main() {
    let args = Args::parse(USAGE, &[]);
    let mb: f64 = args.get("mb", 10.0);
    let batches: usize = args.get("batches", 2);
    let partitions: usize = args.get("partitions", 1);
    let engine = args.opt("engine").unwrap_or("dstream").to_string();
    // Lines of 10 words of 2 to 9 letters: about 65 bytes each.
    let lines = ((mb * 1e6) / 65.0) as usize;
    let pool = Pool::generate(lines.max(1), 10, args.get("vocab", 100_000), 1.0, 42);
    let text = std::str::from_utf8(pool.text()).expect("generated lines are ASCII");
    let started = Instant::now();
    // When the dstream batches are built (the limit reads the text as it is).
    let mut built = started;
    let digest = match engine.as_str() {
        "limit" | "limit-swar" => {
            let mut total = Digest::default();
            for _ in 0..batches {
                let mut table = WordCounts::with_capacity(1024);
                if engine == "limit" {
                    count_text(&mut table, text.as_bytes());
                } else {
                    count_text_swar(&mut table, text.as_bytes());
                }
                table.for_each(|w, n| total.add(w, n));
            }
            total
        }
        "dstream" => {
            let seen = Arc::new(Mutex::new(Digest::default()));
            let out = Arc::clone(&seen);
            let queued: Vec<TextBatch> = (0..batches)
                .map(|_| {
                    let mut b = TextBatch::new();
                    for line in text.lines() {
                        b.push_line(line);
                    }
                    b
                })
                .collect();
            built = Instant::now();
            let job = stream! {
                source(QueueSource::text(queued))
                    |> flat_map(split)
                    |> map(|w| (w, 1u64))
                    |> reduce_by_key(+) every 1s
                    |> foreach_batch(move |pairs: Vec<(&str, u64)>, _| {
                        let mut d = out.lock().expect("no panics under the lock");
                        for (w, n) in pairs {
                            d.add(w.as_bytes(), n);
                        }
                    })
            };
            let mut harness = Harness::new(job).with_parallelism(partitions);
            harness.run_batches(batches).expect("the batches run");
            let d = *seen.lock().expect("no panics under the lock");
            d
        }
        other => args.fail(&format!("--engine {other:?}: dstream, limit or limit-swar")),
    };
    eprintln!(
        "{engine}: {batches} batches of {:.1} MB in {:.2?} (building them {:.2?}): {} pairs, {} words, digest {:016x}",
        pool.text().len() as f64 / 1e6,
        started.elapsed(),
        built - started,
        digest.pairs,
        digest.words,
        digest.mix
    );
}
