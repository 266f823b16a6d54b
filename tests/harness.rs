use dstream::prelude::*;
use dstream::testing::Harness;

#[test]
fn word_count_over_queued_batches() {
    let job = stream! {
        queue(vec![vec!["a a b"], vec!["b c"], vec![]]) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let mut h = Harness::new(job);
    let out = h.run_batches(3).unwrap();
    for o in &out {
        print!("{}", o.printed);
    }
    assert_eq!(out[0].time, Time::from_millis(1000));
}
