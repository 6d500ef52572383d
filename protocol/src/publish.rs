//! Published tallies and the regional view.
//!
//! Raw counts never leave a group's own node. What a group shares with a network is its
//! published tally: per period, one cell per issue, where a count below the network's threshold
//! `k` is written as "fewer than k" and never as its value. Automerge keeps every value a
//! document ever held, so the suppressed value must never be written at all: cells are computed
//! here, before anything touches the document.
//!
//! The regional view sums members' published cells per issue. A suppressed cell could hold
//! anything from 0 to k−1, so a total with suppressed cells is a range, never a guess. A region
//! publishes its merged counts upward (to a national network) as one member's cells,
//! re-suppressed: a range whose low end is below k is widened down to 0, and a range wholly
//! below k becomes "fewer than k", so no published document ever holds a number from 1 to k−1.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, MAX_LABEL, check_label};
use crate::doc::{DocKind, Schema};
use crate::error::ValidationError;
use crate::ids::{Day, DocId, GroupId, IssueKey, Period};
use crate::network::Settings;

/// The most issues one period of a published tally may hold.
pub const MAX_CELLS: usize = 500;

/// One published count, as shown and as summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Cell {
    /// Exactly this many (0, or at least k).
    Exact {
        /// The count.
        count: i64,
    },
    /// Fewer than `k` (possibly none): the value is suppressed.
    FewerThan {
        /// The threshold in force when it was published.
        k: i64,
    },
    /// Between `low` and `high`, inclusive (a region's merged count with suppressed parts).
    Between {
        /// The least it can be: 0 or at least k.
        low: i64,
        /// The most it can be: at least k.
        high: i64,
    },
}

impl Cell {
    /// The inclusive range of true counts this cell stands for.
    pub fn range(&self) -> (i64, i64) {
        match *self {
            Self::Exact { count } => (count, count),
            Self::FewerThan { k } => (0, (k - 1).max(0)),
            Self::Between { low, high } => (low, high),
        }
    }

    /// A raw count as published under threshold `k` (0 turns suppression off).
    pub fn suppress(count: i64, k: i64) -> Self {
        Self::suppress_range(count, count, k)
    }

    /// A range of counts as published under threshold `k`: no number from 1 to k−1 survives.
    pub fn suppress_range(low: i64, high: i64, k: i64) -> Self {
        let (low, high) = (low.max(0), high.max(low.max(0)));
        if k <= 1 {
            return if low == high {
                Self::Exact { count: low }
            } else {
                Self::Between { low, high }
            };
        }
        if high < k {
            return if high == 0 {
                Self::Exact { count: 0 }
            } else {
                Self::FewerThan { k }
            };
        }
        let low = if low < k { 0 } else { low };
        if low == high {
            Self::Exact { count: low }
        } else {
            Self::Between { low, high }
        }
    }
}

/// A cell as the document stores it: a kind and up to two numbers, none of them from 1 to k−1.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile)]
pub struct StoredCell {
    /// `exact`, `fewer_than` or `between`.
    pub kind: String,
    /// The count, k, or the low end.
    pub a: i64,
    /// The high end (`between` only; otherwise 0).
    pub b: i64,
}

impl From<Cell> for StoredCell {
    fn from(c: Cell) -> Self {
        let (kind, a, b) = match c {
            Cell::Exact { count } => ("exact", count, 0),
            Cell::FewerThan { k } => ("fewer_than", k, 0),
            Cell::Between { low, high } => ("between", low, high),
        };
        Self {
            kind: kind.into(),
            a,
            b,
        }
    }
}

impl TryFrom<&StoredCell> for Cell {
    type Error = ValidationError;
    fn try_from(s: &StoredCell) -> Result<Self, ValidationError> {
        let bad = || ValidationError::WrongDocument {
            expected: "published cell",
            reason: format!(
                "unknown cell `{}`",
                s.kind.chars().take(20).collect::<String>()
            ),
        };
        let cell = match s.kind.as_str() {
            "exact" => Self::Exact { count: s.a },
            "fewer_than" => Self::FewerThan { k: s.a },
            "between" => Self::Between {
                low: s.a,
                high: s.b,
            },
            _ => return Err(bad()),
        };
        let (low, high) = cell.range();
        if low < 0 || high < low {
            return Err(bad());
        }
        Ok(cell)
    }
}

/// One period of a published tally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hydrate, Reconcile)]
pub struct PeriodCells {
    /// The threshold the cells were suppressed with.
    pub k: i64,
    /// Issue key → cell.
    pub cells: BTreeMap<String, StoredCell>,
    /// Labels of issues outside the built-in catalogue: key → label.
    pub labels: BTreeMap<String, String>,
    /// The day it was last published (absent in documents of earlier releases).
    #[autosurgeon(missing = "never")]
    pub published: Option<Day>,
}

fn never() -> Option<Day> {
    None
}

/// What publishing a period again did to each cell, against what was published before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revised {
    /// The cells to publish.
    pub cells: PeriodCells,
    /// Issues whose count moved by less than k since the last publication: published as a
    /// range that holds the new count and whose ends each moved by 0 or by at least k.
    pub ranged: Vec<IssueKey>,
}

/// The end of a range as it may be published after `prev`, given the fresh value `new`:
/// unchanged, or moved by at least `k`, and never past the fresh range (`up`: a high end).
fn revised_end(prev: i64, new: i64, k: i64, up: bool) -> i64 {
    if new == prev || (new - prev).abs() >= k {
        return new;
    }
    match (up, new > prev) {
        // The fresh range still lies within the old end: keep it.
        (false, true) | (true, false) => prev,
        // A low end that fell by less than k falls by k (to 0 where that would be a small
        // count); a high end that rose by less than k rises by k.
        (false, false) => {
            let low = prev - k;
            if low < k { 0 } else { low }
        }
        (true, true) => prev + k,
    }
}

impl PeriodCells {
    /// This period's cells published again after `previous` (the same period as published
    /// before, if ever): where a count moved by less than k at either end since then, the
    /// cell becomes a range that holds the new count and whose ends each moved by 0 or by at
    /// least k, so that comparing two versions never tells that one or two more people raised
    /// an issue. No number from 1 to k−1 is written.
    pub fn revise(self, previous: Option<&PeriodCells>) -> Revised {
        let Some(previous) = previous else {
            return Revised {
                cells: self,
                ranged: Vec::new(),
            };
        };
        let k = self.k;
        if k <= 1 {
            return Revised {
                cells: self,
                ranged: Vec::new(),
            };
        }
        let mut out = self.clone();
        let mut ranged = Vec::new();
        let keys: std::collections::BTreeSet<String> = self
            .cells
            .keys()
            .chain(previous.cells.keys())
            .cloned()
            .collect();
        for key in keys {
            let read = |c: Option<&StoredCell>| {
                c.and_then(|c| Cell::try_from(c).ok())
                    .unwrap_or(Cell::Exact { count: 0 })
                    .range()
            };
            let (pl, ph) = read(previous.cells.get(&key));
            let (nl, nh) = read(self.cells.get(&key));
            let (low, high) = (revised_end(pl, nl, k, false), revised_end(ph, nh, k, true));
            if (low, high) == (nl, nh) {
                continue;
            }
            let cell = if low == high {
                Cell::Exact { count: low }
            } else if low == 0 && high == k - 1 {
                Cell::FewerThan { k }
            } else {
                Cell::Between { low, high }
            };
            out.cells.insert(key.clone(), cell.into());
            if let Ok(issue) = key.parse() {
                ranged.push(issue);
            }
        }
        Revised { cells: out, ranged }
    }

    /// The cells re-suppressed under a higher threshold `k`: what was exact below it becomes
    /// "fewer than k", a range whose low end is below it starts at 0.
    pub fn resuppressed(&self, k: i64) -> Self {
        let mut out = self.clone();
        out.k = k;
        for cell in out.cells.values_mut() {
            if let Ok(c) = Cell::try_from(&*cell) {
                let (low, high) = c.range();
                *cell = Cell::suppress_range(low, high, k).into();
            }
        }
        out
    }
}

/// Whether `period` may be published now (`now`: unix seconds): once it is over in the
/// network's time zone, unless its coordinators allow open months.
pub fn may_publish(period: Period, settings: &Settings, now: i64) -> Result<(), ValidationError> {
    if settings.open_months {
        return Ok(());
    }
    let today = settings.today(now).map_err(|e| ValidationError::Rejected {
        field: "period",
        reason: e.to_string(),
    })?;
    if Period::of(today) > period {
        return Ok(());
    }
    Err(ValidationError::Rejected {
        field: "period",
        reason: format!(
            "{period} is not over yet in the network's time zone ({}): a month is published once it is over, so that no publication follows a single meeting; a coordinator can allow open months",
            settings.zone()
        ),
    })
}

/// The body of a group's published tally in one network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hydrate, Reconcile)]
pub struct Published {
    /// Period (`YYYY-MM`) → its cells.
    pub periods: BTreeMap<String, PeriodCells>,
}

impl Schema for Published {
    const KIND: DocKind = DocKind::Published;
}

/// The id of `group`'s published tally in `network`: derived, so every node finds it.
pub fn published_id(network: &DocId, group: &GroupId) -> DocId {
    DocId::derived(&format!("published/{network}"), group)
}

impl PeriodCells {
    /// Cells from raw counts (issue → count) under threshold `k`, with labels for issues that
    /// are not built in. Counts of 0 are left out (absent means none).
    pub fn from_counts(
        counts: &BTreeMap<IssueKey, i64>,
        k: i64,
        catalogue: &Catalogue,
    ) -> Result<Self, ValidationError> {
        let ranges = counts.iter().map(|(i, c)| (i.clone(), (*c, *c)));
        Self::from_ranges(ranges, k, catalogue)
    }

    /// Cells from ranges (issue → (low, high)), re-suppressed under `k`.
    pub fn from_ranges(
        ranges: impl IntoIterator<Item = (IssueKey, (i64, i64))>,
        k: i64,
        catalogue: &Catalogue,
    ) -> Result<Self, ValidationError> {
        let mut out = Self {
            k,
            ..Self::default()
        };
        let labels: BTreeMap<IssueKey, (String, bool)> = catalogue
            .entries()
            .into_iter()
            .map(|e| (e.key, (e.label, e.built_in)))
            .collect();
        for (issue, (low, high)) in ranges {
            if high <= 0 {
                continue;
            }
            out.cells
                .insert(issue.to_string(), Cell::suppress_range(low, high, k).into());
            if let Some((label, false)) = labels.get(&issue) {
                out.labels.insert(issue.to_string(), label.clone());
            }
        }
        out.check()?;
        Ok(out)
    }

    /// The cells, read.
    pub fn read(&self) -> Result<BTreeMap<IssueKey, Cell>, ValidationError> {
        self.cells
            .iter()
            .map(|(k, c)| {
                let key: IssueKey = k.parse().map_err(|_| ValidationError::WrongDocument {
                    expected: "issue key",
                    reason: "malformed key in a published tally".into(),
                })?;
                Ok((key, Cell::try_from(c)?))
            })
            .collect()
    }

    /// Checks limits, cells and labels (for received documents too).
    pub fn check(&self) -> Result<(), ValidationError> {
        if self.cells.len() > MAX_CELLS {
            return Err(ValidationError::OutOfRange {
                field: "issues",
                value: self.cells.len() as i64,
                min: 0,
                max: MAX_CELLS as i64,
            });
        }
        self.read()?;
        for label in self.labels.values() {
            check_label("issue label", label, MAX_LABEL)?;
        }
        Ok(())
    }
}

impl Published {
    /// Checks every period (for received documents).
    pub fn check(&self) -> Result<(), ValidationError> {
        for (p, cells) in &self.periods {
            p.parse::<Period>()
                .map_err(|_| ValidationError::WrongDocument {
                    expected: "period",
                    reason: "malformed period in a published tally".into(),
                })?;
            cells.check()?;
        }
        Ok(())
    }
}

/// An issue and the inclusive range of its count.
pub type IssueRange = (IssueKey, (i64, i64));

/// One row of a regional view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionRow {
    /// The issue.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub issue: IssueKey,
    /// Its label.
    pub label: String,
    /// The least the true total can be.
    pub low: i64,
    /// The most the true total can be (equal to `low` when exact).
    pub high: i64,
    /// How many groups' cells were suppressed.
    pub suppressed: usize,
}

impl RegionRow {
    /// The total as people read it: "31", or "between 23 and 31".
    pub fn text(&self) -> String {
        if self.low == self.high {
            self.low.to_string()
        } else {
            format!("between {} and {}", self.low, self.high)
        }
    }
}

/// A network's merged counts for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionView {
    /// The network.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub network: DocId,
    /// The period.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub period: Period,
    /// The groups whose published cells are summed.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub groups: Vec<GroupId>,
    /// One row per issue, highest first.
    pub rows: Vec<RegionRow>,
}

impl RegionView {
    /// Sums members' published periods (group → its cells for the period, if published).
    pub fn merge(
        network: DocId,
        period: Period,
        published: &BTreeMap<GroupId, PeriodCells>,
    ) -> Self {
        let mut sums: BTreeMap<IssueKey, (i64, i64, usize)> = BTreeMap::new();
        let mut labels: BTreeMap<IssueKey, String> = Catalogue::new(BTreeMap::new())
            .entries()
            .into_iter()
            .map(|e| (e.key, e.label))
            .collect();
        let mut groups = Vec::new();
        for (group, cells) in published {
            let Ok(read) = cells.read() else { continue };
            groups.push(*group);
            for (k, l) in &cells.labels {
                if let Ok(key) = k.parse::<IssueKey>() {
                    labels.entry(key).or_insert_with(|| l.clone());
                }
            }
            for (issue, cell) in read {
                let (low, high) = cell.range();
                let e = sums.entry(issue).or_default();
                e.0 = e.0.saturating_add(low);
                e.1 = e.1.saturating_add(high);
                e.2 += usize::from(low != high);
            }
        }
        let mut rows: Vec<RegionRow> = sums
            .into_iter()
            .map(|(issue, (low, high, suppressed))| RegionRow {
                label: labels
                    .get(&issue)
                    .cloned()
                    .unwrap_or_else(|| issue.to_string()),
                issue,
                low,
                high,
                suppressed,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.high
                .cmp(&a.high)
                .then(b.low.cmp(&a.low))
                .then_with(|| a.issue.cmp(&b.issue))
        });
        Self {
            network,
            period,
            groups,
            rows,
        }
    }

    /// The view as CSV: issue, label, low, high, total as text.
    pub fn csv(&self) -> String {
        let mut out = String::from("issue,label,low,high,total\n");
        for r in &self.rows {
            let label = r.label.replace('"', "\"\"");
            out.push_str(&format!(
                "{},\"{}\",{},{},{}\n",
                r.issue,
                label,
                r.low,
                r.high,
                r.text()
            ));
        }
        out
    }

    /// The region's rows as ranges per issue, and labels of its non-built-in issues, for
    /// publishing upward as one member's cells.
    pub fn ranges(&self) -> (Vec<IssueRange>, Catalogue) {
        let built_in: Vec<IssueKey> = Catalogue::new(BTreeMap::new())
            .entries()
            .into_iter()
            .map(|e| e.key)
            .collect();
        let custom = self
            .rows
            .iter()
            .filter(|r| !built_in.contains(&r.issue))
            .map(|r| (r.issue.to_string(), r.label.clone()))
            .collect();
        (
            self.rows
                .iter()
                .map(|r| (r.issue.clone(), (r.low, r.high)))
                .collect(),
            Catalogue::new(custom),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The inclusive range of each issue's published cell (absent: exactly 0).
    fn ranges(p: &PeriodCells) -> BTreeMap<String, (i64, i64)> {
        p.cells
            .iter()
            .map(|(k, c)| (k.clone(), Cell::try_from(c).unwrap().range()))
            .collect()
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// The raw counts of three issues, published.
        Publish(Vec<i64>),
        /// The network's threshold set.
        SetK(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => prop::collection::vec(0i64..40, 3).prop_map(Op::Publish),
            1 => (0i64..13).prop_map(Op::SetK),
        ]
    }

    /// Every integer any change of `doc`'s history ever wrote, but the header's generation
    /// number (`n`), which counts no one.
    fn every_integer(doc: &automerge::Automerge) -> Vec<i64> {
        use automerge::ScalarValue;
        use automerge::legacy::{Key, OpType};
        doc.get_changes(&[])
            .iter()
            .flat_map(|c| c.decode().operations)
            .filter(|op| !matches!(&op.key, Key::Map(k) if k.as_str() == "n"))
            .filter_map(|op| match op.action {
                OpType::Put(ScalarValue::Int(i)) | OpType::Increment(i) => Some(i),
                OpType::Put(ScalarValue::Uint(u)) => Some(u as i64),
                _ => None,
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Any sequence of publications of one month and changes of k: no copy's history ever
        /// holds a number from 1 to k−1 for the k in force (raising k re-issues the document
        /// re-suppressed, without its history), and between two publications every cell's
        /// ends move by 0 or by at least k, while the published range always holds the count.
        #[test]
        fn publications_cannot_be_differenced(ops in prop::collection::vec(op(), 1..14), k0 in 2i64..8) {
            let g = crate::doc::tests::group(4);
            let day: Day = "2026-12-02".parse().unwrap();
            let period: Period = "2026-11".parse().unwrap();
            let catalogue = Catalogue::new(BTreeMap::new());
            let mut k = k0;
            let mut doc = crate::doc::create(g, Some(DocId::from_bytes([3; 16])), day, &Published::default()).unwrap();
            let mut last: Option<PeriodCells> = None;
            for op in ops {
                match op {
                    Op::Publish(counts) => {
                        let raw: BTreeMap<IssueKey, i64> = counts.iter().enumerate().map(|(i, c)| (key(i), *c)).collect();
                        let fresh = PeriodCells::from_counts(&raw, k, &catalogue).unwrap();
                        let revised = fresh.revise(last.as_ref());
                        let now = ranges(&revised.cells);
                        for (i, c) in counts.iter().enumerate() {
                            let (lo, hi) = now.get(key(i).as_str()).copied().unwrap_or((0, 0));
                            prop_assert!(lo <= *c && *c <= hi, "{c} outside {lo}..{hi}");
                        }
                        if let (Some(before), true) = (&last, k > 1) {
                            let before = ranges(before);
                            for key in before.keys().chain(now.keys()) {
                                let (a, b) = before.get(key).copied().unwrap_or((0, 0));
                                let (c, d) = now.get(key).copied().unwrap_or((0, 0));
                                for moved in [(c - a).abs(), (d - b).abs()] {
                                    prop_assert!(moved == 0 || moved >= k, "{key}: {a}..{b} then {c}..{d} under k={k}");
                                }
                            }
                        }
                        let cells = revised.cells.clone();
                        crate::doc::edit::<Published, _>(&mut doc, &g, day, |p| {
                            p.periods.insert(period.to_string(), cells);
                            Ok(())
                        }).unwrap();
                        last = Some(revised.cells);
                    }
                    Op::SetK(new) => {
                        if new > k {
                            // Raising k: every period re-suppressed, the document re-issued.
                            crate::doc::edit::<Published, _>(&mut doc, &g, day, |p| {
                                for cells in p.periods.values_mut() {
                                    *cells = cells.resuppressed(new);
                                }
                                Ok(())
                            }).unwrap();
                            doc = crate::generation::forget::<Published>(&doc, &g, day).unwrap();
                            last = last.map(|l| l.resuppressed(new));
                        }
                        k = new;
                    }
                }
                if k > 1 {
                    for n in every_integer(&doc) {
                        prop_assert!(!(1..k).contains(&n), "{n} in the history under k={k}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_month_is_published_once_it_is_over_in_the_networks_time_zone() {
        let period: Period = "2026-11".parse().unwrap();
        // 2026-12-01 00:30 UTC.
        let now = "2026-12-01".parse::<Day>().unwrap().unix_start() + 30 * 60;
        let mut s = Settings::default();
        assert_eq!(may_publish(period, &s, now), Ok(()));
        assert!(may_publish("2026-12".parse().unwrap(), &s, now).is_err());
        // An hour west of UTC it is still 30 November.
        s.utc_offset_minutes = -60;
        let e = may_publish(period, &s, now).unwrap_err();
        assert!(e.to_string().contains("UTC−01:00"), "{e}");
        // With no month named: the last one over there.
        assert_eq!(s.default_period(now).unwrap(), "2026-10".parse().unwrap());
        s.utc_offset_minutes = 60;
        assert_eq!(s.default_period(now).unwrap(), period);
        s.open_months = true;
        assert_eq!(may_publish(period, &s, now), Ok(()));
        assert_eq!(s.default_period(now).unwrap(), "2026-12".parse().unwrap());
    }

    #[test]
    fn seven_then_eight_is_published_as_a_range_not_as_one_more() {
        let catalogue = Catalogue::new(BTreeMap::new());
        let of = |n: i64| {
            PeriodCells::from_counts(&BTreeMap::from([(key(0), n)]), 5, &catalogue).unwrap()
        };
        let first = of(7).revise(None);
        let second = of(8).revise(Some(&first.cells));
        assert_eq!(second.ranged, vec![key(0)]);
        assert_eq!(
            Cell::try_from(&second.cells.cells[key(0).as_str()]).unwrap(),
            Cell::Between { low: 7, high: 12 }
        );
        // Published again with 8: nothing moves. With 13: each end moves by at least k.
        let third = of(8).revise(Some(&second.cells));
        assert_eq!(third.cells.cells, second.cells.cells);
        let fourth = of(13).revise(Some(&third.cells));
        assert_eq!(
            Cell::try_from(&fourth.cells.cells[key(0).as_str()]).unwrap(),
            Cell::Between { low: 13, high: 17 }
        );
    }

    fn key(i: usize) -> IssueKey {
        crate::catalogue::BUILT_IN[i % crate::catalogue::BUILT_IN.len()]
            .0
            .parse()
            .unwrap()
    }

    #[test]
    fn small_counts_are_suppressed() {
        assert_eq!(Cell::suppress(0, 5), Cell::Exact { count: 0 });
        assert_eq!(Cell::suppress(3, 5), Cell::FewerThan { k: 5 });
        assert_eq!(Cell::suppress(5, 5), Cell::Exact { count: 5 });
        assert_eq!(Cell::suppress(3, 0), Cell::Exact { count: 3 });
        assert_eq!(
            Cell::suppress_range(2, 9, 5),
            Cell::Between { low: 0, high: 9 }
        );
        assert_eq!(Cell::suppress_range(0, 4, 5), Cell::FewerThan { k: 5 });
    }

    #[test]
    fn a_region_with_suppressed_cells_is_an_honest_range() {
        let n = DocId::from_bytes([1; 16]);
        let p: Period = "2026-11".parse().unwrap();
        let cat = Catalogue::new(BTreeMap::new());
        let mut published = BTreeMap::new();
        for (seed, count) in [(1u8, 12), (2, 3), (3, 8)] {
            let g = crate::doc::tests::group(seed);
            let counts = BTreeMap::from([(key(0), count)]);
            published.insert(g, PeriodCells::from_counts(&counts, 5, &cat).unwrap());
        }
        let view = RegionView::merge(n, p, &published);
        assert_eq!(view.rows.len(), 1);
        let r = &view.rows[0];
        assert_eq!((r.low, r.high, r.suppressed), (20, 24, 1));
        assert_eq!(r.text(), "between 20 and 24");
        assert!(view.csv().contains("between 20 and 24"));
    }

    fn counts_strategy() -> impl Strategy<Value = Vec<Vec<i64>>> {
        prop::collection::vec(prop::collection::vec(0i64..40, 1..8), 1..6)
    }

    proptest! {
        /// No cell ever holds a number from 1 to k−1, at either level.
        #[test]
        fn no_published_cell_holds_a_small_count(tables in counts_strategy(), k in 0i64..12) {
            let cat = Catalogue::new(BTreeMap::new());
            let n = DocId::from_bytes([1; 16]);
            let p: Period = "2026-11".parse().unwrap();
            let mut published = BTreeMap::new();
            for (g, row) in tables.iter().enumerate() {
                let counts: BTreeMap<IssueKey, i64> =
                    row.iter().enumerate().map(|(i, c)| (key(i), *c)).collect();
                let cells = PeriodCells::from_counts(&counts, k, &cat).unwrap();
                for c in cells.cells.values() {
                    for v in [c.a, c.b] {
                        prop_assert!(k <= 1 || !(1..k).contains(&v), "{v} published under k={k}");
                    }
                }
                published.insert(crate::doc::tests::group(g as u8 + 1), cells);
            }
            let region = RegionView::merge(n, p, &published);
            let (ranges, cat) = region.ranges();
            let upward = PeriodCells::from_ranges(ranges, k, &cat).unwrap();
            for c in upward.cells.values() {
                for v in [c.a, c.b] {
                    prop_assert!(k <= 1 || !(1..k).contains(&v), "{v} rolled up under k={k}");
                }
            }
        }

        /// The true total always lies inside the printed range, at the region and a level up.
        #[test]
        fn regional_ranges_hold_the_true_total(tables in counts_strategy(), k in 0i64..12) {
            let cat = Catalogue::new(BTreeMap::new());
            let n = DocId::from_bytes([1; 16]);
            let p: Period = "2026-11".parse().unwrap();
            let mut published = BTreeMap::new();
            let mut truth: BTreeMap<IssueKey, i64> = BTreeMap::new();
            for (g, row) in tables.iter().enumerate() {
                let counts: BTreeMap<IssueKey, i64> =
                    row.iter().enumerate().map(|(i, c)| (key(i), *c)).collect();
                for (i, c) in &counts {
                    *truth.entry(i.clone()).or_default() += c;
                }
                published.insert(
                    crate::doc::tests::group(g as u8 + 1),
                    PeriodCells::from_counts(&counts, k, &cat).unwrap(),
                );
            }
            let region = RegionView::merge(n, p, &published);
            for r in &region.rows {
                let t = truth[&r.issue];
                prop_assert!(r.low <= t && t <= r.high, "{t} outside {}..{}", r.low, r.high);
            }
            for (issue, t) in &truth {
                if *t > 0 {
                    prop_assert!(region.rows.iter().any(|r| &r.issue == issue));
                }
            }
            // One level up: the region as one member of a nation.
            let (ranges, cat) = region.ranges();
            let upward = PeriodCells::from_ranges(ranges, k, &cat).unwrap();
            let nation = RegionView::merge(n, p, &BTreeMap::from([(crate::doc::tests::group(99), upward)]));
            for r in &nation.rows {
                let t = truth[&r.issue];
                prop_assert!(r.low <= t && t <= r.high);
            }
        }
    }
}
