// A state store's `(key, state)` cross when it is placed on the partitions that own its keys;
// the state's type is known from the function only.
use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Running {
    total: u64,
}

fn main() {
    let _job = stream! {
        queue(vec![vec![("a", 1u64)]]) every 1s
            |> update_state_by_key(|values: Vec<u64>, state: Option<Running>| {
                let total = state.map_or(0, |s| s.total) + values.iter().sum::<u64>();
                Some(Running { total })
            })
            |> foreach_partition(|_, _, _| ())
    };
}
