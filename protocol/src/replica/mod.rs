//! The replication core: a node's documents with their signed heads, what it knows of each
//! peer's sync ([`peers`]: agreements, Automerge sync states, changes kept until their history
//! arrives), what it owes its networks' members ([`news`]), what received documents may cost
//! before they are taken ([`intake`]), and the rounds that read and change them: both sides of
//! a session ([`Replica::hello`], [`Replica::respond`] with [`Replica::answer_hello`] and
//! [`Replica::answer_commit`], [`Replica::plan`], [`Replica::receive`]), catch-ups, and changes
//! pushed with an announcement ([`Replica::take_announced`]).
//!
//! Pure, in the manner of quinn-proto and samod-core: no store, no thread, no clock. `now` is
//! passed in; what is to be stored is left in the replica's outbox ([`Outbox`]) for the node to
//! write with its next batch; work that may run on several threads at once (judging a round's
//! documents received whole) is handed to a [`Spread`] the node gives, and a test runs it in
//! order. It logs through `tracing` (as quinn-proto does), and nothing else leaves it. The
//! node's documents actor is the shell around it: storage, the clock, randomness, invites and
//! this group's own edits.

mod catchup;
pub mod initiator;
pub mod intake;
mod judge;
pub mod news;
pub mod peers;
mod pushed;
mod rounds;
mod session;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use automerge::{Automerge, ChangeHash};
use ed25519_dalek::SigningKey;

use crate::auth::SignedHead;
use crate::doc::{self, DocError, DocKind, Header};
use crate::generation::GenRank;
use crate::ids::{DocId, GroupId};
use crate::network::Network;
use crate::sync::{HeadsHash, Refusal, Response};

pub use catchup::Untaken;
pub use initiator::{Answered, Initiator, SessionError, Step};
pub use intake::{Intake, refusal};
pub use judge::{Admitted, Judge, Judged, NotTaken, Part, Sequential, Spread};
pub use news::News;
pub use peers::{MAX_PENDING_BYTES, PeerSync, Pending, Side};
pub use session::{HelloAnswer, NotShared, Unjoined};

/// The metadata key prefix of a peer's stored agreement (`agreed/<group id>`).
pub const AGREED_PREFIX: &str = "agreed/";

/// The metadata key of a document's signed heads.
pub fn signed_key(id: &DocId) -> String {
    format!("signed/{id}")
}

/// A document held, with what is kept beside it.
pub struct Loaded {
    /// The document.
    pub doc: Automerge,
    /// Its header, read once.
    pub header: Header,
    /// Heads of what the node has stored; changes after these are still to be stored (the
    /// node's bookkeeping: the replica only carries it).
    pub stored_heads: Vec<ChangeHash>,
    /// Changes stored since the node's last snapshot of it (the node's bookkeeping).
    pub stored_changes: usize,
    /// Signed heads held for this document: per author, the newest (see `auth`).
    pub signed: Vec<SignedHead>,
    /// Its generation's rank (see `generation`), kept so that listing heads does not look for
    /// the first change each time.
    pub rank: GenRank,
}

impl Loaded {
    /// A document not yet stored.
    pub fn fresh(doc: Automerge, header: Header) -> Self {
        Self {
            rank: GenRank::of(&doc, &header),
            doc,
            header,
            stored_heads: Vec::new(),
            stored_changes: 0,
            signed: Vec::new(),
        }
    }
}

/// What the replica's rounds leave for the node to store and announce with its next batch.
#[derive(Default)]
pub struct Outbox {
    /// Metadata to store (signed heads, agreements; the node adds its own, such as invites).
    pub meta_writes: Vec<(String, Vec<u8>)>,
    /// Networks to announce as changed although none of their documents changed.
    pub touched: Vec<DocId>,
    /// Documents replaced by a new generation: the store drops the old generation's data and
    /// then rewrites itself so that none of its bytes stay on disk.
    pub replaced: Vec<DocId>,
    /// The old generations a peer's new one replaced, for the node to carry this group's own
    /// edits made on them over to the new one (an edit, which is the node's).
    pub superseded: Vec<(DocId, Box<Loaded>)>,
    /// Documents a sync round changed: their changes are not announced again (their authors
    /// did; `announce`).
    pub synced_in: HashSet<DocId>,
    /// Documents changed by changes pushed with an announcement: gossip spread them already.
    pub pushed_in: HashSet<DocId>,
}

/// A node's documents and its sync state with its peers (see the module's comment).
pub struct Replica {
    /// This node's group.
    pub group: GroupId,
    /// The group's key: signs this node's newest change of every shared document.
    pub key: SigningKey,
    /// The most payload bytes in one answer to a sync round (`sync::fit_reply`).
    pub reply_bytes: usize,
    /// The most plans of one owning group kept per network (`auth::MAX_PLANS_PER_MEMBER`).
    pub plan_quota: usize,
    /// Boxed: a document's state is large, and the map moves its entries as it grows (a cold
    /// sync of 10,000 documents spent a tenth of its time there).
    pub docs: HashMap<DocId, Box<Loaded>>,
    /// Sync bookkeeping per peer.
    pub peers: HashMap<GroupId, PeerSync>,
    /// What this node owes its networks' members: documents to ask for, news to pass on.
    pub news: News,
    /// What is left to store and announce.
    pub out: Outbox,
    /// Where a round's documents received whole are judged (see [`Spread`]).
    pub spread: Box<dyn Spread>,
    /// Decoded network documents with the heads they were decoded at (see [`Self::network`]).
    network_cache: RefCell<HashMap<DocId, (Vec<ChangeHash>, Network)>>,
}

/// A refusal to answer a peer with.
pub fn refused(reason: Refusal, message: impl Into<String>) -> Response {
    Response::Refused {
        reason,
        message: message.into(),
    }
}

/// The metadata to store for a document's signed heads.
pub fn signed_meta(id: &DocId, signed: &[SignedHead]) -> (String, Vec<u8>) {
    let mut bytes = Vec::new();
    // Writing CBOR into a Vec cannot fail.
    let _ = ciborium::into_writer(&signed, &mut bytes);
    (signed_key(id), bytes)
}

impl Replica {
    /// An empty replica of `key`'s group, judging on `spread`.
    pub fn new(group: GroupId, key: SigningKey, spread: Box<dyn Spread>) -> Self {
        Self {
            group,
            key,
            reply_bytes: crate::sync::MAX_REPLY_BYTES,
            plan_quota: crate::auth::MAX_PLANS_PER_MEMBER,
            docs: HashMap::new(),
            peers: HashMap::new(),
            news: News::default(),
            out: Outbox::default(),
            spread,
            network_cache: RefCell::default(),
        }
    }

    /// This node's heads hash of a document it holds.
    pub fn heads_hash(&self, id: &DocId) -> Option<HeadsHash> {
        self.docs
            .get(id)
            .map(|l| crate::sync::heads_hash(&l.doc.get_heads()))
    }

    /// The documents held of one kind, with their headers.
    pub fn of_kind(&self, kind: DocKind) -> impl Iterator<Item = (&DocId, &Header)> {
        self.docs
            .iter()
            .filter(move |(_, l)| l.header.kind == kind)
            .map(|(id, l)| (id, &l.header))
    }

    /// How many plans of `network` this node holds per owning group.
    pub fn plans_per_owner(&self, network: &DocId) -> HashMap<GroupId, usize> {
        let mut counts = HashMap::new();
        for l in self.docs.values() {
            if l.header.kind == DocKind::Plan && l.header.network.as_ref() == Some(network) {
                *counts.entry(l.header.owner).or_default() += 1;
            }
        }
        counts
    }

    /// Keeps a document just created here, signing its first change when it is shared.
    pub fn add_local(&mut self, id: DocId, doc: Automerge) -> Result<(), DocError> {
        let header = doc::header(&doc)?;
        let first = doc.get_heads();
        self.docs.insert(id, Box::new(Loaded::fresh(doc, header)));
        if let Some(h) = first.first() {
            self.sign(&id, h);
        }
        Ok(())
    }

    /// Signs this group's newest change (`hash`, just made here) of a shared document: it covers
    /// all before it.
    pub fn sign(&mut self, id: &DocId, hash: &ChangeHash) {
        let Self { docs, key, out, .. } = self;
        let Some(l) = docs.get_mut(id) else {
            return;
        };
        if !l.header.kind.is_shared() {
            return;
        }
        let head = SignedHead::sign(key, id, hash);
        // The newest head replaces this group's earlier one; an endorsement of the generation
        // (a head on its first change, `auth::may_endorse`) stays, to pass on.
        let rank = l.rank;
        l.signed
            .retain(|s| s.author != head.author || rank.is_root(&s.change_hash()));
        l.signed.push(head);
        out.meta_writes.push(signed_meta(id, &l.signed));
    }

    /// Installs `next` as document `id` in place of any held (a new generation: from a peer,
    /// or issued here), with its signed heads.
    pub fn install(&mut self, id: DocId, next: Automerge, header: Header, signed: Vec<SignedHead>) {
        let mut l = Loaded::fresh(next, header);
        l.signed = signed;
        self.out.meta_writes.push(signed_meta(&id, &l.signed));
        if let Some(n) = l.header.network {
            self.out.touched.push(n);
        }
        self.docs.insert(id, Box::new(l));
        self.out.replaced.push(id);
        self.network_cache.borrow_mut().remove(&id);
    }

    /// Puts `next`, a new generation of document `id` admitted from a peer, in place of the one
    /// held; the old one is left in the outbox for the node to carry this group's edits over.
    pub fn replace(&mut self, id: DocId, next: Automerge, signed: Vec<SignedHead>) {
        let Ok(header) = doc::header(&next) else {
            return;
        };
        let generation = header.generation.n;
        let old = self.docs.remove(&id);
        self.install(id, next, header, signed);
        tracing::info!(doc = %id, generation, "a document was re-issued without its history; the old generation is deleted");
        if let Some(old) = old {
            self.out.superseded.push((id, old));
        }
    }

    /// The network document of `id`, if this node holds it.
    /// Decoding a network document costs about a millisecond and almost every sync request
    /// needs it, so the decoded form is kept until the document's heads move.
    pub fn network(&self, id: &DocId) -> Option<Network> {
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

    /// Forgets every decoded network document (the node rolled its documents back).
    pub fn clear_network_cache(&self) {
        self.network_cache.borrow_mut().clear();
    }
}
