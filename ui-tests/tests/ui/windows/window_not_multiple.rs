use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![("a", 1)]]) every 2s |> reduce_by_key_and_window(+, 5s, 3s) |> print
    };
    let _ = job;
}
