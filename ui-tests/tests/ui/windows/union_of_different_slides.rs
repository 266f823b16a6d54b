use dstream::prelude::*;

fn main() {
    let job = stream! {
        let slow = queue(vec![vec![1]]) |> window(4s, 2s);
        queue(vec![vec![2]]) every 1s |> union(slow) |> print
    };
    let _ = job;
}
