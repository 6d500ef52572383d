//! Both sides of a session (PROTOCOL.md §8): the initiator's `Hello` and plan, the responder's
//! answers to `Hello` and `Commit`, and the agreements both then record.

use std::collections::{BTreeMap, HashMap};

use automerge::Automerge;

use super::judge::{held, merged_copy};
use super::{AGREED_PREFIX, Replica, Side, refused};
use crate::auth::{self, SignedHead};
use crate::doc;
use crate::doc::DocKind;
use crate::generation::GenRank;
use crate::ids::{DocId, GroupId};
use crate::inflate;
use crate::network::Network;
use crate::sync::{
    self as wire, DocHeads, DocPayload, HeadsHash, Payload, Refusal, Response, SessionPlan,
};

/// A session cannot start or go on: `0` is not a network this node and the peer both belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a network shared with this peer: {0}")]
pub struct NotShared(pub DocId);

/// The network document an inviter sent is not taken: why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the network document the inviter sent is refused: {0}")]
pub struct Unjoined(pub String);

/// A peer's answer to `Hello` (`Response::Hello`).
pub struct HelloAnswer {
    /// Whether the digests matched.
    pub digest_ok: bool,
    /// The peer's listed documents.
    pub docs: Vec<DocHeads>,
    /// Its catch-ups of them.
    pub catchup: Vec<wire::Catchup>,
    /// The indices of those it recorded as agreed.
    pub agreed: Vec<u32>,
    /// The indices in `listed` of the documents it holds at exactly the heads listed there.
    pub same: Vec<u32>,
    /// What this node listed in its `Hello` (`changed`).
    pub listed: Vec<DocHeads>,
}

impl Replica {
    /// How many documents this node and `peer` last agreed on at the heads this node holds now:
    /// a catch-up with `peer` from here sends only what changes after. For tools that wait for
    /// sync to be over (a benchmark's next step), not for the node's own decisions.
    pub fn agreed_now(&self, peer: &GroupId) -> usize {
        self.peers
            .get(peer)
            .map_or(0, |p| p.agreed_at(|d| self.heads_hash(d)))
    }

    /// The documents of `network` that `peer` may read, with their heads hashes.
    fn shared_with(
        &self,
        network: &DocId,
        net: &Network,
        peer: &GroupId,
    ) -> BTreeMap<DocId, HeadsHash> {
        self.docs
            .iter()
            .filter(|(_, l)| l.header.network.as_ref() == Some(network))
            .filter(|(_, l)| net.may_read(peer, l.header.kind))
            .map(|(id, l)| (*id, wire::heads_hash(&l.doc.get_heads())))
            .collect()
    }

    /// The generations of this node's documents of `network` that are not at generation 0.
    fn gens_in(&self, network: &DocId) -> BTreeMap<DocId, GenRank> {
        self.docs
            .iter()
            .filter(|(_, l)| l.header.network.as_ref() == Some(network) && !l.rank.is_first())
            .map(|(id, l)| (*id, l.rank))
            .collect()
    }

    /// `list` with each document's generation as this node holds it.
    fn with_gens(&self, mut list: Vec<DocHeads>) -> Vec<DocHeads> {
        for d in &mut list {
            d.generation = self.docs.get(&d.doc).map(|l| l.rank).unwrap_or_default();
        }
        list
    }

    fn agreed_in(
        &self,
        peer: &GroupId,
        mine: &BTreeMap<DocId, HeadsHash>,
        network: &DocId,
    ) -> BTreeMap<DocId, HeadsHash> {
        self.peers
            .get(peer)
            .map(|p| {
                p.agreed_among(|d| {
                    mine.contains_key(d)
                        || self
                            .docs
                            .get(d)
                            .is_some_and(|l| l.header.network.as_ref() == Some(network))
                })
            })
            .unwrap_or_default()
    }

    pub(super) fn member_network(
        &self,
        network: &DocId,
        peer: &GroupId,
    ) -> Result<Network, Response> {
        match self.network(network) {
            Some(n) if n.is_member(peer) && n.is_member(&self.group) => Ok(n),
            _ => Err(refused(Refusal::NotMember, "not a member of this network")),
        }
    }

    /// Initiator: the network this node shares with `peer` (both members).
    fn shared_network(&self, network: &DocId, peer: &GroupId) -> Result<Network, NotShared> {
        self.member_network(network, peer)
            .map_err(|_| NotShared(*network))
    }

    /// Initiator: this node's shared documents and its agreement with `peer`, for `network`.
    #[allow(clippy::type_complexity)]
    fn session_view(
        &self,
        peer: &GroupId,
        network: &DocId,
    ) -> Result<(BTreeMap<DocId, HeadsHash>, BTreeMap<DocId, HeadsHash>), NotShared> {
        let net = self.shared_network(network, peer)?;
        let mine = self.shared_with(network, &net, peer);
        let agreed = self.agreed_in(peer, &mine, network);
        Ok((mine, agreed))
    }

    /// Whether this node holds documents of `network` that `peer` may read whose heads differ
    /// from what it last agreed with `peer` (what its next `Hello` there would list as changed).
    pub fn owes(&self, peer: &GroupId, network: &DocId) -> bool {
        self.session_view(peer, network)
            .is_ok_and(|(mine, agreed)| !wire::changed(&mine, &agreed).is_empty())
    }

    /// Responder: the answer to a request of the sync protocol from `peer` at `now` (unix
    /// seconds). `Join` is the node's to answer: it holds the invites.
    pub fn respond(&mut self, peer: &GroupId, request: wire::Request, now: i64) -> Response {
        if request.doc_count() > wire::MAX_DOCS_PER_MESSAGE {
            return refused(Refusal::Malformed, "too many documents");
        }
        match request {
            // Redeeming an invite needs the invites the node issued: the node answers `Join`.
            wire::Request::Join { .. } => refused(Refusal::Invite, "this node takes no invites"),
            wire::Request::Hello {
                network,
                digest,
                changed,
                catchup,
                wanted,
            } => self.answer_hello(peer, &network, digest, &changed, &catchup, &wanted, now),
            wire::Request::Sync { network, docs } => {
                match self.receive(peer, &network, docs, true, &[]) {
                    Ok(out) => {
                        let (docs, deferred) = wire::fit_reply(out, self.reply_bytes);
                        Response::Sync { docs, deferred }
                    }
                    Err(r) => r,
                }
            }
            wire::Request::Commit { network, docs } => {
                self.answer_commit(peer, &network, &docs, now)
            }
        }
    }

    /// The networks shared with `peer` (both are members).
    pub fn networks_with(&self, peer: &GroupId) -> Vec<DocId> {
        let ids: Vec<DocId> = self.of_kind(DocKind::Network).map(|(id, _)| *id).collect();
        ids.into_iter()
            .filter(|id| self.member_network(id, peer).is_ok())
            .collect()
    }

    /// Members of a network other than this group, with their addresses.
    pub fn members_of(&self, network: &DocId) -> Vec<(GroupId, Vec<String>)> {
        let me = self.group;
        self.network(network)
            .map(|n| {
                n.members
                    .into_iter()
                    .filter(|m| m.group != me)
                    .map(|m| (m.group, m.addrs))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Initiator: the opening of a session with `peer` for `network`.
    pub fn hello(&mut self, peer: &GroupId, network: &DocId) -> Result<wire::Request, NotShared> {
        let (mine, agreed) = self.session_view(peer, network)?;
        let changed = self.with_gens(wire::changed(&mine, &agreed));
        let catchup = self.catchups(peer, &changed, |_| false);
        // The news this session is for, if an announcement started it (asked once).
        let wanted = self.news.take_wanted(network);
        Ok(wire::Request::Hello {
            network: *network,
            digest: wire::digest(&agreed),
            changed,
            catchup,
            wanted,
        })
    }

    /// Responder: the answer to a peer's `Hello`. When the digests match, takes the peer's
    /// catch-ups, answers with this node's own (computed before taking the peer's: the changes
    /// after the agreement the peer may lack), and records as agreed what both sides will then
    /// hold alike.
    #[allow(clippy::too_many_arguments)]
    pub fn answer_hello(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        digest: [u8; 32],
        listed: &[DocHeads],
        catchups: &[wire::Catchup],
        wanted: &[DocHeads],
        now: i64,
    ) -> Response {
        let net = match self.member_network(network, peer) {
            Ok(n) => n,
            Err(r) => return r,
        };
        // A member pulls news this node lacks too: what sync next brings this node of the
        // network is passed on, so that the member learns where it is now.
        let docs = &self.docs;
        self.news.answered(*network, wanted, |d| {
            docs.get(d).map(|l| wire::heads_hash(&l.doc.get_heads()))
        });
        let mine = self.shared_with(network, &net, peer);
        let agreed = self.agreed_in(peer, &mine, network);
        // A new session: drop in-flight markers, keep what is known to be shared.
        self.peers
            .entry(*peer)
            .or_default()
            .restart(Side::Answering, mine.keys(), false);
        if wire::digest(&agreed) != digest {
            return Response::Hello {
                digest_ok: false,
                docs: self.with_gens(
                    mine.iter()
                        .map(|(doc, heads)| DocHeads {
                            doc: *doc,
                            heads: *heads,
                            generation: GenRank::FIRST,
                        })
                        .collect(),
                ),
                catchup: Vec::new(),
                agreed: Vec::new(),
                same: Vec::new(),
            };
        }
        let theirs: HashMap<DocId, HeadsHash> = listed.iter().map(|d| (d.doc, d.heads)).collect();
        // Ours first: the changes after the agreement, of documents the peer lists otherwise.
        let changed = self.with_gens(wire::changed(&mine, &agreed));
        let ours: HashMap<DocId, wire::Catchup> = self
            .catchups(peer, &changed, |d| theirs.get(&d.doc) == Some(&d.heads))
            .into_iter()
            .map(|c| (changed[c.at as usize].doc, c))
            .collect();
        let taken = match self.take_catchups(peer, &net, network, listed, catchups) {
            Ok(t) => t,
            Err(r) => return r,
        };
        let mine = self.shared_with(network, &net, peer);
        // Documents now at exactly the heads the peer listed are named by their index there.
        let (same, docs): (Vec<DocHeads>, Vec<DocHeads>) = self
            .with_gens(wire::changed(&mine, &agreed))
            .into_iter()
            .partition(|d| theirs.get(&d.doc) == Some(&d.heads));
        let same_at: Vec<u32> = listed
            .iter()
            .enumerate()
            .filter(|(_, l)| same.iter().any(|d| d.doc == l.doc))
            .map(|(at, _)| at as u32)
            .collect();
        let (mut catchup, mut agreed_at, mut agree) = (Vec::new(), Vec::new(), same.clone());
        for (at, d) in docs.iter().enumerate() {
            let sent = match ours.get(&d.doc) {
                Some(c) => {
                    catchup.push(wire::Catchup {
                        at: at as u32,
                        ..c.clone()
                    });
                    true
                }
                None => false,
            };
            let listed = theirs.get(&d.doc).copied();
            if wire::responder_agrees(listed, taken.contains(&d.doc), sent, d.heads) {
                agreed_at.push(at as u32);
                agree.push(*d);
            }
        }
        self.agree(peer, &agree, now);
        Response::Hello {
            digest_ok: true,
            docs,
            catchup,
            agreed: agreed_at,
            same: same_at,
        }
    }

    /// Initiator: takes the catch-ups of the peer's answer to `Hello` (when the digests
    /// matched) and records as agreed the documents the peer agreed on that this node now
    /// holds at the same heads; then decides the rest of the session and returns its first
    /// round. `Err(refusal)` when a catch-up breaks a rule (nothing of them taken).
    #[allow(clippy::type_complexity)]
    pub fn plan(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        answer: HelloAnswer,
        now: i64,
    ) -> Result<Result<(SessionPlan, Vec<DocPayload>), Response>, NotShared> {
        let HelloAnswer {
            digest_ok,
            docs: mut theirs,
            catchup,
            agreed: agreed_at,
            same,
            listed,
        } = answer;
        if digest_ok {
            let net = self.shared_network(network, peer)?;
            if let Err(r) = self.take_catchups(peer, &net, network, &theirs, &catchup) {
                return Ok(Err(r));
            }
            // The peer recorded as agreed the documents of `agreed`, and those it holds at the
            // heads this node listed (`same`, listed back as such): this node records those it
            // now holds at the same heads.
            let mut settled: Vec<DocHeads> = agreed_at
                .iter()
                .filter_map(|at| theirs.get(*at as usize))
                .copied()
                .collect();
            let same: Vec<DocHeads> = same
                .iter()
                .filter_map(|at| listed.get(*at as usize))
                .copied()
                .collect();
            settled.extend(&same);
            theirs.extend(same);
            settled.retain(|d| {
                self.docs.get(&d.doc).is_some_and(|l| {
                    l.rank == d.generation && wire::heads_hash(&l.doc.get_heads()) == d.heads
                })
            });
            self.agree(peer, &settled, now);
        }
        let (mine, agreed) = self.session_view(peer, network)?;
        let plan = wire::plan_session(&mine, &self.gens_in(network), &agreed, digest_ok, &theirs);
        let mut out: Vec<DocPayload> = plan
            .send_whole
            .iter()
            .filter_map(|d| self.whole(d))
            .collect();
        for d in &plan.want {
            out.push(DocPayload {
                doc: *d,
                payload: Payload::Want,
                signed: Vec::new(),
                generation: GenRank::FIRST,
            });
        }
        self.peers
            .entry(*peer)
            .or_default()
            .restart(Side::Opened, &plan.sync, true);
        out.extend(self.sync_messages(peer, &plan.sync, Side::Opened));
        Ok(Ok((plan, out)))
    }

    /// This node's heads of some documents.
    pub fn heads_of<'a>(&self, docs: impl Iterator<Item = &'a DocId>) -> Vec<DocHeads> {
        docs.filter_map(|d| {
            self.docs.get(d).map(|l| DocHeads {
                doc: *d,
                heads: wire::heads_hash(&l.doc.get_heads()),
                generation: l.rank,
            })
        })
        .collect()
    }

    /// Both sides: records that `peer` and this node agree on these documents' heads, and stores
    /// the agreement with the next batch. Where this node holds a document at those heads, the
    /// heads themselves are kept too (for a catch-up next time).
    pub fn agree(&mut self, peer: &GroupId, docs: &[DocHeads], now: i64) {
        if docs.is_empty() {
            return;
        }
        let now = now.max(0) as u64;
        let docs_held = &self.docs;
        let heads_of = |d: &DocId| docs_held.get(d).map(|l| l.doc.get_heads());
        if self
            .peers
            .entry(*peer)
            .or_default()
            .agree(docs, heads_of, now)
        {
            self.store_agreement(peer);
        }
    }

    /// Both sides: forgets the agreement on documents a session looked at and did not end
    /// agreed on, so that both sides list them next time.
    pub fn disagree(&mut self, peer: &GroupId, docs: impl Iterator<Item = DocId>) {
        if self.peers.entry(*peer).or_default().disagree(docs) {
            self.store_agreement(peer);
        }
    }

    fn store_agreement(&mut self, peer: &GroupId) {
        if let Some(entry) = self.peers.get(peer) {
            let bytes = entry.encode_agreement();
            self.out
                .meta_writes
                .push((format!("{AGREED_PREFIX}{peer}"), bytes));
        }
    }

    /// Responder: the answer to `Commit`: the documents whose heads match ours, now agreed.
    pub fn answer_commit(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        theirs: &[DocHeads],
        now: i64,
    ) -> Response {
        let net = match self.member_network(network, peer) {
            Ok(n) => n,
            Err(r) => return r,
        };
        // Only documents of this network that the peer may read can be agreed on.
        let mine = self.shared_with(network, &net, peer);
        let same: Vec<DocHeads> = theirs
            .iter()
            .filter(|d| mine.get(&d.doc) == Some(&d.heads))
            .copied()
            .collect();
        self.agree(peer, &same, now);
        self.disagree(
            peer,
            theirs
                .iter()
                .filter(|d| mine.get(&d.doc) != Some(&d.heads))
                .map(|d| d.doc),
        );
        Response::Committed {
            docs: same.iter().map(|d| d.doc).collect(),
        }
    }

    /// Joiner: keeps the network document an inviter sent, admitted like any received one;
    /// returns the network it says.
    pub fn admit_joined(
        &mut self,
        network: &DocId,
        bytes: &[u8],
        signed: &[SignedHead],
    ) -> Result<Network, Unjoined> {
        let bad = Unjoined;
        let existing = self.docs.get(network).map(|l| &**l);
        inflate::check(bytes, inflate::MAX_INFLATED).map_err(|e| bad(e.to_string()))?;
        let candidate = match existing {
            Some(l) => {
                merged_copy(&l.doc, bytes).map_err(|_| bad("unreadable network document".into()))?
            }
            None => {
                Automerge::load(bytes).map_err(|_| bad("unreadable network document".into()))?
            }
        };
        let header = doc::header(&candidate).map_err(|_| bad("no header".into()))?;
        if header.kind != DocKind::Network || header.network.as_ref() != Some(network) {
            return Err(bad("not this network's document".into()));
        }
        let current = self.network(network);
        let keep = auth::admit(
            network,
            existing.map(|l| &l.doc),
            &candidate,
            held(existing),
            signed,
            current.as_ref(),
        )
        .map_err(|e| bad(e.to_string()))?;
        let net: Network = doc::read(&candidate).map_err(|_| bad("unreadable network".into()))?;
        if !net.is_member(&self.group) {
            return Err(bad("the inviter did not add us".into()));
        }
        self.keep(*network, candidate, keep);
        Ok(net)
    }
}
