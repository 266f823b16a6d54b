// `map_with_state` keeps `(key, (state, time))` in its store, which crosses like any state.
use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Seen {
    count: u32,
}

fn main() {
    let _job = stream! {
        queue(vec![vec![(7u32, 1u32)]]) every 1s
            |> map_with_state(|_key: &u32, value: Option<u32>, state: &mut State<Seen>| {
                let count = state.get().map_or(0, |s| s.count) + 1;
                state.update(Seen { count });
                value
            })
            |> foreach_partition(|_, _, _| ())
    };
}
