//! Window buffers: what a `window(W, S)` keeps between batches (spark-semantics.md §a.4).
//!
//! Every batch, the parent's records are pushed with their batch time; at each slide time
//! `T` the window holds the batches with times in `(T - W, T]`, oldest first, as Spark's
//! `WindowedDStream` unions its parent's RDDs. Early windows are partial.

use crate::time::{Duration, Time};
use std::collections::VecDeque;

/// The batches a window still needs, with their times.
#[derive(Clone, Debug)]
pub struct WindowBuffer<T> {
    length: Duration,
    batches: VecDeque<(Time, Vec<Vec<T>>)>,
}

impl<T: Clone> WindowBuffer<T> {
    /// A window `length` long.
    pub fn new(length: Duration) -> Self {
        WindowBuffer { length, batches: VecDeque::new() }
    }

    /// Adds the parent's batch at `time` and forgets batches no later window can contain.
    pub fn push(&mut self, time: Time, partitions: Vec<Vec<T>>) {
        self.batches.push_back((time, partitions));
        let oldest_kept = time.as_millis().saturating_sub(self.length.as_millis());
        while self.batches.front().is_some_and(|(t, _)| t.as_millis() <= oldest_kept) {
            self.batches.pop_front();
        }
    }

    /// The window ending at the last pushed time: every kept batch's partitions, oldest
    /// first (the partitions of a union of the batches).
    pub fn contents(&self) -> Vec<Vec<T>> {
        self.batches.iter().flat_map(|(_, parts)| parts.iter().cloned()).collect()
    }

    /// How many batches are kept.
    pub fn len(&self) -> usize {
        self.batches.len()
    }

    /// Whether no batch is kept.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(parts: Vec<Vec<i32>>) -> Vec<i32> {
        parts.concat()
    }

    #[test]
    fn keeps_batches_in_the_half_open_window() {
        let mut w = WindowBuffer::new(Duration::from_secs(2));
        w.push(Time::from_millis(1000), vec![vec![0]]);
        assert_eq!(flat(w.contents()), [0]);
        w.push(Time::from_millis(2000), vec![vec![1]]);
        assert_eq!(flat(w.contents()), [0, 1]);
        w.push(Time::from_millis(3000), vec![vec![2], vec![]]);
        assert_eq!(flat(w.contents()), [1, 2]);
        assert_eq!(w.len(), 2);
    }
}
