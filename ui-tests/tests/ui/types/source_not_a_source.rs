// A value that is not a source: one error, on the value, naming `dstream::source::Source`.
use dstream::prelude::*;
fn main() {
    let job = stream! {
        source(42) every 1s |> print
    };
    let _ = job;
}
