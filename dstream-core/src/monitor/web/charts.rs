//! Line charts as inline SVG, drawn on the server: no script, no CDN. Each point carries
//! its batch and value (`data-batch`, `data-value`) and a tooltip, so a test (or a user)
//! can read the numbers the chart shows.

use std::fmt::Write;

/// One chart's points: (batch time in ms, value), oldest first.
pub(crate) struct Series<'a> {
    /// The element id: `chart-input-rate`, ...
    pub id: &'a str,
    pub title: &'a str,
    /// The unit of the values, shown on the y axis: `records/s`, `ms`.
    pub unit: &'a str,
    pub points: Vec<(u64, f64)>,
}

const WIDTH: f64 = 520.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;

/// A round number at least `max` (1, 2 or 5 times a power of ten), for the top of an axis.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|v| *v >= max).unwrap_or(10.0 * power)
}

/// A tick label: integers as such, small numbers with up to two decimals.
fn label(v: f64) -> String {
    if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The chart as an SVG element, with axes, ticks and units.
pub(crate) fn line_chart(series: &Series<'_>) -> String {
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<figure class="chart"><figcaption>{title} ({unit})</figcaption><svg id="{id}" data-unit="{unit}" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title} in {unit}">"#,
        title = series.title,
        unit = series.unit,
        id = series.id,
    );
    let top = nice_ceiling(series.points.iter().map(|p| p.1).fold(0.0, f64::max));
    let y = |v: f64| TOP + plot_h - v / top * plot_h;
    // The y axis: five ticks with their values, and the unit.
    for i in 0..=4 {
        let v = top * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{tx}" y="{ty:.1}" text-anchor="end" font-size="11">{label}</text>"##,
            x2 = LEFT + plot_w,
            y = y(v),
            tx = LEFT - 6.0,
            ty = y(v) + 4.0,
            label = label(v)
        );
    }
    let _ = write!(
        svg,
        r#"<text class="y-unit" x="12" y="{mid}" font-size="11" transform="rotate(-90 12 {mid})" text-anchor="middle">{unit}</text>"#,
        mid = TOP + plot_h / 2.0,
        unit = series.unit
    );
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{b}" stroke="#555"/><line x1="{LEFT}" x2="{r}" y1="{b}" y2="{b}" stroke="#555"/>"##,
        b = TOP + plot_h,
        r = LEFT + plot_w
    );
    let (first, last) = match (series.points.first(), series.points.last()) {
        (Some(f), Some(l)) => (f.0, l.0),
        _ => (0, 0),
    };
    let span = last.saturating_sub(first).max(1) as f64;
    let x = |t: u64| LEFT + if first == last { plot_w / 2.0 } else { (t - first) as f64 / span * plot_w };
    // The x axis: the first, middle and last batch times (UTC), and its unit.
    if !series.points.is_empty() {
        for (t, anchor) in [(first, "start"), (first + (last - first) / 2, "middle"), (last, "end")] {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{y}" font-size="11" text-anchor="{anchor}">{time}</text>"#,
                x = x(t),
                y = TOP + plot_h + 16.0,
                time = super::super::progress::clock_time(t)
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text class="x-unit" x="{x}" y="{y}" font-size="11" text-anchor="middle">batch time (UTC)</text>"#,
        x = LEFT + plot_w / 2.0,
        y = HEIGHT - 4.0
    );
    let path: Vec<String> = series.points.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
    let _ = write!(
        svg,
        r##"<polyline fill="none" stroke="#2f6fb3" stroke-width="1.5" points="{}"/>"##,
        path.join(" ")
    );
    for (t, v) in &series.points {
        let _ = write!(
            svg,
            r##"<circle class="point" cx="{cx:.1}" cy="{cy:.1}" r="2.5" fill="#2f6fb3" data-batch="{t}" data-value="{v}"><title>{time}: {value} {unit}</title></circle>"##,
            cx = x(*t),
            cy = y(*v),
            time = super::super::progress::clock_time(*t),
            value = label(*v),
            unit = series.unit
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_round_up_and_points_carry_their_values() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(0.3), 0.5);
        let svg =
            line_chart(&Series { id: "c", title: "T", unit: "ms", points: vec![(1000, 1.5), (2000, 3.0)] });
        assert!(svg.contains(r#"data-batch="2000" data-value="3""#), "{svg}");
        assert!(svg.contains(">ms</text>"));
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
