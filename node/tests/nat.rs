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

use common::ns::{Lab, NsNode, eventually, nft};
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

/// Waits until the home `node` holds a slot on a relay; its status.
fn wait_relayed(node: &NsNode) -> Value {
    eventually(
        &format!("{} to be reachable through r's relay", node.name),
        SLOW,
        || {
            let s = node.try_json(&["status"])?;
            (s["reachability"]["state"] == "relayed").then_some(s)
        },
    )
}

/// Waits until `node` has logged `line` (`what` names the wait).
fn wait_logged(node: &NsNode, line: &str, what: &str) {
    eventually(what, SLOW, || {
        std::fs::read_to_string(&node.log)
            .ok()?
            .contains(line)
            .then_some(())
    });
}

/// The entry of `peers --json` for `group`, if connected.
fn peer_entry(node: &NsNode, group: &str) -> Option<Value> {
    node.try_json(&["peers"])?
        .as_array()?
        .iter()
        .find(|p| p["group"] == group)
        .cloned()
}

/// The lab: relay `r` on the internet, homes `a` and `b` behind routers of their own, all in
/// one network that r created and invited them to. r then hands coordination to a and becomes
/// an aggregator, which never holds a plan: a plan can pass between the homes only through r's
/// relay or directly, never through r's own copy.
struct Homes {
    lab: Lab,
    r: usize,
    a: usize,
    b: usize,
    net: String,
    gr: String,
    ga: String,
    gb: String,
    /// When the homes were started.
    started: Instant,
    /// The internet's namespace (its bridge joins r and the homes' routers).
    inet: String,
}

impl Homes {
    fn new(tag: &str) -> Option<Self> {
        let mut lab = Lab::new(tag)?;
        lab.env.push((AUTONAT_LAB.to_string(), "1".to_string()));
        let inet = lab.internet();
        let public = lab.namespace("pub");
        lab.plug(&inet, &public, "eth0", "198.18.0.1/24");
        let (home_a, _) = lab.home_behind_nat(&inet, "ha", "198.18.0.11/24", "10.77.1");
        let (home_b, _) = lab.home_behind_nat(&inet, "hb", "198.18.0.12/24", "10.77.2");
        // Every node on the default addresses (TCP and QUIC on 7466, all interfaces).
        let no_lan = vec!["--no-lan".to_string()];
        let r = lab.start("r", &public, no_lan.clone());
        let started = Instant::now();
        let a = lab.start("a", &home_a, no_lan.clone());
        let b = lab.start("b", &home_b, no_lan);
        let (gr, ga, gb) = (
            lab.nodes[r].group(),
            lab.nodes[a].group(),
            lab.nodes[b].group(),
        );
        let net = lab.nodes[r].json(&["network", "create", "--name", "Two homes"])["id"]
            .as_str()
            .unwrap()
            .to_string();
        for i in [a, b] {
            let invite = lab.nodes[r].json(&["network", "invite", &net, "--expires", "1h"]);
            lab.nodes[i].json(&["network", "join", invite["code"].as_str().unwrap()]);
        }
        lab.nodes[r].json(&["network", "role", &net, &ga, "coordinator"]);
        lab.nodes[r].json(&["network", "role", &net, &gr, "aggregator"]);
        Some(Self {
            lab,
            r,
            a,
            b,
            net,
            gr,
            ga,
            gb,
            started,
            inet,
        })
    }
}

#[test]
fn two_homes_behind_routers_meet_through_a_members_relay_and_then_directly() {
    let Some(homes) = Homes::new("nat") else {
        return;
    };
    let Homes {
        mut lab,
        r: ir,
        a: ia,
        b: ib,
        net,
        gr,
        ga,
        gb,
        started,
        inet,
        ..
    } = homes;

    // r is reachable and relays; both homes learn they are not, and take a slot on r's relay.
    eventually("r to relay for its members", SLOW, || {
        let s = lab.nodes[ir].try_json(&["status"])?;
        (s["relaying"] == true && s["reachability"]["state"] == "direct").then_some(())
    });
    for i in [ia, ib] {
        let s = wait_relayed(&lab.nodes[i]);
        assert_eq!(s["reachability"]["relay"], gr.as_str(), "{s}");
        let text = String::from_utf8(lab.nodes[i].cli(&["status"]).stdout).unwrap();
        assert!(text.contains("'s relay"), "status says so:\n{text}");
    }
    let slot_after = started.elapsed();
    // AutoNAT's dial-backs (each home dials r back when r asks) are closed once made: left
    // open, they filled r's few connections per peer, the next dial-back was refused, and r
    // believed itself unreachable and stopped relaying.
    // (Two at most: a home's dials to r at start may race, the second from a new port.)
    for g in [&ga, &gb] {
        eventually(
            "r to hold no more than two connections from each home",
            SLOW,
            || {
                let e = peer_entry(&lab.nodes[ir], g)?;
                (e["addrs"].as_array()?.len() <= 2).then_some(())
            },
        );
    }

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
    wait_relayed(&lab.nodes[ia]);
    eventually("a and b to be directly connected again", SLOW, || {
        let e = peer_entry(&lab.nodes[ib], &ga)?;
        e["relay"].is_null().then_some(())
    });

    // A third group, behind a router of its own, redeems an invite of a's. a is reachable only
    // through r's relay, which lets c through to a (and to no one else) while a's invite is
    // open: a tells r so.
    let (home_c, _) = lab.home_behind_nat(&inet, "hc", "198.18.0.13/24", "10.77.3");
    let ic = lab.start("c", &home_c, vec!["--no-lan".to_string()]);
    let gc = lab.nodes[ic].group();
    let invite = lab.nodes[ia].json(&["network", "invite", &net, "--expires", "1h"]);
    // (A group typing the code is slower than a's notice, a few milliseconds over the internet.)
    wait_logged(
        &lab.nodes[ir],
        "a member's invite is open",
        "r to hear that a's invite is open",
    );
    let joined_at = Instant::now();
    let joined = lab.nodes[ic].json(&["network", "join", invite["code"].as_str().unwrap()]);
    eprintln!(
        "c joined through r's relay in {:.1?}: {joined}",
        joined_at.elapsed()
    );
    eventually("b to learn that c is a member", SLOW, || {
        let n = lab.nodes[ib].try_json(&["network", "members", &net])?;
        n.to_string().contains(&gc).then_some(())
    });
    wait_titles(
        &lab.nodes[ic],
        &plan,
        &["Pétition", "Réunion à la mairie", "اجتماع مع المحامين"],
        "c joined",
    );

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

/// A member whose process ended without closing its connections (killed, or a power cut) and
/// came back: the other closes what is left of the connection to the earlier run as soon as the
/// new run identifies itself, instead of writing to it until a timeout. Over QUIC, which sends
/// nothing when a process is killed, so the old connection lingers (TCP's kernel closes it).
#[test]
fn a_connection_to_an_earlier_run_of_a_member_is_closed_when_it_comes_back() {
    let Some(mut lab) = Lab::new("runs") else {
        return;
    };
    let (one, two) = lab.pair("10.78.0");
    let quic = |ip: &str| {
        vec![
            "--no-lan".to_string(),
            "--listen".to_string(),
            format!("/ip4/{ip}/udp/7466/quic-v1"),
        ]
    };
    let x = lab.start("x", &one, quic("10.78.0.1"));
    let y = lab.start("y", &two, quic("10.78.0.2"));
    let gy = lab.nodes[y].group();
    let net = lab.nodes[x].json(&["network", "create", "--name", "Runs"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invite = lab.nodes[x].json(&["network", "invite", &net, "--expires", "1h"]);
    lab.nodes[y].json(&["network", "join", invite["code"].as_str().unwrap()]);
    eventually("x to be connected to y", SLOW, || {
        peer_entry(&lab.nodes[x], &gy)
    });
    lab.nodes[y].crash_and_restart();
    wait_logged(
        &lab.nodes[x],
        "closing a connection to an earlier run of this member",
        "x to close its connection to y's earlier run",
    );
    // And y, back, is in the network as before.
    eventually("x and y to be connected again", SLOW, || {
        let e = peer_entry(&lab.nodes[x], &gy)?;
        (e["addrs"].as_array()?.len() == 1).then_some(())
    });
}

/// A shared plan that a and b both write (a created it), once b holds it.
fn shared_plan(h: &Homes) -> String {
    let (a, b) = (&h.lab.nodes[h.a], &h.lab.nodes[h.b]);
    let plan = a.json(&["plan", "new", "--title", "Bench", "--network", &h.net])["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.json(&["plan", "collaborator", "add", &plan, &h.gb]);
    eventually("b to hold the plan, as a collaborator", SLOW, || {
        let p = b.try_json(&["plan", "show", &plan])?;
        p["collaborators"].to_string().contains(&h.gb).then_some(())
    });
    plan
}

/// Bytes in and out of `dev` in namespace `ns` so far.
fn dev_bytes(ns: &str, dev: &str) -> u64 {
    ["rx_bytes", "tx_bytes"]
        .iter()
        .map(|f| {
            let out = std::process::Command::new("ip")
                .args(["netns", "exec", ns, "cat"])
                .arg(format!("/sys/class/net/{dev}/statistics/{f}"))
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse::<u64>()
                .unwrap()
        })
        .sum()
}

/// The benchmark behind BENCHMARKS.md's "behind routers" rows (run by hand, as root:
/// `cargo test --release -p commonground-node --test nat -- --ignored --nocapture`;
/// `COMMONGROUND_NAT_TRIALS` trials, 20 by default). Each trial restarts home b behind its
/// router and times: its slot on the relay, its first sync with a (a's edit arriving: r is an
/// aggregator and holds no plan, so only the relay or a direct connection carries it), and
/// whether hole punching then gives a direct connection within 30 s, over which transport.
/// Then the internet drops what the two homes' routers send each other, so that hole punching
/// cannot work, and one plan edit is carried by the relay: the bytes through r's interface are
/// counted.
#[test]
#[ignore = "a benchmark: 20 trials take about 15 minutes"]
fn behind_routers_benchmark() {
    let Some(h) = Homes::new("natb") else {
        return;
    };
    let mut h = h;
    let trials: usize = std::env::var("COMMONGROUND_NAT_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(20);
    let plan = shared_plan(&h);
    wait_relayed(&h.lab.nodes[h.b]);
    let mut rows = Vec::new();
    for t in 0..trials {
        let t0 = Instant::now();
        h.lab.nodes[h.b].crash_and_restart();
        wait_relayed(&h.lab.nodes[h.b]);
        let slot = t0.elapsed();
        let title = format!("trial {t}");
        h.lab.nodes[h.a].json(&["plan", "action", "add", &plan, "--title", &title]);
        eventually(&format!("b to get {title}"), SLOW, || {
            action_titles(&h.lab.nodes[h.b], &plan)?
                .contains(&title)
                .then_some(())
        });
        let synced = t0.elapsed();
        // A direct connection within 30 s, or none.
        let until = Instant::now() + Duration::from_secs(30);
        let mut transport = None;
        while transport.is_none() && Instant::now() < until {
            transport = peer_entry(&h.lab.nodes[h.b], &h.ga)
                .filter(|e| e["relay"].is_null())
                .and_then(|e| {
                    let addrs = e["addrs"].as_array()?.clone();
                    addrs
                        .iter()
                        .filter_map(|a| a.as_str())
                        .find(|a| !a.contains("p2p-circuit") && a.starts_with("/ip"))
                        .map(|a| if a.contains("quic") { "QUIC" } else { "TCP" })
                });
            std::thread::sleep(Duration::from_millis(500));
        }
        eprintln!(
            "trial {t}: slot {:.1} s after start, first sync {:.1} s, direct: {}",
            slot.as_secs_f64(),
            synced.as_secs_f64(),
            transport.unwrap_or("no")
        );
        rows.push((slot, synced, transport));
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    let direct = rows.iter().filter(|r| r.2.is_some()).count();
    let tcp = rows.iter().filter(|r| r.2 == Some("TCP")).count();
    eprintln!(
        "nat: {trials} trials: slot on the relay median {:.1} s (max {:.1}); first sync through \
         the relay median {:.1} s (max {:.1}); direct after hole punching {direct}/{trials} \
         ({tcp} over TCP, {} over QUIC)",
        median(rows.iter().map(|r| r.0).collect()),
        rows.iter().map(|r| r.0).max().unwrap().as_secs_f64(),
        median(rows.iter().map(|r| r.1).collect()),
        rows.iter().map(|r| r.1).max().unwrap().as_secs_f64(),
        direct - tcp,
    );

    // The homes' routers can no longer reach each other, only r: no hole punching, the relay
    // carries. (Making b's router `masquerade random` was not enough: its conntrack still held
    // the port-keeping UDP mapping of before, and QUIC punched through it.)
    nft(
        &h.inet,
        "table bridge apart {\n\
           chain between { type filter hook forward priority 0; policy accept; \
             ip saddr 198.18.0.11 ip daddr 198.18.0.12 drop; \
             ip saddr 198.18.0.12 ip daddr 198.18.0.11 drop; }\n\
         }\n",
    );
    h.lab.nodes[h.b].crash_and_restart();
    wait_relayed(&h.lab.nodes[h.b]);
    // Both ways: a's direct connection to b before its restart is dead only once pings fail.
    eventually("a and b connected through the relay", SLOW, || {
        let e = peer_entry(&h.lab.nodes[h.b], &h.ga)?;
        let f = peer_entry(&h.lab.nodes[h.a], &h.gb)?;
        (e["relay"] == h.gr.as_str() && f["relay"] == h.gr.as_str()).then_some(())
    });
    // Idle first (pings, identify), then one edit over as long a window.
    let public = h.lab.nodes[h.r].ns.clone();
    let idle_from = dev_bytes(&public, "eth0");
    let t0 = Instant::now();
    h.lab.nodes[h.a].json(&["plan", "action", "add", &plan, "--title", "relayed edit"]);
    eventually("b to get the relayed edit", SLOW, || {
        action_titles(&h.lab.nodes[h.b], &plan)?
            .contains(&"relayed edit".to_string())
            .then_some(())
    });
    let window = t0.elapsed();
    let edit = dev_bytes(&public, "eth0") - idle_from;
    let idle_start = dev_bytes(&public, "eth0");
    std::thread::sleep(window);
    let idle = dev_bytes(&public, "eth0") - idle_start;
    eprintln!(
        "nat: one plan edit relayed in {:.2} s: {edit} bytes through r's interface (in and out; \
         each relayed byte crosses it twice), {idle} bytes over an idle window as long",
        window.as_secs_f64()
    );
    let still = peer_entry(&h.lab.nodes[h.b], &h.ga).unwrap();
    assert_eq!(
        still["relay"],
        h.gr.as_str(),
        "the edit went through the relay"
    );
}
