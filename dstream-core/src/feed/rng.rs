//! [`Rng`]: the one seeded random number generator of dstream's generated feeds, examples,
//! tests and benchmarks.

/// A tiny seeded generator (xorshift64*, seeded through splitmix64): the same seed gives the
/// same numbers on every platform. For test data and demo feeds, not for cryptography.
///
/// ```
/// use dstream_core::feed::Rng;
///
/// let mut rng = Rng::new(7);
/// let first: Vec<u64> = (0..5).map(|_| rng.below(10)).collect();
/// let mut again = Rng::new(7);
/// assert_eq!(first, (0..5).map(|_| again.below(10)).collect::<Vec<_>>());
/// assert!(first.iter().all(|&n| n < 10));
/// ```
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator determined by `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // xorshift's state must not be zero.
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        match n {
            0 => 0,
            n => self.next_u64() % n,
        }
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One of `items`, uniformly.
    ///
    /// # Panics
    ///
    /// If `items` is empty: there is nothing to pick (a generator's fixed vocabulary).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.index(i + 1));
        }
    }

    /// An index into `len` items (`len > 0`).
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers_and_another_seed_others() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..100).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
        // The examples' output depends on the sequence: pin its start for seed 42.
        let mut rng = Rng::new(42);
        assert_eq!([rng.next_u64(), rng.next_u64()], [0x31b0_ece7_c4f6_97a2, 0x9008_a3b1_cb68_6f03]);
    }

    #[test]
    fn numbers_stay_in_their_ranges() {
        let mut rng = Rng::new(1);
        for n in [1, 2, 7, 1000] {
            assert!((0..200).all(|_| rng.below(n) < n));
        }
        assert_eq!(rng.below(0), 0);
        assert!((0..200).map(|_| rng.unit()).all(|u| (0.0..1.0).contains(&u)));
        assert_eq!(rng.pick(&[5]), 5);
        assert!((0..100).map(|_| rng.pick(&[1, 2, 3])).all(|n| (1..=3).contains(&n)));
        let mut items: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
    }
}
