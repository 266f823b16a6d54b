// A shuffle by key ships each `(key, value)` to the process that owns the key.
use dstream::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Customer {
    id: u32,
}

fn main() {
    let _job = stream! {
        queue(vec![vec![1u32, 2, 1]])
            |> map(|id| (Customer { id }, 1))
            |> reduce_by_key(+) every 1s
            |> foreach_partition(|_, _, _| ())
    };
}
