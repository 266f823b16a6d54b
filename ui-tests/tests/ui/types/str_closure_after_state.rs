use dstream::prelude::*;

// A state store's keys are owned (`String`): `&str` there is an error on the annotation that
// says what to write. (A window in between passes them through as they are.)
fn main() {
    let job = stream! {
        let words = queue(vec![vec!["a b"]]) |> flat_map(split) every 1s;
        words |> map(|w| (w, 1)) |> update_state_by_key(|n: Vec<i32>, s: Option<i32>| s.or(n.first().copied()))
            |> window(2s) |> filter(|(w, _): &(&str, i32)| !w.is_empty()) |> print
    };
    let _ = job;
}
