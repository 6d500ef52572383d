//! A group's meeting records: date, kind, attendee count, issues raised with counts, decisions.
//! No names, ever: a record says how many people came and what they raised, not who.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, check_label};
use crate::doc::{DocKind, Schema};
use crate::error::ValidationError;
use crate::ids::{Day, ItemId, Period};
use crate::tally::Increment;

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
    /// What was decided.
    pub decisions: Vec<String>,
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
                .map(|d| d.trim().to_string())
                .collect(),
        });
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
