//! Clocks: the system clock drives production jobs; a manual clock drives tests.
//!
//! Both the batch loop and the receivers read the same clock, so a receiver stamps what it
//! receives with the time the batch loop will compare against when it cuts a batch.

use crate::time::{Duration, Time};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A source of the current time on the batch grid.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Time;
    /// Blocks until `now() >= t`. A manual clock never blocks: the harness moves it.
    fn wait_until(&self, t: Time);
}

/// Wall-clock time in epoch milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Time {
        let since_epoch =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Time::from_millis(since_epoch.as_millis() as u64)
    }

    fn wait_until(&self, t: Time) {
        loop {
            let now = self.now();
            if now >= t {
                return;
            }
            // Sleep in short slices so a stop request is never delayed by a long interval.
            let left = (t.as_millis() - now.as_millis()).min(50);
            std::thread::sleep(std::time::Duration::from_millis(left));
        }
    }
}

/// A clock that only moves when told to, as Spark's `ManualClock` in its test suites.
/// It starts at 0, so with `B = 1 s` the batches are at 1000, 2000, ... ms.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    millis: Arc<AtomicU64>,
}

impl ManualClock {
    /// A manual clock at time 0.
    pub fn new() -> ManualClock {
        ManualClock::default()
    }

    /// Sets the clock to `t`.
    pub fn set(&self, t: Time) {
        self.millis.store(t.as_millis(), Ordering::SeqCst);
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        self.millis.fetch_add(d.as_millis(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Time {
        Time::from_millis(self.millis.load(Ordering::SeqCst))
    }

    fn wait_until(&self, _t: Time) {}
}
