// Built without dstream's `kafka` and `nats` features: `kafka(..)`, `to_kafka(..)` and
// `nats(..)` name the feature to enable.
use dstream::prelude::*;

fn main() {
    let _from_kafka = stream! {
        kafka("127.0.0.1:9092", "lines") every 1s |> print
    };
    let _to_kafka = stream! {
        queue(vec![vec![("shipped", 1u64)]]) every 1s |> to_kafka("127.0.0.1:9092", "counts")
    };
    let _from_nats = stream! {
        nats("nats://127.0.0.1:4222", "lines") every 1s |> print
    };
}
