// `foreach_batch` runs on the driver: every process sends it its records.
use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Order {
    id: u32,
}

fn main() {
    let _job = stream! {
        queue(vec![vec![1u32]])
            |> map(|id| Order { id }) every 1s
            |> foreach_batch(|orders, _time| println!("{}", orders.len()))
    };
}
