// Built without dstream's `sqlite` and `postgres` features: `to_sql(..)` names them.
use dstream::prelude::*;

fn main() {
    let _job = stream! {
        queue(vec![vec![("shipped", 1u64)]]) every 1s |> to_sql("sqlite://counts.db", "counts")
    };
}
