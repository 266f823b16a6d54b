use dstream::prelude::*;

/// A `map_with_state` state without serde's traits: the error names it, not the store that
/// keeps it with its update time.
#[derive(Clone)]
struct Session(u64);

fn main() {
    let job = stream! {
        #![checkpoint("checkpoints")]
        queue(vec![vec![("a", 1u64)]])
            |> map_with_state(|_key, value: Option<u64>, state: &mut State<Session>| {
                let seen = state.get().map_or(0, |s| s.0) + value.unwrap_or(0);
                state.update(Session(seen));
                seen
            })
            every 1s |> print
    };
    let _ = job;
}
