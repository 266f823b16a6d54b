//! The driver spreads its sources' records over every process of a cluster (issue #14,
//! `docs/cluster.md`): the [`Scatter`] impls of the partitions a source batch is cut into.
//!
//! Only the driver reads the non-partitioned sources (socket, `queue`, your own `source(..)`,
//! the harness's inputs). It cuts each batch into every global partition, as in one process;
//! the partitions another process owns are sent there, one payload per process, and the
//! driver keeps its own partitions where they are (moved, never serialised). The first stage
//! (`flat_map(split) |> map |> ` the map side of a combine) then runs on every worker.
//!
//! A text partition crosses as raw bytes: its text as one string and its line lengths, so the
//! receiver's lines are slices of the received payload (no allocation per line), kept with
//! the batch's other payloads until the batch ends. Other records cross as an exchange's do.

use super::cluster::{encode, owner, ClusterExec};
use super::exchange::Exchange;
use super::partition::Scatter;
use super::wire::Wire;
use super::Executor;
use crate::text::Lines;

impl<'e, T: Wire<'e>> Scatter<'e> for Vec<T> {
    fn scatter(exec: &'e Executor, parts: Vec<Vec<T>>) -> Vec<Vec<T>> {
        let Some(cluster) = exec.cluster.as_deref() else { return parts };
        let n = parts.len().max(1);
        // Source partition `i` cuts one bucket for each destination, its own records in
        // bucket `i`: the exchange moves local ones and sends the others to their owner.
        let outbound = parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let mut buckets: Vec<Vec<T>> = (0..n).map(|_| Vec::new()).collect();
                buckets[i] = part;
                buckets
            })
            .collect();
        let received =
            exec.exchange_between_processes(cluster, Exchange::Contiguous { partitions: n }, outbound);
        let parts: Vec<Vec<T>> =
            received.into_iter().enumerate().map(|(j, mut from)| std::mem::take(&mut from[j])).collect();
        note_received(exec, parts.iter().map(Vec::len));
        parts
    }
}

/// A text partition on the wire: its index, its text, the length of each of its lines.
type TextPart<'a> = (u32, &'a str, Vec<usize>);

impl<'e> Scatter<'e> for Lines<'e> {
    fn scatter(exec: &'e Executor, mut parts: Vec<Lines<'e>>) -> Vec<Lines<'e>> {
        let Some(cluster) = exec.cluster.as_deref() else { return parts };
        let (me, processes, n) = (cluster.link.process(), cluster.link.processes(), parts.len());
        let mut remote: Vec<Vec<TextPart<'_>>> = (0..processes).map(|_| Vec::new()).collect();
        for (j, part) in parts.iter_mut().enumerate() {
            let to = owner(j, n, processes);
            if to != me {
                let part = std::mem::take(part);
                if part.len() > 0 {
                    remote[to].push(on_the_wire(j, part));
                }
            }
        }
        let payloads = remote.iter().map(|parts| encode(parts)).collect();
        for (from, bytes) in exec.send_and_keep(cluster, payloads) {
            match postcard::from_bytes::<Vec<TextPart<'e>>>(bytes) {
                Ok(received) => {
                    for (j, text, lengths) in received {
                        place(exec, cluster, &mut parts, from, j as usize, text, lengths);
                    }
                }
                Err(e) => cluster.fail(format!(
                    "the lines from process {from} did not decode ({e}): do the processes run the same program?"
                )),
            }
        }
        note_received(exec, parts.iter().map(ExactSizeIterator::len));
        parts
    }
}

/// Partition `j`'s lines as one string and their lengths.
fn on_the_wire(j: usize, part: Lines<'_>) -> TextPart<'_> {
    let end = part.ends.last().copied().unwrap_or(part.start);
    let mut previous = part.start;
    let lengths = part
        .ends
        .iter()
        .map(|&end| {
            let length = end - previous;
            previous = end;
            length
        })
        .collect();
    (j as u32, &part.text[part.start..end], lengths)
}

/// Makes the received lines of partition `j` this process's partition `j`, borrowing `text`;
/// a partition this process does not own, or lines that do not fit their text, fail the batch.
fn place<'e>(
    exec: &'e Executor,
    cluster: &ClusterExec,
    parts: &mut [Lines<'e>],
    from: usize,
    j: usize,
    text: &'e str,
    lengths: Vec<usize>,
) {
    let mine = j < parts.len() && owner(j, parts.len(), cluster.link.processes()) == cluster.link.process();
    let mut end = 0usize;
    let ends: Vec<usize> = lengths
        .into_iter()
        .map(|length| {
            end = end.saturating_add(length);
            end
        })
        .collect();
    let fits = end <= text.len() && ends.iter().all(|&e| text.is_char_boundary(e));
    if !mine || !fits {
        cluster.fail(format!(
            "process {from} sent lines for partition {j} that this process cannot take: do the processes run the same program?"
        ));
        return;
    }
    match exec.kept.keep_ends(ends) {
        Some(ends) => parts[j] = Lines { text, ends, start: 0 },
        None => cluster.fail("a batch received more than a million text partitions".into()),
    }
}

/// A non-driver process adds the records it received to the batch's size, so that a large
/// batch runs its stages on the pool there too.
fn note_received(exec: &Executor, lengths: impl Iterator<Item = usize>) {
    if !exec.is_driver() {
        exec.note_source_records(Some(lengths.sum()));
    }
}
