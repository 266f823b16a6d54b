// A state that is not `Clone`: one error on `update_state_by_key`, naming the type and `Clone`.
#![allow(unused)]
use dstream::prelude::*;
fn main() {
    let job = stream! {
        queue(vec![vec![1.5f64]]) |> map(|x| (1u32, x)) |> update_state_by_key(|v: Vec<f64>, s: Option<std::sync::Mutex<u32>>| s) every 1s |> foreach_batch(|_, _| ())
    };
    let _ = job;
}
