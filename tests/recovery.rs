//! Checkpoints and recovery through the harness: a job is run for k batches, dropped (as if
//! the process died), rebuilt from the same program and resumed from its checkpoint
//! directory (docs/semantics.md E24).

use dstream::prelude::*;
use dstream::testing::Harness;
use std::path::PathBuf;

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dstream-recovery-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn records(out: &[dstream::testing::BatchOutput]) -> Vec<Vec<String>> {
    out.iter()
        .map(|o| {
            let mut r: Vec<String> = o.printed_records().into_iter().map(str::to_owned).collect();
            r.sort();
            r
        })
        .collect()
}

fn ten_a() -> Vec<Vec<(&'static str, i32)>> {
    (0..10).map(|_| vec![("a", 1)]).collect()
}

#[test]
fn e24_update_state_by_key_resumes_from_its_checkpoint() {
    let dir = fresh_dir("update");
    let job = |dir: &PathBuf| {
        let dir = dir.clone();
        stream! {
            #![checkpoint(dir, 2s)]
            queue(ten_a()) |> update_state_by_key(|values, state| Some(values.iter().sum::<i32>() + state.unwrap_or(0)))
                every 1s |> print
        }
    };
    let before = Harness::new(job(&dir)).run_batches(7).unwrap();
    assert_eq!(records(&before).concat(), (1..=7).map(|n| format!("(a,{n})")).collect::<Vec<_>>());
    // The process dies after batch 7; the last checkpoint is batch 6's.
    let mut restarted = Harness::new(job(&dir));
    let after = restarted.run_batches(4).unwrap();
    assert_eq!(after[0].time, Time::from_millis(7000), "the batch after the checkpoint is run again");
    assert_eq!(records(&after).concat(), ["(a,7)", "(a,8)", "(a,9)", "(a,10)"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn e24_incremental_window_resumes_from_its_checkpoint() {
    let dir = fresh_dir("window");
    let job = |dir: &PathBuf| {
        let dir = dir.clone();
        stream! {
            #![checkpoint(dir, 2s)]
            queue(ten_a()) every 1s |> reduce_by_key_and_window(+, -, 4s, 1s) |> print
        }
    };
    let before = Harness::new(job(&dir)).run_batches(7).unwrap();
    assert_eq!(records(&before).concat(), ["(a,1)", "(a,2)", "(a,3)", "(a,4)", "(a,4)", "(a,4)", "(a,4)"]);
    let after = Harness::new(job(&dir)).run_batches(4).unwrap();
    assert_eq!(records(&after).concat(), ["(a,4)", "(a,4)", "(a,4)", "(a,4)"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn e24_word_count_reruns_the_batches_after_the_checkpoint() {
    let dir = fresh_dir("wordcount");
    let input = || vec![vec!["a", "a", "b"], vec!["", ""], vec![], vec!["a", "a", "b"], vec!["", ""], vec![]];
    let job = |dir: &PathBuf| {
        let dir = dir.clone();
        stream! {
            #![checkpoint(dir, 2s)]
            queue(input()) |> map(|x| (x, 1)) |> reduce_by_key(+) every 1s |> print
        }
    };
    let before = Harness::new(job(&dir)).run_batches(3).unwrap();
    assert_eq!(records(&before), vec![vec!["(a,2)", "(b,1)"], vec!["(,2)"], vec![]]);
    let after = Harness::new(job(&dir)).run_batches(4).unwrap();
    assert_eq!(records(&after), vec![vec![], vec!["(a,2)", "(b,1)"], vec!["(,2)"], vec![]]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_graceful_stop_checkpoints_its_last_batch() {
    let dir = fresh_dir("graceful");
    let job = |dir: &PathBuf| {
        let dir = dir.clone();
        stream! {
            #![checkpoint(dir, 10s)]
            queue(ten_a()) |> update_state_by_key(|values, state| Some(values.len() + state.unwrap_or(0)))
                every 1s |> print
        }
    };
    let mut first = Harness::new(job(&dir));
    first.run_batches(2).unwrap();
    assert_eq!(first.stop().unwrap().printed_records(), ["(a,3)"]);
    let after = Harness::new(job(&dir)).run_batches(1).unwrap();
    assert_eq!(after[0].time, Time::from_millis(4000));
    assert_eq!(after[0].printed_records(), ["(a,4)"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_changed_state_type_is_reported_with_the_operator() {
    let dir = fresh_dir("changed");
    let dir2 = dir.clone();
    let counts = stream! {
        #![checkpoint(dir2, 1s)]
        queue(ten_a()) |> update_state_by_key(|values, state| Some(values.len() + state.unwrap_or(0))) every 1s |> print
    };
    Harness::new(counts).run_batches(2).unwrap();
    let dir3 = dir.clone();
    let names = stream! {
        #![checkpoint(dir3, 1s)]
        queue(ten_a()) |> update_state_by_key(|values, state: Option<String>| Some(format!("{}{}", state.unwrap_or_default(), values.len())))
            every 1s |> print
    };
    let err = Harness::new(names).step().unwrap_err().to_string();
    assert!(err.contains("operator `update_state_by_key#0` cannot resume"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_truncated_newest_checkpoint_falls_back_to_the_previous_one() {
    let dir = fresh_dir("truncated");
    let job = |dir: &PathBuf| {
        let dir = dir.clone();
        stream! {
            #![checkpoint(dir, 1s)]
            queue(ten_a()) |> update_state_by_key(|values, state| Some(values.len() + state.unwrap_or(0)))
                every 1s |> print
        }
    };
    Harness::new(job(&dir)).run_batches(3).unwrap();
    let newest = dir.join("checkpoint-3000");
    let bytes = std::fs::read(&newest).unwrap();
    std::fs::write(&newest, &bytes[..bytes.len() / 2]).unwrap();
    let after = Harness::new(job(&dir)).run_batches(1).unwrap();
    assert_eq!(after[0].time, Time::from_millis(3000), "resumed after checkpoint-2000");
    assert_eq!(after[0].printed_records(), ["(a,3)"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn e21_default_checkpoint_interval_is_b_times_ceil_10s_over_b() {
    let dir = std::env::temp_dir();
    let one = stream! { #![checkpoint(dir.clone())] queue(ten_a()) every 1s |> print };
    let three = stream! { #![checkpoint(dir.clone())] queue(ten_a()) every 3s |> print };
    let fifteen = stream! { #![checkpoint(dir.clone())] queue(ten_a()) every 15s |> print };
    let tenth = stream! { #![checkpoint(dir.clone())] queue(ten_a()) every 100ms |> print };
    let explicit = stream! { #![checkpoint(dir.clone(), 2s)] queue(ten_a()) every 1s |> print };
    assert_eq!(one.checkpoint_interval(), Some(Duration::from_secs(10)));
    assert_eq!(three.checkpoint_interval(), Some(Duration::from_secs(12)));
    assert_eq!(fifteen.checkpoint_interval(), Some(Duration::from_secs(15)));
    // Spark uses 10 × B for mapWithState (1 s here); dstream uses one rule for all state.
    assert_eq!(tenth.checkpoint_interval(), Some(Duration::from_secs(10)));
    assert_eq!(explicit.checkpoint_interval(), Some(Duration::from_secs(2)));
}
