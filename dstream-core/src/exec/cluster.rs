//! The exchange between processes: how [`Executor::exchange`] moves a bucket whose destination
//! partition lives on another process (issue #14, `docs/cluster.md`).
//!
//! Every process runs every stage over all global partitions; a partition's records are on
//! its owner (partitions `[p·w, (p+1)·w)` for process `p`), and the other processes hold it
//! empty. An exchange keeps the buckets for local partitions as they are (moved, never
//! serialised), serialises the others with postcard, one payload per destination process
//! (`(source, destination, records)` triples), and sends them through the [`Link`]. What
//! arrives is deserialised borrowing bytes kept until the batch ends ([`Kept`]), and placed
//! in source order.
//!
//! A lost peer cannot be returned from an exchange (its callers, the generated code, expect
//! records): the executor notes the failure, returns what it has, and skips every later
//! exchange of the batch; the batch loop then stops the job with the error before the batch's
//! outputs are written or checkpointed ([`ClusterExec::take_failure`]).

use super::exchange::{check_cut, Exchange, Received};
use super::wire::Wire;
use super::Executor;
use crate::cluster::link::Link;
use crate::error::{Error, Result};
use std::sync::{Mutex, OnceLock};

/// Slots per chunk of a [`Store`], and chunks: up to a million kept values per batch.
const CHUNK: usize = 1024;

/// A chunk of a [`Store`]'s slots, allocated when first used.
type Chunk<T> = Box<[OnceLock<Vec<T>>]>;

/// Values kept until the batch ends, so that records can borrow them. Append-only through
/// `&self` (the executor is shared by the batch's code), cleared with `&mut self` between
/// batches.
#[derive(Debug)]
struct Store<T> {
    chunks: Vec<OnceLock<Chunk<T>>>,
    next: std::sync::atomic::AtomicUsize,
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store { chunks: (0..CHUNK).map(|_| OnceLock::new()).collect(), next: Default::default() }
    }
}

impl<T> Store<T> {
    /// Keeps `values` until [`Store::clear`]; `None` when the batch kept too many.
    fn keep(&self, values: Vec<T>) -> Option<&[T]> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let chunk = self.chunks.get(n / CHUNK)?.get_or_init(|| (0..CHUNK).map(|_| OnceLock::new()).collect());
        let slot = &chunk[n % CHUNK];
        slot.set(values).ok()?;
        slot.get().map(Vec::as_slice)
    }

    /// Drops every kept value.
    fn clear(&mut self) {
        let used = *self.next.get_mut();
        for chunk in self.chunks.iter_mut().take(used.div_ceil(CHUNK)) {
            chunk.take();
        }
        *self.next.get_mut() = 0;
    }
}

/// What a process received in the current batch, kept so that records deserialised from it
/// can borrow it until the batch ends: the payloads, and the line ends of the text
/// partitions the driver scattered (`exec::scatter`).
#[derive(Debug, Default)]
pub(crate) struct Kept {
    payloads: Store<u8>,
    ends: Store<usize>,
}

impl Kept {
    /// Keeps a payload; `None` when the batch received more than a million.
    pub(super) fn keep(&self, bytes: Vec<u8>) -> Option<&[u8]> {
        self.payloads.keep(bytes)
    }

    /// Keeps the line ends of a received text partition; `None` past a million.
    pub(super) fn keep_ends(&self, ends: Vec<usize>) -> Option<&[usize]> {
        self.ends.keep(ends)
    }

    /// Drops everything kept.
    pub(crate) fn clear(&mut self) {
        self.payloads.clear();
        self.ends.clear();
    }
}

/// The cluster side of an executor.
#[derive(Debug)]
pub(crate) struct ClusterExec {
    pub(crate) link: Link,
    /// The first failure of the current batch (a lost peer, a record that did not decode).
    failure: Mutex<Option<String>>,
    /// Per source of the job, whether every process reads its own share of it
    /// (`Source::read_where_assigned`) instead of the driver spreading it.
    assigned: Mutex<Vec<bool>>,
}

impl ClusterExec {
    pub(crate) fn new(link: Link) -> ClusterExec {
        ClusterExec { link, failure: Mutex::new(None), assigned: Mutex::new(Vec::new()) }
    }

    pub(super) fn fail(&self, message: String) {
        if let Ok(mut failure) = self.failure.lock() {
            if failure.is_none() {
                tracing::error!(process = self.link.process(), %message, "the exchange failed");
                *failure = Some(message);
            }
        }
    }

    /// Takes the batch's failure, if there was one.
    pub(crate) fn take_failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }

    pub(crate) fn failed(&self) -> bool {
        self.failure.lock().map_or(true, |f| f.is_some())
    }
}

/// The process that owns destination `j` of `destinations`: the global partitions spread
/// evenly over the processes in contiguous ranges (one destination, a gather: process 0).
pub(crate) fn owner(j: usize, destinations: usize, processes: usize) -> usize {
    j * processes / destinations.max(1)
}

/// One payload: `(source partition, destination partition, records)`.
type Triples<T> = Vec<(u32, u32, Vec<T>)>;

impl Executor {
    /// [`Executor::exchange`] between processes (see the module documentation).
    pub(super) fn exchange_between_processes<'e, T: Wire<'e>>(
        &'e self,
        cluster: &ClusterExec,
        how: Exchange,
        outbound: Vec<Vec<Vec<T>>>,
    ) -> Received<T> {
        let destinations = how.destinations();
        let sources = outbound.len();
        let (me, processes) = (cluster.link.process(), cluster.link.processes());
        let mut received: Received<T> =
            (0..destinations).map(|_| (0..sources).map(|_| Vec::new()).collect()).collect();
        let mut remote: Vec<Triples<T>> = (0..processes).map(|_| Vec::new()).collect();
        for (i, buckets) in outbound.into_iter().enumerate() {
            check_cut(how, i, buckets.len());
            for (j, bucket) in buckets.into_iter().enumerate().filter(|(_, b)| !b.is_empty()) {
                match owner(j, destinations, processes) {
                    p if p == me => received[j][i] = bucket,
                    p => remote[p].push((i as u32, j as u32, bucket)),
                }
            }
        }
        let payloads = remote.iter().map(|triples| encode(triples)).collect::<Result<Vec<_>>>();
        for (from, bytes) in self.send_and_keep(cluster, payloads) {
            match postcard::from_bytes::<Triples<T>>(bytes) {
                Ok(triples) => {
                    for (i, j, records) in triples {
                        let bucket = received.get_mut(j as usize).and_then(|b| b.get_mut(i as usize));
                        match bucket {
                            Some(bucket) if bucket.is_empty() => *bucket = records,
                            Some(bucket) => bucket.extend(records),
                            None => cluster.fail(format!(
                                "process {from} sent records for partition {j} from {i}, outside this exchange's {destinations} × {sources}: do the processes run the same program?"
                            )),
                        }
                    }
                }
                Err(e) => cluster.fail(format!(
                    "records from process {from} did not decode ({e}): do the processes run the same program?"
                )),
            }
        }
        received
    }
}

impl Executor {
    /// Sends `payloads[p]` to process `p` and keeps what arrives until the batch ends:
    /// `(source process, bytes)` for every non-empty payload received. Nothing is sent once
    /// the batch failed; a failure to send or to keep fails the batch (see the module
    /// documentation) and returns what was kept so far.
    pub(super) fn send_and_keep<'e>(
        &'e self,
        cluster: &ClusterExec,
        payloads: Result<Vec<Vec<u8>>>,
    ) -> Vec<(usize, &'e [u8])> {
        if cluster.failed() {
            return Vec::new();
        }
        let arrived = match payloads.and_then(|payloads| cluster.link.exchange(payloads)) {
            Ok(arrived) => arrived,
            Err(e) => {
                cluster.fail(e.to_string());
                return Vec::new();
            }
        };
        let mut kept = Vec::new();
        for (from, bytes) in arrived.into_iter().enumerate().filter(|(_, b)| !b.is_empty()) {
            match self.kept.keep(bytes) {
                Some(bytes) => kept.push((from, bytes)),
                None => {
                    cluster.fail("a batch received more than a million payloads".into());
                    break;
                }
            }
        }
        kept
    }

    /// This process's index in its cluster (0 outside one).
    pub(crate) fn process(&self) -> usize {
        self.cluster.as_ref().map_or(0, |c| c.link.process())
    }

    /// Notes which of the job's sources every process reads (see [`ClusterExec`]).
    pub(crate) fn assign_sources(&self, assigned: Vec<bool>) {
        if let Some(mut noted) = self.cluster.as_ref().and_then(|c| c.assigned.lock().ok()) {
            *noted = assigned;
        }
    }

    /// Whether every process of the cluster reads its share of the job's source `source`.
    pub(crate) fn read_where_assigned(&self, source: usize) -> bool {
        let assigned = self.cluster.as_ref().and_then(|c| c.assigned.lock().ok());
        assigned.is_some_and(|a| a.get(source).copied().unwrap_or(false))
    }

    /// Every process's `records` summed on the driver (`None` if any is unknown); the other
    /// processes get their own back. One exchange of the batch loop's.
    pub(crate) fn records_on_driver(&self, records: Option<usize>) -> Option<usize> {
        let Some(cluster) = self.cluster.as_deref() else { return records };
        let mine = records.map_or(u64::MAX, |r| r as u64).to_le_bytes().to_vec();
        let payloads = (0..cluster.link.processes()).map(|p| if p == 0 { mine.clone() } else { Vec::new() });
        if cluster.link.process() != 0 {
            self.send_and_keep(cluster, Ok(payloads.collect()));
            return records;
        }
        let mut total = records;
        for (_, bytes) in self.send_and_keep(cluster, Ok(payloads.collect())) {
            let count = bytes.try_into().map(u64::from_le_bytes).unwrap_or(u64::MAX);
            total = total.zip((count != u64::MAX).then_some(count as usize)).map(|(a, b)| a + b);
        }
        total
    }

    /// The number of processes of the cluster (1 outside one).
    pub(crate) fn processes(&self) -> usize {
        self.cluster.as_ref().map_or(1, |c| c.link.processes())
    }

    /// An exchange of the batch loop's own (the driver's batch announcement, the plan check):
    /// `payloads[p]` to process `p`; returns what each process sent this one.
    pub(crate) fn control(&self, payloads: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
        match &self.cluster {
            Some(cluster) => cluster.link.exchange(payloads),
            None => Ok(payloads.into_iter().map(|_| Vec::new()).collect()),
        }
    }
}

/// The payload of `items`: empty when there is none (nothing is sent).
pub(super) fn encode<T: serde::Serialize>(items: &[T]) -> Result<Vec<u8>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    postcard::to_allocvec(items).map_err(|e| Error::Cluster(format!("a record did not serialise: {e}")))
}
