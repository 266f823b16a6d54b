use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![1]]) every interval |> print
    };
    let _ = job;
}
