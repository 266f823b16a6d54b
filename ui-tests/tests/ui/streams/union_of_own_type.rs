use dstream::prelude::*;

#[derive(Clone, Debug)]
struct Reading(u32);

fn main() {
    // A record type of the program's own (no owned form needed for `count`) meets another
    // type: the message names both, as for built-in types.
    let job = stream! {
        let numbers = queue(vec![vec![1u32, 2]]);
        let readings = queue(vec![vec![(Reading(1), 1)]]);
        queue(vec![vec![Reading(1)]]) |> union(numbers) every 1s |> count |> print;
        queue(vec![vec![(1u32, 'x')]]) |> join(readings) |> count |> print
    };
    let _ = job;
}
