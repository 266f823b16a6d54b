//! Snapshots of compiled plans: which operators fused into which stage, where the shuffles,
//! windows, state and joins sit. A change in fusion shows up here as a diff; review it with
//! `cargo insta review` (or re-bless with `INSTA_UPDATE=always cargo test --test explain`).

use dstream::prelude::*;

fn lines() -> Vec<Vec<&'static str>> {
    vec![vec!["a b", "b c"]]
}

fn pairs() -> Vec<Vec<(&'static str, i32)>> {
    vec![vec![("a", 1)]]
}

macro_rules! snapshot {
    ($name:literal, $job:expr) => {{
        let job = $job;
        insta::assert_snapshot!(concat!($name, "_text"), job.explain());
        insta::assert_snapshot!(concat!($name, "_mermaid"), job.explain_mermaid());
    }};
}

#[test]
fn plans() {
    snapshot!(
        "word_count",
        stream! { socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print }
    );
    snapshot!(
        "word_count_unfused",
        stream! { #![unfused] queue(lines()) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print }
    );
    snapshot!(
        "narrow_chain_is_one_stage",
        stream! { queue(lines()) |> filter(|l| !l.is_empty()) |> flat_map(split) |> map(|w| w.len()) |> filter(|n| *n > 1) every 1s |> print }
    );
    snapshot!(
        "two_shuffles",
        stream! { queue(lines()) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) |> map(|(_, n)| (n, 1)) |> reduce_by_key(+) every 1s |> print }
    );
    snapshot!("count_gathers", stream! { queue(lines()) |> flat_map(split) |> count every 1s |> print });
    snapshot!(
        "shared_stream_two_outputs",
        stream! {
            let words = queue(lines()) |> flat_map(split);
            words |> count every 1s |> print;
            words |> map(|w| (w, 1)) |> reduce_by_key(+) |> print
        }
    );
    snapshot!(
        "union",
        stream! { let b = queue(lines()); queue(lines()) |> union(b) |> flat_map(split) every 1s |> print }
    );
    snapshot!(
        "naive_window",
        stream! { queue(pairs()) every 1s |> reduce_by_key_and_window(+, 30s, 10s) |> print }
    );
    snapshot!(
        "incremental_window",
        stream! { queue(pairs()) every 1s |> reduce_by_key_and_window(+, -, 30s, 10s, |(_, v)| *v != 0) |> print }
    );
    snapshot!(
        "count_by_window",
        stream! { queue(lines()) |> flat_map(split) every 1s |> count_by_window(10s, 2s) |> print }
    );
    snapshot!(
        "update_state_by_key",
        stream! { queue(pairs()) |> update_state_by_key(|vs, s| Some(vs.len() + s.unwrap_or(0))) every 1s |> print }
    );
    snapshot!(
        "map_with_state_and_snapshots",
        stream! {
            let m = queue(pairs()) |> map_with_state(|_k, v, s| { s.update(v.unwrap_or(0)); v });
            m every 1s |> print;
            m |> state_snapshots |> print
        }
    );
    snapshot!(
        "reshape",
        stream! { queue(lines()) |> repartition(4) |> map_partitions(|it| it.map(str::len)) |> glom every 1s |> print }
    );
    snapshot!(
        "join_reads_its_mapped_inputs",
        stream! {
            let paid = queue(pairs()) |> map(|(k, v)| (k, v * 100)) |> filter(|(_, v)| *v > 0);
            queue(pairs()) |> map_values(|v| v + 1) |> join(paid) |> map(|(k, (v, w))| (k, v + w))
                |> reduce_by_key(+) every 1s |> print
        }
    );
    snapshot!(
        "join_of_a_shared_input",
        stream! {
            let a = queue(pairs()) |> map(|(k, v)| (k, v * 100));
            queue(pairs()) |> join(a) every 1s |> print;
            a |> print
        }
    );
    snapshot!(
        "transform_with",
        stream! { let b = queue(lines()); queue(lines()) |> transform_with(b, |x, y, _| x.into_iter().chain(y).collect::<Vec<_>>()) every 1s |> print }
    );
}
