use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_mapp(split) |> map(+) |> filter(|w| w.len() > 1, 3) every 2sec |> print
    };
    let _ = job;
}
