use dstream::prelude::*;

fn main() {
    // Nothing close to suggest: the error lists the operators.
    let job = stream! {
        queue(vec![vec![1]]) every 1s |> shuffle_everything |> print
    };
    let _ = job;
}
