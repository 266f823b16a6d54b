use dstream::prelude::*;

fn main() {
    let job = stream! {
        let words = queue(vec![vec!["a b"]]) |> flat_map(split);
        wrods |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let _ = job;
}
