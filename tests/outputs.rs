//! Output operations: `foreach_batch`, `save_as_text_files`, and several outputs in one job
//! running in the order they are written.

use dstream::prelude::*;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

/// What a `foreach_batch` closure saw: (batch time in ms, records).
type Seen = Arc<Mutex<Vec<(u64, Vec<i32>)>>>;

#[test]
fn foreach_batch_receives_every_record_and_the_batch_time() {
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        queue(vec![vec![1, 2, 3, 4], vec![], vec![5]]) |> map(|x| x * 10)
            every 1s |> foreach_batch(move |records, time| sink.lock().unwrap().push((time.as_millis(), records)))
    };
    Harness::new(job).run_batches(3).unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![(1000, vec![10, 20, 30, 40]), (2000, vec![]), (3000, vec![50])]);
}

#[test]
fn save_as_text_files_writes_one_directory_per_batch_with_spark_names() {
    let dir = std::env::temp_dir().join(format!("dstream-save-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let prefix = dir.join("counts").to_string_lossy().into_owned();
    let job = stream! {
        queue(vec![vec!["a b a"], vec!["c"]]) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+)
            every 1s |> save_as_text_files(prefix.as_str(), "txt")
    };
    Harness::new(job).run_batches(2).unwrap();
    let read_batch = |ms: u64| {
        let batch_dir = dir.join(format!("counts-{ms}.txt"));
        let mut lines: Vec<String> = std::fs::read_dir(&batch_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("part-"))
            .flat_map(|p| std::fs::read_to_string(p).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(read_batch(1000), ["(a,2)", "(b,1)"]);
    assert_eq!(read_batch(2000), ["(c,1)"]);
    // Two partitions (the harness default): part-00000 and part-00001 plus the _SUCCESS marker.
    let parts = std::fs::read_dir(dir.join("counts-1000.txt")).unwrap().count();
    assert_eq!(parts, 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn outputs_run_in_the_order_written() {
    let order: Arc<Mutex<Vec<String>>> = Arc::default();
    let (first, second) = (Arc::clone(&order), Arc::clone(&order));
    let job = stream! {
        queue(vec![vec![1]]) every 1s |> foreach_batch(move |_, t| first.lock().unwrap().push(format!("first {}", t.as_millis())));
        queue(vec![vec![2]]) |> foreach_batch(move |_, t| second.lock().unwrap().push(format!("second {}", t.as_millis())))
    };
    Harness::new(job).run_batches(2).unwrap();
    assert_eq!(*order.lock().unwrap(), ["first 1000", "second 1000", "first 2000", "second 2000"]);
}
