use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![("a", 1)]]) every 1s |> reduce_by_key_and_window(+, 30s, 10s, |(_, v)| *v != 0) |> print
    };
    let _ = job;
}
