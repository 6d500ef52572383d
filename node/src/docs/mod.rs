//! The documents actor: one thread owns the loaded documents and the store; everyone else holds a
//! cloneable [`Docs`] handle and sends it jobs.
//!
//! Jobs run one after another on the actor's thread (sled is synchronous, so storage stays off
//! the async workers). The actor takes every job waiting in its inbox as one batch, runs them,
//! stores all new changes in one durable write (group commit), and only then answers each job.
//! An answer therefore means "done and on disk". If storing fails, the documents are reloaded
//! from the store, so memory never holds what the disk does not.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use automerge::{Automerge, ChangeHash};
use commonground_protocol::ValidationError;
use commonground_protocol::announce;

use commonground_protocol::doc::{self, DocError, DocKind, Header, Schema};
use commonground_protocol::generation::GenRank;
use commonground_protocol::ids::{Day, DocId, GroupId, ItemId};
use commonground_protocol::meeting::MeetingLog;
use commonground_protocol::network::Network;
use commonground_protocol::replica::{
    Judged, Loaded, NotShared, Outbox, Part, Replica, Spread, signed_key,
};
use commonground_protocol::sync::DocHeads;
use commonground_protocol::tally::Tally;
use ed25519_dalek::SigningKey;
use rand::RngCore;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, error, info, warn};

use crate::store::{Append, Store, StoreError};

pub mod federation;
pub mod forget;
pub mod networks;
mod plans;
mod tallies;

/// How many jobs may wait in the actor's inbox before senders wait.
const INBOX: usize = 1024;
/// The most jobs run before one durable write.
const MAX_BATCH: usize = 512;
/// After this many stored changes a document is compacted into one snapshot.
const COMPACT_AFTER: usize = 1000;

/// Why a documents job failed.
#[derive(Debug, Error)]
pub enum DocsError {
    /// A rule refused the input; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// No document (or item) of that id.
    #[error("no {what} `{id}`")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// The id given.
        id: String,
    },
    /// A prefix that names more than one document.
    #[error("`{prefix}` matches more than one {what}; give more of the id")]
    Ambiguous {
        /// What was looked for.
        what: &'static str,
        /// The prefix given.
        prefix: String,
    },
    /// A document that does not match its schema.
    #[error("document {doc} is damaged: {reason}")]
    Damaged {
        /// The document.
        doc: DocId,
        /// What is wrong.
        reason: String,
    },
    /// Storage failed; the change was not kept.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The actor has stopped (the node is shutting down).
    #[error("the node is shutting down")]
    Stopped,
}

impl From<NotShared> for DocsError {
    fn from(e: NotShared) -> Self {
        Self::NotFound {
            what: "shared network",
            id: e.0.to_string(),
        }
    }
}

/// What a job hands back to run once its batch is stored: it receives whether storing worked.
type Done = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// Work for the actor: what to run, and whether it came from a peer (sync, a bundle) rather
/// than from this group's own people (the page, the CLI): their jobs run first.
struct Job {
    remote: bool,
    run: Box<dyn FnOnce(&mut DocSet) -> Done + Send>,
}

/// The loaded documents of this node, as the actor's jobs see them: the replication core
/// (`commonground_protocol::replica::Replica`: the documents, their signed heads, the sync state
/// with every peer, and the rounds) inside the node's shell: the clock, randomness, invites,
/// and the bookkeeping of one batch. The shell reaches the core by its field `replica` (no
/// longer by dereferencing to it: what is the core's and what the shell's shows at each use);
/// code outside the crate reads it by [`DocSet::replica`].
pub struct DocSet {
    /// The replication core.
    pub(crate) replica: Replica,
    /// The time now, in unix seconds: the only clock the actor's jobs read (the system's; the
    /// simulation's own).
    pub(crate) clock: fn() -> i64,
    /// Where new salts come from (the OS; a seeded generator in the simulation, so that its runs
    /// replay).
    pub(crate) rng: Box<dyn RngCore + Send>,
    /// Invites this node issued, by id.
    pub(crate) invites: HashMap<[u8; 16], commonground_protocol::network::IssuedInvite>,
    /// Documents this node's own jobs changed in this batch before any sync round did.
    made_here: HashSet<DocId>,
    /// Set by [`Docs::stop`]: the actor stops after storing the current batch.
    stopping: bool,
    /// Whether this group's roles were checked since start (see `drop_plans_where_aggregator`).
    roles_checked: bool,
    /// Set when a job of the current batch panicked (a bug, or bytes from a peer that a
    /// library could not handle): the batch is rolled back instead of stored.
    poisoned: bool,
    /// Changes in the raw tally's current generation, once counted (see
    /// `shorten_tally_if_due`).
    pub(crate) tally_changes: Option<u64>,
    /// Documents re-issued in this batch only to shorten their history (the raw tally), not
    /// forgotten: their old data is removed without rewriting the store.
    pub(crate) shortened: HashSet<DocId>,
    /// Each plan's flag (`Plan::flag`) at the heads it was found for: finding it runs the
    /// contact-free check over every text of the plan, and lists show every plan.
    plan_flags: std::sync::Mutex<HashMap<DocId, PlanFlag>>,
}

/// A plan's flag and the heads it was found at.
type PlanFlag = (
    Vec<automerge::ChangeHash>,
    Option<commonground_protocol::plan::Flag>,
);

/// The node's [`Spread`]: a round's documents received whole are judged on up to this
/// machine's cores at once, on scoped threads (a cold sync's admission is most of its time).
struct Threads(usize);

impl Spread for Threads {
    fn width(&self) -> usize {
        self.0
    }

    fn run<'a>(&self, parts: Vec<Part<'a>>) -> Vec<(usize, Judged)> {
        std::thread::scope(|s| {
            let running: Vec<_> = parts.into_iter().map(|p| s.spawn(p)).collect();
            running
                .into_iter()
                .flat_map(|t| t.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }
}

/// The time now, in unix seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Today in UTC: the day changes are stamped with.
pub fn today_utc() -> Day {
    day_of(now_unix())
}

/// The day (UTC) of a time in unix seconds.
pub(crate) fn day_of(unix: i64) -> Day {
    Day::from_unix(unix).unwrap_or_else(|_| "2026-01-01".parse().expect("valid day"))
}

fn random_item_id() -> ItemId {
    let mut b = [0u8; 6];
    rand::thread_rng().fill_bytes(&mut b);
    ItemId::from_bytes(b)
}

pub(crate) fn damaged(doc: DocId) -> impl Fn(DocError) -> DocsError {
    move |e| match e {
        DocError::Invalid(v) => DocsError::Invalid(v),
        DocError::Schema(reason) => DocsError::Damaged { doc, reason },
    }
}

impl DocSet {
    /// The time now, in unix seconds (from the set's clock).
    pub(crate) fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Today in UTC, by the set's clock: the day changes are stamped with.
    pub(crate) fn today(&self) -> Day {
        day_of(self.now())
    }

    /// The group this node belongs to.
    pub fn group(&self) -> GroupId {
        self.replica.group
    }

    /// The id of the group's tally document.
    pub fn tally_id(&self) -> DocId {
        DocId::derived(DocKind::Tally.as_str(), &self.replica.group)
    }

    /// The id of the group's meeting log.
    pub fn meetings_id(&self) -> DocId {
        DocId::derived(DocKind::Meetings.as_str(), &self.replica.group)
    }

    pub(crate) fn loaded(&self, id: &DocId, what: &'static str) -> Result<&Loaded, DocsError> {
        self.replica
            .docs
            .get(id)
            .map(|l| &**l)
            .ok_or_else(|| DocsError::NotFound {
                what,
                id: id.to_string(),
            })
    }

    /// Reads a document's body.
    pub fn read<T: Schema>(&self, id: &DocId) -> Result<T, DocsError> {
        let what = T::KIND.as_str();
        doc::read(&self.loaded(id, what)?.doc).map_err(damaged(*id))
    }

    /// A plan's flag at `heads`: kept from the last time it was found at these heads, else
    /// found with `find` (and kept, in place of an older one).
    pub(crate) fn plan_flag(
        &self,
        id: &DocId,
        heads: &[automerge::ChangeHash],
        find: impl FnOnce() -> Option<commonground_protocol::plan::Flag>,
    ) -> Option<commonground_protocol::plan::Flag> {
        let mut flags = self
            .plan_flags
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, flag)) = flags.get(id)
            && at.as_slice() == heads
        {
            return flag.clone();
        }
        let flag = find();
        flags.insert(*id, (heads.to_vec(), flag.clone()));
        flag
    }

    /// The replication core, to read (sync state, agreements).
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// A loaded document, read-only (for measurements and tests).
    pub fn document(&self, id: &DocId) -> Option<&Automerge> {
        self.replica.docs.get(id).map(|l| &l.doc)
    }

    /// A document's header.
    pub fn header(&self, id: &DocId) -> Result<&Header, DocsError> {
        Ok(&self.loaded(id, "document")?.header)
    }

    /// Edits a document's body as this group, today. A refused edit changes nothing.
    pub fn edit<T: Schema, R>(
        &mut self,
        id: &DocId,
        f: impl FnOnce(&mut T) -> Result<R, ValidationError>,
    ) -> Result<R, DocsError> {
        self.edit_based(id, None, |body, _| f(body))
    }

    /// Edits a document's body from a form made at `base` (hex heads): `f` also gets the body
    /// as it was there, so that only what the person changed is written (see
    /// `protocol::text`). A refused edit changes nothing.
    pub fn edit_based<T: Schema, R>(
        &mut self,
        id: &DocId,
        base: Option<&[String]>,
        f: impl FnOnce(&mut T, Option<&doc::Based<'_, T>>) -> Result<R, ValidationError>,
    ) -> Result<R, DocsError> {
        self.check_writer(id)?;
        self.write_based(id, base, f)
    }

    /// [`Self::edit_based`] without the writer check, for the callers that check a narrower
    /// right themselves.
    pub(crate) fn write_based<T: Schema, R>(
        &mut self,
        id: &DocId,
        base: Option<&[String]>,
        f: impl FnOnce(&mut T, Option<&doc::Based<'_, T>>) -> Result<R, ValidationError>,
    ) -> Result<R, DocsError> {
        let (group, today) = (self.replica.group, self.today());
        let loaded = self
            .replica
            .docs
            .get_mut(id)
            .ok_or_else(|| DocsError::NotFound {
                what: T::KIND.as_str(),
                id: id.to_string(),
            })?;
        let (r, hash) =
            doc::edit_based(&mut loaded.doc, &group, today, base, f).map_err(damaged(*id))?;
        if let Some(hash) = hash {
            self.replica.sign(id, &hash);
        }
        Ok(r)
    }

    /// Writes `addrs` as this group's own addresses in every network whose document lists
    /// other addresses for it: the one change a member that is not a coordinator
    /// may make there (see `protocol::auth`). Returns the networks changed.
    pub fn publish_own_addrs(&mut self, addrs: &[String]) -> Result<Vec<DocId>, DocsError> {
        let mut sorted = addrs.to_vec();
        sorted.sort();
        let stale: Vec<DocId> = self
            .replica
            .of_kind(DocKind::Network)
            .map(|(id, _)| *id)
            .filter(|id| {
                self.replica
                    .network(id)
                    .and_then(|n| n.member(&self.replica.group).cloned())
                    .is_some_and(|m| {
                        let mut now = m.addrs;
                        now.sort();
                        now != sorted
                    })
            })
            .collect();
        let group = self.replica.group;
        for id in &stale {
            self.write_based::<Network, _>(id, None, |n, _| n.set_addrs(&group, addrs.to_vec()))?;
        }
        Ok(stale)
    }

    /// Refuses a local edit of a shared document this group may not write: other nodes would
    /// refuse the change, and the document would stop syncing.
    pub(crate) fn check_writer(&self, id: &DocId) -> Result<(), DocsError> {
        let l = self.loaded(id, "document")?;
        // A document in no network never leaves this node: only its own group writes it.
        if !l.header.kind.is_shared() || l.header.network.is_none() {
            return Ok(());
        }
        let network = l.header.network.and_then(|n| self.replica.network(&n));
        let writers = commonground_protocol::auth::writers(&l.header, &l.doc, network.as_ref())
            .map_err(|e| DocsError::Damaged {
                doc: *id,
                reason: e.to_string(),
            })?;
        if writers.contains(&self.replica.group) {
            Ok(())
        } else {
            Err(DocsError::Invalid(ValidationError::NotPermitted {
                reason: match l.header.kind {
                    DocKind::Network => "only the network's coordinators may change it",
                    DocKind::Plan => "only the plan's collaborating groups may change it",
                    _ => "only the group that owns this document may change it",
                }
                .into(),
            }))
        }
    }

    /// Creates a document of `T`'s kind owned by this group.
    pub fn create<T: Schema>(
        &mut self,
        id: DocId,
        network: Option<DocId>,
        body: &T,
    ) -> Result<(), DocsError> {
        let doc =
            doc::create(self.replica.group, network, self.today(), body).map_err(damaged(id))?;
        self.add_new(id, doc)
    }

    /// Keeps a document just created here, signing its first change when it is shared.
    fn add_new(&mut self, id: DocId, doc: Automerge) -> Result<(), DocsError> {
        self.replica.add_local(id, doc).map_err(damaged(id))
    }

    /// The document of `kind` whose id is `text` or starts with it (at least 4 hex digits).
    pub fn resolve(&self, kind: DocKind, text: &str) -> Result<DocId, DocsError> {
        let not_found = || DocsError::NotFound {
            what: kind.as_str(),
            id: text.chars().take(40).collect(),
        };
        if let Ok(id) = text.parse::<DocId>() {
            return match self.replica.docs.get(&id) {
                Some(l) if l.header.kind == kind => Ok(id),
                _ => Err(not_found()),
            };
        }
        if text.len() < 4 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        let text = text.to_ascii_lowercase();
        let mut found = self
            .replica
            .of_kind(kind)
            .map(|(id, _)| *id)
            .filter(|id| id.to_string().starts_with(&text));
        match (found.next(), found.next()) {
            (Some(id), None) => Ok(id),
            (Some(_), Some(_)) => Err(DocsError::Ambiguous {
                what: kind.as_str(),
                prefix: text,
            }),
            (None, _) => Err(not_found()),
        }
    }

    /// Carries this group's edits on the old generations a peer's new ones replaced (left in
    /// the replica's outbox) over to the new ones.
    pub(crate) fn carry_over_superseded(&mut self) {
        for (id, old) in std::mem::take(&mut self.replica.out.superseded) {
            self.carry_over(&id, &old);
        }
    }

    /// Stores every change made since the last call (and pending metadata) in one durable write,
    /// compacts documents whose change count has grown large, and returns the networks whose
    /// documents changed.
    pub(crate) fn persist(&mut self, store: &mut dyn Store) -> Result<Vec<Stored>, StoreError> {
        // Old generations a peer's new one replaced and no job carried over yet (the
        // simulation's steps are not jobs): this group's edits on them go over first.
        self.carry_over_superseded();
        let synced_in = std::mem::take(&mut self.replica.out.synced_in);
        let pushed_in = std::mem::take(&mut self.replica.out.pushed_in);
        let made_here = std::mem::take(&mut self.made_here);
        // A network whose threshold rose: this group's published counts there are re-issued
        // under it (new generations, stored below). Looked at where a network document changed,
        // and in every network once after start.
        if self.roles_checked {
            let changed: Vec<DocId> = self
                .replica
                .docs
                .iter()
                .filter(|(_, l)| {
                    l.header.kind == DocKind::Network && l.doc.get_heads() != l.stored_heads
                })
                .map(|(id, _)| *id)
                .collect();
            for network in changed {
                self.resuppress(Some(network));
            }
        } else {
            self.resuppress(None);
        }
        // A document replaced by a new generation: the old one's data goes first (its signed
        // heads are written again below); the new one is then stored whole, as any new document.
        let replaced = std::mem::take(&mut self.replica.out.replaced);
        for id in &replaced {
            store.remove(id, &[signed_key(id)])?;
        }
        let mut batch = Vec::new();
        let mut network_changed = false;
        // What this node announces: all but what only sync rounds or pushes brought in (a
        // re-issue or an import is this node's news).
        let announces = |id: &DocId| {
            made_here.contains(id) || !(synced_in.contains(id) || pushed_in.contains(id))
        };
        // The new changes of documents held before, as an announcement may push them.
        let mut pushes: HashMap<DocId, announce::Pushed> = HashMap::new();
        for (id, l) in &self.replica.docs {
            let heads = l.doc.get_heads();
            if heads != l.stored_heads {
                network_changed |= l.header.kind == DocKind::Network;
                // A document stored the first time goes whole, as saved: cheaper than its
                // changes one by one (Automerge 0.12 rebuilds each from its operations), and
                // loaded alike. Nothing of it is pushed.
                if l.stored_heads.is_empty() {
                    batch.push(Append {
                        doc: *id,
                        changes: vec![l.doc.save()],
                    });
                    continue;
                }
                let changes = l.doc.get_changes(&l.stored_heads);
                let pushable = announces(id)
                    && !replaced.contains(id)
                    && announce::Class::of(l.header.kind).is_some();
                if pushable {
                    let hashes: Vec<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
                    let raw: Vec<&[u8]> = changes.iter().map(|c| c.raw_bytes()).collect();
                    if let Some(p) = announce::Pushed::of(*id, &heads, &raw, &hashes, &l.signed) {
                        pushes.insert(*id, p);
                    }
                }
                let changes = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
                batch.push(Append { doc: *id, changes });
            }
        }
        let dropped = self.drop_plans_where_aggregator(network_changed);
        for id in &dropped {
            store.remove(id, &[signed_key(id)])?;
            info!(doc = %id, "deleted a plan: this group is an aggregator of its network");
        }
        batch.retain(|a| !dropped.contains(&a.doc));
        if batch.is_empty() && self.replica.out.meta_writes.is_empty() && replaced.is_empty() {
            return Ok(Vec::new());
        }
        store.append(&batch, &self.replica.out.meta_writes)?;
        self.replica.out.meta_writes.clear();
        let shortened = std::mem::take(&mut self.shortened);
        if replaced.iter().any(|id| !shortened.contains(id)) {
            // The store keeps removed values in its log until it rewrites it: rewrite it now, so
            // that the forgotten text is gone from the data directory, not only unreachable.
            store.scrub()?;
            info!(
                documents = replaced.len(),
                "old generations removed from disk"
            );
        }
        // Per network: what changed, and of it what to announce (`announces`).
        let mut networks: BTreeMap<DocId, Stored> = BTreeMap::new();
        for network in self.replica.out.touched.drain(..) {
            networks
                .entry(network)
                .or_insert_with(|| Stored::new(network));
        }
        for a in &batch {
            let Some(l) = self.replica.docs.get(&a.doc) else {
                continue;
            };
            let Some(network) = l.header.network else {
                continue;
            };
            let entry = networks
                .entry(network)
                .or_insert_with(|| Stored::new(network));
            let heads = DocHeads {
                doc: a.doc,
                heads: commonground_protocol::sync::heads_hash(&l.doc.get_heads()),
                generation: l.rank,
            };
            if announces(&a.doc) {
                entry.made_here.push(announce::Changed {
                    heads,
                    kind: l.header.kind,
                    push: pushes.remove(&a.doc),
                });
            } else if synced_in.contains(&a.doc) && self.replica.news.passes_on(&network) {
                entry.synced.push(announce::Changed {
                    heads,
                    kind: l.header.kind,
                    push: None,
                });
            }
        }
        for (network, stored) in &networks {
            if !stored.synced.is_empty() {
                self.replica.news.passed_on(network);
            }
        }
        for a in batch {
            if let Some(l) = self.replica.docs.get_mut(&a.doc) {
                l.stored_heads = l.doc.get_heads();
                l.stored_changes += a.changes.len();
                if l.stored_changes >= COMPACT_AFTER {
                    // The changes are already durable; a failed compaction only costs space.
                    match store.compact(&a.doc, &l.doc.save()) {
                        Ok(()) => l.stored_changes = 0,
                        Err(e) => warn!(doc = %a.doc, error = %e, "compaction failed"),
                    }
                }
            }
        }
        Ok(networks.into_values().collect())
    }

    /// Notes the documents changed so far in this batch as changed here: runs before the
    /// batch's first sync round when this node's own jobs ran before it.
    fn note_made_here(&mut self) {
        let changed = self
            .replica
            .docs
            .iter()
            .filter(|(_, l)| l.doc.get_heads() != l.stored_heads)
            .map(|(id, _)| *id)
            .collect::<Vec<_>>();
        self.made_here.extend(changed);
    }

    /// An aggregator never keeps a plan: where this group's role in a network is aggregator
    /// (a member made one later), that network's plans leave memory; returns them, for the
    /// store to delete. Runs when a network document changed (`network_changed`), and once
    /// after start.
    fn drop_plans_where_aggregator(&mut self, network_changed: bool) -> Vec<DocId> {
        use commonground_protocol::network::Role;
        if !network_changed && self.roles_checked {
            return Vec::new();
        }
        self.roles_checked = true;
        let networks: Vec<DocId> = self
            .replica
            .of_kind(DocKind::Network)
            .map(|(id, _)| *id)
            .collect();
        let aggregator_in: Vec<DocId> = networks
            .into_iter()
            .filter(|id| {
                self.replica
                    .network(id)
                    .and_then(|n| n.role(&self.replica.group))
                    == Some(Role::Aggregator)
            })
            .collect();
        let plans: Vec<DocId> = self
            .replica
            .docs
            .iter()
            .filter(|(_, l)| {
                l.header.kind == DocKind::Plan
                    && l.header.network.is_some_and(|n| aggregator_in.contains(&n))
            })
            .map(|(id, _)| *id)
            .collect();
        for p in &plans {
            self.replica.docs.remove(p);
        }
        plans
    }

    /// Loads every stored document and the sync metadata, makes sure the group's own documents
    /// exist, and stores what that created: the documents as the actor starts with them (and as
    /// the simulation restarts a crashed node).
    pub(crate) fn open(
        store: &mut dyn Store,
        key: SigningKey,
        clock: fn() -> i64,
        rng: Box<dyn RngCore + Send>,
    ) -> Result<Self, DocsError> {
        let group = GroupId::from_public_key(key.verifying_key().to_bytes())
            .map_err(|e| DocsError::Store(StoreError::Io(e.to_string())))?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut set = DocSet {
            replica: Replica::new(group, key, Box::new(Threads(threads))),
            clock,
            rng,
            invites: HashMap::new(),
            made_here: HashSet::new(),
            stopping: false,
            roles_checked: false,
            poisoned: false,
            tally_changes: None,
            shortened: HashSet::new(),
            plan_flags: std::sync::Mutex::default(),
        };
        networks::load_meta(&mut set, store)?;
        for id in store.doc_ids()? {
            match DocSet::load_one(store, &id)? {
                Some(l) => {
                    set.replica.docs.insert(id, Box::new(l));
                }
                None => warn!(doc = %id, "listed document has no data"),
            }
        }
        if !set.replica.docs.contains_key(&set.tally_id()) {
            set.create(set.tally_id(), None, &Tally::default())?;
        }
        if !set.replica.docs.contains_key(&set.meetings_id()) {
            set.create(set.meetings_id(), None, &MeetingLog::default())?;
        }
        // A raw tally with a long history (from before tallies were re-issued) is shortened
        // now: loading it was the slow part of this start, and each increment would be too.
        set.shorten_tally_if_due();
        set.persist(store)?;
        Ok(set)
    }

    /// Loads one document from the store.
    pub(crate) fn load_one(store: &dyn Store, id: &DocId) -> Result<Option<Loaded>, StoreError> {
        let Some(stored) = store.load(id)? else {
            return Ok(None);
        };
        let corrupt = |reason: String| StoreError::Corrupt { doc: *id, reason };
        let mut doc = match &stored.snapshot {
            Some(s) => Automerge::load(s).map_err(|e| corrupt(e.to_string()))?,
            None => Automerge::new(),
        };
        for c in &stored.changes {
            doc.load_incremental(c)
                .map_err(|e| corrupt(e.to_string()))?;
        }
        let header = doc::header(&doc).map_err(|e| corrupt(e.to_string()))?;
        let signed = match store.meta(&signed_key(id))? {
            Some(bytes) => ciborium::from_reader(&bytes[..]).unwrap_or_else(|e| {
                warn!(doc = %id, error = %e, "unreadable signed heads; they come again with sync");
                Vec::new()
            }),
            None => Vec::new(),
        };
        Ok(Some(Loaded {
            rank: GenRank::of(&doc, &header),
            stored_heads: doc.get_heads(),
            stored_changes: stored.changes.len(),
            doc,
            header,
            signed,
        }))
    }

    /// Drops what the current batch changed and did not store: what is not on disk is what
    /// differs from the stored heads (documents created in this batch have none), so
    /// reloading those drops exactly that.
    fn roll_back(&mut self, store: &dyn Store) {
        let touched: Vec<DocId> = self
            .replica
            .docs
            .iter()
            .filter(|(_, l)| l.doc.get_heads() != l.stored_heads)
            .map(|(id, _)| *id)
            .collect();
        self.reload(store, &touched);
        self.replica.out = Outbox::default();
        self.made_here.clear();
        self.shortened.clear();
        self.tally_changes = None;
        self.replica.clear_network_cache();
    }

    /// Drops unstored changes by reloading the given documents from the store.
    fn reload(&mut self, store: &dyn Store, ids: &[DocId]) {
        for id in ids {
            match Self::load_one(store, id) {
                Ok(Some(l)) => {
                    self.replica.docs.insert(*id, Box::new(l));
                }
                Ok(None) => {
                    self.replica.docs.remove(id);
                }
                Err(e) => {
                    // The store cannot be read (its disk failed, and it could not be opened
                    // again): what it holds is the document at its stored heads, so that is
                    // what stays, from the copy in memory; a document not stored at all goes.
                    error!(doc = %id, error = %e, "reloading a document failed; rolled back in memory");
                    let Some(l) = self.replica.docs.get_mut(id) else {
                        continue;
                    };
                    if l.stored_heads.is_empty() {
                        self.replica.docs.remove(id);
                        continue;
                    }
                    match l.doc.fork_at(&l.stored_heads) {
                        Ok(doc) => l.doc = doc,
                        Err(e) => {
                            error!(doc = %id, error = %e, "cannot roll a document back; it leaves memory");
                            self.replica.docs.remove(id);
                        }
                    }
                }
            }
        }
    }
}

/// A handle to the documents actor. Cheap to clone; every method waits until its work is stored.
#[derive(Clone)]
pub struct Docs {
    tx: mpsc::Sender<Job>,
    group: GroupId,
    changes: tokio::sync::broadcast::Sender<Stored>,
    /// The store's failure after the last batch (a full or read-only disk), until a write works.
    failing: Arc<Mutex<Option<StoreError>>>,
}

/// What one stored batch changed in one network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The network.
    pub network: DocId,
    /// The documents changed on this node (by its people, an import or a re-issue) with their
    /// new heads and kinds, and their new changes when small: what it announces. Changes that
    /// only sync or a push brought in are not here.
    pub made_here: Vec<announce::Changed>,
    /// The documents only sync rounds changed, with their new heads and kinds: passed on as an
    /// announcement (a member that heard the first one only through a neighbour may have pulled
    /// from it too early), but they start no session. Documents only pushes changed are in
    /// neither list (gossip spread them to every member already).
    pub synced: Vec<announce::Changed>,
}

impl Stored {
    fn new(network: DocId) -> Self {
        Self {
            network,
            made_here: Vec::new(),
            synced: Vec::new(),
        }
    }
}

/// The documents actor's thread, to join at shutdown.
pub struct DocsThread(JoinHandle<()>);

impl DocsThread {
    /// Waits until the actor has stored its last batch and stopped. It stops once every
    /// [`Docs`] handle is dropped, or after [`Docs::stop`].
    pub fn join(self) {
        if self.0.join().is_err() {
            error!("the documents actor panicked");
        }
    }
}

/// Loads every stored document, makes sure the group's own documents exist, and starts the actor.
pub fn start(mut store: Box<dyn Store>, key: SigningKey) -> Result<(Docs, DocsThread), DocsError> {
    let set = DocSet::open(store.as_mut(), key, now_unix, Box::new(rand::rngs::OsRng))?;
    let group = set.replica.group;
    info!(docs = set.replica.docs.len(), "documents loaded");
    let (tx, rx) = mpsc::channel(INBOX);
    let (changes, _) = tokio::sync::broadcast::channel(256);
    let notify = changes.clone();
    let failing = Arc::new(Mutex::new(store.failing()));
    let failed = failing.clone();
    let thread = std::thread::Builder::new()
        .name("docs".into())
        .spawn(move || {
            // Should the actor die anyway (a panic outside any job: storing, reloading), the
            // node cannot work on: it exits non-zero rather than answer 503 for ever.
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run(set, store, rx, notify, &failed);
            }))
            .is_err()
            {
                error!("the documents actor died; the node exits");
                std::process::exit(70);
            }
        })
        .map_err(|e| DocsError::Store(StoreError::Io(e.to_string())))?;
    Ok((
        Docs {
            tx,
            group,
            changes,
            failing,
        },
        DocsThread(thread),
    ))
}

fn run(
    mut set: DocSet,
    mut store: Box<dyn Store>,
    mut rx: mpsc::Receiver<Job>,
    notify: tokio::sync::broadcast::Sender<Stored>,
    failing: &Mutex<Option<StoreError>>,
) {
    let span = tracing::info_span!("docs", group = %set.replica.group.short());
    let _enter = span.enter();
    // Jobs waiting, this group's own first: an organiser's increment does not wait behind
    // peers' sync rounds or a bundle's import. Bounded: taken from the channel only while
    // fewer than two channels' worth wait here.
    let (mut local, mut remote) = (VecDeque::new(), VecDeque::new());
    loop {
        if local.is_empty() && remote.is_empty() {
            match rx.blocking_recv() {
                Some(j) => queue(j, &mut local, &mut remote),
                None => break,
            }
        }
        while local.len() + remote.len() < 2 * INBOX {
            match rx.try_recv() {
                Ok(j) => queue(j, &mut local, &mut remote),
                Err(_) => break,
            }
        }
        let mut jobs = Vec::new();
        while jobs.len() < MAX_BATCH {
            match local.pop_front().or_else(|| remote.pop_front()) {
                Some(j) => jobs.push(j),
                None => break,
            }
        }
        // Jobs of this group's own come first: what they changed is noted before the first
        // sync round, so that a document changed by both is still announced.
        let mut local_ran = false;
        let dones: Vec<Done> = jobs
            .into_iter()
            .map(|job| {
                if job.remote && local_ran {
                    set.note_made_here();
                    local_ran = false;
                }
                local_ran |= !job.remote;
                (job.run)(&mut set)
            })
            .collect();
        let result = if set.poisoned {
            set.poisoned = false;
            set.roll_back(store.as_ref());
            Err(StoreError::Io(
                "another change in the same batch failed with an internal error; nothing of this batch was kept".into(),
            ))
        } else {
            set.persist(store.as_mut())
        };
        match &result {
            Ok(networks) => {
                for n in networks {
                    // Nobody listening (no network running) is fine.
                    let _ = notify.send(n.clone());
                }
                debug!(jobs = dones.len(), "batch done");
            }
            Err(e) => {
                error!(error = %e, "storing a batch failed; dropping its changes");
                // A disk that failed may be usable again at once (a read-only remount undone):
                // the store is opened again before its documents are read back.
                let _ = store.recover();
                set.roll_back(store.as_ref());
            }
        }
        *failing.lock().unwrap_or_else(|e| e.into_inner()) = store.failing();
        let stored = result.map(|_| ());
        for done in dones {
            done(stored.clone());
        }
        if set.stopping {
            break;
        }
    }
    info!("documents actor stopped");
}

fn queue(job: Job, local: &mut VecDeque<Job>, remote: &mut VecDeque<Job>) {
    if job.remote {
        remote.push_back(job);
    } else {
        local.push_back(job);
    }
}

impl Docs {
    /// The group this node belongs to.
    pub fn group(&self) -> GroupId {
        self.group
    }

    /// The time now, in unix seconds, by the node's clock (the one its documents actor reads,
    /// given to it in [`start`]): for what the node shows and decides outside the actor (the
    /// page's month, an invite's expiry).
    pub fn now(&self) -> i64 {
        now_unix()
    }

    /// Why the store cannot be written now (a full or read-only disk), if it cannot: set when
    /// a batch fails to be stored, cleared when one is stored again.
    pub fn storage_failing(&self) -> Option<StoreError> {
        self.failing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Today in UTC, by the node's clock.
    pub fn today(&self) -> Day {
        day_of(self.now())
    }

    /// Stops the actor once everything sent before is stored; later calls on any handle fail
    /// with [`DocsError::Stopped`].
    pub async fn stop(&self) {
        let _ = self
            .run(|set| {
                set.stopping = true;
                Ok(())
            })
            .await;
    }

    /// Networks whose documents changed (locally or by sync), as they are stored.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Stored> {
        self.changes.subscribe()
    }

    /// Runs `f` on the actor and returns its result once whatever it changed is stored. Not
    /// public: callers outside the node use the typed jobs (tools and benchmarks: the test kit's
    /// [`crate::testkit::Jobs`], behind the `testkit` feature).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DocSet) -> Result<T, DocsError> + Send + 'static,
    ) -> Result<T, DocsError> {
        self.run_as(false, f).await
    }

    /// As [`Docs::run`], for work that comes from a peer (a sync round, a bundle): it waits
    /// behind this group's own.
    pub(crate) async fn run_remote<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DocSet) -> Result<T, DocsError> + Send + 'static,
    ) -> Result<T, DocsError> {
        self.run_as(true, f).await
    }

    async fn run_as<T: Send + 'static>(
        &self,
        remote: bool,
        f: impl FnOnce(&mut DocSet) -> Result<T, DocsError> + Send + 'static,
    ) -> Result<T, DocsError> {
        let (tx, rx) = oneshot::channel();
        let run: Box<dyn FnOnce(&mut DocSet) -> Done + Send> = Box::new(move |set| {
            // A panic (a bug, or a peer's bytes a library cannot handle: Automerge may panic
            // on them) fails this call and rolls its batch back; the actor and the node stay
            // up.
            // This group's edits on an old generation a peer's new one replaced are carried
            // over at the end of the job that took it, under the same guard (and before a later
            // job of the batch could replace it again).
            let result = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let r = f(set);
                set.carry_over_superseded();
                r
            })) {
                Ok(r) => r,
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    error!(panic = %what, "a job of the documents actor panicked; its batch is rolled back");
                    set.poisoned = true;
                    Err(DocsError::Store(StoreError::Io(
                        "an internal error stopped this change; nothing of it was kept".into(),
                    )))
                }
            };
            Box::new(move |stored| {
                let _ = tx.send(match (result, stored) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => Err(DocsError::Store(e)),
                    (Ok(v), Ok(())) => Ok(v),
                });
            })
        });
        self.tx
            .send(Job { remote, run })
            .await
            .map_err(|_| DocsError::Stopped)?;
        rx.await.map_err(|_| DocsError::Stopped)?
    }

    /// Says in every network's document where this node can be reached now, where that
    /// changed (see [`DocSet::publish_own_addrs`]); an empty list is never written.
    pub async fn publish_own_addrs(&self, addrs: Vec<String>) -> Result<Vec<DocId>, DocsError> {
        if addrs.is_empty() {
            return Ok(Vec::new());
        }
        self.run(move |set| set.publish_own_addrs(&addrs)).await
    }

    /// The number of loaded documents per kind.
    pub async fn counts(&self) -> Result<BTreeMap<String, usize>, DocsError> {
        self.run(|set| {
            let mut m = BTreeMap::new();
            for l in set.replica.docs.values() {
                *m.entry(l.header.kind.to_string()).or_default() += 1;
            }
            Ok(m)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SledStore;
    use commonground_protocol::ids::Period;
    use commonground_protocol::meeting::NewMeeting;
    use commonground_protocol::plan::NewPlan;
    use commonground_protocol::tally::{self, Increment};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[5; 32])
    }

    fn open(dir: &std::path::Path) -> (Docs, DocsThread) {
        start(Box::new(SledStore::open(dir).unwrap()), key()).unwrap()
    }

    /// Stops the actor (its handle dropped, its thread joined) and opens the store again.
    async fn restart(dir: &std::path::Path, docs: Docs, thread: DocsThread) -> (Docs, DocsThread) {
        drop(docs);
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .unwrap();
        open(dir)
    }

    #[tokio::test]
    async fn tallies_and_plans_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let nov: Period = "2026-11".parse().unwrap();
        let plan_id;
        let (docs, _thread) = {
            let (docs, thread) = open(dir.path());
            assert_eq!(docs.tally_add("housing".into(), 3, nov).await.unwrap(), 3);
            assert_eq!(docs.tally_add("housing".into(), 2, nov).await.unwrap(), 5);
            let plan = docs
                .new_plan(
                    NewPlan {
                        title: "Legal aid for all".into(),
                        ..Default::default()
                    },
                    None,
                )
                .await
                .unwrap();
            plan_id = plan.id;
            restart(dir.path(), docs, thread).await
        };
        let view = docs.tally(nov).await.unwrap();
        assert_eq!(view.total, 5);
        let plan = docs
            .plan(plan_id.to_string()[..6].to_string())
            .await
            .unwrap();
        assert_eq!(plan.title, "Legal aid for all");
    }

    #[tokio::test]
    async fn refused_input_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (docs, _thread) = open(dir.path());
        let nov: Period = "2026-11".parse().unwrap();
        let heads = || {
            let docs = docs.clone();
            async move {
                docs.run(|set| {
                    Ok(set
                        .replica
                        .docs
                        .values()
                        .map(|l| l.doc.get_heads())
                        .collect::<Vec<_>>())
                })
                .await
                .unwrap()
            }
        };
        let before = heads().await;
        assert!(matches!(
            docs.tally_add("housng".into(), 1, nov).await,
            Err(DocsError::Invalid(ValidationError::UnknownIssue { .. }))
        ));
        assert!(docs.tally_add("housing".into(), 10_001, nov).await.is_err());
        let bad_meeting = NewMeeting {
            date: "2026-11-20".parse().unwrap(),
            kind: commonground_protocol::meeting::MeetingKind::Weekly,
            attendees: 5,
            issues: [("housing".to_string(), 2)].into(),
            decisions: vec!["email jo@example.org".into()],
        };
        assert!(docs.record_meeting(bad_meeting).await.is_err());
        assert!(matches!(
            docs.plan("abcd".into()).await,
            Err(DocsError::NotFound { .. })
        ));
        assert_eq!(heads().await, before);
    }

    /// A store whose appends fail while `fail` is set, and that counts its scrubs.
    struct Flaky {
        inner: SledStore,
        fail: std::sync::Arc<std::sync::atomic::AtomicBool>,
        scrubs: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Store for Flaky {
        fn doc_ids(&self) -> Result<Vec<DocId>, StoreError> {
            self.inner.doc_ids()
        }
        fn load(&self, doc: &DocId) -> Result<Option<crate::store::StoredDoc>, StoreError> {
            self.inner.load(doc)
        }
        fn append(
            &mut self,
            batch: &[Append],
            meta: &[(String, Vec<u8>)],
        ) -> Result<(), StoreError> {
            if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(StoreError::Io("disk full (test)".into()));
            }
            self.inner.append(batch, meta)
        }
        fn compact(&mut self, doc: &DocId, snapshot: &[u8]) -> Result<(), StoreError> {
            self.inner.compact(doc, snapshot)
        }
        fn remove(&mut self, doc: &DocId, meta_keys: &[String]) -> Result<(), StoreError> {
            self.inner.remove(doc, meta_keys)
        }
        fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            self.inner.meta(key)
        }
        fn set_meta(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
            self.inner.set_meta(key, value)
        }
        fn meta_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
            self.inner.meta_scan(prefix)
        }
        fn scrub(&mut self) -> Result<(), StoreError> {
            self.scrubs
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.inner.scrub()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn this_groups_own_work_runs_before_peers_work_that_waits() {
        let dir = tempfile::tempdir().unwrap();
        let (docs, _thread) = open(dir.path());
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        // Hold the actor busy until the queue is filled.
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let busy = {
            let docs = docs.clone();
            tokio::spawn(async move {
                docs.run(move |_| {
                    let _ = started_tx.send(());
                    let _ = hold.recv();
                    Ok(())
                })
                .await
            })
        };
        started.await.unwrap();
        let mut waiting = Vec::new();
        for i in 0..20 {
            let (docs, order) = (docs.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                docs.run_remote(move |_| {
                    order.lock().unwrap().push(format!("peer {i}"));
                    Ok(())
                })
                .await
            }));
        }
        // Every peer job is queued before the organiser's.
        wait_for(|| docs.tx.capacity() == INBOX - 20).await;
        let mine = {
            let (docs, order) = (docs.clone(), order.clone());
            tokio::spawn(async move {
                docs.run(move |_| {
                    order.lock().unwrap().push("organiser".into());
                    Ok(())
                })
                .await
            })
        };
        wait_for(|| docs.tx.capacity() == INBOX - 21).await;
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        mine.await.unwrap().unwrap();
        for w in waiting {
            w.await.unwrap().unwrap();
        }
        let order = order.lock().unwrap();
        assert_eq!(order.len(), 21);
        assert_eq!(order[0], "organiser", "{order:?}");
    }

    /// Waits (checking every millisecond, for at most 10 s) until `done` holds: the kit's wait.
    async fn wait_for(done: impl Fn() -> bool) {
        crate::testkit::try_wait_every(
            "the jobs to queue",
            std::time::Duration::from_secs(10),
            std::time::Duration::from_millis(1),
            || {
                let holds = done();
                async move { holds.then_some(()) }
            },
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_leaves_nothing_half_made() {
        let dir = tempfile::tempdir().unwrap();
        let (docs, _thread) = open(dir.path());
        let nov: Period = "2026-11".parse().unwrap();
        docs.tally_add("housing".into(), 2, nov).await.unwrap();
        // A job that changes a document and then panics half-way, as Automerge may on a
        // peer's bytes.
        let failed = docs
            .run(move |set| {
                set.add_to_tally(|_| {
                    Ok(vec![Increment {
                        issue: "housing".parse().unwrap(),
                        count: 40,
                        period: nov,
                    }])
                })
                .unwrap();
                panic!("a library gave up on these bytes");
                #[allow(unreachable_code)]
                Ok(())
            })
            .await;
        assert!(matches!(failed, Err(DocsError::Store(_))), "{failed:?}");
        // The actor is up, and the half-made change is gone.
        assert_eq!(docs.tally_add("housing".into(), 1, nov).await.unwrap(), 3);
        let view = docs.tally(nov).await.unwrap();
        assert_eq!(view.total, 3, "{view:?}");
    }

    #[tokio::test]
    async fn a_failed_write_is_reported_and_leaves_nothing_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let fail = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let store = Flaky {
            inner: SledStore::open(dir.path()).unwrap(),
            fail: fail.clone(),
            scrubs: Default::default(),
        };
        let (docs, _thread) = start(Box::new(store), key()).unwrap();
        let nov: Period = "2026-11".parse().unwrap();
        docs.tally_add("housing".into(), 2, nov).await.unwrap();
        fail.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(matches!(
            docs.tally_add("housing".into(), 5, nov).await,
            Err(DocsError::Store(_))
        ));
        let new_plan = docs
            .new_plan(
                NewPlan {
                    title: "Lost".into(),
                    ..Default::default()
                },
                None,
            )
            .await;
        assert!(matches!(new_plan, Err(DocsError::Store(_))));
        fail.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(
            docs.tally(nov).await.unwrap().total,
            2,
            "the unstored increment is gone"
        );
        assert!(
            docs.plans().await.unwrap().is_empty(),
            "the unstored plan is gone"
        );
        assert_eq!(docs.tally_add("housing".into(), 1, nov).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn a_meeting_record_feeds_the_tally() {
        let dir = tempfile::tempdir().unwrap();
        let (docs, _thread) = open(dir.path());
        docs.record_meeting(NewMeeting {
            date: "2026-10-02".parse().unwrap(),
            kind: commonground_protocol::meeting::MeetingKind::Weekly,
            attendees: 12,
            issues: [("housing".to_string(), 4), ("detention".to_string(), 1)].into(),
            decisions: vec![],
        })
        .await
        .unwrap();
        let view = docs.tally("2026-10".parse().unwrap()).await.unwrap();
        assert_eq!(view.total, 5);
        assert_eq!(docs.meetings().await.unwrap()[0].attendees, 12);
    }

    /// A node on the store at `dir` that counts its scrubs.
    fn counting_scrubs(
        dir: &std::path::Path,
    ) -> (
        Docs,
        DocsThread,
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) {
        let scrubs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let store = Flaky {
            inner: SledStore::open(dir).unwrap(),
            fail: Default::default(),
            scrubs: scrubs.clone(),
        };
        let (docs, thread) = start(Box::new(store), key()).unwrap();
        (docs, thread, scrubs)
    }

    /// The raw tally is re-issued without its history once its generation is long (its
    /// increments, and its loading at start, cost in proportion to it): the counts stay, the
    /// store is not rewritten for it (not a forget), and they survive a restart.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_raw_tally_is_reissued_without_its_history_and_its_counts_stay() {
        let dir = tempfile::tempdir().unwrap();
        let (docs, thread, scrubs) = counting_scrubs(dir.path());
        let nov: Period = "2026-11".parse().unwrap();
        let n = tally::REISSUE_AFTER as i64 + 40;
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let docs = docs.clone();
                let issue = if i % 2 == 0 { "housing" } else { "health" };
                tokio::spawn(async move { docs.tally_add(issue.into(), 1, nov).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let (generation, changes) = docs
            .run(|set| {
                let l = set.loaded(&set.tally_id(), "tally")?;
                Ok((l.header.generation.n, tally::changes_in_generation(&l.doc)))
            })
            .await
            .unwrap();
        assert!(generation >= 1, "generation {generation}");
        assert!(changes < tally::REISSUE_AFTER, "{changes} changes");
        assert_eq!(docs.tally(nov).await.unwrap().total, n);
        assert_eq!(
            scrubs.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "shortening is not a forget"
        );
        let (docs, _thread) = restart(dir.path(), docs, thread).await;
        let view = docs.tally(nov).await.unwrap();
        assert_eq!(view.total, n);
        assert_eq!(
            docs.tally_add("housing".into(), 1, nov).await.unwrap(),
            n / 2 + 1
        );
    }

    /// A raw tally forgotten and then, in the same batch, shortened: the store is still
    /// rewritten, as a forget promises.
    #[tokio::test]
    async fn a_tally_forgotten_and_shortened_in_one_batch_still_leaves_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let (docs, _thread, scrubs) = counting_scrubs(dir.path());
        let nov: Period = "2026-11".parse().unwrap();
        let generation = docs
            .run(move |set| {
                let id = set.tally_id();
                set.forget(&id)?;
                // As if the forgotten generation had been long: due at the next increment.
                set.tally_changes = Some(tally::REISSUE_AFTER);
                set.add_to_tally(|c| Ok(vec![Increment::check(c, "housing", 2, nov)?]))?;
                Ok(set.loaded(&id, "tally")?.header.generation.n)
            })
            .await
            .unwrap();
        assert_eq!(generation, 2, "forgotten, then shortened");
        assert_eq!(scrubs.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(docs.tally(nov).await.unwrap().total, 2);
    }

    #[tokio::test]
    async fn many_concurrent_increments_are_all_counted() {
        let dir = tempfile::tempdir().unwrap();
        let (docs, _thread) = open(dir.path());
        let nov: Period = "2026-11".parse().unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let docs = docs.clone();
                tokio::spawn(async move { docs.tally_add("health".into(), 1, nov).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(docs.tally(nov).await.unwrap().total, 200);
    }
}
