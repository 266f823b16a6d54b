//! The `kafka(..)` source on a cluster of two real processes on 127.0.0.1 (issue #14,
//! docs/cluster.md): each process reads the partitions assigned to it
//! (`partition % processes == process`), every message is counted exactly once across the
//! cluster, and each process commits its partitions' offsets to the group. The processes
//! are this test binary run again on the ignored test `kafka_cluster_process`.
//!
//! Needs the broker (`scripts/services up kafka`): without it the test prints "SKIPPED: .."
//! and passes, unless `CI=true`.
#![cfg(all(feature = "kafka", feature = "cluster"))]

mod common;

use common::connectors::server_present;
use common::kafka::{broker_answers, committed, create_topic, produce, BROKERS};
use common::{ChildJob, TestDir};
use dstream::prelude::*;
use dstream::source::kafka::rdkafka::Offset;
use dstream::source::kafka::{KafkaOptions, StartingOffsets};
use std::collections::BTreeMap;
use std::time::Duration;

const PARTITIONS: i32 = 4;
const PER_PARTITION: usize = 25;

/// The index of this process (0 outside a cluster).
fn process() -> usize {
    std::env::var("DSTREAM_PROCESS").ok().and_then(|p| p.parse().ok()).unwrap_or(0)
}

/// Appends `records` to the file `out`, one `<word> <reader> <count>` line each.
fn append(out: &str, records: Vec<((String, usize), u64)>) {
    use std::io::Write;
    let text: String = records.iter().map(|((word, reader), n)| format!("{word} {reader} {n}\n")).collect();
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(out).expect("the output file");
    file.write_all(text.as_bytes()).expect("write the output");
}

/// A process of the test cluster: a word count over the topic whose words carry the process
/// that read them, written by every worker with `foreach_partition`.
#[test]
#[ignore = "a child process of `each_process_reads_its_partitions_and_every_message_counts_once`"]
fn kafka_cluster_process() {
    let (Ok(topic), Ok(group), Ok(out)) =
        (std::env::var("KAFKA_TOPIC"), std::env::var("KAFKA_GROUP"), std::env::var("KAFKA_OUT"))
    else {
        return;
    };
    // At most 10 messages per partition and batch: a partition takes three batches.
    let options = KafkaOptions::new()
        .starting_offsets(StartingOffsets::Earliest)
        .max_records_per_partition(10)
        .group(group)
        // A short fetch wait: with librdkafka's default (500 ms) a cut takes seconds on tansu.
        .client_property("fetch.wait.max.ms", "10");
    let job = stream! {
        kafka(BROKERS, topic, options) every 200ms
            |> flat_map(|r: String| r.split(' ').map(|w| ((w.to_string(), process()), 1u64)).collect::<Vec<_>>())
            |> reduce_by_key(+)
            |> foreach_partition(move |records, _, _| append(&out, records))
    };
    job.stop_after_batches(12).run().expect("the job runs its batches");
}

/// Runs the word count on `processes` processes (0: one process without cluster settings)
/// over `topic`: every `(word, reader)` with its count, summed over batches.
fn run(topic: &str, group: &str, processes: usize) -> BTreeMap<(String, usize), u64> {
    let dir = TestDir::new(&format!("kafka-cluster-{processes}"));
    let out = dir.join("out").display().to_string();
    let hosts = dir.join("hosts");
    let listeners: Vec<_> =
        (0..processes).map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port")).collect();
    let lines: String =
        listeners.iter().map(|l| format!("{}\n", l.local_addr().expect("its address"))).collect();
    std::fs::write(&hosts, lines).expect("write the hostfile");
    drop(listeners);
    let (hosts, n) = (hosts.display().to_string(), processes.to_string());
    let base = [("KAFKA_TOPIC", topic), ("KAFKA_GROUP", group), ("KAFKA_OUT", out.as_str())];
    let children: Vec<ChildJob> = if processes == 0 {
        vec![ChildJob::spawn("kafka_cluster_process", &base)]
    } else {
        let indices: Vec<String> = (0..processes).map(|i| i.to_string()).collect();
        indices
            .iter()
            .map(|i| {
                let mut env = base.to_vec();
                env.extend([
                    ("DSTREAM_PROCESSES", n.as_str()),
                    ("DSTREAM_PROCESS", i.as_str()),
                    ("DSTREAM_HOSTFILE", hosts.as_str()),
                    ("DSTREAM_WORKERS", "1"),
                ]);
                ChildJob::spawn("kafka_cluster_process", &env)
            })
            .collect()
    };
    for (i, child) in children.into_iter().enumerate() {
        assert!(child.finish(Duration::from_secs(120)), "process {i} of {processes} failed or hung");
    }
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(&out).unwrap_or_default().lines() {
        let mut fields = line.split(' ');
        let (Some(word), Some(reader), Some(n)) = (fields.next(), fields.next(), fields.next()) else {
            panic!("a line that is not `<word> <reader> <count>`: {line:?}");
        };
        let key = (word.to_string(), reader.parse().expect("a process index"));
        *counts.entry(key).or_default() += n.parse::<u64>().expect("a count");
    }
    counts
}

#[test]
fn each_process_reads_its_partitions_and_every_message_counts_once() {
    if !server_present(broker_answers(), "no Kafka at 127.0.0.1:9092 (scripts/services up kafka)") {
        return;
    }
    let topic = create_topic("cluster", PARTITIONS);
    // Every message: a word of its own (`p<partition>m<i>`) and one all messages share.
    for p in 0..PARTITIONS {
        let values: Vec<Vec<u8>> = (0..PER_PARTITION).map(|i| format!("p{p}m{i} all").into_bytes()).collect();
        produce(&topic, Some(p), &values);
    }
    let total = PARTITIONS as u64 * PER_PARTITION as u64;
    for processes in [0, 2] {
        let group = format!("dstream-cluster-group-{}-{processes}", std::process::id());
        let counts = run(&topic, &group, processes);
        let words = counts.keys().filter(|(w, _)| w != "all").count();
        assert_eq!(words, PARTITIONS as usize * PER_PARTITION, "every message's word once: {counts:?}");
        for ((word, reader), n) in &counts {
            if word == "all" {
                continue;
            }
            assert_eq!(*n, 1, "{word} counted once: {counts:?}");
            let partition: usize =
                word[1..word.find('m').expect("p<partition>m<i>")].parse().expect("a partition");
            let expected = if processes == 0 { 0 } else { partition % processes };
            assert_eq!(*reader, expected, "{word} of partition {partition} read by process {reader}");
        }
        // The shared word: every message once, half of them read by each process.
        let all: Vec<(usize, u64)> =
            counts.iter().filter(|((w, _), _)| w == "all").map(|((_, r), n)| (*r, *n)).collect();
        let expected: Vec<(usize, u64)> = match processes {
            0 => vec![(0, total)],
            _ => vec![(0, total / 2), (1, total / 2)],
        };
        assert_eq!(all, expected, "\"all\" per reading process on {processes} processes");
        // Each process committed its own partitions' offsets to the group.
        common::connectors::wait_for(
            Duration::from_secs(10),
            || format!("the group's offsets: {:?}", committed(&group, &topic, PARTITIONS)),
            || committed(&group, &topic, PARTITIONS) == [Offset::Offset(PER_PARTITION as i64); 4],
        );
    }
}
