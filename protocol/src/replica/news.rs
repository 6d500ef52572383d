//! The rule for passing news on (PROTOCOL.md §8b): a member that learns of new heads from an
//! announcement pulls them and names them in its next `Hello` there (`wanted`); a node asked for
//! news it lacks too passes on what sync next brings it of that network. Every receiver passing
//! on every change it synced cost each change O(members²) announcements; this costs O(members).

use std::collections::{BTreeMap, HashMap, HashSet};

use automerge::ChangeHash;

use crate::announce::{self, MAX_ANNOUNCED_DOCS};
use crate::ids::DocId;
use crate::sync::{DocHeads, HeadsHash};

/// What this node owes its networks' members, per network.
#[derive(Default)]
pub struct News {
    /// Networks for which this node answered a `Hello` naming news it lacked too (`wanted`) since
    /// it last passed on what sync brought in: that member pulled from it before it had the
    /// news.
    asked: HashSet<DocId>,
    /// Per network, documents announcements named that this node lacks at the announced heads:
    /// named in its next `Hello` there, so that a peer lacking them too knows to pass them on
    /// when it gets them. At most [`MAX_ANNOUNCED_DOCS`] per network.
    wanted: HashMap<DocId, BTreeMap<DocId, DocHeads>>,
    /// Per network, what announcements named that this node lacked when it heard them, to check
    /// again when a session running then ends (`schedule::Action::Recheck`). At most
    /// [`MAX_ANNOUNCED_DOCS`] per network.
    lacked: HashMap<DocId, Heard>,
}

/// What announcements of one network named that this node lacked when it heard them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Heard {
    /// Per document, what was lacked (the newest announcement's).
    pub docs: BTreeMap<DocId, Lacked>,
    /// Whether more documents were named than kept ([`MAX_ANNOUNCED_DOCS`]): then some news
    /// counts as lacked whatever the rest says.
    pub more: bool,
}

/// What an announcement named that this node lacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lacked {
    /// A pushed document's heads: lacked while any of them is not held.
    Heads(Vec<ChangeHash>),
    /// A document announced by its heads hash only: lacked while held with another (or not
    /// held). Of a state the node has since gone past, it stays lacked, and is pulled once more.
    Hash(DocHeads),
}

impl News {
    /// Notes an announced document of `network` that this node lacks at the announced heads.
    /// Beyond [`MAX_ANNOUNCED_DOCS`] for one network, the smallest document id goes (only the
    /// bound matters: a document left out is found by the pull all the same).
    pub fn want(&mut self, network: DocId, d: DocHeads) {
        let wanted = self.wanted.entry(network).or_default();
        wanted.insert(d.doc, d);
        while wanted.len() > MAX_ANNOUNCED_DOCS {
            wanted.pop_first();
        }
    }

    /// Notes what an announcement of `network` named of `doc` that this node lacked. Beyond
    /// [`MAX_ANNOUNCED_DOCS`] for one network, the rest is only counted ([`Heard::more`]): a
    /// recheck then pulls, so nothing is lost.
    pub fn lacked(&mut self, network: DocId, doc: DocId, what: Lacked) {
        let heard = self.lacked.entry(network).or_default();
        if heard.docs.len() < MAX_ANNOUNCED_DOCS || heard.docs.contains_key(&doc) {
            heard.docs.insert(doc, what);
        } else {
            heard.more = true;
        }
    }

    /// What announcements of `network` named that this node lacked when it heard them, taken.
    pub fn take_lacked(&mut self, network: &DocId) -> Heard {
        self.lacked.remove(network).unwrap_or_default()
    }

    /// The documents to name in the next `Hello` for `network` (`wanted`): named once.
    pub fn take_wanted(&mut self, network: &DocId) -> Vec<DocHeads> {
        self.wanted
            .remove(network)
            .map(|w| w.into_values().collect())
            .unwrap_or_default()
    }

    /// A member's `Hello` for `network` named `wanted`; `mine` gives this node's heads hash of a
    /// document (`None` if it holds none). If this node lacks any of that news too, what sync
    /// next brings it of the network is passed on. Returns whether it lacks some.
    pub fn answered(
        &mut self,
        network: DocId,
        wanted: &[DocHeads],
        mine: impl Fn(&DocId) -> Option<HeadsHash>,
    ) -> bool {
        let lacks = wanted
            .iter()
            .take(MAX_ANNOUNCED_DOCS)
            .any(|w| announce::differs(w, mine(&w.doc)));
        if lacks {
            self.asked.insert(network);
        }
        lacks
    }

    /// Whether what sync brings this node of `network` is to be announced (it was asked).
    pub fn passes_on(&self, network: &DocId) -> bool {
        self.asked.contains(network)
    }

    /// What sync brought of `network` was announced: nothing more is owed until asked again.
    pub fn passed_on(&mut self, network: &DocId) {
        self.asked.remove(network);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::announce::tests::{doc, heads};
    use proptest::prelude::*;

    #[test]
    fn only_news_this_node_lacks_too_is_passed_on_and_only_once() {
        let (net, other) = (doc(200), doc(201));
        let mut n = News::default();
        // It holds document 1 at the heads asked for: nothing owed.
        assert!(!n.answered(net, &[heads(1, 5)], |_| Some([5; 8])));
        assert!(!n.passes_on(&net));
        // It holds another version, or none: owed, for that network only.
        assert!(n.answered(net, &[heads(1, 5)], |_| Some([6; 8])));
        assert!(n.passes_on(&net) && !n.passes_on(&other));
        n.passed_on(&net);
        assert!(!n.passes_on(&net));
        assert!(n.answered(other, &[heads(1, 5)], |_| None));
        assert!(n.passes_on(&other));
    }

    #[test]
    fn wanted_documents_are_named_once() {
        let net = doc(200);
        let mut n = News::default();
        n.want(net, heads(1, 1));
        n.want(net, heads(1, 2));
        assert_eq!(n.take_wanted(&net), vec![heads(1, 2)], "the newest heads");
        assert!(n.take_wanted(&net).is_empty());
    }

    proptest! {
        /// However many announcements name documents, a network's wanted list stays within the
        /// bound and names each document once, at the last heads announced.
        #[test]
        fn wanted_stays_bounded(steps in prop::collection::vec((0u8..2, 0u8..100, any::<u8>()), 0..300)) {
            let mut n = News::default();
            let mut last: HashMap<(u8, u8), u8> = HashMap::new();
            for (net, d, h) in &steps {
                n.want(doc(200 + net), heads(*d, *h));
                last.insert((*net, *d), *h);
            }
            for net in 0..2u8 {
                let w = n.take_wanted(&doc(200 + net));
                prop_assert!(w.len() <= MAX_ANNOUNCED_DOCS);
                let ids: HashSet<DocId> = w.iter().map(|x| x.doc).collect();
                prop_assert_eq!(ids.len(), w.len());
                for x in &w {
                    let d = x.doc.as_bytes()[0];
                    prop_assert_eq!(Some(&x.heads[0]), last.get(&(net, d)));
                }
            }
        }

        /// A `Hello` that names only documents held at those heads owes nothing; one that names a
        /// document held at other heads (or not held) among its first [`MAX_ANNOUNCED_DOCS`] owes.
        #[test]
        fn asked_iff_some_named_news_is_lacked(named in prop::collection::vec((0u8..100, 0u8..3), 0..80)) {
            let mut n = News::default();
            let wanted: Vec<DocHeads> = named.iter().map(|(d, h)| heads(*d, *h)).collect();
            // This node holds every document at heads [0; 8].
            let lacks = n.answered(doc(200), &wanted, |_| Some([0; 8]));
            let expect = wanted.iter().take(MAX_ANNOUNCED_DOCS).any(|w| w.heads != [0; 8]);
            prop_assert_eq!(lacks, expect);
            prop_assert_eq!(n.passes_on(&doc(200)), expect);
        }
    }
}
