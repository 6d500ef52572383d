//! Nodes (the real `commonground` binary) in network namespaces of their own, wired by veth pairs
//! made in the test: members find each other by LAN beacons, and three nodes converge after a
//! partition heals, with every acknowledged tally increment counted exactly once.
//!
//! These need root and iproute2 (`ip netns`). Where namespaces cannot be made, each test prints
//! "skipping: ..." and passes. Every interface lives inside the test's own namespaces (veth
//! pairs are created directly in them), so no traffic, multicast included, touches the host's
//! interfaces. Drop guards kill the nodes and delete the namespaces, even when a test fails; a
//! failing test keeps its data directory and logs and prints where they are.

#![allow(clippy::unwrap_used)]

mod common;

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::bin;
use commonground_node::testkit::{cli_command, up_command};
use serde_json::Value;

/// How long nodes may take to find each other or to sync while connected.
const CONVERGE: Duration = Duration::from_secs(30);
/// How long after a partition heals the three nodes may take to converge: the sync engine
/// retries on reconnect and on its 30 s tick, and libp2p may need a redial.
const HEAL: Duration = Duration::from_secs(90);
/// The month tallied in these tests (a fixed one, so the current date does not matter).
const PERIOD: &str = "2026-11";
/// Polls `f` every 200 ms until it returns `Some`, or panics after `timeout` naming `what`.
fn eventually<T>(what: &str, timeout: Duration, f: impl FnMut() -> Option<T>) -> T {
    common::poll_until(what, timeout, Duration::from_millis(200), f)
}

/// Runs `ip` with `args`, which must succeed.
fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "`ip {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `ip -n <ns>` with `args`, which must succeed.
fn ip_in(ns: &str, args: &[&str]) {
    let mut all = vec!["-n", ns];
    all.extend_from_slice(args);
    ip(&all);
}

/// A node process inside a namespace, its log in a file; killed on drop.
struct NsNode {
    name: &'static str,
    ns: String,
    args: Vec<String>,
    child: Child,
    data_dir: PathBuf,
    log: PathBuf,
}

impl NsNode {
    /// Starts `commonground up --http-listen 127.0.0.1:0 <args>` in `ns` on `dir/<name>`, logging
    /// to `dir/<name>.log` (appended to, across restarts), and waits until its API answers.
    fn start(name: &'static str, ns: &str, dir: &std::path::Path, args: Vec<String>) -> Self {
        let data_dir = dir.join(name);
        let log = dir.join(format!("{name}.log"));
        let append = |p: &PathBuf| {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .unwrap()
        };
        // The partition tests read the sync engine's debug lines; RUST_LOG can add more.
        let filter = match std::env::var("RUST_LOG") {
            Ok(user) => format!("{user},commonground_node::sync=debug"),
            Err(_) => "info,sled=warn,commonground_node=debug".into(),
        };
        let child = up_command(bin(), &data_dir, &args, Some(ns))
            .env("RUST_LOG", filter)
            .stdout(append(&dir.join(format!("{name}.out"))))
            .stderr(append(&log))
            .spawn()
            .expect("start commonground up in a namespace");
        let mut node = Self {
            name,
            ns: ns.to_string(),
            args,
            child,
            data_dir,
            log,
        };
        eventually(&format!("node {name} to answer"), CONVERGE, || {
            if let Ok(Some(status)) = node.child.try_wait() {
                panic!(
                    "node {name} exited early with {status}:\n{}",
                    node.log_tail(40)
                );
            }
            node.try_json(&["status"])
        });
        node
    }

    /// Kills the node (SIGKILL: no chance to flush anything more) and starts it again with the
    /// same arguments and data directory.
    fn crash_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = self.data_dir.parent().unwrap().to_path_buf();
        let fresh = Self::start(self.name, &self.ns, &dir, std::mem::take(&mut self.args));
        // The old child is reaped; replacing it drops nothing that runs.
        *self = fresh;
    }

    /// Runs a CLI command inside the node's namespace (its API listens on 127.0.0.1 there).
    fn cli(&self, args: &[&str]) -> Output {
        cli_command(bin(), &self.data_dir, args, Some(&self.ns))
            .output()
            .expect("run commonground in a namespace")
    }

    /// Runs a CLI command with `--json`; `None` when it fails.
    fn try_json(&self, args: &[&str]) -> Option<Value> {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.cli(&all);
        if !out.status.success() {
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    }

    /// Runs a CLI command with `--json` that must succeed, and parses its output.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.cli(&all);
        assert!(
            out.status.success(),
            "node {}: `commonground {}` failed: {}\n{}",
            self.name,
            all.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }

    /// The node's group id.
    fn group(&self) -> String {
        self.json(&["status"])["group"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The group ids of the peers `peers --json` lists.
    fn peer_groups(&self) -> Vec<String> {
        self.json(&["peers"])
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["group"].as_str().unwrap().to_string())
            .collect()
    }

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

    /// The last lines of the node's log.
    fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(lines).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for NsNode {
    fn drop(&mut self) {
        // `ip netns exec` execs the node, so this is the node's own process.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test's namespaces and the nodes in them; dropping it kills the nodes and deletes the
/// namespaces, and with them every veth and bridge. When the test is failing it prints the
/// nodes' last log lines and keeps the directory with the logs and data.
struct Lab {
    dir: Option<tempfile::TempDir>,
    prefix: String,
    namespaces: Vec<String>,
    nodes: Vec<NsNode>,
}

impl Lab {
    /// A lab whose namespace names start with `cgtest-<pid>-<tag>`, or `None` (with the skip
    /// message printed) when namespaces cannot be made here.
    fn new(tag: &str) -> Option<Self> {
        let prefix = format!("cgtest-{}-{tag}", std::process::id());
        let probe = format!("{prefix}-x");
        let made = Command::new("ip")
            .args(["netns", "add", &probe])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipping: cannot create network namespaces (needs root and iproute2)");
            return None;
        }
        Some(Self {
            dir: Some(tempfile::tempdir().unwrap()),
            prefix,
            namespaces: vec![probe],
            nodes: Vec::new(),
        })
    }

    /// Makes a namespace `<prefix>-<name>` with its loopback up, and returns its name.
    /// Three namespaces a, b and c, each with an `eth0` at `<subnet>.1`, `.2`, `.3` (/24),
    /// bridged in a namespace of their own whose ports are `va`, `vb`, `vc`. Returns the
    /// bridge's namespace and the three.
    fn lan(&mut self, subnet: &str) -> (String, Vec<String>) {
        let bridge = self.namespace("br");
        ip_in(&bridge, &["link", "add", "br0", "type", "bridge"]);
        ip_in(&bridge, &["link", "set", "br0", "up"]);
        let mut spaces = Vec::new();
        for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
            let ns = self.namespace(name);
            let port = format!("v{name}");
            ip(&[
                "link", "add", "eth0", "netns", &ns, "type", "veth", "peer", "name", &port,
                "netns", &bridge,
            ]);
            ip_in(&bridge, &["link", "set", &port, "master", "br0"]);
            ip_in(&bridge, &["link", "set", &port, "up"]);
            ip_in(
                &ns,
                &[
                    "addr",
                    "add",
                    &format!("{subnet}.{}/24", i + 1),
                    "dev",
                    "eth0",
                ],
            );
            ip_in(&ns, &["link", "set", "eth0", "multicast", "on"]);
            ip_in(&ns, &["link", "set", "eth0", "up"]);
            spaces.push(ns);
        }
        (bridge, spaces)
    }

    fn namespace(&mut self, name: &str) -> String {
        let ns = format!("{}-{name}", self.prefix);
        ip(&["netns", "add", &ns]);
        self.namespaces.push(ns.clone());
        ip_in(&ns, &["link", "set", "lo", "up"]);
        ns
    }

    /// Starts a node in `ns` (see [`NsNode::start`]) and returns its index in `self.nodes`.
    fn start(&mut self, name: &'static str, ns: &str, args: Vec<String>) -> usize {
        let dir = self.dir.as_ref().unwrap().path().to_path_buf();
        self.nodes.push(NsNode::start(name, ns, &dir, args));
        self.nodes.len() - 1
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let failing = std::thread::panicking();
        for node in self.nodes.drain(..) {
            if failing {
                eprintln!(
                    "--- last lines of node {}'s log ---\n{}",
                    node.name,
                    node.log_tail(100)
                );
            }
            drop(node);
        }
        for ns in self.namespaces.drain(..).rev() {
            let _ = Command::new("ip")
                .args(["netns", "del", &ns])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if failing && let Some(dir) = self.dir.take() {
            eprintln!("logs and data directories kept in {}", dir.keep().display());
        }
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
    let (_, spaces) = lab.lan("10.213.1");
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
        let _ = node.child.kill();
        let _ = node.child.wait();
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
        let (bridge, spaces) = lab.lan("10.213.2");
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
    let na = lab.namespace("a");
    let nb = lab.namespace("b");
    ip(&[
        "link", "add", "cg0", "netns", &na, "type", "veth", "peer", "name", "cg0", "netns", &nb,
    ]);
    for (ns, addr) in [(&na, "10.214.1.1/24"), (&nb, "10.214.1.2/24")] {
        ip_in(ns, &["addr", "add", addr, "dev", "cg0"]);
        ip_in(ns, &["link", "set", "cg0", "up"]);
    }
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
    let _ = b.child.kill();
    let _ = b.child.wait();
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
