//! Groups behind home routers: real nodes in network namespaces. A relay member `r` on the
//! "internet" (a bridge namespace), and two homes `a` and `b`, each behind its own router that
//! masquerades and lets in only what answers what went out (nftables, as home routers do).
//!
//! The homes join r's network with invites (they can dial r; nobody can dial them), learn from
//! AutoNAT that they are not reachable, take a slot on r's relay, put their relayed address in
//! the network, and reach each other through it; hole punching then makes a direct connection
//! where the routers allow (Linux's masquerade does). A plan edited on both converges; a home
//! restarted behind its router gets back in sync by itself; with the relay stopped, two homes
//! that hole-punched stay in sync directly.
//!
//! The nodes run with `COMMONGROUND_TEST_AUTONAT_LAB`: AutoNAT counts the private addresses of
//! these namespaces and probes within seconds (production counts only global addresses, after
//! 15 s). Needs root, iproute2 and nftables; where namespaces cannot be made the test prints
//! "skipping: ..." and passes.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::ns::{Lab, NsNode, eventually};
use commonground_node::daemon::AUTONAT_LAB;
use serde_json::Value;

/// How long homes may take to learn they are behind a router and take a slot on the relay, or
/// two nodes to converge (the sync engine redials members on its 30 s tick).
const SLOW: Duration = Duration::from_secs(120);

/// The plan's actions' titles, sorted.
fn action_titles(node: &NsNode, plan: &str) -> Option<Vec<String>> {
    let p = node.try_json(&["plan", "show", plan])?;
    let mut titles: Vec<String> = p["actions"]
        .as_array()?
        .iter()
        .filter_map(|a| a["title"].as_str().map(str::to_string))
        .collect();
    titles.sort();
    Some(titles)
}

/// Waits until `node` holds the plan with exactly `titles` (sorted) as its actions.
fn wait_titles(node: &NsNode, plan: &str, titles: &[&str], after: &str) {
    let mut want: Vec<String> = titles.iter().map(|t| t.to_string()).collect();
    want.sort();
    eventually(
        &format!(
            "{} to hold the plan's actions {want:?} ({after})",
            node.name
        ),
        SLOW,
        || (action_titles(node, plan).as_ref() == Some(&want)).then_some(()),
    );
}

/// The entry of `peers --json` for `group`, if connected.
fn peer_entry(node: &NsNode, group: &str) -> Option<Value> {
    node.try_json(&["peers"])?
        .as_array()?
        .iter()
        .find(|p| p["group"] == group)
        .cloned()
}

#[test]
fn two_homes_behind_routers_meet_through_a_members_relay_and_then_directly() {
    let Some(mut lab) = Lab::new("nat") else {
        return;
    };
    lab.env.push((AUTONAT_LAB.to_string(), "1".to_string()));
    let inet = lab.internet();
    let public = lab.namespace("pub");
    lab.plug(&inet, &public, "eth0", "198.18.0.1/24");
    let (home_a, _) = lab.home_behind_nat(&inet, "ha", "198.18.0.11/24", "10.77.1");
    let (home_b, _) = lab.home_behind_nat(&inet, "hb", "198.18.0.12/24", "10.77.2");
    // Every node on the default addresses (TCP and QUIC on 7466, all interfaces).
    let no_lan = vec!["--no-lan".to_string()];
    let ir = lab.start("r", &public, no_lan.clone());
    let started = Instant::now();
    let ia = lab.start("a", &home_a, no_lan.clone());
    let ib = lab.start("b", &home_b, no_lan);
    let (gr, ga, gb) = (
        lab.nodes[ir].group(),
        lab.nodes[ia].group(),
        lab.nodes[ib].group(),
    );

    let net = lab.nodes[ir].json(&["network", "create", "--name", "Two homes"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    for i in [ia, ib] {
        let invite = lab.nodes[ir].json(&["network", "invite", &net, "--expires", "1h"]);
        lab.nodes[i].json(&["network", "join", invite["code"].as_str().unwrap()]);
    }

    // r is reachable and relays; both homes learn they are not, and take a slot on r's relay.
    eventually("r to relay for its members", SLOW, || {
        let s = lab.nodes[ir].try_json(&["status"])?;
        (s["relaying"] == true && s["reachability"]["state"] == "direct").then_some(())
    });
    for i in [ia, ib] {
        let s = eventually(
            &format!("{} to be reachable through r's relay", lab.nodes[i].name),
            SLOW,
            || {
                let s = lab.nodes[i].try_json(&["status"])?;
                (s["reachability"]["state"] == "relayed").then_some(s)
            },
        );
        assert_eq!(s["reachability"]["relay"], gr.as_str(), "{s}");
        let text = String::from_utf8(lab.nodes[i].cli(&["status"]).stdout).unwrap();
        assert!(text.contains("'s relay"), "status says so:\n{text}");
    }
    let slot_after = started.elapsed();

    // a writes a plan shared in the network; b gets it, through r's relay or directly.
    let plan = lab.nodes[ia].json(&[
        "plan",
        "new",
        "--title",
        "سكن لائق للجميع",
        "--network",
        &net,
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    lab.nodes[ia].json(&["plan", "collaborator", "add", &plan, &gb]);
    lab.nodes[ia].json(&[
        "plan",
        "action",
        "add",
        &plan,
        "--title",
        "Réunion à la mairie",
    ]);
    // a and b connect to each other (not only to r): through the relay, then directly.
    let via = eventually("a and b to be connected to each other", SLOW, || {
        let e = peer_entry(&lab.nodes[ib], &ga)?;
        peer_entry(&lab.nodes[ia], &gb)?;
        Some(e)
    });
    eprintln!("b's first view of a: {via}");
    eventually("b to hold the plan, as a collaborator", SLOW, || {
        let p = lab.nodes[ib].try_json(&["plan", "show", &plan])?;
        p["collaborators"].to_string().contains(&gb).then_some(())
    });
    lab.nodes[ib].json(&[
        "plan",
        "action",
        "add",
        &plan,
        "--title",
        "اجتماع مع المحامين",
    ]);
    wait_titles(
        &lab.nodes[ia],
        &plan,
        &["Réunion à la mairie", "اجتماع مع المحامين"],
        "both edited",
    );
    wait_titles(
        &lab.nodes[ib],
        &plan,
        &["Réunion à la mairie", "اجتماع مع المحامين"],
        "both edited",
    );
    let first_sync = started.elapsed();

    // Hole punching: a direct connection between the two homes (Linux's masquerade keeps the
    // port, so simultaneous dials meet).
    let direct = eventually("a and b to hole-punch a direct connection", SLOW, || {
        let e = peer_entry(&lab.nodes[ib], &ga)?;
        e["relay"].is_null().then_some(e)
    });
    eprintln!("b's view of a once direct: {direct}");

    // A home restarted behind its router gets back in sync with no action.
    lab.nodes[ia].crash_and_restart();
    lab.nodes[ib].json(&["plan", "action", "add", &plan, "--title", "Pétition"]);
    wait_titles(
        &lab.nodes[ia],
        &plan,
        &["Pétition", "Réunion à la mairie", "اجتماع مع المحامين"],
        "a restarted",
    );
    eventually("a to be reachable through r's relay again", SLOW, || {
        let s = lab.nodes[ia].try_json(&["status"])?;
        (s["reachability"]["state"] == "relayed").then_some(())
    });
    eventually("a and b to be directly connected again", SLOW, || {
        let e = peer_entry(&lab.nodes[ib], &ga)?;
        e["relay"].is_null().then_some(())
    });

    // The relay stops: the homes, connected directly, stay in sync.
    lab.nodes[ir].kill();
    lab.nodes[ia].json(&["plan", "action", "add", &plan, "--title", "Manifestation"]);
    wait_titles(
        &lab.nodes[ib],
        &plan,
        &[
            "Manifestation",
            "Pétition",
            "Réunion à la mairie",
            "اجتماع مع المحامين",
        ],
        "the relay stopped",
    );
    eprintln!(
        "nat: slots on the relay {slot_after:.1?} after r started; first sync between the homes {first_sync:.1?} after"
    );
}
