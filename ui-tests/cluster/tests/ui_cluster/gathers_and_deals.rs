// `reduce` gathers partials on the driver, `repartition` deals records to every partition,
// `group_by_key` ships each key's values: one error where each makes `Order` cross.
use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Order {
    id: u32,
}

fn main() {
    let _reduced = stream! {
        queue(vec![vec![1u32]])
            |> map(|id| Order { id })
            |> reduce(|a, b| if a.id > b.id { a } else { b }) every 1s
            |> foreach_partition(|_, _, _| ())
    };
    let _dealt = stream! {
        queue(vec![vec![1u32]])
            |> map(|id| Order { id })
            |> repartition(4) every 1s
            |> foreach_partition(|_, _, _| ())
    };
    let _grouped = stream! {
        queue(vec![vec![1u32]])
            |> map(|id| (id % 2, Order { id }))
            |> group_by_key every 1s
            |> foreach_partition(|_, _, _| ())
    };
}
