//! Changes pushed with an announcement (PROTOCOL.md §9b): taken at once when they build on what
//! this node holds and pass every rule; otherwise left for the pull.

use tracing::debug;

use super::news::Lacked;
use super::{Loaded, Replica, Untaken};
use crate::announce;
use crate::generation::GenRank;
use crate::ids::{DocId, GroupId};
use crate::inflate;
use crate::sync as wire;

impl Replica {
    /// Takes an announcement heard on `class`'s topic: the documents it names that differ here
    /// are news to pull (`news`), and changes pushed with it that build on what this node
    /// holds are applied at once. Returns whether there is news to pull. A push that cannot be
    /// applied here (its changes build on ones this node lacks, or a rule refuses them) is left
    /// for the pull, whose session applies every rule again and scores a peer that sends
    /// forbidden changes. What it names that this node lacks is noted, to be checked again by
    /// [`Self::recheck`] when a session running now ends.
    pub fn take_announced(&mut self, class: announce::Class, a: &announce::Announcement) -> bool {
        let mut news = false;
        for d in &a.docs {
            let mine = self.docs.get(&d.doc).map(Box::as_ref);
            if !announce::differs(d, mine.map(|l| wire::heads_hash(&l.doc.get_heads()))) {
                continue;
            }
            let push = a.pushed.iter().find(|p| p.doc == d.doc);
            let lacked = match push {
                Some(p) => Lacked::Heads(p.head_hashes()),
                None => Lacked::Hash(*d),
            };
            if let (Some(_), Some(push)) = (mine, push) {
                if !still_lacked(&lacked, mine) {
                    continue;
                }
                if let Err(why) = self.apply_push(class, a.network, d.generation, push) {
                    debug!(doc = %d.doc, why, "a pushed change left for the pull");
                }
            }
            // Applied or not, what the announcer holds and this node still lacks is pulled.
            if still_lacked(&lacked, self.docs.get(&d.doc).map(Box::as_ref)) {
                news = true;
                self.news.want(a.network, *d);
                self.news.lacked(a.network, d.doc, lacked);
            }
        }
        news
    }

    /// Whether something is left to sync with `peer` for `network` once a session (or a `Hello`
    /// of the peer's) is over: this node still lacks something announcements of `network` named
    /// when they were heard (the session may have brought it), forgetting what they named: a pushed
    /// document's heads not all held, or a document announced by its heads hash held with
    /// another or not at all.
    ///
    /// With `owed`, also whether this node holds documents of `network` the peer may read whose
    /// heads differ from what it last agreed with `peer` (a change stored while a session ran,
    /// whose notice came after the session's `Hello` was sent, is in the agreement; one stored
    /// after is not).
    pub fn recheck(&mut self, peer: &GroupId, network: &DocId, owed: bool) -> bool {
        let heard = self.news.take_lacked(network);
        (owed && self.owes(peer, network))
            || heard.more
            || heard
                .docs
                .iter()
                .any(|(doc, lacked)| still_lacked(lacked, self.docs.get(doc).map(Box::as_ref)))
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
                Untaken::Lacks(_) => "they build on changes this node lacks".into(),
                Untaken::Refused((_, why)) => why,
            })?;
        self.out.pushed_in.insert(id);
        self.keep(id, keep.0, keep.1);
        Ok(())
    }
}

/// Whether this node, holding `mine` of a document, still lacks what an announcement named of
/// it: some pushed head, or the announced heads hash.
fn still_lacked(lacked: &Lacked, mine: Option<&Loaded>) -> bool {
    match lacked {
        Lacked::Heads(heads) => mine.is_none_or(|l| {
            announce::still_lacks(heads, |h| l.doc.get_change_meta_by_hash(h).is_some())
        }),
        Lacked::Hash(d) => announce::differs(d, mine.map(|l| wire::heads_hash(&l.doc.get_heads()))),
    }
}
