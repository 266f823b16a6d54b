//! How `short_keys::StrTable` encodes a key as two words, and hashes the encoding: a key of
//! up to [`INLINE_BYTES`] exactly, a longer one as a hash.

use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;
use std::num::NonZeroU64;

/// Keys of at most this many bytes are encoded exactly in an entry.
pub(super) const INLINE_BYTES: usize = 15;

/// A key as two words. Up to 15 bytes, exact: `lo` holds bytes 0..8 and `hi` bytes 8..15,
/// little-endian and zero-padded, with the length plus one in `hi`'s top byte (so `"a"` and
/// `"a\0"` differ, and `hi` is never zero). Longer keys: `lo` is 0 (a slot keeps the key's
/// index there), `hi` a 56-bit hash of the whole key under a top byte of `0xFF`; a match of
/// `hi` is confirmed against the key. Short keys load with one or two fixed-size reads.
#[inline(always)]
pub(super) fn encode(b: &[u8]) -> (u64, NonZeroU64) {
    let len = b.len();
    let (lo, hi) = if len > INLINE_BYTES {
        (0, (FxBuildHasher.hash_one(b) & (u64::MAX >> 8)) | LONG)
    } else {
        let (lo, rest) = if len > 8 {
            // Bytes 8..len, from an 8-byte read that ends at the key's end.
            (read_u64(&b[..8]), read_u64(&b[len - 8..]) >> (8 * (16 - len)))
        } else {
            (read_up_to_8(b), 0)
        };
        (lo, rest | ((len as u64 + 1) << 56))
    };
    (lo, NonZeroU64::new(hi).expect("the top byte is never zero"))
}

/// [`encode`] of a short `key`, reading the bytes from `home` when `key` lies in it with 16
/// bytes of `home` from its start: two fixed 8-byte loads and masks, no branch on the key's
/// length. `None` for a longer key or one elsewhere. Whether `key` lies in `home` is decided
/// from addresses: if `key` starts within `home`, its bytes are `home`'s bytes there (two
/// live borrows cannot overlap without being the same memory), so the result equals
/// `encode(key)`.
#[inline(always)]
pub(super) fn encode_short_in(home: &[u8], key: &[u8]) -> Option<(u64, NonZeroU64)> {
    let len = key.len();
    let offset = (key.as_ptr() as usize).wrapping_sub(home.as_ptr() as usize);
    // One range check: a key outside `home` wraps `offset` far past its end.
    match home.get(offset..offset.wrapping_add(16)) {
        Some(window) if len <= INLINE_BYTES => {
            let (lo_mask, hi_mask, tag) = WINDOW_MASKS[len & INLINE_BYTES];
            let lo = read_u64(&window[..8]) & lo_mask;
            let hi = (read_u64(&window[8..]) & hi_mask) | tag;
            Some((lo, NonZeroU64::new(hi).expect("the top byte is never zero")))
        }
        _ => None,
    }
}

/// A mask of the low `n` bytes of a `u64` (`n <= 8`): two shifts by `4n` (each below 64, so
/// `n = 8` needs no special case).
pub(super) const fn low_bytes(n: usize) -> u64 {
    let half = 4 * n as u32;
    !((u64::MAX << half) << half)
}

/// For a short key of `len` bytes read from a 16-byte window: the masks of its bytes in the
/// window's two words and the length tag of `hi`'s top byte ([`encode`]). One table load per
/// key instead of computing them (`len & INLINE_BYTES` needs no bounds check).
pub(super) const WINDOW_MASKS: [(u64, u64, u64); INLINE_BYTES + 1] = {
    let mut masks = [(0, 0, 0); INLINE_BYTES + 1];
    let mut len = 0;
    while len <= INLINE_BYTES {
        let lo = if len < 8 { len } else { 8 };
        let hi = len.saturating_sub(8);
        masks[len] = (low_bytes(lo), low_bytes(hi), (len as u64 + 1) << 56);
        len += 1;
    }
    masks
};
const _: () = assert!((INLINE_BYTES + 1).is_power_of_two(), "`len & INLINE_BYTES` is `len` for short keys");

/// The top byte of a long key's `hi`.
pub(super) const LONG: u64 = 0xFF << 56;

pub(super) fn is_long(hi: NonZeroU64) -> bool {
    hi.get() & LONG == LONG
}

/// Up to 8 bytes, little-endian and zero-padded, from one or two overlapping reads.
#[inline(always)]
pub(super) fn read_up_to_8(b: &[u8]) -> u64 {
    let len = b.len();
    if len >= 4 {
        // The overlap holds the same bytes in both reads, so `|` is exact.
        let first = u64::from(read_u32(&b[..4]));
        let last = u64::from(read_u32(&b[len - 4..]));
        first | last << (8 * (len - 4))
    } else if len > 0 {
        let (a, m, z) = (u64::from(b[0]), u64::from(b[len / 2]), u64::from(b[len - 1]));
        a | m << (8 * (len / 2)) | z << (8 * (len - 1))
    } else {
        0
    }
}

#[inline(always)]
pub(super) fn read_u64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().expect("8 bytes"))
}

#[inline(always)]
pub(super) fn read_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().expect("4 bytes"))
}

/// A well-mixed hash of an encoded key: one folded 64×64→128-bit multiply (as wyhash and
/// foldhash do), so the low bits that pick the slot depend on every input bit.
#[inline(always)]
pub(super) fn slot_hash(lo: u64, hi: NonZeroU64) -> u64 {
    const K1: u64 = 0x243F_6A88_85A3_08D3;
    const K2: u64 = 0x1319_8A2E_0370_7344;
    let product = u128::from(lo ^ K1) * u128::from(hi.get() ^ K2);
    (product as u64) ^ (product >> 64) as u64
}
