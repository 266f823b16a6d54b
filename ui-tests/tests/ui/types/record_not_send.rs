// A record that is not `Send`: one error on the operator that made it, naming the type.
#![allow(unused)]
use dstream::prelude::*;
#[derive(Clone, Debug, PartialEq)]
struct NoHash(f64);
fn main() {
    let job = stream! {
        queue(vec![vec![1]]) |> map(|x| std::rc::Rc::new(x)) every 1s |> foreach_batch(|_, _| ())
    };
    let _ = job;
}
