//! Several nodes over real libp2p connections on loopback: networks, invites, admission and
//! convergence of shared plans.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestNode, wait_until};
use commonground_protocol::ids::DocId;
use commonground_protocol::sync::{Refusal, Request, Response};
use serde_json::json;

const CONVERGE: Duration = Duration::from_secs(30);

/// True when every node holds the plan with the same heads and content, with `actions` actions.
async fn converged(nodes: &[&TestNode], plan: &str, actions: usize) -> Option<serde_json::Value> {
    let mut first: Option<serde_json::Value> = None;
    for n in nodes {
        let p = n.plan(plan).await?;
        if p["actions"].as_array()?.len() != actions {
            return None;
        }
        match &first {
            None => first = Some(p),
            Some(f)
                if f["heads"] == p["heads"]
                    && f["goal"] == p["goal"]
                    && f["actions"] == p["actions"] => {}
            Some(_) => return None,
        }
    }
    first
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_groups_form_a_network_and_converge_on_a_plan_edited_concurrently() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let c = TestNode::start("Wolverhampton", vec![]).await;
    let net = a.create_network("West Midlands Sanctuary Network").await;
    a.admit(&net, &b).await;
    a.admit(&net, &c).await;
    // Everyone learns the full member list.
    for n in [&a, &b, &c] {
        wait_until("three members everywhere", CONVERGE, || async {
            let v = n.ok(&format!("/networks/{net}")).await;
            (v["members"].as_array().unwrap().len() == 3).then_some(())
        })
        .await;
    }
    let plan = b
        .post_ok("/plans", json!({"title": "Joint action on asylum housing", "goal": "Safe housing for all.", "network": net}))
        .await;
    let id = plan["id"].as_str().unwrap().to_string();
    b.collaborate(&id, &[&a, &c]).await;
    wait_until("the plan at every node", CONVERGE, || async {
        converged(&[&a, &b, &c], &id, 0).await
    })
    .await;

    // Concurrent edits on all three.
    let (actions, plan_path) = (format!("/plans/{id}/actions"), format!("/plans/{id}"));
    tokio::join!(
        a.post_ok(
            &actions,
            json!({"title": "Meet the cabinet member", "kind": "meeting", "date": "2026-12-10"})
        ),
        b.post_ok(
            &actions,
            json!({"title": "Vigil at the town hall", "kind": "public-action"})
        ),
        c.patch_ok(
            &plan_path,
            json!({"goal": "Safe housing for all, within a month.", "status": "active"})
        ),
    );
    c.post_ok(
        &format!("/plans/{id}/actions"),
        json!({"title": "Training on housing law", "kind": "training"}),
    )
    .await;
    let done = wait_until("convergence after concurrent edits", CONVERGE, || async {
        converged(&[&a, &b, &c], &id, 3).await
    })
    .await;
    assert_eq!(done["goal"], "Safe housing for all, within a month.");
    assert_eq!(done["status"], "active");

    // The peers view shows each other and when the plan was last in sync.
    let peers = a.ok("/peers").await;
    let names: Vec<&str> = peers
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Birmingham") && names.contains(&"Wolverhampton"),
        "{peers}"
    );
    for n in [a, b, c] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invites_are_single_use_expire_and_need_their_secret() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let c = TestNode::start("Leicester", vec![]).await;
    let net = a.create_network("Midlands").await;
    let inv = a
        .post_ok(
            &format!("/networks/{net}/invites"),
            json!({"expires": "1h"}),
        )
        .await;
    let code = inv["code"].as_str().unwrap().to_string();
    b.post_ok("/networks/join", json!({"code": code})).await;
    // Reuse by another group.
    let (s, v) = c.post("/networks/join", json!({"code": code})).await;
    assert_eq!(s.as_u16(), 422, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already been used"),
        "{v}"
    );
    // A wrong secret: the same code with its secret bytes changed.
    let inv2 = a
        .post_ok(
            &format!("/networks/{net}/invites"),
            json!({"expires": "1h"}),
        )
        .await;
    let mut decoded =
        commonground_protocol::network::InviteCode::decode(inv2["code"].as_str().unwrap()).unwrap();
    decoded.secret[0] ^= 1;
    let (s, v) = c
        .post("/networks/join", json!({"code": decoded.encode()}))
        .await;
    assert_eq!(s.as_u16(), 422, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("secret does not match"),
        "{v}"
    );
    // Expiry: the shortest invite is 60 s; this one is made already past its time by asking for
    // an expiry below the minimum, which is refused, so expiry is checked through the protocol
    // crate's rules (see `network::tests`) and here through a code whose invite id is unknown.
    let (s, _) = a
        .post(
            &format!("/networks/{net}/invites"),
            json!({"expires": "10s"}),
        )
        .await;
    assert_eq!(s.as_u16(), 422);
    decoded.id[0] ^= 1;
    let (s, v) = c
        .post("/networks/join", json!({"code": decoded.encode()}))
        .await;
    assert_eq!(s.as_u16(), 422, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not known"),
        "{v}"
    );
    // A malformed code.
    let (s, _) = c
        .post("/networks/join", json!({"code": "cg1-nonsense"}))
        .await;
    assert_eq!(s.as_u16(), 422);
    // c is not a member after all this.
    let members = a.ok(&format!("/networks/{net}")).await["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, 2);
    for n in [a, b, c] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_non_member_gets_nothing_even_knowing_the_ids() {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let net = a.create_network("Midlands").await;
    a.admit(&net, &b).await;
    let plan = a
        .post_ok("/plans", json!({"title": "Housing", "network": net}))
        .await;
    let plan_id = plan["id"].as_str().unwrap().to_string();
    wait_until("b has the plan", CONVERGE, || async {
        b.plan(&plan_id).await
    })
    .await;

    // An outsider dials a and asks for the network's documents by id, in every way it can.
    let outsider = TestNode::start("Outsider", vec![a.addr().await]).await;
    let a_group = a.node.group;
    let network: DocId = net.parse().unwrap();
    let doc: DocId = plan_id.parse().unwrap();
    let hello = Request::Hello {
        network,
        digest: [0; 32],
        changed: vec![],
        catchup: vec![],
        wanted: vec![],
    };
    let want = Request::Sync {
        network,
        docs: vec![commonground_protocol::sync::DocPayload {
            doc,
            payload: commonground_protocol::sync::Payload::Want,
            signed: vec![],
            generation: Default::default(),
        }],
    };
    // A stranger is let in only as a guest while an invite of a's is open (the one b used is
    // still unexpired): then it is refused; otherwise its connection is closed at once and the
    // request fails. Either way nothing of the network reaches it.
    for req in [hello, want] {
        let answer = outsider.node.net().request(&a_group, vec![], req).await;
        assert!(
            matches!(
                answer,
                Err(_)
                    | Ok(Response::Refused {
                        reason: Refusal::NotMember,
                        ..
                    })
            ),
            "{answer:?}"
        );
    }
    assert!(outsider.plan(&plan_id).await.is_none());
    assert_eq!(outsider.ok("/networks").await.as_array().unwrap().len(), 0);
    for n in [a, b, outsider] {
        n.stop().await;
    }
}

/// `n` nodes named "Group 0"…, and a network `name` made by the first with all of them admitted.
async fn network_of(n: usize, name: &str) -> (Vec<TestNode>, String) {
    let mut nodes = Vec::new();
    for i in 0..n {
        nodes.push(TestNode::start(&format!("Group {i}"), vec![]).await);
    }
    let net = nodes[0].create_network(name).await;
    for other in &nodes[1..] {
        nodes[0].admit(&net, other).await;
    }
    (nodes, net)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_nodes_converge_and_a_late_node_catches_up() {
    let (nodes, net) = network_of(10, "Nation").await;
    let plan = nodes[3]
        .post_ok(
            "/plans",
            json!({"title": "National day of action", "network": net}),
        )
        .await;
    let id = plan["id"].as_str().unwrap().to_string();
    let all: Vec<&TestNode> = nodes.iter().collect();
    nodes[3].collaborate(&id, &all).await;
    wait_until("the plan at all ten", CONVERGE, || async {
        converged(&all, &id, 0).await
    })
    .await;
    // Every node adds an action at once.
    let path = format!("/plans/{id}/actions");
    let adds = nodes.iter().map(|n| {
        let title = format!("Action by {}", n.name);
        let path = path.clone();
        async move { n.post_ok(&path, json!({"title": title})).await }
    });
    for r in adds.collect::<Vec<_>>() {
        r.await;
    }
    let done = wait_until("ten actions at all ten", CONVERGE, || async {
        converged(&all, &id, 10).await
    })
    .await;
    assert_eq!(done["actions"].as_array().unwrap().len(), 10);

    // Every group counts and publishes; all ten converge on the ten published tallies.
    let period = "2026-11";
    for (i, n) in nodes.iter().enumerate() {
        n.tally("housing", 5 + i as i64, period).await;
        n.tally("legal-aid", 1 + (i as i64 % 3), period).await;
        n.publish(&net, period).await;
    }
    // housing: 5..=14 all exact (sum 95); legal-aid: 1..=3, all below k = 5, so suppressed:
    // each is "fewer than 5", the total between 0 and 40.
    let expected = vec![
        ("housing".to_string(), 95, 95),
        ("legal-aid".to_string(), 0, 40),
    ];
    for n in &nodes {
        wait_until("the ten published tallies everywhere", CONVERGE, || async {
            (n.region(&net, period).await == expected).then_some(())
        })
        .await;
    }

    // A node that joins late catches up on the plan's whole history.
    let late = TestNode::start("Late group", vec![]).await;
    nodes[0].admit(&net, &late).await;
    let mut with_late = all.clone();
    with_late.push(&late);
    wait_until("the late node caught up", CONVERGE, || async {
        converged(&with_late, &id, 10).await
    })
    .await;
    let members = late.ok(&format!("/networks/{net}")).await["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, 11);
    late.stop().await;
    for n in nodes {
        n.stop().await;
    }
}

/// An action edited on one node and deleted on another, each offline from the other, then the
/// two meet again: the action is gone on both (delete wins, PROTOCOL.md §11b), and the other
/// edits each side made meanwhile are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_and_a_delete_of_one_action_made_offline_merge_to_the_delete_on_both() {
    let a = TestNode::start("Leeds", vec![]).await;
    let b = TestNode::start("Bradford", vec![]).await;
    let net = a.create_network("Yorkshire Sanctuary Network").await;
    a.admit(&net, &b).await;
    let plan = a
        .post_ok(
            "/plans",
            json!({"title": "Hostel conditions", "goal": "Decent rooms.", "network": net}),
        )
        .await;
    let id = plan["id"].as_str().unwrap().to_string();
    a.collaborate(&id, &[&b]).await;
    let actions = format!("/plans/{id}/actions");
    let added = a
        .post_ok(
            &actions,
            json!({"title": "Survey of rooms", "kind": "other"}),
        )
        .await;
    let survey = added["actions"][0]["id"].as_str().unwrap().to_string();
    a.post_ok(
        &actions,
        json!({"title": "Letter to the provider", "kind": "other"}),
    )
    .await;
    wait_until(
        "the plan with both actions at both nodes",
        CONVERGE,
        || async { converged(&[&a, &b], &id, 2).await },
    )
    .await;

    // b goes offline; a edits the survey (title and notes) and then goes offline too.
    let b = b.park().await;
    a.patch_ok(
        &format!("{actions}/{survey}"),
        json!({"title": "Survey of every room", "notes": "Ask about damp, heating and locks."}),
    )
    .await;
    let a = a.park().await;
    // b, back without a, deletes the survey it never saw edited, and changes the goal.
    let b = b.resume().await;
    b.delete_ok(&format!("{actions}/{survey}")).await;
    b.patch_ok(
        &format!("/plans/{id}"),
        json!({"goal": "Decent, safe rooms."}),
    )
    .await;
    // They meet again.
    let a = a.resume_dialing(vec![b.addr().await]).await;
    let merged = wait_until("one merged plan at both nodes", CONVERGE, || async {
        converged(&[&a, &b], &id, 1).await
    })
    .await;
    let titles: Vec<&str> = merged["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Letter to the provider"], "{merged}");
    assert_eq!(merged["goal"], "Decent, safe rooms.");
    for n in [a, b] {
        n.stop().await;
    }
}

/// One edit at one of five members, all taking part in the network's announcements: it is
/// announced with its changes, and every other member applies them from the announcement, with
/// no sync request at all. Before announcements every stored change (also one received by
/// sync) started a session with every connected member: about 4 + 4 × 3 sessions here, and the
/// news came back to its writer; with heads-only announcements, each member pulled once (12).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_is_announced_with_its_changes_and_no_member_needs_a_session() {
    let (nodes, net) = network_of(5, "Region").await;
    let network: DocId = net.parse().unwrap();
    let all: Vec<&TestNode> = nodes.iter().collect();
    wait_until("five members at the plan's owner", CONVERGE, || async {
        let v = nodes[1].ok(&format!("/networks/{net}")).await;
        (v["members"].as_array().unwrap().len() == 5).then_some(())
    })
    .await;
    let plan = nodes[1]
        .post_ok(
            "/plans",
            json!({"title": "Housing campaign", "network": net}),
        )
        .await;
    let id = plan["id"].as_str().unwrap().to_string();
    nodes[1].collaborate(&id, &all).await;
    wait_until("the plan at all five", CONVERGE, || async {
        converged(&all, &id, 0).await
    })
    .await;
    // Every member connected to every other, and known to take part in the announcements.
    let groups: Vec<commonground_protocol::GroupId> =
        nodes.iter().map(|n| n.group().parse().unwrap()).collect();
    wait_until(
        "every member listening to every other",
        CONVERGE,
        || async {
            nodes
                .iter()
                .enumerate()
                .all(|(i, n)| {
                    let listening = n.node.net().listeners().listening(&network);
                    groups
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .all(|(_, g)| listening.contains(g))
                })
                .then_some(())
        },
    )
    .await;
    // Sessions still running from the set-up end before counting: no request for 300 ms.
    let requests = |nodes: &[TestNode]| -> u64 {
        nodes
            .iter()
            .map(|n| n.node.net().traffic().snapshot().2)
            .sum()
    };
    commonground_node::testkit::try_settle(
        "the set-up's sessions to end",
        CONVERGE,
        Duration::from_millis(300),
        || requests(&nodes),
    )
    .await
    .unwrap();
    let before = requests(&nodes);
    let writer_before = nodes[2].node.net().traffic().snapshot().2;
    nodes[2]
        .post_ok(
            &format!("/plans/{id}/actions"),
            json!({"title": "Write to the council"}),
        )
        .await;
    wait_until("the action at all five", CONVERGE, || async {
        converged(&all, &id, 1).await
    })
    .await;
    let spent = requests(&nodes) - before;
    let by_writer = nodes[2].node.net().traffic().snapshot().2 - writer_before;
    println!("one edit at five members: {spent} sync requests in all, {by_writer} by its writer");
    // Every member was connected to the writer and listening: each applied the pushed changes.
    // One pull (a session: Hello, Sync, Commit) is tolerated, should gossip reach a member
    // before its subscription to the plans topic is known to the writer.
    assert!(
        spent <= 3,
        "{spent} sync requests for one edit at five members"
    );
    assert_eq!(by_writer, 0, "the writer pushed by sessions");
}

/// A group that joins holds the plans the network already had well before the slow timer (30 s)
/// would bring them: joining starts a catch-up with the inviter at once (no announcement names
/// documents the joiner has never heard of). Several joins, so that a race between the join and
/// the inviter hearing of the joiner's subscription shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_joining_group_is_caught_up_at_once_not_on_the_slow_timer() {
    let a = TestNode::start("Coventry", vec![]).await;
    let net = a.create_network("West Midlands Sanctuary Network").await;
    for i in 0..3 {
        a.post_ok(
            "/plans",
            json!({"title": format!("Campaign {i}"), "goal": "سكن لائق لكل عائلة", "network": net}),
        )
        .await;
    }
    for name in ["Birmingham", "Wolverhampton", "Walsall"] {
        let n = TestNode::start(name, vec![]).await;
        a.admit(&net, &n).await;
        wait_until(
            &format!("{name} holds the three plans"),
            Duration::from_secs(10),
            || async {
                let plans = n.ok("/plans").await;
                (plans.as_array().map(Vec::len) == Some(3)).then_some(())
            },
        )
        .await;
        n.stop().await;
    }
    a.stop().await;
}
