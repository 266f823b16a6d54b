//! One partition of an [`IncrementalWindow`](super::IncrementalWindow)'s state: each key kept
//! once, under an id, with its window value. The batches a window keeps hold `(id, value)`
//! lists into this table, as a hand-written ring holds word ids: a batch's key is looked up
//! by its text once, when the batch is pushed; entering and leaving the window are then an
//! index into a `Vec`, and no key is written per batch.

use hashbrown::hash_table::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::{BuildHasher, Hash};

/// A key's place in a [`WindowTable`].
pub(super) type Id = u32;

/// The id of a new slot after `len` others. Ids are `u32`, as the ring's, so a kept batch's
/// `(id, value)` list stays small; a partition of a window cannot hold 2^32 keys in memory
/// anyway, but should one try, this stops with a message rather than reuse a live id.
fn next_id(len: usize) -> Id {
    Id::try_from(len).expect("a window partition holds more than 2^32 distinct keys: use more partitions")
}

/// A kept key, its value and who needs it.
#[derive(Clone, Debug)]
struct Slot<K, V> {
    /// The key and, when `in_window`, its window value (a pair, so a filter borrows
    /// `&(K, V)` as it is stored). Otherwise the value is a stale copy, never read.
    pair: (K, V),
    /// Whether the key has a window value (it entered and was not filtered out).
    in_window: bool,
    /// How many kept batch lists hold this id. A slot that is in neither the window nor any
    /// list is freed: its id (and its key's buffer) go to the next new key.
    lists: u32,
}

/// Keys by id, an index from key to id on the key's Fx hash, and the freed ids.
#[derive(Clone, Debug)]
pub(super) struct WindowTable<K, V> {
    slots: Vec<Slot<K, V>>,
    index: HashTable<Id>,
    free: Vec<Id>,
    /// How many slots are `in_window`.
    live: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> WindowTable<K, V> {
    pub(super) fn new() -> Self {
        WindowTable { slots: Vec::new(), index: HashTable::new(), free: Vec::new(), live: 0 }
    }

    fn hash(k: &K) -> u64 {
        FxBuildHasher.hash_one(k)
    }

    /// The id of `key` for one more batch list, which holds `value` under it: the key's slot,
    /// or a new one (a freed slot's key buffer is overwritten, `clone_from`).
    pub(super) fn id_for_list(&mut self, key: &K, value: &V) -> Id {
        let hash = Self::hash(key);
        let slots = &mut self.slots;
        if let Some(&id) = self.index.find(hash, |&id| slots[id as usize].pair.0 == *key) {
            slots[id as usize].lists += 1;
            return id;
        }
        let id = match self.free.pop() {
            Some(id) => {
                let slot = &mut slots[id as usize];
                slot.pair.0.clone_from(key);
                slot.pair.1 = value.clone();
                slot.lists = 1;
                id
            }
            None => {
                let id = next_id(slots.len());
                slots.push(Slot { pair: (key.clone(), value.clone()), in_window: false, lists: 1 });
                id
            }
        };
        self.index.insert_unique(hash, id, |&id| Self::hash(&slots[id as usize].pair.0));
        id
    }

    /// A key with a window value, restored from a checkpoint (in no list yet).
    pub(super) fn insert_live(&mut self, key: K, value: V) {
        let hash = Self::hash(&key);
        let slots = &mut self.slots;
        if let Some(&id) = self.index.find(hash, |&id| slots[id as usize].pair.0 == key) {
            let slot = &mut slots[id as usize];
            slot.pair.1 = value;
            if !std::mem::replace(&mut slot.in_window, true) {
                self.live += 1;
            }
            return;
        }
        let id = next_id(slots.len());
        slots.push(Slot { pair: (key, value), in_window: true, lists: 0 });
        self.index.insert_unique(hash, id, |&id| Self::hash(&slots[id as usize].pair.0));
        self.live += 1;
    }

    /// The key under `id`.
    pub(super) fn key(&self, id: Id) -> &K {
        &self.slots[id as usize].pair.0
    }

    /// A batch's `value` leaves the window: `inverse(window value, value)`. As in Spark, a
    /// value leaving a key that has no window value (filtered out) is ignored.
    pub(super) fn leave(&mut self, id: Id, value: V, inverse: impl FnOnce(V, V) -> V) {
        let slot = &mut self.slots[id as usize];
        if slot.in_window {
            slot.pair.1 = inverse(slot.pair.1.clone(), value);
        }
    }

    /// A batch's `value` enters the window: `reduce(window value, value)`, or the value itself
    /// for a key new to the window.
    pub(super) fn enter(&mut self, id: Id, value: &V, reduce: impl FnOnce(V, V) -> V) {
        let slot = &mut self.slots[id as usize];
        if slot.in_window {
            slot.pair.1 = reduce(slot.pair.1.clone(), value.clone());
        } else {
            slot.pair.1 = value.clone();
            slot.in_window = true;
            self.live += 1;
        }
    }

    /// A batch list holding `id` is gone.
    pub(super) fn release(&mut self, id: Id) {
        let slot = &mut self.slots[id as usize];
        slot.lists -= 1;
        if slot.lists == 0 && !slot.in_window {
            self.free_slot(id);
        }
    }

    /// Drops from the window the keys for which `keep` does not hold.
    pub(super) fn retain(&mut self, keep: impl Fn(&(K, V)) -> bool) {
        for id in 0..self.slots.len() {
            let slot = &mut self.slots[id];
            if slot.in_window && !keep(&slot.pair) {
                slot.in_window = false;
                self.live -= 1;
                if slot.lists == 0 {
                    self.free_slot(id as Id);
                }
            }
        }
    }

    fn free_slot(&mut self, id: Id) {
        let slots = &self.slots;
        if let Ok(entry) = self.index.find_entry(Self::hash(&slots[id as usize].pair.0), |&i| i == id) {
            entry.remove();
        }
        self.free.push(id);
    }

    /// How many keys have a window value.
    pub(super) fn len(&self) -> usize {
        self.live
    }

    /// Every key with a window value and that value, borrowed, in id order.
    pub(super) fn iter(&self) -> Live<'_, K, V> {
        Live { slots: self.slots.iter(), left: self.live }
    }
}

/// The pairs of a [`WindowTable`]'s keys with a window value ([`WindowTable::iter`]): a scan
/// of its slots that knows how many it yields (a read-out allocates its `Vec` once).
#[derive(Clone)]
pub(super) struct Live<'a, K, V> {
    slots: std::slice::Iter<'a, Slot<K, V>>,
    left: usize,
}

impl<'a, K, V> Iterator for Live<'a, K, V> {
    type Item = &'a (K, V);

    #[inline]
    fn next(&mut self) -> Option<&'a (K, V)> {
        if self.left == 0 {
            return None;
        }
        let slot = self.slots.find(|s| s.in_window)?;
        self.left -= 1;
        Some(&slot.pair)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V> ExactSizeIterator for Live<'_, K, V> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key is kept while a list or the window needs it; then its id goes to the next key.
    #[test]
    fn ids_are_kept_while_needed_and_reused_after() {
        let mut t: WindowTable<String, i64> = WindowTable::new();
        let a = t.id_for_list(&"a".to_string(), &1);
        assert_eq!(t.id_for_list(&"a".to_string(), &2), a, "one id per key");
        let b = t.id_for_list(&"b".to_string(), &3);
        t.enter(a, &1, |x, y| x + y);
        t.enter(a, &2, |x, y| x + y);
        assert_eq!(t.iter().cloned().collect::<Vec<_>>(), [("a".to_string(), 3)]);
        t.release(b);
        let c = t.id_for_list(&"c".to_string(), &4);
        assert_eq!(c, b, "b was in no list and not in the window: its id is reused");
        assert_eq!(t.key(c), "c");
        t.release(a);
        t.release(a);
        assert_eq!(t.len(), 1, "a is still in the window");
        t.retain(|(_, v)| *v != 3);
        assert_eq!(t.len(), 0);
        let d = t.id_for_list(&"d".to_string(), &5);
        assert_eq!(d, a, "a left the window and no list holds it");
        assert_ne!(t.id_for_list(&"a".to_string(), &6), a, "a is new again");
    }

    /// A value leaving a key without a window value is ignored.
    #[test]
    fn leaving_a_filtered_key_is_ignored() {
        let mut t: WindowTable<char, i64> = WindowTable::new();
        let a = t.id_for_list(&'a', &2);
        t.enter(a, &2, |x, y| x + y);
        t.retain(|_| false);
        t.leave(a, 2, |x, y| x - y);
        t.release(a);
        assert_eq!(t.iter().count(), 0);
        let a2 = t.id_for_list(&'a', &7);
        t.enter(a2, &7, |x, y| x + y);
        assert_eq!(t.iter().copied().collect::<Vec<_>>(), [('a', 7)]);
    }
}
