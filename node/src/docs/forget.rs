//! Forgetting: a document re-issued as a new generation without its history (see
//! `commonground_protocol::generation`), here on the documents actor.
//!
//! A writer forgets a shared document (a collaborator a plan, the owner its published tally, a
//! coordinator the network document); any group forgets its own meeting records and raw tally.
//! The new generation replaces the old copy at once, and the old copy's bytes leave the store
//! with the next batch (removed, then the store rewritten: `Store::scrub`). Members that receive
//! the new generation from someone allowed do the same, and carry over their own edits made
//! offline on the old one where they still apply.

use automerge::{Automerge, ChangeHash};
use commonground_protocol::ValidationError;
use commonground_protocol::auth::{self, AuthError, SignedHead};
use commonground_protocol::doc::{self, DocError, DocKind};
use commonground_protocol::generation::{self, GenRank};
use commonground_protocol::ids::{Day, DocId, GroupId};
use commonground_protocol::meeting::MeetingLog;
use commonground_protocol::network::Network;
use commonground_protocol::plan::Plan;
use commonground_protocol::publish::{Published, published_id};
use commonground_protocol::tally::{self, Tally};
use serde::{Deserialize, Serialize};
use tracing::{debug, info, warn};

use commonground_protocol::replica::Loaded;

use crate::docs::{DocSet, Docs, DocsError, damaged};

/// What was forgotten.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Forgotten {
    /// The document (its id stays).
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its new generation.
    pub generation: u64,
    /// Whether it is shared: then every member replaces its copy when it next syncs; copies
    /// carried away in bundles cannot be recalled.
    pub shared: bool,
}

impl DocSet {
    /// Carries this group's edits that `old` holds beyond the heads the new generation of `id`
    /// replaced over to it, as new edits (plans; other kinds are rewritten by their own
    /// routines: a member's addresses on its tick, a published tally when it next publishes).
    pub(crate) fn carry_over(&mut self, id: &DocId, old: &Loaded) {
        let Some(l) = self.replica.docs.get(id) else {
            return;
        };
        let replaced = l.header.generation.replaced_heads();
        let held: Vec<ChangeHash> = replaced
            .into_iter()
            .filter(|h| old.doc.get_change_meta_by_hash(h).is_some())
            .collect();
        if held.is_empty() {
            return;
        }
        let me = self.replica.group;
        let mine: Vec<ChangeHash> = old
            .doc
            .get_changes(&held)
            .iter()
            .filter(|c| GroupId::from_actor(c.actor_id()) == Some(me))
            .map(|c| c.hash())
            .collect();
        if mine.is_empty() {
            return;
        }
        if old.header.kind != DocKind::Plan {
            info!(doc = %id, kind = %old.header.kind, "edits made here on the old generation are not carried over for this kind");
            return;
        }
        let at: Vec<ChangeHash> = held.iter().chain(&mine).copied().collect();
        let (Some(base), Some(ours)) = (
            generation::body_at::<Plan>(&old.doc, &held),
            generation::body_at::<Plan>(&old.doc, &at),
        ) else {
            return;
        };
        match self.edit::<Plan, _>(id, |p| {
            p.carry_over(&base, &ours);
            Ok(())
        }) {
            Ok(()) => info!(doc = %id, "edits made here on the old generation carried over"),
            Err(e) => {
                warn!(doc = %id, error = %e, "edits made here on the old generation could not be carried over")
            }
        }
    }

    /// Issues a new generation of document `id` as this group: its current state, none of its
    /// history. Shared documents only by a writer, and only when their current state passes
    /// the rules (every member would refuse a generation that does not).
    pub(crate) fn forget(&mut self, id: &DocId) -> Result<Forgotten, DocsError> {
        let forgotten = self.reissue(id, |doc, me, today, kind| match kind {
            DocKind::Plan => generation::forget::<Plan>(doc, me, today),
            DocKind::Network => generation::forget::<Network>(doc, me, today),
            DocKind::Published => generation::forget::<Published>(doc, me, today),
            DocKind::Tally => generation::forget::<Tally>(doc, me, today),
            DocKind::Meetings => generation::forget::<MeetingLog>(doc, me, today),
        })?;
        // Forgotten on purpose: the old bytes leave the disk (even if the raw tally was also
        // shortened in this batch), and a forgotten raw tally's changes are counted afresh.
        self.shortened.remove(id);
        if *id == self.tally_id() {
            self.tally_changes = None;
        }
        info!(doc = %id, kind = %forgotten.kind, generation = forgotten.generation, "forgotten: re-issued without its history");
        Ok(forgotten)
    }

    /// Re-issues the group's raw tally without its history once its generation holds
    /// [`tally::REISSUE_AFTER`] changes (counted from the document the first time, then as
    /// they are made), so that increments, and loading it at start, stay cheap. Not a forget:
    /// the old generation's data is removed from the store, which is not rewritten for it.
    pub(crate) fn shorten_tally_if_due(&mut self) {
        let id = self.tally_id();
        let n = match self.tally_changes {
            Some(n) => n + 1,
            None => match self.replica.docs.get(&id) {
                Some(l) => tally::changes_in_generation(&l.doc),
                None => return,
            },
        };
        self.tally_changes = Some(n);
        if n < tally::REISSUE_AFTER {
            return;
        }
        // Forgotten earlier in this batch: the store is still rewritten for that.
        let forgotten = self.replica.out.replaced.contains(&id);
        match self.reissue(&id, |doc, me, today, _| {
            generation::forget::<Tally>(doc, me, today)
        }) {
            Ok(f) => {
                if !forgotten {
                    self.shortened.insert(id);
                }
                self.tally_changes = Some(1);
                debug!(
                    changes = n,
                    generation = f.generation,
                    "the raw tally re-issued without its history"
                );
            }
            Err(e) => {
                // Tried again after as many changes more.
                self.tally_changes = Some(0);
                warn!(error = %e, "the raw tally could not be re-issued; it keeps its history");
            }
        }
    }

    /// This group's published tally `id` re-issued as a new generation holding `body` (the
    /// old state in no history either).
    pub(crate) fn reissue_published(
        &mut self,
        id: &DocId,
        body: &Published,
    ) -> Result<Forgotten, DocsError> {
        self.reissue(id, |doc, me, today, _| {
            generation::reissue(doc, me, today, body)
        })
    }

    /// Document `id` replaced by the next generation `next` makes of it (from the document,
    /// this group, today and its kind), installed and signed.
    fn reissue(
        &mut self,
        id: &DocId,
        next: impl FnOnce(&Automerge, &GroupId, Day, DocKind) -> Result<Automerge, DocError>,
    ) -> Result<Forgotten, DocsError> {
        let l = self.loaded(id, "document")?;
        let header = l.header.clone();
        let shared = header.kind.is_shared() && header.network.is_some();
        if shared {
            self.check_writer(id)?;
            if let Err(e) = auth::check_content(&header, &l.doc) {
                return Err(match e {
                    AuthError::Content(v) => DocsError::Invalid(v),
                    other => DocsError::Damaged {
                        doc: *id,
                        reason: other.to_string(),
                    },
                });
            }
        }
        let (me, today) = (self.replica.group, self.today());
        let next = next(&l.doc, &me, today, header.kind).map_err(damaged(*id))?;
        let next_header = doc::header(&next).map_err(damaged(*id))?;
        let generation = next_header.generation.n;
        let signed = next
            .get_heads()
            .iter()
            .map(|h| SignedHead::sign(&self.replica.key, id, h))
            .collect();
        self.replica.docs.remove(id);
        self.replica.install(*id, next, next_header, signed);
        Ok(Forgotten {
            id: id.to_string(),
            kind: header.kind.to_string(),
            generation,
            shared,
        })
    }

    /// The generation rank of a document held.
    pub(crate) fn rank(&self, id: &DocId) -> Option<GenRank> {
        self.replica.docs.get(id).map(|l| l.rank)
    }
}

impl Docs {
    /// Forgets a document's history: a plan (by id or prefix), a network's document (by id or
    /// prefix), this group's published tally in a network, or this group's raw tally or
    /// meeting records (`which` is ignored for those two).
    pub async fn forget(&self, kind: DocKind, which: String) -> Result<Forgotten, DocsError> {
        self.run(move |set| {
            let id = match kind {
                DocKind::Plan | DocKind::Network => set.resolve(kind, &which)?,
                DocKind::Published => {
                    let network = set.resolve(DocKind::Network, &which)?;
                    let id = published_id(&network, &set.replica.group);
                    if set.rank(&id).is_none() {
                        return Err(DocsError::Invalid(ValidationError::NotPermitted {
                            reason: "this group has published nothing in that network".into(),
                        }));
                    }
                    id
                }
                DocKind::Tally => set.tally_id(),
                DocKind::Meetings => set.meetings_id(),
            };
            set.forget(&id)
        })
        .await
    }
}
