//! Forget (PROTOCOL.md §11c): a collaborator re-issues a plan without its history; afterwards
//! the forgotten text is found nowhere — in no file of any member's data directory (inside
//! Automerge's compressed chunks too) and in no bundle made since — a member that was offline
//! keeps the edit it made meanwhile, and the old generation is refused.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use automerge::ROOT;
use automerge::sync::{ChunkList, State, SyncDoc};
use automerge::transaction::Transactable;
use common::{TestNode, holds, wait_until};
use commonground_protocol::auth::SignedHead;
use commonground_protocol::generation::GenRank;
use commonground_protocol::ids::DocId;
use commonground_protocol::sync::{DocPayload, Payload, Refusal, Request, Response};
use serde_json::{Value, json};

const CONVERGE: Duration = Duration::from_secs(45);
/// The text to forget: ordinary words (the check lets it through), but someone wants it gone.
const SECRET: &str = "behind the marigold laundrette";

async fn plan(n: &TestNode, id: &str) -> Option<Value> {
    n.plan(id).await
}

async fn generation(n: &TestNode, id: &str) -> Option<u64> {
    plan(n, id)
        .await
        .and_then(|p| p["header"]["generation"]["n"].as_u64())
}

async fn action_titles(n: &TestNode, id: &str) -> Vec<String> {
    plan(n, id)
        .await
        .map(|p| {
            p["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["title"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forgotten_plan_leaves_every_disk_and_bundle_and_an_offline_edit_survives() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let c = TestNode::start("Wolverhampton", vec![]).await;
    let net = a.create_network("Midlands").await;
    a.admit(&net, &b).await;
    a.admit(&net, &c).await;
    let p = a
        .post_ok("/plans", json!({"title": "Housing", "network": net}))
        .await;
    let id = p["id"].as_str().unwrap().to_string();
    a.collaborate(&id, &[&b, &c]).await;
    // The text goes into the plan, reaches everyone, and is edited out again: only the history
    // holds it now.
    a.patch_ok(
        &format!("/plans/{id}"),
        json!({"goal": format!("Meet {SECRET}")}),
    )
    .await;
    for n in [&a, &b, &c] {
        wait_until("the text everywhere", CONVERGE, || async {
            plan(n, &id)
                .await
                .filter(|p| p["goal"].as_str() == Some(&format!("Meet {SECRET}")))
        })
        .await;
    }
    a.patch_ok(&format!("/plans/{id}"), json!({"goal": "Homes for all"}))
        .await;
    for n in [&a, &b, &c] {
        wait_until("the edit everywhere", CONVERGE, || async {
            plan(n, &id).await.filter(|p| p["goal"] == "Homes for all")
        })
        .await;
        assert!(
            !n.files_containing(SECRET.as_bytes()).is_empty(),
            "the history at {} holds the text before the forget (positive control)",
            n.name
        );
    }
    // A copy of the old generation, as a member holds it, to try later.
    let old = common::documents(&b, &net)
        .await
        .remove(&id.parse::<DocId>().unwrap())
        .unwrap();

    // c is cut off and edits the plan meanwhile; a forgets it.
    let (a, b) = (a.park().await, b.park().await);
    c.post_ok(
        &format!("/plans/{id}/actions"),
        json!({"title": "Vigil on Friday"}),
    )
    .await;
    let c = c.park().await;
    let a = a.resume().await;
    let b = b.resume_dialing(vec![a.addr().await]).await;
    let forgot = a.post_ok(&format!("/plans/{id}/forget"), json!({})).await;
    assert_eq!(forgot["generation"], 1, "{forgot}");
    assert_eq!(forgot["shared"], true, "{forgot}");
    wait_until("b holds the new generation", CONVERGE, || async {
        (generation(&b, &id).await == Some(1)).then_some(())
    })
    .await;
    for n in [&a, &b] {
        wait_until(
            &format!("the text gone from {}'s disk", n.name),
            CONVERGE,
            || async {
                n.files_containing(SECRET.as_bytes())
                    .is_empty()
                    .then_some(())
            },
        )
        .await;
        assert_eq!(plan(n, &id).await.unwrap()["goal"], "Homes for all");
    }

    // c comes back: it takes the new generation, deletes the old, and its edit is carried over.
    let c = c.resume_dialing(vec![a.addr().await]).await;
    for n in [&a, &b, &c] {
        wait_until(
            &format!("c's offline edit and the new generation at {}", n.name),
            CONVERGE,
            || async {
                let titles = action_titles(n, &id).await;
                (generation(n, &id).await == Some(1) && titles.contains(&"Vigil on Friday".into()))
                    .then_some(())
            },
        )
        .await;
    }
    wait_until("the text gone from c's disk", CONVERGE, || async {
        c.files_containing(SECRET.as_bytes())
            .is_empty()
            .then_some(())
    })
    .await;
    for n in [&a, &b, &c] {
        assert!(
            n.files_containing(SECRET.as_bytes()).is_empty(),
            "{}: {:?}",
            n.name,
            n.files_containing(SECRET.as_bytes())
        );
    }
    // A bundle made now holds none of it.
    let bundle = a.export(&net).await;
    assert!(!holds(&bundle, SECRET.as_bytes()));

    // The old generation is refused, whole or as changes on top of it, and is no offence.
    let network: DocId = net.parse().unwrap();
    let doc: DocId = id.parse().unwrap();
    let (old_doc, old_signed) = old;
    let whole = DocPayload {
        doc,
        payload: Payload::Whole(old_doc.save()),
        signed: old_signed.clone(),
        generation: GenRank::FIRST,
    };
    let mut more = old_doc.fork();
    more.set_actor(c.node.group.actor_id());
    more.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "note", "late"))
        .unwrap();
    let changes = more.get_changes(&old_doc.get_heads());
    let mut msg = old_doc.generate_sync_message(&mut State::new()).unwrap();
    msg.changes = ChunkList::from(
        changes
            .iter()
            .map(|ch| ch.raw_bytes().to_vec())
            .collect::<Vec<_>>(),
    );
    let message = DocPayload {
        doc,
        payload: Payload::Message(msg.encode()),
        signed: vec![SignedHead::sign(
            c.identity().signing_key(),
            &doc,
            &changes.last().unwrap().hash(),
        )],
        generation: GenRank::FIRST,
    };
    for payload in [whole, message] {
        let answer = common::request(
            &c,
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
                answer,
                Response::Refused {
                    reason: Refusal::Content,
                    ..
                }
            ),
            "{answer:?}"
        );
    }
    assert!(a.files_containing(SECRET.as_bytes()).is_empty());
    assert_eq!(generation(&a, &id).await, Some(1));
    for n in [a, b, c] {
        n.stop().await;
    }
}

/// The rank of the generation of plan `id` a node holds, from its exported copy.
async fn rank_of(n: &TestNode, net: &str, id: &str) -> GenRank {
    let (doc, _) = common::documents(n, net)
        .await
        .remove(&id.parse::<DocId>().unwrap())
        .unwrap();
    GenRank::of(&doc, &commonground_protocol::doc::header(&doc).unwrap())
}

/// Who issued the generation of plan `id` a node holds.
async fn issuer(n: &TestNode, id: &str) -> Option<Value> {
    plan(n, id)
        .await
        .map(|p| p["header"]["generation"]["by"].clone())
}

/// Two collaborators forget the same plan while cut off from each other: when they meet, both
/// hold the one generation that wins — the same at both — and the text is gone from both
/// disks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_forgets_made_at_once_resolve_to_one_winner_everywhere() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let net = a.create_network("Midlands").await;
    a.admit(&net, &b).await;
    let p = a
        .post_ok("/plans", json!({"title": "Housing", "network": net}))
        .await;
    let id = p["id"].as_str().unwrap().to_string();
    a.collaborate(&id, &[&b]).await;
    a.patch_ok(
        &format!("/plans/{id}"),
        json!({"goal": format!("Meet {SECRET}")}),
    )
    .await;
    a.patch_ok(&format!("/plans/{id}"), json!({"goal": "Homes for all"}))
        .await;
    wait_until("the edits at b", CONVERGE, || async {
        plan(&b, &id).await.filter(|p| p["goal"] == "Homes for all")
    })
    .await;

    // Each forgets without having heard of the other's.
    let b = b.park().await;
    let by_a = a.post_ok(&format!("/plans/{id}/forget"), json!({})).await;
    let rank_a = rank_of(&a, &net, &id).await;
    let a = a.park().await;
    let b = b.resume().await;
    let by_b = b.post_ok(&format!("/plans/{id}/forget"), json!({})).await;
    let rank_b = rank_of(&b, &net, &id).await;
    assert_ne!(rank_a, rank_b, "two generations");
    assert_eq!(
        (by_a["generation"].clone(), by_b["generation"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(issuer(&b, &id).await, Some(json!(b.group())));

    // They meet: one generation wins at both.
    let a = a.resume_dialing(vec![b.addr().await]).await;
    let winner = wait_until("one generation at both", CONVERGE, || async {
        let (x, y) = (issuer(&a, &id).await, issuer(&b, &id).await);
        (x.is_some() && x == y).then_some(x)
    })
    .await
    .unwrap();
    assert!(
        winner == json!(a.group()) || winner == json!(b.group()),
        "{winner}"
    );
    // The one whose first change hash is smaller, at both (GenRank).
    let expected = if rank_a.beats(&rank_b) {
        a.group()
    } else {
        b.group()
    };
    assert_eq!(winner, json!(expected));
    for n in [&a, &b] {
        assert_eq!(generation(n, &id).await, Some(1));
        assert_eq!(plan(n, &id).await.unwrap()["goal"], "Homes for all");
        wait_until(
            &format!("the text gone from {}'s disk", n.name),
            CONVERGE,
            || async {
                n.files_containing(SECRET.as_bytes())
                    .is_empty()
                    .then_some(())
            },
        )
        .await;
    }
    a.stop().await;
    b.stop().await;
}

/// A plan re-issued by a collaborator that is neither its owner nor a coordinator reaches a
/// group that never held it only with an endorsement (PROTOCOL.md §11c): left out when it comes
/// from the issuer alone, taken from the coordinator that endorsed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_collaborators_generation_reaches_a_newcomer_once_a_coordinator_endorsed_it() {
    let a = TestNode::start("Coventry", vec![]).await;
    let o = TestNode::start("Oxford", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let j = TestNode::start("Newcomers", vec![]).await;
    let net = a.create_network("Midlands").await;
    for n in [&o, &b, &j] {
        a.admit(&net, n).await;
    }
    wait_until("every member known at j", CONVERGE, || async {
        let members = j.ok(&format!("/networks/{net}")).await["members"].clone();
        (members.as_array()?.len() == 4).then_some(())
    })
    .await;
    // j is away from the plan's whole life before the forget.
    let j = j.park().await;
    let p = o
        .post_ok("/plans", json!({"title": "Housing", "network": net}))
        .await;
    let id = p["id"].as_str().unwrap().to_string();
    o.collaborate(&id, &[&b]).await;
    o.patch_ok(
        &format!("/plans/{id}"),
        json!({"goal": format!("Meet {SECRET}")}),
    )
    .await;
    o.patch_ok(&format!("/plans/{id}"), json!({"goal": "Homes for all"}))
        .await;
    for n in [&a, &b] {
        wait_until("the edits at a and b", CONVERGE, || async {
            plan(n, &id).await.filter(|p| p["goal"] == "Homes for all")
        })
        .await;
    }
    // b (a member, not the owner) forgets while the owner is away; a, a coordinator, takes the
    // new generation against the one it held and endorses it.
    let o = o.park().await;
    b.post_ok(&format!("/plans/{id}/forget"), json!({})).await;
    wait_until("the new generation at a", CONVERGE, || async {
        (generation(&a, &id).await == Some(1)).then_some(())
    })
    .await;
    let a = a.park().await;

    // j comes back and meets only b: b's copy carries no endorsement, so j leaves the plan out
    // and takes the rest (b's published tally).
    let j = j.resume_dialing(vec![b.addr().await]).await;
    b.tally("housing", 9, "2026-11").await;
    b.publish(&net, "2026-11").await;
    let network: DocId = net.parse().unwrap();
    let published = commonground_protocol::publish::published_id(&network, &b.node.group);
    wait_until("b's published tally at j", CONVERGE, || async {
        common::documents(&j, &net)
            .await
            .contains_key(&published)
            .then_some(())
    })
    .await;
    assert!(
        plan(&j, &id).await.is_none(),
        "j took an unendorsed generation"
    );

    // a comes back: j takes the generation with a's endorsement.
    let a = a.resume_dialing(vec![j.addr().await]).await;
    wait_until("the endorsed generation at j", CONVERGE, || async {
        plan(&j, &id)
            .await
            .filter(|p| p["goal"] == "Homes for all" && p["header"]["generation"]["n"] == 1)
    })
    .await;
    assert!(j.files_containing(SECRET.as_bytes()).is_empty());
    let (_, signed) = common::documents(&j, &net)
        .await
        .remove(&id.parse::<DocId>().unwrap())
        .unwrap();
    assert!(
        signed.iter().any(|s| s.author() == Some(a.node.group)),
        "j keeps a's endorsement to pass on"
    );
    for n in [a, b, j] {
        n.stop().await;
    }
    drop(o);
}
