use dstream::prelude::*;

fn main() {
    // A name defined twice, a stream argument that is not a name, and a name never defined
    // (nothing close to suggest).
    let job = stream! {
        let words = queue(vec![vec!["a b"]]);
        let words = queue(vec![vec!["c"]]);
        words |> union(vec![1]) every 1s |> print;
        sentences |> print
    };
    let _ = job;
}
