//! Batch interval and window durations computed by the running program (`every {expr}`,
//! `window({length}, {slide})`): one binary serves several intervals. Literal durations are
//! checked at compile time; these are checked when the job starts, with a clear error. So is
//! an output's `s3://` location that this build cannot write to.

use dstream::prelude::*;
use dstream::testing::Harness;

const INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// The same windowed count, for any interval: the window is three batches, sliding by two.
fn windowed_counts(interval: std::time::Duration) -> Job {
    let (length, slide) = (3 * interval, 2 * interval);
    stream! {
        queue(vec![vec![("a", 1)], vec![("a", 1)], vec![("a", 1)], vec![("b", 1)]])
            every {interval}
            |> reduce_by_key_and_window(+, {length}, {slide})
            |> print
    }
}

#[test]
fn one_program_serves_several_intervals() {
    for ms in [500, 1000, 2000] {
        let job = windowed_counts(std::time::Duration::from_millis(ms));
        assert_eq!(job.batch_interval(), Duration::from_millis(ms));
        let out = Harness::new(job).run_batches(4).unwrap();
        // The order within a batch is unspecified (hash-partitioned): compared sorted.
        let printed: Vec<Vec<&str>> = out
            .iter()
            .map(|b| {
                let mut records = b.printed_records();
                records.sort();
                records
            })
            .collect();
        assert_eq!(printed, [vec![], vec!["(a,2)"], vec![], vec!["(a,2)", "(b,1)"]], "every {ms} ms");
        assert_eq!(out[1].time.as_millis(), 2 * ms);
    }
}

#[test]
fn a_const_interval_and_the_literal_form_agree() {
    let job = stream! { queue(vec![vec![1], vec![2], vec![3]]) every {INTERVAL} |> window({2 * INTERVAL}) |> print };
    let literal = stream! { queue(vec![vec![1], vec![2], vec![3]]) every 1s |> window(2s) |> print };
    let explain = job.explain().to_string();
    assert!(explain.contains("batch interval: set when the job is built"), "{explain}");
    let ours = Harness::new(job).run_batches(3).unwrap();
    let theirs = Harness::new(literal).run_batches(3).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn a_window_that_breaks_sparks_rule_stops_the_job_at_its_start() {
    let length = std::time::Duration::from_millis(2500);
    let job = stream! { queue(vec![vec![1]]) every 1s |> window({length}) |> print };
    let error = Harness::new(job).run_batches(1).unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid configuration: the window length of `window` must be a positive multiple of the stream's slide (1000 ms), as Spark requires: it is 2500 ms"
    );
}

#[test]
fn a_zero_interval_stops_the_job_at_its_start() {
    let job = stream! { queue(vec![vec![1]]) every {std::time::Duration::ZERO} |> print };
    assert_eq!(job.batch_interval(), Duration::from_millis(0), "kept as computed, not replaced");
    let error = Harness::new(job).run_batches(1).unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid configuration: the batch interval `every {std::time::Duration::ZERO}` is zero when the job starts: it must be longer than zero"
    );
}

#[test]
fn a_zero_interval_is_refused_with_a_checkpoint_too() {
    // The checkpoint's default interval derives from the batch interval: still no panic,
    // the same error.
    let dir = std::env::temp_dir().join(format!("dstream-zero-interval-{}", std::process::id()));
    let gap = std::time::Duration::from_millis(0);
    let job = stream! {
        #![checkpoint(dir.clone())]
        queue(vec![vec![("a", 1)]]) every {gap} |> update_state_by_key(|v: Vec<i32>, s: Option<i32>| s.or(v.first().copied())) |> print
    };
    let error = Harness::new(job).run_batches(1).unwrap_err().to_string();
    assert!(error.contains("`every {gap}` is zero"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_runtime_slide_against_a_literal_interval_is_checked_too() {
    let slide = std::time::Duration::from_millis(1500);
    let job = stream! { queue(vec![vec![1]]) every 500ms |> count_by_window(3s, {slide}) |> print };
    assert!(Harness::new(job).run_batches(3).is_ok());
    let slide = std::time::Duration::from_millis(1200);
    let job = stream! { queue(vec![vec![1]]) every 500ms |> count_by_window(3s, {slide}) |> print };
    let error = Harness::new(job).run_batches(1).unwrap_err().to_string();
    assert!(error.contains("the window slide of `count_by_window`"), "{error}");
}

#[test]
fn a_runtime_state_timeout_equals_the_literal_one() {
    let input = || {
        let mut batches = vec![vec![("a", 1i64), ("b", 1)], vec![("a", 1)]];
        batches.extend((0..5).map(|_| vec![("a", 1)]));
        batches
    };
    let timeout = std::time::Duration::from_secs(2);
    let runtime = stream! {
        queue(input()) every 1s
            |> map_with_state(|key, value, state| {
                if value.is_some() {
                    state.update(1i64);
                }
                state.is_timing_out().then(|| key.clone())
            }, Vec::new(), {timeout})
            |> flat_map(|k| k)
            |> print
    };
    let literal = stream! {
        queue(input()) every 1s
            |> map_with_state(|key, value, state| {
                if value.is_some() {
                    state.update(1i64);
                }
                state.is_timing_out().then(|| key.clone())
            }, Vec::new(), 2s)
            |> flat_map(|k| k)
            |> print
    };
    let ours = Harness::new(runtime).run_batches(7).unwrap();
    assert_eq!(ours, Harness::new(literal).run_batches(7).unwrap());
    assert!(ours.iter().any(|b| b.printed_records() == ["b"]), "b times out");
}

/// A source that notes whether the job started it.
struct Watched(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl dstream::source::Source for Watched {
    type Batch = Vec<u32>;

    fn start(&mut self, _ctx: &dstream::source::SourceContext) -> dstream::Result<()> {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    fn cut(&mut self, _time: Time) -> Vec<u32> {
        vec![1]
    }

    fn stop_receiving(&mut self) {}
}

#[test]
fn a_broken_duration_stops_the_job_before_its_sources_start() {
    let length = std::time::Duration::from_millis(2500);
    let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watched = Watched(std::sync::Arc::clone(&started));
    let job = stream! { source(watched) every 1s |> window({length}) |> print };
    let error = job.run().unwrap_err().to_string();
    assert!(error.contains("2500 ms"), "{error}");
    assert!(!started.load(std::sync::atomic::Ordering::SeqCst), "the source was started");

    let watched = Watched(std::sync::Arc::clone(&started));
    let job = stream! { source(watched) every 1s |> window({length}) |> print };
    assert!(Harness::new(job).run_batches(1).is_err());
    assert!(!started.load(std::sync::atomic::Ordering::SeqCst), "the harness started the source");
}

/// Per-key sums over two batches, as `reduce_by_key_and_window` gives them (incrementally
/// with an inverse, or not).
fn keyed() -> Vec<Vec<(&'static str, i32)>> {
    vec![vec![("a", 1)], vec![("a", 2), ("b", 1)], vec![("b", 5)]]
}

#[test]
fn braces_in_function_position_are_functions() {
    // `{inverse}` before a literal length is the inverse function, not a duration; `_`
    // leaves the inverse out before a computed length; `{initial}` where no duration can
    // stand is a value.
    let inverse = |a: i32, b: i32| a - b;
    let length = 2 * INTERVAL;
    let initial = vec![("a".to_string(), 10)];
    let ours = stream! {
        let pairs = queue(keyed()) every 1s;
        pairs |> reduce_by_key_and_window(+, {inverse}, 2s) |> print;
        pairs |> reduce_by_key_and_window(+, _, {length}, 1s) |> print;
        pairs |> update_state_by_key(|vs: Vec<i32>, s: Option<i32>| Some(s.unwrap_or(0) + vs.iter().sum::<i32>()), {initial}) |> print
    };
    let theirs = stream! {
        let pairs = queue(keyed()) every 1s;
        pairs |> reduce_by_key_and_window(+, -, 2s) |> print;
        pairs |> reduce_by_key_and_window(+, 2s, 1s) |> print;
        pairs |> update_state_by_key(|vs: Vec<i32>, s: Option<i32>| Some(s.unwrap_or(0) + vs.iter().sum::<i32>()), vec![("a".to_string(), 10)]) |> print
    };
    let ours = Harness::new(ours).with_parallelism(1).run_batches(3).unwrap();
    let theirs = Harness::new(theirs).with_parallelism(1).run_batches(3).unwrap();
    assert_eq!(ours, theirs);
    assert!(ours[2].printed_records().contains(&"(a,13)"), "{:?}", ours[2].printed_records());
}

/// An `s3://` prefix this build cannot write to (no `s3` feature, or no bucket) stops the
/// job before its sources start, with an error that says why.
#[test]
fn an_s3_prefix_this_build_cannot_write_stops_the_job_at_its_start() {
    let prefix = if cfg!(feature = "s3") { "s3:///counts" } else { "s3://dstream/counts" };
    let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watched = Watched(std::sync::Arc::clone(&started));
    let job = stream! { source(watched) every 1s |> save_as_text_files(prefix, "txt") };
    let error = job.run().unwrap_err().to_string();
    let expected = if cfg!(feature = "s3") { "names no bucket" } else { "needs the cargo feature `s3`" };
    assert!(error.contains(expected) && error.contains(prefix), "{error}");
    assert!(!started.load(std::sync::atomic::Ordering::SeqCst), "the source was started");
}
