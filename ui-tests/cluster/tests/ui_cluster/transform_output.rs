// `transform` runs on the driver, which sends what it returns back to the partitions.
use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Order {
    id: u32,
}

fn main() {
    let _job = stream! {
        queue(vec![vec![1u32]])
            |> transform(|ids: Vec<u32>, _time| ids.into_iter().map(|id| Order { id }).collect::<Vec<_>>()) every 1s
            |> foreach_partition(|_, _, _| ())
    };
}
