use dstream::prelude::*;

fn main() {
    let job = stream! {
        let ages = queue(vec![vec![(1u32, 30u8)]]);
        queue(vec![vec![("ann", "paris")]]) |> join(ages) every 1s |> print
    };
    let _ = job;
}
