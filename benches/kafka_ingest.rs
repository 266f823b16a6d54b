//! The `kafka(..)` source's rate into a word count, and `to_kafka`'s write rate, against the
//! broker of `scripts/services up kafka` (tansu on 127.0.0.1:9092, on the same machine: its
//! cost is in the figures).
//!
//! Writes `DSTREAM_BENCH_KAFKA_LINES` lines (default 1 000 000) of 48 bytes
//! (`00000000 lorem ipsum dolor sit amet consectetur`, numbered) into a fresh topic of 3
//! partitions through `to_kafka`'s sink, 10 000 lines a batch, and prints lines/s. Then runs a
//! word count (`kafka(..) |> flat_map(..) |> map(|w| (w, 1)) |> reduce_by_key(+)`), batches
//! cut as fast as they run with at most 100 000 messages per partition per batch, until every
//! line was read, and prints lines/s from the first batch to the last. Nothing is asserted
//! on timings.
//!
//! ```text
//! scripts/services up kafka
//! cargo bench --features kafka --bench kafka_ingest
//! ```
//!
//! Under `cargo test --benches` (no `--bench` argument) it runs on 2 000 lines and checks
//! that every word is counted once.

use dstream::prelude::*;
use dstream::sink::kafka::KafkaSink;
use dstream::sink::{Sink, SinkBatch};
use dstream::source::kafka::rdkafka;
use dstream::source::kafka::{KafkaOptions, StartingOffsets};
use dstream::testing::Harness;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

const BROKERS: &str = "127.0.0.1:9092";

fn main() {
    if std::net::TcpStream::connect(BROKERS).is_err() {
        println!("SKIPPED: no Kafka at {BROKERS} (scripts/services up kafka)");
        return;
    }
    let lines: u64 =
        std::env::var("DSTREAM_BENCH_KAFKA_LINES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let topic = format!("dstream-bench-{}", std::process::id());
    let admin: AdminClient<DefaultClientContext> =
        ClientConfig::new().set("bootstrap.servers", BROKERS).create().expect("an admin client");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime
        .block_on(
            admin
                .create_topics([&NewTopic::new(&topic, 3, TopicReplication::Fixed(1))], &AdminOptions::new()),
        )
        .expect("create the topic");

    let mut sink = KafkaSink::new(BROKERS, topic.as_str());
    let started = Instant::now();
    let mut n = 0u64;
    let mut batch_no = 0u64;
    while n < lines {
        let batch: Vec<String> = (n..lines.min(n + 10_000))
            .map(|i| format!("{i:08} lorem ipsum dolor sit amet consectetur"))
            .collect();
        n += batch.len() as u64;
        batch_no += 1;
        sink.write_batch(&SinkBatch { time: Time::from_millis(batch_no), job: "bench" }, batch)
            .expect("write a batch");
    }
    let secs = started.elapsed().as_secs_f64();
    println!("to_kafka: {lines} lines in {secs:.2} s: {:.0} lines/s", lines as f64 / secs);

    let words = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&words);
    let options =
        KafkaOptions::new().starting_offsets(StartingOffsets::Earliest).max_records_per_partition(100_000);
    let job = stream! {
        kafka(BROKERS, topic.clone(), options)
            |> flat_map(|line: String| split(&line).map(str::to_owned).collect::<Vec<_>>())
            |> map(|w| (w, 1u64))
            |> reduce_by_key(+) every 1s
            |> foreach_batch(move |counts: Vec<(String, u64)>, _| {
                counted.fetch_add(counts.iter().map(|(_, c)| c).sum::<u64>(), Ordering::Relaxed);
            })
    };
    let mut harness = Harness::new(job);
    let started = Instant::now();
    let mut batches = 0;
    while harness.metrics().records_received < lines {
        harness.step().expect("a batch");
        batches += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "kafka(..) into a word count: {lines} lines ({} words) in {batches} batches, {secs:.2} s: {:.0} lines/s",
        words.load(Ordering::Relaxed),
        lines as f64 / secs
    );
    assert_eq!(words.load(Ordering::Relaxed), lines * 7, "every line's 7 words counted once");
}
