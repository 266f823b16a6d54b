//! `print` / `print(n)`: Spark's `DStream.print`, byte for byte (docs/semantics.md §a.6, E25).

use crate::job::BatchContext;
use crate::time::Time;
use std::io::{self, Write};

/// The line above and below the time: 43 dashes, as Spark prints.
pub const DASHES: &str = "-------------------------------------------";

/// Collects, within one partition, the rendered text of the first `limit` records.
/// A partition stops collecting once it has `limit`, as Spark's `take(n + 1)` does.
#[derive(Debug)]
pub struct Take {
    limit: usize,
    rendered: Vec<String>,
}

impl Take {
    /// Collects at most `limit` records.
    pub fn new(limit: usize) -> Take {
        Take { limit, rendered: Vec::new() }
    }

    /// Renders and keeps `record` with `render`; returns `false` once the limit is reached
    /// (stop feeding). Generated code passes `Render::render` as `render`: records that cannot
    /// be rendered are then reported on `print` with the trait's message and no note naming
    /// this method (as a bound `T: Render` would).
    #[inline]
    pub fn push<T>(&mut self, record: &T, render: fn(&T, &mut String)) -> bool {
        if self.rendered.len() < self.limit {
            let mut text = String::new();
            render(record, &mut text);
            self.rendered.push(text);
        }
        self.rendered.len() < self.limit
    }

    /// Whether the limit has been reached.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.rendered.len() >= self.limit
    }

    /// The records kept.
    pub fn into_vec(self) -> Vec<String> {
        self.rendered
    }
}

/// Writes one batch as Spark's `print(num)` does: the dash line, `Time: <ms> ms`, the dash
/// line, the first `num` records (taken from `partitions` in partition order), `...` if there
/// were more, and an empty line.
pub fn write_batch(
    out: &mut dyn Write,
    time: Time,
    num: usize,
    partitions: Vec<Vec<String>>,
) -> io::Result<()> {
    writeln!(out, "{DASHES}")?;
    writeln!(out, "Time: {time}")?;
    writeln!(out, "{DASHES}")?;
    let mut records = partitions.into_iter().flatten();
    for record in records.by_ref().take(num) {
        writeln!(out, "{record}")?;
    }
    if records.next().is_some() {
        writeln!(out, "...")?;
    }
    writeln!(out)
}

/// Writes one batch's `print` output to the batch's output (standard output in production,
/// the harness's buffer in tests).
pub fn emit(
    ctx: &mut BatchContext<'_>,
    num: usize,
    partitions: Vec<Vec<String>>,
) -> crate::error::Result<()> {
    let time = ctx.time();
    let exec = ctx.exec();
    let partitions = match exec.in_cluster() {
        // The driver prints the whole batch: the partitions gathered, in partition order.
        true => vec![exec.gather(partitions)],
        false => partitions,
    };
    if !exec.is_driver() || exec.batch_failed() {
        return Ok(());
    }
    write_batch(ctx.out(), time, num, partitions)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Render;

    fn printed(num: usize, parts: Vec<Vec<String>>) -> String {
        let mut out = Vec::new();
        write_batch(&mut out, Time::from_millis(1000), num, parts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_spark_e25() {
        let parts = vec![vec!["(hello,1)".to_string()], vec!["(world,1)".to_string()]];
        assert_eq!(
            printed(10, parts),
            format!("{DASHES}\nTime: 1000 ms\n{DASHES}\n(hello,1)\n(world,1)\n\n")
        );
    }

    #[test]
    fn empty_batch_prints_header_and_blank_line() {
        assert_eq!(printed(10, vec![vec![], vec![]]), format!("{DASHES}\nTime: 1000 ms\n{DASHES}\n\n"));
    }

    #[test]
    fn more_than_num_records_prints_ellipsis() {
        let parts = vec![(0..11).map(|i| i.to_string()).collect()];
        let text = printed(10, parts);
        assert!(text.ends_with("8\n9\n...\n\n"), "{text}");
        assert!(!text.contains("\n10\n"));
    }

    #[test]
    fn take_stops_at_limit() {
        let mut t = Take::new(2);
        assert!(t.push(&1, Render::render));
        assert!(!t.push(&2, Render::render));
        assert!(!t.push(&3, Render::render));
        assert_eq!(t.into_vec(), ["1", "2"]);
    }
}
