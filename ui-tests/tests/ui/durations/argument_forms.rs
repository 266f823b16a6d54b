use dstream::prelude::*;

fn main() {
    // A zero window, a duration where a function stands, a value where a duration stands,
    // and a fraction of a millisecond.
    let length = std::time::Duration::from_secs(2);
    let job = stream! {
        let numbers = queue(vec![vec![1]]) every 1s;
        numbers |> window(0s) |> print;
        numbers |> map(5s) |> print;
        numbers |> window(length) |> print;
        numbers |> window(1.5ms) |> print
    };
    let _ = job;
}
