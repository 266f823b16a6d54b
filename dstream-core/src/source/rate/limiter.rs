//! A token bucket that paces a receiver at a rate in records per second, like the Guava
//! `RateLimiter` behind Spark's receivers: permits accrue at the rate, up to a burst, and a
//! receiver takes one per record before it hands the record over.

use std::time::{Duration, Instant};

/// The shortest wait worth sleeping for: a receiver that waits for permits waits for at
/// least this many milliseconds' worth (when it has that many records), so that a high rate
/// does not turn into a wake-up, and a block of records, per record.
const MIN_WAIT: Duration = Duration::from_millis(10);

/// Permits are counted in floating point: a count this close below a whole number is that
/// number, so that waiting until the moment `try_acquire` names always yields a permit.
const EPSILON: f64 = 1e-6;

/// A token bucket: `rate` permits per second, at most `burst` seconds' worth stored.
///
/// It starts empty, as Guava's does: the first permit is there after `1 / rate` seconds.
/// Time is passed in, so that tests can drive it.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    /// Permits per second; `f64::INFINITY` for no limit.
    rate: f64,
    burst: Duration,
    /// Permits accrued and not yet taken.
    stored: f64,
    /// When `stored` was last brought up to date.
    updated: Instant,
}

impl RateLimiter {
    /// A limiter at `rate` permits per second (`f64::INFINITY`: unlimited) that stores at
    /// most `burst` worth of unused permits.
    pub fn new(rate: f64, burst: Duration, now: Instant) -> RateLimiter {
        RateLimiter { rate: sane(rate), burst, stored: 0.0, updated: now }
    }

    /// The rate, in permits per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Most permits stored: the burst's worth, and at least one.
    fn capacity(&self) -> f64 {
        (self.rate * self.burst.as_secs_f64()).max(1.0)
    }

    /// Accrues the permits earned since the last update.
    fn refill(&mut self, now: Instant) {
        let earned = now.saturating_duration_since(self.updated).as_secs_f64() * self.rate;
        self.stored = (self.stored + earned).min(self.capacity());
        self.updated = self.updated.max(now);
    }

    /// Changes the rate from `now` on: the permits earned so far at the old rate are kept,
    /// up to the new capacity (Guava's `setRate`).
    pub fn set_rate(&mut self, rate: f64, now: Instant) {
        let rate = sane(rate);
        if rate == self.rate {
            return;
        }
        if self.rate.is_finite() {
            self.refill(now);
        }
        self.rate = rate;
        self.updated = self.updated.max(now);
        self.stored = self.stored.min(self.capacity());
    }

    /// Takes up to `wanted` permits at `now`: `Ok(n)` with `1 <= n <= wanted` when at least
    /// one is there, else `Err(when)`, the moment enough will be there to be worth waiting
    /// for (at least one, and [`MIN_WAIT`]'s worth if `wanted` is that large). `Ok(0)` only
    /// for `wanted == 0`.
    pub fn try_acquire(&mut self, wanted: u64, now: Instant) -> Result<u64, Instant> {
        if wanted == 0 {
            return Ok(0);
        }
        if self.rate.is_infinite() {
            return Ok(wanted);
        }
        self.refill(now);
        if self.stored + EPSILON >= 1.0 {
            let granted = ((self.stored + EPSILON).floor() as u64).min(wanted);
            self.stored = (self.stored - granted as f64).max(0.0);
            return Ok(granted);
        }
        let worth_waiting =
            (self.rate * MIN_WAIT.as_secs_f64()).clamp(1.0, self.capacity()).min(wanted as f64);
        let missing = worth_waiting - self.stored;
        Err(self.updated + Duration::from_secs_f64(missing / self.rate))
    }
}

/// A usable rate: positive, else unlimited.
fn sane(rate: f64) -> f64 {
    if rate > 0.0 {
        rate
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// `Err(at)` with `at` within a microsecond of `expected`.
    fn wait_until(result: Result<u64, Instant>, expected: Instant) {
        let at = result.expect_err("a wait");
        let off = if at > expected { at - expected } else { expected - at };
        assert!(off < Duration::from_micros(1), "{off:?} off");
    }

    #[test]
    fn permits_accrue_at_the_rate_and_start_empty() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(1000.0, Duration::from_secs(1), t0);
        // Empty at the start: 10 ms' worth (10 permits) is worth waiting for.
        wait_until(limiter.try_acquire(100, t0), t0 + ms(10));
        assert_eq!(limiter.try_acquire(100, t0 + ms(10)), Ok(10));
        // 50 ms later, 50 permits; asking for 20 leaves 30.
        assert_eq!(limiter.try_acquire(20, t0 + ms(60)), Ok(20));
        assert_eq!(limiter.try_acquire(100, t0 + ms(60)), Ok(30));
        // Over the next second: the rate's worth (the loop ends before it takes the last
        // 10 ms' worth).
        let mut taken = 60;
        let mut now = t0 + ms(60);
        while now < t0 + ms(1060) {
            match limiter.try_acquire(u64::MAX, now) {
                Ok(n) => taken += n,
                Err(at) => now = at,
            }
        }
        assert!((1049..=1061).contains(&taken), "{taken}");
    }

    #[test]
    fn a_small_want_waits_for_one_permit_only() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(100.0, Duration::from_secs(1), t0);
        wait_until(limiter.try_acquire(1, t0), t0 + ms(10));
        assert_eq!(limiter.try_acquire(5, t0 + ms(10)), Ok(1));
    }

    #[test]
    fn unused_permits_are_stored_up_to_the_burst() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(1000.0, ms(200), t0);
        // Idle for 5 s: only 200 ms' worth are stored.
        assert_eq!(limiter.try_acquire(u64::MAX, t0 + Duration::from_secs(5)), Ok(200));
        // A very low rate still stores one permit.
        let mut slow = RateLimiter::new(1.0, ms(200), t0);
        assert_eq!(slow.try_acquire(5, t0 + Duration::from_secs(10)), Ok(1));
    }

    #[test]
    fn a_new_rate_applies_from_now_and_keeps_what_was_earned() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(1000.0, Duration::from_secs(1), t0);
        // 100 permits earned at 1000/s, then the rate drops to 200/s.
        limiter.set_rate(200.0, t0 + ms(100));
        assert_eq!(limiter.rate(), 200.0);
        // The 100 earned are kept (capacity 200); 100 ms more add 20.
        assert_eq!(limiter.try_acquire(u64::MAX, t0 + ms(200)), Ok(120));
        // Down to 50/s: capacity 50, what is stored is cut to it.
        limiter.set_rate(1000.0, t0 + ms(300));
        limiter.set_rate(50.0, t0 + ms(400));
        assert_eq!(limiter.try_acquire(u64::MAX, t0 + ms(400)), Ok(50));
        // Unlimited, then limited again: starts from what was stored.
        limiter.set_rate(0.0, t0 + ms(400));
        assert_eq!(limiter.try_acquire(1_000_000, t0 + ms(400)), Ok(1_000_000));
        limiter.set_rate(1000.0, t0 + ms(500));
        wait_until(limiter.try_acquire(1000, t0 + ms(500)), t0 + ms(510));
    }

    #[test]
    fn asking_for_nothing_takes_nothing() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(10.0, Duration::from_secs(1), t0);
        assert_eq!(limiter.try_acquire(0, t0), Ok(0));
    }
}
