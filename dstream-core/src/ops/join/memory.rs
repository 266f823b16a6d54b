//! A probe join's build memory kept from one batch for the next.
//!
//! The build of a probe join ([`super::probe`]) makes, per reduce partition and batch, a table
//! from key to its first and last right value and a `Vec` of right values: for 350,000 `u64`
//! right values about 14 MB. Made fresh every batch, that memory goes through the allocator
//! twice a batch (and, when the allocator hands it back to the kernel, is faulted in and zeroed
//! again). A join node's [`JoinMemory`], made once with the job, keeps the emptied table and
//! `Vec` of each partition when the probe is done with them (`clear()` keeps their capacity),
//! and the next batch's build takes them again.
//!
//! Which joins pool is decided where the program compiles, by method resolution on
//! `(&&BuildFor::of(right.as_slice())).home(&memory)` (both traits in scope): keys that borrow
//! nothing ([`OwnedKey`]: numbers, `String`, tuples of them) with plain-number right values
//! ([`Recyclable`]) get a home in the pool ([`PooledBuild`]); any other join builds fresh
//! memory each batch ([`FreshBuild`]). A pool outlives batches, so what it keeps cannot borrow
//! from one: a join of `&str` keys (words joined in place) keeps its right values' slots,
//! which hold no key, and makes its key table fresh each batch.
//!
//! Bounded: at most [`MAX_SPARES`] spares per join node (one per reduce partition is used), and
//! a spare that held more than [`OVERSIZE_FACTOR`] times the right values its batch needed for
//! [`SHRINK_AFTER`] batches in a row is shrunk to the batch's size: a flood followed by a
//! trickle gives its memory back after a few batches, while batches that vary in size keep
//! theirs.

use super::probe::{Heads, Slot, Values};
use crate::keys::pool::Recyclable;
use hashbrown::hash_table::HashTable;
use std::any::Any;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

/// Spares kept per join node at most: a batch uses one per reduce partition.
pub const MAX_SPARES: usize = 64;

/// A spare is oversized for a batch that needs fewer than a quarter of its values' room.
pub const OVERSIZE_FACTOR: usize = 4;

/// An oversized spare is shrunk after this many oversized batches in a row.
pub const SHRINK_AFTER: u32 = 8;

/// The memory of one join node's builds kept across batches: made once when the job is built
/// (generated code hoists it), shared by the node's reduce partitions, never between joins.
#[derive(Default)]
pub struct JoinMemory {
    typed: Mutex<Option<Box<dyn Any + Send>>>,
}

impl std::fmt::Debug for JoinMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JoinMemory")
    }
}

/// One partition's build memory: the key table and the right values' slots, both empty.
type Spare<K, W> = (HashTable<(K, u32, u32)>, Vec<Slot<W>>);

/// The spares of a join node, and how many batches in a row the one taken was oversized.
struct Spares<K, W> {
    kept: Vec<Spare<K, W>>,
    oversized: u32,
}

/// Where a build's memory goes back to when its probe is done.
type Home<K, W> = Arc<Mutex<Spares<K, W>>>;

/// Where this batch's builds of one join take their memory from and give it back to.
pub struct BuildHome<K, W>(Pool<K, W>);

/// A join's pool, if it has one.
enum Pool<K, W> {
    /// None: made fresh, freed after the probe.
    Fresh,
    /// The key table and the slots.
    Whole(Home<K, W>),
    /// The slots only, for keys that borrow from their batch (the spares' tables stay empty).
    Slots(Home<(), W>),
}

impl<K, W> BuildHome<K, W> {
    /// No pool: every build allocates its own memory (joins called outside generated code).
    pub fn fresh() -> Self {
        BuildHome(Pool::Fresh)
    }
}

impl<K, W> Clone for BuildHome<K, W> {
    fn clone(&self) -> Self {
        BuildHome(match &self.0 {
            Pool::Fresh => Pool::Fresh,
            Pool::Whole(home) => Pool::Whole(Arc::clone(home)),
            Pool::Slots(home) => Pool::Slots(Arc::clone(home)),
        })
    }
}

/// Key types whose build memory is pooled: types that borrow nothing, so that a table of them
/// can outlive its batch (emptied: the keys themselves are dropped with the batch).
pub trait OwnedKey: Send + 'static {}

macro_rules! owned_key {
    ($($t:ty),*) => { $(impl OwnedKey for $t {})* };
}
owned_key!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, bool, char, String);
impl<A: OwnedKey, B: OwnedKey> OwnedKey for (A, B) {}
impl<A: OwnedKey, B: OwnedKey, C: OwnedKey> OwnedKey for (A, B, C) {}

/// Picks where a join's build memory comes from, by method resolution on
/// `(&&BuildFor::of(right.as_slice())).home(&memory)`: the impl of [`PooledBuild`] for
/// `&BuildFor<K, W>` with [`OwnedKey`] keys and [`Recyclable`] right values matches without
/// auto-deref; any other join reaches [`FreshBuild`] after one deref.
pub struct BuildFor<K, W>(PhantomData<fn() -> (K, W)>);

impl<K, W> BuildFor<K, W> {
    /// The chooser for the keys and values of the join's right input partitions.
    #[inline(always)]
    pub fn of<P: IntoIterator<Item = (K, W)>>(_right: &[P]) -> Self {
        BuildFor(PhantomData)
    }
}

/// Build memory from the join node's pool.
pub trait PooledBuild<K, W> {
    /// This batch's home for the join's builds.
    fn home(&self, memory: &JoinMemory) -> BuildHome<K, W>;
}

impl<K: OwnedKey, W: Recyclable> PooledBuild<K, W> for &BuildFor<K, W> {
    fn home(&self, memory: &JoinMemory) -> BuildHome<K, W> {
        BuildHome(Pool::Whole(memory.home()))
    }
}

/// `&str` keys: the slots are pooled, the key table (which holds the batch's keys) is not.
impl<'a, W: Recyclable> PooledBuild<&'a str, W> for &BuildFor<&'a str, W> {
    fn home(&self, memory: &JoinMemory) -> BuildHome<&'a str, W> {
        BuildHome(Pool::Slots(memory.home()))
    }
}

impl JoinMemory {
    /// The node's spares of key type `K` (one type per node: made at the first batch).
    fn home<K: Send + 'static, W: Send + 'static>(&self) -> Home<K, W> {
        let mut typed = lock(&self.typed);
        if let Some(home) = typed.as_ref().and_then(|t| t.downcast_ref::<Home<K, W>>()) {
            return Arc::clone(home);
        }
        let home: Home<K, W> = Arc::new(Mutex::new(Spares { kept: Vec::new(), oversized: 0 }));
        *typed = Some(Box::new(Arc::clone(&home)));
        home
    }
}

/// Build memory made fresh every batch.
pub trait FreshBuild<K, W> {
    /// This batch's home for the join's builds: none.
    fn home(&self, memory: &JoinMemory) -> BuildHome<K, W>;
}

impl<K, W> FreshBuild<K, W> for BuildFor<K, W> {
    fn home(&self, _memory: &JoinMemory) -> BuildHome<K, W> {
        BuildHome::fresh()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One reduce partition's build: its key table and right values, in memory from the pool
/// when the join has one, given back emptied when dropped (after the probe).
pub(super) struct Build<K, W> {
    pub(super) heads: Heads<K>,
    pub(super) slots: Values<W>,
    home: Pool<K, W>,
}

/// A spare from `home`, shrunk when it was oversized too many batches in a row.
fn spare<K: std::hash::Hash + Eq, W>(home: &Home<K, W>, needed: usize) -> Option<Spare<K, W>> {
    let mut spares = lock(home);
    let (mut table, mut slots) = spares.kept.pop()?;
    if slots.capacity() > needed.saturating_mul(OVERSIZE_FACTOR) {
        spares.oversized += 1;
        if spares.oversized >= SHRINK_AFTER {
            spares.oversized = 0;
            table.shrink_to(needed, |(k, _, _)| Heads::hash(k));
            slots.shrink_to(needed);
        }
    } else {
        spares.oversized = 0;
    }
    Some((table, slots))
}

/// Keeps `spare` (emptied) in `home`, if it has room.
fn keep<K, W>(home: &Home<K, W>, (mut table, mut slots): Spare<K, W>) {
    table.clear();
    slots.clear();
    let mut spares = lock(home);
    if spares.kept.len() < MAX_SPARES {
        spares.kept.push((table, slots));
    }
}

impl<K, W> Build<K, W> {
    /// Room for `needed` right values: a spare of the pool if there is one (shrunk when it
    /// was oversized too many batches in a row), else new memory.
    pub(super) fn with_capacity(home: &BuildHome<K, W>, needed: usize) -> Self
    where
        K: std::hash::Hash + Eq,
    {
        let (mut table, mut plain) = match &home.0 {
            Pool::Fresh => None,
            Pool::Whole(home) => spare(home, needed),
            Pool::Slots(home) => spare(home, needed).map(|(_, slots)| (HashTable::new(), slots)),
        }
        .unwrap_or_default();
        table.reserve(needed, |(k, _, _)| Heads::hash(k));
        let mut held = Vec::new();
        if std::mem::needs_drop::<W>() {
            held.reserve(needed);
        } else {
            plain.reserve(needed);
        }
        Build { heads: Heads { table }, slots: Values { plain, held }, home: home.clone().0 }
    }
}

impl<K, W> Build<K, W> {
    /// The table and the values, to own while a loop fills or probes them (its state then
    /// stays in registers); [`Self::put`] gives them back.
    #[inline(always)]
    pub(super) fn take(&mut self) -> (Heads<K>, Values<W>) {
        let table = std::mem::take(&mut self.heads.table);
        let values = Values {
            plain: std::mem::take(&mut self.slots.plain),
            held: std::mem::take(&mut self.slots.held),
        };
        (Heads { table }, values)
    }

    /// Gives back what [`Self::take`] took.
    #[inline(always)]
    pub(super) fn put(&mut self, heads: Heads<K>, slots: Values<W>) {
        self.heads = heads;
        self.slots = slots;
    }
}

impl<K, W> Drop for Build<K, W> {
    fn drop(&mut self) {
        // (Pooled values have no drop glue: `held` is empty, and dropped with `self`.)
        let slots = std::mem::take(&mut self.slots.plain);
        match std::mem::replace(&mut self.home, Pool::Fresh) {
            Pool::Fresh => {}
            Pool::Whole(home) => keep(&home, (std::mem::take(&mut self.heads.table), slots)),
            Pool::Slots(home) => keep(&home, (HashTable::new(), slots)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Executor;
    use crate::ops::join::probe::{self, Inner, LeftOuter};

    /// The pairs of a probe join of `left` and `right` on one partition, through `memory`'s
    /// pool, read as a fused loop reads them.
    fn joined(memory: &JoinMemory, left: Vec<(u64, u32)>, right: Vec<(u64, u64)>) -> Vec<(u64, (u32, u64))> {
        let exec = Executor::new(1);
        let right = vec![right];
        #[allow(clippy::needless_borrow)] // the double borrow is how the memory is picked
        let home = (&&BuildFor::of(right.as_slice())).home(memory);
        let parts = probe::build::<_, _, _, Inner, _, _>(&exec, (vec![left], right, 1), &home);
        let mut out = Vec::new();
        for part in parts {
            part.for_each_pair(|pair| out.push(pair));
        }
        out
    }

    fn spares<K: OwnedKey, W: Recyclable>(memory: &JoinMemory) -> Vec<(usize, usize)> {
        #[allow(clippy::needless_borrow)]
        let home = (&&BuildFor::<K, W>(PhantomData)).home(memory);
        let Pool::Whole(home) = home.0 else { panic!("pooled") };
        let spares = lock(&home);
        spares.kept.iter().map(|(t, s)| (t.len(), s.capacity())).collect()
    }

    #[test]
    fn a_joins_build_memory_is_kept_emptied_and_used_by_the_next_batch() {
        let memory = JoinMemory::default();
        let right: Vec<(u64, u64)> = (0..1_000).map(|i| (i % 300, i)).collect();
        let left: Vec<(u64, u32)> = (0..400).map(|i| (i, 1)).collect();
        let first = joined(&memory, left.clone(), right.clone());
        assert_eq!(first.len(), 1_000, "every right value of keys 0..300 once");
        let kept = spares::<u64, u64>(&memory);
        assert_eq!(kept.len(), 1, "the partition's memory came back");
        assert_eq!(kept[0].0, 0, "emptied");
        assert!(kept[0].1 >= 1_000, "with its room");

        // The next batch: other keys, fewer values; nothing of the first batch is seen.
        let second = joined(&memory, vec![(5, 50), (7, 70), (1_000, 9)], vec![(7, 71), (1_000, 1)]);
        assert_eq!(second, [(7, (70, 71)), (1_000, (9, 1))]);
        assert_eq!(spares::<u64, u64>(&memory).len(), 1, "one spare, reused");
    }

    #[test]
    fn an_oversized_spare_shrinks_after_a_run_of_small_batches() {
        let memory = JoinMemory::default();
        let big: Vec<(u64, u64)> = (0..10_000).map(|i| (i, i)).collect();
        joined(&memory, vec![(1, 1)], big);
        let large = spares::<u64, u64>(&memory)[0].1;
        for batch in 1..=SHRINK_AFTER {
            let out = joined(&memory, vec![(1, 1)], vec![(1, 2)]);
            assert_eq!(out, [(1, (1, 2))]);
            let room = spares::<u64, u64>(&memory)[0].1;
            if batch < SHRINK_AFTER {
                assert_eq!(room, large, "kept while batches may grow again (batch {batch})");
            } else {
                assert!(room < large / OVERSIZE_FACTOR, "shrunk: {room} of {large}");
            }
        }
    }

    /// `&str`-keyed joins keep their right values' slots, never a table of the batch's keys.
    #[test]
    fn borrowed_keys_keep_their_slots_and_make_their_table_fresh() {
        let exec = Executor::new(1);
        let memory = JoinMemory::default();
        for (batch, text) in ["a b a c", "c d e f g h"].into_iter().enumerate() {
            let text = String::from(text);
            let words: Vec<&str> = text.split(' ').collect();
            let right = vec![words.iter().enumerate().map(|(i, w)| (*w, i as u64)).collect::<Vec<_>>()];
            #[allow(clippy::needless_borrow)] // the double borrow is how the memory is picked
            let home = (&&BuildFor::of(right.as_slice())).home(&memory);
            assert!(matches!(home.0, Pool::Slots(_)), "&str keys: slots pooled");
            let left = vec![vec![(words[0], 'l'), ("z", 'm')]];
            let parts = probe::build::<_, _, _, LeftOuter, _, _>(&exec, (left, right, 1), &home);
            let out: Vec<_> = parts.into_iter().flatten().collect();
            let want: &[(&str, (char, Option<u64>))] = match batch {
                0 => &[("a", ('l', Some(0))), ("a", ('l', Some(2))), ("z", ('m', None))],
                _ => &[("c", ('l', Some(0))), ("z", ('m', None))],
            };
            assert_eq!(out, want, "batch {batch}");
            let kept: Vec<(usize, usize, usize)> = lock(&memory.home::<(), u64>())
                .kept
                .iter()
                .map(|(t, s)| (t.len(), t.capacity(), s.capacity()))
                .collect();
            assert_eq!(kept.len(), 1, "one spare, reused");
            assert_eq!(kept[0].0 + kept[0].1, 0, "no table kept");
            assert!(kept[0].2 >= words.len(), "the slots kept with their room");
        }
    }

    #[test]
    fn values_with_drop_glue_build_fresh_memory() {
        let memory = JoinMemory::default();
        let strings = vec![vec![(1u64, String::from("owned"))]];
        #[allow(clippy::needless_borrow)] // the double borrow is how the memory is picked
        let home = (&&BuildFor::of(strings.as_slice())).home(&memory);
        assert!(matches!(home.0, Pool::Fresh), "`String` right values: fresh");
        let words = vec![vec![("k", String::from("owned"))]];
        #[allow(clippy::needless_borrow)]
        let home = (&&BuildFor::of(words.as_slice())).home(&memory);
        assert!(matches!(home.0, Pool::Fresh), "`&str` keys, `String` right values: fresh");
        let numbers = vec![vec![(String::from("k"), 1u64)]];
        #[allow(clippy::needless_borrow)]
        let home = (&&BuildFor::of(numbers.as_slice())).home(&memory);
        assert!(matches!(home.0, Pool::Whole(_)), "`String` keys and numbers: pooled");
    }
}
