//! The size of a stateful operator's state, reported after every batch.
//!
//! Keys are counted exactly (`len()` of the tables); bytes are estimated as entries × the
//! in-memory size of one entry (`size_of` of key and value), which leaves out what the
//! entries point to on the heap (a `String`'s characters) and the tables' spare capacity.
//! The estimate costs a few additions per partition, nothing per key.

use crate::ops::state::StateStore;
use crate::ops::window::{IncrementalWindow, WindowBuffer};

/// A stateful operator's state, as the statistics measure it.
pub trait StateSize {
    /// Keys with state (records kept, for a window's buffer).
    fn state_keys(&self) -> u64;
    /// The estimated bytes of that state.
    fn state_bytes(&self) -> u64;
}

impl<K, S> StateSize for StateStore<K, S> {
    fn state_keys(&self) -> u64 {
        self.len() as u64
    }
    fn state_bytes(&self) -> u64 {
        self.state_keys() * std::mem::size_of::<(K, S)>() as u64
    }
}

impl<T: Clone> StateSize for WindowBuffer<T> {
    fn state_keys(&self) -> u64 {
        self.kept_records() as u64
    }
    fn state_bytes(&self) -> u64 {
        self.state_keys() * std::mem::size_of::<T>() as u64
    }
}

impl<K, V> StateSize for IncrementalWindow<K, V>
where
    K: std::hash::Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
{
    fn state_keys(&self) -> u64 {
        self.kept_entries() as u64
    }
    fn state_bytes(&self) -> u64 {
        self.state_keys() * std::mem::size_of::<(K, V)>() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Duration, Time};

    #[test]
    fn a_window_buffer_counts_the_records_it_keeps() {
        let mut window = WindowBuffer::<u32>::new(Duration::from_millis(2000));
        window.push(Time::from_millis(1000), vec![vec![1, 2], vec![3]]);
        window.push(Time::from_millis(2000), vec![vec![4]]);
        assert_eq!((window.state_keys(), window.state_bytes()), (4, 16));
        window.push(Time::from_millis(3000), vec![]);
        assert_eq!(window.state_keys(), 1, "the batch at 1000 left the window");
    }

    #[test]
    fn a_state_store_counts_its_keys() {
        let store = StateStore::<u64, u64>::new(vec![(1, 10), (2, 20)]);
        assert_eq!((store.state_keys(), store.state_bytes()), (2, 32));
    }
}
