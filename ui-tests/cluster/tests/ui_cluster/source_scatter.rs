// The driver reads `queue`'s batches and sends each process its partitions: `Order` crosses.
use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Order {
    id: u32,
}

fn main() {
    let orders = vec![vec![Order { id: 1 }]];
    let _job = stream! {
        queue(orders) |> map(|o| o.id) every 1s |> foreach_partition(|_, _, _| ())
    };
}
