//! Golden checkpoint files: what this build writes, byte for byte, and what every later
//! build must go on reading (or refuse, naming the operator and the change).
//!
//! `tests/golden/checkpoint-v2-3000` is the checkpoint of batch 3000 ms of the program below,
//! with its state types in the module `written_here`. These tests fail when a change to the
//! runtime changes the bytes a checkpoint holds (the file format, the encoding of a state,
//! the shape of a runtime state type): then bump `checkpoint::FORMAT_VERSION`, add a golden
//! file for the new version, and regenerate it with
//!
//! ```text
//! DSTREAM_BLESS=1 cargo test --test checkpoint_golden
//! ```

use dstream::__private::checkpoint::{self, Checkpointable};
use dstream::__private::state::StateStore;
use dstream::prelude::*;
use dstream::testing::{BatchOutput, Harness};
use std::path::{Path, PathBuf};

const GOLDEN: &str = "tests/golden/checkpoint-v2-3000";
const GOLDEN_NAME: &str = "checkpoint-3000";

/// The state types, declared by the same tokens wherever they are put: an
/// `update_state_by_key` state that is a user struct holding a user enum.
macro_rules! state_types {
    () => {
        use serde::{Deserialize, Serialize};

        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct Running {
            pub count: u64,
            pub trend: Trend,
        }

        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub enum Trend {
            #[default]
            New,
            Up(u64),
            Flat {
                since: u64,
            },
        }

        impl Running {
            pub fn after(state: Option<Running>, n: u64) -> Running {
                let old = state.unwrap_or_default();
                let trend = match (n, &old.trend) {
                    (0, Trend::Flat { since }) => Trend::Flat { since: *since },
                    (0, _) => Trend::Flat { since: old.count },
                    (n, _) => Trend::Up(n),
                };
                Running { count: old.count + n, trend }
            }
        }
    };
}

/// Where the program that wrote the golden file declared its state types.
mod written_here {
    state_types!();
}

/// Where a refactoring moved them: another module, under another path.
mod refactored {
    pub mod domain {
        pub mod counting {
            state_types!();
        }
    }
}

/// A real change of the state: `count` became signed.
mod changed {
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    pub struct Running {
        pub count: i64,
        pub trend: super::written_here::Trend,
    }

    impl Running {
        pub fn after(state: Option<Running>, n: u64) -> Running {
            let old = state.unwrap_or_default();
            Running { count: old.count + n as i64, trend: old.trend }
        }
    }
}

/// Two words that fall in different partitions of 2, so that no hash table of the state
/// holds two keys: the golden bytes do not depend on a hash table's iteration order.
fn input() -> Vec<Vec<&'static str>> {
    vec![vec!["a", "a", "c"], vec!["a"], vec![], vec!["c", "c"], vec!["a"], vec![]]
}

/// The program, with its state types taken from the module `$types`: per word a running
/// count with its trend, and a window of the words of the last 2 s.
macro_rules! program {
    ($dir:expr, $($types:ident)::+) => {{
        use $($types)::+ as types;
        let dir: PathBuf = $dir;
        stream! {
            #![checkpoint(dir, 1s)]
            let words = queue(input()) |> map(|w| (w.to_string(), 1u64));
            words |> update_state_by_key(|ones: Vec<u64>, state: Option<types::Running>| {
                    Some(types::Running::after(state, ones.len() as u64))
                })
                |> map(|(w, r)| format!("{w}:{}:{:?}", r.count, r.trend))
                every 1s |> print;
            words |> window(2s, 1s) |> count |> map(|n| format!("window:{n}")) |> print
        }
    }};
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dstream-golden-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A checkpoint directory holding only the golden checkpoint.
fn dir_with_golden(name: &str) -> PathBuf {
    let dir = fresh_dir(name);
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN), dir.join(GOLDEN_NAME)).unwrap();
    dir
}

/// The records of both `print`s of a batch, sorted.
fn sorted(out: &BatchOutput) -> Vec<String> {
    let is_record =
        |l: &&str| !l.is_empty() && *l != "..." && !l.starts_with("---") && !l.starts_with("Time: ");
    let mut records: Vec<String> = out.printed.lines().filter(is_record).map(str::to_owned).collect();
    records.sort();
    records
}

/// What the program prints for batches 4000 and 5000 ms, after the golden checkpoint.
fn expected_after_golden() -> Vec<Vec<String>> {
    let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        v(&["a:3:Flat { since: 3 }", "c:3:Up(2)", "window:2"]),
        v(&["a:4:Up(1)", "c:3:Flat { since: 3 }", "window:3"]),
    ]
}

#[test]
fn this_build_writes_the_golden_checkpoint_byte_for_byte() {
    let dir = fresh_dir("write");
    let out = Harness::new(program!(dir.clone(), written_here)).run_batches(3).unwrap();
    assert_eq!(sorted(&out[2]), ["a:3:Flat { since: 3 }", "c:1:Flat { since: 1 }", "window:1"]);
    let written = std::fs::read(dir.join(GOLDEN_NAME)).unwrap();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("DSTREAM_BLESS").is_some() {
        std::fs::write(&golden, &written).unwrap();
    }
    let expected = std::fs::read(&golden).unwrap();
    assert!(
        written == expected,
        "the checkpoint this build writes differs from {GOLDEN}: a format change. Bump \
         checkpoint::FORMAT_VERSION and keep reading (or refuse) the old format; see this file's docs"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_golden_checkpoint_decodes_to_the_expected_state() {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN)).unwrap();
    let checkpoint = checkpoint::decode(&bytes).unwrap();
    assert_eq!(
        (checkpoint.batch_time, checkpoint.zero_time),
        (Time::from_millis(3000), Time::from_millis(0))
    );
    assert_eq!(checkpoint.batch_interval_ms, 1000);
    let ids: Vec<&str> = checkpoint.operators.keys().map(String::as_str).collect();
    assert_eq!(ids, ["update_state_by_key#0", "window#0"]);
    let saved = &checkpoint.operators["update_state_by_key#0"];
    assert_eq!(
        saved.schema.as_deref(),
        Some(
            "StateStore { partitions: Seq<Map<Str, Running { count: U64, trend: Trend { New, Up(U64), \
             Flat { since: U64 } } }>>, initial: Seq<Tuple<Str, Running>> }"
        )
    );
    use refactored::domain::counting::{Running, Trend};
    let mut state: StateStore<String, Running> = StateStore::empty();
    state.restore(saved).unwrap();
    let partitions = state.snapshot();
    assert!(partitions.iter().all(|p| p.len() <= 1), "one key per partition: {partitions:?}");
    let mut keys: Vec<(String, Running)> = partitions.concat();
    keys.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        keys,
        [
            ("a".to_string(), Running { count: 3, trend: Trend::Flat { since: 3 } }),
            ("c".to_string(), Running { count: 1, trend: Trend::Flat { since: 1 } })
        ]
    );
}

#[test]
fn the_golden_checkpoint_resumes_a_program_whose_state_types_moved_module() {
    let dir = dir_with_golden("moved");
    let mut resumed = Harness::new(program!(dir.clone(), refactored::domain::counting));
    let out = resumed.run_batches(2).unwrap();
    assert_eq!(out[0].time, Time::from_millis(4000), "resumes after the golden checkpoint's batch");
    assert_eq!(out.iter().map(sorted).collect::<Vec<_>>(), expected_after_golden());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_golden_checkpoint_resumes_the_program_that_wrote_it() {
    let dir = dir_with_golden("same");
    let out = Harness::new(program!(dir.clone(), written_here)).run_batches(2).unwrap();
    assert_eq!(out.iter().map(sorted).collect::<Vec<_>>(), expected_after_golden());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_real_change_of_the_state_type_is_refused_naming_the_operator_and_the_change() {
    let dir = dir_with_golden("changed");
    let err = Harness::new(program!(dir.clone(), changed)).step().unwrap_err().to_string();
    for part in [
        "operator `update_state_by_key#0` cannot resume from the checkpoint of batch 3000 ms \
         (the first `update_state_by_key` of the program): its state was saved in the shape",
        "saved in the shape `StateStore { partitions: Seq<Map<Str, Running { count: U64, trend:",
        "now keeps `StateStore { partitions: Seq<Map<Str, Running { count: I64, trend:",
        "(`…Running { count: U64, trend:…` became `…Running { count: I64, trend:…`)",
        "Change the state back, or start from a new checkpoint directory",
    ] {
        assert!(err.contains(part), "missing {part:?} in: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_checkpoint_of_the_bincode_format_is_refused_saying_so() {
    let dir = fresh_dir("format1");
    // Format 1's header: magic, version 1, then a body length, a CRC-32 and a bincode body,
    // which are not read: the version is refused first.
    let mut old = b"DSTRCKPT".to_vec();
    old.extend_from_slice(&1u32.to_le_bytes());
    old.extend_from_slice(&[0; 16]);
    std::fs::write(dir.join(GOLDEN_NAME), old).unwrap();
    let err = Harness::try_new(program!(dir.clone(), written_here)).err().expect("refused").to_string();
    for part in [
        "checkpoint-3000: checkpoint format 1 (written by an earlier dstream) cannot be read by this build",
        "start from a new checkpoint directory",
    ] {
        assert!(err.contains(part), "missing {part:?} in: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
