//! One round of a session (PROTOCOL.md §8): the documents and Automerge sync messages a peer
//! sends, checked all before any is taken ([`Replica::receive`]), and what this node sends next.

use std::collections::HashMap;

use automerge::Automerge;
use automerge::sync::{Message, SyncDoc};
use tracing::{debug, warn};

use super::judge::forbidden;
use super::{
    Admitted, Intake, Judged, Loaded, NotTaken, Pending, Replica, Side, Untaken, refused,
    signed_meta,
};
use crate::auth::{self, SignedHead};
use crate::doc::{self, DocKind};
use crate::generation::GenRank;
use crate::ids::{DocId, GroupId};
use crate::network::Network;
use crate::sync::{self as wire, DocPayload, Payload, Refusal, Response};

/// What became of a sync message's changes.
enum Accepted {
    /// It carried none.
    Nothing,
    /// Our copy with them applied, and the signed heads to keep.
    Taken(Box<Admitted>),
    /// They build on history this node lacks: kept for when it arrives.
    Lacks(Pending),
}

/// The network as an admitted copy of its document says, or as it was if that is unreadable.
fn updated(doc: &Automerge, was: Network) -> Network {
    doc::read::<Network>(doc).unwrap_or(was)
}

impl Replica {
    /// A document whole, with its signed heads.
    pub(super) fn whole(&self, id: &DocId) -> Option<DocPayload> {
        self.docs.get(id).map(|l| DocPayload {
            doc: *id,
            payload: Payload::Whole(l.doc.save()),
            signed: l.signed.clone(),
            generation: l.rank,
        })
    }

    /// The next Automerge sync message for each of `ids` that has one, with signed heads when
    /// it carries changes.
    pub(super) fn sync_messages(
        &mut self,
        peer: &GroupId,
        ids: &[DocId],
        side: Side,
    ) -> Vec<DocPayload> {
        let entry = self.peers.entry(*peer).or_default();
        let mut out = Vec::new();
        for id in ids {
            let (Some(l), Some(state)) = (self.docs.get(id), entry.states(side).get_mut(id)) else {
                continue;
            };
            if let Some(mut m) = l.doc.generate_sync_message(state) {
                let needs = entry.pending_needs(id);
                if !needs.is_empty() {
                    for h in needs {
                        if !m.need.contains(h) && l.doc.get_change_meta_by_hash(h).is_none() {
                            m.need.push(*h);
                        }
                    }
                    // Automerge encodes only sorted hashes.
                    m.need.sort();
                    m.need.dedup();
                }
                let signed = if m.changes.is_empty() {
                    Vec::new()
                } else {
                    l.signed.clone()
                };
                out.push(DocPayload {
                    doc: *id,
                    payload: Payload::Message(m.encode()),
                    signed,
                    generation: l.rank,
                });
            }
        }
        out
    }

    /// Takes a document received whole from `peer` for the intake's network, within what
    /// `intake` allows:
    /// its bytes inflate within the budget, it passes [`Judge::accept_whole`](super::Judge::accept_whole), and a plan new to
    /// this node fits its owner's bound (`auth::MAX_PLANS_PER_MEMBER`). Returns the document to
    /// keep and what to keep with it; `None` for a plan left out, though an honest peer may
    /// send it (of an earlier release, re-issued and not yet endorsed: `auth::admit`; or over
    /// the bound): the rest of a round or bundle is still taken.
    /// `judged`: what [`Judge::accept_wholes`](super::Judge::accept_wholes) already measured and said of these bytes;
    /// measured and judged here if `None`.
    #[allow(clippy::too_many_arguments)]
    pub fn take_whole(
        &self,
        intake: &mut Intake,
        net: Option<&Network>,
        peer: &GroupId,
        id: &DocId,
        bytes: &[u8],
        signed: &[SignedHead],
        judged: Option<Judged>,
    ) -> Result<Option<Admitted>, (Refusal, String)> {
        let network = intake.network();
        let judged = match judged {
            Some((inflated, judged)) => {
                intake.charge(inflated)?;
                judged
            }
            None => {
                intake.inflates(bytes)?;
                self.judge()
                    .accept_whole(&network, net, peer, id, bytes, signed)
            }
        };
        match judged {
            Err(NotTaken::Admission(
                auth::AuthError::Unbound
                | auth::AuthError::Unendorsed
                | auth::AuthError::UnknownAuthor { .. },
            )) => {
                debug!(peer = %peer.short(), doc = %id, "left out a plan that cannot be taken yet");
                Ok(None)
            }
            Err(NotTaken::Admission(e)) => Err(forbidden(e)),
            Err(NotTaken::Refused(r)) => Err(r),
            Ok((doc, keep)) => Ok(self
                .fits_bound(intake, &network, id, &doc)
                .then_some((doc, keep))),
        }
    }

    /// Whether a document received whole may be kept under the plans-per-member bound:
    /// always one this node holds or of another kind; a new plan if its owner has fewer than
    /// the bound here, counting those the round took before it (`Intake::fits_plan`).
    fn fits_bound(
        &self,
        intake: &mut Intake,
        network: &DocId,
        id: &DocId,
        doc: &Automerge,
    ) -> bool {
        if self.docs.contains_key(id) {
            return true;
        }
        // The kind and the owner read alone, not the whole header.
        if doc::kind(doc).ok() != Some(DocKind::Plan) {
            return true;
        }
        let Ok(owner) = doc::owner(doc) else {
            return true;
        };
        let fits = intake.fits_plan(owner, self.plan_quota, || self.plans_per_owner(network));
        if !fits {
            debug!(doc = %id, owner = %owner.short(), "left out a plan: its group has the most plans a group may have here");
        }
        fits
    }

    /// Checks a sync message's changes, with any kept from `peer` earlier for their missing
    /// history ([`Pending`]), against our copy of the document.
    fn accept_message(
        &self,
        peer: &GroupId,
        net: &Network,
        id: &DocId,
        msg: &Message,
        signed: &[SignedHead],
        generation: GenRank,
    ) -> Result<Accepted, (Refusal, String)> {
        if msg.changes.is_empty() {
            return Ok(Accepted::Nothing);
        }
        let Some(l) = self.docs.get(id) else {
            return Err((Refusal::NotMember, "no such shared document".into()));
        };
        if generation != l.rank {
            return Err((
                Refusal::Content,
                crate::history::Carried::OldGeneration.to_string(),
            ));
        }
        let kept = self
            .peers
            .get(peer)
            .map(|p| p.pending_changes(id))
            .unwrap_or_default();
        let mut bytes: Vec<u8> = kept.to_vec();
        bytes.extend(msg.changes.iter().flatten());
        match self.with_changes(id, net, &bytes, signed) {
            Ok(admitted) => Ok(Accepted::Taken(Box::new(admitted))),
            // Changes on history this node lacks cannot be judged yet; nor are they an offence:
            // a sync message may carry them (its sender's bloom filter can take a change this
            // node lacks for one it has). Kept, and their history asked for.
            Err(Untaken::Lacks(needs)) => {
                debug!(doc = %id, needs = needs.len(), "changes on history this node lacks kept until it arrives");
                Ok(Accepted::Lacks(Pending {
                    changes: bytes,
                    needs,
                }))
            }
            Err(Untaken::Refused(why)) => Err(why),
        }
    }

    /// Keeps an admitted document (ours with new changes, or a new one) and its signed heads.
    /// A merge that reads as personal data is kept (every change passed on its own) and shows
    /// as flagged wherever the document is shown (`PlanView::flagged`).
    pub fn keep(&mut self, id: DocId, doc: Automerge, admitted: auth::Admitted) {
        if let Some(p) = &admitted.flagged {
            warn!(doc = %id, kind = p.kind.key(), "a merge of changes that each passed reads as personal data; flagged for its writers to forget");
        }
        let signed = admitted.signed;
        // As admission read it: a header's group ids each check their key.
        let header = admitted.header;
        let rank = GenRank::of(&doc, &header);
        if self.docs.get(&id).is_some_and(|l| l.rank != rank) {
            self.replace(id, doc, signed);
            return;
        }
        match self.docs.get_mut(&id) {
            Some(l) => {
                l.doc = doc;
                if l.signed != signed {
                    l.signed = signed;
                    self.out.meta_writes.push(signed_meta(&id, &l.signed));
                }
            }
            None => {
                let mut l = Loaded::fresh(doc, header);
                l.signed = signed;
                self.out.meta_writes.push(signed_meta(&id, &l.signed));
                self.docs.insert(id, Box::new(l));
            }
        }
    }

    /// Both sides: applies a round of payloads from `peer`. The responder answers each document;
    /// the initiator then generates its next messages for `sync_docs`. A payload that breaks a
    /// rule refuses the whole round before anything of it is applied.
    pub fn receive(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        incoming: Vec<DocPayload>,
        responder: bool,
        sync_docs: &[DocId],
    ) -> Result<Vec<DocPayload>, Response> {
        if incoming.len() > wire::MAX_DOCS_PER_MESSAGE {
            return Err(refused(
                Refusal::Malformed,
                "too many documents in one round",
            ));
        }
        let mut net = self.member_network(network, peer)?;
        // The network document first: the other documents are judged against it as this round
        // leaves it, or a change by a member that joined since this node last synced it would
        // be taken for a stranger's (and the honest peer that passed it on for an offender).
        let mut incoming = incoming;
        incoming.sort_by_key(|p| p.doc != *network);
        // Check everything first: nothing is applied unless all of it passes.
        let mut admitted = Vec::new();
        let mut messages = Vec::new();
        let mut wants = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut intake = Intake::new(*network);
        // Changes kept for their missing history (`Some`) or taken at last (`None`).
        let mut pending: Vec<(DocId, Option<Pending>)> = Vec::new();
        let refuse = |doc: &DocId, (reason, why): (Refusal, String)| {
            warn!(peer = %peer.short(), %doc, ?reason, why, "refusing a round");
            refused(reason, why)
        };
        // The documents received whole, judged on several threads at once when the first of
        // them other than the network's own comes (the network document, first, is judged
        // before: the others are judged against it); taken in order below.
        let mut judged: Option<HashMap<usize, Judged>> = None;
        for (at, p) in incoming.iter().enumerate() {
            if !seen.insert(p.doc) || p.signed.len() > auth::MAX_SIGNED_HEADS {
                return Err(refused(
                    Refusal::Malformed,
                    "a document twice, or too many signatures",
                ));
            }
            match &p.payload {
                Payload::Whole(bytes) => {
                    if p.doc != *network && judged.is_none() {
                        let rest = &incoming[at..];
                        judged = Some(self.judge().accept_wholes(
                            network,
                            &net,
                            peer,
                            rest,
                            at,
                            intake.left(),
                            &*self.spread,
                        ));
                    }
                    let pre = judged.as_mut().and_then(|j| j.remove(&at));
                    if let Some((doc, keep)) = self
                        .take_whole(&mut intake, Some(&net), peer, &p.doc, bytes, &p.signed, pre)
                        .map_err(|e| refuse(&p.doc, e))?
                    {
                        if p.doc == *network {
                            net = updated(&doc, net);
                        }
                        admitted.push((p.doc, doc, keep));
                    }
                }
                Payload::Message(bytes) => {
                    let ok = self.docs.get(&p.doc).is_some_and(|l| {
                        l.header.network.as_ref() == Some(network)
                            && net.may_read(peer, l.header.kind)
                    });
                    let mut msg = Message::decode(bytes)
                        .map_err(|_| refused(Refusal::Malformed, "unreadable sync message"))?;
                    for change in msg.changes.iter() {
                        intake.inflates(change).map_err(|e| refuse(&p.doc, e))?;
                    }
                    if !ok {
                        return Err(refused(Refusal::NotMember, "no such shared document"));
                    }
                    match self
                        .accept_message(peer, &net, &p.doc, &msg, &p.signed, p.generation)
                        .map_err(|e| refuse(&p.doc, e))?
                    {
                        Accepted::Taken(taken) => {
                            let (doc, keep) = *taken;
                            if p.doc == *network {
                                net = updated(&doc, net);
                            }
                            admitted.push((p.doc, doc, keep));
                            pending.push((p.doc, None));
                        }
                        Accepted::Lacks(kept) => pending.push((p.doc, Some(kept))),
                        Accepted::Nothing => {}
                    }
                    // Its changes are in the admitted copy, or not taken: the message only
                    // updates the sync state. (Automerge would queue changes whose history is
                    // missing and apply them, unchecked, once it arrives.)
                    msg.changes = automerge::sync::ChunkList::empty();
                    messages.push((p.doc, msg));
                }
                Payload::Want => {
                    if !responder {
                        return Err(refused(
                            Refusal::Malformed,
                            "only the initiator asks for documents",
                        ));
                    }
                    wants.push(p.doc);
                }
            }
        }
        for (id, doc, keep) in admitted {
            self.out.synced_in.insert(id);
            self.keep(id, doc, keep);
        }
        let mut out = Vec::new();
        let mut answered = Vec::new();
        let entry = self.peers.entry(*peer).or_default();
        for (id, kept) in pending {
            // Bounded per peer: beyond it, the changes come again with their history in a
            // later session.
            entry.settle_pending(id, kept);
        }
        for (id, msg) in messages {
            let Some(l) = self.docs.get_mut(&id) else {
                continue;
            };
            let side = if responder {
                Side::Answering
            } else {
                Side::Opened
            };
            let state = entry.states(side).entry(id).or_default();
            self.out.synced_in.insert(id);
            if let Err(e) = l.doc.receive_sync_message(state, msg) {
                warn!(peer = %peer.short(), doc = %id, error = %e, "bad sync message");
                continue;
            }
            answered.push(id);
        }
        if responder {
            out.extend(self.sync_messages(peer, &answered, Side::Answering));
            for id in wants {
                let readable = self.docs.get(&id).is_some_and(|l| {
                    l.header.network.as_ref() == Some(network) && net.may_read(peer, l.header.kind)
                });
                if readable && let Some(p) = self.whole(&id) {
                    out.push(p);
                }
            }
        } else {
            out.extend(self.sync_messages(peer, sync_docs, Side::Opened));
        }
        Ok(out)
    }
}
