use dstream::prelude::*;

fn main() {
    // `_` leaves out an optional argument only; `{..}` is a function where no duration can
    // stand, so `{double}` in `map` is read as the function it is.
    let double = |x: i32| x * 2;
    let job = stream! {
        queue(vec![vec![("a", 1)]]) every 1s |> map_values({double}) |> reduce_by_key_and_window(_, 2s) |> print
    };
    let _ = job;
}
