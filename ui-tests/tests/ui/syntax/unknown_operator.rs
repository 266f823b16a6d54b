use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_mapp(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let _ = job;
}
