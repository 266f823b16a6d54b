//! What a source owes the server once a batch completed (offsets to commit, messages to
//! acknowledge), kept in batch order until [`Source::batch_completed`](super::Source::batch_completed).

use crate::time::Time;
use std::collections::VecDeque;

/// Items owed per batch time, oldest first.
#[derive(Debug)]
pub(crate) struct Completions<T>(VecDeque<(Time, T)>);

impl<T> Default for Completions<T> {
    fn default() -> Completions<T> {
        Completions(VecDeque::new())
    }
}

impl<T> Completions<T> {
    /// Owes `item` once the batch at `time` completed.
    pub(crate) fn push(&mut self, time: Time, item: T) {
        self.0.push_back((time, item));
    }

    /// Everything owed for the batches up to and including `time`, oldest first (batches
    /// complete in order, so an earlier one left here completed too).
    pub(crate) fn through(&mut self, time: Time) -> Vec<T> {
        let mut due = Vec::new();
        while self.0.front().is_some_and(|(t, _)| *t <= time) {
            due.extend(self.0.pop_front().map(|(_, item)| item));
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_batch_releases_itself_and_every_earlier_one() {
        let mut owed = Completions::default();
        owed.push(Time::from_millis(1000), 'a');
        owed.push(Time::from_millis(2000), 'b');
        owed.push(Time::from_millis(3000), 'c');
        assert_eq!(owed.through(Time::from_millis(500)), Vec::<char>::new());
        assert_eq!(owed.through(Time::from_millis(2000)), ['a', 'b']);
        assert_eq!(owed.through(Time::from_millis(3000)), ['c']);
    }
}
