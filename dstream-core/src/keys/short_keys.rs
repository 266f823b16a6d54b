//! A combining table for text keys that compares keys without touching the text.
//!
//! Word count spends its time in the table: with `&str` keys a generic hash map compares every
//! lookup against the stored key's bytes, which lie wherever the word first occurred in the
//! batch's buffer, so each lookup costs a call to `memcmp` and, for all but the most frequent
//! words, a cache miss. [`StrTable`] keeps a key of up to 15 bytes in its entry, with its
//! length, as two `u64`s (an exact encoding, compared with two integer comparisons); for longer
//! keys the entry holds a hash and where the table's own copy of the key starts, and a match
//! of the hash is confirmed against that copy (one memory access, not two: the batch's text
//! where the key first occurred is cold by then). The keys are kept in a side vector in the
//! order they arrived, each with where its slot is, read only to return results: an insert
//! writes its slot and appends to that vector (no third array indexed by slot), and the
//! results are read in that order, so the keys' text (where each first occurred) is read
//! forwards through the batch rather than at random. Entries are 24 bytes for `u64` values
//! (100,000 words fit in 3 MiB; the lookups are memory-bound, so entry size is speed). A
//! hit reads one slot and nothing else. The generated code picks this table for `&str` keys and a
//! [`Combiner`](crate::keys::combine::Combiner) for every other key type (see [`TableFor`]).

use crate::keys::combine::{CombineTable, TableSize};
use crate::keys::encoding::{encode, encode_short_in, read_u32, slot_hash, INLINE_BYTES};
use std::num::NonZeroU64;

pub use crate::keys::choose::{AnyKeyTable, SpecialKeyTable, TableFor};

mod slots;

use slots::{capacity_for, hashed_lo, Probe, Slot, Slots};

/// A map from `&str` key to combined value: open addressing with linear probing, at most 3/4
/// full. Short and long keys live in separate slots: nearly every lookup in natural text is
/// of a short key, and the short keys' slots alone are half the memory of all keys' slots,
/// which keeps more of them in cache.
///
/// A table from a stage's pool (`TableHint`) gives its memory back to the pool when it is
/// emptied and dropped, for the next batch's table: no allocator calls and no page faults
/// in steady state.
#[derive(Clone, Debug)]
pub struct StrTable<'a, V> {
    /// Keys of up to [`INLINE_BYTES`], matched on their encoding.
    short: Slots<V>,
    /// Longer keys, matched on a hash and then on the table's copy in `long_keys`.
    long: Slots<V>,
    /// The keys in the order they arrived, each with where its slot is ([`Place`]): what the
    /// table's reader walks, so that it reads the keys' text (a batch's, where each key first
    /// occurred) in the order it lies in memory.
    keys: Vec<(&'a str, Place)>,
    /// Copies of the long keys, each as its length (4 bytes, little-endian) and its bytes.
    long_keys: Vec<u8>,
    /// Where the table's memory goes when it is dropped (a pooled table).
    recycle: Option<Recycle<V>>,
}

impl<V> Default for StrTable<'_, V> {
    fn default() -> Self {
        StrTable {
            short: Slots::default(),
            long: Slots::default(),
            keys: Vec::new(),
            long_keys: Vec::new(),
            recycle: None,
        }
    }
}

impl<V> Drop for StrTable<'_, V> {
    fn drop(&mut self) {
        if let Some(recycle) = self.recycle.take() {
            (recycle.0)(self.take_spare());
        }
    }
}

/// The memory of an emptied [`StrTable`], without its borrow of the batch: what a pool keeps
/// between batches.
#[derive(Debug)]
pub(crate) struct StrSpare<V> {
    short: Slots<V>,
    long: Slots<V>,
    keys: Vec<(&'static str, Place)>,
    long_keys: Vec<u8>,
}

impl<V> StrSpare<V> {
    /// Slots of the short keys' part: the table's size.
    pub(crate) fn short_slots(&self) -> usize {
        self.short.slots.len()
    }
}

/// Gives an emptied table's memory back to its pool.
pub(crate) struct Recycle<V>(pub(crate) std::sync::Arc<dyn Fn(StrSpare<V>) + Send + Sync>);

impl<V> Clone for Recycle<V> {
    fn clone(&self) -> Self {
        Recycle(std::sync::Arc::clone(&self.0))
    }
}

impl<V> std::fmt::Debug for Recycle<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recycle")
    }
}

/// The slots a table needs for `n` keys (none for 0).
pub(crate) fn slots_for(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        capacity_for(n)
    }
}

/// Where a key's slot is: its index in the short keys' slots, or with [`Place::LONG`] set in
/// the long keys'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Place(u32);

impl Place {
    const LONG: u32 = 1 << 31;

    #[inline(always)]
    fn new(slot: usize, long: bool) -> Place {
        let slot = u32::try_from(slot).ok().filter(|&i| i < Place::LONG).expect("under 2^31 slots");
        Place(if long { slot | Place::LONG } else { slot })
    }

    /// The slot's index, and whether it is a long key's.
    #[inline(always)]
    fn get(self) -> (usize, bool) {
        ((self.0 & !Place::LONG) as usize, self.0 & Place::LONG != 0)
    }
}

/// An empty `Vec` of keys without a borrow in the memory of `keys`: the standard library
/// collects a `Vec`'s `into_iter().map(..)` into the same allocation when the element
/// layouts match (`keys_keep_their_memory_without_their_borrow` checks that it still does).
fn unborrowed(mut keys: Vec<(&str, Place)>) -> Vec<(&'static str, Place)> {
    keys.clear();
    keys.into_iter().map(|(_, place)| ("", place)).collect()
}

impl<'a, V> StrTable<'a, V> {
    /// An empty table with room for `n` keys before it grows, as natural text's distinct
    /// words are: `n` short ones and a quarter as many long ones. (Starting the long part
    /// empty saved zeroing it where no key is long, but each doubling is two more allocator
    /// calls: 26-56 more per batch on 2 partitions in the `wordcount` bench's corpus.)
    pub fn with_capacity(n: usize) -> Self {
        Self::with_size(TableSize { keys: n, apart: n / 4 })
    }

    /// An empty table with room for `size.keys` short keys and `size.apart` long ones.
    pub fn with_size(size: TableSize) -> Self {
        let (short, long) = (size.keys, size.apart);
        let keys = Vec::with_capacity(short + long);
        // Room for the copies, some 20 bytes each, so that they rarely reallocate.
        let long_keys = Vec::with_capacity(long * 24);
        StrTable {
            short: Slots::with_capacity(short),
            long: Slots::with_capacity(long),
            keys,
            long_keys,
            recycle: None,
        }
    }

    /// A table in the memory of `spare` (emptied), with room for `size` keys, that gives its
    /// memory to `recycle` when dropped.
    pub(crate) fn from_spare(spare: Option<StrSpare<V>>, size: TableSize, recycle: Recycle<V>) -> Self {
        let mut table = match spare {
            Some(spare) => {
                // Its slots are cold by now: read them in order first (`black_box` keeps
                // the reads, whose result nothing else needs).
                std::hint::black_box(spare.short.warm() + spare.long.warm());
                StrTable {
                    short: spare.short,
                    long: spare.long,
                    keys: spare.keys,
                    long_keys: spare.long_keys,
                    recycle: None,
                }
            }
            None => StrTable::with_size(size),
        };
        if table.long.slots.is_empty() && size.apart > 0 {
            table.long = Slots::with_capacity(size.apart);
        }
        table.keys.reserve(size.keys + size.apart);
        table.recycle = Some(recycle);
        table
    }

    /// The table's memory, emptied, without its borrow; the table is left empty and
    /// unallocated.
    fn take_spare(&mut self) -> StrSpare<V> {
        self.short.clear();
        self.long.clear();
        let mut long_keys = std::mem::take(&mut self.long_keys);
        long_keys.clear();
        StrSpare {
            short: std::mem::take(&mut self.short),
            long: std::mem::take(&mut self.long),
            keys: unborrowed(std::mem::take(&mut self.keys)),
            long_keys,
        }
    }

    /// Where the short keys' slots lie in memory (for tests of reuse).
    #[cfg(test)]
    pub(crate) fn short_slots_ptr(&self) -> *const () {
        self.short.slots.as_ptr().cast()
    }

    /// The numbers of short keys and (apart) long keys: where the next batch's table starts
    /// (see [`TableHint`]).
    pub fn size(&self) -> TableSize {
        TableSize { keys: self.short.len, apart: self.long.len }
    }

    /// Inserts `v` under `key`, or merges it into the value already there with `f(old, v)`.
    #[inline(always)]
    pub fn merge<F: Fn(V, V) -> V>(&mut self, key: &'a str, v: V, f: F) {
        let (lo, hi) = encode(key.as_bytes());
        self.merge_encoded(lo, hi, key, v, f);
    }

    /// [`StrTable::merge`] for a key that is likely a slice of `home`: its bytes are read from
    /// `home` in two 8-byte loads and masked, not in loads sized by its length (whose
    /// branches, on the length of each word, the processor mispredicts).
    #[inline(always)]
    pub fn merge_in<F: Fn(V, V) -> V>(&mut self, home: &[u8], key: &'a str, v: V, f: F) {
        match encode_short_in(home, key.as_bytes()) {
            Some((lo, hi)) => self.merge_short(lo, hi, key, v, f),
            None => self.merge(key, v, f),
        }
    }

    /// [`StrTable::merge`] with the key's encoding already made (by [`encode`]).
    #[inline(always)]
    fn merge_encoded<F: Fn(V, V) -> V>(&mut self, lo: u64, hi: NonZeroU64, key: &'a str, v: V, f: F) {
        if key.len() > INLINE_BYTES {
            return self.merge_long(hi, key, v, f);
        }
        self.merge_short(lo, hi, key, v, f);
    }

    /// [`StrTable::merge_encoded`] for a key of at most [`INLINE_BYTES`].
    #[inline(always)]
    fn merge_short<F: Fn(V, V) -> V>(&mut self, lo: u64, hi: NonZeroU64, key: &'a str, v: V, f: F) {
        let hash = slot_hash(lo, hi);
        let i = match self.short.probe(hash, hi, |stored| stored == lo) {
            Probe::Found(i) => return self.short.combine_at(i, v, f),
            Probe::Vacant(i) => i,
            Probe::Unallocated => self.short.allocate_for(hash),
        };
        self.keys.push((key, Place::new(i, false)));
        if self.short.fill(i, Slot { lo, hi, value: v }) {
            self.grow(false);
        }
    }

    /// [`StrTable::merge_encoded`] for a long key (`hi` its hash): out of line, to keep the
    /// loop of the short keys small.
    #[inline(never)]
    fn merge_long<F: Fn(V, V) -> V>(&mut self, hi: NonZeroU64, key: &'a str, v: V, f: F) {
        let copies = &self.long_keys;
        let hash = slot_hash(0, hi);
        let i = match self.long.probe(hash, hi, |at| long_key_at(copies, at) == key.as_bytes()) {
            Probe::Found(i) => return self.long.combine_at(i, v, f),
            Probe::Vacant(i) => i,
            Probe::Unallocated => self.long.allocate_for(hash),
        };
        self.keys.push((key, Place::new(i, true)));
        let at = self.copy_long_key(key);
        if self.long.fill(i, Slot { lo: at, hi, value: v }) {
            self.grow(true);
        }
    }

    /// Doubles the short (or `long`) keys' slots, and moves their keys' places.
    #[cold]
    fn grow(&mut self, long: bool) {
        let slots = if long { &mut self.long } else { &mut self.short };
        let mut old = std::mem::replace(slots, Slots::allocated(slots.slots.len() * 2));
        for (_, place) in &mut self.keys {
            let (i, in_long) = place.get();
            if in_long == long {
                let slot = old.take(i).expect("a key's slot is occupied");
                *place = Place::new(slots.place(slot), long);
            }
        }
    }

    /// Copies a long key into `long_keys`; returns where the copy starts.
    fn copy_long_key(&mut self, key: &str) -> u64 {
        let at = self.long_keys.len();
        let len = u32::try_from(key.len()).expect("keys under 4 GiB");
        self.long_keys.extend_from_slice(&len.to_le_bytes());
        self.long_keys.extend_from_slice(key.as_bytes());
        at as u64
    }

    /// Empties the slot at `place`, if it held anything.
    #[inline(always)]
    fn take(&mut self, place: Place) -> Option<Slot<V>> {
        let (i, long) = place.get();
        if long {
            self.long.take(i)
        } else {
            self.short.take(i)
        }
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        // A long key's encoding has `lo == 0`, the `lo` its slot was hashed with.
        let (lo, hi) = encode(key.as_bytes());
        let long = key.len() > INLINE_BYTES;
        let slots = if long { &self.long } else { &self.short };
        let matches = |stored: u64| {
            if long {
                long_key_at(&self.long_keys, stored) == key.as_bytes()
            } else {
                stored == lo
            }
        };
        match slots.probe(slot_hash(lo, hi), hi, matches) {
            Probe::Found(i) => slots.slots[i].as_ref().map(|slot| &slot.value),
            Probe::Vacant(_) | Probe::Unallocated => None,
        }
    }
}

/// The copy of a long key starting at `at` in a table's `long_keys`.
#[inline(always)]
fn long_key_at(copies: &[u8], at: u64) -> &[u8] {
    let at = at as usize;
    let len = read_u32(&copies[at..at + 4]) as usize;
    &copies[at + 4..at + 4 + len]
}

/// The (key, value) pairs of a [`StrTable`], in the order the keys first arrived. The slots
/// are emptied as they are read, so that a pooled table goes back to its pool clean when the
/// iterator is dropped (a table left half read is cleared then).
pub struct IntoIter<'a, V> {
    table: StrTable<'a, V>,
    /// The next key to read.
    at: usize,
}

impl<'a, V> Iterator for IntoIter<'a, V> {
    type Item = (&'a str, V);

    #[inline]
    fn next(&mut self) -> Option<(&'a str, V)> {
        let table = &mut self.table;
        let &(key, place) = table.keys.get(self.at)?;
        self.at += 1;
        let slot = table.take(place).expect("a key's slot is occupied");
        Some((key, slot.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.table.keys.len() - self.at;
        (remaining, Some(remaining))
    }
}

impl<V> ExactSizeIterator for IntoIter<'_, V> {}

impl<'a, V> IntoIterator for StrTable<'a, V> {
    type Item = (&'a str, V);
    type IntoIter = IntoIter<'a, V>;

    fn into_iter(self) -> IntoIter<'a, V> {
        IntoIter { table: self, at: 0 }
    }
}

/// A key and its value on their way from a map-side [`StrTable`] to a reduce-side one, with
/// the key's encoding, so that neither side reads the key's text again (it is cold by then).
pub struct ShippedKey<'a, V> {
    lo: u64,
    hi: NonZeroU64,
    key: &'a str,
    value: V,
}

/// Between processes a shipped key travels as its text and value; the receiver encodes it
/// again (a long key's `lo` is an index into the sender's copies, meaningless elsewhere).
impl<V: serde::Serialize> serde::Serialize for ShippedKey<'_, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&(self.key, &self.value), serializer)
    }
}

impl<'de: 'a, 'a, V: serde::Deserialize<'de>> serde::Deserialize<'de> for ShippedKey<'a, V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (key, value): (&'a str, V) = serde::Deserialize::deserialize(deserializer)?;
        let (lo, hi) = encode(key.as_bytes());
        Ok(ShippedKey { lo, hi, key, value })
    }
}

impl<'a, V: Send> CombineTable<&'a str, V> for StrTable<'a, V> {
    type Shipped = ShippedKey<'a, V>;

    fn with_capacity(n: usize) -> Self {
        StrTable::with_capacity(n)
    }

    /// Partitions by the encoding's hash (the same function in every map task): the high bits
    /// of the slot hash, which the slot index does not use.
    fn ship(&mut self, partitions: usize) -> Vec<Vec<ShippedKey<'a, V>>> {
        if self.is_empty() {
            // A partition without records allocates nothing.
            return (0..partitions).map(|_| Vec::new()).collect();
        }
        let expected = self.len() / partitions + self.len() / (8 * partitions) + 16;
        let mut out: Vec<Vec<ShippedKey<'a, V>>> =
            (0..partitions).map(|_| Vec::with_capacity(expected)).collect();
        let partitions = partitions as u128;
        for &(key, place) in &self.keys {
            let (i, long) = place.get();
            let slots = if long { &mut self.long } else { &mut self.short };
            let slot = slots.take(i).expect("a key's slot is occupied");
            // A long key's `lo` points into this table's copies; the receiver makes its own.
            let (lo, hi, value) = (hashed_lo(&slot), slot.hi, slot.value);
            // By the high bits of the slot hash (the same function in every map task), which
            // the slot index does not use.
            let part = ((u128::from(slot_hash(lo, hi)) * partitions) >> 64) as usize;
            out[part].push(ShippedKey { lo, hi, key, value });
        }
        self.keys.clear();
        self.long_keys.clear();
        out
    }

    fn reserve(&mut self, n: usize) {
        if self.short.slots.is_empty() && n > 0 {
            self.short = Slots::with_capacity(n);
            if self.long.slots.is_empty() {
                self.long = Slots::with_capacity(n / 4);
            }
            self.keys.reserve(n + n / 4);
        }
    }

    #[inline(always)]
    fn receive<F: Fn(V, V) -> V>(&mut self, item: ShippedKey<'a, V>, f: F) {
        self.merge_encoded(item.lo, item.hi, item.key, item.value, f)
    }

    /// Takes `other`'s keys in the order they arrived there, with the encodings its slots
    /// hold (no key's text is read again), as `ship` and `receive` would, without the
    /// shipped copies.
    fn absorb<F: Fn(V, V) -> V>(&mut self, mut other: Self, f: F) {
        let keys = std::mem::take(&mut other.keys);
        for &(key, place) in &keys {
            let slot = other.take(place).expect("a key's slot is occupied");
            self.merge_encoded(hashed_lo(&slot), slot.hi, key, slot.value, &f);
        }
        // Its memory back to `other`, which returns it to its pool when dropped.
        other.keys = keys;
        other.keys.clear();
        other.long_keys.clear();
    }

    #[inline]
    fn merge<F: Fn(V, V) -> V>(&mut self, k: &'a str, v: V, f: F) {
        StrTable::merge(self, k, v, f)
    }

    #[inline(always)]
    fn merge_in<F: Fn(V, V) -> V>(&mut self, home: &[u8], k: &'a str, v: V, f: F) {
        StrTable::merge_in(self, home, k, v, f)
    }

    fn len(&self) -> usize {
        StrTable::len(self)
    }

    fn size(&self) -> TableSize {
        StrTable::size(self)
    }

    fn with_size(size: TableSize) -> Self {
        StrTable::with_size(size)
    }
}

pub use super::pool::TableHint;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::combine::Combiner;
    use crate::keys::dense_keys::DenseTable;
    use crate::keys::encoding::low_bytes;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn keys_keep_their_memory_without_their_borrow() {
        let text = String::from("a b c");
        let mut keys: Vec<(&str, Place)> = Vec::with_capacity(100);
        keys.extend(text.split(' ').map(|k| (k, Place::new(0, false))));
        let memory = keys.as_ptr().cast::<()>();
        let kept = unborrowed(keys);
        drop(text);
        assert!(kept.is_empty());
        assert_eq!(kept.capacity(), 100);
        assert_eq!(kept.as_ptr().cast::<()>(), memory, "the same allocation");
    }

    #[test]
    fn pairs_come_in_the_order_their_keys_first_arrived_after_growing() {
        let words: Vec<String> = (0..500)
            .map(
                |i| if i % 3 == 0 { format!("a-key-longer-than-fifteen-bytes-{i}") } else { format!("w{i}") },
            )
            .collect();
        let mut table = StrTable::with_capacity(0);
        for round in 1..=2u64 {
            for w in &words {
                table.merge(w.as_str(), round, |a, b| a + b);
            }
        }
        assert!(table.short.slots.len() > slots::FIRST_CAPACITY, "the short keys' slots grew");
        let pairs: Vec<(&str, u64)> = table.into_iter().collect();
        let expected: Vec<(&str, u64)> = words.iter().map(|w| (w.as_str(), 3)).collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn low_bytes_masks_exactly_n_bytes() {
        for n in 0..=8 {
            assert_eq!(low_bytes(n), ((1u128 << (8 * n)) - 1) as u64, "n = {n}");
        }
    }

    #[test]
    fn short_keys_are_encoded_exactly() {
        let text = "abcdefghijklmnopq";
        for len in 0..=INLINE_BYTES {
            let (lo, hi) = encode(&text.as_bytes()[..len]);
            let mut padded = [0u8; 16];
            padded[..len].copy_from_slice(&text.as_bytes()[..len]);
            padded[15] = len as u8 + 1;
            assert_eq!(lo, u64::from_le_bytes(padded[..8].try_into().unwrap()), "lo, len {len}");
            assert_eq!(hi.get(), u64::from_le_bytes(padded[8..].try_into().unwrap()), "hi, len {len}");
        }
    }

    #[test]
    fn absorbing_a_table_merges_its_keys_after_this_tables_own_in_arrival_order() {
        let long = "a key of more than fifteen bytes";
        let mut into = StrTable::with_capacity(0);
        for k in ["a", long, "b"] {
            into.merge(k, 1u64, |a, b| a + b);
        }
        let mut other = StrTable::with_capacity(0);
        for k in ["c", "b", long, "another key longer than fifteen", "c"] {
            other.merge(k, 10u64, |a, b| a + b);
        }
        into.absorb(other, |a, b| a + b);
        assert_eq!(into.size(), TableSize { keys: 3, apart: 2 });
        let pairs: Vec<(&str, u64)> = into.into_iter().collect();
        assert_eq!(
            pairs,
            [("a", 1), (long, 11), ("b", 11), ("c", 20), ("another key longer than fifteen", 10)]
        );
    }

    #[test]
    fn keys_that_differ_only_in_length_or_padding_stay_apart() {
        let mut t = StrTable::default();
        let keys = ["a", "a\0", "a\0\0", "", "abcdefgh", "abcdefgh\0", "abcdefghabcdefgh", "bcdefghabcdefgh"];
        // Longer than 16 bytes with the same first and last 8 bytes and length.
        let long = ["abcdefgh-1-ijklmnop", "abcdefgh-2-ijklmnop"];
        for k in keys.iter().chain(&long) {
            t.merge(k, 1, |a, b| a + b);
        }
        assert_eq!(t.len(), 10);
        t.merge(long[1], 2, |a, b| a + b);
        assert_eq!(t.get(long[1]), Some(&3));
        assert_eq!(t.get(long[0]), Some(&1));
        t.merge("a\0", 5, |a, b| a + b);
        assert_eq!(t.get("a\0"), Some(&6));
        assert_eq!(t.get("a"), Some(&1));
    }

    #[test]
    #[allow(clippy::needless_borrow)] // the double borrow is how the table is chosen
    fn chooser_picks_the_inline_table_for_text_keys_and_the_array_for_dense_keys() {
        let word = "w";
        let text: StrTable<'_, u64> = (&&TableFor::of(&word)).new_table(TableSize::default());
        assert!(text.is_empty());
        let number: Combiner<u32, u64> = (&&TableFor::of(&7u32)).new_table(TableSize { keys: 10, apart: 0 });
        assert!(number.is_empty());
        let small: DenseTable<bool, u64> =
            (&&TableFor::of(&true)).new_table(TableSize { keys: 10, apart: 0 });
        assert!(small.is_empty());
    }

    #[test]
    fn the_next_batch_starts_with_room_for_both_kinds_of_key() {
        let long: Vec<String> = (0..300).map(|i| format!("a-key-longer-than-fifteen-bytes-{i}")).collect();
        let short: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
        let mut table = StrTable::with_capacity(0);
        for k in long.iter().chain(&short) {
            table.merge(k, 1u64, |a, b| a + b);
        }
        assert_eq!(table.size(), TableSize { keys: 20, apart: 300 });

        let hint = TableHint::default();
        hint.remember(&[table, StrTable::with_capacity(0)]);
        let exec = crate::exec::Executor::new(1);
        exec.begin_batch();
        exec.note_source_records(Some(100));
        assert_eq!(hint.capacity(&exec), TableSize { keys: 20, apart: 100 }, "capped by the batch's records");
        exec.note_source_records(Some(10_000));
        let size = hint.capacity(&exec);
        assert_eq!(size, TableSize { keys: 20, apart: 300 });

        let mut next = StrTable::with_size(size);
        let slots = (next.short.slots.len(), next.long.slots.len());
        for k in long.iter().chain(&short) {
            next.merge(k, 1u64, |a, b| a + b);
        }
        assert_eq!((next.short.slots.len(), next.long.slots.len()), slots, "no part grew");
    }

    proptest! {
        /// Map-side tables shipped into reduce partitions and received there hold every key
        /// once, in one partition, with the sum of all its values (short and long keys).
        #[test]
        fn shipped_tables_merge_to_the_sums(
            words in proptest::collection::vec("[ab]{0,3}|[ab]{14,18}", 0..200),
            partitions in 1usize..4,
        ) {
            let mut expected: HashMap<&str, u64> = HashMap::new();
            let mut tables = vec![StrTable::with_capacity(0), StrTable::with_capacity(0), StrTable::with_capacity(0)];
            for (i, w) in words.iter().enumerate() {
                tables[i % 2].merge(w.as_str(), i as u64, |a, b| a + b);
                *expected.entry(w.as_str()).or_insert(0) += i as u64;
            }
            let mut reduced: Vec<StrTable<'_, u64>> = (0..partitions).map(|_| StrTable::with_capacity(0)).collect();
            for mut table in tables {
                let buckets = table.ship(partitions);
                prop_assert_eq!(buckets.len(), partitions);
                prop_assert!(table.is_empty(), "shipping empties the table");
                let emptied: Vec<(&str, u64)> = table.into_iter().collect();
                prop_assert!(emptied.is_empty());
                for (to, bucket) in reduced.iter_mut().zip(buckets) {
                    for item in bucket {
                        to.receive(item, |a, b| a + b);
                    }
                }
            }
            let mut got: HashMap<&str, u64> = HashMap::new();
            for table in reduced {
                for (k, v) in table {
                    prop_assert!(got.insert(k, v).is_none(), "{:?} in two partitions", k);
                }
            }
            prop_assert_eq!(got, expected);
        }

        /// Reading a key from the text it lies in gives the same encoding as reading it alone,
        /// wherever it lies (near the end, across the 16-byte window) and for keys elsewhere.
        #[test]
        fn encoding_in_a_home_text_is_the_same(
            home in proptest::collection::vec(any::<u8>(), 0..80),
            cuts in proptest::collection::vec((0usize..80, 0usize..24), 1..20),
        ) {
            let other = vec![7u8; 24];
            for (start, len) in cuts {
                let start = start.min(home.len());
                let end = (start + len).min(home.len());
                let key = &home[start..end];
                let short = (key.len() <= INLINE_BYTES).then(|| encode(key));
                let in_home = home.len() - start >= 16;
                prop_assert_eq!(encode_short_in(&home, key), short.filter(|_| in_home));
                prop_assert_eq!(encode_short_in(&other, key), None);
                prop_assert_eq!(encode_short_in(&[], key), None);
            }
        }

        /// Keys that are slices of a home text, merged with `merge_in`, and keys from elsewhere
        /// give the same sums as a `HashMap`.
        #[test]
        fn sums_in_a_home_text_match_a_hash_map(words in proptest::collection::vec("[a-c é]{0,30}", 0..300)) {
            let home = words.join(" ");
            let mut table = StrTable::with_capacity(4);
            let mut expected: HashMap<&str, u64> = HashMap::new();
            for (i, w) in home.split(' ').chain(words.iter().map(String::as_str)).enumerate() {
                table.merge_in(home.as_bytes(), w, i as u64, |a, b| a + b);
                *expected.entry(w).or_insert(0) += i as u64;
            }
            prop_assert_eq!(table.len(), expected.len());
            let collected: HashMap<&str, u64> = table.into_iter().collect();
            prop_assert_eq!(collected, expected);
        }

        /// Any words, short and long, give the same sums as a `HashMap`.
        #[test]
        fn sums_match_a_hash_map(words in proptest::collection::vec("[a-c\\x00é]{0,40}", 0..400)) {
            let mut table = StrTable::with_capacity(0);
            let mut expected: HashMap<&str, u64> = HashMap::new();
            for (i, w) in words.iter().enumerate() {
                table.merge(w.as_str(), i as u64, |a, b| a + b);
                *expected.entry(w.as_str()).or_insert(0) += i as u64;
            }
            prop_assert_eq!(table.len(), expected.len());
            for (k, v) in &expected {
                prop_assert_eq!(table.get(k), Some(v));
            }
            let iterated = table.into_iter();
            prop_assert_eq!(iterated.len(), expected.len());
            let collected: HashMap<&str, u64> = iterated.collect();
            prop_assert_eq!(collected, expected);
        }
    }
}
