//! The group's own counts and meeting records on the documents actor: adding to the tally, the
//! issue catalogue, and the meeting log (never shared; `federation` publishes counts).

use commonground_protocol::ValidationError;
use commonground_protocol::catalogue::{Catalogue, IssueEntry};
use commonground_protocol::ids::{ItemId, Period};
use commonground_protocol::meeting::{MeetingEdit, MeetingLog, MeetingRecord, NewMeeting};
use commonground_protocol::tally::{self, Increment, Tally, TallyView};

use super::{DocSet, Docs, DocsError, damaged, random_item_id};

impl DocSet {
    /// Adds increments to the group's tally as one change, touching only the counters concerned.
    /// `check` gets the catalogue and returns the checked increments; returns the new counts.
    pub fn add_to_tally(
        &mut self,
        check: impl FnOnce(&Catalogue) -> Result<Vec<Increment>, ValidationError>,
    ) -> Result<Vec<i64>, DocsError> {
        let (group, today, id) = (self.replica.group, self.today(), self.tally_id());
        let loaded = self
            .replica
            .docs
            .get_mut(&id)
            .ok_or_else(|| DocsError::NotFound {
                what: "tally",
                id: id.to_string(),
            })?;
        let (counts, change) =
            tally::add_increments(&mut loaded.doc, &group, today, check).map_err(damaged(id))?;
        if change.is_some() {
            self.shorten_tally_if_due();
        }
        Ok(counts)
    }

    /// The group's catalogue of issues.
    pub fn catalogue(&self) -> Result<Catalogue, DocsError> {
        let id = self.tally_id();
        tally::catalogue_of(&self.loaded(&id, "tally")?.doc).map_err(damaged(id))
    }
}

impl Docs {
    /// Adds to an issue's count in a period.
    pub async fn tally_add(
        &self,
        issue: String,
        count: i64,
        period: Period,
    ) -> Result<i64, DocsError> {
        self.run(move |set| {
            let counts =
                set.add_to_tally(|c| Ok(vec![Increment::check(c, &issue, count, period)?]))?;
            Ok(counts.first().copied().unwrap_or_default())
        })
        .await
    }

    /// The group's counts for a period.
    pub async fn tally(&self, period: Period) -> Result<TallyView, DocsError> {
        self.run(move |set| Ok(set.read::<Tally>(&set.tally_id())?.view(period)))
            .await
    }

    /// The issues this group can count.
    pub async fn issues(&self) -> Result<Vec<IssueEntry>, DocsError> {
        self.run(|set| Ok(set.catalogue()?.entries())).await
    }

    /// Adds a custom issue to the group's catalogue.
    pub async fn add_issue(&self, key: String, label: String) -> Result<IssueEntry, DocsError> {
        self.run(move |set| {
            let id = set.tally_id();
            let key = set.edit::<Tally, _>(&id, |t| t.add_issue(&key, &label))?;
            Ok(IssueEntry {
                key,
                label: commonground_protocol::text::label(&label),
                built_in: false,
            })
        })
        .await
    }

    /// Renames one of the group's own issues.
    pub async fn rename_issue(&self, key: String, label: String) -> Result<IssueEntry, DocsError> {
        self.run(move |set| {
            let id = set.tally_id();
            set.edit::<Tally, _>(&id, |t| t.rename_issue(&key, &label))?;
            set.catalogue()?
                .entries()
                .into_iter()
                .find(|e| e.key.as_str() == key)
                .ok_or(DocsError::NotFound {
                    what: "issue",
                    id: key,
                })
        })
        .await
    }

    /// Changes a meeting record; the tally follows it (a month's count is its direct
    /// increments plus what its records say), in one stored batch.
    pub async fn edit_meeting(
        &self,
        id: ItemId,
        edit: MeetingEdit,
    ) -> Result<MeetingRecord, DocsError> {
        self.run(move |set| {
            let log = set.meetings_id();
            let catalogue = set.catalogue()?;
            let base = edit.base.clone();
            let delta = set.edit_based::<MeetingLog, _>(&log, base.as_deref(), |l, b| {
                l.edit(&id, &edit, &catalogue, b.map(|b| &b.body))
            })?;
            set.add_to_tally(|_| Ok(delta))?;
            set.read::<MeetingLog>(&log)?
                .records
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| DocsError::NotFound {
                    what: "meeting",
                    id: id.to_string(),
                })
        })
        .await
    }

    /// Deletes a meeting record and takes its counts out of the tally, in one stored batch.
    pub async fn delete_meeting(&self, id: ItemId) -> Result<(), DocsError> {
        self.run(move |set| {
            let log = set.meetings_id();
            let delta = set.edit::<MeetingLog, _>(&log, |l| l.delete(&id))?;
            set.add_to_tally(|_| Ok(delta))?;
            Ok(())
        })
        .await
    }

    /// Records a meeting and adds the issues raised at it to the tally, in one stored batch.
    pub async fn record_meeting(&self, meeting: NewMeeting) -> Result<MeetingRecord, DocsError> {
        self.run(move |set| {
            let log = set.meetings_id();
            let increments = meeting.check(&set.catalogue()?)?;
            let record = set.edit::<MeetingLog, _>(&log, |l| {
                l.add(random_item_id(), &meeting, &increments);
                Ok(l.records.last().cloned())
            })?;
            set.add_to_tally(|_| Ok(increments))?;
            record.ok_or_else(|| DocsError::NotFound {
                what: "meeting",
                id: "new".into(),
            })
        })
        .await
    }

    /// Every meeting record, newest first.
    pub async fn meetings(&self) -> Result<Vec<MeetingRecord>, DocsError> {
        self.run(|set| {
            let mut records = set.read::<MeetingLog>(&set.meetings_id())?.records;
            records.sort_by_key(|r| std::cmp::Reverse(r.date));
            Ok(records)
        })
        .await
    }
}
