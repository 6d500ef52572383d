//! Judging documents received whole: what admission says of one ([`Judge::accept_whole`]), and
//! of a round's many at once ([`Judge::accept_wholes`], on the node's [`Spread`]).

use std::collections::HashMap;

use automerge::Automerge;
use ed25519_dalek::SigningKey;

use super::{Loaded, Replica};
use crate::auth::{self, SignedHead};
use crate::doc::{self, DocKind, Header};
use crate::generation::GenRank;
use crate::ids::{DocId, GroupId};
use crate::inflate;
use crate::network::Network;
use crate::sync::{DocPayload, Payload, Refusal};

/// Runs the judging of a round's documents received whole, perhaps on several threads at once
/// (the node's: scoped threads), perhaps one after another ([`Sequential`]): this core starts
/// no thread of its own.
pub trait Spread: Send {
    /// How many parts may run at once; below 2, a round's documents are judged one by one as
    /// it is taken, and nothing ahead.
    fn width(&self) -> usize;
    /// Runs every part and returns all their results. A panic in a part is raised again on the
    /// caller's thread.
    fn run<'a>(&self, parts: Vec<Part<'a>>) -> Vec<(usize, Judged)>;
}

/// A share of a round's documents to judge: their verdicts keyed by position in the round.
pub type Part<'a> = Box<dyn FnOnce() -> Vec<(usize, Judged)> + Send + 'a>;

/// A [`Spread`] that runs the parts one after another on the caller's thread, at the width
/// given: judging ahead with `width` ≥ 2 takes the same path as on threads, in a fixed order.
pub struct Sequential(pub usize);

impl Spread for Sequential {
    fn width(&self) -> usize {
        self.0
    }

    fn run<'a>(&self, parts: Vec<Part<'a>>) -> Vec<(usize, Judged)> {
        parts.into_iter().flat_map(|p| p()).collect()
    }
}

/// A copy of `doc` with a whole received document merged in. The received bytes must load
/// completely: `load_incremental` would keep a readable start of damaged bytes.
pub(super) fn merged_copy(
    doc: &Automerge,
    bytes: &[u8],
) -> Result<Automerge, automerge::AutomergeError> {
    let mut incoming = Automerge::load(bytes)?;
    let mut copy = doc.fork();
    copy.merge(&mut incoming)?;
    Ok(copy)
}

/// The signed heads kept with the node's copy of a document (none without one): admission
/// takes them as checked.
pub(super) fn held(existing: Option<&Loaded>) -> &[SignedHead] {
    existing.map_or(&[], |l| &l.signed)
}

/// A document that passed admission, and what to keep with it.
pub type Admitted = (Automerge, auth::Admitted);

/// Why a document received whole was not taken: refused before admission, or by it.
pub enum NotTaken {
    /// Refused before admission (malformed, not the network's, not the sender's to hold).
    Refused((Refusal, String)),
    /// Refused by admission.
    Admission(auth::AuthError),
}

impl From<auth::AuthError> for NotTaken {
    fn from(e: auth::AuthError) -> Self {
        Self::Admission(e)
    }
}

impl From<(Refusal, String)> for NotTaken {
    fn from(r: (Refusal, String)) -> Self {
        Self::Refused(r)
    }
}

/// A refusal of received changes that admission did not take (`protocol::replica::refusal`).
pub fn forbidden(e: auth::AuthError) -> (Refusal, String) {
    crate::replica::refusal(&e)
}

/// What judging a document received whole needs of the node: its group and key (to endorse a
/// re-issued plan) and its documents. Shared by the threads that judge a round's documents at
/// once ([`Judge::accept_wholes`]): the admission checks (loading, signatures, the history
/// check) are most of a cold sync's time, and one thread did them all.
pub struct Judge<'a> {
    group: GroupId,
    key: &'a SigningKey,
    docs: &'a HashMap<DocId, Box<Loaded>>,
}

/// What [`Judge::accept_wholes`] said of one document: what its bytes inflate to, and the
/// verdict.
pub type Judged = (u64, Result<Admitted, NotTaken>);

/// Fewer documents whole than this in a round are judged one by one as the round is taken.
const JUDGE_IN_PARALLEL: usize = 8;
/// The most threads that judge one round's documents.
const MAX_JUDGES: usize = 4;

impl Judge<'_> {
    /// Checks a document received whole from `peer` for `network`: of a shared kind, in that
    /// network (a network document: that network's own), readable by the peer, and admitted
    /// (signed, written by its writers, within its rules). Returns the document to keep (ours
    /// with the new changes, or the received one) and the signed heads to keep.
    pub fn accept_whole(
        &self,
        network: &DocId,
        net: Option<&Network>,
        peer: &GroupId,
        id: &DocId,
        bytes: &[u8],
        signed: &[SignedHead],
    ) -> Result<Admitted, NotTaken> {
        let malformed = |why: String| (Refusal::Malformed, why);
        let not_allowed = |why: &str| NotTaken::Refused((Refusal::NotMember, why.to_string()));
        let existing = self.docs.get(id).map(|l| &**l);
        let received =
            Automerge::load(bytes).map_err(|e| malformed(format!("unreadable document: {e}")))?;
        let received_header =
            doc::header(&received).map_err(|e| malformed(format!("no header: {e}")))?;
        let rank = GenRank::of(&received, &received_header);
        if let Some(l) = existing
            && rank != l.rank
        {
            // Another generation: the one that wins replaces the other whole (never merged:
            // merging would bring the forgotten history back).
            if !rank.beats(&l.rank) {
                return Err(NotTaken::Refused((
                    Refusal::Content,
                    crate::history::Carried::OldGeneration.to_string(),
                )));
            }
            let header = &l.header;
            if !header.kind.is_shared() || header.network.as_ref() != Some(network) {
                return Err(not_allowed("document does not belong to this network"));
            }
            if !net.is_some_and(|n| n.may_read(peer, header.kind)) {
                return Err(not_allowed("the sender may not hold this document"));
            }
            let mut admitted = auth::admit_generation(id, &l.doc, &received, signed, net)?;
            self.endorse(id, &received, &received_header, net, &mut admitted);
            return Ok((received, admitted));
        }
        let (candidate, header) = match existing {
            Some(l) => {
                let c = merged_copy(&l.doc, bytes)
                    .map_err(|e| malformed(format!("unreadable document: {e}")))?;
                (c, l.header.clone())
            }
            None => (received, received_header),
        };
        if !header.kind.is_shared() || header.network.as_ref() != Some(network) {
            return Err(not_allowed("document does not belong to this network"));
        }
        if header.kind == DocKind::Network && id != network {
            return Err(not_allowed("a network document under another id"));
        }
        if header.kind == DocKind::Published
            && id != &crate::publish::published_id(network, &header.owner)
        {
            return Err(not_allowed("a published tally under another id"));
        }
        if !net.is_some_and(|n| n.may_read(peer, header.kind)) {
            return Err(not_allowed("the sender may not hold this document"));
        }
        let keep = match existing {
            // Its header was read from it above.
            None => auth::admit_new(id, &candidate, header, signed, net)?,
            Some(l) => auth::admit(id, Some(&l.doc), &candidate, held(existing), signed, net)?,
        };
        Ok((candidate, keep))
    }

    /// Endorses a later generation of a plan just admitted against the one held, when this
    /// group may ([`auth::may_endorse`]) and did not issue it: nodes that do not hold the plan
    /// take it with the endorsement.
    pub fn endorse(
        &self,
        id: &DocId,
        doc: &Automerge,
        header: &Header,
        net: Option<&Network>,
        admitted: &mut auth::Admitted,
    ) {
        if header.kind != DocKind::Plan
            || header.generation.by == Some(self.group)
            || !auth::may_endorse(header, &self.group, net)
        {
            return;
        }
        if let Some(root) = crate::generation::root_hash(doc) {
            let mine = SignedHead::sign(self.key, id, &root);
            if !admitted.signed.contains(&mine) {
                admitted.signed.push(mine);
            }
        }
    }

    /// Judges the documents received whole among `rest` (a round's payloads from position
    /// `first` on), other than `network`'s own, on several threads at once, as
    /// [`Self::accept_whole`] would one by one; keyed by position, with what each inflates to
    /// (the caller charges that to the round's budget instead of measuring again). Only as many
    /// as inflate within `budget` in all, counted in order: the rest is left for the caller to
    /// judge, as are all of them when there are few or `spread` runs one at a time. A panic
    /// while judging (a library failing on a peer's bytes) is raised again on the caller's
    /// thread by `spread`, as if judged there.
    #[allow(clippy::too_many_arguments)]
    pub fn accept_wholes(
        &self,
        network: &DocId,
        net: &Network,
        peer: &GroupId,
        rest: &[DocPayload],
        first: usize,
        mut budget: u64,
        spread: &dyn Spread,
    ) -> HashMap<usize, Judged> {
        let threads = spread.width().min(MAX_JUDGES);
        let wholes = || {
            rest.iter()
                .enumerate()
                .filter_map(|(k, p)| match &p.payload {
                    Payload::Whole(bytes) if p.doc != *network => Some((first + k, p, bytes)),
                    _ => None,
                })
        };
        if threads < 2 || wholes().count() < JUDGE_IN_PARALLEL {
            return HashMap::new();
        }
        let mut todo = Vec::new();
        for (at, p, bytes) in wholes() {
            let Ok(n) = inflate::check(bytes, budget) else {
                break;
            };
            budget -= n.min(budget);
            todo.push((at, p, bytes, n));
        }
        if todo.is_empty() {
            // The first whole document does not inflate within the budget: the round is
            // refused as it is taken, one by one.
            return HashMap::new();
        }
        let per_thread = todo.len().div_ceil(threads);
        let parts: Vec<Part<'_>> = todo
            .chunks(per_thread)
            .map(|part| {
                Box::new(move || {
                    part.iter()
                        .map(|(at, p, bytes, n)| {
                            let r = self.accept_whole(
                                network,
                                Some(net),
                                peer,
                                &p.doc,
                                bytes,
                                &p.signed,
                            );
                            (*at, (*n, r))
                        })
                        .collect::<Vec<_>>()
                }) as Part<'_>
            })
            .collect();
        spread.run(parts).into_iter().collect()
    }
}

impl Replica {
    /// What judging a document received whole needs of this node (see [`Judge`]).
    pub fn judge(&self) -> Judge<'_> {
        Judge {
            group: self.group,
            key: &self.key,
            docs: &self.docs,
        }
    }
}
