//! Signed authorship and write permission: which received changes a node may apply.
//!
//! A node's Automerge actor id is its group's public key. After committing, a node signs its
//! newest change hash of the document ([`SignedHead`]); since every change names the hashes it
//! depends on, one signature covers all earlier changes of that actor. Signed heads travel with
//! every document payload (sync messages, whole documents, bundles).
//!
//! [`admit`] decides about the changes a payload would add to a document, before the node's
//! copy is touched: every new change must
//! - have all its dependencies (nothing reordered or missing),
//! - be covered by a valid signed head of its own actor (or, for a removed group, by the last
//!   change the network document froze for it),
//! - come from an actor that may write the document, decided from the author alone
//!   ([`writers`]): the network document — its coordinators (and each member, for its own
//!   addresses only: the change may alter nothing else); a published tally — its group;
//!   a plan — its collaborating groups that are members (not aggregators),
//! - leave the header as it was, and the body within the rules of its kind (limits);
//! - carry the day only, no message, and no personal data in any text it writes, judged change
//!   by change in the state its own history produces ([`crate::history`]).
//!
//! One failing change refuses the whole payload. Only forged or unauthorised changes are
//! offences ([`AuthError::is_offence`]): what a change carries may be refused by rules an
//! honest older node did not apply.
//!
//! Writer sets that live inside the document (coordinators, collaborators) are evaluated in
//! causal order: a change is judged against the state its own history produced, so a group
//! made coordinator can write right after the change that made it one, and a member cannot
//! promote itself.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash, Patch, PatchLog, ReadDoc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::doc::{self, DocKind, Header};
use crate::error::ValidationError;
use crate::generation::GenRank;
use crate::ids::{DocId, GroupId};
use crate::network::{Network, Role};
use crate::plan::Plan;
use crate::publish::Published;

/// The most signed heads one payload may carry: one per author, and every member of a network
/// writes its own addresses into the network document, so a network of many members needs as
/// many (64, the bound before 0.5, refused every whole network document of a network of 100
/// members).
pub const MAX_SIGNED_HEADS: usize = 1024;

/// The most plans of one owning group a node keeps in one network: a node takes no new plan of
/// a group that has this many there already (it leaves it out), and a group makes no more.
/// Bounds what one member can make every other member store.
pub const MAX_PLANS_PER_MEMBER: usize = 20_000;

const CONTEXT: &[u8] = b"commonground/signed-head/1";

/// An actor's signature over its newest change hash of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    /// The signing group's public key (= its actor id).
    #[serde(with = "crate::sync::fixed_bytes")]
    pub author: [u8; 32],
    /// The change hash signed.
    #[serde(with = "crate::sync::fixed_bytes")]
    pub hash: [u8; 32],
    /// Ed25519 signature over `CONTEXT ‖ document id ‖ hash`.
    #[serde(with = "crate::sync::fixed_bytes")]
    pub sig: [u8; 64],
}

fn signed_bytes(doc: &DocId, hash: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(CONTEXT.len() + 48);
    m.extend_from_slice(CONTEXT);
    m.extend_from_slice(doc.as_bytes());
    m.extend_from_slice(hash);
    m
}

impl SignedHead {
    /// Signs `hash` of document `doc` with a group's key.
    pub fn sign(key: &SigningKey, doc: &DocId, hash: &ChangeHash) -> Self {
        Self {
            author: key.verifying_key().to_bytes(),
            hash: hash.0,
            sig: key.sign(&signed_bytes(doc, &hash.0)).to_bytes(),
        }
    }

    /// The signing group, if the key is well-formed.
    pub fn author(&self) -> Option<GroupId> {
        GroupId::from_public_key(self.author).ok()
    }

    /// The change hash signed.
    pub fn change_hash(&self) -> ChangeHash {
        ChangeHash(self.hash)
    }

    /// Whether the signature is valid for document `doc`.
    pub fn verify(&self, doc: &DocId) -> bool {
        let Some(key) = crate::ids::verifying_key(&self.author) else {
            return false;
        };
        key.verify(
            &signed_bytes(doc, &self.hash),
            &Signature::from_bytes(&self.sig),
        )
        .is_ok()
    }
}

/// Why received changes were refused.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum AuthError {
    /// Some changes lack their dependencies: reordered, truncated or partial history.
    #[error("changes arrived without the history they depend on")]
    MissingHistory,
    /// No valid signed head of its actor covers a change.
    #[error("a change by {author} is not covered by a valid signature of its author")]
    Unsigned {
        /// The change's actor (short form).
        author: String,
    },
    /// The change's actor may not write this document.
    #[error("{author} may not write this {kind} document")]
    NotWriter {
        /// The change's actor (short form).
        author: String,
        /// The document's kind.
        kind: DocKind,
    },
    /// The change's actor is not a member of the network as the receiving node knows it, nor
    /// one it removed: the node may lack the network document's changes that admitted it (a
    /// member that joined since), so this is no offence; the changes are taken once the network
    /// document says who it is.
    #[error("{author} is not a member of this network as this node knows it")]
    UnknownAuthor {
        /// The change's actor (short form).
        author: String,
    },
    /// The header is missing, changed, or not written by the document's owner.
    #[error("the document's header is forged or was changed: {0}")]
    Header(String),
    /// The document is of a kind that never leaves its group's node.
    #[error("{0} documents are never shared")]
    NotShared(DocKind),
    /// The resulting body breaks a rule of its kind (for example holds personal data).
    #[error("the document breaks a rule: {0}")]
    Content(#[from] ValidationError),
    /// The document cannot be read.
    #[error("unreadable document: {0}")]
    Unreadable(String),
    /// A change carries what no change may: a time of day, a message, personal data.
    #[error(transparent)]
    Carried(#[from] crate::history::Carried),
    /// A plan the node does not hold, from a release before ids were bound to owners: nothing
    /// shows that its owner issued it, so only nodes that hold it already keep it.
    #[error(
        "a plan from an earlier release whose id is not bound to its owner: only groups that already hold it keep it"
    )]
    Unbound,
    /// A later generation of a plan the node does not hold, issued by a collaborator that is
    /// neither its owner nor a coordinator, and endorsed by neither yet: taken once one of them
    /// has (an honest peer may send it before then).
    #[error(
        "a plan re-issued by a collaborator and not yet endorsed by its owner or a coordinator"
    )]
    Unendorsed,
}

impl AuthError {
    /// Whether sending this is an offence (forged, unauthorised, damaged), for which a peer is
    /// scored down. What a change carries is not: an honest node with older rules may send it.
    /// Nor are the characters of a text (control characters, bidi overrides, `text::unprintable`),
    /// which releases before 0.5.6 took.
    pub fn is_offence(&self) -> bool {
        !matches!(
            self,
            Self::Carried(_)
                | Self::Unbound
                | Self::Unendorsed
                | Self::UnknownAuthor { .. }
                | Self::Content(ValidationError::Unprintable { .. })
        )
    }
}

/// Changes that may be applied: the signed heads to keep with them, and whether the merged
/// state, though every change passed on its own, reads as personal data (to flag to those who
/// can forget the document; see [`crate::history`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// Per author, the newest valid signed head.
    pub signed: Vec<SignedHead>,
    /// The merged body's personal data, if any.
    pub flagged: Option<crate::privacy::PersonalData>,
    /// The admitted document's header, as admission read it (kept with the document: a
    /// header's group ids each check their key, so it is read once).
    pub header: Header,
}

/// The groups that may write a document of this header, given its current state `doc` and the
/// network as the receiving node knows it (`None` only for a network document itself).
pub fn writers(
    header: &Header,
    doc: &Automerge,
    network: Option<&Network>,
) -> Result<BTreeSet<GroupId>, AuthError> {
    let unreadable = |e: doc::DocError| AuthError::Unreadable(e.to_string());
    if doc.get_heads().is_empty() {
        // The first change: the owner's, or for a later generation its issuer's (whom
        // `admit` has checked against the writers of the state that change holds).
        return Ok(match (header.generation.n, header.generation.by) {
            (n, Some(by)) if n > 0 => BTreeSet::from([by]),
            _ => BTreeSet::from([header.owner]),
        });
    }
    let may_write_shared = |g: &GroupId| {
        network.is_some_and(|n| matches!(n.role(g), Some(Role::Coordinator | Role::Member)))
    };
    Ok(match header.kind {
        DocKind::Network => doc::read::<Network>(doc)
            .map_err(unreadable)?
            .coordinators()
            .copied()
            .collect(),
        DocKind::Plan => doc::read::<Plan>(doc)
            .map_err(unreadable)?
            .collaborators
            .into_iter()
            .filter(may_write_shared)
            .collect(),
        DocKind::Published => network
            .filter(|n| n.is_member(&header.owner))
            .map(|_| BTreeSet::from([header.owner]))
            .unwrap_or_default(),
        DocKind::Tally | DocKind::Meetings => BTreeSet::new(),
    })
}

/// Checks a document's body against the rules of its kind.
pub fn check_content(header: &Header, doc: &Automerge) -> Result<(), AuthError> {
    let unreadable = |e: doc::DocError| AuthError::Unreadable(e.to_string());
    match header.kind {
        DocKind::Network => doc::read::<Network>(doc).map_err(unreadable)?.check()?,
        DocKind::Plan => doc::read::<Plan>(doc).map_err(unreadable)?.check()?,
        DocKind::Published => doc::read::<Published>(doc).map_err(unreadable)?.check()?,
        kind @ (DocKind::Tally | DocKind::Meetings) => return Err(AuthError::NotShared(kind)),
    }
    Ok(())
}

/// Orders changes so that each comes after those of its dependencies that are in the set.
fn causal_order(changes: Vec<Change>) -> Vec<Change> {
    let hashes: HashSet<ChangeHash> = changes.iter().map(Change::hash).collect();
    let mut waiting: HashMap<ChangeHash, usize> = HashMap::new();
    let mut dependents: HashMap<ChangeHash, Vec<usize>> = HashMap::new();
    let mut ready = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let inside: Vec<&ChangeHash> = c.deps().iter().filter(|d| hashes.contains(d)).collect();
        for d in &inside {
            dependents.entry(**d).or_default().push(i);
        }
        waiting.insert(c.hash(), inside.len());
        if inside.is_empty() {
            ready.push(i);
        }
    }
    let mut order = Vec::with_capacity(changes.len());
    while let Some(i) = ready.pop() {
        order.push(i);
        for &j in dependents
            .get(&changes[i].hash())
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if let Some(w) = waiting.get_mut(&changes[j].hash()) {
                *w -= 1;
                if *w == 0 {
                    ready.push(j);
                }
            }
        }
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Decides whether the changes that `candidate` holds beyond `base` may be applied to document
/// `id`. `base` is the node's copy (`None` when it has none); `candidate` is that copy with the
/// received changes loaded (a scratch copy, or the received document itself); `held` are the
/// signed heads kept with the node's copy (their signatures were checked when they were kept,
/// or the node made them, and are not checked again: a check costs about as much as the rest of
/// admitting a small change, and a plan holds one per collaborator) and `received` those that
/// came with the changes (checked); `network` is the receiving node's
/// view of the document's network (`None` only when the document is that network's own and
/// the node does not hold it yet).
///
/// On success returns the signed heads to keep (per author, the newest valid one) and the
/// merged state's flag.
///
/// A plan the node does not hold must come under the id its header binds it to
/// ([`Header::bound_id`]); a later generation of it issued by a collaborator other than its
/// owner must carry an endorsement: a signed head on its first change by the owner or by a
/// coordinator ([`may_endorse`]). Without these, any member could issue a plan, or a "generation
/// 1000" of one, under another plan's id, and a node that did not hold it yet (a group that just
/// joined) would take it and refuse the real one.
pub fn admit(
    id: &DocId,
    base: Option<&Automerge>,
    candidate: &Automerge,
    held: &[SignedHead],
    received: &[SignedHead],
    network: Option<&Network>,
) -> Result<Admitted, AuthError> {
    let header = header_of(candidate)?;
    admit_checked(
        id, base, candidate, header, None, held, received, network, false,
    )
}

/// [`admit`] for a document the node does not hold, whose header the caller has just read from
/// `candidate` itself ([`doc::header`]): it is not read again.
pub fn admit_new(
    id: &DocId,
    candidate: &Automerge,
    header: Header,
    received: &[SignedHead],
    network: Option<&Network>,
) -> Result<Admitted, AuthError> {
    admit_checked(
        id,
        None,
        candidate,
        header,
        None,
        &[],
        received,
        network,
        false,
    )
}

/// [`admit`], given the patches Automerge logged while it loaded the received changes into a
/// copy of `base` to make `candidate`, when it logged them (`None` otherwise: never an empty
/// list for a load that logged nothing). A single change on `base`'s heads is then judged from
/// them rather than applied again ([`crate::history::check_changes_logged`]).
pub fn admit_logged(
    id: &DocId,
    base: &Automerge,
    candidate: &Automerge,
    logged: Option<&[Patch]>,
    held: &[SignedHead],
    received: &[SignedHead],
    network: Option<&Network>,
) -> Result<Admitted, AuthError> {
    let header = header_of(candidate)?;
    admit_checked(
        id,
        Some(base),
        candidate,
        header,
        logged,
        held,
        received,
        network,
        false,
    )
}

/// Whether `group` may endorse a later generation of a document with this header, issued by
/// another collaborator, for nodes that do not hold the document: its owner while a member
/// (not an aggregator), or a coordinator of the network (per `network`, the endorsing or
/// receiving node's view). A node of either sends its endorsement with the document
/// once it has admitted the generation against the one it held ([`admit_generation`]).
pub fn may_endorse(header: &Header, group: &GroupId, network: Option<&Network>) -> bool {
    network.is_some_and(|n| match n.role(group) {
        Some(Role::Coordinator) => true,
        Some(Role::Member) => *group == header.owner,
        _ => false,
    })
}

#[allow(clippy::too_many_arguments)]
fn admit_checked(
    id: &DocId,
    base: Option<&Automerge>,
    candidate: &Automerge,
    // `candidate`'s header, as read from it.
    header: Header,
    // The patches logged while the received changes were loaded into a copy of `base`.
    logged: Option<&[Patch]>,
    held: &[SignedHead],
    received: &[SignedHead],
    network: Option<&Network>,
    // Whether the document's authority was already checked against a copy the node held
    // (`admit_generation`): then no binding or endorsement is asked for.
    anchored: bool,
) -> Result<Admitted, AuthError> {
    let signed: Vec<SignedHead> = held.iter().chain(received).copied().collect();
    let signed = Signed { all: &signed, held };
    if !candidate.get_missing_deps(&[]).is_empty() {
        return Err(AuthError::MissingHistory);
    }
    if !header.kind.is_shared() {
        return Err(AuthError::NotShared(header.kind));
    }
    // The new changes, and for a document not held, its first state (its first change applied
    // to an empty document, with the patches that logged): the history check goes on from it.
    let (new, first) = match base {
        Some(b) => {
            let before = header_of(b)?;
            if before != header {
                return Err(AuthError::Header("it differs from ours".into()));
            }
            (causal_order(b.get_changes_added(candidate)), None)
        }
        None => {
            let all = causal_order(candidate.get_changes(&[]));
            let roots: Vec<&Change> = all.iter().filter(|c| c.deps().is_empty()).collect();
            let [root] = roots.as_slice() else {
                return Err(AuthError::Header("not exactly one first change".into()));
            };
            let mut first = Automerge::new();
            let mut log = PatchLog::active();
            first
                .apply_changes_log_patches([(*root).clone()], &mut log)
                .map_err(|e| AuthError::Unreadable(e.to_string()))?;
            let patches = first.make_patches(&mut log);
            if doc::header(&first).ok().as_ref() != Some(&header) {
                return Err(AuthError::Header("changed after creation".into()));
            }
            if header.kind == DocKind::Plan && !anchored {
                match header.bound_id() {
                    None => return Err(AuthError::Unbound),
                    Some(bound) if bound != *id => {
                        return Err(AuthError::Header("its id is not bound to its owner".into()));
                    }
                    Some(_) => {}
                }
            }
            let creator = GroupId::from_actor(root.actor_id());
            if header.generation.n == 0 {
                if creator != Some(header.owner) {
                    return Err(AuthError::Header("not created by its owner".into()));
                }
            } else {
                // A later generation is issued by one of its writers (who, as its header says),
                // as its own first state shows them (a node that held the generation before
                // also checks it against that: `admit_generation`).
                let by = header.generation.by;
                if creator.is_none() || creator != by {
                    return Err(AuthError::Header(
                        "a generation not issued by its issuer".into(),
                    ));
                }
                let may = writers(&header, &first, network)?;
                if !by.is_some_and(|g| may.contains(&g)) {
                    return Err(AuthError::NotWriter {
                        author: short_actor(root),
                        kind: header.kind,
                    });
                }
                if header.kind == DocKind::Plan
                    && !anchored
                    && by != Some(header.owner)
                    && endorsements(id, &header, candidate, signed, network).is_empty()
                {
                    return Err(AuthError::Unendorsed);
                }
            }
            (all, Some((first, patches)))
        }
    };
    let mut keep = newest_valid(id, candidate, signed);
    for e in endorsements(id, &header, candidate, signed, network) {
        if !keep.contains(&e) {
            keep.push(e);
        }
    }
    if new.is_empty() {
        return Ok(Admitted {
            signed: keep,
            flagged: None,
            header,
        });
    }
    check_coverage(id, &new, &keep, network)?;
    check_writers(&header, base, &new, network, id)?;
    match first {
        Some((first, patches)) => {
            crate::history::check_from_first(first, &patches, candidate, &new)?
        }
        None => crate::history::check_changes_logged(base, candidate, &new, logged)?,
    }
    let flagged =
        crate::history::merged_personal_data(check_content(&header, candidate), |e| match e {
            AuthError::Content(ValidationError::PersonalData(p)) => Some(p.clone()),
            _ => None,
        })?;
    Ok(Admitted {
        signed: keep,
        flagged,
        header,
    })
}

/// Decides whether `next`, a later generation of document `id` than the node's copy `old`, may
/// replace it: same kind, network, owner and creation day; a generation that wins over the
/// old one ([`GenRank`]); issued by a writer of the old one as the node holds it; and, as a
/// document of its own, admitted like any new one ([`admit`]: signatures, writers, content).
pub fn admit_generation(
    id: &DocId,
    old: &Automerge,
    next: &Automerge,
    signed: &[SignedHead],
    network: Option<&Network>,
) -> Result<Admitted, AuthError> {
    let before = header_of(old)?;
    let after = header_of(next)?;
    let same = |h: &Header| (h.kind, h.network, h.owner, h.created, h.salt.clone());
    if same(&before) != same(&after) {
        return Err(AuthError::Header(
            "a new generation must keep the header".into(),
        ));
    }
    if !GenRank::of(next, &after).beats(&GenRank::of(old, &before)) {
        return Err(AuthError::Carried(crate::history::Carried::OldGeneration));
    }
    let by = after.generation.by;
    let may = writers(&before, old, network)?;
    if !by.is_some_and(|g| may.contains(&g)) {
        return Err(AuthError::NotWriter {
            author: by.map_or_else(|| "an unknown group".into(), |g| g.short()),
            kind: before.kind,
        });
    }
    admit_checked(id, None, next, after, None, &[], signed, network, true)
}

/// A document's header, or why admission cannot read it.
fn header_of(doc: &Automerge) -> Result<Header, AuthError> {
    doc::header(doc).map_err(|e| AuthError::Header(e.to_string()))
}

/// Signed heads as admission sees them: all of them, and which were checked before.
#[derive(Clone, Copy)]
struct Signed<'a> {
    all: &'a [SignedHead],
    held: &'a [SignedHead],
}

impl Signed<'_> {
    /// Whether `s` (one of `all`) has a valid signature for document `id`.
    fn valid(&self, s: &SignedHead, id: &DocId) -> bool {
        self.held.contains(s) || s.verify(id)
    }
}

/// The valid endorsements among `signed` of the later generation `doc` is (none for generation
/// 0): signed heads on its first change by groups that may endorse it ([`may_endorse`]), one
/// per group, at most four. They are kept and sent with the document.
fn endorsements(
    id: &DocId,
    header: &Header,
    doc: &Automerge,
    signed: Signed<'_>,
    network: Option<&Network>,
) -> Vec<SignedHead> {
    let rank = GenRank::of(doc, header);
    let mut out: Vec<SignedHead> = Vec::new();
    for s in signed.all.iter().take(MAX_SIGNED_HEADS * 2) {
        let fresh = !out.iter().any(|o| o.author == s.author);
        if fresh
            && rank.is_root(&s.change_hash())
            && s.author().is_some_and(|g| may_endorse(header, &g, network))
            && signed.valid(s, id)
        {
            out.push(*s);
            if out.len() == 4 {
                break;
            }
        }
    }
    out
}

/// Per author, the newest signed head with a valid signature whose change `doc` holds.
fn newest_valid(id: &DocId, doc: &Automerge, signed: Signed<'_>) -> Vec<SignedHead> {
    let mut best: BTreeMap<[u8; 32], (u64, SignedHead)> = BTreeMap::new();
    for s in signed.all.iter().take(MAX_SIGNED_HEADS * 2) {
        // The change's metadata only: building the whole change costs far more.
        let Some(change) = doc.get_change_meta_by_hash(&s.change_hash()) else {
            continue;
        };
        if change.actor.to_bytes() != s.author || !signed.valid(s, id) {
            continue;
        }
        let seq = change.seq;
        if best.get(&s.author).is_none_or(|(old, _)| *old < seq) {
            best.insert(s.author, (seq, *s));
        }
    }
    best.into_values().map(|(_, s)| s).collect()
}

/// Every new change must be covered by a signed head of its actor, or by a removed group's
/// frozen head in the network document.
fn check_coverage(
    id: &DocId,
    new: &[Change],
    signed: &[SignedHead],
    network: Option<&Network>,
) -> Result<(), AuthError> {
    let by_hash: HashMap<ChangeHash, &Change> = new.iter().map(|c| (c.hash(), c)).collect();
    let mut covered: HashSet<ChangeHash> = HashSet::new();
    let mut heads: Vec<(Vec<u8>, ChangeHash)> = Vec::new();
    for s in signed {
        let removed = s.author().and_then(|g| network.and_then(|n| n.removal(&g)));
        if removed.is_none() {
            heads.push((s.author.to_vec(), s.change_hash()));
        }
    }
    if let Some(n) = network {
        for r in &n.removed {
            if n.is_member(&r.group) {
                continue;
            }
            for f in r.heads.iter().filter(|f| f.document == id.to_string()) {
                let mut h = [0u8; 32];
                if hex::decode_to_slice(&f.hash, &mut h).is_ok() {
                    heads.push((r.group.public_key().to_vec(), ChangeHash(h)));
                }
            }
        }
    }
    for (author, head) in heads {
        // Walk back from the head through the new changes, marking the author's own.
        let mut stack = vec![head];
        let mut seen = HashSet::new();
        while let Some(h) = stack.pop() {
            if !seen.insert(h) {
                continue;
            }
            let Some(c) = by_hash.get(&h) else { continue };
            if c.actor_id().to_bytes() == author.as_slice() {
                covered.insert(h);
            }
            stack.extend(c.deps().iter().copied());
        }
    }
    match new.iter().find(|c| !covered.contains(&c.hash())) {
        None => Ok(()),
        Some(c) => Err(AuthError::Unsigned {
            author: short_actor(c),
        }),
    }
}

fn short_actor(c: &Change) -> String {
    GroupId::from_actor(c.actor_id()).map_or_else(|| "an unknown actor".into(), |g| g.short())
}

/// Every new change must come from a writer of the state its history produced.
fn check_writers(
    header: &Header,
    base: Option<&Automerge>,
    new: &[Change],
    network: Option<&Network>,
    id: &DocId,
) -> Result<(), AuthError> {
    let empty = Automerge::new();
    let state_network = |scratch: &Automerge| -> Option<Network> {
        (header.kind == DocKind::Network && !scratch.get_heads().is_empty())
            .then(|| doc::read::<Network>(scratch).ok())
            .flatten()
    };
    let mut current = writers(header, base.unwrap_or(&empty), network)?;
    // A copy of the base to apply the changes to, made only when a change's author is not
    // among the base's writers (a copy of a large document costs as much as the rest).
    let mut copy: Option<Automerge> = None;
    let mut applied = 0;
    for (i, c) in new.iter().enumerate() {
        let author = GroupId::from_actor(c.actor_id());
        let frozen = author.is_some_and(|g| {
            network.is_some_and(|n| {
                n.removal(&g)
                    .is_some_and(|r| r.heads.iter().any(|f| f.document == id.to_string()))
            })
        });
        if frozen || author.is_some_and(|g| current.contains(&g)) {
            continue;
        }
        // The writer set may have grown in the changes before this one: look again.
        let scratch = copy.get_or_insert_with(|| base.map_or_else(Automerge::new, Automerge::fork));
        scratch
            .apply_changes(new[applied..i].iter().cloned())
            .map_err(|e| AuthError::Unreadable(e.to_string()))?;
        applied = i;
        let own = state_network(scratch);
        current = writers(header, scratch, own.as_ref().or(network))?;
        if author.is_some_and(|g| current.contains(&g)) {
            continue;
        }
        // A member that is not a coordinator may still change its own addresses.
        if let (Some(g), Some(before)) = (author, own) {
            scratch
                .apply_changes([c.clone()])
                .map_err(|e| AuthError::Unreadable(e.to_string()))?;
            applied = i + 1;
            if state_network(scratch).is_some_and(|after| before.only_own_addrs_changed(&after, &g))
            {
                continue;
            }
        }
        // Someone this node's copy of the network does not know at all (neither a member nor
        // removed): a member that joined after the network document here was last synced.
        let unknown = author.is_some_and(|g| {
            header.kind != DocKind::Network
                && network.is_some_and(|n| n.role(&g).is_none() && n.removal(&g).is_none())
        });
        if unknown {
            return Err(AuthError::UnknownAuthor {
                author: short_actor(c),
            });
        }
        return Err(AuthError::NotWriter {
            author: short_actor(c),
            kind: header.kind,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::tests::group;
    use crate::ids::Day;
    use crate::network::FrozenHead;
    use crate::plan::NewPlan;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn today() -> Day {
        "2026-11-25".parse().unwrap()
    }

    /// Signs `author`'s newest change of `doc`.
    fn sign_newest(doc: &Automerge, id: &DocId, seed: u8) -> SignedHead {
        let actor = group(seed).actor_id();
        let newest = doc
            .get_changes(&[])
            .into_iter()
            .filter(|c| c.actor_id() == &actor)
            .max_by_key(Change::seq)
            .unwrap();
        SignedHead::sign(&key(seed), id, &newest.hash())
    }

    fn network() -> (DocId, Automerge) {
        let id = DocId::from_bytes([7; 16]);
        let mut net = Network::new("Net", group(1), "One", today(), vec![]).unwrap();
        net.add_member(group(2), "Two", Role::Member, today(), vec![])
            .unwrap();
        net.add_member(group(3), "Three", Role::Aggregator, today(), vec![])
            .unwrap();
        (id, doc::create(group(1), Some(id), today(), &net).unwrap())
    }

    fn plan(net: DocId, owner: u8) -> (DocId, Automerge) {
        let p = Plan::new(
            &NewPlan {
                title: "Housing".into(),
                goal: "Homes".into(),
                demands: String::new(),
            },
            group(owner),
        )
        .unwrap();
        doc::create_bound(group(owner), Some(net), today(), &p, [owner; 16]).unwrap()
    }

    fn edit_plan(d: &mut Automerge, seed: u8, f: impl FnOnce(&mut Plan)) {
        doc::edit::<Plan, _>(d, &group(seed), today(), |p| {
            f(p);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn honest_changes_pass_and_unsigned_or_foreign_ones_do_not() {
        let (nid, ndoc) = network();
        let net: Network = doc::read(&ndoc).unwrap();
        let (pid, base) = plan(nid, 1);
        let mut theirs = base.fork();
        edit_plan(&mut theirs, 1, |p| p.goal.set("More homes"));
        let s = sign_newest(&theirs, &pid, 1);
        assert!(admit(&pid, Some(&base), &theirs, &[], &[s], Some(&net)).is_ok());
        // No signature.
        assert!(matches!(
            admit(&pid, Some(&base), &theirs, &[], &[], Some(&net)),
            Err(AuthError::Unsigned { .. })
        ));
        // A signature for another document does not count.
        let other = SignedHead {
            sig: SignedHead::sign(&key(1), &nid, &s.change_hash()).sig,
            ..s
        };
        assert!(admit(&pid, Some(&base), &theirs, &[], &[other], Some(&net)).is_err());
        // Signed heads the node holds were checked when it kept them and are taken as they are;
        // the same head received is checked (and this one fails).
        assert!(admit(&pid, Some(&base), &theirs, &[other], &[], Some(&net)).is_ok());
        // A member that is not a collaborator.
        let mut m = base.fork();
        edit_plan(&mut m, 2, |p| p.goal.set("Mine"));
        let s2 = sign_newest(&m, &pid, 2);
        assert!(matches!(
            admit(&pid, Some(&base), &m, &[], &[s2], Some(&net)),
            Err(AuthError::NotWriter { .. })
        ));
    }

    /// A collaborator the receiving node's copy of the network does not know yet (it joined
    /// since) is not refused as an offender: its change waits for the network document, and is
    /// taken once that copy knows it; a known member that is no collaborator is an offender.
    #[test]
    fn a_collaborator_this_node_does_not_know_yet_is_no_offence() {
        let (nid, ndoc) = network();
        let mut net: Network = doc::read(&ndoc).unwrap();
        let (pid, base) = plan(nid, 1);
        let mut theirs = base.fork();
        edit_plan(&mut theirs, 1, |p| p.add_collaborator(group(9)).unwrap());
        edit_plan(&mut theirs, 9, |p| p.goal.set("Nous aussi"));
        let signed = [sign_newest(&theirs, &pid, 1), sign_newest(&theirs, &pid, 9)];
        let e = admit(&pid, Some(&base), &theirs, &[], &signed, Some(&net)).unwrap_err();
        assert!(matches!(e, AuthError::UnknownAuthor { .. }), "{e:?}");
        assert!(!e.is_offence());
        net.add_member(group(9), "Nine", Role::Member, today(), vec![])
            .unwrap();
        assert!(admit(&pid, Some(&base), &theirs, &[], &signed, Some(&net)).is_ok());
        // A group the network removed is known: its change (here, signed by a key the network
        // no longer accepts) is an offence.
        net.remove_member(&group(9), today(), Vec::new()).unwrap();
        let e = admit(&pid, Some(&base), &theirs, &[], &signed, Some(&net)).unwrap_err();
        assert!(e.is_offence(), "{e:?}");
        // A member that is not a collaborator is known too.
        let mut m = base.fork();
        edit_plan(&mut m, 2, |p| p.goal.set("Mine"));
        let s2 = sign_newest(&m, &pid, 2);
        let e = admit(&pid, Some(&base), &m, &[], &[s2], Some(&net)).unwrap_err();
        assert!(matches!(e, AuthError::NotWriter { .. }), "{e:?}");
    }

    #[test]
    fn a_collaborator_added_in_the_same_payload_may_write_after() {
        let (nid, ndoc) = network();
        let net: Network = doc::read(&ndoc).unwrap();
        let (pid, base) = plan(nid, 1);
        let mut theirs = base.fork();
        edit_plan(&mut theirs, 1, |p| p.add_collaborator(group(2)).unwrap());
        edit_plan(&mut theirs, 2, |p| p.goal.set("Together"));
        let signed = [sign_newest(&theirs, &pid, 1), sign_newest(&theirs, &pid, 2)];
        assert!(admit(&pid, Some(&base), &theirs, &[], &signed, Some(&net)).is_ok());
        // An aggregator added as a collaborator still may not write.
        let mut agg = base.fork();
        edit_plan(&mut agg, 1, |p| p.add_collaborator(group(3)).unwrap());
        edit_plan(&mut agg, 3, |p| p.goal.set("Hub"));
        let signed = [sign_newest(&agg, &pid, 1), sign_newest(&agg, &pid, 3)];
        assert!(admit(&pid, Some(&base), &agg, &[], &signed, Some(&net)).is_err());
    }

    #[test]
    fn any_collaborator_may_issue_a_generation_and_no_one_else() {
        let (nid, ndoc) = network();
        let mut net: Network = doc::read(&ndoc).unwrap();
        net.add_member(group(4), "Four", Role::Member, today(), vec![])
            .unwrap();
        let (pid, mut old) = plan(nid, 1);
        edit_plan(&mut old, 1, |p| p.add_collaborator(group(2)).unwrap());
        // A collaborator that is not the plan's owner forgets it: every member that holds the
        // old generation takes it; one that does not waits for the owner's or a coordinator's
        // endorsement, and keeps it to pass on.
        let next = crate::generation::forget::<Plan>(&old, &group(2), today()).unwrap();
        let signed = [sign_newest(&next, &pid, 2)];
        assert!(admit_generation(&pid, &old, &next, &signed, Some(&net)).is_ok());
        assert_eq!(
            admit(&pid, None, &next, &[], &signed, Some(&net)),
            Err(AuthError::Unendorsed)
        );
        assert!(!AuthError::Unendorsed.is_offence());
        let root = crate::generation::root_hash(&next).unwrap();
        let header = doc::header(&next).unwrap();
        assert!(may_endorse(&header, &group(1), Some(&net)));
        assert!(!may_endorse(&header, &group(2), Some(&net)));
        assert!(!may_endorse(&header, &group(3), Some(&net)));
        let by_owner = SignedHead::sign(&key(1), &pid, &root);
        let kept = admit(&pid, None, &next, &[], &[signed[0], by_owner], Some(&net)).unwrap();
        assert!(
            kept.signed.contains(&by_owner),
            "the endorsement is kept to pass on"
        );
        // A member that is neither owner nor coordinator cannot endorse, nor can a signature on
        // another change, nor one made for another document.
        let by_member = SignedHead::sign(&key(4), &pid, &root);
        let elsewhere = SignedHead::sign(&key(1), &nid, &root);
        for bad in [by_member, elsewhere] {
            assert_eq!(
                admit(&pid, None, &next, &[], &[signed[0], bad], Some(&net)),
                Err(AuthError::Unendorsed)
            );
        }
        // A member that is not a collaborator may not.
        let next = crate::generation::forget::<Plan>(&old, &group(4), today()).unwrap();
        let signed = [sign_newest(&next, &pid, 4)];
        assert!(matches!(
            admit_generation(&pid, &old, &next, &signed, Some(&net)),
            Err(AuthError::NotWriter { .. })
        ));
    }

    #[test]
    fn no_member_can_issue_a_plan_under_another_plans_id() {
        let (nid, ndoc) = network();
        let mut net: Network = doc::read(&ndoc).unwrap();
        net.add_member(group(4), "Four", Role::Member, today(), vec![])
            .unwrap();
        let (pid, real) = plan(nid, 1);
        let signed = [sign_newest(&real, &pid, 1)];
        assert!(admit(&pid, None, &real, &[], &signed, Some(&net)).is_ok());
        // Group 4 issues its own plan under that id: its header binds another id.
        let p: Plan = doc::read(&real).unwrap();
        let (_, squat) = doc::create_bound(group(4), Some(nid), today(), &p, [1; 16]).unwrap();
        let s4 = [sign_newest(&squat, &pid, 4)];
        assert!(matches!(
            admit(&pid, None, &squat, &[], &s4, Some(&net)),
            Err(AuthError::Header(_))
        ));
        // Or claims to re-issue the real one as "generation 1000", keeping its header and owner
        // and listing itself as the only collaborator.
        let mut forged = real.fork();
        edit_plan(&mut forged, 1, |p| p.add_collaborator(group(4)).unwrap());
        let mut header = doc::header(&forged).unwrap();
        header.generation = crate::generation::Generation {
            n: 1000,
            by: Some(group(4)),
            day: Some(today()),
            replaces: vec![],
        };
        let body: Plan = doc::read(&forged).unwrap();
        let forged = doc::first_state(&header, &group(4), today(), &body).unwrap();
        let s4 = [sign_newest(&forged, &pid, 4)];
        assert_eq!(
            admit(&pid, None, &forged, &[], &s4, Some(&net)),
            Err(AuthError::Unendorsed)
        );
        // A plan of an earlier release (no salt) is kept only where it is held.
        let mut legacy_header = doc::header(&real).unwrap();
        legacy_header.salt = None;
        let legacy = doc::first_state(&legacy_header, &group(1), today(), &p).unwrap();
        let s1 = [sign_newest(&legacy, &pid, 1)];
        assert_eq!(
            admit(&pid, None, &legacy, &[], &s1, Some(&net)),
            Err(AuthError::Unbound)
        );
        assert!(!AuthError::Unbound.is_offence());
        let mut edited = legacy.fork();
        edit_plan(&mut edited, 1, |p| p.goal.set("Still homes"));
        let s1 = [sign_newest(&edited, &pid, 1)];
        assert!(admit(&pid, Some(&legacy), &edited, &[], &s1, Some(&net)).is_ok());
    }

    #[test]
    fn members_cannot_promote_themselves() {
        let (nid, base) = network();
        let net: Network = doc::read(&base).unwrap();
        let mut theirs = base.fork();
        doc::edit::<Network, _>(&mut theirs, &group(2), today(), |n| {
            n.set_role(&group(2), Role::Coordinator)
        })
        .unwrap();
        let s = sign_newest(&theirs, &nid, 2);
        assert!(matches!(
            admit(&nid, Some(&base), &theirs, &[], &[s], Some(&net)),
            Err(AuthError::NotWriter { .. })
        ));
    }

    /// `group(seed)` edits the network document `base` with `f`; whether the change is admitted.
    fn network_edit_admitted(seed: u8, f: impl FnOnce(&mut Network)) -> Result<(), AuthError> {
        let (nid, base) = network();
        let net: Network = doc::read(&base).unwrap();
        let mut theirs = base.fork();
        doc::edit::<Network, _>(&mut theirs, &group(seed), today(), |n| {
            f(n);
            Ok(())
        })
        .unwrap();
        let s = sign_newest(&theirs, &nid, seed);
        admit(&nid, Some(&base), &theirs, &[], &[s], Some(&net)).map(|_| ())
    }

    #[test]
    fn a_member_may_change_its_own_addresses_and_nothing_else() {
        let new_addr = || vec!["/ip4/10.9.0.2/tcp/7466".to_string()];
        // A member and an aggregator say where they are now.
        for seed in [2, 3] {
            network_edit_admitted(seed, |n| n.set_addrs(&group(seed), new_addr()).unwrap())
                .unwrap();
        }
        let refused = |r: Result<(), AuthError>| matches!(r, Err(AuthError::NotWriter { .. }));
        // Another member's addresses.
        assert!(refused(network_edit_admitted(2, |n| n
            .set_addrs(&group(1), new_addr())
            .unwrap())));
        // Its addresses and, in the same change, its name.
        assert!(refused(network_edit_admitted(2, |n| {
            n.set_addrs(&group(2), new_addr()).unwrap();
            n.members[1].name = "Renamed".into();
        })));
        // A group that is not a member cannot add itself by giving addresses.
        assert!(refused(network_edit_admitted(9, |n| n
            .add_member(group(9), "Nine", Role::Member, today(), new_addr())
            .unwrap())));
    }

    #[test]
    fn a_forged_header_or_personal_data_is_refused() {
        let (nid, ndoc) = network();
        let net: Network = doc::read(&ndoc).unwrap();
        // Created by group 2 but claiming group 1 as owner.
        let (pid, _) = plan(nid, 1);
        let p = Plan::new(
            &NewPlan {
                title: "X".into(),
                goal: String::new(),
                demands: String::new(),
            },
            group(1),
        )
        .unwrap();
        // (Its header is the real plan's, salt and all: its id is bound.)
        let header = doc::header(&plan(nid, 1).1).unwrap();
        let forged = doc::first_state(&header, &group(2), today(), &p).unwrap();
        let s = sign_newest(&forged, &pid, 2);
        assert!(matches!(
            admit(&pid, None, &forged, &[], &[s], Some(&net)),
            Err(AuthError::Header(_))
        ));
        // A collaborator may not rewrite the header either.
        let (pid, base) = plan(nid, 1);
        let mut moved = base.fork();
        moved.set_actor(group(1).actor_id());
        moved
            .transact::<_, _, autosurgeon::ReconcileError>(|tx| {
                let h = Header {
                    owner: group(2),
                    ..doc::header(&base).unwrap()
                };
                autosurgeon::reconcile_prop(tx, automerge::ROOT, "header", &h)
            })
            .unwrap();
        let s = sign_newest(&moved, &pid, 1);
        assert!(matches!(
            admit(&pid, Some(&base), &moved, &[], &[s], Some(&net)),
            Err(AuthError::Header(_))
        ));
        // Personal data written by a collaborator is refused.
        let (pid, base) = plan(nid, 1);
        let mut pd = base.fork();
        edit_plan(&mut pd, 1, |p| p.goal.set("call 07700 900123"));
        let s = sign_newest(&pd, &pid, 1);
        assert!(matches!(
            admit(&pid, Some(&base), &pd, &[], &[s], Some(&net)),
            Err(AuthError::Carried(crate::history::Carried::PersonalData(_)))
        ));
    }

    #[test]
    fn a_removed_groups_past_changes_stay_and_new_ones_are_refused() {
        let (nid, ndoc) = network();
        let (pid, base) = plan(nid, 1);
        let mut with2 = base.fork();
        edit_plan(&mut with2, 1, |p| p.add_collaborator(group(2)).unwrap());
        edit_plan(&mut with2, 2, |p| p.goal.set("Past"));
        let past = sign_newest(&with2, &pid, 2);
        let mut net: Network = doc::read(&ndoc).unwrap();
        net.remove_member(
            &group(2),
            today(),
            vec![FrozenHead {
                document: pid.to_string(),
                hash: past.change_hash().to_string(),
            }],
        )
        .unwrap();
        let s1 = sign_newest(&with2, &pid, 1);
        assert!(admit(&pid, Some(&base), &with2, &[], &[s1, past], Some(&net)).is_ok());
        let mut later = with2.fork();
        edit_plan(&mut later, 2, |p| p.goal.set("After removal"));
        let s2 = sign_newest(&later, &pid, 2);
        assert!(admit(&pid, Some(&with2), &later, &[], &[s1, s2], Some(&net)).is_err());
    }

    #[test]
    fn missing_history_is_refused() {
        let (nid, ndoc) = network();
        let net: Network = doc::read(&ndoc).unwrap();
        let (pid, base) = plan(nid, 1);
        let mut a = base.fork();
        edit_plan(&mut a, 1, |p| p.goal.set("one"));
        edit_plan(&mut a, 1, |p| p.goal.set("two"));
        let last = a.get_last_local_change().unwrap();
        let mut partial = base.fork();
        partial.apply_changes([last]).unwrap();
        let s = sign_newest(&a, &pid, 1);
        assert_eq!(
            admit(&pid, Some(&base), &partial, &[], &[s], Some(&net)),
            Err(AuthError::MissingHistory)
        );
    }
}
