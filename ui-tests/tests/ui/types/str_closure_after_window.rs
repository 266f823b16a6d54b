use dstream::prelude::*;

fn main() {
    let job = stream! {
        let words = queue(vec![vec!["a b"]]) |> flat_map(split) every 1s;
        words |> window(2s) |> map(|w: &str| w.len()) |> print;
        words |> map(|w| (w, 1)) |> update_state_by_key(|n: Vec<i32>, s: Option<i32>| s.or(n.first().copied()))
            |> filter(|(w, _): &(&str, i32)| !w.is_empty()) |> print
    };
    let _ = job;
}
