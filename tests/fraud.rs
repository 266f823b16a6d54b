//! The fraud example's program (`examples/common/fraud.rs`) over small deterministic inputs,
//! driven by the harness's manual clock. The expected alerts are computed here, by brute
//! force over the whole input (no running statistics, no incremental windows), and for the
//! hand-written input also listed by hand.

use dstream::testing::{BatchOutput, Harness};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[allow(dead_code)] // the socket job is the example's
#[path = "../examples/common/fraud.rs"]
mod fraud;

/// The velocity and travel windows in batches, at both scales (6 s and 30 s at 1 s; 1 min
/// and 5 min at 10 s).
const VELOCITY_BATCHES: usize = 6;
const TRAVEL_BATCHES: usize = 30;

/// A transaction of the test input, as the test knows it.
#[derive(Clone, Debug)]
struct Txn {
    time: String,
    account: String,
    amount: f64,
    country: String,
}

/// An alert as compared: (rule, account, what identifies it: the transaction time for an
/// amount alert, the count for a velocity alert, the countries for a travel alert).
type Key = (String, String, String);

/// The alerts the rules give, batch by batch, computed by brute force.
fn brute_force(batches: &[Vec<Txn>], limit: usize, n: usize) -> Vec<Vec<Key>> {
    let mut accepted: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut previous_velocity: BTreeSet<String> = BTreeSet::new();
    let mut previous_travel: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for k in 0..n {
        let mut alerts = Vec::new();
        // 1. Amount: against every earlier accepted amount of the account, two-pass.
        for t in batches.get(k).into_iter().flatten() {
            let history = accepted.entry(&t.account).or_default();
            let count = history.len();
            if count >= 5 {
                let mean = history.iter().sum::<f64>() / count as f64;
                let var = history.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (count - 1) as f64;
                if t.amount > mean + 3.0 * var.sqrt() {
                    alerts.push(("amount".to_string(), t.account.clone(), t.time.clone()));
                    continue;
                }
            }
            history.push(t.amount);
        }
        // 2. Velocity and 3. travel: scan the batches of each window.
        let window =
            |length: usize| batches.iter().take(k + 1).skip((k + 1).saturating_sub(length)).flatten();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for t in window(VELOCITY_BATCHES) {
            *counts.entry(&t.account).or_default() += 1;
        }
        let mut velocity = BTreeSet::new();
        for (account, count) in counts.into_iter().filter(|(_, c)| *c > limit) {
            if !previous_velocity.contains(account) {
                alerts.push(("velocity".to_string(), account.to_string(), count.to_string()));
            }
            velocity.insert(account.to_string());
        }
        let mut countries: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for t in window(TRAVEL_BATCHES) {
            countries.entry(&t.account).or_default().insert(&t.country);
        }
        let mut travel = BTreeSet::new();
        for (account, seen) in countries.into_iter().filter(|(_, c)| c.len() >= 2) {
            if !previous_travel.contains(account) {
                let seen: Vec<&str> = seen.into_iter().collect();
                alerts.push(("travel".to_string(), account.to_string(), seen.join(", ")));
            }
            travel.insert(account.to_string());
        }
        previous_velocity = velocity;
        previous_travel = travel;
        alerts.sort();
        out.push(alerts);
    }
    out
}

/// The comparison key of a printed alert line: `rule account detail`.
fn key(line: &str) -> Key {
    let mut fields = line.split_whitespace();
    let rule = fields.next().unwrap().to_string();
    let account = fields.next().unwrap().to_string();
    let detail: Vec<&str> = fields.collect();
    let detail = detail.join(" ");
    let id = match rule.as_str() {
        // `<amount> at <merchant> (<country>) on <time>: usual ...`
        "amount" => detail.split_once(" on ").unwrap().1.split_once(": ").unwrap().0.to_string(),
        // `<n> transactions within <window>`
        "velocity" => detail.split_once(' ').unwrap().0.to_string(),
        // `<countries> within <window>`
        "travel" => detail.rsplit_once(" within ").unwrap().0.to_string(),
        other => panic!("unknown rule {other} in {line}"),
    };
    (rule, account, id)
}

/// Every batch's printed alerts as keys, sorted; checks the batch times, that each batch's
/// alerts are printed in order (rule, then account) and that the files hold the same lines.
fn printed_keys(outputs: &[BatchOutput], interval_ms: u64, files: &Path) -> Vec<Vec<Key>> {
    let rank = |rule: &str| ["amount", "velocity", "travel"].iter().position(|r| *r == rule).unwrap();
    outputs
        .iter()
        .enumerate()
        .map(|(k, out)| {
            assert_eq!(out.time.as_millis(), interval_ms * (k as u64 + 1));
            let lines = out.printed_records();
            let order: Vec<(usize, String)> =
                lines.iter().map(|l| key(l)).map(|(r, a, _)| (rank(&r), a)).collect();
            assert!(order.windows(2).all(|w| w[0] <= w[1]), "batch {k} sorted: {lines:?}");
            assert_eq!(
                saved(files, out.time.as_millis()),
                lines,
                "batch {k}: the files hold the printed alerts"
            );
            let mut keys: Vec<Key> = lines.iter().map(|l| key(l)).collect();
            keys.sort();
            keys
        })
        .collect()
}

/// The lines of the batch directory `alerts-<ms>.txt`, part files in order.
fn saved(dir: &Path, ms: u64) -> Vec<String> {
    let batch = dir.join(format!("alerts-{ms}.txt"));
    assert!(batch.join("_SUCCESS").exists(), "{} is complete", batch.display());
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&batch)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("part-"))
        .collect();
    parts.sort();
    parts
        .iter()
        .flat_map(|p| std::fs::read_to_string(p).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// A fresh directory for one test's alert files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dstream-fraud-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn prefix(dir: &Path) -> String {
    dir.join("alerts").to_string_lossy().into_owned()
}

/// The hand-written input: (transactions per batch, lines per batch). Batch `b` (1-based)
/// is index `b - 1`.
fn hand_written() -> (Vec<Vec<Txn>>, Vec<Vec<String>>) {
    let mut txns: Vec<Vec<Txn>> = vec![Vec::new(); 32];
    let mut lines: Vec<Vec<String>> = vec![Vec::new(); 32];
    let mut add = |batch: usize, account: &str, amount: f64, country: &str| {
        let i = lines[batch - 1].len();
        let time = format!("2024-06-01T09:00:{:02}.{:03}Z", batch, i);
        // Countries are written in lowercase now and then: the parser uppercases them.
        let written =
            if account == "ACC-A" && batch == 4 { country.to_lowercase() } else { country.to_string() };
        lines[batch - 1].push(format!("{time},{account},{amount:.2},{written},Shop {i}"));
        txns[batch - 1].push(Txn { time, account: account.into(), amount, country: country.into() });
    };
    // A: steady, one payment every three batches.
    for (i, amount) in [50.0, 45.0, 55.0, 48.0, 52.0, 60.0, 47.0, 58.0].into_iter().enumerate() {
        add(1 + 3 * i, "ACC-A", amount, "FR");
    }
    // B: six usual amounts, then one nine times the mean (the amount alert), then a usual one.
    for (batch, amount) in [(1, 100.0), (1, 110.0), (4, 90.0), (4, 105.0), (8, 95.0), (11, 102.0)] {
        add(batch, "ACC-B", amount, "NL");
    }
    add(13, "ACC-B", 900.0, "NL");
    add(15, "ACC-B", 118.0, "NL");
    // C: 1 + 6 payments within two batches, more than 5 within 6: the velocity alert at
    // batch 5; one more at batch 6 continues the episode; 3 at batch 14 are fewer than 5.
    add(3, "ACC-C", 20.0, "DE");
    for amount in [20.5, 19.5, 20.25, 19.75, 20.1, 19.9] {
        add(5, "ACC-C", amount, "DE");
    }
    add(6, "ACC-C", 20.0, "DE");
    for amount in [20.2, 19.8, 20.0] {
        add(14, "ACC-C", amount, "DE");
    }
    // D: at home, then abroad (the travel alert at batch 12), then home again (ongoing).
    add(2, "ACC-D", 70.0, "FR");
    add(9, "ACC-D", 65.0, "FR");
    add(12, "ACC-D", 80.0, "US");
    add(14, "ACC-D", 75.0, "FR");
    // E: exactly 5 payments in one batch: not more than the limit.
    for amount in [30.0, 31.0, 29.0, 30.5, 29.5] {
        add(7, "ACC-E", amount, "ES");
    }
    // F: two countries 30 batches apart: never within one window.
    add(1, "ACC-F", 40.0, "DE");
    add(31, "ACC-F", 42.0, "ES");
    // G: a huge amount after only 4 payments: not judged yet.
    for (batch, amount) in [(2, 10.0), (2, 11.0), (3, 12.0), (3, 10.0), (8, 500.0)] {
        add(batch, "ACC-G", amount, "IT");
    }
    // Malformed lines, all for E in batch 7: were any accepted, E would exceed the limit.
    lines[6].extend(
        [
            "2024-06-01T09:00:07.100Z,ACC-E,abc,ES,Shop",
            "2024-06-01T09:00:07.101Z,ACC-E,-5.00,ES,Shop",
            "2024-06-01T09:00:07.102Z,ACC-E,5.00,ESP,Shop",
            "yesterday,ACC-E,5.00,ES,Shop",
            "2024-06-01T09:00:07.104Z,ACC-E,5.00,ES",
            "2024-06-01T09:00:07.105Z,ACC-E,5.00,ES,Shop,extra",
            "2024-06-01T09:00:07.106Z,ACC-E,5.00,ES,",
            "",
        ]
        .map(String::from),
    );
    (txns, lines)
}

/// The alerts of the hand-written input, by hand.
fn by_hand(n: usize) -> Vec<Vec<Key>> {
    let mut expected = vec![Vec::new(); n];
    let key = |rule: &str, account: &str, id: &str| (rule.to_string(), account.to_string(), id.to_string());
    expected[4] = vec![key("velocity", "ACC-C", "7")];
    expected[11] = vec![key("travel", "ACC-D", "FR, US")];
    expected[12] = vec![key("amount", "ACC-B", "2024-06-01T09:00:13.001Z")];
    expected
}

#[test]
fn the_parser_skips_malformed_lines() {
    let (txns, lines) = hand_written();
    let parsed: Vec<Vec<fraud::Transaction>> =
        lines.iter().map(|b| b.iter().filter_map(fraud::parse_transaction).collect()).collect();
    for (batch, txns) in parsed.iter().zip(&txns) {
        assert_eq!(batch.len(), txns.len());
        for (p, t) in batch.iter().zip(txns) {
            assert_eq!(
                (&p.time, &p.account, p.amount, &p.country),
                (&t.time, &t.account, t.amount, &t.country)
            );
        }
    }
    assert_eq!(parsed[3].iter().find(|t| t.account == "ACC-A").unwrap().country, "FR"); // written `fr`
    let t = fraud::parse_transaction(" 2024-06-01T09:00:00Z , X-1 , 12.5 , be , Café ").unwrap();
    assert_eq!(
        (t.account.as_str(), t.amount, t.country.as_str(), t.merchant.as_str()),
        ("X-1", 12.5, "BE", "Café")
    );
}

#[test]
fn hand_written_transactions_trigger_each_rule_exactly_once() {
    let n = 45; // D's payment abroad (batch 12) leaves the travel window after batch 41
    let (txns, lines) = hand_written();
    let expected = brute_force(&txns, 5, n);
    assert_eq!(expected, by_hand(n), "the brute force agrees with the hand-made list");
    let dir = scratch("hand");
    let job = fraud::queue_job(lines, true, 5, prefix(&dir));
    assert_eq!(job.batch_interval().as_millis(), 1000);
    let out = Harness::new(job).run_batches(n).unwrap();
    assert_eq!(printed_keys(&out, 1000, &dir), expected);
    // The details as printed.
    assert_eq!(out[4].printed_records(), ["velocity ACC-C 7 transactions within 6s"]);
    assert_eq!(out[11].printed_records(), ["travel   ACC-D FR, US within 30s"]);
    assert_eq!(
        out[12].printed_records(),
        ["amount   ACC-B 900.00 at Shop 1 (NL) on 2024-06-01T09:00:13.001Z: usual 100.33 +/- 7.12 over 6 transactions"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn production_scale_gives_the_same_alerts_at_ten_second_batches() {
    let n = 45;
    let (_, lines) = hand_written();
    let dir = scratch("production");
    let job = fraud::queue_job(lines, false, 5, prefix(&dir));
    assert_eq!(job.batch_interval().as_millis(), 10_000);
    let out = Harness::new(job).run_batches(n).unwrap();
    assert_eq!(printed_keys(&out, 10_000, &dir), by_hand(n));
    assert_eq!(out[4].printed_records(), ["velocity ACC-C 7 transactions within 1min"]);
    assert_eq!(out[11].printed_records(), ["travel   ACC-D FR, US within 5min"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_outlier_stays_out_of_the_profile_and_episodes_can_start_again() {
    let txn = |batch: usize, i: usize, account: &str, amount: f64, country: &str| Txn {
        time: format!("2024-06-01T09:00:{batch:02}.{i:03}Z"),
        account: account.into(),
        amount,
        country: country.into(),
    };
    let mut txns: Vec<Vec<Txn>> = vec![Vec::new(); 40];
    // B: five amounts around 100, an outlier, then 140: above the mean plus three deviations
    // of the five (123.7), far below those of six amounts with the outlier in.
    for (i, amount) in [100.0, 110.0, 90.0, 105.0, 95.0].into_iter().enumerate() {
        txns[2 * i].push(txn(2 * i + 1, 0, "ACC-B", amount, "NL"));
    }
    txns[12].push(txn(13, 0, "ACC-B", 1000.0, "NL"));
    txns[14].push(txn(15, 0, "ACC-B", 140.0, "NL"));
    // C: two bursts 10 batches apart: two velocity episodes.
    for batch in [3, 13] {
        for i in 0..6 {
            txns[batch - 1].push(txn(batch, i, "ACC-C", 20.0, "DE"));
        }
    }
    // D: home, abroad, home again, and abroad again after the first trip left the window.
    txns[0].push(txn(1, 0, "ACC-D", 70.0, "FR"));
    txns[1].push(txn(2, 0, "ACC-D", 70.0, "JP"));
    txns[19].push(txn(20, 0, "ACC-D", 70.0, "FR"));
    txns[33].push(txn(34, 0, "ACC-D", 70.0, "BR"));
    let lines: Vec<Vec<String>> = txns
        .iter()
        .map(|b| {
            b.iter().map(|t| format!("{},{},{:.2},{},Shop", t.time, t.account, t.amount, t.country)).collect()
        })
        .collect();
    let n = 40;
    let expected = brute_force(&txns, 5, n);
    let all: Vec<&Key> = expected.iter().flatten().collect();
    let count = |rule: &str| all.iter().filter(|k| k.0 == rule).count();
    assert_eq!((count("amount"), count("velocity"), count("travel")), (2, 2, 2), "{all:?}");
    let dir = scratch("episodes");
    let out = Harness::new(fraud::queue_job(lines, true, 5, prefix(&dir))).run_batches(n).unwrap();
    assert_eq!(printed_keys(&out, 1000, &dir), expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn generated_transactions_give_the_brute_force_alerts() {
    let per_batch = 40;
    let batches = 100;
    let lines: Vec<String> = fraud::TransactionLines::new(11, 40).take(per_batch * batches).collect();
    // Independently of the example's parser: the generator writes well-formed lines.
    let txns: Vec<Vec<Txn>> = lines
        .chunks(per_batch)
        .map(|chunk| {
            chunk
                .iter()
                .map(|l| {
                    let f: Vec<&str> = l.split(',').collect();
                    assert_eq!(f.len(), 5, "{l}");
                    Txn {
                        time: f[0].into(),
                        account: f[1].into(),
                        amount: f[2].parse().unwrap(),
                        country: f[3].into(),
                    }
                })
                .collect()
        })
        .collect();
    let batched: Vec<Vec<String>> = lines.chunks(per_batch).map(<[String]>::to_vec).collect();
    let n = batches + 2;
    let expected = brute_force(&txns, 20, n);
    let dir = scratch("generated");
    let job = fraud::queue_job(batched, true, 20, prefix(&dir));
    let out = Harness::new(job).with_parallelism(3).run_batches(n).unwrap();
    assert_eq!(printed_keys(&out, 1000, &dir), expected);
    // One alert of each rule per pattern the generator plays: a period is 8 rounds of 16
    // accounts plus a burst of 25, and each pattern's accounts take turns.
    let periods = (per_batch * batches) / (8 * fraud::ACCOUNTS + fraud::BURST);
    let all: Vec<&Key> = expected.iter().flatten().collect();
    for rule in ["amount", "velocity", "travel"] {
        let count = all.iter().filter(|k| k.0 == rule).count();
        assert!((periods..=periods + 1).contains(&count), "{rule}: {count} alerts for {periods} periods");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_generator_is_deterministic_and_timed_by_its_rate() {
    let a: Vec<String> = fraud::TransactionLines::new(5, 40).take(500).collect();
    assert_eq!(a, fraud::TransactionLines::new(5, 40).take(500).collect::<Vec<_>>());
    assert_ne!(a, fraud::TransactionLines::new(6, 40).take(500).collect::<Vec<_>>());
    assert!(a.iter().all(|l| fraud::parse_transaction(l).is_some()));
    assert!(a[0].starts_with("2024-06-01T09:00:00.000Z,"));
    assert!(a[1].starts_with("2024-06-01T09:00:00.025Z,"));
    assert!(a[40].starts_with("2024-06-01T09:00:01.000Z,"));
    let slow: Vec<String> = fraud::TransactionLines::new(5, 4).take(5).collect();
    assert!(slow[4].starts_with("2024-06-01T09:00:01.000Z,"));
    assert_eq!(fraud::timestamp(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(fraud::timestamp(951_782_400_123), "2000-02-29T00:00:00.123Z");
    assert_eq!(fraud::timestamp(1_735_689_599_999), "2024-12-31T23:59:59.999Z");
}
