use dstream::prelude::*;

fn main() {
    let job = stream! {
        flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let _ = job;
}
