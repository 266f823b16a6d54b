use dstream::prelude::*;

fn main() {
    let job = stream! {
        let printed = queue(vec![vec![1]]) every 1s |> print;
        printed |> count |> print
    };
    let _ = job;
}
