use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![("a", 1)]]) |> map_values(|v| v * 2) |> reduce_by_key_and_window(+, 30s, 10s) |> print
    };
    let _ = job;
}
