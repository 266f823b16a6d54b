//! Checkpoints and recovery through the harness: a job is run for k batches, dropped (as if
//! the process died), rebuilt from the same program and resumed from its checkpoint
//! directory (docs/semantics.md E24). Every stateful operator (the windows, the state
//! operators and `state_snapshots`) is crashed after every batch, and twice, and must then
//! print exactly what an uncrashed run printed, batch by batch. Killing a real process is
//! `tests/crash.rs`'s and `tests/exactly_once.rs`'s job; this drives the same recovery code
//! (`Job::recover`, then the first batch restores every operator's state).

use dstream::prelude::*;
use dstream::testing::{BatchOutput, Harness};
use std::path::{Path, PathBuf};

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

// ---------------------------------------------------------------------------------------
// Every stateful operator, crashed after every batch: the batches after the restart must
// print exactly what an uncrashed run printed at the same times.

/// A program under test, built on a checkpoint directory.
type Program = fn(PathBuf) -> Job;

/// Twelve batches of keyed values; every value is distinct, so a record counted twice or
/// lost shows. Keys come back after gaps longer than the windows and the timeouts.
fn keyed() -> Vec<Vec<(&'static str, i64)>> {
    vec![
        vec![("a", 1), ("b", 2)],
        vec![("a", 3)],
        vec![("c", 4), ("b", 5)],
        vec![],
        vec![("a", 6), ("a", 7)],
        vec![("d", 8)],
        vec![],
        vec![],
        vec![("b", 9), ("c", 10)],
        vec![("a", 11)],
        vec![],
        vec![("e", 12)],
    ]
}

const BATCHES: usize = 12;

/// The checkpoint interval of every program below, in batches (`#![checkpoint(dir, 3s)]`).
const CHECKPOINT_EVERY: usize = 3;

/// One batch as compared: its time and, per `print` in program order, its records sorted
/// (the order of keyed records is unspecified).
fn canonical(out: &BatchOutput) -> (u64, Vec<Vec<String>>) {
    let mut prints: Vec<Vec<String>> = Vec::new();
    for line in out.printed.lines() {
        if line.starts_with("Time: ") {
            prints.push(Vec::new());
        } else if !line.is_empty() && !line.chars().all(|c| c == '-') {
            prints.last_mut().expect("a record after a print's header").push(line.to_string());
        }
    }
    for records in &mut prints {
        records.sort();
    }
    (out.time.as_millis(), prints)
}

fn canonical_all(outs: &[BatchOutput]) -> Vec<(u64, Vec<Vec<String>>)> {
    outs.iter().map(canonical).collect()
}

/// Restarts `program` on `dir`, where a run died after batch `done`, and runs it up to batch
/// `until`: it must resume after its last checkpoint and print what the uncrashed run
/// printed at the same times.
fn resume(
    name: &str,
    program: Program,
    dir: &Path,
    done: usize,
    until: usize,
    uncrashed: &[(u64, Vec<Vec<String>>)],
) {
    let checkpointed = done / CHECKPOINT_EVERY * CHECKPOINT_EVERY;
    let mut harness = Harness::try_new(program(dir.to_path_buf()))
        .unwrap_or_else(|e| panic!("{name}: cannot resume after batch {done}: {e}"));
    let outs = harness.run_batches(until - checkpointed).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        outs[0].time.as_millis(),
        (checkpointed as u64 + 1) * 1000,
        "{name}: crashed after batch {done}, resumes after the checkpoint of batch {checkpointed}"
    );
    assert_eq!(
        canonical_all(&outs),
        uncrashed[checkpointed..until],
        "{name}: crashed after batch {done}, the batches from the checkpoint of batch {checkpointed} to {until}"
    );
}

/// For every crash point: run, drop the harness (as if the process died), restart, and
/// compare batch by batch with an uncrashed run; then the same with a second crash two
/// batches into the restarted run (before the next checkpoint, so those run a third time).
fn assert_recovers_like_an_uncrashed_run(name: &str, program: Program) {
    let dir = fresh_dir(&format!("table-{name}"));
    let uncrashed = canonical_all(&Harness::new(program(dir.clone())).run_batches(BATCHES).unwrap());
    assert!(
        uncrashed.iter().any(|(_, prints)| prints.iter().any(|p| !p.is_empty())),
        "{name} printed nothing"
    );
    for crash in 1..BATCHES {
        let _ = std::fs::remove_dir_all(&dir);
        let first = Harness::new(program(dir.clone())).run_batches(crash).unwrap();
        assert_eq!(canonical_all(&first), uncrashed[..crash], "{name}: the run before the crash");
        resume(name, program, &dir, crash, BATCHES, &uncrashed);

        let second = (crash / CHECKPOINT_EVERY * CHECKPOINT_EVERY + 2).min(BATCHES - 1);
        let _ = std::fs::remove_dir_all(&dir);
        Harness::new(program(dir.clone())).run_batches(crash).unwrap();
        resume(name, program, &dir, crash, second, &uncrashed);
        resume(name, program, &dir, second, BATCHES, &uncrashed);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_window_operator_recovers_like_an_uncrashed_run() {
    let programs: [(&str, Program); 9] = [
        ("window_4s_2s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) every 1s |> window(4s, 2s) |> print(1000)
            }
        }),
        ("window_3s_1s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) every 1s |> window(3s) |> print(1000)
            }
        }),
        ("reduce_by_key_and_window_4s_2s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) every 1s |> reduce_by_key_and_window(+, 4s, 2s) |> print(1000)
            }
        }),
        ("reduce_by_key_and_window_3s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) every 1s |> reduce_by_key_and_window(|a, b| a + b, 3s) |> print(1000)
            }
        }),
        ("reduce_by_key_and_window_inverse_4s_2s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) every 1s |> reduce_by_key_and_window(+, -, 4s, 2s) |> print(1000)
            }
        }),
        ("reduce_by_window_4s_2s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) |> map(|(_, v)| v) every 1s |> reduce_by_window(+, 4s, 2s) |> print(1000)
            }
        }),
        ("count_by_window_3s_1s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) every 1s |> count_by_window(3s, 1s) |> print(1000)
            }
        }),
        ("count_by_value_and_window_4s_2s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) |> map(|(k, _)| k) every 1s |> count_by_value_and_window(4s, 2s) |> print(1000)
            }
        }),
        ("group_by_key_and_window_3s_1s", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed()) every 1s |> group_by_key_and_window(3s, 1s) |> print(1000)
            }
        }),
    ];
    for (name, program) in programs {
        assert_recovers_like_an_uncrashed_run(name, program);
    }
}

/// `map_with_state`'s output for a record: the running sum, or, on the key's timeout call,
/// the state it had.
fn running_sum(key: &String, value: Option<i64>, state: &mut State<i64>) -> String {
    if state.is_timing_out() {
        return format!("{key} timed out at {}", state.get().copied().unwrap_or(0));
    }
    let sum = value.unwrap_or(0) + state.get().copied().unwrap_or(0);
    state.update(sum);
    format!("{key}={sum}")
}

/// The initial state of the state operators below: one key of the input, one not.
fn initial() -> Vec<(String, i64)> {
    vec![("a".to_string(), 100), ("z".to_string(), 200)]
}

#[test]
fn every_state_operator_recovers_like_an_uncrashed_run() {
    let programs: [(&str, Program); 5] = [
        // Timeouts of 3 s: keys time out before, at and after every crash point.
        ("map_with_state_timeout_and_state_snapshots", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                let sums = queue(keyed()) |> map_with_state(running_sum, 3s);
                sums every 1s |> print(1000);
                sums |> state_snapshots |> print(1000)
            }
        }),
        // Initial state: applied once, at the first start, never again on a restart.
        ("map_with_state_initial_state_and_timeout", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                let sums = queue(keyed()) |> map_with_state(running_sum, initial(), 2s);
                sums every 1s |> print(1000);
                sums |> state_snapshots |> print(1000)
            }
        }),
        // A key removed and created again.
        ("map_with_state_remove_and_state_snapshots", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed())
                    |> map_with_state(|key, value, state| {
                        if state.exists() {
                            state.remove();
                            format!("{key} removed")
                        } else {
                            state.update(value.unwrap_or(0));
                            format!("{key} added")
                        }
                    })
                    |> state_snapshots every 1s |> print(1000)
            }
        }),
        ("update_state_by_key_initial_state", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed())
                    |> update_state_by_key(|values, state| Some(values.iter().sum::<i64>() + state.unwrap_or(0)), initial())
                    every 1s |> print(1000)
            }
        }),
        // A key whose state becomes `None` leaves, and comes back.
        ("update_state_by_key_removal", |dir| {
            stream! {
                #![checkpoint(dir, 3s)]
                queue(keyed())
                    |> update_state_by_key(|values, state: Option<(i64, u32)>| {
                        let (sum, idle) = state.unwrap_or((0, 0));
                        if values.is_empty() {
                            (idle < 1).then_some((sum, idle + 1))
                        } else {
                            Some((sum + values.iter().sum::<i64>(), 0))
                        }
                    })
                    every 1s |> print(1000)
            }
        }),
    ];
    for (name, program) in programs {
        assert_recovers_like_an_uncrashed_run(name, program);
    }
}
