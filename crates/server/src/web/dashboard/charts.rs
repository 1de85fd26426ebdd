//! Charts as SVG drawn here: no script, colours from the stylesheet (so they follow the
//! light and dark schemes), and a title, a description and the numbers as a table for
//! anyone who cannot see them.

use std::fmt::Write;

use super::html::{escape, number, table};
use super::i18n::Texts;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const PAD: f64 = 28.0;

/// A daily series: labels (days) and values (`None`: no data that day).
pub struct Series<'a> {
    pub title: &'a str,
    /// What the horizontal axis counts in (`Day`, `Week`), also the numbers table's first heading.
    pub x: &'a str,
    /// What the values are (`answers`, `points`, `CSAT (1–5)`), written by the vertical axis.
    pub unit: &'a str,
    pub points: Vec<(String, Option<f64>)>,
    pub decimals: usize,
    /// Answers behind each point (shown in the numbers table); empty for plain counts.
    pub counts: Vec<i64>,
}

fn frame(id: &str, t: &Texts, s: &Series, shapes: &str, max: f64, min: f64) -> String {
    let title = escape(s.title);
    let description = escape(&t.chart_of.replace("{title}", s.title));
    let rows: Vec<Vec<String>> = s
        .points
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let mut row = vec![
                escape(label),
                value.map_or_else(|| "–".into(), |v| number(v, s.decimals)),
            ];
            if let Some(n) = s.counts.get(i) {
                row.push(n.to_string());
            }
            row
        })
        .collect();
    let headers: &[&str] = if s.counts.is_empty() {
        &[s.x, t.value]
    } else {
        &[s.x, t.value, t.answers]
    };
    let (first, last) = (
        s.points.first().map_or("", |p| p.0.as_str()),
        s.points.last().map_or("", |p| p.0.as_str()),
    );
    format!(
        r#"<figure class="chart">
<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMid meet">
<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>
<line class="axis" x1="{PAD}" y1="{base}" x2="{right}" y2="{base}"/>
<text class="tick" x="2" y="{top_text}">{max_label}</text><text class="tick" x="2" y="{base}">{min_label}</text>
{shapes}
<text class="tick" x="{PAD}" y="{label_y}">{first}</text>{last}
<text class="tick axis-label unit" x="{unit_x}" y="{top_text}">{unit}</text><text class="tick axis-label period" x="{middle}" y="{label_y}" text-anchor="middle">{period}</text>
</svg>
<figcaption>{title}</figcaption>
<details><summary>{numbers}</summary>{table}</details>
</figure>"#,
        height = HEIGHT + 20.0,
        base = HEIGHT - 4.0,
        right = WIDTH - 4.0,
        top_text = PAD - 14.0,
        label_y = HEIGHT + 16.0,
        // Right of the top value, however many digits it has (a tick digit is under 7 units).
        unit_x = (2.0 + 7.0 * number(max, s.decimals).chars().count() as f64 + 4.0).max(PAD + 4.0),
        max_label = number(max, s.decimals),
        min_label = number(min, s.decimals),
        first = escape(first),
        // Under the last day's slot (the right edge once there are a week's days or more);
        // a one-day chart has one label.
        last = if s.points.len() > 1 {
            format!(
                r#"<text class="tick end" x="{:.1}" y="{}">{}</text>"#,
                x(s.points.len() - 1, s.points.len()) + step(s.points.len()) / 2.0,
                HEIGHT + 16.0,
                escape(last)
            )
        } else {
            String::new()
        },
        numbers = t.show_table,
        unit = escape(s.unit),
        period = escape(s.x),
        middle = (PAD + WIDTH - 4.0) / 2.0,
        table = table(s.title, headers, &rows),
    )
}

fn y(value: f64, min: f64, max: f64) -> f64 {
    let span = if max > min { max - min } else { 1.0 };
    (HEIGHT - 4.0) - (value - min) / span * (HEIGHT - 4.0 - PAD)
}

/// However few days a chart has, each takes at most a week's share of the width: one day is
/// drawn as a day, not as a bar across the chart.
const MIN_SLOTS: usize = 7;

fn step(n: usize) -> f64 {
    (WIDTH - PAD - 8.0) / n.max(MIN_SLOTS) as f64
}

fn x(i: usize, n: usize) -> f64 {
    PAD + step(n) * i as f64 + step(n) / 2.0
}

/// Counts per day, as bars from zero.
pub fn bars(id: &str, t: &Texts, s: &Series) -> String {
    let max = s.points.iter().filter_map(|p| p.1).fold(0.0_f64, f64::max).max(1.0);
    let n = s.points.len();
    let width = (step(n) * 0.7).max(1.0);
    let mut shapes = String::new();
    for (i, (_, value)) in s.points.iter().enumerate() {
        if let Some(v) = value {
            let top = y(*v, 0.0, max);
            let _ = write!(
                shapes,
                r#"<rect class="bar" x="{:.1}" y="{top:.1}" width="{width:.1}" height="{:.1}"/>"#,
                x(i, n) - width / 2.0,
                HEIGHT - 4.0 - top
            );
        }
    }
    frame(id, t, s, &shapes, max, 0.0)
}

/// Values per day on a fixed range (CSAT 1 to 5, NPS −100 to 100), joined where days have data.
pub fn line(id: &str, t: &Texts, s: &Series, (min, max): (f64, f64)) -> String {
    let n = s.points.len();
    let mut path = String::new();
    let mut dots = String::new();
    for (i, (_, value)) in s.points.iter().enumerate() {
        if let Some(v) = value {
            let (px, py) = (x(i, n), y(*v, min, max));
            let _ = write!(path, "{}{px:.1},{py:.1} ", if path.is_empty() { "M" } else { "L" });
            let _ = write!(dots, r#"<circle class="dot" cx="{px:.1}" cy="{py:.1}" r="3"/>"#);
        }
    }
    let shapes = format!(r#"<path class="line" d="{}"/>{dots}"#, path.trim_end());
    frame(id, t, s, &shapes, max, min)
}

/// A difference to control as a point with its 95% interval, around a zero line. `range` is
/// the widest interval on the page, so intervals compare at a glance.
pub fn interval(id: &str, label: &str, (low, point, high): (f64, f64, f64), range: f64) -> String {
    let range = range.max(1e-9);
    let width = 240.0;
    let at = |v: f64| 8.0 + (v + range) / (2.0 * range) * (width - 16.0);
    let class = if low > 0.0 {
        "better"
    } else if high < 0.0 {
        "worse"
    } else {
        "unclear"
    };
    format!(
        r#"<svg class="interval {class}" viewBox="0 0 {width} 24" width="{width}" height="24" role="img" aria-labelledby="{id}"><title id="{id}">{label}</title>
<line class="zero" x1="{zero:.1}" y1="2" x2="{zero:.1}" y2="22"/><line class="ci" x1="{l:.1}" y1="12" x2="{h:.1}" y2="12"/><circle class="dot" cx="{p:.1}" cy="12" r="4"/></svg>"#,
        label = escape(label),
        zero = at(0.0),
        l = at(low),
        h = at(high),
        p = at(point),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::dashboard::i18n::texts;

    #[test]
    fn charts_carry_their_numbers_as_text() {
        let s = Series {
            title: "Answers <per> day",
            x: "Day",
            unit: "answers",
            points: vec![("2026-11-01".into(), Some(3.0)), ("2026-11-02".into(), None)],
            decimals: 0,
            counts: vec![],
        };
        let svg = bars("a", texts(moments_protocol::Locale::En), &s);
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"a-title\">Answers &lt;per&gt; day</title>"));
        assert!(svg.contains("<td>2026-11-01</td><td>3</td>") && svg.contains("<td>–</td>"));
        assert_eq!(svg.matches("<rect").count(), 1, "no bar for a day without data");
        let ci = interval("i", "+0.05", (0.01, 0.05, 0.09), 0.1);
        assert!(ci.contains("better"));
    }

    fn widths(svg: &str) -> Vec<f64> {
        svg.split(r#"<rect class="bar""#)
            .skip(1)
            .filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn a_day_is_drawn_as_a_day_however_few_there_are() {
        let t = crate::web::dashboard::i18n::texts(moments_protocol::Locale::En);
        let series = |n: usize| Series {
            title: "Exposures per day",
            x: "Day",
            unit: "visitors",
            points: (0..n).map(|i| (format!("11-{i:02}"), Some(3.0))).collect(),
            decimals: 0,
            counts: Vec::new(),
        };
        let one = widths(&bars("one", t, &series(1)));
        let week = widths(&bars("week", t, &series(7)));
        assert_eq!(one.len(), 1);
        assert!(
            one[0] <= week[0] + 0.05,
            "one day {one:?} wider than a day of a week {week:?}"
        );
        assert!(one[0] < (WIDTH - PAD) / 6.0);
    }

    #[test]
    fn axes_say_what_they_measure() {
        let t = texts(moments_protocol::Locale::En);
        let s = Series {
            title: "Points issued per week",
            x: "Week",
            unit: "points",
            points: vec![("2026-10-05".into(), Some(800.0))],
            decimals: 0,
            counts: vec![],
        };
        let svg = bars("w", t, &s);
        assert!(
            svg.contains(r#"axis-label unit""#) && svg.contains(">points</text>"),
            "{svg}"
        );
        assert!(
            svg.contains(r#"axis-label period""#) && svg.contains(">Week</text>"),
            "{svg}"
        );
        assert!(
            svg.contains(r#"<th scope="col">Week</th>"#),
            "the numbers table names its first column the same way"
        );
    }
}
