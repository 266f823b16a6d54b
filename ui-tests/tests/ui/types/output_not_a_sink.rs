use dstream::prelude::*;

fn main() {
    let not_a_sink = 42;
    let job = stream! {
        queue(vec![vec![1, 2]]) every 1s |> output(not_a_sink)
    };
    let _ = job;
}
