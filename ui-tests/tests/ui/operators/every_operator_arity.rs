use dstream::prelude::*;

// Every operator of the language with a wrong number of arguments: each error names the
// operator, its parameters and what it does, on the user's tokens.
fn main() {
    let f = |x: i32| x;
    let job = stream! {
        let s = queue(vec![vec![("a", 1)]]) every 1s;
        socket() |> print;
        queue() |> print;
        text_files() |> print;
        source() |> print;
        s |> map() |> print;
        s |> flat_map() |> print;
        s |> filter() |> print;
        s |> map_values() |> print;
        s |> flat_map_values() |> print;
        s |> union() |> print;
        s |> glom(1) |> print;
        s |> map_partitions() |> print;
        s |> repartition() |> print;
        s |> transform() |> print;
        s |> transform_with() |> print;
        s |> join() |> print;
        s |> left_outer_join() |> print;
        s |> right_outer_join() |> print;
        s |> full_outer_join() |> print;
        s |> cogroup() |> print;
        s |> combine_by_key(f) |> print;
        s |> reduce_by_key() |> print;
        s |> group_by_key(1, 2) |> print;
        s |> count_by_value(1, 2) |> print;
        s |> count(1) |> print;
        s |> reduce() |> print;
        s |> window() |> print;
        s |> reduce_by_key_and_window(+) |> print;
        s |> reduce_by_window(+) |> print;
        s |> count_by_window() |> print;
        s |> count_by_value_and_window() |> print;
        s |> group_by_key_and_window() |> print;
        s |> update_state_by_key() |> print;
        s |> map_with_state(f) |> state_snapshots(1) |> print;
        s |> map_with_state() |> print;
        s |> print(1, 2);
        s |> foreach_batch();
        s |> foreach_partition();
        s |> save_as_text_files();
        s |> to_sql("sqlite://counts.db");
        s |> output();
        s |> dashboard()
    };
    let _ = job;
}
