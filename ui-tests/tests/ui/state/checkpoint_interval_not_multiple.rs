use dstream::prelude::*;

fn main() {
    let job = stream! {
        #![checkpoint("checkpoints", 2500ms)]
        queue(vec![vec![1]]) every 1s |> print
    };
    let _ = job;
}
