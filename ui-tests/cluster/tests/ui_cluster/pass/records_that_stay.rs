// Records that never cross between processes need no serde: `map`, `filter`, a window of
// what each partition holds and `foreach_partition` keep them where they are. Records that
// cross compile once they derive serde's traits.
use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Local {
    id: u32,
}
dstream::owned_as_self!(Local);

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
struct Customer {
    id: u32,
}

fn main() {
    let _local = stream! {
        queue(vec![vec![1u32, 2]])
            |> map(|id| Local { id })
            |> filter(|l| l.id > 1)
            |> window(2s, 1s) every 1s
            |> foreach_partition(|records, _, _| drop(records))
    };
    let _shuffled = stream! {
        queue(vec![vec![Customer { id: 1 }]])
            |> map(|c| (c, 1u64))
            |> reduce_by_key(+) every 1s
            |> foreach_batch(|counts, _| drop(counts))
    };
}
