use dstream::prelude::*;

fn main() {
    // `window(2500ms, 1s)` is refused; so is every composite window form with the same durations.
    let job = stream! {
        let pairs = queue(vec![vec![("a", 1)]]) every 1s;
        pairs |> reduce_by_key_and_window(+, 2500ms, 1s) |> print;
        pairs |> reduce_by_key_and_window(+, -, 3s, 1500ms) |> print;
        pairs |> group_by_key_and_window(2500ms) |> print;
        pairs |> map(|(_, v)| v) |> reduce_by_window(+, -, 2500ms, 1s) |> print;
        pairs |> count_by_window(3s, 1500ms) |> print;
        pairs |> count_by_value_and_window(2500ms, 1s) |> print
    };
    let _ = job;
}
