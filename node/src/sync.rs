//! The sync engine: runs sessions as the initiator, answers peers' requests, and announces this
//! node's changes; when to do which is decided by `protocol::schedule` (a change made here is
//! announced and members pull it; a member connecting, or the slow timer, opens a catch-up; a
//! session with nothing to do costs one small round trip).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use commonground_protocol::announce;
use commonground_protocol::schedule::{self, Action, Event, Member, Scheduler};

use commonground_protocol::ids::{DocId, GroupId};
use commonground_protocol::sync::{self as wire, Request, Response};
use thiserror::Error;
use tokio::sync::{Semaphore, broadcast, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info, warn};

use crate::docs::{Docs, DocsError, Stored};
use crate::net::refusals::{Line, Refusals};
use crate::net::{Net, NetError, NetEvent};
use commonground_protocol::replica::{Answered, Initiator, SessionError, Step};

/// How many inbound requests are answered at once.
const INBOUND: usize = 32;

/// Why a session failed.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The peer could not be reached.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The documents actor failed.
    #[error(transparent)]
    Docs(#[from] DocsError),
    /// The session's exchange failed: refused, out of turn, or forbidden changes.
    #[error(transparent)]
    Session(SessionError),
    /// The session was stopped (the peer's own crossed it) or its task failed.
    #[error("session abandoned: {0}")]
    Abandoned(String),
}

/// What a session's task returns: with whom, for which network, and how it went.
type Ended = (GroupId, DocId, Result<usize, SyncError>);

impl From<SessionError> for SyncError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::NotShared(n) => Self::Docs(DocsError::from(n)),
            other => Self::Session(other),
        }
    }
}

/// Runs one session with `peer` for `network`, as the initiator.
pub async fn session(
    docs: &Docs,
    net: &Net,
    peer: GroupId,
    network: DocId,
) -> Result<usize, SyncError> {
    session_over(docs, peer, network, |request| {
        net.request(&peer, vec![], request)
    })
    .await
}

/// Runs one session with `peer` for `network`, as the initiator, sending each request with
/// `ask` (over the network, or to another node's `Docs::answer` in a test). The session itself is
/// `protocol::replica::Initiator`; this carries its requests and runs its documents work on the actor.
pub async fn session_over<F, Fut>(
    docs: &Docs,
    peer: GroupId,
    network: DocId,
    mut ask: F,
) -> Result<usize, SyncError>
where
    F: FnMut(Request) -> Fut,
    Fut: std::future::Future<Output = Result<Response, NetError>>,
{
    let (mut session, mut request) = docs
        .run_remote(move |set| Ok(Initiator::open(&mut set.replica, peer, network)))
        .await?
        .map_err(SyncError::from)?;
    loop {
        let step = match session.answer(ask(request).await?)? {
            Answered::Send(r) => Step::Send(r),
            Answered::NeedsDocs => {
                let (s, step) = docs
                    .run_remote(move |set| {
                        let now = set.now();
                        let step = session.with_docs(&mut set.replica, now);
                        Ok((session, step))
                    })
                    .await?;
                session = s;
                step?
            }
        };
        match step {
            Step::Send(r) => request = r,
            Step::Done(n) => return Ok(n),
        }
    }
}

/// The sync engine's loop: a shell around `protocol::schedule::Scheduler`, which decides; this
/// runs sessions, answers, announces, dials and disconnects.
pub struct Engine {
    docs: Docs,
    net: Net,
    events: mpsc::Receiver<NetEvent>,
    changes: broadcast::Receiver<Stored>,
    schedule: Scheduler,
    /// Where the scheduler's clock starts.
    epoch: tokio::time::Instant,
    /// The addresses each member is known by (from the network documents), for dialling.
    addrs: HashMap<GroupId, Vec<String>>,
    /// The networks each connected peer shares with this node, as last seen.
    shared: HashMap<GroupId, HashSet<DocId>>,
    sessions: JoinSet<Ended>,
    /// The running sessions' tasks, to abandon one ([`Action::Abandon`]) and to know which one
    /// ended when it was.
    own: HashMap<(GroupId, DocId), tokio::task::AbortHandle>,
    tasks: HashMap<tokio::task::Id, (GroupId, DocId)>,
    inbound: Arc<Semaphore>,
    /// Answers being sent; each ends with the `Hello` it answered, if it was one.
    answers: JoinSet<Option<(GroupId, DocId)>>,
    /// Forbidden rounds per peer, reported by answering tasks.
    offences_tx: mpsc::Sender<GroupId>,
    offences_rx: mpsc::Receiver<GroupId>,
    /// Refused requests per peer since each was last logged (a flood logs a line a minute).
    refusals: Arc<Mutex<Refusals>>,
}

/// Logs a line about refused requests (who, and why in a word: never what they held).
fn say(line: &Line) {
    let who = |peer: &Option<GroupId>| peer.map_or_else(|| "others".to_string(), |p| p.short());
    match line {
        Line::First { peer, reason } => warn!(
            peer = %who(peer),
            reason,
            "refused a request (further refusals of this peer are counted and logged once a minute)"
        ),
        Line::Summary { peer, counts } => warn!(
            peer = %who(peer),
            refused = line.total(),
            reasons = ?counts,
            "requests refused since the last line about this peer"
        ),
    }
}

impl Engine {
    /// An engine over a documents actor and a network.
    pub fn new(docs: Docs, net: Net, events: mpsc::Receiver<NetEvent>) -> Self {
        let changes = docs.subscribe();
        let (offences_tx, offences_rx) = mpsc::channel(64);
        Self {
            schedule: Scheduler::new(docs.group()),
            docs,
            net,
            events,
            changes,
            epoch: tokio::time::Instant::now(),
            addrs: HashMap::new(),
            shared: HashMap::new(),
            sessions: JoinSet::new(),
            own: HashMap::new(),
            tasks: HashMap::new(),
            inbound: Arc::new(Semaphore::new(INBOUND)),
            answers: JoinSet::new(),
            offences_tx,
            offences_rx,
            refusals: Arc::default(),
        }
    }

    /// Runs until cancelled.
    pub async fn run(mut self, cancel: CancellationToken) {
        let mut tick = tokio::time::interval(Duration::from_millis(schedule::TICK_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let presence = self.net.presence();
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break,
                () = presence.changed() => {
                    for (peer, up) in presence.take() {
                        let ev = if up { NetEvent::Connected(peer) } else { NetEvent::Disconnected(peer) };
                        self.on_event(ev).await;
                    }
                }
                Some(ev) = self.events.recv() => self.on_event(ev).await,
                changed = self.changes.recv() => self.on_change(changed).await,
                Some(done) = self.sessions.join_next_with_id() => self.on_session_done(done).await,
                Some(answered) = self.answers.join_next() => {
                    if let Ok(Some((peer, network))) = answered {
                        self.handle(Event::Answered { peer, network }, None).await;
                    }
                }
                Some(peer) = self.offences_rx.recv() => self.handle(Event::Offence { peer }, None).await,
                _ = tick.tick() => self.on_tick().await,
            }
        }
        self.sessions.shutdown().await;
        self.answers.shutdown().await;
        info!("sync engine stopped");
    }

    /// Milliseconds since the engine started: the scheduler's clock.
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Hands an event to the scheduler and carries out what it decides. `stored`: the changes
    /// an `Announce` announces.
    async fn handle(&mut self, event: Event, stored: Option<&Stored>) {
        let seen = tracing::enabled!(tracing::Level::TRACE).then(|| format!("{event:?}"));
        let actions = self.schedule.handle(self.now(), event);
        if let Some(event) = seen {
            tracing::trace!(event, ?actions, "scheduled");
        }
        for action in actions {
            match action {
                Action::Session { peer, network } => self.spawn_session(peer, network),
                Action::Announce { network } => {
                    let made_here = stored
                        .filter(|s| s.network == network)
                        .map(|s| s.made_here.clone())
                        .unwrap_or_default();
                    for (class, a) in announce::announcements(&network, made_here) {
                        let _ = self.net.announce(class, &a).await;
                    }
                }
                Action::Abandon { peer, network } => {
                    if let Some(task) = self.own.get(&(peer, network)) {
                        debug!(peer = %peer.short(), %network, "abandoning a session the peer's crosses");
                        task.abort();
                    }
                }
                Action::Dial { peer } => {
                    let addrs = self.addrs.get(&peer).cloned().unwrap_or_default();
                    let _ = self.net.dial_peer(&peer, &addrs).await;
                }
                Action::Disconnect { peer } => {
                    warn!(peer = %peer.short(), "disconnecting a peer that keeps sending forbidden changes");
                    let _ = self.net.disconnect(&peer).await;
                }
                Action::Recheck {
                    peer,
                    network,
                    owed,
                } => {
                    // If the check cannot be made, something may be left: sync.
                    let still = self.docs.recheck(peer, network, owed).await.unwrap_or(true);
                    let event = Event::Rechecked {
                        peer,
                        network,
                        still,
                    };
                    Box::pin(self.handle(event, None)).await;
                }
            }
        }
    }

    fn spawn_session(&mut self, peer: GroupId, network: DocId) {
        let (docs, net) = (self.docs.clone(), self.net.clone());
        let span = tracing::debug_span!("session", peer = %peer.short(), %network);
        let task = self.sessions.spawn(
            async move {
                let r = session(&docs, &net, peer, network).await;
                (peer, network, r)
            }
            .instrument(span),
        );
        self.tasks.insert(task.id(), (peer, network));
        self.own.insert((peer, network), task);
    }

    async fn on_session_done(
        &mut self,
        done: Result<(tokio::task::Id, Ended), tokio::task::JoinError>,
    ) {
        let id = match &done {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let Some((peer, network)) = self.tasks.remove(&id) else {
            return;
        };
        self.own.remove(&(peer, network));
        // Abandoned (or failed with a panic): over, as far as the scheduler knows.
        let result = match done {
            Ok((_, (_, _, result))) => result,
            Err(e) => Err(SyncError::Abandoned(e.to_string())),
        };
        if let Err(e) = &result {
            debug!(peer = %peer.short(), %network, error = %e, "session failed");
        }
        let forbidden = matches!(result, Err(SyncError::Session(SessionError::Forbidden(_))));
        self.handle(
            Event::SessionDone {
                peer,
                network,
                forbidden,
            },
            None,
        )
        .await;
    }

    async fn on_event(&mut self, ev: NetEvent) {
        match ev {
            NetEvent::Connected(peer) => {
                self.publish_addrs().await;
                let networks = self.docs.networks_with(peer).await.unwrap_or_default();
                self.shared.insert(peer, networks.iter().copied().collect());
                self.handle(Event::Connected { peer, networks }, None).await;
            }
            NetEvent::Disconnected(peer) => {
                self.shared.remove(&peer);
                self.handle(Event::Disconnected { peer }, None).await;
            }
            NetEvent::Announced {
                source,
                via,
                class,
                announcement,
            } => {
                let network = announcement.network;
                let Ok(news) = self.docs.take_announced(class, announcement).await else {
                    return;
                };
                let event = Event::Announced {
                    network,
                    source,
                    via,
                    news,
                };
                self.handle(event, None).await;
            }
            NetEvent::Inbound {
                peer,
                request,
                channel,
                held,
            } => {
                let now = self.now();
                if self.schedule.is_banned(&peer, now) {
                    let banned = Response::Refused {
                        reason: wire::Refusal::Forbidden,
                        message: "too many forbidden requests; try again later".into(),
                    };
                    self.net.respond(channel, banned).await;
                    let _ = self.net.disconnect(&peer).await;
                    return;
                }
                let Ok(permit) = self.inbound.clone().try_acquire_owned() else {
                    let busy = Response::Refused {
                        reason: wire::Refusal::Unavailable,
                        message: "busy".into(),
                    };
                    self.net.respond(channel, busy).await;
                    return;
                };
                // A `Hello` refused as above opens no session of the peer's: this node's own
                // goes on. Every `Hello` taken is followed by `Answered`, refused or not.
                let hello = match &request {
                    Request::Hello { network, .. } => Some((peer, *network)),
                    _ => None,
                };
                if let Some((peer, network)) = hello {
                    self.handle(Event::Crossed { peer, network }, None).await;
                }
                let (docs, net) = (self.docs.clone(), self.net.clone());
                let offences = self.offences_tx.clone();
                let refused = self.refusals.clone();
                self.answers.spawn(async move {
                    let response = docs.answer(peer, request).await;
                    let forbidden = matches!(
                        &response,
                        Response::Refused {
                            reason: wire::Refusal::Forbidden,
                            ..
                        }
                    );
                    if let Response::Refused { reason, .. } = &response {
                        net.traffic().count_refused(reason);
                        let line = refused.lock().unwrap_or_else(|e| e.into_inner()).note(
                            peer,
                            reason,
                            Instant::now(),
                        );
                        if let Some(line) = line {
                            say(&line);
                        }
                    }
                    // Answer first: the offence may close the connection.
                    net.respond(channel, response).await;
                    if forbidden {
                        let _ = offences.try_send(peer);
                    }
                    drop(permit);
                    drop(held);
                    hello
                });
            }
        }
    }

    /// Tells the network who may connect now (members, open invites) and which announcement
    /// topics to take part in.
    async fn refresh_admission(&self) {
        match self.docs.admission().await {
            Ok(a) => {
                let _ = self.net.admit(a).await;
            }
            Err(e) => warn!(error = %e, "cannot read who may connect"),
        }
    }

    /// The members of a network other than this node, as the scheduler sees them; their
    /// addresses are kept for dialling.
    async fn members(&mut self, network: DocId) -> Vec<Member> {
        let members = self.docs.members_of(network).await.unwrap_or_default();
        let listening = self.net.listeners().listening(&network);
        members
            .into_iter()
            .map(|(group, addrs)| {
                self.addrs.insert(group, addrs);
                Member {
                    group,
                    listening: listening.contains(&group),
                }
            })
            .collect()
    }

    async fn on_change(&mut self, changed: Result<Stored, broadcast::error::RecvError>) {
        if !matches!(changed, Err(broadcast::error::RecvError::Closed)) {
            self.refresh_admission().await;
        }
        match changed {
            Ok(stored) => {
                let members = self.members(stored.network).await;
                // A connected peer that has just become a fellow member (it joined, or this
                // node did) is caught up as on connecting: no announcement tells either side
                // of the documents the other already held.
                for m in &members {
                    let newly = self
                        .shared
                        .get_mut(&m.group)
                        .is_some_and(|s| s.insert(stored.network));
                    if newly {
                        let event = Event::Connected {
                            peer: m.group,
                            networks: vec![stored.network],
                        };
                        self.handle(event, None).await;
                    }
                }
                let event = Event::Stored {
                    network: stored.network,
                    members,
                    made_here: !stored.made_here.is_empty(),
                };
                self.handle(event, Some(&stored)).await;
                // Changes brought in by sync are passed on as news, never pushed, by a node that
                // answered a session of the network since it last did: a member that heard of
                // them only through a neighbour, and pulled from it before it had them, learns
                // that this node has them now. Members that hold them already find no news in it.
                for (class, a) in announce::announcements(&stored.network, stored.synced) {
                    let _ = self.net.announce(class, &a).await;
                }
            }
            // Missed notifications: what they said is unknown, so every connected member of
            // every network gets a session (as members that take no part in announcements do).
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let networks = self.docs.networks().await.unwrap_or_default();
                for n in networks {
                    let mut members = self.members(n.id).await;
                    for m in &mut members {
                        m.listening = false;
                    }
                    let event = Event::Stored {
                        network: n.id,
                        members,
                        made_here: true,
                    };
                    self.handle(event, None).await;
                }
            }
            Err(broadcast::error::RecvError::Closed) => {}
        }
    }

    /// A node whose addresses changed (a new machine, a new port) says so in its networks'
    /// documents, so that members who cannot reach it by the old ones can redial it. Runs on
    /// the tick and when a peer connects (the first tick comes before the node listens).
    async fn publish_addrs(&self) {
        let Ok(status) = self.net.status().await else {
            return;
        };
        match self.docs.publish_own_addrs(status.shareable).await {
            Ok(changed) if !changed.is_empty() => {
                info!(
                    networks = changed.len(),
                    "this node's addresses written to its networks"
                );
            }
            Ok(_) => {}
            Err(e) => warn!(error = %e, "could not write this node's addresses"),
        }
    }

    async fn on_tick(&mut self) {
        let due = self
            .refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .due(Instant::now());
        for line in &due {
            say(line);
        }
        // Invites expire with time, not with a change.
        self.refresh_admission().await;
        self.publish_addrs().await;
        let Ok(networks) = self.docs.networks().await else {
            return;
        };
        let mut all = Vec::new();
        for n in networks {
            // The addresses each member writes into the network document itself
            // (PROTOCOL.md §8a); on a LAN, beacons find it too.
            let members = self.members(n.id).await;
            all.push((n.id, members.into_iter().map(|m| m.group).collect()));
        }
        self.handle(Event::Tick { networks: all }, None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SledStore;
    use commonground_protocol::doc::DocKind;
    use commonground_protocol::network::Role;
    use commonground_protocol::plan::{NewPlan, PlanEdit};
    use ed25519_dalek::SigningKey;

    fn node(dir: &std::path::Path, seed: u8) -> (Docs, crate::docs::DocsThread) {
        let key = SigningKey::from_bytes(&[seed; 32]);
        crate::docs::start(Box::new(SledStore::open(dir).unwrap()), key).unwrap()
    }

    /// Two nodes in-process: `a` made a network and `plans` plans in it (Arabic goals), `b`
    /// joined it by invite. Returns the nodes and the network.
    async fn joined(
        da: &std::path::Path,
        db: &std::path::Path,
        plans: usize,
    ) -> (Docs, Docs, DocId, [crate::docs::DocsThread; 2]) {
        let ((a, ta), (b, tb)) = (node(da, 1), node(db, 2));
        let net = a
            .create_network("Midlands".into(), "Coventry".into(), vec![])
            .await
            .unwrap()
            .id;
        for i in 0..plans {
            let plan = NewPlan {
                title: format!("Campaign {i}"),
                goal: GOAL.repeat(20),
                demands: String::new(),
            };
            a.new_plan(plan, Some(net.to_string())).await.unwrap();
        }
        let code = a
            .invite(net.to_string(), 3600, vec![], Role::Member)
            .await
            .unwrap();
        let join = Request::Join {
            network: net,
            invite: code.id,
            secret: code.secret.to_vec(),
            name: "Birmingham".into(),
            addrs: vec![],
        };
        let Response::Joined {
            network,
            document,
            signed,
        } = a.answer(b.group(), join).await
        else {
            panic!("the join was refused");
        };
        b.accept_joined(network, document, signed).await.unwrap();
        (a, b, net, [ta, tb])
    }

    const GOAL: &str = "سكن لائق لكل عائلة";

    /// One session of `b` with `a` for `net`, in-process; the documents looked at.
    async fn pull(b: &Docs, a: &Docs, net: DocId) -> usize {
        let me = b.group();
        session_over(b, a.group(), net, |request| {
            let a = a.clone();
            async move { Ok(a.answer(me, request).await) }
        })
        .await
        .unwrap()
    }

    /// A responder whose answers have room for one whole document at a time still gives a
    /// joining group every plan in one session: what does not fit is deferred and asked for
    /// again in the next round.
    #[tokio::test]
    async fn a_catch_up_larger_than_an_answer_goes_in_several_rounds_of_one_session() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 6).await;
        a.limit_replies(1).await.unwrap();
        let (rounds, deferred) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
        let (rounds, deferred) = (&rounds, &deferred);
        let me = b.group();
        let looked_at = session_over(&b, a.group(), net, |request| {
            let a = a.clone();
            if matches!(request, Request::Sync { .. }) {
                rounds.set(rounds.get() + 1);
            }
            async move {
                let r = a.answer(me, request).await;
                if let Response::Sync { deferred: d, .. } = &r {
                    deferred.set(deferred.get() + d.len());
                }
                Ok(r)
            }
        })
        .await
        .unwrap();
        let plans = b.plans().await.unwrap();
        assert_eq!(plans.len(), 6, "{looked_at} documents looked at");
        assert!(rounds.get() >= 6, "{} rounds", rounds.get());
        assert!(deferred.get() >= 5, "{} deferred", deferred.get());
        for p in plans {
            assert_eq!(p.goal, GOAL.repeat(20));
        }
    }

    /// An edit's announcement pushes its changes: a member that holds the plan applies them and
    /// has nothing to pull. A push that builds on a change it lacks, or lacks the signature
    /// that covers it, is not applied and leaves news to pull; a plan's push never counts on
    /// the shared topic.
    #[tokio::test]
    async fn a_pushed_edit_is_applied_where_it_passes_and_left_for_the_pull_where_not() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 1).await;
        pull(&b, &a, net).await;
        let id = b.plans().await.unwrap()[0].id.to_string();
        let mut changes = a.subscribe();
        // Each edit stored on its own, and the announcement the engine would publish for it.
        let edit = |goal: &'static str| {
            let (a, id) = (a.clone(), id.clone());
            let edit = PlanEdit {
                goal: Some(goal.into()),
                ..Default::default()
            };
            async move { a.update_plan(id, edit).await.unwrap() }
        };
        let mut announced = || {
            let stored = changes.try_recv().unwrap();
            assert!(stored.synced.is_empty());
            let mut out = announce::announcements(&stored.network, stored.made_here);
            assert_eq!(out.len(), 1);
            let (class, a) = out.remove(0);
            assert_eq!((class, a.pushed.len()), (announce::Class::Plans, 1));
            a
        };
        edit("خطة السكن، النسخة الثانية").await;
        let first = announced();
        // On the wrong topic: nothing applied.
        assert!(
            b.take_announced(announce::Class::Shared, first.clone())
                .await
                .unwrap()
        );
        assert_eq!(b.plans().await.unwrap()[0].goal, GOAL.repeat(20));
        // Its signature taken away: not applied.
        let mut unsigned = first.clone();
        unsigned.pushed[0].signed.clear();
        assert!(
            b.take_announced(announce::Class::Plans, unsigned)
                .await
                .unwrap()
        );
        assert_eq!(b.plans().await.unwrap()[0].goal, GOAL.repeat(20));
        // As published: applied, nothing left to pull, and a second delivery is no news.
        assert!(
            !b.take_announced(announce::Class::Plans, first.clone())
                .await
                .unwrap()
        );
        b.counts().await.unwrap();
        assert_eq!(
            b.plans().await.unwrap()[0].goal,
            "خطة السكن، النسخة الثانية"
        );
        assert!(
            !b.take_announced(announce::Class::Plans, first)
                .await
                .unwrap()
        );
        // Two more edits; only the second's announcement arrives: it builds on the first.
        edit("الثالثة").await;
        let _missed = announced();
        edit("الرابعة").await;
        let second = announced();
        assert!(
            b.take_announced(announce::Class::Plans, second)
                .await
                .unwrap()
        );
        assert_eq!(
            b.plans().await.unwrap()[0].goal,
            "خطة السكن، النسخة الثانية"
        );
        // The pull brings both.
        pull(&b, &a, net).await;
        assert_eq!(b.plans().await.unwrap()[0].goal, "الرابعة");
    }

    /// A push that carries personal data is never applied, even signed by a writer of the plan
    /// (its own node would have refused the edit; this one was made around it): the text stays
    /// out of the receiver's copy and its history.
    #[tokio::test]
    async fn a_pushed_change_that_writes_a_phone_number_is_not_applied() {
        use automerge::transaction::{CommitOptions, Transactable};
        use automerge::{ObjType, ROOT, ReadDoc, Value};
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 1).await;
        pull(&b, &a, net).await;
        let plan = b.plans().await.unwrap().remove(0);
        let id = plan.id;
        let held = a
            .run(move |set| Ok(set.document(&id).unwrap().clone()))
            .await
            .unwrap();
        // A change by the plan's owner (group 1's key), made with Automerge directly.
        let key = SigningKey::from_bytes(&[1; 32]);
        let owner = commonground_protocol::GroupId::from_public_key(key.verifying_key().to_bytes())
            .unwrap();
        let mut forged = held.fork().with_actor(owner.actor_id());
        let mut tx = forged.transaction();
        let Some((Value::Object(ObjType::Map), body)) = tx.get(ROOT, "body").unwrap() else {
            panic!("no body");
        };
        let Some((Value::Object(ObjType::Text), goal)) = tx.get(&body, "goal").unwrap() else {
            panic!("no goal text");
        };
        tx.splice_text(&goal, 0, 0, "Ring Amina on 07700 900123. ")
            .unwrap();
        // A day's time, as every change carries: only its text is wrong.
        tx.commit_with(CommitOptions::default().with_time(0));
        let changes = forged.get_changes(&held.get_heads());
        let hashes: Vec<_> = changes.iter().map(|c| c.hash()).collect();
        let raw: Vec<&[u8]> = changes.iter().map(|c| c.raw_bytes()).collect();
        let signed = [commonground_protocol::auth::SignedHead::sign(
            &key, &id, &hashes[0],
        )];
        let heads = forged.get_heads();
        let announcement = announce::Announcement {
            network: net,
            docs: vec![wire::DocHeads {
                doc: id,
                heads: wire::heads_hash(&heads),
                generation: Default::default(),
            }],
            pushed: vec![announce::Pushed::of(id, &heads, &raw, &hashes, &signed).unwrap()],
        };
        let news = b
            .take_announced(announce::Class::Plans, announcement)
            .await
            .unwrap();
        assert!(
            news,
            "not applied: left for the pull, whose session refuses it too"
        );
        let goal = b.plan(id.to_string()).await.unwrap().goal;
        assert_eq!(goal, GOAL.repeat(20));
        let has = b
            .run(move |set| {
                Ok(hashes
                    .iter()
                    .any(|h| set.document(&id).unwrap().get_change_by_hash(h).is_some()))
            })
            .await
            .unwrap();
        assert!(!has, "the change is nowhere in the receiver's history");
    }

    /// A node keeps at most its bound of plans of one group per network: the rest are left out
    /// (the session still ends well), and a group makes no more than the bound.
    #[tokio::test]
    async fn no_group_makes_others_store_more_plans_than_the_bound() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 5).await;
        b.limit_plans(3).await.unwrap();
        pull(&b, &a, net).await;
        assert_eq!(b.plans().await.unwrap().len(), 3);
        a.limit_plans(5).await.unwrap();
        let sixth = NewPlan {
            title: "One too many".into(),
            ..Default::default()
        };
        let refused = a.new_plan(sixth.clone(), Some(net.to_string())).await;
        assert!(
            matches!(&refused, Err(DocsError::Invalid(e)) if e.to_string().contains("the most one group may have")),
            "{refused:?}"
        );
        // A private plan is no one else's burden.
        assert!(a.new_plan(sixth, None).await.is_ok());
    }

    /// Rewrites a plan's goal on `d`.
    async fn set_goal(d: &Docs, plan: DocId, goal: &str) {
        let edit = PlanEdit {
            goal: Some(goal.into()),
            ..Default::default()
        };
        d.update_plan(plan.to_string(), edit).await.unwrap();
    }

    /// One session of `b` with `a`, in-process, counting its requests: (documents looked at,
    /// requests).
    async fn counted(b: &Docs, a: &Docs, net: DocId) -> (usize, usize) {
        let me = b.group();
        let asked = std::cell::Cell::new(0);
        let asked = &asked;
        let n = session_over(b, a.group(), net, |request| {
            let a = a.clone();
            asked.set(asked.get() + 1);
            async move { Ok(a.answer(me, request).await) }
        })
        .await
        .unwrap();
        (n, asked.get())
    }

    /// Once two members have an agreement, edits made on both sides while apart (text in
    /// Arabic and French) meet in one round trip: each side's changes after the agreement
    /// travel with `Hello` and its answer, both end with the same heads and the texts exactly
    /// as typed, and the next session finds nothing to do in one small round trip.
    #[tokio::test]
    async fn edits_on_both_sides_meet_in_one_round_trip_after_an_agreement() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 2).await;
        let theirs = b
            .new_plan(
                NewPlan {
                    title: "Permanence juridique".into(),
                    goal: "Un avocat chaque mardi".into(),
                    demands: String::new(),
                },
                Some(net.to_string()),
            )
            .await
            .unwrap();
        // The first session: b has no agreement with a yet, so it takes rounds and a commit.
        let (_, first) = counted(&b, &a, net).await;
        assert!(first > 1, "{first} requests");
        assert_eq!(a.plans().await.unwrap().len(), 3);
        let ours = a
            .plans()
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.header.owner == a.group())
            .unwrap()
            .id;
        let (goal_a, goal_b) = (
            "سكن لائق — logement digne pour chaque famille",
            "Un avocat chaque mardi, محامٍ كل ثلاثاء",
        );
        set_goal(&a, ours, goal_a).await;
        set_goal(&b, theirs.id, goal_b).await;
        let (settled, requests) = counted(&b, &a, net).await;
        assert_eq!(requests, 1, "both edits in one round trip");
        assert_eq!(settled, 2);
        for side in [&a, &b] {
            assert_eq!(side.plan(ours.to_string()).await.unwrap().goal, goal_a);
            assert_eq!(side.plan(theirs.id.to_string()).await.unwrap().goal, goal_b);
        }
        let heads = |d: &Docs| {
            let d = d.clone();
            async move {
                d.run(|set| {
                    let ids: Vec<DocId> = set
                        .replica
                        .of_kind(DocKind::Plan)
                        .map(|(id, _)| *id)
                        .collect();
                    Ok(ids
                        .into_iter()
                        .map(|id| (id, set.document(&id).map(|d| d.get_heads())))
                        .collect::<std::collections::BTreeMap<_, _>>())
                })
                .await
                .unwrap()
            }
        };
        assert_eq!(heads(&a).await, heads(&b).await);
        // Both recorded the same agreement: the next session, either way, is one round trip
        // in which nothing is listed.
        for (x, y) in [(&b, &a), (&a, &b)] {
            let Request::Hello {
                digest,
                changed,
                catchup,
                ..
            } = x.session_hello(y.group(), net).await.unwrap()
            else {
                panic!("not a hello");
            };
            assert!(changed.is_empty() && catchup.is_empty());
            let Response::Hello {
                digest_ok, docs, ..
            } = y
                .answer(
                    x.group(),
                    Request::Hello {
                        network: net,
                        digest,
                        changed,
                        catchup,
                        wanted: vec![],
                    },
                )
                .await
            else {
                panic!("refused");
            };
            assert!(digest_ok && docs.is_empty());
        }
        assert_eq!(counted(&a, &b, net).await, (0, 1));
    }

    /// A catch-up carrying a change its author may not make (b writing in a's plan) refuses
    /// the whole `Hello` as forbidden, and nothing of it is applied.
    #[tokio::test]
    async fn a_catch_up_with_a_forbidden_change_is_refused_and_nothing_applied() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 1).await;
        pull(&b, &a, net).await;
        let plan = a.plans().await.unwrap()[0].id;
        let before = a.plan(plan.to_string()).await.unwrap();
        // With the digest b really has, so that a reads the catch-up.
        let Request::Hello { digest, .. } = b.session_hello(a.group(), net).await.unwrap() else {
            panic!("not a hello");
        };
        // b writes in a's plan around its own checks, and signs the change with its key.
        let key = SigningKey::from_bytes(&[2; 32]);
        let hello = b
            .run(move |set| {
                let doc = set.document(&plan).unwrap().clone();
                let agreed = doc.get_heads();
                let mut forged = doc.with_actor(automerge::ActorId::from(
                    key.verifying_key().to_bytes().to_vec(),
                ));
                let mut tx = forged.transaction();
                let body = match automerge::ReadDoc::get(&tx, automerge::ROOT, "body") {
                    Ok(Some((_, id))) => id,
                    other => panic!("no body: {other:?}"),
                };
                let goal = match automerge::ReadDoc::get(&tx, &body, "goal") {
                    Ok(Some((_, id))) => id,
                    other => panic!("no goal: {other:?}"),
                };
                automerge::transaction::Transactable::splice_text(&mut tx, &goal, 0, 0, "x")
                    .unwrap();
                tx.commit();
                let hashes: Vec<_> = forged
                    .get_changes_meta(&agreed)
                    .into_iter()
                    .map(|m| m.hash)
                    .collect();
                let changes = forged.bundle(hashes.clone()).unwrap().bytes().to_vec();
                Ok(Request::Hello {
                    network: net,
                    digest,
                    changed: vec![wire::DocHeads {
                        doc: plan,
                        heads: wire::heads_hash(&forged.get_heads()),
                        generation: Default::default(),
                    }],
                    catchup: vec![wire::Catchup {
                        at: 0,
                        changes,
                        signed: vec![commonground_protocol::auth::SignedHead::sign(
                            &key, &plan, &hashes[0],
                        )],
                    }],
                    wanted: vec![],
                })
            })
            .await
            .unwrap();
        let r = a.answer(b.group(), hello).await;
        assert!(
            matches!(
                r,
                Response::Refused {
                    reason: wire::Refusal::Forbidden,
                    ..
                }
            ),
            "{r:?}"
        );
        let after = a.plan(plan.to_string()).await.unwrap();
        assert_eq!(after.goal, before.goal);
        assert_eq!(after.heads, before.heads);
    }

    /// A run of 200 edits made while apart reaches the other member in one round trip (one
    /// bundle), with the same heads on both sides.
    #[tokio::test]
    async fn a_long_run_of_edits_is_caught_up_in_one_round_trip() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 1).await;
        pull(&b, &a, net).await;
        let plan = a.plans().await.unwrap()[0].id;
        for i in 0..200 {
            a.edit_plan(plan.to_string(), move |p| {
                let demands = format!("{} مطلب {i}", p.demands.as_str());
                p.apply(
                    &PlanEdit {
                        demands: Some(demands),
                        ..Default::default()
                    },
                    None,
                )
            })
            .await
            .unwrap();
        }
        assert_eq!(counted(&b, &a, net).await, (1, 1));
        let (pa, pb) = (
            a.plan(plan.to_string()).await.unwrap(),
            b.plan(plan.to_string()).await.unwrap(),
        );
        assert_eq!((pa.heads, pa.demands), (pb.heads, pb.demands));
    }

    /// A round may carry as many signed heads as a network document of many members has (one
    /// per member that wrote its addresses): 100 are taken, not refused as too many (64, the
    /// bound before 0.5, refused every whole network document of a network of 100 members).
    #[tokio::test]
    async fn a_round_may_carry_the_signed_heads_of_a_hundred_members() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 0).await;
        let key = SigningKey::from_bytes(&[2; 32]);
        let round = b
            .run(move |set| {
                let doc = set.document(&net).unwrap().save();
                let signed = (0..100u8)
                    .map(|i| {
                        commonground_protocol::auth::SignedHead::sign(
                            &key,
                            &net,
                            &automerge::ChangeHash([i; 32]),
                        )
                    })
                    .collect();
                Ok(Request::Sync {
                    network: net,
                    docs: vec![wire::DocPayload {
                        doc: net,
                        payload: wire::Payload::Whole(doc),
                        signed,
                        generation: Default::default(),
                    }],
                })
            })
            .await
            .unwrap();
        let r = a.answer(b.group(), round).await;
        assert!(matches!(r, Response::Sync { .. }), "{r:?}");
    }

    /// A catch-up of a document the responder does not share with the sender is left out, and
    /// the rest of the `Hello` is still taken.
    #[tokio::test]
    async fn a_catch_up_of_a_document_not_shared_is_left_out_and_the_rest_taken() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b, net, _threads) = joined(da.path(), db.path(), 1).await;
        pull(&b, &a, net).await;
        let plan = a.plans().await.unwrap()[0].id;
        let goal = "لجنة الإسكان — comité logement";
        set_goal(&a, plan, goal).await;
        let Request::Hello {
            network,
            digest,
            mut changed,
            mut catchup,
            ..
        } = a.session_hello(b.group(), net).await.unwrap()
        else {
            panic!("not a hello");
        };
        assert_eq!(catchup.len(), 1, "the plan's catch-up");
        let stranger = DocId::from_bytes([9; 16]);
        changed.insert(
            0,
            wire::DocHeads {
                doc: stranger,
                heads: [1; 8],
                generation: Default::default(),
            },
        );
        let mut other = catchup[0].clone();
        catchup[0].at += 1;
        other.at = 0;
        catchup.insert(0, other);
        let r = b
            .answer(
                a.group(),
                Request::Hello {
                    network,
                    digest,
                    changed,
                    catchup,
                    wanted: vec![],
                },
            )
            .await;
        assert!(
            matches!(
                r,
                Response::Hello {
                    digest_ok: true,
                    ..
                }
            ),
            "{r:?}"
        );
        assert_eq!(b.plan(plan.to_string()).await.unwrap().goal, goal);
    }
}
