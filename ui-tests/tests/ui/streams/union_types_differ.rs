use dstream::prelude::*;

fn main() {
    let job = stream! {
        let numbers = queue(vec![vec![1u32, 2]]);
        queue(vec![vec!["a b"]]) |> flat_map(split) |> union(numbers) every 1s |> print
    };
    let _ = job;
}
