// Records a window cannot keep across batches: the error names the type and the requirement.
#![allow(unused)]
use dstream::prelude::*;
fn main() {
    let job = stream! {
        queue(vec![vec![1]]) |> map(|x| std::sync::Mutex::new(x)) |> window(2s, 1s) every 1s |> foreach_batch(|_, _| ())
    };
    let _ = job;
}
