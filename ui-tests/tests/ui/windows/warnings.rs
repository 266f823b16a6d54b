use dstream::prelude::*;

fn main() {
    // Two warnings (a very short batch interval; a slide longer than the window), shown
    // here with the type error that makes this test fail to compile.
    let job = stream! {
        queue(vec![vec![1]]) every 5ms |> window(10ms, 20ms) |> print
    };
    let _: () = job;
}
