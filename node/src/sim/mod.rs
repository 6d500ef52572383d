//! A deterministic simulation of sync: 2 to 50 nodes in one thread over a simulated network with
//! delay, reordering, loss, partitions and crash-restart from stored bytes (issue 11, part 2).
//!
//! Each node is the real thing with its IO taken away: the documents as the actor holds them
//! ([`DocSet`]: the replication core, `protocol::replica::Replica`, in the node's shell, stored
//! after every step into an in-memory [`Store`]), the real scheduler (`protocol::schedule`), the
//! real initiator state machine (`protocol::replica::Initiator`) and the real answers
//! (`DocSet::answer`). What stands in for libp2p is small and lives here: a connection is up
//! when both nodes are running, their link is up and each sees the other as a fellow member;
//! announcements go to every connected node subscribed to the topic (the gossip mesh is not
//! simulated, only its validation: `announce::judge`); a request unanswered within
//! [`TIMEOUT_MS`] fails its session.
//!
//! A run: the first node makes a network, every other joins it with an invite (the `Join`
//! exchange as on the wire; in some runs the second joins as an aggregator, which must never hold
//! a plan); node 0 makes a plan every node may write, and each node its own.
//! Then, for a while of simulated time, nodes add actions (with Arabic titles: text must arrive
//! exactly as typed) while links drop and mend, the nodes are split in two, messages are lost
//! and nodes crash and restart from what they stored. One node may be a rogue that also writes, signed, where it has no
//! right. Then the network heals and the run goes on until every honest node holds the same
//! documents, and it is checked that:
//!
//! - every honest node holds every shared document at the same heads (converged);
//! - every action acknowledged (stored) by an honest node is in the plan exactly once, with
//!   its title as typed, everywhere;
//! - no honest node holds any change the rogue wrote where it had no right, and no honest node
//!   was ever disconnected as an offender.
//!
//! `cargo test -p commonground-node sim` runs [`RUNS`] seeds (in two halves, on two threads);
//! `COMMONGROUND_SIM_RUNS=5000` runs many more, `COMMONGROUND_SIM_SEED=N` replays one and
//! prints what it did, `COMMONGROUND_SIM_TRACE=1` prints every message. A failing run prints its
//! seed. A run is drawn from its seed alone (shape, delays, losses, cuts, crashes, edits, keys,
//! ids and the salts of new plans: each node's `DocSet` takes a generator seeded from the run's),
//! so a replay does exactly what the failing run did.

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use commonground_protocol::announce::{self, Class};
use commonground_protocol::doc::DocKind;
use commonground_protocol::ids::{DocId, GroupId, ItemId};
use commonground_protocol::network::Role;
use commonground_protocol::plan::{NewAction, NewPlan, Plan};
use commonground_protocol::schedule::{self, Action, Event, Member, Scheduler};
use commonground_protocol::sync::{Refusal, Request, Response};
use ed25519_dalek::SigningKey;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::docs::{DocSet, Stored};
use commonground_protocol::replica::{Answered, Initiator, SessionError, Step};

mod federation;
mod store;

use store::MemStore;

/// Seeded runs in a normal test run.
const RUNS: u64 = 200;
/// A request unanswered this long (simulated milliseconds) fails its session.
const TIMEOUT_MS: u64 = 5_000;
/// After healing, the most simulated time a run may take to converge.
const HEAL_MS: u64 = 40 * schedule::TICK_MS;

/// A node's own generator, drawn from the run's.
fn node_rng(rng: &mut StdRng) -> Box<dyn rand::RngCore + Send> {
    Box::new(StdRng::seed_from_u64(rng.r#gen()))
}

/// A plan of `owner`'s.
fn new_plan(title: &str, goal: &str, owner: GroupId) -> Plan {
    let new = NewPlan {
        title: title.into(),
        goal: goal.into(),
        demands: String::new(),
    };
    Plan::new(&new, owner).expect("a plan")
}

/// The simulation's clock for the documents: 2026-12-03 00:00 UTC, always (a run's edits are
/// all of one day; its network's time is the simulated milliseconds).
fn clock() -> i64 {
    1796256000
}

/// What one run is made of, drawn from its seed.
#[derive(Debug, Clone)]
struct Shape {
    nodes: usize,
    /// Simulated milliseconds of edits and faults before healing.
    chaos_ms: u64,
    /// Chance that a message is lost while faults last.
    loss: f64,
    /// The longest delay of a message, in milliseconds.
    delay_ms: u64,
    edits: usize,
    crashes: usize,
    cuts: usize,
    /// Whether the last node is a rogue.
    rogue: bool,
    /// Whether the second node joins as an aggregator (it must never hold a plan).
    aggregator: bool,
    /// Times the nodes are split in two at random for a while.
    partitions: usize,
}

impl Shape {
    /// `nodes` nodes with no faults and nothing scheduled.
    fn quiet(nodes: usize) -> Self {
        Self {
            nodes,
            chaos_ms: 0,
            loss: 0.0,
            delay_ms: 5,
            edits: 0,
            crashes: 0,
            cuts: 0,
            rogue: false,
            aggregator: false,
            partitions: 0,
        }
    }

    fn of(seed: u64, rng: &mut StdRng) -> Self {
        // Most runs are small and quick; one in forty is large.
        let nodes = if seed % 40 == 39 {
            rng.gen_range(20..=50)
        } else {
            rng.gen_range(2..=8)
        };
        Self {
            nodes,
            chaos_ms: rng.gen_range(10_000..=120_000),
            loss: [0.0, 0.01, 0.05, 0.2][rng.gen_range(0..4)],
            delay_ms: [5, 50, 500][rng.gen_range(0..3)],
            edits: rng.gen_range(1..=3 * nodes.min(10)),
            crashes: rng.gen_range(0..=nodes.min(4)),
            cuts: rng.gen_range(0..=nodes.min(6)),
            rogue: nodes >= 3 && rng.gen_bool(0.3),
            aggregator: nodes >= 3 && rng.gen_bool(0.3),
            partitions: rng.gen_range(0..=2),
        }
    }
}

/// What happens at some simulated time.
#[derive(Debug)]
enum Msg {
    Request {
        from: usize,
        to: usize,
        conn: u64,
        session: u64,
        request: Request,
    },
    Response {
        from: usize,
        to: usize,
        conn: u64,
        session: u64,
        response: Response,
    },
    Announce {
        from: usize,
        to: usize,
        conn: u64,
        network: DocId,
        class: Class,
        data: Vec<u8>,
    },
    Timeout {
        node: usize,
        session: u64,
        request: u64,
    },
    Tick {
        node: usize,
    },
    Edit {
        node: usize,
    },
    Crash {
        node: usize,
    },
    Restart {
        node: usize,
    },
    Cut {
        a: usize,
        b: usize,
    },
    Mend {
        a: usize,
        b: usize,
    },
}

impl Msg {
    /// For a message between nodes: its sender, its receiver and its connection.
    fn link(&self) -> Option<(usize, usize, u64)> {
        match self {
            Msg::Request { from, to, conn, .. }
            | Msg::Response { from, to, conn, .. }
            | Msg::Announce { from, to, conn, .. } => Some((*from, *to, *conn)),
            _ => None,
        }
    }

    /// Its bytes on the wire: a request or an answer as `sync::encode` makes it (CBOR, then
    /// DEFLATE), an announcement as gossiped (CBOR); nothing for the rest.
    fn wire_size(&self) -> usize {
        match self {
            Msg::Request { request, .. } => commonground_protocol::sync::encode(request).len(),
            Msg::Response { response, .. } => commonground_protocol::sync::encode(response).len(),
            Msg::Announce { data, .. } => data.len(),
            _ => 0,
        }
    }
}

/// A session a node runs: with whom, and the machine.
struct Running {
    peer: usize,
    network: DocId,
    machine: Initiator,
    /// The number of the request it waits on (a timeout of an earlier one is stale).
    waiting: u64,
}

struct Node {
    key: SigningKey,
    group: GroupId,
    store: MemStore,
    /// `None` while crashed.
    set: Option<DocSet>,
    schedule: Scheduler,
    sessions: BTreeMap<u64, Running>,
    /// Its own plan, once made.
    plan: Option<DocId>,
    rogue: bool,
    /// Joined as an aggregator.
    aggregator: bool,
    /// Actions it stored: (plan, title).
    acked: Vec<(DocId, String)>,
    edits: usize,
}

impl Node {
    fn set(&mut self) -> &mut DocSet {
        self.set.as_mut().expect("a running node")
    }
}

/// A connection between two nodes: its number (messages of an earlier one are dropped) and the
/// networks shared when it was last looked at.
struct Conn {
    id: u64,
    shared: BTreeSet<DocId>,
}

struct Sim {
    seed: u64,
    rng: StdRng,
    shape: Shape,
    now: u64,
    /// Faults (loss) stop when healed.
    healed: bool,
    queue: BTreeMap<(u64, u64), Msg>,
    seq: u64,
    nodes: Vec<Node>,
    network: DocId,
    shared_plan: DocId,
    /// Connections, by (smaller, larger) index.
    conns: BTreeMap<(usize, usize), Conn>,
    next_conn: u64,
    cut: BTreeSet<(usize, usize)>,
    next_session: u64,
    /// Changes the rogue wrote where it had no right.
    forged: Vec<(DocId, ChangeHash)>,
    /// (by, whom) for every offender disconnect.
    disconnects: Vec<(usize, usize)>,
    /// Requests, answers and announcements delivered, for the report.
    delivered: u64,
    /// Print every message delivered (`COMMONGROUND_SIM_TRACE`).
    trace: bool,
    /// Whether nodes' timers run (off while the federation's costs are counted).
    ticking: bool,
    /// Bytes of the requests, answers and announcements delivered, as on the wire
    /// ([`Msg::wire_size`]).
    bytes: u64,
}

/// One line about a message, for a trace.
fn summary(msg: &Msg) -> String {
    match msg {
        Msg::Request {
            from, to, request, ..
        } => {
            let what = match request {
                Request::Join { .. } => "join".to_string(),
                Request::Hello {
                    changed, catchup, ..
                } => {
                    format!("hello changed {} catchup {}", changed.len(), catchup.len())
                }
                Request::Sync { docs, .. } => format!("sync {} docs", docs.len()),
                Request::Commit { docs, .. } => format!("commit {} docs", docs.len()),
            };
            format!("{from} -> {to} {what}")
        }
        Msg::Response {
            from, to, response, ..
        } => {
            let what = match response {
                Response::Refused { reason, message } => format!("refused {reason:?} {message}"),
                Response::Hello { docs, catchup, .. } => {
                    format!("hello docs {} catchup {}", docs.len(), catchup.len())
                }
                Response::Sync { docs, .. } => format!("sync {} docs", docs.len()),
                other => format!("{other:?}").chars().take(60).collect(),
            };
            format!("{from} => {to} {what}")
        }
        Msg::Announce {
            from, to, class, ..
        } => format!("{from} ~> {to} announce {class:?}"),
        other => format!("{other:?}"),
    }
}

fn pair(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let shape = Shape::of(seed, &mut rng);
        Self::with_shape(seed, rng, shape)
    }

    fn with_shape(seed: u64, rng: StdRng, shape: Shape) -> Self {
        let mut sim = Self::bare(seed, rng, shape);
        sim.setup();
        sim
    }

    /// The nodes, each with only its own documents, and nothing scheduled.
    fn bare(seed: u64, mut rng: StdRng, shape: Shape) -> Self {
        let mut nodes = Vec::new();
        for i in 0..shape.nodes {
            let mut k = [0u8; 32];
            rng.fill(&mut k);
            let key = SigningKey::from_bytes(&k);
            let mut store = MemStore::default();
            let set = DocSet::open(&mut store, key.clone(), clock, node_rng(&mut rng))
                .expect("a fresh node opens");
            let group = set.replica.group;
            nodes.push(Node {
                key,
                group,
                store,
                set: Some(set),
                schedule: Scheduler::new(group),
                sessions: BTreeMap::new(),
                plan: None,
                rogue: shape.rogue && i == shape.nodes - 1,
                aggregator: shape.aggregator && i == 1,
                acked: Vec::new(),
                edits: 0,
            });
        }
        Self {
            seed,
            rng,
            shape,
            now: 0,
            healed: false,
            queue: BTreeMap::new(),
            seq: 0,
            nodes,
            network: DocId::from_bytes([0; 16]),
            shared_plan: DocId::from_bytes([0; 16]),
            conns: BTreeMap::new(),
            next_conn: 0,
            cut: BTreeSet::new(),
            next_session: 0,
            forged: Vec::new(),
            disconnects: Vec::new(),
            delivered: 0,
            trace: std::env::var("COMMONGROUND_SIM_TRACE").is_ok(),
            ticking: true,
            bytes: 0,
        }
    }

    /// The network, every node joined by invite, and the plan all may write.
    fn setup(&mut self) {
        let mut id = [0u8; 16];
        self.rng.fill(&mut id);
        self.network = DocId::from_bytes(id);
        let network = self.network;
        self.nodes[0]
            .set()
            .create_network(network, "الشبكة", "Coventry", vec![])
            .expect("a network");
        for i in 1..self.nodes.len() {
            let role = if self.nodes[i].aggregator {
                Role::Aggregator
            } else {
                Role::Member
            };
            self.join(0, i, network, role);
        }
        let plan = new_plan("خطة مشتركة", "سكن لائق لكل عائلة", self.nodes[0].group);
        self.shared_plan = self.nodes[0]
            .set()
            .create_plan(Some(network), &plan)
            .expect("the shared plan");
        let others: Vec<GroupId> = self
            .nodes
            .iter()
            .skip(1)
            .filter(|n| !n.rogue && !n.aggregator)
            .map(|n| n.group)
            .collect();
        let shared = self.shared_plan;
        self.nodes[0]
            .set()
            .edit::<Plan, _>(&shared, |p| {
                for g in others {
                    p.add_collaborator(g)?;
                }
                Ok(())
            })
            .expect("collaborators");
        self.start();
        let chaos = self.shape.chaos_ms;
        for _ in 0..self.shape.edits {
            let node = self.rng.gen_range(0..self.nodes.len());
            let at = self.rng.gen_range(0..chaos);
            self.at(at, Msg::Edit { node });
        }
        for _ in 0..self.shape.crashes {
            let node = self.rng.gen_range(0..self.nodes.len());
            let at = self.rng.gen_range(0..chaos);
            self.at(at, Msg::Crash { node });
        }
        for _ in 0..self.shape.cuts {
            let a = self.rng.gen_range(0..self.nodes.len());
            let b = self.rng.gen_range(0..self.nodes.len());
            if a != b {
                let at = self.rng.gen_range(0..chaos);
                let back = at + self.rng.gen_range(0..chaos);
                self.at(at, Msg::Cut { a, b });
                self.at(back.min(chaos), Msg::Mend { a, b });
            }
            for _ in 0..self.shape.partitions {
                let n = self.nodes.len();
                let side: Vec<bool> = (0..n).map(|_| self.rng.gen_bool(0.5)).collect();
                let at = self.rng.gen_range(0..chaos);
                let back = (at + self.rng.gen_range(0..chaos)).min(chaos);
                for a in 0..n {
                    for b in a + 1..n {
                        if side[a] != side[b] {
                            self.at(at, Msg::Cut { a, b });
                            self.at(back, Msg::Mend { a, b });
                        }
                    }
                }
            }
        }
        for i in 0..self.nodes.len() {
            self.reconnect(i);
        }
    }

    /// Stores what setting up made on every node and starts their timers, spread over one
    /// period, as nodes start at different times.
    fn start(&mut self) {
        for i in 0..self.nodes.len() {
            self.persist(i);
        }
        for node in 0..self.nodes.len() {
            let at = self.rng.gen_range(0..schedule::TICK_MS);
            self.at(at, Msg::Tick { node });
        }
    }

    /// Node `joiner` joins `network` with an invite of its coordinator `by`, granting `role`: the
    /// `Join` exchange as on the wire.
    fn join(&mut self, by: usize, joiner: usize, network: DocId, role: Role) {
        let mut secret = [0u8; 32];
        let mut invite = [0u8; 16];
        self.rng.fill(&mut secret);
        self.rng.fill(&mut invite);
        let now = clock();
        let code = self.nodes[by]
            .set()
            .invite(
                &network.to_string(),
                now,
                3600,
                vec![],
                role,
                (invite, secret),
            )
            .expect("an invite");
        let join = Request::Join {
            network,
            invite: code.id,
            secret: secret.to_vec(),
            name: format!("مجموعة {joiner}"),
            addrs: vec![],
        };
        let who = self.nodes[joiner].group;
        let Response::Joined {
            network,
            document,
            signed,
        } = self.nodes[by].set().answer(&who, join)
        else {
            panic!("seed {}: the join of node {joiner} was refused", self.seed);
        };
        self.nodes[joiner]
            .set()
            .accept_joined(&network, &document, &signed)
            .expect("joined");
    }

    fn at(&mut self, delay: u64, msg: Msg) {
        self.seq += 1;
        self.queue.insert((self.now + delay, self.seq), msg);
    }

    /// Sends a message between nodes: delayed, and lost at random while faults last.
    fn send(&mut self, msg: Msg) {
        if !self.healed && self.shape.loss > 0.0 && self.rng.gen_bool(self.shape.loss) {
            return;
        }
        let delay = self.rng.gen_range(1..=self.shape.delay_ms);
        self.at(delay, msg);
    }

    fn conn(&self, a: usize, b: usize) -> Option<u64> {
        self.conns.get(&pair(a, b)).map(|c| c.id)
    }

    fn running(&self, i: usize) -> bool {
        self.nodes[i].set.is_some()
    }

    /// Stores what node `i` changed and tells its scheduler.
    fn persist(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        let Some(set) = node.set.as_mut() else {
            return;
        };
        let stored = set
            .persist(&mut node.store)
            .unwrap_or_else(|e| panic!("seed {}: storing failed: {e}", self.seed));
        if stored.is_empty() {
            return;
        }
        self.reconnect(i);
        for s in stored {
            self.on_stored(i, s);
        }
    }

    /// As `sync::Engine::on_change`: the scheduler hears of a stored batch; changes only sync
    /// brought in are passed on as news.
    fn on_stored(&mut self, i: usize, s: Stored) {
        let members: Vec<Member> = self.nodes[i]
            .set()
            .replica
            .members_of(&s.network)
            .into_iter()
            .filter_map(|(group, _)| {
                let j = self.index(&group)?;
                Some(Member {
                    group,
                    listening: self.conn(i, j).is_some(),
                })
            })
            .collect();
        let event = Event::Stored {
            network: s.network,
            members,
            made_here: !s.made_here.is_empty(),
        };
        self.handle(i, event, Some(&s));
        self.announce(i, s.network, s.synced);
    }

    fn index(&self, group: &GroupId) -> Option<usize> {
        self.nodes.iter().position(|n| &n.group == group)
    }

    /// Brings node `i`'s connections up to date: up where both run, their link is up and each
    /// sees the other as a member; new shared networks reported as on connecting.
    fn reconnect(&mut self, i: usize) {
        for j in 0..self.nodes.len() {
            if j == i {
                continue;
            }
            let shared: BTreeSet<DocId> =
                if self.running(i) && self.running(j) && !self.cut.contains(&pair(i, j)) {
                    let gj = self.nodes[j].group;
                    let gi = self.nodes[i].group;
                    let mine: BTreeSet<DocId> = self.nodes[i]
                        .set()
                        .replica
                        .networks_with(&gj)
                        .into_iter()
                        .collect();
                    let theirs: BTreeSet<DocId> = self.nodes[j]
                        .set()
                        .replica
                        .networks_with(&gi)
                        .into_iter()
                        .collect();
                    mine.intersection(&theirs).copied().collect()
                } else {
                    BTreeSet::new()
                };
            let key = pair(i, j);
            match (self.conns.get_mut(&key), shared.is_empty()) {
                (None, true) => {}
                (None, false) => {
                    self.next_conn += 1;
                    self.conns.insert(
                        key,
                        Conn {
                            id: self.next_conn,
                            shared: shared.clone(),
                        },
                    );
                    self.connected(i, j, shared.iter().copied().collect());
                    self.connected(j, i, shared.into_iter().collect());
                }
                (Some(c), false) => {
                    let new: Vec<DocId> = shared.difference(&c.shared).copied().collect();
                    c.shared = shared;
                    if !new.is_empty() {
                        self.connected(i, j, new.clone());
                        self.connected(j, i, new);
                    }
                }
                (Some(_), true) => self.disconnect(i, j),
            }
        }
    }

    fn connected(&mut self, i: usize, j: usize, networks: Vec<DocId>) {
        let peer = self.nodes[j].group;
        self.handle(i, Event::Connected { peer, networks }, None);
    }

    /// Closes the connection between `a` and `b`: both hear of it, and the sessions over it fail.
    fn disconnect(&mut self, a: usize, b: usize) {
        if self.conns.remove(&pair(a, b)).is_none() {
            return;
        }
        for (i, j) in [(a, b), (b, a)] {
            if !self.running(i) {
                continue;
            }
            let peer = self.nodes[j].group;
            self.handle(i, Event::Disconnected { peer }, None);
            let failed: Vec<u64> = self.nodes[i]
                .sessions
                .iter()
                .filter(|(_, r)| r.peer == j)
                .map(|(id, _)| *id)
                .collect();
            for id in failed {
                self.end_session(i, id, false);
            }
        }
    }

    /// Hands node `i`'s scheduler an event and carries out what it decides.
    fn handle(&mut self, i: usize, event: Event, stored: Option<&Stored>) {
        if !self.running(i) {
            return;
        }
        let now = self.now;
        let actions = self.nodes[i].schedule.handle(now, event);
        for action in actions {
            match action {
                Action::Session { peer, network } => self.open_session(i, peer, network),
                Action::Announce { network } => {
                    let made_here = stored
                        .filter(|s| s.network == network)
                        .map(|s| s.made_here.clone())
                        .unwrap_or_default();
                    self.announce(i, network, made_here);
                }
                Action::Abandon { peer, network } => {
                    let j = self.index(&peer);
                    let own: Vec<u64> = self.nodes[i]
                        .sessions
                        .iter()
                        .filter(|(_, r)| Some(r.peer) == j && r.network == network)
                        .map(|(id, _)| *id)
                        .collect();
                    for id in own {
                        self.end_session(i, id, false);
                    }
                }
                // Connections come up by themselves here when they can.
                Action::Dial { .. } => {}
                Action::Disconnect { peer } => {
                    if let Some(j) = self.index(&peer) {
                        self.disconnects.push((i, j));
                        self.disconnect(i, j);
                    }
                }
                Action::Recheck {
                    peer,
                    network,
                    owed,
                } => {
                    let still = self.nodes[i].set().replica.recheck(&peer, &network, owed);
                    let event = Event::Rechecked {
                        peer,
                        network,
                        still,
                    };
                    self.handle(i, event, None);
                }
            }
        }
    }

    /// Publishes announcements on the network's topics: every connected member of that network
    /// gets them (the gossip mesh itself is not simulated: each subscriber hears the publisher
    /// directly, once).
    fn announce(&mut self, i: usize, network: DocId, changed: Vec<announce::Changed>) {
        for (class, a) in announce::announcements(&network, changed) {
            let data = a.encode();
            for j in 0..self.nodes.len() {
                let Some(c) = self.conns.get(&pair(i, j)) else {
                    continue;
                };
                if c.shared.contains(&network) {
                    let conn = c.id;
                    self.send(Msg::Announce {
                        from: i,
                        to: j,
                        conn,
                        network,
                        class,
                        data: data.clone(),
                    });
                }
            }
        }
    }

    fn open_session(&mut self, i: usize, peer: GroupId, network: DocId) {
        let Some(j) = self.index(&peer) else {
            return;
        };
        let Some(conn) = self.conn(i, j) else {
            return self.session_done(i, peer, network, false);
        };
        match Initiator::open(&mut self.nodes[i].set().replica, peer, network) {
            Ok((machine, request)) => {
                self.next_session += 1;
                let session = self.next_session;
                self.nodes[i].sessions.insert(
                    session,
                    Running {
                        peer: j,
                        network,
                        machine,
                        waiting: 0,
                    },
                );
                self.persist(i);
                self.request(i, j, conn, session, request);
            }
            Err(_) => {
                self.session_done(i, peer, network, false);
            }
        }
    }

    fn request(&mut self, from: usize, to: usize, conn: u64, session: u64, request: Request) {
        let Some(r) = self.nodes[from].sessions.get_mut(&session) else {
            return;
        };
        r.waiting += 1;
        let nth = r.waiting;
        self.send(Msg::Request {
            from,
            to,
            conn,
            session,
            request,
        });
        self.at(
            TIMEOUT_MS,
            Msg::Timeout {
                node: from,
                session,
                request: nth,
            },
        );
    }

    fn session_done(&mut self, i: usize, peer: GroupId, network: DocId, forbidden: bool) {
        let done = Event::SessionDone {
            peer,
            network,
            forbidden,
        };
        self.handle(i, done, None);
    }

    fn end_session(&mut self, i: usize, session: u64, forbidden: bool) {
        let Some(r) = self.nodes[i].sessions.remove(&session) else {
            return;
        };
        self.session_done(i, self.nodes[r.peer].group, r.network, forbidden);
    }

    /// Runs until the queue is empty or `until`.
    fn run_until(&mut self, until: u64) {
        while let Some(entry) = self.queue.first_entry() {
            let (t, _) = *entry.key();
            if t > until {
                break;
            }
            let msg = entry.remove();
            self.now = t;
            self.deliver(msg);
        }
        self.now = self.now.max(until);
    }

    fn deliver(&mut self, msg: Msg) {
        if self.trace {
            println!("{:>8} {}", self.now, summary(&msg));
        }
        if let Some((from, to, conn)) = msg.link() {
            self.delivered += 1;
            self.bytes += msg.wire_size() as u64;
            // A message of a connection closed since, or to a node that is down, is lost.
            if self.conn(from, to) != Some(conn) || !self.running(to) {
                return;
            }
        }
        match msg {
            Msg::Request {
                from,
                to,
                conn,
                session,
                request,
            } => {
                let peer = self.nodes[from].group;
                let hello = match &request {
                    Request::Hello { network, .. } => Some(*network),
                    _ => None,
                };
                if let Some(network) = hello {
                    self.handle(to, Event::Crossed { peer, network }, None);
                }
                let now = self.now;
                let response = if self.nodes[to].schedule.is_banned(&peer, now) {
                    Response::Refused {
                        reason: Refusal::Forbidden,
                        message: "banned".into(),
                    }
                } else {
                    self.nodes[to].set().answer(&peer, request)
                };
                self.persist(to);
                let forbidden = matches!(
                    response,
                    Response::Refused {
                        reason: Refusal::Forbidden,
                        ..
                    }
                );
                self.send(Msg::Response {
                    from: to,
                    to: from,
                    conn,
                    session,
                    response,
                });
                if forbidden {
                    self.handle(to, Event::Offence { peer }, None);
                }
                if let Some(network) = hello {
                    self.handle(to, Event::Answered { peer, network }, None);
                }
            }
            Msg::Response {
                to,
                conn,
                session,
                response,
                ..
            } => self.on_response(to, session, conn, response),
            Msg::Announce {
                from,
                to,
                network,
                class,
                data,
                ..
            } => {
                let (source, me) = (self.nodes[from].group, self.nodes[to].group);
                let Some(net) = self.nodes[to].set().replica.network(&network) else {
                    return;
                };
                let Some(channel) = announce::channels(&network, &net, &me)
                    .into_iter()
                    .find(|c| c.class == class)
                else {
                    // Not subscribed to that topic (an aggregator and the plans).
                    return;
                };
                let Ok(a) = announce::judge(&channel, &source, &data) else {
                    panic!(
                        "seed {}: a valid announcement was judged invalid",
                        self.seed
                    );
                };
                let news = self.nodes[to].set().replica.take_announced(class, &a);
                self.persist(to);
                let event = Event::Announced {
                    network,
                    source,
                    via: source,
                    news,
                };
                self.handle(to, event, None);
            }
            Msg::Timeout {
                node,
                session,
                request,
            } => {
                let current = self.nodes[node]
                    .sessions
                    .get(&session)
                    .is_some_and(|r| r.waiting == request);
                if current {
                    self.end_session(node, session, false);
                }
            }
            Msg::Tick { node } => {
                if !self.ticking {
                    return;
                }
                self.at(schedule::TICK_MS, Msg::Tick { node });
                if !self.running(node) {
                    return;
                }
                let set = self.nodes[node].set();
                let networks: Vec<DocId> = set
                    .replica
                    .of_kind(DocKind::Network)
                    .map(|(id, _)| *id)
                    .collect();
                let networks = networks
                    .into_iter()
                    .map(|n| {
                        let members = set
                            .replica
                            .members_of(&n)
                            .into_iter()
                            .map(|(g, _)| g)
                            .collect();
                        (n, members)
                    })
                    .collect();
                self.handle(node, Event::Tick { networks }, None);
            }
            Msg::Edit { node } => self.edit(node),
            Msg::Crash { node } => {
                if !self.running(node) {
                    return;
                }
                // What was stored stays; the rest (sessions, sync states) is gone.
                for j in 0..self.nodes.len() {
                    self.disconnect(node, j);
                }
                let n = &mut self.nodes[node];
                n.set = None;
                n.sessions.clear();
                let back = self.rng.gen_range(100..=self.shape.chaos_ms.max(101));
                self.at(back, Msg::Restart { node });
            }
            Msg::Restart { node } => self.restart(node),
            Msg::Cut { a, b } => {
                self.cut.insert(pair(a, b));
                self.disconnect(a, b);
            }
            Msg::Mend { a, b } => {
                self.cut.remove(&pair(a, b));
                self.reconnect(a);
            }
        }
    }

    fn restart(&mut self, node: usize) {
        if self.running(node) {
            return;
        }
        let rng = node_rng(&mut self.rng);
        let n = &mut self.nodes[node];
        let set = DocSet::open(&mut n.store, n.key.clone(), clock, rng)
            .unwrap_or_else(|e| panic!("seed {}: node {node} cannot restart: {e}", self.seed));
        n.set = Some(set);
        n.schedule = Scheduler::new(n.group);
        self.reconnect(node);
    }

    fn on_response(&mut self, i: usize, session: u64, conn: u64, response: Response) {
        let Some(mut r) = self.nodes[i].sessions.remove(&session) else {
            return;
        };
        let step = match r.machine.answer(response) {
            Ok(Answered::Send(request)) => Ok(Step::Send(request)),
            Ok(Answered::NeedsDocs) => {
                let set = self.nodes[i].set();
                let now = set.now();
                let step = r.machine.with_docs(&mut set.replica, now);
                self.persist(i);
                step
            }
            Err(e) => Err(e),
        };
        let (peer, network) = (self.nodes[r.peer].group, r.network);
        let j = r.peer;
        match step {
            Ok(Step::Send(request)) if self.conn(i, j) == Some(conn) => {
                self.nodes[i].sessions.insert(session, r);
                self.request(i, j, conn, session, request);
            }
            Ok(_) => {
                self.session_done(i, peer, network, false);
            }
            Err(e) => {
                let forbidden = matches!(e, SessionError::Forbidden(_));
                if forbidden && !self.nodes[j].rogue {
                    let who: Vec<String> = self
                        .nodes
                        .iter()
                        .map(|n| {
                            format!(
                                "{}{}",
                                n.group.short(),
                                if n.rogue { " (rogue)" } else { "" }
                            )
                        })
                        .collect();
                    for k in [i, j] {
                        let set = self.nodes[k].set();
                        let plans: Vec<DocId> = set
                            .replica
                            .of_kind(DocKind::Plan)
                            .map(|(id, _)| *id)
                            .collect();
                        for id in plans {
                            let p: Plan = set.read(&id).expect("a plan");
                            let l = &set.replica.docs[&id];
                            println!(
                                "node {k}: plan {id} made by {} collaborators {:?} changes {} actions {:?}",
                                l.header.owner.short(),
                                p.collaborators
                                    .iter()
                                    .map(GroupId::short)
                                    .collect::<Vec<_>>(),
                                l.doc.get_changes(&[]).len(),
                                p.actions
                                    .iter()
                                    .map(|a| a.title.clone())
                                    .collect::<Vec<_>>()
                            );
                        }
                    }
                    panic!(
                        "seed {}: node {i} found forbidden changes from honest node {j}: {e} (nodes: {who:?})",
                        self.seed
                    );
                }
                self.session_done(i, peer, network, forbidden);
            }
        }
    }

    /// A node's people add an action: to the plan all may write, or to their own plan (made
    /// first). A rogue sometimes writes, signed, into a plan it may not write.
    fn edit(&mut self, i: usize) {
        // An aggregator writes no plan (its people work on the counts).
        if !self.running(i) || self.nodes[i].aggregator {
            return;
        }
        self.nodes[i].edits += 1;
        let k = self.nodes[i].edits;
        let title = format!("وقفة احتجاجية {i}-{k} «Égalité»");
        let mut item = [0u8; 6];
        self.rng.fill(&mut item);
        let action = NewAction {
            title: title.clone(),
            date: None,
            kind: commonground_protocol::plan::ActionKind::Other,
            notes: String::new(),
        };
        if self.nodes[i].rogue && self.rng.gen_bool(0.5) {
            // Into another node's own plan if one is known here, else the shared plan (the
            // rogue is not among its collaborators).
            let set = self.nodes[i].set();
            let target = set
                .replica
                .of_kind(DocKind::Plan)
                .map(|(id, _)| *id)
                .filter(|id| set.check_writer(id).is_err())
                .min()
                .unwrap_or(self.shared_plan);
            let written = set.write_based::<Plan, _>(&target, None, |p, _| {
                p.add_action(ItemId::from_bytes(item), &action)
            });
            if written.is_ok() {
                let heads = self.nodes[i].set().replica.docs[&target].doc.get_heads();
                self.forged.extend(heads.into_iter().map(|h| (target, h)));
            }
            self.persist(i);
            return;
        }
        let target = match (
            self.nodes[i].plan,
            self.rng.gen_bool(0.5) && !self.nodes[i].rogue,
        ) {
            (_, true) => self.shared_plan,
            (Some(own), false) => own,
            (None, false) => {
                let plan = new_plan(
                    &format!("خطة {i}"),
                    "Accès au droit pour tous",
                    self.nodes[i].group,
                );
                let network = self.network;
                let Ok(id) = self.nodes[i].set().create_plan(Some(network), &plan) else {
                    return;
                };
                self.nodes[i].plan = Some(id);
                id
            }
        };
        if self.nodes[i].set().document(&target).is_none() {
            // The shared plan has not reached this node yet: its people cannot open it.
            return;
        }
        let done = self.nodes[i]
            .set()
            .edit::<Plan, _>(&target, |p| p.add_action(ItemId::from_bytes(item), &action));
        match done {
            Ok(()) => {
                self.persist(i);
                self.nodes[i].acked.push((target, title));
            }
            Err(e) => panic!("seed {}: node {i} could not edit: {e}", self.seed),
        }
    }

    /// Heals every fault and runs until every honest node holds the same documents.
    fn heal(&mut self) -> Result<u64, String> {
        self.run_until(self.shape.chaos_ms);
        self.healed = true;
        self.cut.clear();
        for i in 0..self.nodes.len() {
            self.restart(i);
        }
        for i in 0..self.nodes.len() {
            self.reconnect(i);
        }
        let start = self.now;
        let deadline = start + HEAL_MS;
        while self.now < deadline {
            let next = self.now + schedule::TICK_MS / 4;
            self.run_until(next);
            if self.converged().is_ok() {
                return Ok(self.now - start);
            }
        }
        self.converged().map(|()| self.now - start)
    }

    fn honest(&self) -> impl Iterator<Item = (usize, &Node)> {
        self.nodes.iter().enumerate().filter(|(_, n)| !n.rogue)
    }

    /// Whether every honest node holds every shared document of its networks at the same heads.
    fn converged(&self) -> Result<(), String> {
        let mut all: BTreeMap<DocId, BTreeMap<Vec<ChangeHash>, Vec<usize>>> = BTreeMap::new();
        let mut networks: BTreeMap<DocId, BTreeSet<usize>> = BTreeMap::new();
        for (i, n) in self.honest() {
            let set = n.set.as_ref().ok_or("a node is down")?;
            for (id, l) in &set.replica.docs {
                if let Some(network) = l.header.network {
                    let mut heads = l.doc.get_heads();
                    heads.sort();
                    all.entry(*id)
                        .or_default()
                        .entry(heads)
                        .or_default()
                        .push(i);
                    networks.entry(network).or_default().insert(i);
                }
            }
        }
        for (id, versions) in &all {
            let holders: BTreeSet<usize> = versions.values().flatten().copied().collect();
            let header = self.honest().find_map(|(_, n)| {
                n.set
                    .as_ref()
                    .and_then(|s| s.replica.docs.get(id))
                    .map(|l| l.header.clone())
            });
            let mut members = header
                .as_ref()
                .and_then(|h| h.network)
                .and_then(|n| networks.get(&n))
                .cloned()
                .unwrap_or_default();
            // Aggregators never hold a plan.
            if header.is_some_and(|h| h.kind == DocKind::Plan) {
                members.retain(|i| !self.nodes[*i].aggregator);
            }
            if versions.len() != 1 || holders != members {
                return Err(format!(
                    "document {id}: {} versions, held by {} of the {} honest members ({:?})",
                    versions.len(),
                    holders.len(),
                    members.len(),
                    versions.values().collect::<Vec<_>>()
                ));
            }
        }
        Ok(())
    }

    /// The checks of a healed run.
    fn check(&self) -> Result<(), String> {
        self.converged()?;
        for (i, n) in self.honest() {
            let set = n.set.as_ref().ok_or("a node is down")?;
            if n.aggregator {
                if set.replica.of_kind(DocKind::Plan).next().is_some() {
                    return Err(format!("aggregator node {i} holds a plan"));
                }
                continue;
            }
            for (_, owner) in self.honest() {
                for (plan, title) in &owner.acked {
                    let p: Plan = set
                        .read(plan)
                        .map_err(|e| format!("node {i} cannot read plan {plan}: {e}"))?;
                    let times = p.actions.iter().filter(|a| &a.title == title).count();
                    if times != 1 {
                        return Err(format!(
                            "node {i}: acknowledged action {title:?} is in plan {plan} {times} times"
                        ));
                    }
                }
            }
            for (doc, hash) in &self.forged {
                if let Some(l) = set.replica.docs.get(doc)
                    && l.doc.get_change_meta_by_hash(hash).is_some()
                {
                    return Err(format!(
                        "node {i} holds a change the rogue wrote without the right to"
                    ));
                }
            }
        }
        for (by, whom) in &self.disconnects {
            if !self.nodes[*whom].rogue {
                return Err(format!(
                    "node {by} disconnected honest node {whom} as an offender"
                ));
            }
        }
        Ok(())
    }
}

/// What one run did, for the report.
#[derive(Debug, Default)]
struct Report {
    runs: u64,
    nodes: usize,
    acked: usize,
    forged: usize,
    crashes: usize,
    cuts: usize,
    partitions: usize,
    aggregators: usize,
    messages: u64,
    /// The longest time a run took to converge after healing (simulated milliseconds).
    slowest_ms: u64,
}

impl Report {
    fn add(&mut self, other: &Report) {
        self.runs += other.runs;
        self.nodes += other.nodes;
        self.acked += other.acked;
        self.forged += other.forged;
        self.crashes += other.crashes;
        self.cuts += other.cuts;
        self.partitions += other.partitions;
        self.aggregators += other.aggregators;
        self.messages += other.messages;
        self.slowest_ms = self.slowest_ms.max(other.slowest_ms);
    }
}

/// Runs one seed to the end; `Err` says what broke.
fn run(seed: u64) -> Result<Report, String> {
    let mut sim = Sim::new(seed);
    let healed_in = sim.heal()?;
    sim.check()?;
    Ok(Report {
        runs: 1,
        nodes: sim.shape.nodes,
        acked: sim.nodes.iter().map(|n| n.acked.len()).sum(),
        forged: sim.forged.len(),
        crashes: sim.shape.crashes,
        cuts: sim.shape.cuts,
        partitions: sim.shape.partitions,
        aggregators: usize::from(sim.shape.aggregator),
        messages: sim.delivered,
        slowest_ms: healed_in,
    })
}

/// Runs the seeds of part `part` of `parts` (every `parts`-th, from `part`): the test is split
/// so that its halves run on two threads.
fn seeded(part: u64, parts: u64) {
    let seeds: Vec<u64> = match std::env::var("COMMONGROUND_SIM_SEED") {
        Ok(s) if part == 0 => vec![s.parse().expect("COMMONGROUND_SIM_SEED is a number")],
        Ok(_) => Vec::new(),
        Err(_) => {
            let runs = std::env::var("COMMONGROUND_SIM_RUNS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(RUNS);
            (0..runs).filter(|s| s % parts == part).collect()
        }
    };
    let replay = |seed: u64| {
        format!("replay: COMMONGROUND_SIM_SEED={seed} cargo test -p commonground-node sim")
    };
    let mut failed = Vec::new();
    let mut all = Report::default();
    for seed in seeds {
        match std::panic::catch_unwind(|| run(seed)) {
            Ok(Ok(report)) => {
                if std::env::var("COMMONGROUND_SIM_SEED").is_ok() {
                    println!(
                        "seed {seed}: {:?}: {report:?}",
                        Shape::of(seed, &mut StdRng::seed_from_u64(seed))
                    );
                }
                all.add(&report);
            }
            Ok(Err(why)) => {
                eprintln!("simulation seed {seed} failed: {why}\n{}", replay(seed));
                failed.push(seed);
            }
            Err(_) => {
                eprintln!("simulation seed {seed} panicked (above)\n{}", replay(seed));
                failed.push(seed);
            }
        }
    }
    println!("simulation: {all:?}");
    assert!(failed.is_empty(), "simulation seeds failed: {failed:?}");
}

#[test]
fn seeded_runs_converge_with_every_acknowledged_write_once_and_nothing_forged() {
    seeded(0, 2);
}

#[test]
fn seeded_runs_converge_with_every_acknowledged_write_once_and_nothing_forged_2() {
    seeded(1, 2);
}

/// A sync message whose changes build on one this node lacks (the sender's bloom filter can take
/// it for one this node has) is neither applied nor an offence: its changes are kept, the next
/// message asks for what they build on, and both are taken when it comes.
#[test]
fn changes_on_missing_history_are_kept_and_their_history_asked_for() {
    use automerge::ReadDoc;
    use automerge::sync::{ChunkList, Message, MessageVersion};
    use commonground_protocol::sync::{DocPayload, Payload};

    let mut sim = Sim::with_shape(0, StdRng::seed_from_u64(0), Shape::quiet(2));
    sim.heal().expect("two nodes converge");
    let (plan, network) = (sim.shared_plan, sim.network);
    let ga = sim.nodes[0].group;
    let a = sim.nodes[0].set();
    let mut changes = Vec::new();
    for title in ["Marche pour le logement", "مسيرة من أجل السكن"] {
        let action = NewAction {
            title: title.into(),
            date: None,
            kind: commonground_protocol::plan::ActionKind::Other,
            notes: String::new(),
        };
        let item = ItemId::from_bytes([changes.len() as u8 + 1; 6]);
        a.edit::<Plan, _>(&plan, |p| p.add_action(item, &action))
            .unwrap();
        let l = &a.replica.docs[&plan];
        let newest = l.doc.get_heads()[0];
        changes.push((
            newest,
            l.doc
                .get_change_by_hash(&newest)
                .unwrap()
                .raw_bytes()
                .to_vec(),
        ));
    }
    let (signed, rank, heads) = {
        let l = &a.replica.docs[&plan];
        (l.signed.clone(), l.rank, l.doc.get_heads())
    };
    let message = |bytes: &[u8]| DocPayload {
        doc: plan,
        payload: Payload::Message(
            Message {
                heads: heads.clone(),
                need: vec![],
                have: vec![],
                changes: ChunkList::from(bytes.to_vec()),
                flags: None,
                version: MessageVersion::V1,
            }
            .encode(),
        ),
        signed: signed.clone(),
        generation: rank,
    };
    // The second change alone: not applied, not refused, and the first asked for.
    let b = sim.nodes[1].set();
    let out = b
        .replica
        .receive(&ga, &network, vec![message(&changes[1].1)], true, &[])
        .expect("no refusal");
    assert!(
        b.replica.docs[&plan]
            .doc
            .get_change_meta_by_hash(&changes[1].0)
            .is_none()
    );
    let asks = out.iter().any(|p| match &p.payload {
        Payload::Message(m) => Message::decode(m).unwrap().need.contains(&changes[0].0),
        _ => false,
    });
    assert!(asks, "the answer asks for the missing change");
    // The first: both taken, as typed.
    b.replica
        .receive(&ga, &network, vec![message(&changes[0].1)], true, &[])
        .expect("no refusal");
    let p: Plan = b.read(&plan).unwrap();
    let titles: Vec<&str> = p.actions.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"مسيرة من أجل السكن"));
    assert!(b.replica.peers[&ga].nothing_pending());
}

/// Only a member's `Hello` naming news this node lacks too makes it pass on what sync next brings
/// it; a stranger's is refused and changes nothing.
#[test]
fn only_a_member_asking_for_news_this_node_lacks_makes_it_pass_news_on() {
    let mut sim = Sim::with_shape(1, StdRng::seed_from_u64(1), Shape::quiet(2));
    sim.heal().expect("two nodes converge");
    let network = sim.network;
    let member = sim.nodes[1].group;
    let stranger = SigningKey::from_bytes(&[0x5e; 32])
        .verifying_key()
        .to_bytes();
    let stranger = GroupId::from_public_key(stranger).expect("a key");
    let unknown = commonground_protocol::sync::DocHeads {
        doc: DocId::from_bytes([0x77; 16]),
        heads: [7; 8],
        generation: Default::default(),
    };
    let hello = |wanted| Request::Hello {
        network,
        digest: [0; 32],
        changed: vec![],
        catchup: vec![],
        wanted,
    };
    let a = sim.nodes[0].set();
    assert!(matches!(
        a.answer(&stranger, hello(vec![unknown])),
        Response::Refused { .. }
    ));
    assert!(
        !a.replica.news.passes_on(&network),
        "a stranger's Hello marked the network"
    );
    a.answer(&member, hello(vec![]));
    assert!(
        !a.replica.news.passes_on(&network),
        "a Hello wanting nothing marked the network"
    );
    a.answer(&member, hello(vec![unknown]));
    assert!(a.replica.news.passes_on(&network));
}

#[test]
fn after_syncing_both_sides_agree_on_every_document_they_share_until_one_changes() {
    let mut sim = Sim::with_shape(2, StdRng::seed_from_u64(2), Shape::quiet(2));
    sim.heal().expect("two nodes converge");
    // The sessions in flight when the copies first matched end.
    sim.run_until(sim.now + schedule::TICK_MS / 4);
    let (g0, g1) = (sim.nodes[0].group, sim.nodes[1].group);
    let shared = |set: &DocSet| {
        set.replica
            .docs
            .values()
            .filter(|l| l.header.kind.is_shared())
            .count()
    };
    let n = shared(sim.nodes[0].set());
    assert!(n >= 2, "the network document and a plan at least: {n}");
    assert_eq!(shared(sim.nodes[1].set()), n);
    assert_eq!(sim.nodes[0].set().replica.agreed_now(&g1), n);
    assert_eq!(sim.nodes[1].set().replica.agreed_now(&g0), n);
    // An edit here moves this node's heads past the agreement on that one document.
    sim.edit(0);
    assert_eq!(sim.nodes[0].set().replica.agreed_now(&g1), n - 1);
    // A group this node never synced with (here its own) has agreed on nothing with it.
    assert_eq!(sim.nodes[0].set().replica.agreed_now(&g0), 0);
}

/// A round of many documents whole is judged on several threads at once (`Judge::accept_wholes`)
/// with the outcome of judging them one by one: all taken, as typed; and a round with one forged
/// among them refused for that one (with the same refusal as when it comes with few others,
/// judged on the actor's own thread), with nothing of it taken.
#[test]
fn many_documents_whole_are_judged_at_once_as_one_by_one() {
    use commonground_protocol::sync::{DocPayload, Payload, Refusal};

    let mut sim = Sim::with_shape(3, StdRng::seed_from_u64(3), Shape::quiet(2));
    sim.heal().expect("two nodes converge");
    let network = sim.network;
    let ga = sim.nodes[0].group;
    let a = sim.nodes[0].set();
    let titles: Vec<String> = (0..20).map(|i| format!("خطة {i} — plan n° {i}")).collect();
    let mut plans = Vec::new();
    for t in &titles {
        let id = a
            .create_plan(Some(network), &new_plan(t, "Logement pour tous", ga))
            .expect("a plan");
        plans.push(id);
    }
    let whole = |set: &DocSet, id: &DocId| {
        let l = &set.replica.docs[id];
        DocPayload {
            doc: *id,
            payload: Payload::Whole(l.doc.save()),
            signed: l.signed.clone(),
            generation: l.rank,
        }
    };
    // The network document first, as a round may carry it: the others are judged after it.
    let round: Vec<DocPayload> = std::iter::once(&network)
        .chain(&plans)
        .map(|id| whole(a, id))
        .collect();
    // One forged: a plan of a's, edited without a's key (b's own copy of it, signed by b).
    let mut forged_round = round.clone();
    let at = 14; // plans[13]
    let forged = {
        let b = sim.nodes[1].set();
        let Payload::Whole(bytes) = &round[at].payload else {
            unreachable!("a document whole")
        };
        let mut doc = automerge::Automerge::load(bytes).unwrap();
        let mut tx = doc.transaction();
        automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "forged", "yes")
            .unwrap();
        tx.commit();
        let signed = vec![commonground_protocol::auth::SignedHead::sign(
            &b.replica.key,
            &plans[13],
            &doc.get_heads()[0],
        )];
        DocPayload {
            doc: plans[13],
            payload: Payload::Whole(doc.save()),
            signed,
            generation: round[at].generation,
        }
    };
    forged_round[at] = forged.clone();
    let b = sim.nodes[1].set();
    let refusal = |r: Result<Vec<DocPayload>, Response>| match r {
        Err(Response::Refused { reason, .. }) => reason,
        other => panic!("expected a refusal, got {:?}", other.map(|v| v.len())),
    };
    let in_parallel = refusal(b.replica.receive(&ga, &network, forged_round, true, &[]));
    assert!(
        plans.iter().all(|p| !b.replica.docs.contains_key(p)),
        "nothing of a refused round taken"
    );
    let alone = refusal(b.replica.receive(
        &ga,
        &network,
        vec![round[0].clone(), round[1].clone(), forged],
        true,
        &[],
    ));
    assert_eq!(in_parallel, alone);
    assert_ne!(in_parallel, Refusal::Malformed);
    // The honest round: every plan taken, its title as typed.
    b.replica
        .receive(&ga, &network, round, true, &[])
        .expect("an honest round is taken");
    for (id, t) in plans.iter().zip(&titles) {
        let p: Plan = b.read(id).expect("taken");
        assert_eq!(p.title.as_str(), t);
    }
}
