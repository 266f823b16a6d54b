use dstream::prelude::*;

fn main() {
    let job = stream! {
        #![crate = "dstream"]
        #![checkpoint()]
        queue(vec![vec![1]]) every 1s |> print
    };
    let _ = job;
}
