//! A group's meeting records: date, kind, attendee count, issues raised with counts, decisions.
//! No names, ever: a record says how many people came and what they raised, not who.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, check_label};
use crate::doc::{DocKind, Schema};
use crate::error::ValidationError;
use crate::ids::{Day, IssueKey, ItemId, Period};
use crate::tally::Increment;
use crate::text::{Text, changed};

/// The most attendees one record may give.
pub const MAX_ATTENDEES: u64 = 10_000;
/// The most decisions one record may hold.
pub const MAX_DECISIONS: usize = 50;
/// The longest decision text.
pub const MAX_DECISION_LEN: usize = 500;

string_enum! {
    /// What kind of meeting a record is of.
    MeetingKind {
        /// The group's regular meeting.
        Weekly = "weekly-meeting",
        /// A round of one-to-one conversations.
        OneToOnes = "one-to-ones",
        /// A public meeting or assembly.
        Public = "public-meeting",
        /// A training session.
        Training = "training",
        /// Anything else.
        Other = "other",
    }
}

/// One meeting, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingRecord {
    /// Stable id within the log.
    #[key]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ItemId,
    /// The day it took place.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Day,
    /// What kind of meeting.
    pub kind: MeetingKind,
    /// How many people came.
    pub attendees: u64,
    /// Issue key → how many times it was raised.
    pub issues: BTreeMap<String, i64>,
    /// What was decided (long text each).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub decisions: Vec<Text>,
}

/// The body of a group's meeting log document.
#[derive(Debug, Clone, Default, Hydrate, Reconcile)]
pub struct MeetingLog {
    /// Every record, in the order they were made.
    pub records: Vec<MeetingRecord>,
}

impl Schema for MeetingLog {
    const KIND: DocKind = DocKind::Meetings;
}

/// A meeting to record, as an organiser enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMeeting {
    /// The day it took place.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2026-11-20"))]
    pub date: Day,
    /// What kind of meeting.
    pub kind: MeetingKind,
    /// How many people came.
    pub attendees: u64,
    /// Issue key → how many times it was raised.
    #[serde(default)]
    pub issues: BTreeMap<String, i64>,
    /// What was decided.
    #[serde(default)]
    pub decisions: Vec<String>,
}

/// Changes to a meeting record; absent fields stay as they are. `issues` and `decisions`, when
/// given, replace the record's whole list. With `base` (the heads the form was made from), a
/// field equal to its value there writes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingEdit {
    /// The heads (hex) of the version the edit was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Vec<String>>,
    /// A new date (its counts move to that date's month).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub date: Option<Day>,
    /// A new kind.
    pub kind: Option<MeetingKind>,
    /// A new attendee count.
    pub attendees: Option<u64>,
    /// The issues raised, replacing the record's.
    pub issues: Option<BTreeMap<String, i64>>,
    /// The decisions, replacing the record's.
    pub decisions: Option<Vec<String>>,
}

/// The value a field takes: the form's where the person changed it, else what it holds now.
fn pick<T: PartialEq + Clone>(form: &Option<T>, base: Option<&T>, now: &T) -> T {
    match form {
        Some(f) if changed(base, f, now) => f.clone(),
        _ => now.clone(),
    }
}

impl MeetingRecord {
    /// The tally counts this record contributes: (month, issue) → count.
    pub fn contribution(&self) -> BTreeMap<(Period, String), i64> {
        let period = Period::of(self.date);
        self.issues
            .iter()
            .map(|(k, v)| ((period, k.clone()), *v))
            .collect()
    }
}

/// What the tally must change by for a record's contribution to go from `old` to `new`: one
/// increment (possibly negative) per cell that differs.
pub fn tally_delta(
    old: &BTreeMap<(Period, String), i64>,
    new: &BTreeMap<(Period, String), i64>,
) -> Vec<Increment> {
    let mut cells: BTreeMap<(Period, String), i64> = BTreeMap::new();
    for (cell, n) in new {
        *cells.entry(cell.clone()).or_default() += n;
    }
    for (cell, n) in old {
        *cells.entry(cell.clone()).or_default() -= n;
    }
    cells
        .into_iter()
        .filter(|(_, d)| *d != 0)
        .filter_map(|((period, issue), count)| {
            Some(Increment {
                issue: issue.parse::<IssueKey>().ok()?,
                count,
                period,
            })
        })
        .collect()
}

impl NewMeeting {
    /// Checks the record against the group's catalogue and returns the tally increments it
    /// implies (one per issue raised, in the month of the meeting).
    pub fn check(&self, catalogue: &Catalogue) -> Result<Vec<Increment>, ValidationError> {
        if self.attendees > MAX_ATTENDEES {
            return Err(ValidationError::OutOfRange {
                field: "attendees",
                value: i64::try_from(self.attendees).unwrap_or(i64::MAX),
                min: 0,
                max: MAX_ATTENDEES as i64,
            });
        }
        if self.decisions.len() > MAX_DECISIONS {
            return Err(ValidationError::OutOfRange {
                field: "decisions",
                value: self.decisions.len() as i64,
                min: 0,
                max: MAX_DECISIONS as i64,
            });
        }
        for d in &self.decisions {
            check_label("decision", d, MAX_DECISION_LEN)?;
        }
        let period = Period::of(self.date);
        self.issues
            .iter()
            .map(|(issue, count)| Increment::check(catalogue, issue, *count, period))
            .collect()
    }
}

impl MeetingLog {
    /// Adds a checked meeting under a new id.
    pub fn add(&mut self, id: ItemId, meeting: &NewMeeting, increments: &[Increment]) {
        self.records.push(MeetingRecord {
            id,
            date: meeting.date,
            kind: meeting.kind,
            attendees: meeting.attendees,
            issues: increments
                .iter()
                .map(|i| (i.issue.to_string(), i.count))
                .collect(),
            decisions: meeting
                .decisions
                .iter()
                .map(|d| Text::new(d.clone()))
                .collect(),
        });
    }

    /// Changes a record, checked as a new record would be, and returns the tally increments
    /// that keep the tally equal to its direct increments plus what the records say (moving a
    /// record's date moves its counts).
    pub fn edit(
        &mut self,
        id: &ItemId,
        edit: &MeetingEdit,
        catalogue: &Catalogue,
        base: Option<&MeetingLog>,
    ) -> Result<Vec<Increment>, ValidationError> {
        let MeetingEdit {
            base: _,
            date,
            kind,
            attendees,
            issues,
            decisions,
        } = edit;
        if date.is_none()
            && kind.is_none()
            && attendees.is_none()
            && issues.is_none()
            && decisions.is_none()
        {
            return Err(ValidationError::Empty { field: "edit" });
        }
        let was = base.and_then(|b| b.records.iter().find(|r| &r.id == id));
        let record = self
            .records
            .iter_mut()
            .find(|r| &r.id == id)
            .ok_or_else(|| ValidationError::UnknownItem {
                what: "meeting",
                id: id.to_string(),
            })?;
        let now_decisions: Vec<String> = record
            .decisions
            .iter()
            .map(|d| d.as_str().to_string())
            .collect();
        let base_decisions: Option<Vec<String>> =
            was.map(|w| w.decisions.iter().map(|d| d.as_str().to_string()).collect());
        let next = NewMeeting {
            date: pick(date, was.map(|w| &w.date), &record.date),
            kind: pick(kind, was.map(|w| &w.kind), &record.kind),
            attendees: pick(attendees, was.map(|w| &w.attendees), &record.attendees),
            issues: pick(issues, was.map(|w| &w.issues), &record.issues),
            decisions: pick(decisions, base_decisions.as_ref(), &now_decisions),
        };
        let increments = next.check(catalogue)?;
        let before = record.contribution();
        record.date = next.date;
        record.kind = next.kind;
        record.attendees = next.attendees;
        record.issues = increments
            .iter()
            .map(|i| (i.issue.to_string(), i.count))
            .collect();
        if next.decisions != now_decisions {
            record.decisions.truncate(next.decisions.len());
            for (i, d) in next.decisions.iter().enumerate() {
                match record.decisions.get_mut(i) {
                    Some(t) => t.set(d.clone()),
                    None => record.decisions.push(Text::new(d.clone())),
                }
            }
        }
        Ok(tally_delta(&before, &record.contribution()))
    }

    /// Deletes a record and returns the (negative) tally increments that take its counts out.
    pub fn delete(&mut self, id: &ItemId) -> Result<Vec<Increment>, ValidationError> {
        let at = self
            .records
            .iter()
            .position(|r| &r.id == id)
            .ok_or_else(|| ValidationError::UnknownItem {
                what: "meeting",
                id: id.to_string(),
            })?;
        let record = self.records.remove(at);
        Ok(tally_delta(&record.contribution(), &BTreeMap::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> NewMeeting {
        NewMeeting {
            date: "2026-11-20".parse().unwrap(),
            kind: MeetingKind::Weekly,
            attendees: 14,
            issues: [("housing".to_string(), 4), ("legal-aid".to_string(), 2)].into(),
            decisions: vec!["Write to the council about the hostel".into()],
        }
    }

    #[test]
    fn a_meeting_implies_increments_in_its_month() {
        let inc = meeting().check(&Catalogue::default()).unwrap();
        assert_eq!(inc.len(), 2);
        assert!(inc.iter().all(|i| i.period.to_string() == "2026-11"));
        let mut log = MeetingLog::default();
        log.add(ItemId::from_bytes([1; 6]), &meeting(), &inc);
        assert_eq!(log.records[0].issues["housing"], 4);
    }

    #[test]
    fn editing_and_deleting_a_record_moves_its_counts() {
        let c = Catalogue::default();
        let inc = meeting().check(&c).unwrap();
        let mut log = MeetingLog::default();
        let id = ItemId::from_bytes([1; 6]);
        log.add(id.clone(), &meeting(), &inc);
        // Moving the date to December moves both counts; housing also goes from 4 to 3.
        let delta = log
            .edit(
                &id,
                &MeetingEdit {
                    date: Some("2026-12-02".parse().unwrap()),
                    issues: Some([("housing".to_string(), 3), ("legal-aid".to_string(), 2)].into()),
                    ..Default::default()
                },
                &c,
                None,
            )
            .unwrap();
        let mut d: Vec<(String, String, i64)> = delta
            .iter()
            .map(|i| (i.period.to_string(), i.issue.to_string(), i.count))
            .collect();
        d.sort();
        assert_eq!(
            d,
            vec![
                ("2026-11".into(), "housing".into(), -4),
                ("2026-11".into(), "legal-aid".into(), -2),
                ("2026-12".into(), "housing".into(), 3),
                ("2026-12".into(), "legal-aid".into(), 2),
            ]
        );
        let e = log.edit(
            &id,
            &MeetingEdit {
                decisions: Some(vec!["Call 07700 900123".into()]),
                ..Default::default()
            },
            &c,
            None,
        );
        assert_eq!(e.unwrap_err().code(), "personal_data");
        let removed = log.delete(&id).unwrap();
        assert_eq!(removed.iter().map(|i| i.count).sum::<i64>(), -5);
        assert!(log.records.is_empty());
        assert_eq!(log.delete(&id).unwrap_err().code(), "unknown_item");
    }

    #[test]
    fn bad_meetings_are_refused_naming_the_field() {
        let c = Catalogue::default();
        let mut m = meeting();
        m.attendees = MAX_ATTENDEES + 1;
        assert_eq!(m.check(&c).unwrap_err().field(), Some("attendees"));
        let mut m = meeting();
        m.issues.insert("housng".into(), 1);
        assert_eq!(m.check(&c).unwrap_err().code(), "unknown_issue");
        let mut m = meeting();
        m.issues.insert("health".into(), -2);
        assert_eq!(m.check(&c).unwrap_err().field(), Some("count"));
        let mut m = meeting();
        m.decisions.push("Ring Sam on 07700 900123".into());
        assert_eq!(m.check(&c).unwrap_err().code(), "personal_data");
    }
}
