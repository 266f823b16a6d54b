//! The hand-written limit's word split and counting table, shared by the criterion benches
//! (`benches/common`) and the end-to-end tools (`benches/tools`, which include this file with
//! `#[path]`): whitespace found 64 bytes at a time with u64 SWAR byte masks, and an
//! open-addressing table whose 24-byte entries hold words of up to 16 bytes inline, so that a
//! lookup compares two integers and never touches the text.

use rustc_hash::FxHashMap;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit of each byte of `x` that equals `c`; exact (no carries between bytes).
#[inline(always)]
pub fn eq_bytes(x: u64, c: u8) -> u64 {
    let y = x ^ (LO * u64::from(c));
    !(((y & !HI).wrapping_add(!HI)) | y) & HI
}

/// High bit of each byte of `x` that is below `n` (`n <= 0x80`); exact.
#[inline(always)]
fn below_bytes(x: u64, n: u8) -> u64 {
    !((x | HI).wrapping_sub(LO * u64::from(n))) & !x & HI
}

/// High bit of each byte of `x` that is ASCII whitespace as `u8::is_ascii_whitespace` (and so
/// `str::split_ascii_whitespace`) defines it: space, `\t`, `\n`, `\x0C`, `\r`.
#[inline(always)]
fn whitespace_bytes(x: u64) -> u64 {
    let controls = below_bytes(x, 0x0E) & !below_bytes(x, 0x09) & !eq_bytes(x, 0x0B);
    eq_bytes(x, b' ') | controls
}

/// The high bits of the 8 bytes gathered into the low 8 bits (byte `i` -> bit `i`).
#[inline(always)]
fn movemask(m: u64) -> u64 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// One bit per byte of a 64-byte block: set where the byte is ASCII whitespace.
#[inline(always)]
fn whitespace_mask64(block: &[u8; 64]) -> u64 {
    let mut mask = 0;
    for (i, chunk) in block.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        mask |= movemask(whitespace_bytes(x)) << (8 * i);
    }
    mask
}

/// Calls `f(start, end)` for every word (maximal run of non-whitespace bytes) of `text`, in
/// order: 64 bytes at a time, with u64 SWAR byte masks (no `unsafe`, any target).
#[inline(always)]
pub fn for_each_word(text: &[u8], f: impl FnMut(usize, usize)) {
    for_each_word_with(text, whitespace_mask64, f)
}

/// [`for_each_word`] with the whitespace masks of 64-byte blocks made by `mask` (one bit per
/// byte, set for ASCII whitespace).
#[inline(always)]
pub fn for_each_word_with(text: &[u8], mask: impl Fn(&[u8; 64]) -> u64, mut f: impl FnMut(usize, usize)) {
    let mut pending: Option<usize> = None;
    // Whether the byte before the current block is whitespace (the text starts "after" one).
    let mut prev_ws = 1u64;
    let mut base = 0;
    let mut tail = [b' '; 64];
    while base < text.len() {
        let block: &[u8; 64] = match text.get(base..base + 64) {
            Some(b) => b.try_into().expect("64 bytes"),
            None => {
                let rest = &text[base..];
                tail[..rest.len()].copy_from_slice(rest);
                &tail
            }
        };
        let ws = mask(block);
        let shifted = (ws << 1) | prev_ws;
        let mut starts = !ws & shifted;
        let mut ends = ws & !shifted;
        prev_ws = ws >> 63;
        loop {
            let start = match pending {
                Some(s) => s,
                None => {
                    if starts == 0 {
                        break;
                    }
                    let s = base + starts.trailing_zeros() as usize;
                    starts &= starts - 1;
                    s
                }
            };
            if ends == 0 {
                pending = Some(start);
                break;
            }
            let end = base + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            pending = None;
            f(start, end);
        }
        base += 64;
    }
    if let Some(start) = pending {
        f(start, text.len());
    }
}

#[derive(Clone, Copy, Default)]
struct Slot {
    lo: u64,
    hi: u64,
    /// `count << 5 | len`; 0 marks an empty slot (words are never empty).
    count_len: u64,
}

const LEN_BITS: u32 = 5;
const LEN_MASK: u64 = (1 << LEN_BITS) - 1;

/// Word counts in an open-addressing table (linear probing, at most 3/4 full) whose 24-byte
/// entries hold words of up to 16 bytes inline (two `u64`s, compared without touching the
/// text) with the count and length packed in a third; longer words go to a side table.
pub struct InlineCounts<'a> {
    slots: Vec<Slot>,
    mask: usize,
    len: usize,
    long: FxHashMap<&'a [u8], u64>,
}

impl<'a> InlineCounts<'a> {
    pub fn with_capacity(n: usize) -> InlineCounts<'a> {
        let cap = (n * 4 / 3 + 1).next_power_of_two().max(16);
        InlineCounts { slots: vec![Slot::default(); cap], mask: cap - 1, len: 0, long: FxHashMap::default() }
    }

    /// Counts the word `text[start..end]`.
    #[inline(always)]
    pub fn add(&mut self, text: &'a [u8], start: usize, end: usize) {
        let len = end - start;
        if len > 16 {
            *self.long.entry(&text[start..end]).or_insert(0) += 1;
            return;
        }
        let (lo, hi) = load16(text, start, len);
        self.add_inline(lo, hi, len as u64, 1);
    }

    /// Counts the word `text[start..end]` in the one of `tables` (a power of two of them) its
    /// hash's top bits choose, so that each table holds its own share of the keys (a
    /// partitioned count: the tables of two threads' halves are merged table by table). The
    /// slot within a table comes from the hash's low bits.
    #[inline(always)]
    pub fn add_routed(tables: &mut [InlineCounts<'a>], text: &'a [u8], start: usize, end: usize) {
        let bits = tables.len().trailing_zeros();
        let len = end - start;
        if len > 16 {
            let part = if bits == 0 { 0 } else { (text[end - 1] as usize) & (tables.len() - 1) };
            *tables[part].long.entry(&text[start..end]).or_insert(0) += 1;
            return;
        }
        let (lo, hi) = load16(text, start, len);
        let h = hash(lo, hi, len as u64);
        let part = if bits == 0 { 0 } else { (h >> (64 - bits)) as usize };
        tables[part].add_hashed(lo, hi, len as u64, 1, h);
    }

    /// Adds `n` to the count of the short word `(lo, hi)` of `len` bytes.
    #[inline(always)]
    fn add_inline(&mut self, lo: u64, hi: u64, len: u64, n: u64) {
        self.add_hashed(lo, hi, len, n, hash(lo, hi, len));
    }

    /// [`Self::add_inline`] with the word's hash already made.
    #[inline(always)]
    fn add_hashed(&mut self, lo: u64, hi: u64, len: u64, n: u64, h: u64) {
        let mut i = h as usize & self.mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.lo == lo && slot.hi == hi && slot.count_len & LEN_MASK == len {
                slot.count_len += n << LEN_BITS;
                return;
            }
            if slot.count_len == 0 {
                *slot = Slot { lo, hi, count_len: (n << LEN_BITS) | len };
                self.len += 1;
                if self.len * 4 > self.slots.len() * 3 {
                    self.grow();
                }
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    #[cold]
    fn grow(&mut self) {
        let cap = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); cap]);
        self.mask = cap - 1;
        for s in old.into_iter().filter(|s| s.count_len != 0) {
            let mut i = hash(s.lo, s.hi, s.count_len & LEN_MASK) as usize & self.mask;
            while self.slots[i].count_len != 0 {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = s;
        }
    }

    /// Adds `other`'s counts to this table's (tables that counted parts of one text).
    pub fn merge(&mut self, other: &InlineCounts<'a>) {
        for s in other.slots.iter().filter(|s| s.count_len != 0) {
            self.add_inline(s.lo, s.hi, s.count_len & LEN_MASK, s.count_len >> LEN_BITS);
        }
        for (w, n) in &other.long {
            *self.long.entry(w).or_insert(0) += n;
        }
    }

    /// Forgets every word, keeping the memory (an engine's state kept from batch to batch).
    pub fn clear(&mut self) {
        if self.len > 0 {
            self.slots.fill(Slot::default());
            self.len = 0;
        }
        self.long.clear();
    }

    /// Number of distinct words.
    pub fn len(&self) -> usize {
        self.len + self.long.len()
    }

    /// Whether no word was counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hands every (word, count) pair to `f`.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], u64)) {
        for s in self.slots.iter().filter(|s| s.count_len != 0) {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&s.lo.to_le_bytes());
            bytes[8..].copy_from_slice(&s.hi.to_le_bytes());
            f(&bytes[..(s.count_len & LEN_MASK) as usize], s.count_len >> LEN_BITS);
        }
        for (w, n) in &self.long {
            f(w, *n);
        }
    }

    /// The counts as a map from word to count (for checking).
    pub fn to_map(&self) -> FxHashMap<String, u64> {
        let mut map = FxHashMap::default();
        self.for_each(|w, n| {
            map.insert(std::str::from_utf8(w).expect("UTF-8 words").to_string(), n);
        });
        map
    }
}

/// The `len <= 16` bytes at `start` as two little-endian `u64`s, zero-padded. Reads 16 bytes
/// at once and masks when the text has them (always but at its very end).
#[inline(always)]
fn load16(text: &[u8], start: usize, len: usize) -> (u64, u64) {
    let (lo, hi) = match text.get(start..start + 16) {
        Some(b) => (
            u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            u64::from_le_bytes(b[8..].try_into().expect("8 bytes")),
        ),
        None => {
            let mut b = [0u8; 16];
            let rest = &text[start..];
            let n = rest.len().min(16);
            b[..n].copy_from_slice(&rest[..n]);
            (
                u64::from_le_bytes(b[..8].try_into().expect("8")),
                u64::from_le_bytes(b[8..].try_into().expect("8")),
            )
        }
    };
    (lo & keep_low_bytes(len.min(8)), hi & keep_low_bytes(len.saturating_sub(8)))
}

/// A mask of the low `n` bytes (`n <= 8`).
#[inline(always)]
fn keep_low_bytes(n: usize) -> u64 {
    if n >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    }
}

/// Folded 64x64->128 multiply of the two halves (with the length mixed in).
#[inline(always)]
fn hash(lo: u64, hi: u64, len: u64) -> u64 {
    let m = u128::from(lo ^ 0x243F_6A88_85A3_08D3) * u128::from(hi ^ len ^ 0x1319_8A2E_0370_7344);
    (m as u64) ^ ((m >> 64) as u64)
}
