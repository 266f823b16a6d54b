use dstream::prelude::*;

struct Word<'a>(&'a str);

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) |> map(|w| Word(w)) every 1s |> print
    };
    let _ = job;
}
