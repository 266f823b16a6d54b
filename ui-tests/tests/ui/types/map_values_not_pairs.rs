use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![1, 2, 3]]) |> map_values(|v| v * 2) every 1s |> print
    };
    let _ = job;
}
