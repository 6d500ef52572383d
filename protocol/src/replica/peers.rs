//! Sync bookkeeping for one peer: the agreement (the heads both sides held at the end of the last
//! session, per document), the Automerge sync states of the sessions in flight, and changes the
//! peer sent on history this node lacks, kept until it arrives.

use std::collections::{BTreeMap, HashMap};

use automerge::ChangeHash;
use automerge::sync::State;

use crate::ids::DocId;
use crate::sync::{DocHeads, HeadsHash, MAX_CATCHUP_BYTES, heads_hash};

/// The most bytes of changes kept per peer while their history is missing.
pub const MAX_PENDING_BYTES: usize = MAX_CATCHUP_BYTES;

/// Sync bookkeeping for one peer.
#[derive(Default)]
pub struct PeerSync {
    /// Heads both sides held at the end of the last session, per document (the hash of them).
    pub agreed: BTreeMap<DocId, HeadsHash>,
    /// Those heads themselves, where this node knows them (not for agreements recorded by an
    /// earlier release): a catch-up sends the changes after them.
    agreed_heads: BTreeMap<DocId, Vec<ChangeHash>>,
    /// Automerge sync states per document (in memory; rebuilt from `agreed` after a restart) of
    /// the sessions this node opens with the peer. Those it answers have their own: one of each
    /// may run at once (each side's scheduler opens one per network), and a state is one
    /// conversation's.
    opened: HashMap<DocId, State>,
    /// The same, of the sessions this node answers.
    answering: HashMap<DocId, State>,
    /// Per document, changes the peer sent on history this node lacks, kept (not applied)
    /// until what they build on arrives, and the hashes this node asks for to get it: as
    /// Automerge keeps such changes in its queue and asks for their history, which a bloom
    /// filter's false positive can keep the peer from sending.
    pending: HashMap<DocId, Pending>,
    /// Unix seconds of the last session that ended agreed, per document.
    pub last_synced: BTreeMap<DocId, u64>,
}

/// Changes of one document kept until their history arrives (see [`PeerSync`]).
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Their bytes, as received.
    pub changes: Vec<u8>,
    /// What they build on that this node lacks.
    pub needs: Vec<ChangeHash>,
}

/// Which side of a session a sync state belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// This node opened the session.
    Opened,
    /// This node answers it.
    Answering,
}

/// Why a stored agreement could not be read.
#[derive(Debug, thiserror::Error)]
#[error("unreadable sync agreement: {0}")]
pub struct RecordError(String);

impl PeerSync {
    /// The sync states of one side's sessions.
    pub fn states(&mut self, side: Side) -> &mut HashMap<DocId, State> {
        match side {
            Side::Opened => &mut self.opened,
            Side::Answering => &mut self.answering,
        }
    }

    /// A new session on `side` over `docs`: drops each sync state's in-flight markers and keeps
    /// what is known to be shared. With `open`, a document with no state yet gets a fresh one.
    pub fn restart<'a>(
        &mut self,
        side: Side,
        docs: impl IntoIterator<Item = &'a DocId>,
        open: bool,
    ) {
        let states = self.states(side);
        for d in docs {
            let state = match states.get_mut(d) {
                Some(s) => s,
                None if open => states.entry(*d).or_default(),
                None => continue,
            };
            *state = State::decode(&state.encode()).unwrap_or_default();
        }
    }

    /// The heads this node and the peer agreed on for `doc`, where known.
    pub fn agreed_heads(&self, doc: &DocId) -> Option<&[ChangeHash]> {
        self.agreed_heads.get(doc).map(Vec::as_slice)
    }

    /// The agreement on the documents `keep` selects.
    pub fn agreed_among(&self, keep: impl Fn(&DocId) -> bool) -> BTreeMap<DocId, HeadsHash> {
        self.agreed
            .iter()
            .filter(|(d, _)| keep(d))
            .map(|(d, h)| (*d, *h))
            .collect()
    }

    /// How many documents are agreed on at the heads hash `now_at` gives for them (this node's
    /// heads now; `None` for a document it no longer holds).
    pub fn agreed_at(&self, now_at: impl Fn(&DocId) -> Option<HeadsHash>) -> usize {
        self.agreed
            .iter()
            .filter(|(d, h)| now_at(d) == Some(**h))
            .count()
    }

    /// Records that the peer and this node agree on `docs` (at `now`, unix seconds). Where
    /// `heads_of` gives this node's heads of a document and they hash to the agreed ones, they
    /// are kept too (a catch-up next time sends what follows them). Returns whether anything
    /// was recorded (then the agreement is to be stored).
    pub fn agree(
        &mut self,
        docs: &[DocHeads],
        heads_of: impl Fn(&DocId) -> Option<Vec<ChangeHash>>,
        now: u64,
    ) -> bool {
        for d in docs {
            self.agreed.insert(d.doc, d.heads);
            self.last_synced.insert(d.doc, now);
            match heads_of(&d.doc).filter(|h| heads_hash(h) == d.heads) {
                Some(h) => self.agreed_heads.insert(d.doc, h),
                None => self.agreed_heads.remove(&d.doc),
            };
        }
        !docs.is_empty()
    }

    /// Forgets the agreement on `docs` (a session looked at them and did not end agreed), so
    /// that both sides list them next time. Returns whether an agreement was dropped (then the
    /// agreement is to be stored).
    pub fn disagree(&mut self, docs: impl IntoIterator<Item = DocId>) -> bool {
        let mut changed = false;
        for d in docs {
            changed |= self.agreed.remove(&d).is_some();
            self.agreed_heads.remove(&d);
        }
        changed
    }

    /// The changes kept for `doc` until their history arrives (empty if none).
    pub fn pending_changes(&self, doc: &DocId) -> &[u8] {
        self.pending.get(doc).map_or(&[], |p| p.changes.as_slice())
    }

    /// What the changes kept for `doc` build on that this node lacks.
    pub fn pending_needs(&self, doc: &DocId) -> &[ChangeHash] {
        self.pending.get(doc).map_or(&[], |p| p.needs.as_slice())
    }

    /// Whether no changes are kept for any document.
    pub fn nothing_pending(&self) -> bool {
        self.pending.is_empty()
    }

    /// After a round took `doc`'s message: what was kept for it goes (taken with the message,
    /// or replaced by `kept`, the changes still waiting with the new ones). `kept` is dropped
    /// when keeping it would pass [`MAX_PENDING_BYTES`] for this peer: they come again, with
    /// their history, in a later session. Returns whether `kept` was kept.
    pub fn settle_pending(&mut self, doc: DocId, kept: Option<Pending>) -> bool {
        self.pending.remove(&doc);
        let Some(k) = kept else {
            return false;
        };
        let held: usize = self.pending.values().map(|p| p.changes.len()).sum();
        if held + k.changes.len() > MAX_PENDING_BYTES {
            return false;
        }
        self.pending.insert(doc, k);
        true
    }

    /// The agreement as stored: CBOR of the heads hashes and the heads (32 bytes each, one byte
    /// string per document).
    pub fn encode_agreement(&self) -> Vec<u8> {
        let record = Record {
            hashes: self.agreed.clone(),
            heads: self
                .agreed_heads
                .iter()
                .map(|(d, hs)| (*d, serde_bytes(hs)))
                .collect(),
        };
        let mut bytes = Vec::new();
        ciborium::into_writer(&record, &mut bytes).expect("writing to a Vec cannot fail");
        bytes
    }

    /// The peer's bookkeeping after a restart: its stored agreement (also as an earlier release
    /// stored it, the hashes alone), and nothing in flight.
    pub fn decode_agreement(bytes: &[u8]) -> Result<Self, RecordError> {
        let (agreed, heads) = match ciborium::from_reader::<Record, _>(bytes) {
            Ok(r) => (r.hashes, r.heads),
            Err(_) => (
                ciborium::from_reader::<BTreeMap<DocId, HeadsHash>, _>(bytes)
                    .map_err(|e| RecordError(e.to_string()))?,
                BTreeMap::new(),
            ),
        };
        let agreed_heads = heads
            .into_iter()
            .map(|(d, b)| {
                if b.0.len() % 32 != 0 {
                    return Err(RecordError("heads: not 32-byte hashes".into()));
                }
                let hs =
                    b.0.chunks_exact(32)
                        .map(|c| ChangeHash(c.try_into().expect("32 bytes")))
                        .collect();
                Ok((d, hs))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            agreed,
            agreed_heads,
            ..Self::default()
        })
    }
}

/// An agreement as stored.
#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    hashes: BTreeMap<DocId, HeadsHash>,
    #[serde(default)]
    heads: BTreeMap<DocId, Bytes>,
}

/// Bytes that serialise as one CBOR byte string (serde's default for `Vec<u8>` is an array).
struct Bytes(Vec<u8>);

fn serde_bytes(hs: &[ChangeHash]) -> Bytes {
    Bytes(hs.iter().flat_map(|h| h.0).collect())
}

impl serde::Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match ciborium::Value::deserialize(d)? {
            ciborium::Value::Bytes(b) => Ok(Bytes(b)),
            _ => Err(serde::de::Error::custom("heads: not a byte string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::announce::tests::doc;
    use crate::generation::GenRank;
    use proptest::prelude::*;

    fn hash(n: u8) -> ChangeHash {
        ChangeHash([n; 32])
    }

    fn at(d: u8, heads: &[ChangeHash]) -> DocHeads {
        DocHeads {
            doc: doc(d),
            heads: heads_hash(heads),
            generation: GenRank::FIRST,
        }
    }

    #[test]
    fn an_agreement_keeps_the_heads_only_where_this_node_holds_them() {
        let mut p = PeerSync::default();
        let (held, other) = (vec![hash(1), hash(2)], vec![hash(3)]);
        let heads_of = |d: &DocId| (*d == doc(1)).then(|| held.clone());
        // Document 2 is agreed at heads this node does not hold (it holds none of it).
        assert!(p.agree(&[at(1, &held), at(2, &other)], heads_of, 7));
        assert_eq!(p.agreed_heads(&doc(1)), Some(&held[..]));
        assert_eq!(p.agreed_heads(&doc(2)), None);
        assert_eq!(p.last_synced[&doc(2)], 7);
        // Agreed on at the heads held now: document 1 only.
        assert_eq!(
            p.agreed_at(|d| (*d == doc(1)).then(|| heads_hash(&held))),
            1
        );
        assert!(p.disagree([doc(1)]));
        assert!(!p.disagree([doc(1)]), "nothing left to drop");
        assert_eq!(p.agreed_heads(&doc(1)), None);
        assert!(!p.agree(&[], |_| None, 8), "nothing to store");
    }

    #[test]
    fn an_agreement_stored_by_an_earlier_release_reads_as_hashes_alone() {
        let old: BTreeMap<DocId, HeadsHash> = [(doc(4), [9; 8])].into();
        let mut bytes = Vec::new();
        ciborium::into_writer(&old, &mut bytes).unwrap();
        let p = PeerSync::decode_agreement(&bytes).unwrap();
        assert_eq!(p.agreed, old);
        assert_eq!(p.agreed_heads(&doc(4)), None);
        assert!(PeerSync::decode_agreement(b"\xff\x00").is_err());
    }

    #[test]
    fn changes_kept_for_their_history_are_bounded_per_peer() {
        let mut p = PeerSync::default();
        let big = |n| Pending {
            changes: vec![0; n],
            needs: vec![hash(1)],
        };
        assert!(p.settle_pending(doc(1), Some(big(MAX_PENDING_BYTES - 10))));
        assert!(!p.settle_pending(doc(2), Some(big(11))), "over the bound");
        assert!(p.settle_pending(doc(2), Some(big(10))));
        assert_eq!(p.pending_needs(&doc(2)), &[hash(1)]);
        // Taken at last: what was kept goes.
        assert!(!p.settle_pending(doc(1), None));
        assert!(p.pending_changes(&doc(1)).is_empty());
        assert!(!p.nothing_pending());
    }

    #[test]
    fn a_restarted_session_opens_states_only_when_asked_to() {
        let mut p = PeerSync::default();
        p.restart(Side::Answering, &[doc(1)], false);
        assert!(p.states(Side::Answering).is_empty());
        p.restart(Side::Opened, &[doc(1)], true);
        assert_eq!(p.states(Side::Opened).len(), 1);
        assert!(p.states(Side::Answering).is_empty(), "one state per side");
    }

    fn heads() -> impl Strategy<Value = Vec<ChangeHash>> {
        prop::collection::vec(any::<[u8; 32]>().prop_map(ChangeHash), 0..4)
    }

    proptest! {
        /// What is stored reads back as the same agreement (hashes and heads), after any
        /// sequence of agreements and disagreements.
        #[test]
        fn an_agreement_reads_back_as_stored(
            steps in prop::collection::vec((0u8..6, heads(), any::<bool>(), any::<bool>()), 0..30),
        ) {
            let mut p = PeerSync::default();
            for (d, hs, held, drop) in steps {
                if drop {
                    p.disagree([doc(d)]);
                } else {
                    p.agree(&[at(d, &hs)], |_| held.then(|| hs.clone()), 1);
                }
            }
            let back = PeerSync::decode_agreement(&p.encode_agreement()).unwrap();
            prop_assert_eq!(&back.agreed, &p.agreed);
            prop_assert_eq!(&back.agreed_heads, &p.agreed_heads);
            // Every kept heads list hashes to its agreement.
            for (d, hs) in &back.agreed_heads {
                prop_assert_eq!(Some(&heads_hash(hs)), back.agreed.get(d));
            }
        }

        /// However changes are kept and taken, a peer's kept bytes stay within the bound.
        #[test]
        fn kept_changes_never_pass_the_bound(
            steps in prop::collection::vec((0u8..8, prop::option::of(0usize..(MAX_PENDING_BYTES / 3))), 0..40),
        ) {
            let mut p = PeerSync::default();
            for (d, n) in steps {
                let kept = n.map(|n| Pending { changes: vec![1; n], needs: Vec::new() });
                let was = kept.clone();
                let taken = p.settle_pending(doc(d), kept);
                prop_assert_eq!(taken, was.is_some() && p.pending_changes(&doc(d)).len() == was.as_ref().map_or(0, |k| k.changes.len()));
                let held: usize = p.pending.values().map(|k| k.changes.len()).sum();
                prop_assert!(held <= MAX_PENDING_BYTES);
            }
        }
    }
}
