//! A group's raw tally: how many times each issue was raised, per month. Counts only, never who.
//!
//! The raw tally is written by its owning group alone and never leaves the group's own nodes.
//! Counts are Automerge counters, so increments made on two copies of the document add up when
//! they merge instead of one overwriting the other.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use autosurgeon::{Counter, Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::doc::{DocError, DocKind, Schema, transact};
use crate::error::ValidationError;
use crate::ids::{Day, GroupId, IssueKey, Period};

/// The largest count accepted in one increment: a bigger number is a typing mistake.
pub const MAX_INCREMENT: i64 = 10_000;

/// After how many changes of one generation a group's raw tally is re-issued as the next
/// generation, holding its counts and none of its history ([`crate::generation::forget`]; no
/// other node is concerned: the raw tally never leaves the group's nodes). Automerge 0.12
/// reads a counter by walking every increment made to it, and collects a new change by
/// walking the document, so an increment's cost grows with the tally's history (about 40 µs
/// with 45 increments a counter, 110 µs with 1,450), and so does loading it at start.
pub const REISSUE_AFTER: u64 = 1024;

/// How many changes of the current generation `doc` holds, by the sequence numbers of its
/// heads (a raw tally has one writer, so its newest change's number counts them).
pub fn changes_in_generation(doc: &Automerge) -> u64 {
    doc.get_heads()
        .iter()
        .filter_map(|h| doc.get_change_meta_by_hash(h))
        .map(|m| m.seq)
        .max()
        .unwrap_or(0)
}

/// The body of a group's tally document.
#[derive(Debug, Clone, Default, Hydrate, Reconcile)]
pub struct Tally {
    /// Period (`YYYY-MM`) → issue key → count.
    pub counts: BTreeMap<String, BTreeMap<String, Counter>>,
    /// The group's own issues beside the built-in catalogue: key → label.
    pub custom_issues: BTreeMap<String, String>,
}

impl Schema for Tally {
    const KIND: DocKind = DocKind::Tally;

    fn fresh(&self) -> Self {
        let mut t = self.clone();
        for cells in t.counts.values_mut() {
            for c in cells.values_mut() {
                *c = Counter::with_value(c.value());
            }
        }
        t
    }
}

/// A checked request to add to one issue's count in one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Increment {
    /// The issue.
    pub issue: IssueKey,
    /// How many more times it was raised: 1 to [`MAX_INCREMENT`].
    pub count: i64,
    /// The month it was raised in.
    pub period: Period,
}

impl Increment {
    /// Checks an increment against a catalogue: a known issue and a count from 1 to
    /// [`MAX_INCREMENT`].
    pub fn check(
        catalogue: &Catalogue,
        issue: &str,
        count: i64,
        period: Period,
    ) -> Result<Self, ValidationError> {
        let issue = catalogue.resolve(issue)?;
        if !(1..=MAX_INCREMENT).contains(&count) {
            return Err(ValidationError::OutOfRange {
                field: "count",
                value: count,
                min: 1,
                max: MAX_INCREMENT,
            });
        }
        Ok(Self {
            issue,
            count,
            period,
        })
    }
}

/// One row of a tally view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TallyRow {
    /// The issue.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub issue: IssueKey,
    /// Its label.
    pub label: String,
    /// How many times it was raised.
    pub count: i64,
}

/// A group's counts for one period, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TallyView {
    /// The period.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11"))]
    pub period: Period,
    /// Issues raised at least once, most raised first.
    pub rows: Vec<TallyRow>,
    /// The sum of all rows.
    pub total: i64,
}

impl Tally {
    /// The catalogue this group counts against: built-in issues and its own.
    pub fn catalogue(&self) -> Catalogue {
        Catalogue::new(self.custom_issues.clone())
    }

    /// Adds a checked increment.
    pub fn add(&mut self, inc: &Increment) {
        self.counts
            .entry(inc.period.to_string())
            .or_default()
            .entry(inc.issue.to_string())
            .or_default()
            .increment(inc.count);
    }

    /// Adds a custom issue to the group's catalogue.
    pub fn add_issue(&mut self, key: &str, label: &str) -> Result<IssueKey, ValidationError> {
        // `check_new` checks the label too (empty, length, personal data).
        let key = self.catalogue().check_new(key, label)?;
        self.custom_issues
            .insert(key.to_string(), crate::text::label(label));
        Ok(key)
    }

    /// Renames one of the group's own issues; built-in issues keep their labels.
    pub fn rename_issue(&mut self, key: &str, new_label: &str) -> Result<(), ValidationError> {
        let Some(slot) = self.custom_issues.get_mut(key) else {
            return Err(
                if crate::catalogue::BUILT_IN.iter().any(|(k, _)| *k == key) {
                    ValidationError::Rejected {
                        field: "issue",
                        reason: format!(
                            "`{key}` is a built-in issue; only the group's own issues can be renamed"
                        ),
                    }
                } else {
                    Catalogue::new(self.custom_issues.clone())
                        .resolve(key)
                        .err()
                        .unwrap_or(ValidationError::UnknownItem {
                            what: "issue",
                            id: key.chars().take(50).collect(),
                        })
                },
            );
        };
        crate::catalogue::check_label("issue label", new_label, crate::catalogue::MAX_LABEL)?;
        *slot = crate::text::label(new_label);
        Ok(())
    }

    /// The count of one issue in one period.
    pub fn count(&self, period: Period, issue: &IssueKey) -> i64 {
        self.counts
            .get(&period.to_string())
            .and_then(|m| m.get(issue.as_str()))
            .map_or(0, Counter::value)
    }

    /// The periods that have any counts, oldest first.
    pub fn periods(&self) -> Vec<Period> {
        self.counts.keys().filter_map(|p| p.parse().ok()).collect()
    }

    /// The counts of one period, most raised first. Keys that are not well-formed are skipped.
    pub fn view(&self, period: Period) -> TallyView {
        let labels: BTreeMap<IssueKey, String> = self
            .catalogue()
            .entries()
            .into_iter()
            .map(|e| (e.key, e.label))
            .collect();
        let mut rows: Vec<TallyRow> = self
            .counts
            .get(&period.to_string())
            .into_iter()
            .flatten()
            .filter(|(_, c)| c.value() != 0)
            .filter_map(|(k, c)| {
                let issue: IssueKey = k.parse().ok()?;
                let label = labels.get(&issue).cloned().unwrap_or_else(|| k.clone());
                Some(TallyRow {
                    issue,
                    label,
                    count: c.value(),
                })
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.issue.cmp(&b.issue)));
        let total = rows.iter().map(|r| r.count).sum();
        TallyView {
            period,
            rows,
            total,
        }
    }
}

/// The catalogue of a tally document, reading only its custom issues (not every count).
pub fn catalogue_of(doc: &Automerge) -> Result<Catalogue, DocError> {
    let custom: Option<BTreeMap<String, String>> =
        autosurgeon::hydrate_path(doc, &ROOT, ["body".into(), "custom_issues".into()])?;
    Ok(Catalogue::new(custom.unwrap_or_default()))
}

/// Adds increments to a tally document as one change, touching only the counters concerned:
/// the cost of an increment does not grow with the number of periods and issues counted.
/// `check` receives the document's catalogue and returns the checked increments; when it
/// refuses, nothing changes. Returns the new counts of the cells incremented, in order.
pub fn add_increments(
    doc: &mut Automerge,
    author: &GroupId,
    today: Day,
    check: impl FnOnce(&Catalogue) -> Result<Vec<Increment>, ValidationError>,
) -> Result<(Vec<i64>, Option<ChangeHash>), DocError> {
    let increments = check(&catalogue_of(doc)?)?;
    transact(doc, DocKind::Tally, author, today, |tx| {
        let body = child_map(tx, &ROOT, "body")?;
        let counts = child_map(tx, &body, "counts")?;
        let mut totals = Vec::with_capacity(increments.len());
        for inc in &increments {
            let period = child_map(tx, &counts, &inc.period.to_string())?;
            let key = inc.issue.as_str();
            let existing = match tx.get(&period, key)? {
                Some((Value::Scalar(v), _)) => match v.as_ref() {
                    ScalarValue::Counter(c) => Some(i64::from(c)),
                    other => {
                        return Err(DocError::Schema(format!(
                            "count of {key} is {other}, not a counter"
                        )));
                    }
                },
                _ => None,
            };
            let now = match existing {
                Some(before) => {
                    tx.increment(&period, key, inc.count)?;
                    before + inc.count
                }
                None => {
                    tx.put(&period, key, ScalarValue::counter(inc.count))?;
                    inc.count
                }
            };
            totals.push(now);
        }
        Ok(totals)
    })
}

/// The map under `key` of `obj`, created if absent.
fn child_map(
    tx: &mut automerge::transaction::Transaction<'_>,
    obj: &automerge::ObjId,
    key: &str,
) -> Result<automerge::ObjId, DocError> {
    Ok(match tx.get(obj, key)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        Some(_) => return Err(DocError::Schema(format!("{key} is not a map"))),
        None => tx.put_object(obj, key, ObjType::Map)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{create, edit, read};
    use crate::ids::{Day, GroupId};
    use proptest::prelude::*;

    fn group(seed: u8) -> GroupId {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        GroupId::from_public_key(key.verifying_key().to_bytes()).unwrap()
    }

    fn today() -> Day {
        "2026-11-25".parse().unwrap()
    }

    fn nov() -> Period {
        "2026-11".parse().unwrap()
    }

    #[test]
    fn increments_are_checked() {
        let c = Catalogue::default();
        assert!(Increment::check(&c, "housing", 3, nov()).is_ok());
        for bad in [0, -1, MAX_INCREMENT + 1, i64::MIN] {
            let e = Increment::check(&c, "housing", bad, nov()).unwrap_err();
            assert_eq!(e.field(), Some("count"), "{bad}");
        }
        assert!(matches!(
            Increment::check(&c, "housign", 1, nov()),
            Err(ValidationError::UnknownIssue { suggestion: Some(s), .. }) if s == "housing"
        ));
    }

    #[test]
    fn view_sorts_and_totals() {
        let mut t = Tally::default();
        let c = t.catalogue();
        for (issue, n) in [("housing", 3), ("legal-aid", 1), ("health", 3)] {
            t.add(&Increment::check(&c, issue, n, nov()).unwrap());
        }
        let v = t.view(nov());
        let order: Vec<_> = v.rows.iter().map(|r| r.issue.as_str()).collect();
        assert_eq!(order, ["health", "housing", "legal-aid"]);
        assert_eq!(v.total, 7);
        assert_eq!(v.rows[0].label, "Health care");
        assert!(t.view("2026-10".parse().unwrap()).rows.is_empty());
    }

    #[test]
    fn direct_increments_match_the_schema() {
        let g = group(1);
        let mut doc = create(g, None, today(), &Tally::default()).unwrap();
        let (totals, _) = add_increments(&mut doc, &g, today(), |c| {
            Ok(vec![
                Increment::check(c, "housing", 2, nov())?,
                Increment::check(c, "housing", 3, nov())?,
            ])
        })
        .unwrap();
        assert_eq!(totals, [2, 5]);
        let heads = doc.get_heads();
        assert!(
            add_increments(&mut doc, &g, today(), |c| Ok(vec![Increment::check(
                c,
                "nope",
                1,
                nov()
            )?]))
            .is_err()
        );
        assert_eq!(
            doc.get_heads(),
            heads,
            "a refused increment changes nothing"
        );
        edit::<Tally, _>(&mut doc, &g, today(), |t| {
            t.add_issue("food-banks", "Food banks").map(|_| ())
        })
        .unwrap();
        add_increments(&mut doc, &g, today(), |c| {
            Ok(vec![Increment::check(c, "food-banks", 1, nov())?])
        })
        .unwrap();
        let t: Tally = read(&doc).unwrap();
        assert_eq!(t.count(nov(), &"housing".parse().unwrap()), 5);
        assert_eq!(t.view(nov()).total, 6);
    }

    proptest! {
        /// Two copies of a tally, incremented independently, merge to the sum of all increments.
        #[test]
        fn concurrent_increments_add_up(
            a in prop::collection::vec((0usize..11, 1i64..50), 1..20),
            b in prop::collection::vec((0usize..11, 1i64..50), 1..20),
        ) {
            let g = group(1);
            let mut base = create(g, None, today(), &Tally::default()).unwrap();
            // Every counter exists before the fork, as on a group's node that has counted before.
            edit::<Tally, _>(&mut base, &g, today(), |t| {
                let c = t.catalogue();
                for (key, _) in crate::catalogue::BUILT_IN {
                    t.add(&Increment::check(&c, key, 1, nov())?);
                }
                Ok(())
            }).unwrap();
            let mut left = base.fork();
            let mut right = base.fork();
            let other = group(2);
            for (doc, ops, who) in [(&mut left, &a, g), (&mut right, &b, other)] {
                for (i, n) in ops {
                    let key = crate::catalogue::BUILT_IN[*i].0;
                    edit::<Tally, _>(doc, &who, today(), |t| {
                        let inc = Increment::check(&t.catalogue(), key, *n, nov())?;
                        t.add(&inc);
                        Ok(())
                    }).unwrap();
                }
            }
            left.merge(&mut right).unwrap();
            let merged: Tally = read(&left).unwrap();
            for (i, (key, _)) in crate::catalogue::BUILT_IN.iter().enumerate() {
                let expected = 1 + a.iter().chain(b.iter()).filter(|(j, _)| *j == i).map(|(_, n)| n).sum::<i64>();
                prop_assert_eq!(merged.count(nov(), &key.parse().unwrap()), expected);
            }
        }
    }
}
