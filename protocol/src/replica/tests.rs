//! The replication core with no node around it: replicas in one thread, sessions run by handing
//! one's requests to the other's [`Replica::respond`] in a loop.

use automerge::{ChangeHash, ReadDoc};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;

use super::*;
use crate::announce;
use crate::doc::{self, Schema};
use crate::ids::Day;
use crate::network::Role;
use crate::plan::{NewPlan, Plan, PlanEdit};
use crate::sync::{Request, Response};

/// A fixed time: the core reads no clock.
const NOW: i64 = 1_796_000_000;

fn today() -> Day {
    Day::from_unix(NOW).unwrap()
}

fn replica(seed: u8) -> Replica {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let group = GroupId::from_public_key(key.verifying_key().to_bytes()).unwrap();
    Replica::new(group, key, Box::new(Sequential(4)))
}

/// An edit made here, signed as the node signs its own.
fn edit<T: Schema>(
    r: &mut Replica,
    id: &DocId,
    f: impl FnOnce(&mut T) -> Result<(), crate::ValidationError>,
) {
    let group = r.group;
    let l = r.docs.get_mut(id).unwrap();
    let ((), hash) = doc::edit_based(&mut l.doc, &group, today(), None, |t, _| f(t)).unwrap();
    if let Some(h) = hash {
        r.sign(id, &h);
    }
}

/// A network created at `members[0]` with the others as members (they take its document as a
/// joiner does), and a plan of the first, written by all, with `title`.
fn network(members: &mut [&mut Replica], title: &str) -> (DocId, DocId) {
    let (first, rest) = members.split_first_mut().unwrap();
    let net_id = DocId::derived("network", &first.group);
    let net = Network::new("Housing network", first.group, "first", today(), vec![]).unwrap();
    let d = doc::create(first.group, Some(net_id), today(), &net).unwrap();
    first.add_local(net_id, d).unwrap();
    for (n, r) in rest.iter().enumerate() {
        let g = r.group;
        edit::<Network>(first, &net_id, |n_| {
            n_.add_member(g, &format!("group {n}"), Role::Member, today(), vec![])
        });
    }
    for r in rest.iter_mut() {
        let l = &first.docs[&net_id];
        let (bytes, signed) = (l.doc.save(), l.signed.clone());
        r.admit_joined(&net_id, &bytes, &signed).unwrap();
    }
    let mut plan = Plan::new(
        &NewPlan {
            title: title.into(),
            goal: "Goal".into(),
            demands: String::new(),
        },
        first.group,
    )
    .unwrap();
    for r in rest.iter() {
        plan.add_collaborator(r.group).unwrap();
    }
    let (plan_id, d) =
        doc::create_bound(first.group, Some(net_id), today(), &plan, [7; 16]).unwrap();
    first.add_local(plan_id, d).unwrap();
    (net_id, plan_id)
}

/// Runs one session `from` opens with `to`; returns the requests it sent.
fn session(from: &mut Replica, to: &mut Replica, net: DocId) -> Result<usize, SessionError> {
    let (mut s, mut request) = Initiator::open(from, to.group, net)?;
    let mut sent = 0;
    loop {
        sent += 1;
        assert!(sent < 100, "a session that does not end");
        let response = to.respond(&from.group, request, NOW);
        let step = match s.answer(response)? {
            Answered::Send(r) => Step::Send(r),
            Answered::NeedsDocs => s.with_docs(from, NOW)?,
        };
        match step {
            Step::Send(r) => request = r,
            Step::Done(_) => return Ok(sent),
        }
    }
}

fn goal(r: &Replica, plan: &DocId) -> Option<String> {
    let l = r.docs.get(plan)?;
    Some(doc::read::<Plan>(&l.doc).ok()?.goal.to_string())
}

fn heads(r: &Replica, id: &DocId) -> Vec<ChangeHash> {
    r.docs
        .get(id)
        .map(|l| l.doc.get_heads())
        .unwrap_or_default()
}

fn set_goal(r: &mut Replica, plan: &DocId, text: &str) {
    let text = text.to_string();
    edit::<Plan>(r, plan, |p| {
        p.apply(
            &PlanEdit {
                goal: Some(text),
                ..Default::default()
            },
            None,
        )
    });
}

#[test]
fn a_session_brings_a_new_plan_as_typed_and_the_next_catches_up_in_one_round_trip() {
    let (mut a, mut b) = (replica(1), replica(2));
    let title = "حملة السكن — Logement digne";
    let (net, plan) = network(&mut [&mut a, &mut b], title);
    assert!(!b.docs.contains_key(&plan));
    session(&mut b, &mut a, net).unwrap();
    let got = doc::read::<Plan>(&b.docs[&plan].doc).unwrap();
    assert_eq!(got.title.as_str(), title);
    assert_eq!(heads(&a, &plan), heads(&b, &plan));
    assert!(
        b.out.synced_in.contains(&plan),
        "the round's document is not announced again"
    );
    assert!(b.agreed_now(&a.group) >= 2, "both documents agreed");

    // An edit at each side since the agreement: both travel as catch-ups with `Hello` and its
    // answer, in one request.
    set_goal(&mut a, &plan, "Un logement pour chaque famille");
    edit::<Plan>(&mut b, &plan, |p| {
        p.apply(
            &PlanEdit {
                demands: Some("مطالبنا: سكن لائق".into()),
                ..Default::default()
            },
            None,
        )
    });
    assert_eq!(session(&mut b, &mut a, net).unwrap(), 1);
    assert_eq!(heads(&a, &plan), heads(&b, &plan));
    let (pa, pb) = (
        doc::read::<Plan>(&a.docs[&plan].doc).unwrap(),
        doc::read::<Plan>(&b.docs[&plan].doc).unwrap(),
    );
    assert_eq!(pa.goal.as_str(), "Un logement pour chaque famille");
    assert_eq!(pb.demands.as_str(), "مطالبنا: سكن لائق");
    assert_eq!(pa.demands.as_str(), pb.demands.as_str());
}

#[test]
fn a_stranger_gets_nothing_and_sends_nothing() {
    let (mut a, mut b, mut c) = (replica(1), replica(2), replica(3));
    let (net, plan) = network(&mut [&mut a, &mut b], "Plan");
    // C holds no network: it cannot open a session for it.
    assert_eq!(
        Initiator::open(&mut c, a.group, net).err(),
        Some(SessionError::NotShared(NotShared(net)))
    );
    // B's own `Hello`, sent as C: refused, and A records nothing of C.
    let hello = b.hello(&a.group, &net).unwrap();
    match a.respond(&c.group, hello, NOW) {
        Response::Refused { reason, .. } => assert_eq!(reason, Refusal::NotMember),
        other => panic!("a stranger was answered: {other:?}"),
    }
    assert!(!a.peers.contains_key(&c.group));
    // A round of a plan's whole document, from C: refused, nothing taken.
    let l = &a.docs[&plan];
    let round = Request::Sync {
        network: net,
        docs: vec![crate::sync::DocPayload {
            doc: plan,
            payload: crate::sync::Payload::Whole(l.doc.save()),
            signed: l.signed.clone(),
            generation: l.rank,
        }],
    };
    assert!(matches!(
        b.respond(&c.group, round, NOW),
        Response::Refused { .. }
    ));
    assert!(!b.docs.contains_key(&plan));
}

#[test]
fn a_change_by_a_member_that_may_not_write_is_refused_whole() {
    let (mut a, mut b, mut c) = (replica(1), replica(2), replica(3));
    let (net, plan) = network(&mut [&mut a, &mut b, &mut c], "Plan");
    session(&mut b, &mut a, net).unwrap();
    session(&mut c, &mut a, net).unwrap();
    // A takes C off the plan's writers; C, which has not heard, edits it anyway.
    let cg = c.group;
    edit::<Plan>(&mut a, &plan, |p| p.remove_collaborator(&cg));
    set_goal(&mut c, &plan, "written by a group that may no longer write");
    let before = heads(&a, &plan);
    let e = session(&mut c, &mut a, net).unwrap_err();
    assert!(matches!(e, SessionError::Refused(_)), "{e:?}");
    assert_eq!(heads(&a, &plan), before, "nothing of it taken");
    assert_ne!(
        goal(&a, &plan).unwrap(),
        "written by a group that may no longer write"
    );
    // B, a writer, still syncs with A.
    set_goal(&mut b, &plan, "Goal by B");
    session(&mut b, &mut a, net).unwrap();
    assert_eq!(goal(&a, &plan).unwrap(), "Goal by B");
}

/// One step of the property test: an edit at a replica, or a session one opens with another.
#[derive(Debug, Clone)]
enum Op {
    Edit(usize, String),
    Session(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..1000u32).prop_map(|(r, n)| Op::Edit(r, format!("Étape {n} — المرحلة {n}"))),
        (0..3usize, 0..3usize).prop_map(|(a, b)| Op::Session(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the order of edits and sessions, sessions between every pair afterwards leave
    /// the three replicas with the same history, in which every edit made is present.
    #[test]
    fn any_edits_and_sessions_converge(ops in proptest::collection::vec(op(), 1..16)) {
        let (mut a, mut b, mut c) = (replica(1), replica(2), replica(3));
        let (net, plan) = network(&mut [&mut a, &mut b, &mut c], "Plan");
        let mut rs = [a, b, c];
        for i in 1..3 {
            let (x, y) = rs.split_at_mut(i);
            session(&mut y[0], &mut x[0], net).unwrap();
        }
        let mut made: Vec<ChangeHash> = Vec::new();
        for op in ops {
            match op {
                Op::Edit(r, text) => {
                    set_goal(&mut rs[r], &plan, &text);
                    made.extend(heads(&rs[r], &plan));
                }
                Op::Session(x, y) if x != y => {
                    let (lo, hi) = rs.split_at_mut(x.max(y));
                    let (p, q) = (&mut lo[x.min(y)], &mut hi[0]);
                    if x < y { session(p, q, net).unwrap() } else { session(q, p, net).unwrap() };
                }
                Op::Session(..) => {}
            }
        }
        for _ in 0..2 {
            for (x, y) in [(0, 1), (1, 2), (0, 2)] {
                let (lo, hi) = rs.split_at_mut(y);
                session(&mut lo[x], &mut hi[0], net).unwrap();
            }
        }
        let h = heads(&rs[0], &plan);
        prop_assert_eq!(&heads(&rs[1], &plan), &h);
        prop_assert_eq!(&heads(&rs[2], &plan), &h);
        for m in made {
            prop_assert!(rs[0].docs[&plan].doc.get_change_by_hash(&m).is_some());
        }
        prop_assert_eq!(goal(&rs[1], &plan), goal(&rs[0], &plan));
    }
}

/// A replica with a network of `a` and itself and `n` more plans of `a`'s, each with `title`
/// and a number, judging wholes `width` at a time.
fn cold_sync(width: usize, n: usize, title: &str) -> (Replica, Replica, DocId, Vec<DocId>) {
    let (mut a, mut b) = (replica(1), replica(2));
    b.spread = Box::new(Sequential(width));
    let (net, first) = network(&mut [&mut a, &mut b], title);
    let mut plans = vec![first];
    for k in 0..n {
        let plan = Plan::new(
            &NewPlan {
                title: format!("{title} {k}"),
                goal: "Goal".into(),
                demands: String::new(),
            },
            a.group,
        )
        .unwrap();
        let (id, d) =
            doc::create_bound(a.group, Some(net), today(), &plan, [k as u8 + 10; 16]).unwrap();
        a.add_local(id, d).unwrap();
        plans.push(id);
    }
    (a, b, net, plans)
}

#[test]
fn a_rounds_documents_judged_ahead_are_taken_as_judged_one_by_one() {
    let title = "Logement — سكن";
    for width in [1, 4] {
        let (mut a, mut b, net, plans) = cold_sync(width, 12, title);
        session(&mut b, &mut a, net).unwrap();
        for id in &plans {
            assert_eq!(heads(&a, id), heads(&b, id), "width {width}");
        }
        let got = doc::read::<Plan>(&b.docs[&plans[5]].doc).unwrap();
        assert_eq!(got.title.as_str(), format!("{title} 4"));
    }
    // One plan among them forged (signed by a group that is not its writer): the whole round
    // is refused alike whether judged ahead or one by one, and nothing of it is taken.
    let mut refusals = Vec::new();
    for width in [1, 4] {
        let (mut a, mut b, net, plans) = cold_sync(width, 12, title);
        let c = replica(3);
        let forged = a.docs.get_mut(&plans[7]).unwrap();
        forged.signed = vec![SignedHead::sign(
            &c.key,
            &plans[7],
            &forged.doc.get_heads()[0],
        )];
        let e = session(&mut b, &mut a, net).unwrap_err();
        assert!(
            plans.iter().all(|p| !b.docs.contains_key(p)),
            "width {width}"
        );
        refusals.push(e);
    }
    assert_eq!(refusals[0], refusals[1]);
}

#[test]
fn a_round_of_many_documents_whose_first_cannot_be_read_is_refused_not_a_panic() {
    let (mut a, mut b) = (replica(1), replica(2));
    let (net, _) = network(&mut [&mut a, &mut b], "Plan");
    // Nine documents received whole, the first of them (after none of the network's own) bytes
    // that inflate to nothing readable: judged ahead, nothing fits, and the round is refused as
    // it is taken.
    let docs = (0..9u8)
        .map(|k| crate::sync::DocPayload {
            doc: DocId::from_bytes([k; 16]),
            payload: crate::sync::Payload::Whole(vec![0xff; 64]),
            signed: Vec::new(),
            generation: crate::generation::GenRank::FIRST,
        })
        .collect();
    let round = Request::Sync { network: net, docs };
    match b.respond(&a.group, round, NOW) {
        Response::Refused { reason, .. } => assert_eq!(reason, Refusal::Malformed),
        other => panic!("taken: {other:?}"),
    }
}

/// The announcement of `r`'s newest edit of `plan`, its change pushed with it (as the node
/// announces a small batch of its own).
fn pushed_announcement(
    r: &Replica,
    net: DocId,
    plan: DocId,
    since: &[ChangeHash],
) -> announce::Announcement {
    let l = &r.docs[&plan];
    let heads = l.doc.get_heads();
    let changes = l.doc.get_changes(since);
    let bytes: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
    let chunks: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    let hashes: Vec<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
    let d = crate::sync::DocHeads {
        doc: plan,
        heads: crate::sync::heads_hash(&heads),
        generation: l.rank,
    };
    let push = announce::Pushed::of(plan, &heads, &chunks, &hashes, &l.signed).unwrap();
    let changed = announce::Changed {
        heads: d,
        kind: l.header.kind,
        push: Some(push),
    };
    let mut out = announce::announcements(&net, [changed]);
    assert_eq!(out.len(), 1);
    out.remove(0).1
}

/// An announcement heard while a session runs may name what that session brings: checked
/// again when it ends, it asks for no second pull once the session brought it (P2's second,
/// empty session), and for one when something named is still lacked.
#[test]
fn news_heard_during_a_session_is_still_news_only_while_lacked() {
    let (mut a, mut b) = (replica(1), replica(2));
    let (net, plan) = network(&mut [&mut a, &mut b], "Plan");
    session(&mut b, &mut a, net).unwrap();

    set_goal(&mut a, &plan, "first edit");
    let mid = heads(&a, &plan);
    set_goal(&mut a, &plan, "second edit");
    // The second edit's push builds on the first, which b lacks: news, left for the pull.
    let second = pushed_announcement(&a, net, plan, &mid);
    assert!(b.take_announced(announce::Class::Plans, &second));
    assert_ne!(
        heads(&b, &plan),
        heads(&a, &plan),
        "the push was not applied"
    );
    assert!(
        b.recheck(&a.group, &net, false),
        "nothing pulled yet: still lacked"
    );
    assert!(
        !b.recheck(&a.group, &net, false),
        "what was named is taken by the recheck"
    );

    // Heard again during a pull that brings it and a later edit (the announcer's backlog
    // announced late, as in P2): nothing left to pull after, although the heads b ends with are
    // not the announced ones.
    assert!(b.take_announced(announce::Class::Plans, &second));
    set_goal(&mut a, &plan, "edit after");
    session(&mut b, &mut a, net).unwrap();
    assert_eq!(heads(&b, &plan), heads(&a, &plan));
    assert!(
        !b.recheck(&a.group, &net, false),
        "the session brought what the announcement named"
    );

    // Announced by its heads hash only (too large to push), heard during a session that
    // stopped short of it: still lacked.
    set_goal(&mut a, &plan, "third edit");
    let mut third = pushed_announcement(&a, net, plan, &heads(&b, &plan));
    third.pushed.clear();
    assert!(b.take_announced(announce::Class::Plans, &third));
    assert!(b.recheck(&a.group, &net, false));
    assert!(b.take_announced(announce::Class::Plans, &third));
    session(&mut b, &mut a, net).unwrap();
    assert!(
        !b.recheck(&a.group, &net, false),
        "held at the announced heads hash"
    );

    // What a node owes a peer after a session: nothing, until it stores a change of its own
    // (the notice of a change stored before the session's `Hello` can come after it: the
    // agreement, not the notice, says whether it was offered).
    assert!(!a.recheck(&b.group, &net, true) && !b.recheck(&a.group, &net, true));
    set_goal(&mut a, &plan, "fourth edit");
    assert!(a.recheck(&b.group, &net, true), "stored after the session");
    assert!(
        !a.recheck(&b.group, &net, false),
        "only when asked whether owed"
    );
    session(&mut a, &mut b, net).unwrap();
    assert!(!a.recheck(&b.group, &net, true));
}
