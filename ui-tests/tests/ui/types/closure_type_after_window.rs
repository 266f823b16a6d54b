use dstream::prelude::*;

// After a window, records have the type they had before it: `&str` words stay `&str`
// (borrowed from the window's state), so a closure annotated `String` does not match, and the
// message names the user's types only.
fn main() {
    let job = stream! {
        let words = queue(vec![vec!["a b"]]) |> flat_map(split) every 1s;
        words |> map(|w| (w, 1)) |> reduce_by_key_and_window(+, -, 2s) |> map(|(w, n): (String, i32)| w.len() as i32 + n) |> print
    };
    let _ = job;
}
