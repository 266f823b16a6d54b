//! A per-batch join of two keyed streams: orders joined with their payments by order id, then
//! the paid amount per order status (`let` streams, `join`, `reduce_by_key(+)`), in one run:
//!
//! - `dstream_fused/p1`, `dstream_fused/pN`: the `stream!` job on 1 partition and on all cores
//!   (N = `available_parallelism`), the join into as many partitions;
//! - `dstream_unfused/p1`: the same job in `#![unfused]` mode;
//! - `hash_join_loop`: a hand-written hash join: the orders indexed by id in an
//!   `FxHashMap<u64, u32>` (first order of the id) with a `next` array chaining the others (a
//!   general join: ids may repeat, no allocation per key), the payments probed in a loop,
//!   totals in a `[u64; 5]` by status;
//! - `hash_join_loop_on_copies`: the same loop, each call on its own copy of the batch made
//!   outside the timing, as the dstream variants receive theirs (fresh memory, not the batch
//!   the previous call left in the cache);
//! - `iterator_chain`: `fold` the orders into an `FxHashMap<u64, Vec<Status>>`, then
//!   `flat_map` the payments over their matches and `fold` into an `FxHashMap<Status, u64>`;
//! - `text_keys/*` (issue #13): the same join keyed by the order id as text, the way words
//!   are keyed: `borrowed` joins `&str` keys with `&str` keys (untouched, no copy),
//!   `owned` `String` keys with `String` keys, and `mixed` `&str`-keyed orders with
//!   `String`-keyed payments, which meet as `String` (the borrowed side's keys are owned as
//!   the join reads them). The key texts live in one leaked buffer built once; the owned
//!   copies are made with the queued batches, outside the timing.
//!
//! One iteration is one batch: `DSTREAM_BENCH_MB` MiB of records in memory (16 by default, 1
//! under `cargo test --benches`), about as many payments as orders. In a batch every order id
//! appears once; 85% of the orders have one payment, 5% two (a split payment), 10% none yet;
//! 3% more payments are for orders of earlier batches (no match); the payments arrive in random
//! order. For dstream one `Harness::step()` of a job whose two `queue`s hold a copy of the batch
//! per iteration (built outside the timing); the loops read the batch in place (but
//! `hash_join_loop_on_copies`). All variants are checked to agree first.
//!
//! Under `cargo bench` (not `--profile-time`) a report on stderr gives, per batch in steady
//! state, for `dstream_fused/p1`, `dstream_fused/p2`, `text_keys/borrowed` (on 1 partition),
//! `hash_join_loop` and `hash_join_loop_on_copies` run one after the other, and for making
//! the dstream job's queued copies: allocator calls
//! and bytes, page faults, and user and system CPU seconds (the process's, from
//! `/proc/self/stat`), counted around the batches only. `DSTREAM_BENCH_REPORT_ONLY=1` prints
//! it and skips criterion's measurements.
//!
//! ```text
//! cargo bench --bench join                       # 16 MiB of records per batch
//! DSTREAM_BENCH_MB=64 cargo bench --bench join
//! python3 benches/summarize.py
//! ```

mod common;

use common::{corpus_bytes, printed_counts, Rng, Status};
use criterion::{black_box, BenchmarkId, SamplingMode, Throughput};
use dstream::prelude::*;
use dstream::testing::Harness;
use rustc_hash::FxHashMap;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::time::Duration;

/// Counts every allocator call (`stats_alloc`: relaxed-cost atomic counters around `System`),
/// for the steady-state report; both sides of every comparison run with it.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SEED: u64 = 0x5EED_0004;

/// At most this many bytes of queued copies of the batch exist at once.
const MAX_QUEUED_BYTES: usize = 256 << 20;

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cluster", derive(serde::Serialize, serde::Deserialize))]
struct Order {
    id: u64,
    ts_ms: u64,
    customer: u32,
    status: Status,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cluster", derive(serde::Serialize, serde::Deserialize))]
enum Method {
    Card,
    Transfer,
    Wallet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cluster", derive(serde::Serialize, serde::Deserialize))]
struct Payment {
    order_id: u64,
    cents: u64,
    method: Method,
}

/// One batch of both streams.
struct Batch {
    orders: Vec<Order>,
    payments: Vec<Payment>,
}

impl Batch {
    fn bytes(&self) -> usize {
        self.orders.len() * std::mem::size_of::<Order>()
            + self.payments.len() * std::mem::size_of::<Payment>()
    }

    fn records(&self) -> usize {
        self.orders.len() + self.payments.len()
    }
}

/// About `bytes` bytes of orders and payments, seeded (see the file's documentation).
fn generate(bytes: usize, seed: u64) -> Batch {
    let mut rng = Rng::new(seed);
    let per_order = std::mem::size_of::<Order>() + std::mem::size_of::<Payment>() * 93 / 100;
    let n = (bytes / per_order).max(1);
    let mut orders = Vec::with_capacity(n);
    let mut payments = Vec::with_capacity(n + n / 10);
    let first_id = 50_000_000u64;
    let mut id = first_id;
    let mut ts = 1_700_000_000_000u64;
    let method = |rng: &mut Rng| match rng.below(10) {
        0..=6 => Method::Card,
        7..=8 => Method::Wallet,
        _ => Method::Transfer,
    };
    for _ in 0..n {
        id += 1 + rng.below(3);
        ts += rng.below(20);
        let status = Status::draw(&mut rng);
        orders.push(Order { id, ts_ms: ts, customer: rng.below(500_000) as u32, status });
        let cents = 199 + rng.below(99_801);
        match rng.below(100) {
            0..=84 => payments.push(Payment { order_id: id, cents, method: method(&mut rng) }),
            85..=89 => {
                let first = cents / 3;
                payments.push(Payment { order_id: id, cents: first, method: method(&mut rng) });
                payments.push(Payment { order_id: id, cents: cents - first, method: method(&mut rng) });
            }
            _ => {}
        }
        if rng.below(100) < 3 {
            let earlier = first_id - 1 - rng.below(100_000);
            payments.push(Payment { order_id: earlier, cents, method: method(&mut rng) });
        }
    }
    // Payments arrive in their own order.
    for i in (1..payments.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        payments.swap(i, j);
    }
    Batch { orders, payments }
}

// ---------------------------------------------------------------------------------------------
// The variants
// ---------------------------------------------------------------------------------------------

type Orders = Vec<Vec<Order>>;
type Payments = Vec<Vec<Payment>>;

fn fused(orders: Orders, payments: Payments, shown: usize) -> Job {
    stream! {
        let paid = queue(payments) |> map(|p| (p.order_id, p.cents));
        queue(orders) |> map(|o| (o.id, o.status)) |> join(paid)
            |> map(|(_id, (status, cents))| (status, cents)) |> reduce_by_key(+) every 1s
            |> print(shown)
    }
}

fn unfused(orders: Orders, payments: Payments, shown: usize) -> Job {
    stream! {
        #![unfused]
        let paid = queue(payments) |> map(|p| (p.order_id, p.cents));
        queue(orders) |> map(|o| (o.id, o.status)) |> join(paid)
            |> map(|(_id, (status, cents))| (status, cents)) |> reduce_by_key(+) every 1s
            |> print(shown)
    }
}

type JobFn = fn(Orders, Payments, usize) -> Job;

// ---------------------------------------------------------------------------------------------
// Text keys: borrowed, owned and mixed (issue #13)
// ---------------------------------------------------------------------------------------------

/// The batch keyed by text: each order id written once, in decimal, in a buffer that lives
/// as long as the program (the `&'static str` keys point into it).
struct TextKeys {
    orders: Vec<(&'static str, Status)>,
    payments: Vec<(&'static str, u64)>,
}

fn text_keys(batch: &Batch) -> TextKeys {
    let ids: FxHashMap<u64, &'static str> = batch
        .orders
        .iter()
        .map(|o| o.id)
        .chain(batch.payments.iter().map(|p| p.order_id))
        .map(|id| (id, &*Box::leak(id.to_string().into_boxed_str())))
        .collect();
    TextKeys {
        orders: batch.orders.iter().map(|o| (ids[&o.id], o.status)).collect(),
        payments: batch.payments.iter().map(|p| (ids[&p.order_id], p.cents)).collect(),
    }
}

type Keyed<K, V> = Vec<Vec<(K, V)>>;

fn borrowed(orders: Keyed<&'static str, Status>, payments: Keyed<&'static str, u64>, shown: usize) -> Job {
    stream! {
        let paid = queue(payments);
        queue(orders) |> join(paid) |> map(|(_id, (status, cents))| (status, cents))
            |> reduce_by_key(+) every 1s |> print(shown)
    }
}

fn owned(orders: Keyed<String, Status>, payments: Keyed<String, u64>, shown: usize) -> Job {
    stream! {
        let paid = queue(payments);
        queue(orders) |> join(paid) |> map(|(_id, (status, cents))| (status, cents))
            |> reduce_by_key(+) every 1s |> print(shown)
    }
}

fn mixed(orders: Keyed<&'static str, Status>, payments: Keyed<String, u64>, shown: usize) -> Job {
    stream! {
        let paid = queue(payments);
        queue(orders) |> join(paid) |> map(|(_id, (status, cents))| (status, cents))
            |> reduce_by_key(+) every 1s |> print(shown)
    }
}

/// Which text-key job to build: whose keys are owned.
#[derive(Clone, Copy, Debug)]
enum Ownership {
    Borrowed,
    Owned,
    Mixed,
}

impl Ownership {
    const ALL: [Ownership; 3] = [Ownership::Borrowed, Ownership::Owned, Ownership::Mixed];

    fn name(self) -> &'static str {
        match self {
            Ownership::Borrowed => "borrowed",
            Ownership::Owned => "owned",
            Ownership::Mixed => "mixed",
        }
    }

    /// The job over `n` copies of the batch, its keys owned or not as `self` says.
    fn job(self, keys: &TextKeys, n: usize, shown: usize) -> Job {
        let own = |side: &[(&'static str, u64)]| -> Vec<(String, u64)> {
            side.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
        };
        match self {
            Ownership::Borrowed => {
                borrowed(vec![keys.orders.clone(); n], vec![keys.payments.clone(); n], shown)
            }
            Ownership::Owned => {
                let orders: Vec<(String, Status)> =
                    keys.orders.iter().map(|&(k, s)| (k.to_owned(), s)).collect();
                owned(vec![orders; n], vec![own(&keys.payments); n], shown)
            }
            Ownership::Mixed => mixed(vec![keys.orders.clone(); n], vec![own(&keys.payments); n], shown),
        }
    }
}

/// As [`time_steps`], for a text-key job.
fn time_text_steps(batch: &Batch, keys: &TextKeys, iters: u64, ownership: Ownership) -> Duration {
    in_chunks(batch, iters, |n| {
        let mut harness = Harness::new(ownership.job(keys, n as usize, 0));
        common::timed_steps(&mut harness, n)
    })
}

/// The time of `iters` batches, `timed(n)` timing `n` of them on `n` copies it makes outside
/// its timing: at most `MAX_QUEUED_BYTES` of copies exist at a time.
fn in_chunks(batch: &Batch, iters: u64, mut timed: impl FnMut(u64) -> Duration) -> Duration {
    let chunk = (MAX_QUEUED_BYTES / batch.bytes().max(1)).max(1) as u64;
    let mut took = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(chunk);
        left -= n;
        took += timed(n);
    }
    took
}

/// No order index: the end of a chain in [`hash_join_loop`].
const NONE: u32 = u32::MAX;

/// Build on the orders (an id's first order in the map, the others chained through `next`),
/// probe with the payments.
fn hash_join_loop(orders: &[Order], payments: &[Payment]) -> [u64; 5] {
    let mut first: FxHashMap<u64, u32> =
        FxHashMap::with_capacity_and_hasher(orders.len(), Default::default());
    let mut next = vec![NONE; orders.len()];
    for (i, o) in orders.iter().enumerate() {
        if let Some(previous) = first.insert(o.id, i as u32) {
            next[i] = previous;
        }
    }
    let mut totals = [0u64; 5];
    for p in payments {
        let mut i = first.get(&p.order_id).copied().unwrap_or(NONE);
        while i != NONE {
            totals[orders[i as usize].status as usize] += p.cents;
            i = next[i as usize];
        }
    }
    totals
}

fn iterator_chain(orders: &[Order], payments: &[Payment]) -> FxHashMap<Status, u64> {
    let by_id: FxHashMap<u64, Vec<Status>> = orders.iter().fold(FxHashMap::default(), |mut m, o| {
        m.entry(o.id).or_default().push(o.status);
        m
    });
    payments
        .iter()
        .flat_map(|p| by_id.get(&p.order_id).into_iter().flatten().map(move |&s| (s, p.cents)))
        .fold(FxHashMap::default(), |mut m, (s, cents)| {
            *m.entry(s).or_insert(0) += cents;
            m
        })
}

/// `iters` batches through `job`, one `step()` each; the jobs (with their queued copies of the
/// batch) are built outside the timing, at most `MAX_QUEUED_BYTES` of copies at a time.
fn time_steps(batch: &Batch, iters: u64, partitions: usize, job: JobFn) -> Duration {
    in_chunks(batch, iters, |n| {
        let orders = vec![batch.orders.clone(); n as usize];
        let payments = vec![batch.payments.clone(); n as usize];
        let mut harness = Harness::new(job(orders, payments, 0)).with_parallelism(partitions);
        common::timed_steps(&mut harness, n)
    })
}

/// [`hash_join_loop`] on a copy of the batch made for each call outside the timing (and
/// dropped inside it), as a dstream job receives its batch: the loop then reads memory the
/// cache has not seen, as the job does, instead of the same batch call after call.
fn time_loop_on_copies(batch: &Batch, iters: u64) -> Duration {
    in_chunks(batch, iters, |n| {
        let copies: Vec<(Vec<Order>, Vec<Payment>)> =
            (0..n).map(|_| (batch.orders.clone(), batch.payments.clone())).collect();
        let started = std::time::Instant::now();
        for (orders, payments) in copies {
            black_box(hash_join_loop(&orders, &payments));
        }
        started.elapsed()
    })
}

fn as_strings(totals: [u64; 5]) -> FxHashMap<String, u64> {
    Status::ALL.iter().zip(totals).filter(|(_, n)| *n > 0).map(|(s, n)| (s.as_str().to_string(), n)).collect()
}

/// Every variant computes the same totals, and they are the sums of the matching payments.
fn check(batch: &Batch) -> usize {
    let status_of: FxHashMap<u64, Status> = batch.orders.iter().map(|o| (o.id, o.status)).collect();
    assert_eq!(status_of.len(), batch.orders.len(), "order ids are unique within a batch");
    let mut reference = [0u64; 5];
    let mut pairs = 0;
    for p in &batch.payments {
        if let Some(s) = status_of.get(&p.order_id) {
            reference[*s as usize] += p.cents;
            pairs += 1;
        }
    }
    let expected = as_strings(reference);
    assert_eq!(as_strings(hash_join_loop(&batch.orders, &batch.payments)), expected, "hash join loop");
    let chain: FxHashMap<String, u64> = iterator_chain(&batch.orders, &batch.payments)
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), n))
        .collect();
    assert_eq!(chain, expected, "iterator chain");
    // A repeated order id joins with each of its payments: the hand-written join is general.
    let twice = [batch.orders[0], batch.orders[0]];
    let paid = [Payment { order_id: batch.orders[0].id, cents: 7, method: Method::Card }];
    assert_eq!(hash_join_loop(&twice, &paid).iter().sum::<u64>(), 14);
    for (name, job) in [("fused", fused as JobFn), ("unfused", unfused)] {
        for p in [1, common::cores()] {
            let job = job(vec![batch.orders.clone()], vec![batch.payments.clone()], 10);
            let mut h = Harness::new(job).with_parallelism(p);
            let got = printed_counts(&h.step().expect("batch runs").printed);
            assert_eq!(got, expected, "dstream {name} on {p} partitions");
        }
    }
    let keys = text_keys(batch);
    for ownership in Ownership::ALL {
        let mut h = Harness::new(ownership.job(&keys, 1, 10));
        let got = printed_counts(&h.step().expect("batch runs").printed);
        assert_eq!(got, expected, "dstream with {} text keys", ownership.name());
    }
    pairs
}

// ---------------------------------------------------------------------------------------------
// Steady state per batch: allocations, page faults, CPU seconds
// ---------------------------------------------------------------------------------------------

/// The process's minor page faults and user and system CPU seconds so far (`/proc/self/stat`;
/// CPU times in clock ticks of 1/100 s, Linux's `USER_HZ`), or `None` off Linux.
fn process_counters() -> Option<(u64, f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command's closing parenthesis start at field 3 (`state`).
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| rest.get(n - 3)?.parse::<u64>().ok();
    Some((field(10)?, field(14)? as f64 / 100.0, field(15)? as f64 / 100.0))
}

/// What one batch cost on average, over the measured batches.
struct PerBatch {
    allocs: f64,
    bytes: f64,
    faults: f64,
    user_ms: f64,
    sys_ms: f64,
}

/// `run` called `batches` times, counted (allocator calls and bytes, page faults, CPU).
fn per_batch(batches: u64, mut run: impl FnMut()) -> PerBatch {
    let before = process_counters().unwrap_or_default();
    let region = Region::new(GLOBAL);
    for _ in 0..batches {
        run();
    }
    let change = region.change();
    let after = process_counters().unwrap_or_default();
    let n = batches as f64;
    PerBatch {
        allocs: (change.allocations + change.reallocations) as f64 / n,
        bytes: change.bytes_allocated as f64 / n,
        faults: after.0.saturating_sub(before.0) as f64 / n,
        user_ms: (after.1 - before.1) * 1000.0 / n,
        sys_ms: (after.2 - before.2) * 1000.0 / n,
    }
}

/// Steady state of the job `job(n)` makes over `n` queued copies of the batch, on
/// `partitions` partitions (one job, `warm` warm-up batches, then `measured`), and of making
/// the job with its copies.
fn steady_state(
    job: impl Fn(usize) -> Job,
    partitions: usize,
    warm: u64,
    measured: u64,
) -> (PerBatch, PerBatch) {
    let n = (warm + measured) as usize;
    let mut harness = None;
    // The queued copies: made outside the timing of every dstream variant, counted here.
    let setup = per_batch(n as u64, || {
        black_box(harness.get_or_insert_with(|| Harness::new(job(n)).with_parallelism(partitions)));
    });
    let mut harness = harness.expect("made above");
    harness.start().expect("queue sources start");
    for _ in 0..warm {
        black_box(harness.step().expect("batch runs"));
    }
    let dstream = per_batch(measured, || {
        black_box(harness.step().expect("batch runs"));
    });
    (setup, dstream)
}

/// Steady state of `dstream_fused/p1`, `dstream_fused/p2` and `text_keys/borrowed` (one job
/// each, 4 warm-up batches, then `measured`), of `hash_join_loop` (as many calls after one
/// warm-up) and of `hash_join_loop_on_copies` (as many calls, each on a copy made before the
/// count), one after the other.
fn steady_state_report(batch: &Batch, meta: &mut Vec<(String, String)>) {
    let (warm, measured) = (4u64, 40u64);
    let copies = |n| fused(vec![batch.orders.clone(); n], vec![batch.payments.clone(); n], 0);
    let (setup, dstream) = steady_state(copies, 1, warm, measured);
    let (_, dstream_p2) = steady_state(copies, 2, warm, measured);
    let keys = text_keys(batch);
    let (_, borrowed) = steady_state(|n| Ownership::Borrowed.job(&keys, n, 0), 1, warm, measured);
    black_box(hash_join_loop(&batch.orders, &batch.payments));
    let hand = per_batch(measured, || {
        black_box(hash_join_loop(black_box(&batch.orders), black_box(&batch.payments)));
    });
    let mut copies: Vec<(Vec<Order>, Vec<Payment>)> =
        (0..measured).map(|_| (batch.orders.clone(), batch.payments.clone())).collect();
    let on_copies = per_batch(measured, || {
        let (orders, payments) = copies.pop().expect("one copy per batch");
        black_box(hash_join_loop(&orders, &payments));
    });
    eprintln!(
        "\n== per batch in steady state ({warm} warm-up batches, {measured} measured; CPU in 10 ms ticks) =="
    );
    eprintln!(
        "{:<25} {:>10} {:>14} {:>12} {:>10} {:>10}",
        "variant", "allocs", "bytes", "page faults", "user ms", "sys ms"
    );
    for (name, m) in [
        ("dstream_fused/p1", &dstream),
        ("dstream_fused/p2", &dstream_p2),
        ("text_keys/borrowed/p1", &borrowed),
        ("hash_join_loop", &hand),
        ("hash_join_loop_on_copies", &on_copies),
        ("(queued copies)", &setup),
    ] {
        eprintln!(
            "{name:<25} {:>10.1} {:>14.0} {:>12.1} {:>10.2} {:>10.2}",
            m.allocs, m.bytes, m.faults, m.user_ms, m.sys_ms
        );
        let key = name.replace('/', "_");
        meta.push((format!("steady.{key}.allocs_per_batch"), format!("{:.1}", m.allocs)));
        meta.push((format!("steady.{key}.bytes_per_batch"), format!("{:.0}", m.bytes)));
        meta.push((format!("steady.{key}.faults_per_batch"), format!("{:.1}", m.faults)));
    }
    eprintln!(
        "(queued copies: making the dstream job's copies of the batch, per batch, outside every timing; each step drops its own)\n"
    );
}

fn main() {
    let batch = generate(corpus_bytes(), SEED);
    let matched = if common::profiling() { 0 } else { check(&batch) };
    eprintln!(
        "join batch: {} orders, {} payments ({:.1} MiB of records), {} joined pairs",
        batch.orders.len(),
        batch.payments.len(),
        batch.bytes() as f64 / 1048576.0,
        matched
    );
    let mut meta = vec![
        ("records".to_string(), batch.records().to_string()),
        ("record_unit".to_string(), "orders+payments".to_string()),
        ("orders".to_string(), batch.orders.len().to_string()),
        ("payments".to_string(), batch.payments.len().to_string()),
        ("pairs".to_string(), matched.to_string()),
        ("bytes".to_string(), batch.bytes().to_string()),
    ];
    let report_only = std::env::var_os("DSTREAM_BENCH_REPORT_ONLY").is_some_and(|v| v == "1");
    if common::reports_enabled() || report_only {
        steady_state_report(&batch, &mut meta);
    }
    common::write_meta("join", &meta);
    if report_only {
        return;
    }

    let mut c = common::criterion(10, 4);
    let mut group = c.benchmark_group("join");
    group.sampling_mode(SamplingMode::Flat).throughput(Throughput::Elements(batch.records() as u64));
    let batch = &batch;
    let partitions = common::partition_counts();
    for &p in &partitions {
        group.bench_function(BenchmarkId::new("dstream_fused", format!("p{p}")), |b| {
            b.iter_custom(|iters| time_steps(batch, iters, p, fused))
        });
    }
    group.bench_function(BenchmarkId::new("dstream_unfused", "p1"), |b| {
        b.iter_custom(|iters| time_steps(batch, iters, 1, unfused))
    });
    group.bench_function("hash_join_loop", |b| {
        b.iter(|| hash_join_loop(black_box(&batch.orders), black_box(&batch.payments)))
    });
    group.bench_function("hash_join_loop_on_copies", |b| {
        b.iter_custom(|iters| time_loop_on_copies(batch, iters))
    });
    group.bench_function("iterator_chain", |b| {
        b.iter(|| iterator_chain(black_box(&batch.orders), black_box(&batch.payments)))
    });
    let keys = &text_keys(batch);
    for ownership in Ownership::ALL {
        group.bench_function(BenchmarkId::new("text_keys", ownership.name()), |b| {
            b.iter_custom(|iters| time_text_steps(batch, keys, iters, ownership))
        });
    }
    group.finish();
    c.final_summary();
}
