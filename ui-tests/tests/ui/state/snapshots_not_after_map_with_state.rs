use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![("a", 1)]]) |> map(|p| p) |> state_snapshots every 1s |> print
    };
    let _ = job;
}
