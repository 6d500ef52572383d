//! Announcements: how a node tells the members of a network that documents changed, without
//! starting a session with each (PROTOCOL.md §8b).
//!
//! A node that stores a change of its own publishes the new heads of the changed documents on
//! gossipsub, on a topic of the network; a member whose heads differ pulls from the announcer
//! with one sync session. Changes a node received by sync are not announced again (their
//! author did), so nothing comes back to where it came from.
//!
//! An announcement carries heads (document ids, heads hashes, generations) and, for documents
//! whose new changes are small, the changes themselves with the signed heads that cover them
//! (a *push*): a member that holds the document applies them, after the same admission as a
//! sync round's, and pulls only when it still lacks something (a push it cannot apply, or no
//! push). Each network has two topics: one for the documents every role reads (the network document
//! and published tallies) and one for plans, which aggregators never hold: an aggregator does
//! not subscribe to it and an announcement of a plan is never published on the other. Topic
//! names are hashes of the network id, which only members and invited groups know; what keeps
//! a stranger out is that only members stay connected (gossipsub tells every connected peer
//! its subscriptions).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use automerge::ChangeHash;

use crate::auth::{MAX_SIGNED_HEADS, SignedHead};
use crate::doc::DocKind;
use crate::ids::{DocId, GroupId};
use crate::network::Network;
use crate::sync::{DocHeads, HeadsHash, heads_hash, serde_bytes_vec};

/// The start of every announcement topic's name; the version changes with the message.
pub const TOPIC_PREFIX: &str = "/commonground/announce/1/";
/// The most documents one announcement names (more changed at once go in several).
pub const MAX_ANNOUNCED_DOCS: usize = 64;
/// The largest announcement accepted, in bytes: 64 documents' heads take about 3.5 KB, and
/// pushed changes at most [`PUSH_BYTES`] more.
pub const MAX_ANNOUNCEMENT_BYTES: usize = 4096 + PUSH_BYTES + PUSH_OVERHEAD;
/// The most bytes of changes pushed in one announcement: a document whose new changes are
/// larger (or that do not fit beside others') is announced by its heads only, and pulled.
pub const PUSH_BYTES: usize = 16 * 1024;
/// Room for the heads and signed heads of pushed documents: per pushed document, up to
/// [`MAX_PUSHED_HEADS`] heads of 32 bytes and [`MAX_PUSHED_SIGNED`] signed heads of about
/// 140 bytes, for up to [`MAX_PUSHED_DOCS`] documents.
const PUSH_OVERHEAD: usize = MAX_PUSHED_DOCS * (MAX_PUSHED_HEADS * 34 + MAX_PUSHED_SIGNED * 140);
/// The most documents pushed in one announcement.
pub const MAX_PUSHED_DOCS: usize = 4;
/// The most heads a pushed document may have (more: announced by its heads hash only).
pub const MAX_PUSHED_HEADS: usize = 4;
/// The most signed heads sent with one pushed document's changes.
pub const MAX_PUSHED_SIGNED: usize = 4;
const _: () = assert!(MAX_PUSHED_SIGNED <= MAX_SIGNED_HEADS);

/// Which documents a topic announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Documents every role reads: the network document and published tallies.
    Shared,
    /// Plans (members and coordinators only).
    Plans,
}

impl Class {
    /// The class a kind of document is announced in (`None`: never announced).
    pub fn of(kind: DocKind) -> Option<Self> {
        match kind {
            DocKind::Network | DocKind::Published => Some(Self::Shared),
            DocKind::Plan => Some(Self::Plans),
            _ => None,
        }
    }

    /// A kind of document of the class, to ask who may read it.
    fn kind(self) -> DocKind {
        match self {
            Self::Shared => DocKind::Published,
            Self::Plans => DocKind::Plan,
        }
    }

    fn tag(self) -> u8 {
        match self {
            Self::Shared => 1,
            Self::Plans => 2,
        }
    }
}

/// The topic of a network's announcements of a class: [`TOPIC_PREFIX`] and the first 16 bytes,
/// in hex, of SHA-256 over `"commonground announce"`, the class's tag byte (1 shared, 2 plans)
/// and the network id's 16 bytes.
pub fn topic(network: &DocId, class: Class) -> String {
    let mut h = Sha256::new();
    h.update(b"commonground announce");
    h.update([class.tag()]);
    h.update(network.as_bytes());
    let d = h.finalize();
    format!("{TOPIC_PREFIX}{}", hex::encode(&d[..16]))
}

/// One topic this node takes part in: a network's class, and who may publish on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// The network.
    pub network: DocId,
    /// The class of documents.
    pub class: Class,
    /// The topic's name ([`topic`]).
    pub topic: String,
    /// The members whose role reads the class: only they may announce on it.
    pub publishers: BTreeSet<GroupId>,
}

/// The topics `me` takes part in for `network`: each class its role reads (none when it is not
/// a member).
pub fn channels(network_id: &DocId, network: &Network, me: &GroupId) -> Vec<Channel> {
    [Class::Shared, Class::Plans]
        .into_iter()
        .filter(|c| network.may_read(me, c.kind()))
        .map(|class| Channel {
            network: *network_id,
            class,
            topic: topic(network_id, class),
            publishers: network
                .members
                .iter()
                .map(|m| m.group)
                .filter(|g| network.may_read(g, class.kind()))
                .collect(),
        })
        .collect()
}

/// What a node announces: new heads of documents of one network, and the new changes of some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The network.
    pub network: DocId,
    /// The changed documents and their new heads, sorted by document, each once.
    pub docs: Vec<DocHeads>,
    /// The new changes of some of them (at most [`MAX_PUSHED_DOCS`]), sorted by document, each
    /// a document of `docs`; left out when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pushed: Vec<Pushed>,
}

/// One document's new changes, pushed with its announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    /// The document (also in the announcement's `docs`).
    pub doc: DocId,
    /// The announcer's heads of it after the changes: 32-byte change hashes, concatenated (1 to
    /// [`MAX_PUSHED_HEADS`]); their [`heads_hash`] is the document's announced heads hash.
    #[serde(with = "serde_bytes_vec")]
    pub heads: Vec<u8>,
    /// The changes, as Automerge change chunks one after another (what the announcer stored in
    /// the batch that made them); at most [`PUSH_BYTES`].
    #[serde(with = "serde_bytes_vec")]
    pub changes: Vec<u8>,
    /// Signed heads that cover them (per author, its newest change among them): 0 to
    /// [`MAX_PUSHED_SIGNED`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed: Vec<SignedHead>,
}

impl Pushed {
    /// The heads as change hashes.
    pub fn head_hashes(&self) -> Vec<ChangeHash> {
        self.heads
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                ChangeHash(h)
            })
            .collect()
    }

    /// The push of `changes` (change chunks, each whole) that leave a document at `heads`,
    /// with the signed heads among `signed` that name one of `hashes` (the changes' own
    /// hashes); `None` when the changes are more than [`PUSH_BYTES`], there are more heads
    /// than [`MAX_PUSHED_HEADS`], or more such signed heads than [`MAX_PUSHED_SIGNED`].
    pub fn of(
        doc: DocId,
        heads: &[ChangeHash],
        changes: &[&[u8]],
        hashes: &[ChangeHash],
        signed: &[SignedHead],
    ) -> Option<Self> {
        let size: usize = changes.iter().map(|c| c.len()).sum();
        let signed: Vec<SignedHead> = signed
            .iter()
            .filter(|s| hashes.contains(&s.change_hash()))
            .copied()
            .collect();
        if size == 0
            || size > PUSH_BYTES
            || heads.is_empty()
            || heads.len() > MAX_PUSHED_HEADS
            || signed.len() > MAX_PUSHED_SIGNED
        {
            return None;
        }
        let mut sorted = heads.to_vec();
        sorted.sort();
        Some(Self {
            doc,
            heads: sorted.iter().flat_map(|h| h.0).collect(),
            changes: changes.concat(),
            signed,
        })
    }

    /// Whether it is well formed for `heads` (the document's announced entry).
    fn fits(&self, heads: &DocHeads) -> bool {
        let n = self.heads.len() / 32;
        self.heads.len().is_multiple_of(32)
            && (1..=MAX_PUSHED_HEADS).contains(&n)
            && heads_hash(&self.head_hashes()) == heads.heads
            && !self.changes.is_empty()
            && self.changes.len() <= PUSH_BYTES
            && self.signed.len() <= MAX_PUSHED_SIGNED
    }
}

impl Announcement {
    /// The announcement as CBOR.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(self, &mut out).expect("writing to a Vec cannot fail");
        out
    }
}

/// Why a received announcement is refused (and not forwarded).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnnounceError {
    /// Larger than [`MAX_ANNOUNCEMENT_BYTES`].
    #[error("announcement of {0} bytes, more than allowed")]
    TooLarge(usize),
    /// Not an announcement.
    #[error("not an announcement: {0}")]
    Malformed(String),
    /// Names another network than its topic's.
    #[error("announcement for another network than its topic's")]
    WrongNetwork,
    /// Its publisher may not read what the topic announces.
    #[error("announcement by a group that may not announce here")]
    NotPublisher,
    /// Names no document, too many, or one twice or out of order.
    #[error("announcement naming no document, too many, or one twice")]
    BadList,
    /// Pushes changes of a document it does not name, too many documents' changes, or changes
    /// whose heads are not the announced ones.
    #[error("announcement pushing changes badly")]
    BadPush,
}

/// Judges an announcement received on `channel`, published by `source` (gossipsub checked its
/// signature): accepted only if it is small, well formed, for the channel's network, lists
/// 1 to [`MAX_ANNOUNCED_DOCS`] documents in order, and `source` may publish there.
pub fn judge(
    channel: &Channel,
    source: &GroupId,
    data: &[u8],
) -> Result<Announcement, AnnounceError> {
    if data.len() > MAX_ANNOUNCEMENT_BYTES {
        return Err(AnnounceError::TooLarge(data.len()));
    }
    if !channel.publishers.contains(source) {
        return Err(AnnounceError::NotPublisher);
    }
    let a: Announcement =
        // A scratch buffer as large as the message: ciborium's default (4 KiB) refuses longer
        // byte strings, and pushed changes may be longer.
        ciborium::de::from_reader_with_buffer(data, &mut vec![0u8; data.len()])
            .map_err(|e| AnnounceError::Malformed(e.to_string()))?;
    if a.network != channel.network {
        return Err(AnnounceError::WrongNetwork);
    }
    let ordered = a.docs.windows(2).all(|w| w[0].doc < w[1].doc);
    if a.docs.is_empty() || a.docs.len() > MAX_ANNOUNCED_DOCS || !ordered {
        return Err(AnnounceError::BadList);
    }
    let pushes_ordered = a.pushed.windows(2).all(|w| w[0].doc < w[1].doc);
    let pushes_fit = a.pushed.iter().all(|p| {
        a.docs
            .binary_search_by(|d| d.doc.cmp(&p.doc))
            .is_ok_and(|i| p.fits(&a.docs[i]))
    });
    if a.pushed.len() > MAX_PUSHED_DOCS || !pushes_ordered || !pushes_fit {
        return Err(AnnounceError::BadPush);
    }
    Ok(a)
}

/// One changed document, as a batch that stored it describes it for announcing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Its new heads.
    pub heads: DocHeads,
    /// Its kind.
    pub kind: DocKind,
    /// Its new changes, when small enough to push ([`Pushed::of`]).
    pub push: Option<Pushed>,
}

/// The announcements of changed documents of `network`, per class: sorted by document, each
/// once, at most [`MAX_ANNOUNCED_DOCS`] per announcement. Kinds that are never announced are
/// left out. Pushes ride along while there is room ([`MAX_PUSHED_DOCS`], [`PUSH_BYTES`] per
/// announcement); a document whose push has no room is announced by its heads only.
pub fn announcements(
    network: &DocId,
    changed: impl IntoIterator<Item = Changed>,
) -> Vec<(Class, Announcement)> {
    let mut by_class: BTreeMap<Class, BTreeMap<DocId, Changed>> = BTreeMap::new();
    for c in changed {
        if let Some(class) = Class::of(c.kind) {
            by_class.entry(class).or_default().insert(c.heads.doc, c);
        }
    }
    let mut out = Vec::new();
    for (class, docs) in by_class {
        let docs: Vec<Changed> = docs.into_values().collect();
        for chunk in docs.chunks(MAX_ANNOUNCED_DOCS) {
            let mut pushed: Vec<Pushed> = Vec::new();
            let mut room = PUSH_BYTES;
            for p in chunk.iter().filter_map(|c| c.push.as_ref()) {
                if pushed.len() < MAX_PUSHED_DOCS && p.changes.len() <= room {
                    room -= p.changes.len();
                    pushed.push(p.clone());
                }
            }
            out.push((
                class,
                Announcement {
                    network: *network,
                    docs: chunk.iter().map(|c| c.heads).collect(),
                    pushed,
                },
            ));
        }
    }
    out
}

/// Whether a document announced with `heads` is still news once a push was applied (or not):
/// some announced head is not among the changes this node holds (`has`). Without the heads
/// (no push), news is a heads hash that differs ([`differs`]).
pub fn still_lacks(heads: &[ChangeHash], has: impl Fn(&ChangeHash) -> bool) -> bool {
    heads.iter().any(|h| !has(h))
}

/// Whether an announced document differs from this node's copy: it holds none (`mine` is
/// `None`), or holds it with another heads hash. An announcement none of whose documents differ
/// tells the node nothing.
pub fn differs(announced: &DocHeads, mine: Option<HeadsHash>) -> bool {
    mine != Some(announced.heads)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::doc::tests::group;
    use crate::generation::GenRank;
    use crate::ids::Day;
    use crate::network::Role;
    use proptest::prelude::*;

    /// A document id made of one byte.
    pub(crate) fn doc(n: u8) -> DocId {
        DocId::from_bytes([n; 16])
    }

    /// Document `d` at a heads hash made of one byte.
    pub(crate) fn heads(d: u8, h: u8) -> DocHeads {
        DocHeads {
            doc: doc(d),
            heads: [h; 8],
            generation: GenRank::FIRST,
        }
    }

    fn changed(heads: DocHeads, kind: DocKind) -> Changed {
        Changed {
            heads,
            kind,
            push: None,
        }
    }

    /// A document `d` changed by `size` bytes of (pretend) changes leaving it at one head
    /// derived from `h`, signed by group 1's key.
    fn pushing(d: u8, h: u8, kind: DocKind, size: usize) -> Changed {
        let head = ChangeHash([h; 32]);
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let signed = SignedHead::sign(&key, &doc(d), &head);
        let bytes = vec![d; size];
        Changed {
            heads: DocHeads {
                doc: doc(d),
                heads: heads_hash(&[head]),
                generation: GenRank::FIRST,
            },
            kind,
            push: Pushed::of(doc(d), &[head], &[&bytes], &[head], &[signed]),
        }
    }

    fn today() -> Day {
        "2026-12-01".parse().unwrap()
    }

    fn network() -> Network {
        let mut n = Network::new("Region", group(1), "Coventry", today(), vec![]).unwrap();
        n.add_member(group(2), "Leeds", Role::Member, today(), vec![])
            .unwrap();
        n.add_member(group(3), "Hub", Role::Aggregator, today(), vec![])
            .unwrap();
        n
    }

    #[test]
    fn an_aggregator_takes_part_in_the_shared_topic_only_and_may_not_announce_plans() {
        let net = network();
        let id = doc(9);
        let member = channels(&id, &net, &group(2));
        assert_eq!(
            member.iter().map(|c| c.class).collect::<Vec<_>>(),
            [Class::Shared, Class::Plans]
        );
        let hub = channels(&id, &net, &group(3));
        assert_eq!(
            hub.iter().map(|c| c.class).collect::<Vec<_>>(),
            [Class::Shared]
        );
        assert!(
            channels(&id, &net, &group(4)).is_empty(),
            "a stranger has none"
        );
        let plans = &member[1];
        assert!(!plans.publishers.contains(&group(3)));
        assert!(plans.publishers.contains(&group(1)) && plans.publishers.contains(&group(2)));
        let a = Announcement {
            network: id,
            docs: vec![heads(1, 1)],
            pushed: vec![],
        };
        assert_eq!(
            judge(plans, &group(3), &a.encode()),
            Err(AnnounceError::NotPublisher)
        );
        assert_eq!(judge(&member[0], &group(3), &a.encode()), Ok(a.clone()));
        assert_eq!(
            judge(plans, &group(4), &a.encode()),
            Err(AnnounceError::NotPublisher)
        );
    }

    #[test]
    fn topics_differ_per_network_and_class_and_do_not_show_the_network_id() {
        let (a, b) = (doc(1), doc(2));
        let names = [
            topic(&a, Class::Shared),
            topic(&a, Class::Plans),
            topic(&b, Class::Shared),
            topic(&b, Class::Plans),
        ];
        let set: BTreeSet<&String> = names.iter().collect();
        assert_eq!(set.len(), 4);
        for n in &names {
            assert!(n.starts_with(TOPIC_PREFIX));
            assert!(!n.contains(&a.to_string()) && !n.contains(&b.to_string()));
        }
        assert_eq!(topic(&a, Class::Plans), topic(&a, Class::Plans));
    }

    #[test]
    fn a_received_announcement_is_refused_when_it_is_for_another_network_or_badly_listed() {
        let net = network();
        let shared = channels(&doc(9), &net, &group(1)).remove(0);
        let other = Announcement {
            network: doc(8),
            docs: vec![heads(1, 1)],
            pushed: vec![],
        };
        assert_eq!(
            judge(&shared, &group(1), &other.encode()),
            Err(AnnounceError::WrongNetwork)
        );
        for docs in [
            vec![],
            vec![heads(2, 1), heads(1, 1)],
            vec![heads(1, 1), heads(1, 2)],
            (0..=MAX_ANNOUNCED_DOCS as u8)
                .map(|d| heads(d, 0))
                .collect(),
        ] {
            let a = Announcement {
                network: doc(9),
                docs,
                pushed: vec![],
            };
            let verdict = judge(&shared, &group(1), &a.encode());
            assert!(
                matches!(
                    verdict,
                    Err(AnnounceError::BadList) | Err(AnnounceError::TooLarge(_))
                ),
                "{verdict:?}"
            );
        }
        assert!(matches!(
            judge(&shared, &group(1), b"\xff\x00garbage"),
            Err(AnnounceError::Malformed(_))
        ));
        assert!(matches!(
            judge(&shared, &group(1), &vec![0u8; MAX_ANNOUNCEMENT_BYTES + 1]),
            Err(AnnounceError::TooLarge(_))
        ));
    }

    #[test]
    fn changes_are_announced_per_class_and_only_shared_kinds() {
        let out = announcements(
            &doc(9),
            [
                changed(heads(3, 1), DocKind::Plan),
                changed(heads(1, 1), DocKind::Network),
                changed(heads(2, 1), DocKind::Published),
                changed(heads(4, 1), DocKind::Tally),
            ],
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0, Class::Shared);
        assert_eq!(out[0].1.docs, vec![heads(1, 1), heads(2, 1)]);
        assert_eq!(out[1].0, Class::Plans);
        assert_eq!(out[1].1.docs, vec![heads(3, 1)]);
    }

    #[test]
    fn news_is_a_document_missing_or_held_with_other_heads() {
        let a = Announcement {
            network: doc(9),
            docs: vec![heads(1, 1), heads(2, 2)],
            pushed: vec![],
        };
        let held = |h1: Option<u8>, h2: Option<u8>| {
            move |d: &DocId| {
                if *d == doc(1) {
                    h1.map(|h| [h; 8])
                } else if *d == doc(2) {
                    h2.map(|h| [h; 8])
                } else {
                    None
                }
            }
        };
        let is_news = |a: &Announcement, mine: &dyn Fn(&DocId) -> Option<HeadsHash>| {
            a.docs.iter().any(|d| differs(d, mine(&d.doc)))
        };
        assert!(!is_news(&a, &held(Some(1), Some(2))));
        assert!(is_news(&a, &held(Some(1), None)));
        assert!(is_news(&a, &held(Some(0), Some(2))));
    }

    #[test]
    fn a_push_rides_only_for_a_named_document_with_its_announced_heads() {
        let net = network();
        let plans = channels(&doc(9), &net, &group(1)).remove(1);
        let c = pushing(5, 7, DocKind::Plan, 300);
        let mut a = announcements(&doc(9), [c.clone()]).remove(0).1;
        assert_eq!(a.pushed.len(), 1);
        assert_eq!(judge(&plans, &group(2), &a.encode()), Ok(a.clone()));
        assert_eq!(a.pushed[0].head_hashes(), vec![ChangeHash([7; 32])]);
        // Its heads are not the announced ones.
        a.docs[0].heads = [0; 8];
        assert_eq!(
            judge(&plans, &group(2), &a.encode()),
            Err(AnnounceError::BadPush)
        );
        // A push for a document the announcement does not name.
        let mut b = announcements(&doc(9), [c.clone()]).remove(0).1;
        b.pushed[0].doc = doc(6);
        assert_eq!(
            judge(&plans, &group(2), &b.encode()),
            Err(AnnounceError::BadPush)
        );
        // Heads that are not whole hashes, and no changes.
        let mut h = announcements(&doc(9), [c.clone()]).remove(0).1;
        h.pushed[0].heads.pop();
        assert_eq!(
            judge(&plans, &group(2), &h.encode()),
            Err(AnnounceError::BadPush)
        );
        let mut e = announcements(&doc(9), [c]).remove(0).1;
        e.pushed[0].changes.clear();
        assert_eq!(
            judge(&plans, &group(2), &e.encode()),
            Err(AnnounceError::BadPush)
        );
    }

    #[test]
    fn pushes_ride_while_there_is_room_and_the_rest_are_announced_by_heads() {
        let big = pushing(1, 1, DocKind::Plan, PUSH_BYTES - 100);
        assert!(pushing(2, 1, DocKind::Plan, PUSH_BYTES + 1).push.is_none());
        let out = announcements(
            &doc(9),
            [
                big,
                pushing(2, 2, DocKind::Plan, 200),
                pushing(3, 3, DocKind::Plan, 50),
            ],
        );
        let a = &out[0].1;
        assert_eq!(a.docs.len(), 3);
        let pushed: Vec<DocId> = a.pushed.iter().map(|p| p.doc).collect();
        assert_eq!(
            pushed,
            vec![doc(1), doc(3)],
            "doc 2 did not fit beside doc 1"
        );
        let many: Vec<Changed> = (10..20).map(|d| pushing(d, d, DocKind::Plan, 10)).collect();
        let out = announcements(&doc(9), many);
        assert_eq!(out[0].1.pushed.len(), MAX_PUSHED_DOCS);
        assert!(out[0].1.encode().len() <= MAX_ANNOUNCEMENT_BYTES);
    }

    #[test]
    fn a_push_is_still_news_until_every_announced_head_is_held() {
        let (a, b) = (ChangeHash([1; 32]), ChangeHash([2; 32]));
        assert!(!still_lacks(&[a, b], |_| true));
        assert!(still_lacks(&[a, b], |h| *h == a));
    }

    proptest! {
        /// Whatever changed, every announcement made is accepted by every member that takes
        /// part in its class, fits the limits, and together they name each changed document of
        /// an announced kind exactly once.
        #[test]
        fn every_announcement_made_is_accepted_and_names_each_change_once(
            edits in proptest::collection::vec((any::<u8>(), any::<u8>()), 0..300)
        ) {
            // A document has one kind: here the kind follows from its id.
            let kinds = [DocKind::Plan, DocKind::Network, DocKind::Published, DocKind::Tally];
            let net = network();
            let id = doc(200);
            let chans = channels(&id, &net, &group(1));
            // Every third document's changes are pushed, of a size that follows from its id.
            let input: Vec<Changed> = edits
                .iter()
                .map(|(d, h)| {
                    let kind = kinds[*d as usize % 4];
                    if d % 3 == 0 {
                        pushing(*d, *h, kind, 200 + 40 * usize::from(*d))
                    } else {
                        changed(heads(*d, *h), kind)
                    }
                })
                .collect();
            let out = announcements(&id, input.clone());
            let mut named = BTreeSet::new();
            for (class, a) in &out {
                let chan = chans.iter().find(|c| c.class == *class).unwrap();
                let bytes = a.encode();
                prop_assert!(bytes.len() <= MAX_ANNOUNCEMENT_BYTES, "{} bytes", bytes.len());
                prop_assert_eq!(judge(chan, &group(2), &bytes), Ok(a.clone()));
                for d in &a.docs {
                    prop_assert!(named.insert(d.doc));
                }
                for p in &a.pushed {
                    // A push is the one made for its document's latest entry.
                    let last = input.iter().rev().find(|c| c.heads.doc == p.doc).unwrap();
                    prop_assert_eq!(last.push.as_ref(), Some(p));
                }
            }
            let expected: BTreeSet<DocId> = input
                .iter()
                .filter(|c| Class::of(c.kind).is_some())
                .map(|c| c.heads.doc)
                .collect();
            prop_assert_eq!(named, expected);
        }
    }
}
