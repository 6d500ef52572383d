//! Nodes (the real `commonground` binary) in network namespaces of their own, wired by veth pairs
//! made in the test: members find each other by LAN beacons, three nodes converge after a
//! partition heals, with every acknowledged tally increment counted exactly once, 2,000 idle
//! connections from one machine on the LAN leave the organiser on the node's own machine served,
//! and strangers dialling from one machine with made-up peer ids while an invite is open cannot
//! keep the invited group out.
//!
//! These need root and iproute2 (`ip netns`). Where namespaces cannot be made, each test prints
//! "skipping: ..." and passes. Every interface lives inside the test's own namespaces (veth
//! pairs are created directly in them), so no traffic, multicast included, touches the host's
//! interfaces. Drop guards kill the nodes and delete the namespaces, even when a test fails; a
//! failing test keeps its data directory and logs and prints where they are.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::ns::{CONVERGE, Lab, NsNode, eventually, ip_in};
use common::procfs;
use serde_json::Value;

/// How long after a partition heals the three nodes may take to converge: the sync engine
/// retries on reconnect and on its 30 s tick, and libp2p may need a redial.
const HEAL: Duration = Duration::from_secs(90);
/// The month tallied in these tests (a fixed one, so the current date does not matter).
const PERIOD: &str = "2026-11";

/// What these tests do at a node beyond [`NsNode`]'s own commands.
impl NsNode {
    /// Adds `count` to the housing tally of [`PERIOD`]; the command must be acknowledged.
    fn tally_add(&self, count: i64) {
        let n = count.to_string();
        self.json(&["tally", "add", "housing", "--count", &n, "--period", PERIOD]);
    }

    /// The total of the node's own tally for [`PERIOD`].
    fn tally_total(&self) -> i64 {
        self.json(&["tally", "show", "--period", PERIOD])["total"]
            .as_i64()
            .unwrap()
    }

    /// Adds an action to a plan; the command must be acknowledged.
    fn add_action(&self, plan: &str, title: &str) {
        self.json(&["plan", "action", "add", plan, "--title", title]);
    }
}

/// Members on one LAN find each other with LAN beacons, without any address that still works:
/// a and b (members of one network) and c (a stranger) share a LAN; a and b both move to new
/// addresses and restart, so neither's network document lists the other's current address and
/// only a beacon can bring them together. c, which holds no network of theirs, can open none
/// of their beacons and never gets a connection to either.
#[test]
fn members_on_one_lan_find_each_other_by_beacons_and_a_stranger_does_not() {
    let Some(mut lab) = Lab::new("m") else {
        return;
    };
    let (_, spaces) = lab.lan("10.213.1", &["a", "b", "c"]);
    // Beacons on (the default); each node's only other interface is its own `lo`.
    let listen = vec!["--listen".to_string(), "/ip4/0.0.0.0/tcp/0".to_string()];
    let ia = lab.start("a", &spaces[0], listen.clone());
    let ib = lab.start("b", &spaces[1], listen.clone());
    let ic = lab.start("c", &spaces[2], listen);
    let (ga, gb, gc) = (
        lab.nodes[ia].group(),
        lab.nodes[ib].group(),
        lab.nodes[ic].group(),
    );
    let net = lab.nodes[ia].json(&["network", "create", "--name", "LAN"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invite = lab.nodes[ia].json(&["network", "invite", &net, "--expires", "1h"]);
    lab.nodes[ib].json(&["network", "join", invite["code"].as_str().unwrap()]);
    eventually("a and b connected as members", CONVERGE, || {
        (lab.nodes[ia].peer_groups().contains(&gb) && lab.nodes[ib].peer_groups().contains(&ga))
            .then_some(())
    });

    // Both move: new addresses, new ports, restarted. What each holds of the other is stale.
    for (i, n) in [(0usize, ia), (1, ib)] {
        let node = &mut lab.nodes[n];
        node.kill();
        ip_in(
            &spaces[i],
            &[
                "addr",
                "del",
                &format!("10.213.1.{}/24", i + 1),
                "dev",
                "eth0",
            ],
        );
        ip_in(
            &spaces[i],
            &[
                "addr",
                "add",
                &format!("10.213.1.{}/24", i + 11),
                "dev",
                "eth0",
            ],
        );
        node.crash_and_restart();
    }
    let (a, b, c) = (&lab.nodes[ia], &lab.nodes[ib], &lab.nodes[ic]);
    eventually(
        "a and b to find each other again by beacons",
        CONVERGE,
        || (a.peer_groups().contains(&gb) && b.peer_groups().contains(&ga)).then_some(()),
    );
    // They met over the LAN, at the new addresses.
    let peers = a.json(&["peers"]);
    let to_b = peers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["group"] == gb.as_str())
        .unwrap();
    assert!(
        to_b["addrs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x.as_str().unwrap().starts_with("/ip4/10.213.1.12/")),
        "{peers}"
    );
    // The stranger heard the same beacons the whole time and connected to no one.
    assert!(c.peer_groups().is_empty(), "{}", c.json(&["peers"]));
    for n in [a, b] {
        assert!(!n.peer_groups().contains(&gc), "{}", n.json(&["peers"]));
    }
}

/// The plan as `plan show --json` gives it at every node, when all have the same heads and
/// `actions` actions; `None` otherwise.
fn converged(nodes: &[&NsNode], plan: &str, actions: usize) -> Option<Value> {
    let mut first: Option<Value> = None;
    for n in nodes {
        let p = n.try_json(&["plan", "show", plan])?;
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

/// The sorted titles of a plan's actions.
fn action_titles(plan: &Value) -> Vec<String> {
    let mut titles: Vec<String> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    titles.sort();
    titles
}

/// Three nodes a, b, c (indices 0, 1, 2 of `lab.nodes`), each in a namespace of its own with a
/// veth to a bridge in a fourth namespace (10.213.2.1-3/24), connected by `--bootstrap` only,
/// in one network and sharing one plan that all three hold.
struct Three {
    lab: Lab,
    /// The bridge's namespace; c's port on the bridge is `vc`.
    bridge: String,
    plan: String,
    network: String,
    groups: [String; 3],
}

impl Three {
    fn new(tag: &str) -> Option<Self> {
        let mut lab = Lab::new(tag)?;
        let (bridge, spaces) = lab.lan("10.213.2", &["a", "b", "c"]);
        let args = |bootstrap: &[&String]| {
            let mut args: Vec<String> = ["--no-lan", "--listen", "/ip4/0.0.0.0/tcp/4700"]
                .map(String::from)
                .to_vec();
            for b in bootstrap {
                args.extend(["--bootstrap".to_string(), b.to_string()]);
            }
            args
        };
        let ia = lab.start("a", &spaces[0], args(&[]));
        let ga = lab.nodes[ia].group();
        let addr_a = format!("/ip4/10.213.2.1/tcp/4700/p2p/{ga}");
        let ib = lab.start("b", &spaces[1], args(&[&addr_a]));
        let gb = lab.nodes[ib].group();
        let addr_b = format!("/ip4/10.213.2.2/tcp/4700/p2p/{gb}");
        let ic = lab.start("c", &spaces[2], args(&[&addr_a, &addr_b]));
        let gc = lab.nodes[ic].group();
        let groups = [ga, gb, gc];
        let mut three = Self {
            lab,
            bridge,
            plan: String::new(),
            network: String::new(),
            groups,
        };
        // Strangers are turned away (PROTOCOL.md §2): the bootstrap dials connect no one until
        // a makes a network and b and c join it with invite codes. Then a makes a shared plan.
        let [a, b, c] = three.nodes();
        let net = a.json(&["network", "create", "--name", "Partitioned Network"])["id"]
            .as_str()
            .unwrap()
            .to_string();
        for joiner in [b, c] {
            let invite = a.json(&["network", "invite", &net, "--expires", "1h"]);
            joiner.json(&["network", "join", invite["code"].as_str().unwrap()]);
        }
        for n in [a, b, c] {
            eventually(&format!("three members at {}", n.name), CONVERGE, || {
                let m = n.try_json(&["network", "members", &net])?;
                (m["members"].as_array()?.len() == 3).then_some(())
            });
        }
        three.all_connected("joining the network");
        let [a, b, c] = three.nodes();
        let title = "Joint action on asylum housing";
        let plan = a.json(&["plan", "new", "--title", title, "--network", &net])["id"]
            .as_str()
            .unwrap()
            .to_string();
        // b and c write it too.
        for g in &three.groups[1..] {
            a.json(&["plan", "collaborator", "add", &plan, g]);
        }
        eventually("the plan at all three", CONVERGE, || {
            converged(&[a, b, c], &plan, 0)
        });
        three.plan = plan;
        three.network = net;
        Some(three)
    }

    fn nodes(&self) -> [&NsNode; 3] {
        let n = &self.lab.nodes;
        [&n[0], &n[1], &n[2]]
    }

    /// Waits until every node lists both others in `peers`.
    fn all_connected(&self, after: &str) {
        for (i, n) in self.nodes().into_iter().enumerate() {
            let others: Vec<&String> = (0..3)
                .filter(|j| *j != i)
                .map(|j| &self.groups[j])
                .collect();
            eventually(
                &format!("{} to be connected to both others after {after}", n.name),
                HEAL,
                || {
                    let peers = n.peer_groups();
                    others.iter().all(|g| peers.contains(g)).then_some(())
                },
            );
        }
    }

    /// Takes c's port on the bridge down (a pulled cable) or up again.
    fn set_c_link(&self, up: bool) {
        ip_in(
            &self.bridge,
            &["link", "set", "vc", if up { "up" } else { "down" }],
        );
    }

    /// Waits until a and c have each noticed the partition: neither lists the other as
    /// connected any more (ping fails on a cut link and the connection is closed). A change
    /// made during the partition is announced, not pushed by a session, so no failed session
    /// need show it.
    fn wait_until_both_sides_notice(&self) {
        let [a, _, c] = self.nodes();
        let (ga, gc) = (&self.groups[0], &self.groups[2]);
        eventually(
            "a and c to notice the partition (neither lists the other as connected)",
            HEAL,
            || (!a.peer_groups().contains(gc) && !c.peer_groups().contains(ga)).then_some(()),
        );
    }
}

#[test]
fn three_nodes_converge_after_a_partition_heals_and_count_every_increment_once() {
    let Some(three) = Three::new("p") else {
        return;
    };
    let [a, b, c] = three.nodes();
    let plan = three.plan.clone();

    // Acknowledged increments, before the partition, per node.
    let mut acked = [0_i64; 3];
    for (i, n) in [a, b, c].iter().enumerate() {
        for k in 1..=3 {
            n.tally_add(k);
            acked[i] += k;
        }
    }

    three.set_c_link(false);
    let cut = Instant::now();

    // Edits on both sides, each acknowledged by its node.
    for (i, n) in [a, b, c].iter().enumerate() {
        for k in 1..=20 {
            n.tally_add(k);
            acked[i] += k;
        }
    }
    a.add_action(&plan, "Meet the cabinet member");
    b.json(&[
        "plan",
        "edit",
        &plan,
        "--goal",
        "Safe housing for all, within a month.",
    ]);
    c.add_action(&plan, "Vigil at the town hall");
    c.add_action(&plan, "Training on housing law");
    // The connected side keeps syncing; c sees none of it.
    eventually("a and b to converge during the partition", CONVERGE, || {
        converged(&[a, b], &plan, 1)
    });
    three.wait_until_both_sides_notice();
    let at_c = c.json(&["plan", "show", &plan]);
    assert_eq!(
        action_titles(&at_c),
        ["Training on housing law", "Vigil at the town hall"],
        "c saw edits across the partition: {at_c}"
    );
    assert_ne!(at_c["goal"], "Safe housing for all, within a month.");
    for (i, n) in [a, b, c].iter().enumerate() {
        assert_eq!(
            n.tally_total(),
            acked[i],
            "node {}'s tally during the partition",
            n.name
        );
    }

    three.set_c_link(true);
    let healed = Instant::now();
    eprintln!("partition: c was cut off for {:?}", healed - cut);
    let done = eventually(
        "all three to converge after the partition heals",
        HEAL,
        || converged(&[a, b, c], &plan, 3),
    );
    eprintln!("partition: converged {:?} after healing", healed.elapsed());
    assert_eq!(
        action_titles(&done),
        [
            "Meet the cabinet member",
            "Training on housing law",
            "Vigil at the town hall"
        ]
    );
    assert_eq!(done["goal"], "Safe housing for all, within a month.");

    // Every acknowledged increment counted exactly once: nothing lost, nothing doubled by sync.
    for (i, n) in [a, b, c].iter().enumerate() {
        assert_eq!(
            n.tally_total(),
            acked[i],
            "node {}'s tally after healing",
            n.name
        );
    }
    three.all_connected("healing");

    // Published and merged, every acknowledged increment still counts once, at every node.
    for n in [a, b, c] {
        n.json(&[
            "tally",
            "publish",
            "--network",
            &three.network,
            "--period",
            PERIOD,
        ]);
    }
    let total: i64 = acked.iter().sum();
    for n in [a, b, c] {
        eventually(
            &format!("the merged count at {} to be every increment once", n.name),
            HEAL,
            || {
                let v = n.try_json(&[
                    "tally",
                    "region",
                    "--network",
                    &three.network,
                    "--period",
                    PERIOD,
                ])?;
                let row = &v["rows"][0];
                (v["groups"].as_array()?.len() == 3 && row["low"] == total && row["high"] == total)
                    .then_some(())
            },
        );
    }
}

#[test]
fn a_node_that_crashes_while_cut_off_reconnects_and_converges_after_heal() {
    let Some(mut three) = Three::new("r") else {
        return;
    };
    let plan = three.plan.clone();
    let mut acked = 0_i64;
    {
        let [a, _, c] = three.nodes();
        three.set_c_link(false);
        a.add_action(&plan, "Meet the cabinet member");
        c.add_action(&plan, "Vigil at the town hall");
        for k in 1..=10 {
            c.tally_add(k);
            acked += k;
        }
        three.wait_until_both_sides_notice();
    }
    // c crashes and comes back while still cut off: its bootstrap dials go nowhere, and a and b
    // still hold their (now dead) connections to the old process.
    three.lab.nodes[2].crash_and_restart();
    let [a, b, c] = three.nodes();
    assert_eq!(
        c.tally_total(),
        acked,
        "c's acknowledged increments after its crash"
    );
    let at_c = c.json(&["plan", "show", &plan]);
    assert_eq!(action_titles(&at_c), ["Vigil at the town hall"], "{at_c}");
    c.add_action(&plan, "Training on housing law");
    b.add_action(&plan, "Leaflets at the library");
    eventually("a and b to converge during the partition", CONVERGE, || {
        converged(&[a, b], &plan, 2)
    });

    three.set_c_link(true);
    let healed = Instant::now();
    let done = eventually(
        "all three to converge after the partition heals",
        HEAL,
        || converged(&[a, b, c], &plan, 4),
    );
    eprintln!(
        "crash while cut off: converged {:?} after healing",
        healed.elapsed()
    );
    assert_eq!(
        action_titles(&done),
        [
            "Leaflets at the library",
            "Meet the cabinet member",
            "Training on housing law",
            "Vigil at the town hall"
        ]
    );
    assert_eq!(c.tally_total(), acked, "c's tally after healing");
    three.all_connected("healing");
}

/// The addresses `network members` lists for `group` at `node`.
fn listed_addrs(node: &NsNode, network: &str, group: &str) -> Vec<String> {
    node.try_json(&["network", "members", network])
        .and_then(|m| {
            m["members"]
                .as_array()?
                .iter()
                .find(|m| m["group"] == group)
                .and_then(|m| m["addrs"].as_array().cloned())
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.as_str().map(String::from))
        .collect()
}

/// Two machines with the default ports (TCP and QUIC on 7466) on both: each join dials the
/// inviter by the invite's addresses alone (mDNS off, no bootstrap), so an invite that listed
/// loopback, or a dial that gave up on an address leading back to the joiner, would fail here.
/// Twenty fresh groups join one after another on the second machine; then the last one moves
/// to a new address, restarts, and is found again: its new address reaches the network
/// document at the coordinator, written by the member itself.
#[test]
fn twenty_fresh_groups_join_with_default_ports_and_a_moved_member_is_found_again() {
    let Some(mut lab) = Lab::new("j") else {
        return;
    };
    let (na, nb) = lab.pair("10.214.1");
    let defaults = vec!["--no-lan".to_string()];
    let ia = lab.start("a", &na, defaults.clone());
    let net = lab.nodes[ia].json(&["network", "create", "--name", "Twenty"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    const JOINS: usize = 20;
    let mut joined = 0;
    for i in 0..JOINS {
        let name: &'static str = Box::leak(format!("b{i}").into_boxed_str());
        let ib = lab.start(name, &nb, defaults.clone());
        let (a, b) = (&lab.nodes[ia], &lab.nodes[ib]);
        let invite = a.json(&["network", "invite", &net, "--expires", "1h"]);
        let code = invite["code"].as_str().unwrap();
        assert!(
            invite["addrs"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x.as_str().unwrap().starts_with("/ip4/10.214.1.1/")),
            "the invite lists only the address another machine can use: {invite}"
        );
        let out = b.cli(&["network", "join", code, "--json"]);
        assert!(
            out.status.success(),
            "join {} of {JOINS} failed ({joined} joined before): {}",
            i + 1,
            String::from_utf8_lossy(&out.stderr)
        );
        joined += 1;
        if i + 1 < JOINS {
            drop(lab.nodes.pop());
        }
    }
    assert_eq!(joined, JOINS);
    let members = lab.nodes[ia].json(&["network", "members", &net]);
    assert_eq!(
        members["members"].as_array().unwrap().len(),
        JOINS + 1,
        "{members}"
    );

    // The last group's machine gets a new address; its node restarts there.
    let ib = lab.nodes.len() - 1;
    let gb = lab.nodes[ib].group();
    assert!(
        listed_addrs(&lab.nodes[ia], &net, &gb)
            .iter()
            .all(|x| x.starts_with("/ip4/10.214.1.2/")),
        "{}",
        lab.nodes[ia].json(&["network", "members", &net])
    );
    let b = &mut lab.nodes[ib];
    b.kill();
    ip_in(&nb, &["addr", "del", "10.214.1.2/24", "dev", "cg0"]);
    ip_in(&nb, &["addr", "add", "10.214.1.3/24", "dev", "cg0"]);
    b.crash_and_restart();
    let a = &lab.nodes[ia];
    eventually("a to be connected to the moved member again", HEAL, || {
        a.peer_groups().contains(&gb).then_some(())
    });
    eventually(
        "the moved member's new address in the network document at a",
        HEAL,
        || {
            let listed = listed_addrs(a, &net, &gb);
            (!listed.is_empty() && listed.iter().all(|x| x.starts_with("/ip4/10.214.1.3/")))
                .then_some(())
        },
    );
}

/// How many idle connections the client of the idle-connections test opens.
const IDLE_CONNECTIONS: usize = 2_000;
/// The HTTP listener's cap on connections from one address (`Limits::per_client` in
/// node/src/listener.rs).
const PER_CLIENT: usize = 32;
/// Tells [`idle_connections_holder`], run in a child process, where to connect and how often.
const HOLD_ENV: &str = "COMMONGROUND_TEST_HOLD";

/// 2,000 idle TCP connections from one address in another namespace (a machine on the LAN) to a
/// node serving its page on 0.0.0.0, with the 1,024 open files a process gets by default: the
/// node closes those over its cap per address at once, so it neither runs out of files nor
/// keeps the organiser on the node's own machine (127.0.0.1) waiting.
#[test]
fn two_thousand_idle_connections_from_one_address_leave_the_organiser_served() {
    let Some(mut lab) = Lab::new("i") else {
        return;
    };
    let (node_ns, client_ns) = lab.pair("10.214.3");
    let dir = lab.path();
    let args = ["--no-lan", "--listen", "/ip4/127.0.0.1/tcp/0"].map(String::from);
    lab.nodes.push(NsNode::start_at(
        "a",
        &node_ns,
        &dir.join("a"),
        &dir,
        "0.0.0.0:7480",
        args.to_vec(),
    ));
    let node = &lab.nodes[0];
    // The default limit of a process, whatever this test process was given: without the cap,
    // 2,000 connections would take every file the node may open.
    procfs::set_open_files_limit(node.pid(), 1024);
    assert_eq!(procfs::open_files_limit(node.pid()), 1024);
    let files_before = procfs::open_files(node.pid());

    let holder = Holder::start(
        &client_ns,
        "idle_connections_holder",
        (HOLD_ENV, &format!("10.214.3.1:7480 {IDLE_CONNECTIONS}")),
        "held: ",
    );
    let field = |name: &str| holder.field(name);
    let held = &holder.said;
    let (opened, open, settled_ms) = (field("opened"), field("open"), field("settled_ms"));
    assert_eq!(
        opened, IDLE_CONNECTIONS,
        "every connection completes its handshake: {held}"
    );
    // Closed by the cap, long before the 60 s idle timeout could have closed any.
    assert!(
        open <= PER_CLIENT && settled_ms < 30_000,
        "the node keeps at most {PER_CLIENT} connections from one address: {held}"
    );

    // Meanwhile the organiser on the node's machine is answered.
    let asked = Instant::now();
    let status = eventually(
        "the organiser's status while 2,000 connections are held",
        CONVERGE,
        || node.try_json(&["status"]),
    );
    let answered = asked.elapsed();
    assert!(status["group"].is_string(), "{status}");
    let files = procfs::open_files(node.pid());
    eprintln!(
        "idle connections: {held}; the organiser's status in {answered:?}; \
         the node's open files {files_before} before, {files} while held"
    );
    assert!(
        files <= files_before + PER_CLIENT + 16,
        "the node holds {files} files ({files_before} before the connections)"
    );
    let log = std::fs::read_to_string(&node.log).unwrap();
    assert!(
        log.contains("HTTP connections over the limit closed"),
        "the cap closed the connections over it"
    );
    let exhausted = log.matches("Too many open files").count();
    assert!(
        exhausted <= 1,
        "the node ran out of files {exhausted} times:\n{}",
        node.log_tail(20)
    );
    holder.finish();
}

/// What a [`Holder`] is asked to do, from its environment variable `env`: `ADDR COUNT` (where
/// to connect, and how many times), or `None` when it is run as an ordinary test.
fn holder_task<A: std::str::FromStr>(env: &str) -> Option<(A, usize)>
where
    A::Err: std::fmt::Debug,
{
    let spec = std::env::var(env).ok()?;
    let (addr, count) = spec.split_once(' ').unwrap();
    Some((addr.parse().unwrap(), count.parse().unwrap()))
}

/// A helper test run in a child process inside another namespace (where this process cannot
/// open sockets), which says what it did on a line of its standard output and keeps what it
/// holds until its standard input closes.
struct Holder {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
    /// What it said, after its line's prefix.
    said: String,
}

impl Holder {
    /// Runs the ignored test `test` in `ns` with the environment variable `env`, and waits for
    /// its line that starts with `prefix`.
    fn start(ns: &str, test: &str, env: (&str, &str), prefix: &str) -> Self {
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns])
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", test, "--ignored", "--nocapture"])
            .env(env.0, env.1)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {test}: {e}"));
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let said = out
            .by_ref()
            .lines()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix(prefix).map(String::from))
            .unwrap_or_else(|| {
                panic!(
                    "{test} stopped without saying {prefix:?}: {:?}",
                    child.wait()
                )
            });
        eprintln!("{test}: {said}");
        Self { child, out, said }
    }

    /// The number it said as `name=N`.
    fn field(&self, name: &str) -> usize {
        self.said
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.said))
    }

    /// Lets go of what it holds, and checks that it ended well.
    fn finish(mut self) {
        drop(self.child.stdin.take());
        // The rest of its output (the test harness's), so that it can finish writing it.
        let _ = self.out.read_to_end(&mut Vec::new());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the helper: {status}");
    }
}

/// The client of [`two_thousand_idle_connections_from_one_address_leave_the_organiser_served`],
/// run by it in a child process inside the client's namespace (where this process cannot open
/// sockets): with `COMMONGROUND_TEST_HOLD="ADDR:PORT COUNT"` it opens COUNT connections, waits
/// until the server has closed those it does not keep, prints
/// `held: opened=N failed=N open=N settled_ms=N`, and holds them idle until its standard input
/// closes. Without the variable it does nothing.
#[test]
#[ignore = "a helper: the idle-connections test runs it in a child process"]
fn idle_connections_holder() {
    let Some((addr, count)) = holder_task::<SocketAddr>(HOLD_ENV) else {
        return;
    };
    let want = (count + 64) as u64;
    if procfs::open_files_limit(std::process::id()) < want {
        procfs::set_open_files_limit(std::process::id(), want);
    }
    let mut conns = Vec::new();
    let mut failed = 0;
    for _ in 0..count {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(10)) {
            Ok(s) => conns.push(s),
            Err(e) => {
                failed += 1;
                eprintln!("connecting to {addr}: {e}");
            }
        }
    }
    for c in &conns {
        c.set_nonblocking(true).unwrap();
    }
    // A connection the server closed reads as ended (or reset); an open idle one would block.
    let open = |conns: &[TcpStream]| {
        conns
            .iter()
            .filter(|c| matches!(c.peek(&mut [0]), Err(e) if e.kind() == ErrorKind::WouldBlock))
            .count()
    };
    let opened_all = Instant::now();
    let mut now_open = open(&conns);
    while now_open > PER_CLIENT && opened_all.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
        now_open = open(&conns);
    }
    println!(
        "held: opened={} failed={failed} open={now_open} settled_ms={}",
        conns.len(),
        opened_all.elapsed().as_millis()
    );
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(conns);
}

/// Tells [`strangers_holder`], run in a child process, whom to dial and with how many peer ids.
const STRANGERS_ENV: &str = "COMMONGROUND_TEST_STRANGERS";
/// How many made-up peer ids the strangers' machine dials with: the node's guest places
/// (`MAX_GUESTS` in `node/src/net/admission.rs`).
const STRANGERS: usize = 8;
/// How many of them the node may let in at once (`MAX_GUESTS_PER_HOST`).
const GUESTS_PER_HOST: usize = 2;

/// While an invite is open, one machine on the LAN dials the inviting node with eight made-up
/// peer ids (as many as its guest places): the node lets two of them in and turns the others
/// away at once, so that the group invited, on another machine, still gets in with its code.
/// With no cap per host, the eight would hold every guest's place for 30 s and the join would
/// be refused.
#[test]
fn strangers_from_one_machine_cannot_take_every_guests_place() {
    let Some(mut lab) = Lab::new("g") else {
        return;
    };
    let (_bridge, spaces) = lab.lan("10.213.5", &["a", "s", "c"]);
    let args = ["--no-lan", "--listen", "/ip4/0.0.0.0/tcp/4700"].map(String::from);
    let ia = lab.start("a", &spaces[0], args.to_vec());
    let ic = lab.start("c", &spaces[2], args.to_vec());
    let a = &lab.nodes[ia];
    let net = a.json(&["network", "create", "--name", "Réseau d'accueil"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invite = a.json(&["network", "invite", &net, "--expires", "1h"]);
    let code = invite["code"].as_str().unwrap().to_string();

    let target = format!("/ip4/10.213.5.1/tcp/4700/p2p/{}", a.group());
    let holder = Holder::start(
        &spaces[1],
        "strangers_holder",
        (STRANGERS_ENV, &format!("{target} {STRANGERS}")),
        "strangers: ",
    );
    let field = |name: &str| holder.field(name);
    let held = &holder.said;
    assert_eq!(field("dialled"), STRANGERS, "{held}");
    assert_eq!(
        field("let_in"),
        GUESTS_PER_HOST,
        "the node lets in two guests from one machine and no more: {held}"
    );

    // Within the strangers' 30 s, the group invited joins from its own machine.
    let c = &lab.nodes[ic];
    let joined = c.cli(&["network", "join", &code, "--json"]);
    assert!(
        joined.status.success(),
        "the invited group joins while the strangers hold their places: {}\n{}",
        String::from_utf8_lossy(&joined.stderr),
        a.log_tail(20)
    );
    eventually("c to be a member at a", CONVERGE, || {
        let m = a.try_json(&["network", "members", &net])?;
        (m["members"].as_array()?.len() == 2).then_some(())
    });
    holder.finish();
}

/// The strangers of [`strangers_from_one_machine_cannot_take_every_guests_place`], run by it
/// in a child process inside their namespace: with `COMMONGROUND_TEST_STRANGERS="ADDR COUNT"`
/// it dials ADDR with COUNT new peer ids at once (each a swarm of its own that answers pings,
/// as a node does: the node closes a connection whose ping fails),
/// waits until every dial has either failed or connected and no more connections are open than
/// the node may let in (or 20 s), prints `strangers: dialled=N let_in=N`, and holds what it got
/// until its standard input closes. Without the variable it does nothing.
#[test]
#[ignore = "a helper: the strangers test runs it in a child process"]
fn strangers_holder() {
    use libp2p::futures::StreamExt;
    use libp2p::swarm::SwarmEvent;
    use libp2p::{Multiaddr, noise, tcp, yamux};
    use std::sync::{Arc, Mutex};

    let Some((addr, count)) = holder_task::<Multiaddr>(STRANGERS_ENV) else {
        return;
    };
    /// Each stranger: not yet heard of, connected, or turned away (or its dial failed).
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Dialling,
        Open,
        Closed,
    }
    let states = Arc::new(Mutex::new(vec![State::Dialling; count]));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for k in 0..count {
        let (addr, states) = (addr.clone(), states.clone());
        runtime.spawn(async move {
            let mut swarm = libp2p::SwarmBuilder::with_new_identity()
                .with_tokio()
                .with_tcp(
                    tcp::Config::default(),
                    noise::Config::new,
                    yamux::Config::default,
                )
                .unwrap()
                .with_behaviour(|_| libp2p::ping::Behaviour::default())
                .unwrap()
                .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(120)))
                .build();
            swarm.dial(addr).unwrap();
            loop {
                let state = match swarm.select_next_some().await {
                    SwarmEvent::ConnectionEstablished { .. } => State::Open,
                    SwarmEvent::ConnectionClosed {
                        num_established: 0, ..
                    }
                    | SwarmEvent::OutgoingConnectionError { .. } => State::Closed,
                    _ => continue,
                };
                states.lock().unwrap()[k] = state;
            }
        });
    }
    let started = Instant::now();
    let let_in = loop {
        let now: Vec<State> = states.lock().unwrap().clone();
        let open = now.iter().filter(|s| **s == State::Open).count();
        let settled = !now.contains(&State::Dialling);
        if (settled && open <= GUESTS_PER_HOST) || started.elapsed() > Duration::from_secs(20) {
            break open;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    println!("strangers: dialled={count} let_in={let_in}");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(runtime);
}
