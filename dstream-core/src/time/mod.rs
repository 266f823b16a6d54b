//! Batch times and durations on Spark's time grid.
//!
//! Batch times are milliseconds since the Unix epoch and always multiples of the batch
//! interval `B`; batch `t` holds what arrived in `(t - B, t]` (docs/semantics.md §a.0).

pub(crate) mod clock;

pub use clock::{Clock, ManualClock, SystemClock};

use std::fmt;

/// A point on the batch grid, in milliseconds since the Unix epoch (or since the manual
/// clock's zero in tests). Prints as Spark's `Time.toString`: `1000 ms`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Time(u64);

impl Time {
    /// The time `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Time {
        Time(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The first grid point strictly after `self` for interval `interval`:
    /// `(floor(self / B) + 1) * B`, as Spark's `RecurringTimer.getStartTime`.
    pub fn next_grid_point(self, interval: Duration) -> Time {
        let b = interval.as_millis();
        Time((self.0 / b + 1) * b)
    }

    /// `self + d`.
    pub fn plus(self, d: Duration) -> Time {
        Time(self.0 + d.as_millis())
    }

    /// `self - d`, saturating at zero.
    pub fn minus(self, d: Duration) -> Time {
        Time(self.0.saturating_sub(d.as_millis()))
    }

    /// Whether `self` lies on the grid of `interval`.
    pub fn is_multiple_of(self, interval: Duration) -> bool {
        self.0 % interval.as_millis() == 0
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0)
    }
}

/// A length of time in whole milliseconds, the unit of Spark's batch grid.
///
/// The `stream!` language writes durations as suffixed literals (`500ms`, `1s`, `15min`, `1h`);
/// the compiler turns them into this type.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Duration(u64);

impl Duration {
    /// `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms)
    }

    /// `s` seconds.
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s * 1000)
    }

    /// The length in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// As a standard library duration, for sleeping and timeouts.
    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.0)
    }

    /// Whether `self` is a whole multiple of `other` (Spark's `isMultipleOf`).
    pub fn is_multiple_of(self, other: Duration) -> bool {
        other.0 != 0 && self.0 % other.0 == 0
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_batch_time_is_next_multiple_of_interval() {
        let b = Duration::from_secs(1);
        assert_eq!(Time::from_millis(0).next_grid_point(b), Time::from_millis(1000));
        assert_eq!(Time::from_millis(999).next_grid_point(b), Time::from_millis(1000));
        assert_eq!(Time::from_millis(1000).next_grid_point(b), Time::from_millis(2000));
        assert_eq!(
            Time::from_millis(1_357_008_430_123).next_grid_point(b),
            Time::from_millis(1_357_008_431_000)
        );
    }

    #[test]
    fn times_print_like_spark() {
        assert_eq!(Time::from_millis(1000).to_string(), "1000 ms");
    }

    #[test]
    fn multiples() {
        assert!(Duration::from_secs(4).is_multiple_of(Duration::from_secs(2)));
        assert!(!Duration::from_millis(1500).is_multiple_of(Duration::from_secs(1)));
        assert!(!Duration::from_secs(1).is_multiple_of(Duration::from_millis(0)));
        assert!(Time::from_millis(3000).is_multiple_of(Duration::from_secs(1)));
    }
}
