//! Announcements: how a node tells the members of a network that documents changed, without
//! starting a session with each (PROTOCOL.md §8b).
//!
//! A node that stores a change of its own publishes the new heads of the changed documents on
//! gossipsub, on a topic of the network; a member whose heads differ pulls from the announcer
//! with one sync session. Changes a node received by sync are not announced again (their
//! author did), so nothing comes back to where it came from.
//!
//! An announcement carries heads only (document ids, heads hashes, generations), never content.
//! Each network has two topics: one for the documents every role reads (the network document
//! and published tallies) and one for plans, which aggregators never hold: an aggregator does
//! not subscribe to it and an announcement of a plan is never published on the other. Topic
//! names are hashes of the network id, which only members and invited groups know; what keeps
//! a stranger out is that only members stay connected (gossipsub tells every connected peer
//! its subscriptions).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::doc::DocKind;
use crate::ids::{DocId, GroupId};
use crate::network::Network;
use crate::sync::{DocHeads, HeadsHash};

/// The start of every announcement topic's name; the version changes with the message.
pub const TOPIC_PREFIX: &str = "/commonground/announce/1/";
/// The most documents one announcement names (more changed at once go in several).
pub const MAX_ANNOUNCED_DOCS: usize = 64;
/// The largest announcement accepted, in bytes (64 documents take about 3.5 KB).
pub const MAX_ANNOUNCEMENT_BYTES: usize = 4096;

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

/// What a node announces: new heads of documents of one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The network.
    pub network: DocId,
    /// The changed documents and their new heads, sorted by document, each once.
    pub docs: Vec<DocHeads>,
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
        ciborium::from_reader(data).map_err(|e| AnnounceError::Malformed(e.to_string()))?;
    if a.network != channel.network {
        return Err(AnnounceError::WrongNetwork);
    }
    let ordered = a.docs.windows(2).all(|w| w[0].doc < w[1].doc);
    if a.docs.is_empty() || a.docs.len() > MAX_ANNOUNCED_DOCS || !ordered {
        return Err(AnnounceError::BadList);
    }
    Ok(a)
}

/// The announcements of changed documents of `network`, per class: sorted by document, each
/// once, at most [`MAX_ANNOUNCED_DOCS`] per announcement. Kinds that are never announced are
/// left out.
pub fn announcements(
    network: &DocId,
    changed: impl IntoIterator<Item = (DocHeads, DocKind)>,
) -> Vec<(Class, Announcement)> {
    let mut by_class: BTreeMap<Class, BTreeMap<DocId, DocHeads>> = BTreeMap::new();
    for (heads, kind) in changed {
        if let Some(class) = Class::of(kind) {
            by_class.entry(class).or_default().insert(heads.doc, heads);
        }
    }
    let mut out = Vec::new();
    for (class, docs) in by_class {
        let docs: Vec<DocHeads> = docs.into_values().collect();
        for chunk in docs.chunks(MAX_ANNOUNCED_DOCS) {
            out.push((
                class,
                Announcement {
                    network: *network,
                    docs: chunk.to_vec(),
                },
            ));
        }
    }
    out
}

/// Whether an announcement tells this node something it lacks: a document it does not hold, or
/// holds with other heads (`mine` gives this node's heads hash of a document it holds).
pub fn is_news(a: &Announcement, mine: impl Fn(&DocId) -> Option<HeadsHash>) -> bool {
    a.docs.iter().any(|d| mine(&d.doc) != Some(d.heads))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::tests::group;
    use crate::generation::GenRank;
    use crate::ids::Day;
    use crate::network::Role;
    use proptest::prelude::*;

    fn doc(n: u8) -> DocId {
        DocId::from_bytes([n; 16])
    }

    fn heads(d: u8, h: u8) -> DocHeads {
        DocHeads {
            doc: doc(d),
            heads: [h; 8],
            generation: GenRank::FIRST,
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
                (heads(3, 1), DocKind::Plan),
                (heads(1, 1), DocKind::Network),
                (heads(2, 1), DocKind::Published),
                (heads(4, 1), DocKind::Tally),
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
        assert!(!is_news(&a, held(Some(1), Some(2))));
        assert!(is_news(&a, held(Some(1), None)));
        assert!(is_news(&a, held(Some(0), Some(2))));
    }

    proptest! {
        /// Whatever changed, every announcement made is accepted by every member that takes
        /// part in its class, fits the limits, and together they name each changed document of
        /// an announced kind exactly once.
        #[test]
        fn every_announcement_made_is_accepted_and_names_each_change_once(
            changed in proptest::collection::vec((any::<u8>(), any::<u8>()), 0..300)
        ) {
            // A document has one kind: here the kind follows from its id.
            let kinds = [DocKind::Plan, DocKind::Network, DocKind::Published, DocKind::Tally];
            let net = network();
            let id = doc(200);
            let chans = channels(&id, &net, &group(1));
            let input: Vec<(DocHeads, DocKind)> =
                changed.iter().map(|(d, h)| (heads(*d, *h), kinds[*d as usize % 4])).collect();
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
            }
            let expected: BTreeSet<DocId> = input
                .iter()
                .filter(|(_, k)| Class::of(*k).is_some())
                .map(|(h, _)| h.doc)
                .collect();
            prop_assert_eq!(named, expected);
        }
    }
}
