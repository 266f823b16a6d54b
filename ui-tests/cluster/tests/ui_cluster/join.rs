// A join hash-partitions both streams by key: the values of this one cross.
use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Order {
    id: u32,
}

fn main() {
    let _job = stream! {
        let prices = queue(vec![vec![(1u32, 250u32)]]);
        queue(vec![vec![1u32]])
            |> map(|id| (id, Order { id }))
            |> join(prices) every 1s
            |> foreach_partition(|_, _, _| ())
    };
}
