//! Trust across a federation, over real libp2p connections on loopback: changes crafted by
//! members are refused at every node and honest ones still flow; an aggregator gets tallies and
//! never a plan; counts roll up from groups to a region to a nation; a removed group is cut off;
//! bundles carry a network between nodes that never connect.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use automerge::sync::{ChunkList, State, SyncDoc};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, Change, ChangeHash, ROOT, ReadDoc};
use common::{TestNode, documents, request, wait_until};
use commonground_node::identity::Identity;
use commonground_protocol::auth::SignedHead;
use commonground_protocol::doc::{self, Schema};
use commonground_protocol::ids::{Day, DocId, GroupId};
use commonground_protocol::network::{Network, Role};
use commonground_protocol::plan::Plan;
use commonground_protocol::publish::{Published, published_id};
use commonground_protocol::sync::{DocPayload, Payload, Refusal, Request, Response};
use serde_json::{Value, json};

const CONVERGE: Duration = Duration::from_secs(30);
const PERIOD: &str = "2026-11";

/// A network created at `coordinator` with `others` admitted; returns once every node knows
/// every member.
async fn federation(name: &str, coordinator: &TestNode, others: &[&TestNode]) -> String {
    let net = coordinator.create_network(name).await;
    for o in others {
        coordinator.admit(&net, o).await;
    }
    for node in std::iter::once(coordinator).chain(others.iter().copied()) {
        wait_until("every member known everywhere", CONVERGE, || async {
            (members(node, &net).await.len() == others.len() + 1).then_some(())
        })
        .await;
    }
    net
}

/// The member groups of a network as a node knows them.
async fn members(node: &TestNode, net: &str) -> Vec<String> {
    node.ok(&format!("/networks/{net}")).await["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["group"].as_str().unwrap().to_string())
        .collect()
}

/// A plan of `net` created at `owner`, written together with `collaborators`.
async fn new_plan(owner: &TestNode, net: &str, title: &str, collaborators: &[&TestNode]) -> String {
    let p = owner
        .post_ok("/plans", json!({"title": title, "network": net}))
        .await;
    let id = p["id"].as_str().unwrap().to_string();
    owner.collaborate(&id, collaborators).await;
    id
}

/// Edits a plan's goal at `node` once the node knows it collaborates on the plan.
async fn set_goal(node: &TestNode, plan: &str, goal: &str) {
    wait_until("the node collaborates on the plan", CONVERGE, || async {
        let p = node.plan(plan).await?;
        let me = json!(node.group());
        p["collaborators"].as_array()?.contains(&me).then_some(())
    })
    .await;
    node.patch_ok(&format!("/plans/{plan}"), json!({"goal": goal}))
        .await;
}

/// A node's copy of a plan, when it holds it with `goal`.
async fn plan_with_goal(node: &TestNode, plan: &str, goal: &str) -> Option<Value> {
    node.plan(plan).await.filter(|p| p["goal"] == goal)
}

/// The heads of every document a node holds of a network.
async fn heads(node: &TestNode, net: &str) -> BTreeMap<DocId, Vec<ChangeHash>> {
    documents(node, net)
        .await
        .into_iter()
        .map(|(id, (d, _))| (id, d.get_heads()))
        .collect()
}

/// Waits until every node holds the same documents of `net` at the same heads.
async fn in_step(nodes: &[&TestNode], net: &str, docs: usize) {
    wait_until("the same documents everywhere", CONVERGE, || async {
        let first = heads(nodes[0], net).await;
        for n in &nodes[1..] {
            if heads(n, net).await != first {
                return None;
            }
        }
        (first.len() == docs).then_some(())
    })
    .await;
}

fn day() -> Day {
    "2026-11-25".parse().unwrap()
}

/// `base` with one edit of its body by `author`.
fn edited<T: Schema>(base: &Automerge, author: &GroupId, f: impl FnOnce(&mut T)) -> Automerge {
    let mut d = base.fork();
    doc::edit::<T, _>(&mut d, author, day(), |body| {
        f(body);
        Ok(())
    })
    .unwrap();
    d
}

/// The changes `d` holds beyond `base`.
fn added(base: &Automerge, d: &Automerge) -> Vec<Change> {
    d.get_changes(&base.get_heads())
}

/// A sync message from a node holding `base`, carrying `changes`.
fn message(base: &Automerge, changes: &[Change]) -> Vec<u8> {
    let mut msg = base.generate_sync_message(&mut State::new()).unwrap();
    msg.changes = ChunkList::from(
        changes
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>(),
    );
    msg.encode()
}

/// `who`'s signature of the newest change in `changes`.
fn signed(who: &Identity, id: &DocId, changes: &[Change]) -> Vec<SignedHead> {
    vec![SignedHead::sign(
        who.signing_key(),
        id,
        &changes.last().unwrap().hash(),
    )]
}

/// The opening of a session that claims no earlier agreement.
fn hello(network: DocId) -> Request {
    Request::Hello {
        network,
        digest: [0; 32],
        changed: vec![],
        catchup: vec![],
        wanted: vec![],
    }
}

/// The changes a malicious member crafts, each sent alone in one sync round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crafted {
    /// An edit of a plan under a collaborator's actor id, signed with the member's own key.
    UnderAnotherActor,
    /// Another group's published tally, erased.
    OthersPublished,
    /// A plan the member does not collaborate on.
    NotCollaborator,
    /// The network document: the member makes itself coordinator.
    PromoteSelf,
    /// A plan whole under a new id, with the signatures made for the original.
    Replay,
    /// The second of two signed changes without the first: not applied, and no offence (an
    /// honest sender's bloom filter can take a change the receiver lacks for one it holds);
    /// the receiver answers asking for what it lacks.
    MissingHistory,
    /// A phone number in a plan the member does collaborate on.
    PersonalData,
    /// The header of a plan it collaborates on, rewritten.
    HeaderRewrite,
    /// Bytes that are no document at all, as a new document.
    Garbage,
    /// A phone number written into a plan it collaborates on, then deleted by a second
    /// change: the final state is clean, the history is not.
    HiddenInHistory,
    /// A change that carries a message.
    WithMessage,
    /// A change that carries a time of day.
    TimeOfDay,
}

impl Crafted {
    /// The refusal an honest node answers with (what a change carries is no offence), or
    /// `None` for an answer that takes nothing and refuses nothing.
    fn refusal(self) -> Option<Refusal> {
        match self {
            Self::Garbage => Some(Refusal::Malformed),
            Self::PersonalData | Self::HiddenInHistory | Self::WithMessage | Self::TimeOfDay => {
                Some(Refusal::Content)
            }
            Self::MissingHistory => None,
            _ => Some(Refusal::Forbidden),
        }
    }
}

/// What the crafting member knows: its key, its copies of the documents, and their ids.
struct Attacker<'a> {
    node: &'a TestNode,
    key: Identity,
    docs: BTreeMap<DocId, (Automerge, Vec<SignedHead>)>,
}

/// The ids the attacks aim at.
struct Targets {
    network: DocId,
    /// A plan of the coordinator and `b`, not the attackers'.
    closed: DocId,
    /// A plan everyone writes.
    open: DocId,
    /// The coordinator's published tally.
    published: DocId,
    /// A collaborator of `closed`.
    b: GroupId,
}

impl Attacker<'_> {
    /// Sends `payload` (crafted as `what`) to `honest` in one round of network `net`, which
    /// must refuse it for `what`'s reason and change nothing.
    async fn refused_by(&self, honest: &TestNode, net: &str, what: Crafted, payload: DocPayload) {
        let before = heads(honest, net).await;
        let answer = self.send(honest, net.parse().unwrap(), payload).await;
        match what.refusal() {
            Some(expected) => assert!(
                matches!(answer, Response::Refused { reason, .. } if reason == expected),
                "{what:?} sent to {}: {answer:?}",
                honest.name
            ),
            None => {
                let asks = match &answer {
                    Response::Sync { docs, .. } => docs.iter().any(|p| match &p.payload {
                        Payload::Message(m) => {
                            automerge::sync::Message::decode(m).is_ok_and(|m| !m.need.is_empty())
                        }
                        _ => false,
                    }),
                    _ => false,
                };
                assert!(asks, "{what:?} sent to {}: {answer:?}", honest.name);
            }
        }
        assert_eq!(
            heads(honest, net).await,
            before,
            "{what:?} changed {}",
            honest.name
        );
    }

    fn doc(&self, id: &DocId) -> &Automerge {
        &self.docs[id].0
    }

    fn craft(&self, what: Crafted, t: &Targets) -> DocPayload {
        let me = self.node.node.group;
        let whole = |doc: DocId, d: &Automerge, signed: Vec<SignedHead>| DocPayload {
            doc,
            payload: Payload::Whole(d.save()),
            signed,
            generation: Default::default(),
        };
        let changes = |doc: DocId, changes: Vec<Change>, signed: Vec<SignedHead>| DocPayload {
            doc,
            payload: Payload::Message(message(self.doc(&doc), &changes)),
            signed,
            generation: Default::default(),
        };
        let edit_goal = |doc: DocId, author: &GroupId, goal: &str| {
            let base = self.doc(&doc);
            added(base, &edited::<Plan>(base, author, |p| p.goal.set(goal)))
        };
        match what {
            Crafted::UnderAnotherActor => {
                let c = edit_goal(t.closed, &t.b, "Forged in another group's name");
                let s = signed(&self.key, &t.closed, &c);
                changes(t.closed, c, s)
            }
            Crafted::OthersPublished => {
                let base = self.doc(&t.published);
                let d = edited::<Published>(base, &me, |p| p.periods.clear());
                whole(
                    t.published,
                    &d,
                    signed(&self.key, &t.published, &added(base, &d)),
                )
            }
            Crafted::NotCollaborator => {
                let c = edit_goal(t.closed, &me, "Taken over");
                let s = signed(&self.key, &t.closed, &c);
                changes(t.closed, c, s)
            }
            Crafted::PromoteSelf => {
                let base = self.doc(&t.network);
                let d =
                    edited::<Network>(base, &me, |n| n.set_role(&me, Role::Coordinator).unwrap());
                whole(
                    t.network,
                    &d,
                    signed(&self.key, &t.network, &added(base, &d)),
                )
            }
            Crafted::Replay => {
                let (d, signed) = &self.docs[&t.closed];
                whole(DocId::from_bytes([0x5a; 16]), d, signed.clone())
            }
            Crafted::MissingHistory => {
                let base = self.doc(&t.open);
                let once = edited::<Plan>(base, &me, |p| p.goal.set("First step"));
                let twice = edited::<Plan>(&once, &me, |p| p.goal.set("Second step"));
                let c = added(base, &twice);
                assert_eq!(c.len(), 2);
                let s = signed(&self.key, &t.open, &c);
                changes(t.open, c[1..].to_vec(), s)
            }
            Crafted::PersonalData => {
                let c = edit_goal(t.open, &me, "Call Amal on 07700 900123");
                let s = signed(&self.key, &t.open, &c);
                changes(t.open, c, s)
            }
            Crafted::HeaderRewrite => {
                let base = self.doc(&t.open);
                let mut d = base.fork();
                d.set_actor(me.actor_id());
                let (_, header) = d.get(ROOT, "header").unwrap().unwrap();
                d.transact::<_, _, automerge::AutomergeError>(|tx| {
                    tx.put(&header, "kind", "network")
                })
                .unwrap();
                let c = added(base, &d);
                let s = signed(&self.key, &t.open, &c);
                changes(t.open, c, s)
            }
            Crafted::HiddenInHistory => {
                let base = self.doc(&t.open);
                let once = edited::<Plan>(base, &me, |p| p.goal.set("Ring Amal on 07700 900123"));
                let twice = edited::<Plan>(&once, &me, |p| p.goal.set("Homes for every family"));
                let c = added(base, &twice);
                let s = signed(&self.key, &t.open, &c);
                changes(t.open, c, s)
            }
            Crafted::WithMessage | Crafted::TimeOfDay => {
                let base = self.doc(&t.open);
                let mut d = base.fork();
                d.set_actor(me.actor_id());
                let midnight = day().unix_start();
                let opts = if what == Crafted::WithMessage {
                    CommitOptions::default()
                        .with_time(midnight)
                        .with_message("typed by the caseworker on her phone".to_string())
                } else {
                    CommitOptions::default().with_time(midnight + 14 * 3600 + 37 * 60)
                };
                let mut tx = d.transaction();
                tx.put(ROOT, "note", "ok").unwrap();
                tx.commit_with(opts);
                let c = added(base, &d);
                let s = signed(&self.key, &t.open, &c);
                changes(t.open, c, s)
            }
            // For a document the node holds, Automerge skips chunks it cannot read, so junk
            // would be taken as "no changes"; for a new one it is refused as unreadable.
            Crafted::Garbage => DocPayload {
                doc: DocId::from_bytes([0x6b; 16]),
                payload: Payload::Whole(b"not a document".to_vec()),
                signed: vec![],
                generation: Default::default(),
            },
        }
    }

    /// Opens a session with `to` and sends one round with `payload`.
    async fn send(&self, to: &TestNode, network: DocId, payload: DocPayload) -> Response {
        let r = request(self.node, to, hello(network)).await.unwrap();
        assert!(matches!(r, Response::Hello { .. }), "{r:?}");
        let round = Request::Sync {
            network,
            docs: vec![payload],
        };
        request(self.node, to, round).await.unwrap()
    }
}

/// What a change carries — personal data written and deleted again, a message, a time of day
/// — is refused by every node as `Content`, however often: it is no offence (an honest node
/// with older rules may send it), so the sender is never ignored and its honest changes flow.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_carrying_what_no_change_may_are_refused_everywhere_and_are_no_offence() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let m = TestNode::start("Wolverhampton", vec![]).await;
    let net = federation("Midlands", &a, &[&b, &m]).await;
    let open = new_plan(&a, &net, "Open letter", &[&b, &m]).await;
    a.tally("housing", 9, PERIOD).await;
    a.publish(&net, PERIOD).await;
    in_step(&[&a, &b, &m], &net, 3).await;
    let network: DocId = net.parse().unwrap();
    let targets = Targets {
        network,
        closed: open.parse().unwrap(),
        open: open.parse().unwrap(),
        published: published_id(&network, &a.node.group),
        b: b.node.group,
    };
    let sender = Attacker {
        node: &m,
        key: m.identity(),
        docs: documents(&m, &net).await,
    };
    // Twice each of four kinds: eight refusals per node, far past the offences that would have
    // it ignored.
    for _ in 0..2 {
        for what in [
            Crafted::HiddenInHistory,
            Crafted::WithMessage,
            Crafted::TimeOfDay,
            Crafted::PersonalData,
        ] {
            let payload = sender.craft(what, &targets);
            for honest in [&a, &b] {
                sender.refused_by(honest, &net, what, payload.clone()).await;
            }
        }
    }
    // Not ignored: its honest edit reaches both.
    let goal = "A letter from all of us";
    set_goal(&m, &open, goal).await;
    for n in [&a, &b] {
        wait_until("the sender's honest edit everywhere", CONVERGE, || async {
            plan_with_goal(n, &open, goal).await
        })
        .await;
    }
    for n in [a, b, m] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crafted_changes_are_refused_by_every_node_and_honest_ones_still_flow() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    // Four malicious members: a node stops listening to a peer after its third forbidden round,
    // so each sends at most two forbidden rounds to each honest node, all of them answered.
    let mut ms = Vec::new();
    for i in 1..=4 {
        ms.push(TestNode::start(&format!("Attacker {i}"), vec![]).await);
    }
    let mut others = vec![&b];
    others.extend(ms.iter());
    let net = federation("Midlands", &a, &others).await;
    let closed = new_plan(&a, &net, "Housing casework", &[&b]).await;
    let open = new_plan(&a, &net, "Open letter", &others).await;
    set_goal(&b, &closed, "Homes for all").await;
    a.tally("housing", 9, PERIOD).await;
    a.publish(&net, PERIOD).await;
    let mut all = vec![&a];
    all.extend(others.iter().copied());
    // The network, two plans, a's published tally.
    in_step(&all, &net, 4).await;

    let network: DocId = net.parse().unwrap();
    let targets = Targets {
        network,
        closed: closed.parse().unwrap(),
        open: open.parse().unwrap(),
        published: published_id(&network, &a.node.group),
        b: b.node.group,
    };
    let rounds: [&[Crafted]; 4] = [
        &[Crafted::UnderAnotherActor, Crafted::OthersPublished],
        &[Crafted::NotCollaborator, Crafted::PromoteSelf],
        &[Crafted::Replay, Crafted::MissingHistory],
        &[
            Crafted::PersonalData,
            Crafted::HeaderRewrite,
            Crafted::Garbage,
        ],
    ];
    let mut attackers = Vec::new();
    for m in &ms {
        attackers.push(Attacker {
            node: m,
            key: m.identity(),
            docs: documents(m, &net).await,
        });
    }
    for (attacker, crafted) in attackers.iter().zip(rounds) {
        for &what in crafted {
            let payload = attacker.craft(what, &targets);
            for honest in [&a, &b] {
                attacker
                    .refused_by(honest, &net, what, payload.clone())
                    .await;
            }
        }
    }
    // A third forbidden round: refused, and the sender is ignored from then on. (The refusal
    // itself may not arrive: the node can close the connection before sending it, see the
    // report on `Engine::on_event` in node/src/sync.rs.)
    let before = heads(&a, &net).await;
    let third = attackers[0].craft(Crafted::NotCollaborator, &targets);
    let answer = request(
        &ms[0],
        &a,
        Request::Sync {
            network,
            docs: vec![third],
        },
    )
    .await;
    assert!(
        matches!(
            answer,
            Ok(Response::Refused {
                reason: Refusal::Forbidden,
                ..
            }) | Err(_)
        ),
        "{answer:?}"
    );
    wait_until("a ignores the first attacker", CONVERGE, || async {
        let r = request(&ms[0], &a, hello(network)).await;
        matches!(
            r,
            Ok(Response::Refused {
                reason: Refusal::Forbidden,
                ..
            })
        )
        .then_some(())
    })
    .await;
    assert_eq!(heads(&a, &net).await, before);

    // Honest changes still flow: from an attacker below the limit, and between honest nodes.
    let goal = "An open letter to the council, signed by all";
    set_goal(&ms[3], &open, goal).await;
    set_goal(&a, &closed, "Homes for all, now").await;
    for n in [&a, &b] {
        wait_until("the honest edits everywhere", CONVERGE, || async {
            plan_with_goal(n, &open, goal).await?;
            plan_with_goal(n, &closed, "Homes for all, now").await
        })
        .await;
    }
    let replayed = DocId::from_bytes([0x5a; 16]).to_string();
    assert!(a.plan(&replayed).await.is_none() && b.plan(&replayed).await.is_none());
    let roles = a.ok(&format!("/networks/{net}")).await["members"].clone();
    let coordinators: Vec<&Value> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "coordinator")
        .collect();
    assert_eq!(coordinators.len(), 1, "{roles}");
    for n in [a, b].into_iter().chain(ms) {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_aggregator_receives_published_tallies_and_never_a_plan() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let hub = TestNode::start("Regional hub", vec![]).await;
    let net = federation("Midlands", &a, &[&b, &hub]).await;
    a.put_ok(
        &format!("/networks/{net}/members/{}", hub.group()),
        json!({"role": "aggregator"}),
    )
    .await;
    for n in [&a, &b, &hub] {
        wait_until("the hub is an aggregator everywhere", CONVERGE, || async {
            let v = n.ok(&format!("/networks/{net}")).await;
            let roles = v["members"].as_array().unwrap().clone();
            roles
                .iter()
                .any(|m| m["group"] == hub.group() && m["role"] == "aggregator")
                .then_some(())
        })
        .await;
    }
    let plan = new_plan(&a, &net, "Housing casework", &[&b]).await;
    set_goal(&b, &plan, "Homes for all").await;
    a.tally("housing", 9, PERIOD).await;
    b.tally("housing", 6, PERIOD).await;
    a.publish(&net, PERIOD).await;
    b.publish(&net, PERIOD).await;
    let expected = vec![("housing".to_string(), 15, 15)];
    wait_until("the hub has both published tallies", CONVERGE, || async {
        (hub.region(&net, PERIOD).await == expected).then_some(())
    })
    .await;
    wait_until("a has b's edit of the plan", CONVERGE, || async {
        plan_with_goal(&a, &plan, "Homes for all").await
    })
    .await;
    // The plan and its edit reached a by now: the hub holds no plan at all, and asking for one
    // by id gets nothing.
    assert_eq!(hub.ok("/plans").await, json!([]));
    let want = Request::Sync {
        network: net.parse().unwrap(),
        docs: vec![DocPayload {
            doc: plan.parse().unwrap(),
            payload: Payload::Want,
            signed: vec![],
            generation: Default::default(),
        }],
    };
    match request(&hub, &a, want).await.unwrap() {
        Response::Sync { docs, .. } => assert!(docs.is_empty(), "{docs:?}"),
        other => assert!(matches!(other, Response::Refused { .. }), "{other:?}"),
    }
    let held = documents(&hub, &net).await;
    assert_eq!(held.len(), 3, "the network and two published tallies");
    for (d, _) in held.values() {
        let kind = doc::header(d).unwrap().kind;
        assert!(kind != doc::DocKind::Plan, "{kind}");
    }
    assert!(hub.plan(&plan).await.is_none());
    for n in [a, b, hub] {
        n.stop().await;
    }
}

/// An aggregator that joins by an invite naming its role is an aggregator from its first
/// moment: the plans that already exist never reach it, not even their bytes on its disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_aggregator_joined_by_invite_never_holds_a_plans_bytes() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let net = federation("Midlands", &a, &[&b]).await;
    let title = "Quokka casework for the hotel";
    let plan = new_plan(&a, &net, title, &[&b]).await;
    set_goal(&b, &plan, "Homes for all").await;
    a.tally("housing", 9, PERIOD).await;
    a.publish(&net, PERIOD).await;
    wait_until("b has a's published tally", CONVERGE, || async {
        (b.region(&net, PERIOD).await == vec![("housing".to_string(), 9, 9)]).then_some(())
    })
    .await;

    let hub = TestNode::start("Regional hub", vec![]).await;
    a.admit_as(&net, &hub, "aggregator").await;
    wait_until("the hub has the published tally", CONVERGE, || async {
        (hub.region(&net, PERIOD).await == vec![("housing".to_string(), 9, 9)]).then_some(())
    })
    .await;
    let v = hub.ok(&format!("/networks/{net}")).await;
    assert!(
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["group"] == hub.group() && m["role"] == "aggregator"),
        "{v}"
    );
    // b syncs with the hub too (it has a newer state of the plan than a's first one).
    b.tally("housing", 6, PERIOD).await;
    b.publish(&net, PERIOD).await;
    wait_until("the hub has b's published tally too", CONVERGE, || async {
        (hub.region(&net, PERIOD).await == vec![("housing".to_string(), 15, 15)]).then_some(())
    })
    .await;
    assert_eq!(hub.ok("/plans").await, json!([]));
    assert!(hub.plan(&plan).await.is_none());
    let found = hub.files_containing(b"Quokka casework");
    assert!(
        found.is_empty(),
        "the plan's title is on the hub's disk: {found:?}"
    );
    // The check can see a title: a, which holds the plan, has it on its disk.
    assert!(!a.files_containing(b"Quokka casework").is_empty());
    for n in [a, b, hub] {
        n.stop().await;
    }
}

/// A member that held a plan and is then made an aggregator deletes the plan, and holds none
/// after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_made_aggregator_deletes_the_plans_it_holds() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let net = federation("Midlands", &a, &[&b]).await;
    let plan = new_plan(&a, &net, "Housing casework", &[]).await;
    wait_until("b holds the plan", CONVERGE, || async {
        b.plan(&plan).await
    })
    .await;
    a.put_ok(
        &format!("/networks/{net}/members/{}", b.group()),
        json!({"role": "aggregator"}),
    )
    .await;
    wait_until("b deletes the plan", CONVERGE, || async {
        (b.plan(&plan).await.is_none() && b.ok("/plans").await == json!([])).then_some(())
    })
    .await;
    // A's copy is untouched, and b holds none after a restart either.
    assert!(a.plan(&plan).await.is_some());
    let b = b.park().await.resume().await;
    assert_eq!(b.ok("/plans").await, json!([]));
    for n in [a, b] {
        n.stop().await;
    }
}

/// A network's rows as printed in its CSV: issue → (low, high, the total as text).
async fn printed(node: &TestNode, net: &str) -> BTreeMap<String, (i64, i64, String)> {
    let csv = node
        .text(&format!("/networks/{net}/region.csv?period={PERIOD}"))
        .await;
    csv.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let n = cols.len();
            (
                cols[0].to_string(),
                (
                    cols[n - 3].parse().unwrap(),
                    cols[n - 2].parse().unwrap(),
                    cols[n - 1].to_string(),
                ),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counts_roll_up_from_groups_to_a_region_to_a_nation() {
    let groups = [
        TestNode::start("Coventry", vec![]).await,
        TestNode::start("Birmingham", vec![]).await,
        TestNode::start("Wolverhampton", vec![]).await,
    ];
    let region = TestNode::start("West Midlands", vec![]).await;
    let nation = TestNode::start("England", vec![]).await;
    let g: Vec<&TestNode> = groups.iter().collect();
    let region_net = federation("West Midlands", &region, &g).await;
    let nation_net = federation("England", &nation, &[&region]).await;
    // The nation suppresses harder than the region.
    nation
        .patch_ok(
            &format!("/networks/{nation_net}/settings"),
            json!({"k": 10}),
        )
        .await;
    let counts: [&[(&str, i64)]; 3] = [
        &[("housing", 12), ("legal-aid", 2), ("education", 7)],
        &[("housing", 3), ("legal-aid", 1), ("education", 7)],
        &[("housing", 8), ("health", 4), ("education", 7)],
    ];
    let mut truth: BTreeMap<String, i64> = BTreeMap::new();
    for (node, counts) in groups.iter().zip(counts) {
        for (issue, n) in counts {
            node.tally(issue, *n, PERIOD).await;
            *truth.entry(issue.to_string()).or_default() += n;
        }
        node.publish(&region_net, PERIOD).await;
    }
    // Under k = 5: 12 + "fewer than 5" + 8, and so on.
    let regional = vec![
        ("housing".to_string(), 20, 24),
        ("education".to_string(), 21, 21),
        ("legal-aid".to_string(), 0, 8),
        ("health".to_string(), 0, 4),
    ];
    wait_until("the regional view", CONVERGE, || async {
        (region.region(&region_net, PERIOD).await == regional).then_some(())
    })
    .await;
    wait_until("the nation's threshold at the region", CONVERGE, || async {
        let v = region.ok(&format!("/networks/{nation_net}")).await;
        (v["settings"]["k"] == 10).then_some(())
    })
    .await;
    region
        .post_ok(
            &format!("/networks/{nation_net}/publish"),
            json!({"period": PERIOD, "from": region_net}),
        )
        .await;
    // Re-suppressed under k = 10: a range wholly below 10 becomes "fewer than 10".
    let national = vec![
        ("housing".to_string(), 20, 24),
        ("education".to_string(), 21, 21),
        ("health".to_string(), 0, 9),
        ("legal-aid".to_string(), 0, 9),
    ];
    wait_until("the national view", CONVERGE, || async {
        (nation.region(&nation_net, PERIOD).await == national).then_some(())
    })
    .await;
    for (node, net) in [(&region, &region_net), (&nation, &nation_net)] {
        let rows = printed(node, net).await;
        assert_eq!(rows.len(), truth.len(), "{rows:?}");
        for (issue, t) in &truth {
            let (low, high, text) = &rows[issue];
            assert!(low <= t && t <= high, "{issue}: {t} outside {text}");
        }
        assert_eq!(rows["housing"].2, "between 20 and 24");
        assert_eq!(rows["education"].2, "21");
    }
    for n in groups.into_iter().chain([region, nation]) {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_removed_group_receives_nothing_new_and_its_new_changes_are_refused() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let d = TestNode::start("Dudley", vec![]).await;
    let net = federation("Midlands", &a, &[&b, &d]).await;
    let plan = new_plan(&a, &net, "Housing casework", &[&b, &d]).await;
    set_goal(&d, &plan, "Dudley's goal").await;
    in_step(&[&a, &b, &d], &net, 2).await;

    a.delete_ok(&format!("/networks/{net}/members/{}", d.group()))
        .await;
    wait_until("b knows d was removed", CONVERGE, || async {
        (!members(&b, &net).await.contains(&d.group())).then_some(())
    })
    .await;
    set_goal(&a, &plan, "After Dudley").await;
    wait_until(
        "b has the edit made after the removal",
        CONVERGE,
        || async { plan_with_goal(&b, &plan, "After Dudley").await },
    )
    .await;
    // d can no longer ask anyone for anything: a node with no open invite closes its
    // connection at once, one whose invite is still open lets it in as a guest and refuses.
    let network: DocId = net.parse().unwrap();
    for other in [&a, &b] {
        if let Ok(r) = request(&d, other, hello(network)).await {
            assert!(
                matches!(
                    r,
                    Response::Refused {
                        reason: Refusal::NotMember,
                        ..
                    }
                ),
                "{r:?}"
            );
        }
    }
    assert!(plan_with_goal(&d, &plan, "After Dudley").await.is_none());

    // d still claims to collaborate and edits the plan; its change, signed with its key and
    // passed on by a member, is refused: its past changes stay, its new ones do not.
    let (base, _) = documents(&a, &net)
        .await
        .remove(&plan.parse().unwrap())
        .unwrap();
    let late = edited::<Plan>(&base, &d.node.group, |p| p.goal.set("Dudley again"));
    let changes = added(&base, &late);
    let id: DocId = plan.parse().unwrap();
    let payload = DocPayload {
        doc: id,
        payload: Payload::Message(message(&base, &changes)),
        signed: signed(&d.identity(), &id, &changes),
        generation: Default::default(),
    };
    let before = heads(&a, &net).await;
    let r = request(
        &b,
        &a,
        Request::Sync {
            network,
            docs: vec![payload],
        },
    )
    .await
    .unwrap();
    assert!(
        matches!(
            r,
            Response::Refused {
                reason: Refusal::Forbidden,
                ..
            }
        ),
        "{r:?}"
    );
    assert_eq!(heads(&a, &net).await, before);
    let history = a.plan(&plan).await.unwrap();
    assert_eq!(history["goal"], "After Dudley");
    let past = documents(&a, &net).await.remove(&id).unwrap().0;
    let actors: Vec<_> = past
        .get_changes(&[])
        .iter()
        .filter(|c| c.actor_id() == &d.node.group.actor_id())
        .map(|c| c.hash())
        .collect();
    assert_eq!(actors.len(), 1, "d's change from before its removal stays");
    for n in [a, b, d] {
        n.stop().await;
    }
}

/// The outcome line of an import: `done` or `refused`.
fn outcome(lines: &[Value]) -> &Value {
    let last = lines.last().unwrap();
    for l in &lines[..lines.len() - 1] {
        assert!(l.get("progress").is_some(), "{l}");
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bundle_carries_a_network_between_nodes_that_never_connect() {
    let c = TestNode::start("Coordinator", vec![]).await;
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let net = federation("Midlands", &c, &[&a, &b]).await;
    let b_group = b.group();
    // b goes offline before anything else is written, and c with it.
    let b = b.park().await;
    c.stop().await;

    let plan = new_plan(&a, &net, "Housing casework", &[]).await;
    a.post_ok(
        &format!("/plans/{plan}/collaborators"),
        json!({"group": b_group}),
    )
    .await;
    a.post_ok(
        &format!("/plans/{plan}/actions"),
        json!({"title": "Meet the housing officer"}),
    )
    .await;
    a.tally("housing", 12, PERIOD).await;
    a.tally("legal-aid", 2, PERIOD).await;
    a.publish(&net, PERIOD).await;
    let written = a.plan(&plan).await.unwrap();
    let peers = a.ok("/peers").await;
    assert!(!peers.to_string().contains(&b_group), "{peers}");
    let file = a.export(&net).await;
    a.stop().await;

    let b = b.resume().await;
    assert!(b.plan(&plan).await.is_none());
    let lines = b.import(file.clone()).await;
    let done = &outcome(&lines)["done"];
    assert_eq!(done["documents"], 3, "{lines:?}");
    assert!(done["changed"].as_u64().unwrap() >= 2, "{done}");
    let got = b.plan(&plan).await.unwrap();
    assert_eq!(got["heads"], written["heads"]);
    assert_eq!(got["actions"], written["actions"]);
    let published = vec![
        ("housing".to_string(), 12, 12),
        ("legal-aid".to_string(), 0, 4),
    ];
    assert_eq!(b.region(&net, PERIOD).await, published);
    let after = heads(&b, &net).await;

    // Again: nothing changes.
    let lines = b.import(file.clone()).await;
    assert_eq!(outcome(&lines)["done"]["changed"], 0, "{lines:?}");
    assert_eq!(heads(&b, &net).await, after);

    // One byte flipped, or the file cut short: refused with a clear message, nothing written.
    let mut tampered = file.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    let truncated = file[..file.len() - 100].to_vec();
    for bad in [tampered, truncated] {
        let lines = b.import(bad).await;
        let refused = &outcome(&lines)["refused"];
        let message = refused["message"].as_str().unwrap();
        assert!(message.contains("changed or cut short"), "{refused}");
        assert_eq!(heads(&b, &net).await, after);
    }
    // b can carry on: it collaborates on the plan it got from the bundle.
    b.post_ok(
        &format!("/plans/{plan}/actions"),
        json!({"title": "Report back"}),
    )
    .await;
    b.stop().await;
}

/// A member cannot show a group that does not hold a plan yet a plan of its own under that
/// plan's id, nor a forged "generation 1000" of it listing itself as the only collaborator: the
/// first is refused as forged, the second left out (it could be an honest re-issue not yet
/// endorsed) without refusing the round; the real plan arrives afterwards and is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_member_can_take_another_plans_id_at_a_group_that_lacks_it() {
    let a = TestNode::start("Coventry", vec![]).await;
    let o = TestNode::start("Oxford", vec![]).await;
    let m = TestNode::start("Attacker 5", vec![]).await;
    let j = TestNode::start("Newcomers", vec![]).await;
    let net = federation("Midlands", &a, &[&o, &m, &j]).await;
    // The plan is made while m and j are away: neither holds it.
    let (m, j) = (m.park().await, j.park().await);
    let plan = new_plan(&o, &net, "Housing", &[]).await;
    set_goal(&o, &plan, "Safe homes").await;
    wait_until("the plan at a", CONVERGE, || async {
        plan_with_goal(&a, &plan, "Safe homes").await
    })
    .await;
    let id: DocId = plan.parse().unwrap();
    let (real, _) = documents(&o, &net).await.remove(&id).unwrap();
    let (a, o) = (a.park().await, o.park().await);
    let j = j.resume().await;
    let m = m.resume_dialing(vec![j.addr().await]).await;
    let network: DocId = net.parse().unwrap();
    let me = m.node.group;
    let key = m.identity();

    // A plan of m's own (m its owner) under the real plan's id.
    let mut body: Plan = doc::read(&real).unwrap();
    body.collaborators = vec![me];
    let header = doc::header(&real).unwrap();
    let (_, squat) = doc::create_bound(me, header.network, day(), &body, [9; 16]).unwrap();
    // The real plan's header (owner o) as "generation 1000", issued by m.
    let forged_header = doc::Header {
        generation: commonground_protocol::generation::Generation {
            n: 1000,
            by: Some(me),
            day: Some(day()),
            replaces: vec![],
        },
        ..header
    };
    let forged = doc::first_state(&forged_header, &me, day(), &body).unwrap();
    let whole = |d: &Automerge| DocPayload {
        doc: id,
        payload: Payload::Whole(d.save()),
        signed: vec![SignedHead::sign(key.signing_key(), &id, &d.get_heads()[0])],
        generation: commonground_protocol::generation::GenRank::of(d, &doc::header(d).unwrap()),
    };
    let attacker = Attacker {
        node: &m,
        key: m.identity(),
        docs: BTreeMap::new(),
    };
    let answer = attacker.send(&j, network, whole(&squat)).await;
    assert!(
        matches!(
            answer,
            Response::Refused {
                reason: Refusal::Forbidden,
                ..
            }
        ),
        "{answer:?}"
    );
    let answer = attacker.send(&j, network, whole(&forged)).await;
    assert!(
        !matches!(answer, Response::Refused { .. }),
        "a plan left out refuses nothing: {answer:?}"
    );
    assert!(j.plan(&plan).await.is_none(), "j took a forged plan");

    // The real one comes when o is back, and is taken.
    let o = o.resume_dialing(vec![j.addr().await]).await;
    let got = wait_until("the real plan at j", CONVERGE, || async {
        plan_with_goal(&j, &plan, "Safe homes").await
    })
    .await;
    assert_eq!(got["header"]["owner"], json!(o.group()));
    assert_eq!(got["header"]["generation"]["n"], json!(0));
    for n in [o, m, j] {
        n.stop().await;
    }
    drop(a);
}

/// A document of a few hundred kilobytes that would inflate past the limit (Automerge inflates
/// compressed columns without one) is refused before Automerge reads it; the node keeps
/// answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_document_that_would_inflate_past_the_limit_is_refused_unread() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Attacker 6", vec![]).await;
    let net = federation("Midlands", &a, &[&b]).await;
    let network: DocId = net.parse().unwrap();
    let mut bomb = automerge::AutoCommit::new();
    let size = usize::try_from(commonground_protocol::inflate::MAX_INFLATED).unwrap() + 1024;
    bomb.put(ROOT, "blob", automerge::ScalarValue::Bytes(vec![0; size]))
        .unwrap();
    let bytes = bomb.save();
    assert!(bytes.len() < 1 << 20, "{} bytes sent", bytes.len());
    // The same as one change in a sync message (a compressed change chunk).
    let mut change = bomb.get_changes(&[]).pop().unwrap().clone();
    let mut msg = automerge::Automerge::new()
        .generate_sync_message(&mut State::new())
        .unwrap();
    msg.changes = ChunkList::from(vec![change.bytes().to_vec()]);
    let message = msg.encode();
    assert!(message.len() < 1 << 20, "{} bytes sent", message.len());
    drop(bomb);
    let attacker = Attacker {
        node: &b,
        key: b.identity(),
        docs: BTreeMap::new(),
    };
    let payload = DocPayload {
        doc: DocId::from_bytes([0x77; 16]),
        payload: Payload::Whole(bytes),
        signed: vec![],
        generation: Default::default(),
    };
    let as_message = DocPayload {
        payload: Payload::Message(message),
        ..payload.clone()
    };
    for p in [payload, as_message] {
        let answer = attacker.send(&a, network, p).await;
        assert!(
            matches!(&answer, Response::Refused { reason: Refusal::Malformed, message } if message.contains("inflate")),
            "{answer:?}"
        );
    }
    let again = request(&b, &a, hello(network)).await.unwrap();
    assert!(matches!(again, Response::Hello { .. }), "{again:?}");
    a.stop().await;
    b.stop().await;
}
