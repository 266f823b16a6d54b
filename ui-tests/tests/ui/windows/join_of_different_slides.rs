use dstream::prelude::*;

fn main() {
    let job = stream! {
        let windowed = queue(vec![vec![(1, 10)]]) |> window(2s, 2s);
        queue(vec![vec![(1, 20)]]) every 1s |> join(windowed) |> print
    };
    let _ = job;
}
