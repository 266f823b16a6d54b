//! Rate schedules `RATE:SECONDS,...` as the Spark peer's `loadgen.py` reads them: `RATE` in
//! words per second (`k` and `M` suffixes allowed here), `0` = a pause, `max` = as fast as
//! the socket takes.

/// What one step of a schedule sends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rate {
    /// As fast as the socket accepts.
    Max,
    /// This many words per second (`0.0`: nothing, a pause).
    WordsPerSec(f64),
}

/// One step: a rate held for a number of seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    pub rate: Rate,
    pub seconds: f64,
}

/// Parses `RATE:SECONDS,...`; the error names the part that does not parse.
pub fn parse(s: &str) -> Result<Vec<Step>, String> {
    s.split(',')
        .map(|part| {
            let (r, d) = part.split_once(':').ok_or_else(|| format!("{part:?} is not RATE:SECONDS"))?;
            let seconds: f64 =
                d.trim().parse().map_err(|_| format!("{d:?} in {part:?} is not a number of seconds"))?;
            let rate = match r.trim() {
                "max" => Rate::Max,
                r => Rate::WordsPerSec(
                    words_per_sec(r).ok_or_else(|| format!("{r:?} in {part:?} is not a rate"))?,
                ),
            };
            if seconds.is_nan() || seconds < 0.0 {
                return Err(format!("{part:?}: seconds must be >= 0"));
            }
            Ok(Step { rate, seconds })
        })
        .collect()
}

/// `123`, `2.5k`, `40M`.
fn words_per_sec(r: &str) -> Option<f64> {
    let (num, scale) = match r.as_bytes().last()? {
        b'k' | b'K' => (&r[..r.len() - 1], 1e3),
        b'M' | b'm' => (&r[..r.len() - 1], 1e6),
        _ => (r, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    (v >= 0.0 && v.is_finite()).then_some(v * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse_as_loadgen_py_reads_them() {
        let steps = parse("50000:30,0:5,2.5M:10,max:20").unwrap();
        assert_eq!(
            steps,
            [
                Step { rate: Rate::WordsPerSec(50_000.0), seconds: 30.0 },
                Step { rate: Rate::WordsPerSec(0.0), seconds: 5.0 },
                Step { rate: Rate::WordsPerSec(2_500_000.0), seconds: 10.0 },
                Step { rate: Rate::Max, seconds: 20.0 },
            ]
        );
    }

    #[test]
    fn a_bad_part_is_named() {
        assert!(parse("10:5,fast:3").unwrap_err().contains("\"fast\""));
        assert!(parse("10").unwrap_err().contains("RATE:SECONDS"));
        assert!(parse("10:x").unwrap_err().contains("\"x\""));
        assert!(parse("-5:1").is_err());
    }
}
