// Built without dstream's `dashboard` feature: `dashboard(..)` names the feature to enable.
use dstream::prelude::*;

fn main() {
    let _job = stream! {
        queue(vec![vec![("shipped", 1u64)]]) every 1s |> dashboard("127.0.0.1:8080")
    };
}
