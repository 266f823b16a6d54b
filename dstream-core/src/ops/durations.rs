//! Durations a `stream!` program computes when it runs (`every {interval}`,
//! `window({length}, {slide})`): read once when the job is built, and checked against
//! Spark's rules when the job starts, where a literal duration is checked at compile time.

use crate::error::{Error, Result};

/// A duration a program may compute (`every {interval}`, `window({length}, {slide})`):
/// `std::time::Duration` or dstream's own [`Duration`](crate::Duration), or a reference to
/// either.
///
/// The implementations are not listed under an error (`do_not_recommend`): the message names
/// both types, where rustc's list would point into this file.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a duration",
    label = "a duration in braces must be a `std::time::Duration` or a `dstream::Duration`",
    note = "write for example `std::time::Duration::from_secs(2)` inside the braces, or a literal such as `2s`"
)]
pub trait RuntimeDuration {
    /// The duration in whole milliseconds.
    #[doc(hidden)]
    fn millis(&self) -> u64;
}

#[diagnostic::do_not_recommend]
impl RuntimeDuration for std::time::Duration {
    fn millis(&self) -> u64 {
        u64::try_from(self.as_millis()).unwrap_or(u64::MAX)
    }
}

#[diagnostic::do_not_recommend]
impl RuntimeDuration for crate::time::Duration {
    fn millis(&self) -> u64 {
        self.as_millis()
    }
}

#[diagnostic::do_not_recommend]
impl<D: RuntimeDuration + ?Sized> RuntimeDuration for &D {
    fn millis(&self) -> u64 {
        (**self).millis()
    }
}

/// The batch interval for `Job::new`, as the program computed it: a zero interval is kept
/// (and refused by [`check_interval`] when the job starts, naming the expression).
pub fn interval(ms: u64) -> crate::time::Duration {
    crate::time::Duration::from_millis(ms)
}

/// The batch interval must be longer than zero; `written` is the `{expr}` the program set it
/// with, as written.
pub fn check_interval(ms: u64, written: &str) -> Result<()> {
    if ms == 0 {
        return Err(Error::Config(format!(
            "the batch interval `every {written}` is zero when the job starts: it must be longer than zero"
        )));
    }
    Ok(())
}

/// `what` (for example "the window length of `window`") must be a positive multiple of the
/// stream's slide, as Spark requires.
pub fn check_multiple(what: &str, value_ms: u64, slide_ms: u64) -> Result<()> {
    if value_ms == 0 || slide_ms == 0 || value_ms % slide_ms != 0 {
        return Err(Error::Config(format!(
            "{what} must be a positive multiple of the stream's slide ({slide_ms} ms), as Spark requires: it is {value_ms} ms"
        )));
    }
    Ok(())
}

/// `what` (the slide of a stream a `union` or join combines) must equal the other stream's.
pub fn check_equal(what: &str, value_ms: u64, slide_ms: u64) -> Result<()> {
    if value_ms != slide_ms {
        return Err(Error::Config(format!(
            "{what} is {value_ms} ms but the stream it is combined with slides every {slide_ms} ms: they must be equal, as Spark requires"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_duration_types() {
        assert_eq!(RuntimeDuration::millis(&std::time::Duration::from_millis(1500)), 1500);
        assert_eq!(RuntimeDuration::millis(&&crate::time::Duration::from_secs(2)), 2000);
        assert_eq!(interval(0).as_millis(), 0);
    }

    #[test]
    fn checks_say_what_is_wrong() {
        let e = check_interval(0, "{gap}").unwrap_err().to_string();
        assert!(e.contains("`every {gap}` is zero"), "{e}");
        assert!(check_interval(1, "{gap}").is_ok());
        assert!(check_multiple("the window length of `window`", 2500, 1000).is_err());
        assert!(check_multiple("x", 0, 1000).is_err());
        assert!(check_multiple("x", 3000, 1000).is_ok());
        let e = check_equal("the slide of `b`", 2000, 1000).unwrap_err().to_string();
        assert!(e.contains("2000 ms") && e.contains("1000 ms"), "{e}");
    }
}
