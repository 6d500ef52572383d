//! What the documents actor does for networks and sync: network documents, invites, and both
//! sides of a sync session (see `commonground_protocol::sync` for the exchange).
//!
//! Every rule about who may receive what is applied here, on the actor, against the node's own
//! copy of the network document: a peer gets a network's documents only if it is a member, and
//! only the kinds its role may read; documents it sends are kept only if they belong to that
//! network and are of a shared kind.

use std::collections::{BTreeMap, HashMap};

use automerge::Automerge;
use automerge::sync::{Message, SyncDoc};
use commonground_protocol::ValidationError;
use commonground_protocol::announce;
use commonground_protocol::auth::{self, SignedHead};
use commonground_protocol::doc::{self, DocKind, Header};
use commonground_protocol::generation::GenRank;
use commonground_protocol::ids::{DocId, GroupId};
use commonground_protocol::inflate;
use commonground_protocol::network::{InviteCode, IssuedInvite, Network, NetworkView, Role};
use commonground_protocol::replica::{Intake, PeerSync, Pending, Side};
use commonground_protocol::sync::{
    self as wire, DocHeads, DocPayload, HeadsHash, Payload, Refusal, Response, SessionPlan,
};
use ed25519_dalek::SigningKey;
use rand::RngCore;
use tracing::{debug, warn};

use crate::docs::{DocSet, Docs, DocsError, Loaded};
use crate::store::{Store, StoreError};

const AGREED: &str = "agreed/";
const INVITE: &str = "invite/";

/// A peer's answer to `Hello` (`Response::Hello`).
pub(crate) struct HelloAnswer {
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

/// What became of a sync message's changes.
enum Accepted {
    /// It carried none.
    Nothing,
    /// Our copy with them applied, and the signed heads to keep.
    Taken(Box<Admitted>),
    /// They build on history this node lacks: kept for when it arrives.
    Lacks(Pending),
}

/// Loads sync agreements and issued invites from the store's metadata.
pub(crate) fn load_meta(set: &mut DocSet, store: &dyn Store) -> Result<(), StoreError> {
    for (key, value) in store.meta_scan(AGREED)? {
        let Some(group) = key
            .strip_prefix(AGREED)
            .and_then(|g| g.parse::<GroupId>().ok())
        else {
            continue;
        };
        match PeerSync::decode_agreement(&value) {
            Ok(p) => {
                set.peers.insert(group, p);
            }
            Err(e) => {
                warn!(peer = %group.short(), error = %e, "unreadable sync agreement; starting afresh")
            }
        }
    }
    for (key, value) in store.meta_scan(INVITE)? {
        let id = key.strip_prefix(INVITE).and_then(|h| {
            let mut b = [0u8; 16];
            hex::decode_to_slice(h, &mut b).ok().map(|()| b)
        });
        match (id, serde_json::from_slice::<IssuedInvite>(&value)) {
            (Some(id), Ok(inv)) => {
                set.invites.insert(id, inv);
            }
            _ => warn!(key, "unreadable invite record"),
        }
    }
    Ok(())
}

/// A copy of `doc` with a whole received document merged in. The received bytes must load
/// completely: `load_incremental` would keep a readable start of damaged bytes.
fn merged_copy(doc: &Automerge, bytes: &[u8]) -> Result<Automerge, automerge::AutomergeError> {
    let mut incoming = Automerge::load(bytes)?;
    let mut copy = doc.fork();
    copy.merge(&mut incoming)?;
    Ok(copy)
}

/// The signed heads kept with the node's copy of a document (none without one): admission
/// takes them as checked.
fn held(existing: Option<&Loaded>) -> &[SignedHead] {
    existing.map_or(&[], |l| &l.signed)
}

/// A document that passed admission, and what to keep with it.
pub(crate) type Admitted = (Automerge, auth::Admitted);

/// Why a document received whole was not taken: refused before admission, or by it.
pub(crate) enum NotTaken {
    Refused((Refusal, String)),
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
pub(crate) fn forbidden(e: auth::AuthError) -> (Refusal, String) {
    commonground_protocol::replica::refusal(&e)
}

/// The network as an admitted copy of its document says, or as it was if that is unreadable.
fn updated(doc: &Automerge, was: Network) -> Network {
    doc::read::<Network>(doc).unwrap_or(was)
}

pub(crate) fn signed_meta(id: &DocId, signed: &[SignedHead]) -> (String, Vec<u8>) {
    let mut bytes = Vec::new();
    let _ = ciborium::into_writer(&signed, &mut bytes);
    (crate::docs::signed_key(id), bytes)
}

pub(crate) fn refused(reason: Refusal, message: impl Into<String>) -> Response {
    Response::Refused {
        reason,
        message: message.into(),
    }
}

/// What judging a document received whole needs of the node: its group and key (to endorse a
/// re-issued plan) and its documents. Shared by the threads that judge a round's documents at
/// once ([`Judge::accept_wholes`]): the admission checks (loading, signatures, the history
/// check) are most of a cold sync's time, and one thread did them all.
pub(crate) struct Judge<'a> {
    group: GroupId,
    key: &'a SigningKey,
    docs: &'a HashMap<DocId, Box<Loaded>>,
}

/// What [`Judge::accept_wholes`] said of one document: what its bytes inflate to, and the
/// verdict.
pub(crate) type Judged = (u64, Result<Admitted, NotTaken>);

/// Fewer documents whole than this in a round are judged on the actor's own thread.
const JUDGE_IN_PARALLEL: usize = 8;
/// The most threads that judge one round's documents.
const MAX_JUDGES: usize = 4;

impl Judge<'_> {
    /// Checks a document received whole from `peer` for `network`: of a shared kind, in that
    /// network (a network document: that network's own), readable by the peer, and admitted
    /// (signed, written by its writers, within its rules). Returns the document to keep (ours
    /// with the new changes, or the received one) and the signed heads to keep.
    fn accept_whole(
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
                    commonground_protocol::history::Carried::OldGeneration.to_string(),
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
            && id != &commonground_protocol::publish::published_id(network, &header.owner)
        {
            return Err(not_allowed("a published tally under another id"));
        }
        if !net.is_some_and(|n| n.may_read(peer, header.kind)) {
            return Err(not_allowed("the sender may not hold this document"));
        }
        let keep = auth::admit(
            id,
            existing.map(|l| &l.doc),
            &candidate,
            held(existing),
            signed,
            net,
        )?;
        Ok((candidate, keep))
    }

    /// Endorses a later generation of a plan just admitted against the one held, when this
    /// group may ([`auth::may_endorse`]) and did not issue it: nodes that do not hold the plan
    /// take it with the endorsement.
    fn endorse(
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
        if let Some(root) = commonground_protocol::generation::root_hash(doc) {
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
    /// judge, as are all of them when there are few or the machine has one core. A panic in a judging thread (a library
    /// failing on a peer's bytes) is raised again here, as if judged on this thread.
    fn accept_wholes(
        &self,
        network: &DocId,
        net: &Network,
        peer: &GroupId,
        rest: &[DocPayload],
        first: usize,
        mut budget: u64,
    ) -> HashMap<usize, Judged> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_JUDGES);
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
        let per_thread = todo.len().div_ceil(threads);
        std::thread::scope(|s| {
            let judging: Vec<_> = todo
                .chunks(per_thread)
                .map(|part| {
                    s.spawn(move || {
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
                    })
                })
                .collect();
            judging
                .into_iter()
                .flat_map(|t| t.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }
}

impl DocSet {
    /// What judging a document received whole needs of this node (see [`Judge`]).
    pub(crate) fn judge(&self) -> Judge<'_> {
        Judge {
            group: self.group,
            key: &self.key,
            docs: &self.docs,
        }
    }

    /// How many documents this node and `peer` last agreed on at the heads this node holds now:
    /// a catch-up with `peer` from here sends only what changes after. For tools that wait for
    /// sync to be over (a benchmark's next step), not for the node's own decisions.
    pub fn agreed_now(&self, peer: &GroupId) -> usize {
        self.peers
            .get(peer)
            .map_or(0, |p| p.agreed_at(|d| self.heads_hash(d)))
    }

    /// The network document of `id`, if this node holds it.
    /// Decoding a network document costs about a millisecond and almost every sync request
    /// needs it, so the decoded form is kept until the document's heads move.
    pub(crate) fn network(&self, id: &DocId) -> Option<Network> {
        let l = self.docs.get(id)?;
        if l.header.kind != DocKind::Network {
            return None;
        }
        let heads = l.doc.get_heads();
        if let Some((h, n)) = self.network_cache.borrow().get(id)
            && *h == heads
        {
            return Some(n.clone());
        }
        let n = doc::read::<Network>(&l.doc).ok()?;
        self.network_cache
            .borrow_mut()
            .insert(*id, (heads, n.clone()));
        Some(n)
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

    fn member_network(&self, network: &DocId, peer: &GroupId) -> Result<Network, Response> {
        match self.network(network) {
            Some(n) if n.is_member(peer) && n.is_member(&self.group) => Ok(n),
            _ => Err(refused(Refusal::NotMember, "not a member of this network")),
        }
    }

    /// Initiator: the network this node shares with `peer` (both members).
    fn shared_network(&self, network: &DocId, peer: &GroupId) -> Result<Network, DocsError> {
        self.member_network(network, peer)
            .map_err(|_| DocsError::NotFound {
                what: "shared network",
                id: network.to_string(),
            })
    }

    /// Initiator: this node's shared documents and its agreement with `peer`, for `network`.
    #[allow(clippy::type_complexity)]
    fn session_view(
        &self,
        peer: &GroupId,
        network: &DocId,
    ) -> Result<(BTreeMap<DocId, HeadsHash>, BTreeMap<DocId, HeadsHash>), DocsError> {
        let net = self.shared_network(network, peer)?;
        let mine = self.shared_with(network, &net, peer);
        let agreed = self.agreed_in(peer, &mine, network);
        Ok((mine, agreed))
    }

    /// Creates network `id` with this group as its first coordinator.
    pub(crate) fn create_network(
        &mut self,
        id: DocId,
        name: &str,
        group_name: &str,
        addrs: Vec<String>,
    ) -> Result<NetworkView, DocsError> {
        let net = Network::new(name, self.group, group_name, self.today(), addrs)?;
        self.create(id, Some(id), &net)?;
        Ok(net.view(id))
    }

    /// Issues invite `id` with `secret` to a network (by id or unique prefix; coordinators only)
    /// granting `role`, valid for `valid_secs` from `now` (unix seconds).
    pub(crate) fn invite(
        &mut self,
        network: &str,
        now: i64,
        valid_secs: i64,
        addrs: Vec<String>,
        role: Role,
        (invite, secret): ([u8; 16], [u8; 32]),
    ) -> Result<InviteCode, DocsError> {
        let id = self.resolve(DocKind::Network, network)?;
        let net = self.network_or_404(&id)?;
        if net.member(&self.group).map(|m| m.role) != Some(Role::Coordinator) {
            return Err(DocsError::Invalid(ValidationError::NotPermitted {
                reason: "only the network's coordinators may invite".into(),
            }));
        }
        let issued = IssuedInvite::new(id, &secret, now, valid_secs, role)?;
        self.meta_writes.push((
            format!("{INVITE}{}", hex::encode(invite)),
            serde_json::to_vec(&issued).unwrap_or_default(),
        ));
        self.invites.insert(invite, issued);
        self.touched.push(id);
        Ok(InviteCode {
            network: id,
            id: invite,
            secret,
            inviter: self.group,
            addrs,
        })
    }

    /// Responder: the answer to any request of the sync protocol from `peer`.
    pub(crate) fn answer(&mut self, peer: &GroupId, request: wire::Request) -> Response {
        if request.doc_count() > wire::MAX_DOCS_PER_MESSAGE {
            return refused(Refusal::Malformed, "too many documents");
        }
        match request {
            wire::Request::Join {
                network,
                invite,
                secret,
                name,
                addrs,
            } => self.answer_join(peer, &network, &invite, &secret, &name, addrs),
            wire::Request::Hello {
                network,
                digest,
                changed,
                catchup,
                wanted,
            } => self.answer_hello(peer, &network, digest, &changed, &catchup, &wanted),
            wire::Request::Sync { network, docs } => {
                match self.receive(peer, &network, docs, true, &[]) {
                    Ok(out) => {
                        let (docs, deferred) = wire::fit_reply(out, self.reply_bytes);
                        Response::Sync { docs, deferred }
                    }
                    Err(r) => r,
                }
            }
            wire::Request::Commit { network, docs } => self.answer_commit(peer, &network, &docs),
        }
    }

    /// The networks shared with `peer` (both are members).
    pub(crate) fn networks_with(&self, peer: &GroupId) -> Vec<DocId> {
        let ids: Vec<DocId> = self.of_kind(DocKind::Network).map(|(id, _)| *id).collect();
        ids.into_iter()
            .filter(|id| self.member_network(id, peer).is_ok())
            .collect()
    }

    /// Members of a network other than this group, with their addresses.
    pub(crate) fn members_of(&self, network: &DocId) -> Vec<(GroupId, Vec<String>)> {
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
    pub(crate) fn hello(
        &mut self,
        peer: &GroupId,
        network: &DocId,
    ) -> Result<wire::Request, DocsError> {
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
    pub(crate) fn answer_hello(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        digest: [u8; 32],
        listed: &[DocHeads],
        catchups: &[wire::Catchup],
        wanted: &[DocHeads],
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
        self.agree(peer, &agree);
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
    pub(crate) fn plan(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        answer: HelloAnswer,
    ) -> Result<Result<(SessionPlan, Vec<DocPayload>), Response>, DocsError> {
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
            self.agree(peer, &settled);
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

    /// A document whole, with its signed heads.
    fn whole(&self, id: &DocId) -> Option<DocPayload> {
        self.docs.get(id).map(|l| DocPayload {
            doc: *id,
            payload: Payload::Whole(l.doc.save()),
            signed: l.signed.clone(),
            generation: l.rank,
        })
    }

    /// The next Automerge sync message for each of `ids` that has one, with signed heads when
    /// it carries changes.
    fn sync_messages(&mut self, peer: &GroupId, ids: &[DocId], side: Side) -> Vec<DocPayload> {
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
    /// its bytes inflate within the budget, it passes [`Self::accept_whole`], and a plan new to
    /// this node fits its owner's bound (`auth::MAX_PLANS_PER_MEMBER`). Returns the document to
    /// keep and what to keep with it; `None` for a plan left out, though an honest peer may
    /// send it (of an earlier release, re-issued and not yet endorsed: `auth::admit`; or over
    /// the bound): the rest of a round or bundle is still taken.
    /// `judged`: what [`Judge::accept_wholes`] already measured and said of these bytes;
    /// measured and judged here if `None`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn take_whole(
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
                commonground_protocol::history::Carried::OldGeneration.to_string(),
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
            Err(crate::catchup::Untaken::Lacks(needs)) => {
                debug!(doc = %id, needs = needs.len(), "changes on history this node lacks kept until it arrives");
                Ok(Accepted::Lacks(Pending {
                    changes: bytes,
                    needs,
                }))
            }
            Err(crate::catchup::Untaken::Refused(why)) => Err(why),
        }
    }

    /// Keeps an admitted document (ours with new changes, or a new one) and its signed heads.
    /// A merge that reads as personal data is kept (every change passed on its own) and shows
    /// as flagged wherever the document is shown (`PlanView::flagged`).
    pub(crate) fn keep(&mut self, id: DocId, doc: Automerge, admitted: auth::Admitted) {
        if let Some(p) = &admitted.flagged {
            warn!(doc = %id, kind = p.kind.key(), "a merge of changes that each passed reads as personal data; flagged for its writers to forget");
        }
        let signed = admitted.signed;
        // Hydrated once: a header's group ids each check their key.
        let header = doc::header(&doc).ok();
        let rank = header.as_ref().map(|h| GenRank::of(&doc, h));
        if self.docs.get(&id).is_some_and(|l| Some(l.rank) != rank) {
            self.replace(id, doc, signed);
            return;
        }
        match self.docs.get_mut(&id) {
            Some(l) => {
                l.doc = doc;
                if l.signed != signed {
                    l.signed = signed;
                    self.meta_writes.push(signed_meta(&id, &l.signed));
                }
            }
            None => {
                let Some(header) = header else {
                    return;
                };
                let mut l = Loaded::fresh(doc, header);
                l.signed = signed;
                self.meta_writes.push(signed_meta(&id, &l.signed));
                self.docs.insert(id, Box::new(l));
            }
        }
    }

    /// Both sides: applies a round of payloads from `peer`. The responder answers each document;
    /// the initiator then generates its next messages for `sync_docs`. A payload that breaks a
    /// rule refuses the whole round before anything of it is applied.
    pub(crate) fn receive(
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
            self.synced_in.insert(id);
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
            self.synced_in.insert(id);
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

    /// See [`Docs::take_announced`]. A push that cannot be applied here (its changes build on
    /// ones this node lacks, or a rule refuses them) is left for the pull, whose session
    /// applies every rule again and scores a peer that sends forbidden changes.
    pub(crate) fn take_announced(
        &mut self,
        class: announce::Class,
        a: &announce::Announcement,
    ) -> bool {
        let mut news = false;
        for d in &a.docs {
            let mine = self.docs.get(&d.doc);
            if !announce::differs(d, mine.map(|l| wire::heads_hash(&l.doc.get_heads()))) {
                continue;
            }
            let push = a.pushed.iter().find(|p| p.doc == d.doc);
            let (Some(l), Some(push)) = (mine, push) else {
                news = true;
                self.news.want(a.network, *d);
                continue;
            };
            let heads = push.head_hashes();
            let lacks = |l: &Loaded| {
                announce::still_lacks(&heads, |h| l.doc.get_change_meta_by_hash(h).is_some())
            };
            if !lacks(l) {
                continue;
            }
            if let Err(why) = self.apply_push(class, a.network, d.generation, push) {
                debug!(doc = %d.doc, why, "a pushed change left for the pull");
            }
            // Applied or not, what the announcer holds and this node still lacks is pulled.
            if self.docs.get(&d.doc).is_none_or(|l| lacks(l)) {
                news = true;
                self.news.want(a.network, *d);
            }
        }
        news
    }

    /// Applies one pushed document's changes, after the checks a sync round's get.
    fn apply_push(
        &mut self,
        class: announce::Class,
        network: DocId,
        generation: GenRank,
        push: &announce::Pushed,
    ) -> Result<(), String> {
        let id = push.doc;
        let l = self.docs.get(&id).ok_or("not held")?;
        if l.header.network != Some(network) || announce::Class::of(l.header.kind) != Some(class) {
            return Err("a document of another network or class than the topic's".into());
        }
        if l.rank != generation {
            return Err("another generation".into());
        }
        inflate::check(&push.changes, inflate::MAX_INFLATED).map_err(|e| e.to_string())?;
        let net = self.network(&network).ok_or("not a member")?;
        let keep = self
            .with_changes(&id, &net, &push.changes, &push.signed)
            .map_err(|e| match e {
                crate::catchup::Untaken::Lacks(_) => "they build on changes this node lacks".into(),
                crate::catchup::Untaken::Refused((_, why)) => why,
            })?;
        self.pushed_in.insert(id);
        self.keep(id, keep.0, keep.1);
        Ok(())
    }

    /// This node's heads of some documents.
    pub(crate) fn heads_of<'a>(&self, docs: impl Iterator<Item = &'a DocId>) -> Vec<DocHeads> {
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
    pub(crate) fn agree(&mut self, peer: &GroupId, docs: &[DocHeads]) {
        if docs.is_empty() {
            return;
        }
        let now = self.now().max(0) as u64;
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
    pub(crate) fn disagree(&mut self, peer: &GroupId, docs: impl Iterator<Item = DocId>) {
        if self.peers.entry(*peer).or_default().disagree(docs) {
            self.store_agreement(peer);
        }
    }

    fn store_agreement(&mut self, peer: &GroupId) {
        if let Some(entry) = self.peers.get(peer) {
            let bytes = entry.encode_agreement();
            self.meta_writes.push((format!("{AGREED}{peer}"), bytes));
        }
    }

    /// Responder: the answer to `Commit`: the documents whose heads match ours, now agreed.
    pub(crate) fn answer_commit(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        theirs: &[DocHeads],
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
        self.agree(peer, &same);
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

    /// Inviter: redeems an invite for `peer` and makes it a member.
    pub(crate) fn answer_join(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        invite: &[u8; 16],
        secret: &[u8],
        name: &str,
        addrs: Vec<String>,
    ) -> Response {
        let coordinator = self
            .network(network)
            .and_then(|n| n.member(&self.group).map(|m| m.role == Role::Coordinator))
            .unwrap_or(false);
        if !coordinator {
            return refused(
                Refusal::Invite,
                "the inviting group is no longer a coordinator of this network",
            );
        }
        let Some(issued) = self.invites.get(invite).cloned() else {
            return refused(
                Refusal::Invite,
                commonground_protocol::network::InviteError::Unknown.to_string(),
            );
        };
        if &issued.network != network {
            return refused(Refusal::Invite, "this invite is for another network");
        }
        let mut updated = issued;
        if let Err(e) = updated.redeem(secret, *peer, self.now()) {
            return refused(Refusal::Invite, e.to_string());
        }
        let (role, today) = (updated.role, self.today());
        let joined =
            self.edit::<Network, _>(network, |n| n.add_member(*peer, name, role, today, addrs));
        if let Err(e) = joined {
            return refused(Refusal::Invite, e.to_string());
        }
        self.meta_writes.push((
            format!("{INVITE}{}", hex::encode(invite)),
            serde_json::to_vec(&updated).unwrap_or_default(),
        ));
        self.invites.insert(*invite, updated);
        match self.docs.get(network) {
            Some(l) => Response::Joined {
                network: *network,
                document: l.doc.save(),
                signed: l.signed.clone(),
            },
            None => refused(Refusal::Unavailable, "network document missing"),
        }
    }

    /// Joiner: keeps the network document an inviter sent, admitted like any received one.
    pub(crate) fn accept_joined(
        &mut self,
        network: &DocId,
        bytes: &[u8],
        signed: &[SignedHead],
    ) -> Result<NetworkView, DocsError> {
        let bad = |reason: String| DocsError::Damaged {
            doc: *network,
            reason,
        };
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
        Ok(net.view(*network))
    }
}

impl Docs {
    /// Creates a network with this group as its first coordinator.
    pub async fn create_network(
        &self,
        name: String,
        group_name: String,
        addrs: Vec<String>,
    ) -> Result<NetworkView, DocsError> {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        let id = DocId::from_bytes(bytes);
        self.run(move |set| set.create_network(id, &name, &group_name, addrs))
            .await
    }

    /// The networks this node belongs to.
    pub async fn networks(&self) -> Result<Vec<NetworkView>, DocsError> {
        self.run(|set| {
            let ids: Vec<DocId> = set.of_kind(DocKind::Network).map(|(id, _)| *id).collect();
            let mut out: Vec<NetworkView> = ids
                .iter()
                .filter_map(|id| set.network(id).map(|n| n.view(*id)))
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
        .await
    }

    /// One network, by id or unique prefix.
    pub async fn network(&self, id: String) -> Result<NetworkView, DocsError> {
        self.run(move |set| {
            let id = set.resolve(DocKind::Network, &id)?;
            set.network(&id)
                .map(|n| n.view(id))
                .ok_or(DocsError::NotFound {
                    what: "network",
                    id: id.to_string(),
                })
        })
        .await
    }

    /// Issues an invite to a network (coordinators only) granting `role`, valid for
    /// `valid_secs`.
    pub async fn invite(
        &self,
        network: String,
        valid_secs: i64,
        addrs: Vec<String>,
        role: Role,
    ) -> Result<InviteCode, DocsError> {
        let mut secret = [0u8; 32];
        let mut invite = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut secret);
        rand::thread_rng().fill_bytes(&mut invite);
        self.run(move |set| {
            let now = set.now();
            set.invite(&network, now, valid_secs, addrs, role, (invite, secret))
        })
        .await
    }

    /// Keeps the network document received on joining.
    pub async fn accept_joined(
        &self,
        network: DocId,
        document: Vec<u8>,
        signed: Vec<SignedHead>,
    ) -> Result<NetworkView, DocsError> {
        self.run(move |set| set.accept_joined(&network, &document, &signed))
            .await
    }

    /// Answers a request of the sync protocol from `peer`.
    pub async fn answer(&self, peer: GroupId, request: wire::Request) -> Response {
        let r = self
            .run_remote(move |set| Ok(set.answer(&peer, request)))
            .await;
        r.unwrap_or_else(|e| {
            debug!(error = %e, "request failed");
            refused(Refusal::Unavailable, "the node could not answer")
        })
    }

    /// Caps this node's answers to sync rounds at `bytes` of payloads (default
    /// `sync::MAX_REPLY_BYTES`): whole documents beyond it are deferred to the asker's next
    /// round. For tests, and for machines that must keep messages small.
    pub async fn limit_replies(&self, bytes: usize) -> Result<(), DocsError> {
        self.run(move |set| {
            set.reply_bytes = bytes;
            Ok(())
        })
        .await
    }

    /// Caps the plans of one group this node keeps (and this group makes) per network at `n`
    /// (default `auth::MAX_PLANS_PER_MEMBER`). For tests.
    pub async fn limit_plans(&self, n: usize) -> Result<(), DocsError> {
        self.run(move |set| {
            set.plan_quota = n;
            Ok(())
        })
        .await
    }

    /// Who may connect to this node: every member of every network it holds, whether one of
    /// its invites is open (unexpired), and each network's members (for LAN beacons).
    pub async fn admission(&self) -> Result<crate::net::Admission, DocsError> {
        // Readings are numbered in the order this actor makes them (one actor per node, so
        // increasing for each node; nodes in one process share the counter and skip numbers).
        static READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        self.run(|set| {
            let read = READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let now = set.now();
            let ids: Vec<DocId> = set.of_kind(DocKind::Network).map(|(id, _)| *id).collect();
            let networks: Vec<(DocId, Vec<GroupId>)> = ids
                .iter()
                .filter_map(|id| {
                    let n = set.network(id)?;
                    n.is_member(&set.group)
                        .then(|| (*id, n.members.iter().map(|m| m.group).collect()))
                })
                .collect();
            let members = networks
                .iter()
                .flat_map(|(_, ms)| ms.iter().copied())
                .filter(|g| *g != set.group)
                .collect();
            // Used ones count until they expire: a second group redeeming the code is told it
            // was used, instead of finding the node unreachable.
            let invites_open = set.invites.values().any(|i| i.expires >= now);
            let channels = ids
                .iter()
                .filter_map(|id| {
                    set.network(id)
                        .map(|n| announce::channels(id, &n, &set.group))
                })
                .flatten()
                .collect();
            Ok(crate::net::Admission {
                members,
                invites_open,
                networks,
                channels,
                read,
            })
        })
        .await
    }

    /// Takes an announcement received on a topic of `class`: applies the changes it pushes
    /// where they pass admission as a sync round's would, and says whether it still names
    /// something this node lacks (a document it does not hold, or holds without the announced
    /// heads): then the scheduler pulls.
    pub async fn take_announced(
        &self,
        class: announce::Class,
        announcement: announce::Announcement,
    ) -> Result<bool, DocsError> {
        self.run_remote(move |set| Ok(set.take_announced(class, &announcement)))
            .await
    }

    /// The networks shared with `peer` (both are members).
    pub async fn networks_with(&self, peer: GroupId) -> Result<Vec<DocId>, DocsError> {
        self.run(move |set| Ok(set.networks_with(&peer))).await
    }

    /// Members of a network other than this group, with their addresses.
    pub async fn members_of(
        &self,
        network: DocId,
    ) -> Result<Vec<(GroupId, Vec<String>)>, DocsError> {
        self.run(move |set| Ok(set.members_of(&network))).await
    }

    /// When each shared document was last in sync with each peer (unix seconds).
    pub async fn last_synced(&self) -> Result<BTreeMap<GroupId, BTreeMap<DocId, u64>>, DocsError> {
        self.run(|set| {
            Ok(set
                .peers
                .iter()
                .map(|(g, p)| (*g, p.last_synced.clone()))
                .collect())
        })
        .await
    }

    /// The name a peer gave in any network this node shares with it.
    pub async fn names(&self) -> Result<BTreeMap<GroupId, String>, DocsError> {
        self.run(|set| {
            let ids: Vec<DocId> = set.of_kind(DocKind::Network).map(|(id, _)| *id).collect();
            Ok(ids
                .iter()
                .filter_map(|id| set.network(id))
                .flat_map(|n| n.members.into_iter().map(|m| (m.group, m.name)))
                .collect())
        })
        .await
    }
}

/// The opening of a session, for tests that play the initiator by hand (a whole session is
/// `session::Initiator`, driven by `sync::session_over`).
impl Docs {
    /// Opens a session: the `Hello` this node would send `peer` for `network`.
    pub async fn session_hello(
        &self,
        peer: GroupId,
        network: DocId,
    ) -> Result<wire::Request, DocsError> {
        self.run_remote(move |set| set.hello(&peer, &network)).await
    }
}
