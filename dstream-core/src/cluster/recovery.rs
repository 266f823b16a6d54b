//! Checkpoints and recovery on a cluster (docs/cluster.md, "Checkpoints and recovery").
//!
//! Each process checkpoints its own share into `<dir>/process-<i>/`: the state of the
//! partitions it owns, its sources' positions and its batch log. All of them checkpoint at
//! the same batch times: the due rule depends only on the batch time and the zero time, which
//! the driver announces, and the last batch of a graceful stop is announced as such.
//!
//! A process may lack the newest checkpoint of another (it was killed while writing it, or
//! its writer was behind), so at start every process offers the batch times of the readable
//! checkpoints it holds, and all resume from the newest time that every process holds,
//! loading that exact checkpoint. The batches after it run again, each process on the input
//! its own batch log recorded for them. A common checkpoint always exists once the cluster
//! has started: the processes run in lockstep (every batch is announced in an exchange), a
//! process's writer holds at most three checkpoints not yet written, and each process keeps
//! its newest [`checkpoint::KEEP`]. Before its first batch every process writes its start
//! (the checkpoint of the zero time) and then waits for every other to have written its own.

use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::job::Job;
use crate::persist::checkpoint;
use crate::time::clock::Clock;
use crate::time::Time;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Where each process checkpoints under the program's checkpoint directory.
pub(crate) fn process_directory(process: usize) -> String {
    format!("process-{process}")
}

/// Moves the job's checkpoints into this process's directory, agrees with the others on the
/// checkpoint to resume from, and applies it (or starts fresh): the last batch time it holds.
/// Every process calls it at the same point, after the plans agree.
pub(crate) fn recover(job: &mut Job, exec: &Executor, me: usize) -> Result<Option<Time>> {
    job.checkpoint_into_sub_directory(&process_directory(me));
    let offer: Option<Vec<u64>> = match job.checkpoint_dir() {
        Some(dir) => Some(checkpoint::readable_times(dir)?.iter().map(|t| t.as_millis()).collect()),
        None => None,
    };
    let offers = share(exec, me, &offer)?;
    let Some(dir) = job.checkpoint_dir().map(std::path::Path::to_path_buf) else {
        return match offers.iter().position(Option::is_some) {
            Some(peer) => Err(checkpointing_differs(peer, me)),
            None => Ok(None),
        };
    };
    let recovered = match common_time(&offers).map_err(|peer| checkpointing_differs(peer, me))? {
        Some(ms) => {
            let time = Time::from_millis(ms);
            tracing::info!(process = me, batch = %time, "every process holds the checkpoint of this batch: resuming from it");
            if let Some(newest) = offers[me].iter().flatten().copied().max().filter(|newest| *newest > ms) {
                tracing::info!(
                    process = me,
                    newest,
                    "this process holds a newer checkpoint than every process does: it is not used"
                );
            }
            Some(checkpoint::load_at(&dir, time)?)
        }
        None => {
            if offers.iter().flatten().any(|times| !times.is_empty()) {
                tracing::warn!(process = me, dir = %dir.display(), "no checkpoint is held by every process: starting fresh on every process (the checkpoints there are ignored)");
            } else {
                tracing::info!(process = me, dir = %dir.display(), "no checkpoint yet: starting fresh");
            }
            None
        }
    };
    job.resume_from(recovered)
}

/// Before the first batch: the time it runs at. After a recovery, one interval after the
/// recovered batch (the batches whose times passed run at once, back to back). Fresh, the
/// driver's next grid time, shared with every process; each process then sets the zero time,
/// writes its start checkpoint, and waits until every other has written its own, so that a
/// crash after the first batch always finds a checkpoint common to all.
pub(crate) fn first_batch(
    job: &mut Job,
    exec: &Executor,
    me: usize,
    clock: &dyn Clock,
    recovered: Option<Time>,
) -> Result<Time> {
    job.start_checkpoint_writer();
    if let Some(last) = recovered {
        return Ok(last.plus(job.batch_interval));
    }
    let driver = (me == 0).then(|| clock.now().next_grid_point(job.batch_interval).as_millis());
    let first = share(exec, me, &driver)?
        .into_iter()
        .next()
        .flatten()
        .map(Time::from_millis)
        .ok_or_else(|| Error::Cluster("the driver did not announce the first batch time".into()))?;
    // Windows slide from one interval before the first batch (Spark's `zeroTime`).
    job.zero_time = first.minus(job.batch_interval);
    job.checkpoint_start()?;
    share(exec, me, &())?;
    Ok(first)
}

/// Every process sends `value` to every other: what each process sent, in process order.
fn share<T: Serialize + DeserializeOwned + Clone>(exec: &Executor, me: usize, value: &T) -> Result<Vec<T>> {
    let bytes = postcard::to_allocvec(value).map_err(|e| Error::Cluster(e.to_string()))?;
    let processes = exec.processes();
    let arrived = exec.control((0..processes).map(|_| bytes.clone()).collect())?;
    arrived
        .iter()
        .enumerate()
        .map(|(p, bytes)| match p == me {
            true => Ok(value.clone()),
            false => postcard::from_bytes(bytes).map_err(|e| {
                Error::Cluster(format!(
                    "process {p}'s start-up message did not decode ({e}): do the processes run the same program?"
                ))
            }),
        })
        .collect()
}

/// The newest batch time every process offers (`None`: none is common), or the first process
/// that does not checkpoint when another does.
fn common_time(offers: &[Option<Vec<u64>>]) -> std::result::Result<Option<u64>, usize> {
    let mut all = offers.iter().enumerate().map(|(p, offer)| offer.as_ref().ok_or(p));
    let Some(first) = all.next().transpose()? else { return Ok(None) };
    let mut common: Vec<u64> = first.clone();
    for offer in all {
        let offer = offer?;
        common.retain(|t| offer.contains(t));
    }
    Ok(common.into_iter().max())
}

/// The error of a cluster whose processes do not all checkpoint.
fn checkpointing_differs(peer: usize, me: usize) -> Error {
    Error::Cluster(format!(
        "process {peer} and process {me} disagree on checkpointing (one has a `checkpoint(..)` setting, the other not): every process must run the same program with the same settings"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_time_every_process_holds_is_common() {
        let offers = [Some(vec![0, 400, 800, 1200]), Some(vec![0, 400, 800])];
        assert_eq!(common_time(&offers), Ok(Some(800)));
        let offers = [Some(vec![400, 800]), Some(vec![800, 1200]), Some(vec![0, 800])];
        assert_eq!(common_time(&offers), Ok(Some(800)));
        assert_eq!(common_time(&[Some(vec![0]), Some(vec![])]), Ok(None), "a process with none");
        assert_eq!(common_time(&[Some(vec![400]), Some(vec![800])]), Ok(None), "disjoint");
    }

    #[test]
    fn a_process_without_checkpointing_is_named() {
        assert_eq!(common_time(&[Some(vec![0]), None]), Err(1));
        assert_eq!(common_time(&[None, Some(vec![0])]), Err(0));
    }
}
