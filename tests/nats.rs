//! The `nats(..)` source against a real NATS server with JetStream (`scripts/services up
//! nats`): it reads what was published batch by batch within its cap, acknowledges a batch's
//! messages only after the batch's outputs ran, reads the same messages again for a batch
//! run again after a crash, and, killed with SIGKILL at random moments, counts every message
//! exactly once into a store that commits by batch time.
//!
//! Without a server the tests print "SKIPPED: .." and pass, unless `CI=true`.
#![cfg(feature = "nats")]

mod common;

use common::connectors::{check_counts, count_lines, key_of, kill_rounds, server_present, wait_for};
use common::nats::{Wire, URL};
use common::store::BatchStore;
use common::{rng_from_pid, ChildJob, TestDir};
use dstream::prelude::*;
use dstream::source::nats::NatsOptions;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

/// A connection, or `None` (after printing why) when the tests must skip.
fn server() -> Option<Wire> {
    let wire = Wire::connect();
    server_present(wire.is_some(), "no NATS at 127.0.0.1:4222 (scripts/services up nats)").then_some(())?;
    wire
}

/// A stream and subject of this test run's own, created fresh.
fn fresh_stream(wire: &mut Wire, test: &str) -> (String, String) {
    let name = format!("dstream_{test}_{}", std::process::id());
    let subject = format!("dstream.test.{test}.{}", std::process::id());
    wire.create_stream(&name, &subject);
    (name, subject)
}

type Seen = Arc<Mutex<Vec<Vec<String>>>>;

#[test]
fn reads_what_was_published_batch_by_batch_within_the_cap() {
    let Some(mut wire) = server() else { return };
    let (stream, subject) = fresh_stream(&mut wire, "reads");
    for i in 0..25 {
        wire.publish(&subject, format!("m{i}").as_bytes());
    }
    wire.publish(&subject, b"\xff\xfe not text");
    wire.flush();
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let options = NatsOptions::new().max_records_per_batch(10);
    let job = stream! {
        nats(URL, subject.clone(), options) every 1s
            |> foreach_batch(move |records: Vec<String>, _| sink.lock().unwrap().push(records))
    };
    let mut harness = Harness::new(job);
    harness.run_batches(4).unwrap();
    let batches = seen.lock().unwrap().clone();
    let expected = |r: std::ops::Range<usize>| r.map(|i| format!("m{i}")).collect::<Vec<_>>();
    assert_eq!(batches[0], expected(0..10));
    assert_eq!(batches[1], expected(10..20));
    assert_eq!(batches[2], expected(20..25), "the last message is not UTF-8: counted, not a record");
    assert!(batches[3].is_empty());
    assert_eq!(harness.metrics().malformed_not_utf8, 1);
    wire.delete_stream(&stream);
}

#[test]
fn acknowledges_a_batch_only_after_its_outputs_ran() {
    let Some(mut wire) = server() else { return };
    let (stream, subject) = fresh_stream(&mut wire, "acks");
    for i in 0..5 {
        wire.publish(&subject, format!("a{i}").as_bytes());
    }
    wire.flush();
    let durable = format!("acks-{}", std::process::id());
    // What the consumer's state was while the batch's output ran.
    let during: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
    let (inside, stream_name, name) = (Arc::clone(&during), stream.clone(), durable.clone());
    let options = NatsOptions::new().durable(durable.clone());
    let job = stream! {
        nats(URL, subject.clone(), options) every 1s
            |> foreach_batch(move |records: Vec<String>, _| {
                if !records.is_empty() {
                    let mut wire = Wire::connect().expect("the server answers");
                    inside.lock().unwrap().push(wire.consumer_acks(&stream_name, &name));
                }
            })
    };
    let mut harness = Harness::new(job);
    harness.step().unwrap();
    assert_eq!(*during.lock().unwrap(), [(5, 0)], "during the output: 5 delivered, none acknowledged");
    wait_for(
        StdDuration::from_secs(10),
        || {
            format!(
                "acknowledged after the batch: {:?}",
                Wire::connect().map(|mut w| w.consumer_acks(&stream, &durable))
            )
        },
        || Wire::connect().expect("the server answers").consumer_acks(&stream, &durable) == (0, 5),
    );
    wire.delete_stream(&stream);
}

#[test]
fn a_batch_run_again_after_a_crash_reads_the_same_messages() {
    let Some(mut wire) = server() else { return };
    let (stream, subject) = fresh_stream(&mut wire, "rerun");
    let dir = TestDir::new("nats-rerun");
    let committed: Arc<Mutex<std::collections::BTreeMap<u64, Vec<String>>>> = Arc::default();
    let job = || {
        let (checkpoints, store, subject) =
            (dir.join("checkpoints"), Arc::clone(&committed), subject.clone());
        let options = NatsOptions::new().durable(format!("rerun-{}", std::process::id()));
        stream! {
            #![checkpoint(checkpoints, 2s)]
            nats(URL, subject, options) every 1s
                |> foreach_batch(move |records: Vec<String>, time| {
                    store.lock().unwrap().entry(time.as_millis()).or_insert(records);
                })
        }
    };
    let mut publish = |from: usize, to: usize| {
        for i in from..to {
            wire.publish(&subject, format!("r{i}").as_bytes());
        }
        wire.flush();
    };
    let mut harness = Harness::new(job());
    publish(0, 3);
    harness.run_batches(2).unwrap(); // 1000, 2000 (checkpointed)
    publish(3, 6);
    harness.step().unwrap(); // 3000 takes r3..r5 and commits
    assert_eq!(committed.lock().unwrap()[&3000], ["r3", "r4", "r5"]);
    drop(harness); // dies before the checkpoint of 4000
    publish(6, 8);

    let mut harness = Harness::new(job());
    let rerun = harness.run_batches(2).unwrap();
    assert_eq!(rerun[0].time, Time::from_millis(3000), "resumes after the checkpoint of 2000");
    let all: Vec<String> = committed.lock().unwrap().values().flatten().cloned().collect();
    assert_eq!(all, (0..8).map(|i| format!("r{i}")).collect::<Vec<_>>(), "every message exactly once");
    assert_eq!(committed.lock().unwrap()[&4000], ["r6", "r7"]);
    wire.delete_stream(&stream);
}

/// The counting job, as the child runs it.
#[test]
#[ignore = "run by `counts_every_message_exactly_once_under_sigkill` in a child process"]
fn nats_child() {
    let (Ok(root), Ok(subject)) = (std::env::var("DSTREAM_NATS_ROOT"), std::env::var("DSTREAM_NATS_SUBJECT"))
    else {
        return;
    };
    let root = std::path::PathBuf::from(root);
    let (checkpoints, store) = (root.join("checkpoints"), BatchStore::new(&root.join("store")));
    let options = NatsOptions::new().durable(format!("kill-{}", subject.replace('.', "-")));
    let job = stream! {
        #![checkpoint(checkpoints, 400ms)]
        nats(URL, subject, options) |> map(|r| (key_of(&r), 1u64)) |> reduce_by_key(+) every 100ms
            |> foreach_batch(move |pairs: Vec<(String, u64)>, time| store.commit(time.as_millis(), &count_lines(pairs)))
    };
    job.run().expect("the job runs until it is killed");
}

#[test]
fn counts_every_message_exactly_once_under_sigkill() {
    let Some(mut wire) = server() else { return };
    let (stream, subject) = fresh_stream(&mut wire, "kill");
    let dir = TestDir::new("nats-kill");
    let store = BatchStore::new(&dir.join("store"));
    let root = dir.path().to_string_lossy().into_owned();
    let rounds = std::env::var("DSTREAM_EXACTLY_ONCE_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(24);
    let spawn =
        || ChildJob::spawn("nats_child", &[("DSTREAM_NATS_ROOT", &root), ("DSTREAM_NATS_SUBJECT", &subject)]);
    let publish = |first: u64, count: u64| {
        let mut wire = Wire::connect().expect("the server answers");
        for n in first..first + count {
            wire.publish(&subject, format!("r{n}").as_bytes());
        }
        wire.flush();
    };
    let published = kill_rounds(&store, rounds, 200, &mut rng_from_pid(), spawn, publish);
    check_counts(&format!("nats, {rounds} kills"), &store, published);
    // A fresh connection: the first one sat idle through the kills and the server dropped it.
    drop(wire);
    Wire::connect().expect("the server answers").delete_stream(&stream);
}
