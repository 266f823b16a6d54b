// A key type without `Hash` and `Eq`: one error on the keyed operator, naming the key's
// type and the missing traits, never the runtime's tables or functions.
#![allow(unused)]
use dstream::prelude::*;
#[derive(Clone, Debug, PartialEq)]
struct NoHash(f64);
fn main() {
    let job = stream! {
        queue(vec![vec![1.5f64]]) |> map(|x| NoHash(x)) |> count_by_value every 1s |> print
    };
    let _ = job;
}
