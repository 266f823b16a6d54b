use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![1, 2]]) |> map_partitions_with_index(|i, xs| xs.map(move |x| (i, x)), 2) every 1s |> print
    };
    let _ = job;
}
