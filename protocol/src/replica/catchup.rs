//! Catch-up in one round trip (`/commonground/sync/4`, PROTOCOL.md §8c): the changes of a
//! document after the heads this node and a peer last agreed on travel with `Hello` and its
//! answer as one Automerge bundle, and are taken with the checks a sync round's changes get.
//! When to send one and what both sides then record as agreed is decided in `sync`
//! ([`wire::responder_agrees`]).

use std::collections::HashSet;

use automerge::{Automerge, Change, ChangeHash, Patch, PatchLog, ReadDoc};
use tracing::{debug, warn};

use super::judge::forbidden;
use super::{Admitted, Intake, Replica, refused};
use crate::auth::{self, SignedHead};
use crate::ids::{DocId, GroupId};
use crate::network::Network;
use crate::sync::{self as wire, Catchup, DocHeads, Refusal, Response};

/// Why changes offered for a document this node holds were not applied.
pub enum Untaken {
    /// They build on changes this node lacks (these).
    Lacks(Vec<ChangeHash>),
    /// A rule or their bytes refuse them.
    Refused((Refusal, String)),
}

/// A copy of a document with received changes loaded, and the patches logged while loading them.
pub type Candidate = (Automerge, Option<Vec<Patch>>);

/// A copy of `doc` with received changes (`bytes`: change chunks or a bundle) loaded, and,
/// when `bytes` is a single change, the patches Automerge logged while applying it: admission
/// judges that change from them rather than applying it a second time
/// ([`auth::admit_logged`]). Several changes are judged one by one anyway, so their load logs
/// nothing (the log of a large catch-up would cost as much as the load).
pub fn loaded(doc: &Automerge, bytes: &[u8]) -> Result<Candidate, (Refusal, String)> {
    let unreadable =
        |e: automerge::AutomergeError| (Refusal::Malformed, format!("unreadable changes: {e}"));
    let mut candidate = doc.fork();
    // Parsed once: a single change is applied as parsed (with a missing dependency it waits
    // in Automerge's queue, as a loaded one would).
    let patches = match Change::try_from(bytes) {
        Ok(change) => {
            let mut log = PatchLog::active();
            candidate
                .apply_changes_log_patches([change], &mut log)
                .map_err(unreadable)?;
            Some(candidate.make_patches(&mut log))
        }
        // Automerge's loader keeps the readable start of damaged bytes; what it keeps still
        // goes through admission, so nothing unchecked is stored.
        Err(_) => {
            candidate.load_incremental(bytes).map_err(unreadable)?;
            None
        }
    };
    Ok((candidate, patches))
}

impl Replica {
    /// This node's copy of `id` with `bytes` (Automerge change chunks or a bundle, inflation
    /// already bounded by the caller) applied, if the result passes admission: what a pushed or
    /// caught-up change must pass, as a sync round's would.
    pub fn with_changes(
        &self,
        id: &DocId,
        net: &Network,
        bytes: &[u8],
        signed: &[SignedHead],
    ) -> Result<Admitted, Untaken> {
        let l = self.docs.get(id).ok_or_else(|| {
            Untaken::Refused((Refusal::NotMember, "no such shared document".into()))
        })?;
        let (candidate, logged) = loaded(&l.doc, bytes).map_err(Untaken::Refused)?;
        let missing = candidate.get_missing_deps(&[]);
        if !missing.is_empty() {
            return Err(Untaken::Lacks(missing));
        }
        let keep = auth::admit_logged(
            id,
            &l.doc,
            &candidate,
            logged.as_deref(),
            &l.signed,
            signed,
            Some(net),
        )
        .map_err(|e| match e {
            // The network's changes that admitted the author are what this node lacks.
            auth::AuthError::UnknownAuthor { .. } => Untaken::Lacks(Vec::new()),
            e => Untaken::Refused(forbidden(e)),
        })?;
        Ok((candidate, keep))
    }

    /// The changes of `id` after `agreed` (heads this node and a peer both hold) as the
    /// catch-up of the listed document at index `at`, with the signed heads that name them;
    /// `None` when there are none, this node lacks some of `agreed` (another generation), or
    /// they do not fit what is left of `budget` (bytes).
    pub fn catchup(
        &self,
        id: &DocId,
        agreed: &[ChangeHash],
        at: usize,
        budget: &mut usize,
    ) -> Option<Catchup> {
        let l = self.docs.get(id)?;
        if agreed.is_empty()
            || !agreed
                .iter()
                .all(|h| l.doc.get_change_meta_by_hash(h).is_some())
        {
            return None;
        }
        let after: HashSet<ChangeHash> = l
            .doc
            .get_changes_meta(agreed)
            .into_iter()
            .map(|m| m.hash)
            .collect();
        if after.is_empty() {
            return None;
        }
        let bundle = l.doc.bundle(after.iter().copied()).ok()?;
        let changes = bundle.bytes().to_vec();
        if changes.len() > *budget {
            return None;
        }
        *budget -= changes.len();
        let signed = l
            .signed
            .iter()
            .filter(|s| after.contains(&s.change_hash()))
            .cloned()
            .collect();
        Some(Catchup {
            at: u32::try_from(at).ok()?,
            changes,
            signed,
        })
    }

    /// The catch-ups of the listed documents `listed` this node has an agreement with `peer`
    /// for, within [`wire::MAX_CATCHUP_BYTES`]; `skip`: documents not to send one for.
    pub fn catchups(
        &self,
        peer: &GroupId,
        listed: &[DocHeads],
        skip: impl Fn(&DocHeads) -> bool,
    ) -> Vec<Catchup> {
        let Some(p) = self.peers.get(peer) else {
            return Vec::new();
        };
        let mut budget = wire::MAX_CATCHUP_BYTES;
        listed
            .iter()
            .enumerate()
            .filter(|(_, d)| !skip(d))
            .filter_map(|(at, d)| {
                let agreed = p.agreed_heads(&d.doc)?;
                self.catchup(&d.doc, agreed, at, &mut budget)
            })
            .collect()
    }

    /// Takes a peer's catch-ups of the documents it listed (`listed`) for `network`: each whose
    /// changes pass is applied; one that builds on changes this node lacks, is of another
    /// generation, is of a document this node does not share with the peer (their copies of the
    /// network document may differ on roles for a while), or is refused for what it carries (no
    /// offence) is left out. One
    /// that breaks a rule or cannot be read refuses them all, before any is applied. Returns the
    /// documents taken.
    pub fn take_catchups(
        &mut self,
        peer: &GroupId,
        net: &Network,
        network: &DocId,
        listed: &[DocHeads],
        catchups: &[Catchup],
    ) -> Result<HashSet<DocId>, Response> {
        let mut intake = Intake::new(*network);
        let mut admitted = Vec::new();
        let mut seen = HashSet::new();
        for c in catchups {
            let Some(d) = listed.get(c.at as usize) else {
                return Err(refused(
                    Refusal::Malformed,
                    "a catch-up of no listed document",
                ));
            };
            if !seen.insert(d.doc) || c.signed.len() > auth::MAX_SIGNED_HEADS {
                return Err(refused(
                    Refusal::Malformed,
                    "a document caught up twice, or too many signatures",
                ));
            }
            let readable = self.docs.get(&d.doc).is_some_and(|l| {
                l.header.network.as_ref() == Some(network) && net.may_read(peer, l.header.kind)
            });
            if !readable {
                // Not applied; the rest is still taken, so that a network document that tells
                // the two sides' views of roles apart is not held back with it.
                debug!(doc = %d.doc, "a catch-up of a document not shared with the sender left out");
                continue;
            }
            if self
                .docs
                .get(&d.doc)
                .is_some_and(|l| l.rank != d.generation)
            {
                debug!(doc = %d.doc, "a catch-up of another generation left for the rounds");
                continue;
            }
            intake.inflates(&c.changes).map_err(|(reason, why)| {
                warn!(peer = %peer.short(), doc = %d.doc, why, "refusing catch-ups");
                refused(reason, why)
            })?;
            match self.with_changes(&d.doc, net, &c.changes, &c.signed) {
                Ok(a) => admitted.push((d.doc, a)),
                Err(Untaken::Lacks(_)) => {
                    debug!(doc = %d.doc, "a catch-up on changes this node lacks left for the rounds")
                }
                Err(Untaken::Refused((Refusal::Content, why))) => {
                    debug!(doc = %d.doc, why, "a catch-up refused for what it carries")
                }
                Err(Untaken::Refused((reason, why))) => {
                    warn!(peer = %peer.short(), doc = %d.doc, ?reason, why, "refusing catch-ups");
                    return Err(refused(reason, why));
                }
            }
        }
        let mut taken = HashSet::new();
        for (id, (doc, keep)) in admitted {
            self.out.synced_in.insert(id);
            self.keep(id, doc, keep);
            taken.insert(id);
        }
        Ok(taken)
    }
}
