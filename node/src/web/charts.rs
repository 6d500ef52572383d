//! Charts drawn on the server as inline SVG: bar charts of counts, bar charts of honest ranges
//! (for suppressed cells of merged counts), and a campaign's power map.
//!
//! Colours come from the stylesheet through classes, so the charts follow the page's contrast
//! rules and need no inline style. Every chart carries a `<title>` and sits beside a table or
//! list holding the same numbers, for screen readers and for copying. Right-to-left pages get
//! mirrored charts: bars grow from the right and opposed targets sit on the right; text anchors
//! say `start` and `end` and the chart's `direction` decides which side that is.

use std::collections::HashMap;

use maud::{Markup, html};

use super::i18n::Lang;
use fluent_bundle::FluentValue;

/// The width of every chart's coordinate system; the stylesheet scales it to the page.
const WIDTH: f64 = 400.0;
/// The margin around a chart's drawing.
const PAD: f64 = 8.0;
/// Room kept after the longest bar for its number.
const VALUE_ROOM: f64 = 64.0;
/// The height of one bar chart row (label line above, bar below).
const ROW: f64 = 44.0;

/// One bar: a label and a count known to lie between `low` and `high` (equal when exact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeRow {
    /// What the bar counts, e.g. an issue's label.
    pub label: String,
    /// The least the count can be.
    pub low: i64,
    /// The most the count can be; equal to `low` for an exact count.
    pub high: i64,
}

impl RangeRow {
    /// An exact count.
    pub fn exact(label: impl Into<String>, count: i64) -> Self {
        Self {
            label: label.into(),
            low: count,
            high: count,
        }
    }
}

/// Mirrors a horizontal span `[x, x + w)` for right-to-left pages.
fn span(lang: Lang, x: f64, w: f64) -> f64 {
    if lang.rtl() { WIDTH - x - w } else { x }
}

/// Mirrors a point's x for right-to-left pages.
fn at(lang: Lang, x: f64) -> f64 {
    if lang.rtl() { WIDTH - x } else { x }
}

/// A bar chart of exact counts.
pub fn bar_chart(title: &str, rows: &[(String, i64)], lang: Lang) -> Markup {
    let rows: Vec<RangeRow> = rows
        .iter()
        .map(|(label, n)| RangeRow::exact(label.clone(), *n))
        .collect();
    range_chart(title, &rows, lang)
}

/// A bar chart in which each bar may be a range: the part known for certain is solid, the part
/// that may or may not be there is drawn open and dashed, and the number reads `low–high`.
/// A row with `low == high` is an exact count and drawn as a plain bar.
pub fn range_chart(title: &str, rows: &[RangeRow], lang: Lang) -> Markup {
    let max = rows
        .iter()
        .map(|r| r.high.max(r.low))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let scale = (WIDTH - 2.0 * PAD - VALUE_ROOM) / max;
    let height = PAD * 2.0 + ROW * rows.len() as f64;
    html! {
        svg class="chart" viewBox=(format!("0 0 {WIDTH} {height}")) role="img"
            aria-label=(title) direction=(lang.dir()) {
            title { (title) }
            @for (i, r) in rows.iter().enumerate() {
                @let top = PAD + ROW * i as f64;
                @let solid = r.low.max(0) as f64 * scale;
                @let open = (r.high - r.low).max(0) as f64 * scale;
                @let value = if r.low == r.high {
                    lang.number(r.low)
                } else {
                    lang.t_args("range-value", &[("low", FluentValue::from(r.low)), ("high", FluentValue::from(r.high))])
                };
                g class="bar-row" {
                    text class="bar-label" x=(at(lang, PAD)) y=(top + 14.0)
                        text-anchor="start" { (r.label) }
                    rect class="bar" x=(span(lang, PAD, solid)) y=(top + 20.0)
                        width=(solid) height="16" {}
                    @if open > 0.0 {
                        rect class="bar-range" x=(span(lang, PAD + solid, open)) y=(top + 20.5)
                            width=(open) height="15" {}
                    }
                    text class="bar-value" x=(at(lang, PAD + solid + open + 6.0)) y=(top + 33.0)
                        text-anchor="start" { (value) }
                }
            }
        }
    }
}

/// One entry of a power map: its number in the list beside the map, whether it is an ally,
/// its influence (1 to 5) and stance (−2 opposed to +2 supportive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerPoint {
    /// The entry's number, as printed in the list beside the map.
    pub number: usize,
    /// An ally rather than a target.
    pub ally: bool,
    /// 1 (little power over the goal) to 5 (decides).
    pub influence: i64,
    /// −2 (opposed) to +2 (supportive).
    pub stance: i64,
}

/// A power map: stance across (opposed to supportive), influence up (little to decides), one
/// numbered circle per target or ally.
pub fn power_map(title: &str, points: &[PowerPoint], lang: Lang) -> Markup {
    const HEIGHT: f64 = 300.0;
    const LEFT: f64 = 40.0;
    const BOTTOM: f64 = 40.0;
    let (plot_w, plot_h) = (WIDTH - LEFT - PAD * 2.0, HEIGHT - BOTTOM - PAD * 2.0);
    let cell_w = plot_w / 5.0;
    let cell_h = plot_h / 5.0;
    let x_of = |stance: i64| LEFT + PAD + cell_w * ((stance.clamp(-2, 2) + 2) as f64 + 0.5);
    let y_of = |influence: i64| PAD + cell_h * ((5 - influence.clamp(1, 5)) as f64 + 0.5);
    // Entries in the same cell are spread out so that none hides another.
    let mut seen: HashMap<(i64, i64), usize> = HashMap::new();
    let placed: Vec<(f64, f64, &PowerPoint)> = points
        .iter()
        .map(|p| {
            let k = seen.entry((p.stance, p.influence)).or_default();
            let (dx, dy) = ((*k % 3) as f64 * 22.0 - 22.0, (*k / 3) as f64 * 18.0);
            *k += 1;
            (x_of(p.stance) + dx, y_of(p.influence) + dy, p)
        })
        .collect();
    html! {
        svg class="chart power-map" viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img"
            aria-label=(title) direction=(lang.dir()) {
            title { (title) }
            @for i in 0..=5 {
                @let x = LEFT + PAD + cell_w * f64::from(i);
                @let y = PAD + cell_h * f64::from(i);
                line class="grid" x1=(at(lang, x)) y1=(PAD) x2=(at(lang, x)) y2=(PAD + plot_h) {}
                line class="grid" x1=(at(lang, LEFT + PAD)) y1=(y) x2=(at(lang, LEFT + PAD + plot_w)) y2=(y) {}
            }
            text class="axis" x=(at(lang, LEFT + PAD)) y=(HEIGHT - 14.0)
                text-anchor="start" { (lang.t("map-opposed")) }
            text class="axis" x=(at(lang, LEFT + PAD + plot_w)) y=(HEIGHT - 14.0)
                text-anchor="end" { (lang.t("map-supportive")) }
            text class="axis" x=(at(lang, LEFT + PAD - 6.0)) y=(y_of(5) + 4.0)
                text-anchor="end" { (lang.number(5)) }
            text class="axis" x=(at(lang, LEFT + PAD - 6.0)) y=(y_of(1) + 4.0)
                text-anchor="end" { (lang.number(1)) }
            @let (ix, iy) = (at(lang, PAD + 12.0), PAD + plot_h / 2.0);
            text class="axis" x=(ix) y=(iy) text-anchor="middle"
                transform=(format!("rotate(-90 {ix} {iy})")) { (lang.t("map-influence")) }
            @for (x, y, p) in &placed {
                g class=(if p.ally { "point ally" } else { "point target" }) {
                    circle cx=(at(lang, *x)) cy=(y) r="10" {}
                    text x=(at(lang, *x)) y=(y + 4.0) text-anchor="middle" {
                        (lang.number(p.number as i64))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(markup: &str, needle: &str) -> usize {
        markup.matches(needle).count()
    }

    #[test]
    fn exact_rows_are_plain_bars_and_ranges_show_both_ends() {
        let rows = [
            RangeRow::exact("Housing", 12),
            RangeRow {
                label: "Detention".into(),
                low: 0,
                high: 4,
            },
            RangeRow {
                label: "Health <care>".into(),
                low: 5,
                high: 9,
            },
        ];
        let svg = range_chart("Regional counts", &rows, Lang::En).into_string();
        assert_eq!(count(&svg, "class=\"bar\""), 3);
        assert_eq!(count(&svg, "class=\"bar-range\""), 2, "only the two ranges");
        assert!(svg.contains(">12<"), "{svg}");
        assert!(svg.contains(">0–4<") && svg.contains(">5–9<"), "{svg}");
        assert!(svg.contains("Health &lt;care&gt;"), "labels are escaped");
        assert!(svg.contains("<title>Regional counts</title>"));
        // The longest bar (12) spans the whole drawing width less the room for its number.
        let full = WIDTH - 2.0 * PAD - VALUE_ROOM;
        assert!(svg.contains(&format!("width=\"{full}\"")), "{svg}");
    }

    #[test]
    fn right_to_left_charts_grow_from_the_right() {
        let rows = [RangeRow::exact("سكن", 4)];
        let ltr = range_chart("t", &rows, Lang::En).into_string();
        let rtl = range_chart("t", &rows, Lang::Ar).into_string();
        let full = WIDTH - 2.0 * PAD - VALUE_ROOM;
        assert!(
            ltr.contains(&format!("x=\"{PAD}\" y=\"28\" width=\"{full}\"")),
            "{ltr}"
        );
        assert!(
            rtl.contains(&format!(
                "x=\"{}\" y=\"28\" width=\"{full}\"",
                WIDTH - PAD - full
            )),
            "{rtl}"
        );
        assert!(rtl.contains(">٤<"), "Arabic digits: {rtl}");
    }

    #[test]
    fn an_empty_chart_is_still_valid() {
        let svg = bar_chart("none", &[], Lang::Fr).into_string();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn power_map_places_every_entry_once() {
        let pts: Vec<PowerPoint> = (1..=4)
            .map(|n| PowerPoint {
                number: n,
                ally: n % 2 == 0,
                influence: 5,
                stance: -2,
            })
            .collect();
        let svg = power_map("Power map", &pts, Lang::En).into_string();
        assert_eq!(count(&svg, "<circle"), 4);
        assert_eq!(count(&svg, "point ally"), 2);
        // Four entries in one cell: no two circles share a centre.
        let centres: std::collections::HashSet<&str> = svg
            .split("<circle ")
            .skip(1)
            .map(|c| c.split(" r=").next().unwrap_or(""))
            .collect();
        assert_eq!(centres.len(), 4, "{svg}");
    }
}
