// `queue` takes a list of batches: the note names `dstream::requirements::queue` and its signature.
#![allow(unused)]
use dstream::prelude::*;
fn main() {
    let job = stream! {
        queue(vec![1, 2]) every 1s |> print
    };
    let _ = job;
}
