use dstream::prelude::*;

/// A state type without serde's traits: it cannot be written into a checkpoint.
#[derive(Clone)]
struct Running(u64);

fn main() {
    let job = stream! {
        #![checkpoint("checkpoints")]
        queue(vec![vec![("a", 1u64)]])
            |> update_state_by_key(|values, state| Some(Running(values.len() as u64 + state.map_or(0, |s: Running| s.0))))
            |> map(|(k, s)| (k, s.0))
            every 1s |> print
    };
    let _ = job;
}
