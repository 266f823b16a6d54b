//! What operator fusion buys: a chain of seven narrow operators (`filter`, `map`, `filter`,
//! `map`, `map`, `filter`, `map`) over owned order records (a struct with a `String` customer
//! field and numbers), then revenue per country with `reduce_by_key(+)`, in one run:
//!
//! - `dstream_fused/p1`, `dstream_fused/pN`: the `stream!` job, fused into one loop per
//!   partition, on 1 partition and on all cores (N = `available_parallelism`);
//! - `dstream_unfused/p1`: the same job in `#![unfused]` mode (every operator collects its
//!   output into a new `Vec`);
//! - `hand_written_loop`: one `for` loop over the records doing the same arithmetic inline,
//!   totals in a `[u64; 12]` indexed by country;
//! - `iterator_chain`: the job's own functions as `into_iter().filter(..).map(..)...` and a
//!   `fold` into an `FxHashMap<Country, u64>`.
//!
//! One iteration is one batch of owned records (`DSTREAM_BENCH_MB` MiB of them in memory, 16 by
//! default, 1 under `cargo test --benches`), consumed by the variant: for dstream one
//! `Harness::step()` of a job whose `queue` holds a copy of the batch per iteration, for the
//! loops a `Vec<Order>` passed by value. The copies are made outside the timing (at most
//! 256 MiB of them at a time), so every variant's timing includes dropping the records'
//! `String`s, and none includes cloning them. All variants are checked to agree first.
//!
//! ```text
//! cargo bench --bench fusion                       # 16 MiB of records per batch
//! DSTREAM_BENCH_MB=64 cargo bench --bench fusion
//! python3 benches/summarize.py
//! ```

mod common;

use common::{corpus_bytes, printed_counts, Rng, Status};
use criterion::{black_box, BenchmarkId, SamplingMode, Throughput};
use dstream::prelude::*;
use dstream::testing::Harness;
use rustc_hash::FxHashMap;
use std::time::{Duration, Instant};

const SEED: u64 = 0x5EED_0005;

/// At most this many bytes of queued copies of the batch exist at once.
const MAX_QUEUED_BYTES: usize = 256 << 20;

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/// The country of an order: the key of the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
enum Country {
    Us,
    De,
    Fr,
    Gb,
    Jp,
    Br,
    In,
    Ca,
    Au,
    Es,
    It,
    Nl,
}

/// The job's table for country keys is an array indexed by the country (dstream's
/// `DenseKey`), as the hand-written loop's `[u64; 12]`.
impl dstream::DenseKey for Country {
    const CARDINALITY: usize = 12;
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

impl Country {
    const ALL: [Country; 12] = [
        Country::Us,
        Country::De,
        Country::Fr,
        Country::Gb,
        Country::Jp,
        Country::Br,
        Country::In,
        Country::Ca,
        Country::Au,
        Country::Es,
        Country::It,
        Country::Nl,
    ];

    fn code(self) -> &'static str {
        ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES", "IT", "NL"][self as usize]
    }
}

impl dstream::Render for Country {
    fn render(&self, out: &mut String) {
        out.push_str(self.code());
    }
}

/// Discount in percent, by country.
const DISCOUNT_PCT: [u64; 12] = [10, 5, 5, 0, 15, 0, 20, 10, 5, 0, 5, 0];
/// VAT in percent, by country.
const VAT_PCT: [u64; 12] = [0, 19, 20, 20, 10, 17, 18, 5, 10, 21, 22, 21];
/// Orders below this value (after discount and VAT, in cents) are not counted.
const MIN_CENTS: u64 = 2_000;

/// One order as it arrives: owned, with a heap-allocated customer name.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "cluster", derive(serde::Serialize, serde::Deserialize))]
struct Order {
    id: u64,
    ts_ms: u64,
    unit_cents: u64,
    customer: String,
    quantity: u32,
    status: Status,
    country: Country,
}

/// An order line after the first `map`: what the rest of the chain works on.
#[derive(Clone, Debug)]
struct Line {
    customer: String,
    ts_ms: u64,
    cents: u64,
    country: Country,
}

// The chain's operators, shared by the dstream jobs and the iterator chain.

/// Orders that were cancelled or returned bring no revenue.
fn is_live(o: &Order) -> bool {
    !matches!(o.status, Status::Cancelled | Status::Returned)
}

fn to_line(o: Order) -> Line {
    let _ = o.id;
    Line {
        customer: o.customer,
        ts_ms: o.ts_ms,
        cents: o.unit_cents * u64::from(o.quantity),
        country: o.country,
    }
}

/// Test accounts are not real revenue.
fn is_real_customer(l: &Line) -> bool {
    !l.customer.starts_with("test-")
}

fn apply_discount(mut l: Line) -> Line {
    l.cents = l.cents * (100 - DISCOUNT_PCT[l.country as usize]) / 100;
    l
}

fn add_vat(mut l: Line) -> Line {
    l.cents += l.cents * VAT_PCT[l.country as usize] / 100;
    l
}

fn above_minimum(l: &Line) -> bool {
    l.cents >= MIN_CENTS
}

fn by_country(l: Line) -> (Country, u64) {
    let _ = l.ts_ms;
    (l.country, l.cents)
}

/// About `bytes` bytes of orders in memory (the structs and their customer names), seeded.
/// Customers `cust-NNNNNN` (Zipf over 200,000), 2% of the orders from `test-NNNNNN` accounts;
/// statuses as in the orders corpus; 12 countries, skewed; 1 to 4 items of 1.99 to 499.99.
fn generate(bytes: usize, seed: u64) -> Vec<Order> {
    let mut rng = Rng::new(seed);
    let customers = common::Zipf::new(200_000, 0.8);
    let country_weights: [u64; 12] = [30, 12, 9, 10, 8, 6, 6, 5, 4, 4, 3, 3];
    let total_weight: u64 = country_weights.iter().sum();
    let per_record = std::mem::size_of::<Order>() + "cust-000000".len();
    let n = (bytes / per_record).max(1);
    let mut id = 90_000_000u64;
    let mut ts = 1_700_000_000_000u64;
    (0..n)
        .map(|_| {
            id += 1 + rng.below(3);
            ts += rng.below(20);
            let customer_no = customers.sample(&mut rng);
            let customer = if rng.below(50) == 0 {
                format!("test-{customer_no:06}")
            } else {
                format!("cust-{customer_no:06}")
            };
            let status = Status::draw(&mut rng);
            let mut pick = rng.below(total_weight);
            let mut country = Country::Us;
            for (c, w) in Country::ALL.iter().zip(country_weights) {
                if pick < w {
                    country = *c;
                    break;
                }
                pick -= w;
            }
            let quantity = 1 + (rng.below(4) * rng.below(4) / 3) as u32;
            let unit_cents = 199 + rng.below(49_801);
            Order { id, ts_ms: ts, unit_cents, customer, quantity, status, country }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The variants
// ---------------------------------------------------------------------------------------------

type Batches = Vec<Vec<Order>>;

fn fused(batches: Batches, shown: usize) -> Job {
    stream! {
        queue(batches)
            |> filter(is_live)
            |> map(to_line)
            |> filter(is_real_customer)
            |> map(apply_discount)
            |> map(add_vat)
            |> filter(above_minimum)
            |> map(by_country)
            |> reduce_by_key(+) every 1s
            |> print(shown)
    }
}

fn unfused(batches: Batches, shown: usize) -> Job {
    stream! {
        #![unfused]
        queue(batches)
            |> filter(is_live)
            |> map(to_line)
            |> filter(is_real_customer)
            |> map(apply_discount)
            |> map(add_vat)
            |> filter(above_minimum)
            |> map(by_country)
            |> reduce_by_key(+) every 1s
            |> print(shown)
    }
}

/// One loop, the arithmetic inline, totals by country in an array.
fn hand_written_loop(batch: Vec<Order>) -> [u64; 12] {
    let mut totals = [0u64; 12];
    for o in batch {
        if matches!(o.status, Status::Cancelled | Status::Returned) || o.customer.starts_with("test-") {
            continue;
        }
        let c = o.country as usize;
        let mut cents = o.unit_cents * u64::from(o.quantity);
        cents = cents * (100 - DISCOUNT_PCT[c]) / 100;
        cents += cents * VAT_PCT[c] / 100;
        if cents >= MIN_CENTS {
            totals[c] += cents;
        }
    }
    totals
}

/// The job's functions as an iterator chain.
fn iterator_chain(batch: Vec<Order>) -> FxHashMap<Country, u64> {
    batch
        .into_iter()
        .filter(is_live)
        .map(to_line)
        .filter(is_real_customer)
        .map(apply_discount)
        .map(add_vat)
        .filter(above_minimum)
        .map(by_country)
        .fold(FxHashMap::default(), |mut m, (c, cents)| {
            *m.entry(c).or_insert(0) += cents;
            m
        })
}

/// How many copies of the batch may be queued at once.
fn chunk_len(batch: &[Order]) -> u64 {
    let bytes = std::mem::size_of_val(batch) + batch.iter().map(|o| o.customer.len()).sum::<usize>();
    (MAX_QUEUED_BYTES / bytes.max(1)).max(1) as u64
}

/// `iters` batches through `job`, one `step()` each; the jobs (with their queued copies of the
/// batch) are built outside the timing, at most `chunk_len` batches at a time.
fn time_steps(batch: &[Order], iters: u64, partitions: usize, job: fn(Batches, usize) -> Job) -> Duration {
    let mut took = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(chunk_len(batch));
        left -= n;
        let batches = vec![batch.to_vec(); n as usize];
        let mut harness = Harness::new(job(batches, 0)).with_parallelism(partitions);
        took += common::timed_steps(&mut harness, n);
    }
    took
}

/// `iters` calls of `f` on owned copies of the batch made outside the timing.
fn time_owned<R>(batch: &[Order], iters: u64, f: fn(Vec<Order>) -> R) -> Duration {
    let mut took = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(chunk_len(batch));
        left -= n;
        let copies = vec![batch.to_vec(); n as usize];
        let started = Instant::now();
        for copy in copies {
            black_box(f(black_box(copy)));
        }
        took += started.elapsed();
    }
    took
}

fn as_strings(totals: [u64; 12]) -> FxHashMap<String, u64> {
    Country::ALL.iter().zip(totals).filter(|(_, n)| *n > 0).map(|(c, n)| (c.code().to_string(), n)).collect()
}

/// Every variant computes the same totals.
fn check(batch: &[Order]) {
    let expected = as_strings(hand_written_loop(batch.to_vec()));
    assert!(!expected.is_empty());
    let chain: FxHashMap<String, u64> =
        iterator_chain(batch.to_vec()).into_iter().map(|(c, n)| (c.code().to_string(), n)).collect();
    assert_eq!(chain, expected, "iterator chain");
    for (name, job) in [("fused", fused as fn(Batches, usize) -> Job), ("unfused", unfused)] {
        for p in [1, common::cores()] {
            let mut h = Harness::new(job(vec![batch.to_vec()], 100)).with_parallelism(p);
            let got = printed_counts(&h.step().expect("batch runs").printed);
            assert_eq!(got, expected, "dstream {name} on {p} partitions");
        }
    }
}

fn main() {
    let batch = generate(corpus_bytes(), SEED);
    let records = batch.len();
    let counted = batch
        .iter()
        .filter(|o| is_live(o))
        .cloned()
        .map(to_line)
        .filter(is_real_customer)
        .map(apply_discount)
        .map(add_vat)
        .filter(above_minimum)
        .count();
    eprintln!(
        "fusion batch: {records} owned orders ({} bytes each + the customer name), {counted} reach the reduce",
        std::mem::size_of::<Order>()
    );
    if !common::profiling() {
        check(&batch);
    }
    common::write_meta(
        "fusion",
        &[
            ("records".to_string(), records.to_string()),
            ("record_unit".to_string(), "orders".to_string()),
            ("record_bytes".to_string(), std::mem::size_of::<Order>().to_string()),
            ("reduced".to_string(), counted.to_string()),
        ],
    );

    let mut c = common::criterion(10, 4);
    let mut group = c.benchmark_group("fusion");
    group.sampling_mode(SamplingMode::Flat).throughput(Throughput::Elements(records as u64));
    let batch: &[Order] = &batch;
    let partitions = common::partition_counts();
    for &p in &partitions {
        group.bench_function(BenchmarkId::new("dstream_fused", format!("p{p}")), |b| {
            b.iter_custom(|iters| time_steps(batch, iters, p, fused))
        });
    }
    group.bench_function(BenchmarkId::new("dstream_unfused", "p1"), |b| {
        b.iter_custom(|iters| time_steps(batch, iters, 1, unfused))
    });
    group.bench_function("hand_written_loop", |b| {
        b.iter_custom(|iters| time_owned(batch, iters, hand_written_loop))
    });
    group.bench_function("iterator_chain", |b| {
        b.iter_custom(|iters| time_owned(batch, iters, iterator_chain))
    });
    group.finish();
    c.final_summary();
}
