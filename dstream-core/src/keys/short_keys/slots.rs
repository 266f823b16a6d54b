//! The open-addressing slots of a [`StrTable`](super::StrTable): probing, filling, growing
//! into, emptying and warming them. Which key a slot holds is the table's business (its key
//! list); these slots only hold encodings and values.

use crate::keys::encoding::{is_long, slot_hash};
use std::num::NonZeroU64;

/// Slots when the first key arrives: small enough for tiny batches, large enough to skip the
/// first few doublings.
pub(super) const FIRST_CAPACITY: usize = 64;

/// One occupied slot: the key's encoding (see `encoding::encode`) and the combined value. `hi` is
/// never zero, so `Option<Slot>` needs no tag.
#[derive(Clone, Debug)]
pub(super) struct Slot<V> {
    pub(super) lo: u64,
    pub(super) hi: NonZeroU64,
    pub(super) value: V,
}

/// Where a probe for a key ended.
pub(super) enum Probe {
    /// The key's slot.
    Found(usize),
    /// The empty slot where the key belongs.
    Vacant(usize),
    /// The table has no slots yet.
    Unallocated,
}

/// Open-addressing slots (linear probing, at most 3/4 full). Which key a slot holds is kept
/// by the table's `keys` (each key with its slot), not beside the slots: an insert writes the
/// slot and appends to `keys`, one random cache line and one sequential write.
#[derive(Clone, Debug)]
pub(super) struct Slots<V> {
    pub(super) slots: Vec<Option<Slot<V>>>,
    pub(super) len: usize,
}

impl<V> Default for Slots<V> {
    fn default() -> Self {
        Slots { slots: Vec::new(), len: 0 }
    }
}

impl<V> Slots<V> {
    /// Room for `n` keys before growing; nothing allocated for `n == 0`.
    pub(super) fn with_capacity(n: usize) -> Self {
        if n == 0 {
            return Self::default();
        }
        Self::allocated(capacity_for(n))
    }

    pub(super) fn allocated(slots: usize) -> Self {
        Slots { slots: std::iter::repeat_with(|| None).take(slots).collect(), len: 0 }
    }

    /// Probes from `hash` for the slot whose encoding is `hi` and whose `lo` satisfies
    /// `matches`. An unallocated table is found out by the bounds check every probe makes
    /// anyway (its mask is all ones), not by a test of its own per key.
    #[inline(always)]
    pub(super) fn probe(&self, hash: u64, hi: NonZeroU64, matches: impl Fn(u64) -> bool) -> Probe {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = hash as usize & mask;
        loop {
            match self.slots.get(i) {
                Some(Some(slot)) if slot.hi == hi && matches(slot.lo) => return Probe::Found(i),
                Some(Some(_)) => i = (i + 1) & mask,
                Some(None) => return Probe::Vacant(i),
                None => return Probe::Unallocated,
            }
        }
    }

    /// The vacant slot for `hash` in a table given its first slots ([`Probe::Unallocated`]).
    #[cold]
    pub(super) fn allocate_for(&mut self, hash: u64) -> usize {
        *self = Self::allocated(FIRST_CAPACITY);
        hash as usize & (FIRST_CAPACITY - 1)
    }

    /// Merges `v` into the value of the occupied slot `i`.
    #[inline(always)]
    pub(super) fn combine_at<F: Fn(V, V) -> V>(&mut self, i: usize, v: V, f: F) {
        let Some(mut slot) = self.slots[i].take() else { unreachable!("occupied") };
        slot.value = f(slot.value, v);
        self.slots[i] = Some(slot);
    }

    /// Fills the vacant slot `i` (from [`Slots::probe`]); true when the slots are then more
    /// than 3/4 full (the table grows them, `StrTable::grow`).
    #[inline(always)]
    pub(super) fn fill(&mut self, i: usize, slot: Slot<V>) -> bool {
        self.slots[i] = Some(slot);
        self.len += 1;
        self.len * 4 > self.slots.len() * 3
    }

    /// Puts `slot` in the first vacant slot from its hash (growing: no key is there twice).
    pub(super) fn place(&mut self, slot: Slot<V>) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = slot_hash(hashed_lo(&slot), slot.hi) as usize & mask;
        while self.slots[i].is_some() {
            i = (i + 1) & mask;
        }
        self.slots[i] = Some(slot);
        self.len += 1;
        i
    }

    /// Empties slot `i`, if it held anything.
    #[inline(always)]
    pub(super) fn take(&mut self, i: usize) -> Option<Slot<V>> {
        let slot = self.slots[i].take()?;
        self.len -= 1;
        Some(slot)
    }

    /// Reads one slot in every cache line of the slots, in order; returns how many of those
    /// it read were occupied (none in a spare). A pooled table's slots were last touched by
    /// the previous batch's output, and the next batch's text has streamed through the cache
    /// since: the map loop's first touch of each line would be a miss to memory at a random
    /// place, which the processor cannot prefetch (on 2 partitions, two tables of most of the
    /// batch's keys: twice the lines). Read in order they arrive at the memory's streaming
    /// speed (`benches/README.md`, "cold tables"). Slots under [`WARM_FROM_BYTES`] are left
    /// as they are.
    pub(super) fn warm(&self) -> usize {
        if std::mem::size_of_val(self.slots.as_slice()) < WARM_FROM_BYTES {
            return 0;
        }
        self.slots.iter().step_by(line_step::<V>()).filter(|slot| slot.is_some()).count()
    }

    /// Empties every slot, keeping the memory (nothing to do once every slot was taken).
    pub(super) fn clear(&mut self) {
        if self.len > 0 {
            self.slots.iter_mut().for_each(|slot| *slot = None);
            self.len = 0;
        }
    }
}

/// The smallest slots [`Slots::warm`] reads: a core's second-level cache (1 MiB here). A
/// smaller table is likely still cached, and reading it cost more than it saved (0.65 MB
/// batches, a 768 KiB table on one partition: map stage 1.07 -> 1.12 ms).
pub(super) const WARM_FROM_BYTES: usize = 1 << 20;

/// Slots a step of [`Slots::warm`] goes: as many as fit in a cache line of 64 bytes (at least
/// one), so that no line is skipped.
pub(super) fn line_step<V>() -> usize {
    (64 / std::mem::size_of::<Option<Slot<V>>>()).max(1)
}

/// The `lo` a slot's hash was computed from: a long key's slot keeps where its copy starts in
/// `lo`, but was hashed (by `encoding::encode`) with 0 there.
pub(super) fn hashed_lo<V>(slot: &Slot<V>) -> u64 {
    if is_long(slot.hi) {
        0
    } else {
        slot.lo
    }
}

/// Slots for `n` keys at most 3/4 full, a power of two.
pub(super) fn capacity_for(n: usize) -> usize {
    (n * 4 / 3 + 1).next_power_of_two().max(FIRST_CAPACITY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::short_keys::StrTable;

    #[test]
    fn warming_reads_a_slot_in_every_cache_line() {
        fn covers<V>() -> bool {
            let step = line_step::<V>() * std::mem::size_of::<Option<Slot<V>>>();
            step <= 64 || line_step::<V>() == 1
        }
        assert!(covers::<u8>() && covers::<u64>() && covers::<(u64, u64)>() && covers::<[u64; 9]>());
        assert_eq!(line_step::<u64>(), 2, "24-byte slots: every other one");
        let words: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        // 65,536 slots of 24 bytes: over `WARM_FROM_BYTES`.
        let mut table = StrTable::with_capacity(40_000);
        let mut small = StrTable::with_capacity(100);
        for w in &words {
            table.merge(w, 1u64, |a, b| a + b);
            small.merge(w, 1u64, |a, b| a + b);
        }
        let read = table.short.warm();
        assert!(read > 0 && read <= 100, "some of the keys' slots are among those read: {read}");
        assert_eq!(small.short.warm(), 0, "a table under `WARM_FROM_BYTES` is not read");
        table.short.clear();
        assert_eq!(table.short.warm(), 0, "an emptied table's slots are all empty");
    }
}
