use dstream::prelude::*;

/// Records and keys without serde's traits, kept by windows of a checkpointed program: each
/// error names the user's type, on the window operator that keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Reading(u64);

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Meters(u64);

impl std::ops::Add for Meters {
    type Output = Meters;
    fn add(self, other: Meters) -> Meters {
        Meters(self.0 + other.0)
    }
}

impl std::ops::Sub for Meters {
    type Output = Meters;
    fn sub(self, other: Meters) -> Meters {
        Meters(self.0 - other.0)
    }
}

dstream::owned_as_self!(Reading);
dstream::owned_as_self!(Meters);

fn main() {
    let job = stream! {
        #![checkpoint("checkpoints")]
        let readings = queue(vec![vec![Reading(1), Reading(2)]]) every 1s;
        readings |> window(2s, 1s) |> map(|r| r.0) |> print;
        readings |> count_by_value_and_window(2s, 1s) |> map(|(r, n)| (r.0, n)) |> print;
        readings |> map(|r| Meters(r.0)) |> reduce_by_window(+, -, 2s, 1s) |> map(|m| m.0) |> print
    };
    let _ = job;
}
