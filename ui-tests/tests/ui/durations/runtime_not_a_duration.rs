use dstream::prelude::*;

fn main() {
    let seconds = 5;
    let job = stream! {
        queue(vec![vec![1]]) every {seconds} |> print
    };
    let _ = job;
}
