//! Generations: a document re-issued without its history, so that what was written in it can
//! be taken out of every copy ("forget").
//!
//! Automerge keeps every value a document ever held. To take text out for good, a writer of the
//! document (a collaborator of a plan, the owner of a published tally, a coordinator of a
//! network) issues a *new generation*: a new Automerge document under the same id, whose first
//! change — by the forgetting group — holds the header (with the generation number, who, which
//! day, and the heads of the generation it replaces) and the current body, and nothing of the
//! history. Every member that receives it from someone allowed replaces its copy, deletes the
//! old one's bytes, and refuses the old generation's changes from then on; its own edits made
//! offline on the old generation are carried over as new edits where they still apply.
//!
//! Two forgets made at once give two generations with the same number: the one whose first
//! change hash is smaller wins everywhere ([`GenRank`]). Pure: the caller passes the day.

use std::cmp::Ordering;

use automerge::{Automerge, ChangeHash, ROOT};
use autosurgeon::{Hydrate, Reconcile, hydrate_prop};
use serde::{Deserialize, Serialize};

use crate::doc::{self, DocError, Header, Schema};
use crate::ids::{Day, GroupId};

/// A document's generation, as its header records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Generation {
    /// 0 for a document as first created; each forget issues the next.
    pub n: u64,
    /// The group that issued it (none for generation 0).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub by: Option<GroupId>,
    /// The day it was issued.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub day: Option<Day>,
    /// The heads (hex) of the generation it replaces, as the issuer held them: a node carries
    /// its own changes after these over to the new generation.
    pub replaces: Vec<String>,
}

impl Generation {
    /// The generation of a document as first created (and of documents of earlier releases,
    /// whose headers hold none).
    pub fn first() -> Self {
        Self::default()
    }

    /// The heads it replaces, parsed (malformed ones left out).
    pub fn replaced_heads(&self) -> Vec<ChangeHash> {
        self.replaces
            .iter()
            .filter_map(|h| {
                let mut b = [0u8; 32];
                hex::decode_to_slice(h, &mut b).ok().map(|()| ChangeHash(b))
            })
            .collect()
    }
}

/// How generations of one document rank: a higher number wins; at equal numbers (two forgets
/// made at once) the one whose first change hash is smaller. Travels with every document's
/// heads, so that two peers know which of them holds the generation that wins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GenRank {
    /// The generation number.
    pub n: u64,
    /// The first 8 bytes of the generation's first change hash (zero for generation 0, which
    /// every copy shares).
    #[serde(with = "crate::sync::fixed_bytes")]
    pub root: [u8; 8],
}

impl GenRank {
    /// The rank of generation 0.
    pub const FIRST: Self = Self { n: 0, root: [0; 8] };

    /// The rank of a document with this header. Looks for the first change only when the
    /// generation is not 0.
    pub fn of(doc: &Automerge, header: &Header) -> Self {
        if header.generation.n == 0 {
            return Self::FIRST;
        }
        let root = root_hash(doc)
            .map(|h| {
                let mut r = [0u8; 8];
                r.copy_from_slice(&h.0[..8]);
                r
            })
            .unwrap_or_default();
        Self {
            n: header.generation.n,
            root,
        }
    }

    /// Whether `hash` is this generation's first change (never, for generation 0): a signed
    /// head on it from a group other than its issuer endorses the generation
    /// ([`crate::auth::admit`]).
    pub fn is_root(&self, hash: &ChangeHash) -> bool {
        self.n > 0 && hash.0[..8] == self.root
    }

    /// Whether this generation wins over `other`.
    pub fn beats(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Greater
    }

    /// Whether this is generation 0 (for serde: left out on the wire).
    pub fn is_first(&self) -> bool {
        *self == Self::FIRST
    }
}

impl Ord for GenRank {
    fn cmp(&self, other: &Self) -> Ordering {
        self.n
            .cmp(&other.n)
            // A smaller first change wins: it ranks higher.
            .then_with(|| other.root.cmp(&self.root))
    }
}

impl PartialOrd for GenRank {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The next generation of `doc`, issued by `author` on `today`: one change holding the header
/// (generation number + 1, `author`, `today`, the heads it replaces) and the current body, and
/// none of the history.
pub fn forget<T: Schema + Clone>(
    doc: &Automerge,
    author: &GroupId,
    today: Day,
) -> Result<Automerge, DocError> {
    let body: T = doc::read(doc)?;
    reissue(doc, author, today, &body)
}

/// The next generation of `doc` holding `body` instead of its current one (a writer's
/// correction made together with the forgetting, so that the old state is in no history
/// either: a published tally re-suppressed under a raised threshold).
pub fn reissue<T: Schema + Clone>(
    doc: &Automerge,
    author: &GroupId,
    today: Day,
    body: &T,
) -> Result<Automerge, DocError> {
    let old = doc::header(doc)?;
    let header = Header {
        generation: Generation {
            n: old.generation.n + 1,
            by: Some(*author),
            day: Some(today),
            replaces: doc.get_heads().iter().map(|h| hex::encode(h.0)).collect(),
        },
        ..old
    };
    doc::first_state(&header, author, today, &body.fresh())
}

/// The hash of a document's first change (the one with no dependencies).
pub fn root_hash(doc: &Automerge) -> Option<ChangeHash> {
    doc.get_changes(&[])
        .into_iter()
        .find(|c| c.deps().is_empty())
        .map(|c| c.hash())
}

/// The body of `T` a document held at `heads` (those of them it holds), for carrying edits
/// over to a new generation. `None` when it holds none of them.
pub fn body_at<T: Schema>(doc: &Automerge, heads: &[ChangeHash]) -> Option<T> {
    let held: Vec<ChangeHash> = heads
        .iter()
        .filter(|h| doc.get_change_meta_by_hash(h).is_some())
        .copied()
        .collect();
    if held.is_empty() {
        return None;
    }
    let at = doc.fork_at(&held).ok()?;
    hydrate_prop(&at, ROOT, "body").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::tests::group;
    use crate::plan::{NewPlan, Plan};
    use automerge::ReadDoc;

    fn today() -> Day {
        "2026-12-02".parse().unwrap()
    }

    fn plan_doc() -> Automerge {
        let g = group(1);
        let plan = Plan::new(
            &NewPlan {
                title: "Housing".into(),
                goal: "Homes for every family".into(),
                demands: String::new(),
            },
            g,
        )
        .unwrap();
        let mut d = doc::create(g, None, today(), &plan).unwrap();
        // Written past the check, as a merge of two changes could leave it, then deleted.
        doc::edit::<Plan, _>(&mut d, &g, today(), |p| {
            p.goal.set("Call Amal on 07700 900123");
            Ok(())
        })
        .unwrap();
        doc::edit::<Plan, _>(&mut d, &g, today(), |p| {
            p.goal.set("Homes for every family");
            Ok(())
        })
        .unwrap();
        d
    }

    #[test]
    fn a_new_generation_holds_the_state_and_none_of_the_history() {
        let d = plan_doc();
        assert!(String::from_utf8_lossy(&d.save_nocompress()).contains("07700"));
        let by = group(2);
        let next = forget::<Plan>(&d, &by, today()).unwrap();
        let body: Plan = doc::read(&next).unwrap();
        assert_eq!(body.goal.as_str(), "Homes for every family");
        assert_eq!(next.get_changes(&[]).len(), 1);
        assert!(!String::from_utf8_lossy(&next.save_nocompress()).contains("07700"));
        let h = doc::header(&next).unwrap();
        assert_eq!(h.generation.n, 1);
        assert_eq!(h.generation.by, Some(by));
        assert_eq!(h.generation.replaced_heads(), d.get_heads());
        assert_eq!(
            GroupId::from_actor(next.get_changes(&[])[0].actor_id()),
            Some(by)
        );
        let old = doc::header(&d).unwrap();
        assert_eq!(
            (h.kind, h.network, h.owner, h.created),
            (old.kind, old.network, old.owner, old.created)
        );
        assert!(next.get(ROOT, "header").unwrap().is_some());
    }

    /// A forgotten raw tally keeps its counts and can still be added to (autosurgeon's
    /// counters, as read, would have been put into the new generation as 0).
    #[test]
    fn a_tallys_new_generation_keeps_its_counts() {
        use crate::tally::{Increment, Tally, add_increments};
        let g = group(1);
        let nov = "2026-11".parse().unwrap();
        let mut d = doc::create(g, None, today(), &Tally::default()).unwrap();
        for n in [3, 4] {
            add_increments(&mut d, &g, today(), |c| {
                Ok(vec![Increment::check(c, "housing", n, nov)?])
            })
            .unwrap();
        }
        let mut next = forget::<Tally>(&d, &g, today()).unwrap();
        assert_eq!(next.get_changes(&[]).len(), 1);
        let t: Tally = doc::read(&next).unwrap();
        assert_eq!(t.view(nov).total, 7);
        let (totals, _) = add_increments(&mut next, &g, today(), |c| {
            Ok(vec![Increment::check(c, "housing", 1, nov)?])
        })
        .unwrap();
        assert_eq!(totals, [8]);
    }

    #[test]
    fn generations_rank_by_number_then_by_the_smaller_first_change() {
        let d = plan_doc();
        let a = forget::<Plan>(&d, &group(2), today()).unwrap();
        let b = forget::<Plan>(&d, &group(3), today()).unwrap();
        let (ra, rb) = (
            GenRank::of(&a, &doc::header(&a).unwrap()),
            GenRank::of(&b, &doc::header(&b).unwrap()),
        );
        assert_eq!((ra.n, rb.n), (1, 1));
        assert_ne!(ra, rb);
        // Exactly one wins, the same one whichever side asks.
        assert!(ra.beats(&rb) != rb.beats(&ra));
        let winner = if ra.root < rb.root { ra } else { rb };
        assert!(winner == ra.max(rb));
        let first = GenRank::of(&d, &doc::header(&d).unwrap());
        assert_eq!(first, GenRank::FIRST);
        assert!(ra.beats(&first) && rb.beats(&first));
        let again = forget::<Plan>(&b, &group(2), today()).unwrap();
        let r2 = GenRank::of(&again, &doc::header(&again).unwrap());
        assert!(r2.beats(&ra) && r2.beats(&rb));
    }
}
