//! Which programs may run a small batch as one partition (`Executor::batch_parallelism`), and
//! gather the hash exchanges of a larger one (`Executor::gathers_by_key`): those whose results
//! a user sees the same whichever partition a record is in, up to the order of records within
//! a batch where Spark gives none.

use crate::ir::{Graph, Op};

/// The outputs that take a batch whole (`print`, `foreach_batch`) or write one file per
/// partition whatever each holds (`save_as_text_files`, whose part files the runtime keeps).
const WHOLE_BATCH_OUTPUTS: [&str; 3] = ["print", "foreach_batch", "save_as_text_files"];

/// Whether every operator of `graph` is one whose results do not depend on the partitioning:
/// sources, record operators (`map`, `flat_map`, `filter`, `map_values`, `flat_map_values`),
/// `reduce_by_key` and `count_by_value` at the job's partition count, and the outputs above;
/// and the program keeps no checkpoint. Anything else (state stores and windows kept per
/// partition, `repartition`, joins, `glom`, `foreach_partition`, `transform`, a shuffle with
/// its own partition count, ...) keeps every batch on the job's partitions.
pub fn runs_small_batches_solo(graph: &Graph) -> bool {
    graph.checkpoint.is_none()
        && graph.nodes.iter().all(|node| match &node.op {
            Op::Source(_) | Op::Narrow(..) => true,
            Op::ReduceByKey(_, partitions) | Op::CountByValue(partitions) => partitions.is_none(),
            _ => WHOLE_BATCH_OUTPUTS.contains(&node.spec.name),
        })
}
