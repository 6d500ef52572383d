//! Nodes (the real `commonground` binary) in network namespaces of their own, wired by veth pairs
//! made in the test: two nodes find each other with mDNS, and three nodes converge after a
//! partition heals, with every acknowledged tally increment counted exactly once.
//!
//! These need root and iproute2 (`ip netns`). Where namespaces cannot be made, each test prints
//! "skipping: ..." and passes. Every interface lives inside the test's own namespaces (veth
//! pairs are created directly in them), so no traffic, multicast included, touches the host's
//! interfaces; namespaces and processes are removed by drop guards, even when a test fails.

#![allow(clippy::unwrap_used)]

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::bin;
use serde_json::Value;

/// How long nodes may take to find each other or to sync while connected.
const CONVERGE: Duration = Duration::from_secs(30);
/// How long after a partition heals the three nodes may take to converge: the sync engine
/// retries on reconnect and on its 30 s tick, and libp2p may need a redial.
const HEAL: Duration = Duration::from_secs(90);
/// The month tallied in these tests (any fixed one, so the current date does not matter).
const PERIOD: &str = "2026-11";

/// Polls `f` every 200 ms until it returns `Some`, or panics after `timeout` naming `what`.
fn eventually<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
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
    child: Child,
    data_dir: PathBuf,
    log: PathBuf,
}

impl NsNode {
    /// Runs a CLI command inside the node's namespace (its API listens on 127.0.0.1 there).
    fn cli(&self, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.ns, bin()])
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .stdin(Stdio::null())
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

/// The test's namespaces and the nodes in them; dropping it kills the nodes (printing their logs
/// if the test is failing) and deletes the namespaces, and with them every veth and bridge.
struct Lab {
    dir: tempfile::TempDir,
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
            dir: tempfile::tempdir().unwrap(),
            prefix,
            namespaces: vec![probe],
            nodes: Vec::new(),
        })
    }

    /// Makes a namespace `<prefix>-<name>` with its loopback up, and returns its name.
    fn namespace(&mut self, name: &str) -> String {
        let ns = format!("{}-{name}", self.prefix);
        ip(&["netns", "add", &ns]);
        self.namespaces.push(ns.clone());
        ip_in(&ns, &["link", "set", "lo", "up"]);
        ns
    }

    /// Starts a node in `ns` with `args` after `up --http-listen 127.0.0.1:0`, waits until its
    /// API answers, and returns its index in `self.nodes`.
    fn start(&mut self, name: &'static str, ns: &str, args: &[String]) -> usize {
        let data_dir = self.dir.path().join(name);
        let log = self.dir.path().join(format!("{name}.log"));
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                ns,
                bin(),
                "up",
                "--http-listen",
                "127.0.0.1:0",
            ])
            .args(args)
            .arg("--data-dir")
            .arg(&data_dir)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info,commonground_node=debug".into()),
            )
            .stdin(Stdio::null())
            .stdout(File::create(self.dir.path().join(format!("{name}.out"))).unwrap())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .expect("start commonground up in a namespace");
        self.nodes.push(NsNode {
            name,
            ns: ns.to_string(),
            child,
            data_dir,
            log,
        });
        let node = self.nodes.last_mut().unwrap();
        let answered = {
            let start = Instant::now();
            loop {
                if let Ok(Some(status)) = node.child.try_wait() {
                    panic!(
                        "node {name} exited early with {status}:\n{}",
                        node.log_tail(40)
                    );
                }
                if node.try_json(&["status"]).is_some() {
                    break true;
                }
                if start.elapsed() > CONVERGE {
                    break false;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        };
        assert!(answered, "node {name} did not answer within {CONVERGE:?}");
        self.nodes.len() - 1
    }

    /// The data directory's parent, for logs.
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let failing = std::thread::panicking();
        if std::env::var("CG_KEEP").is_ok() {
            let _ = std::process::Command::new("cp")
                .args([
                    "-r",
                    self.dir.path().to_str().unwrap(),
                    &format!("/tmp/cgkeep-{}", self.prefix),
                ])
                .status();
        }
        for node in self.nodes.drain(..) {
            if failing {
                eprintln!(
                    "--- last lines of node {}'s log ({}) ---\n{}",
                    node.name,
                    node.log.display(),
                    node.log_tail(120)
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
    }
}

#[test]
fn two_nodes_in_separate_namespaces_find_each_other_with_mdns() {
    let Some(mut lab) = Lab::new("m") else {
        return;
    };
    let ns1 = lab.namespace("1");
    let ns2 = lab.namespace("2");
    // One veth pair, made directly inside the two namespaces.
    ip(&[
        "link", "add", "cg0", "netns", &ns1, "type", "veth", "peer", "name", "cg0", "netns", &ns2,
    ]);
    for (ns, addr) in [(&ns1, "10.213.1.1/24"), (&ns2, "10.213.1.2/24")] {
        ip_in(ns, &["addr", "add", addr, "dev", "cg0"]);
        ip_in(ns, &["link", "set", "cg0", "multicast", "on"]);
        ip_in(ns, &["link", "set", "cg0", "up"]);
    }
    // mDNS on (no --no-mdns): only possible because each node's only other interface is `lo`.
    let listen = ["--listen".to_string(), "/ip4/0.0.0.0/tcp/0".to_string()];
    let a = lab.start("a", &ns1, &listen);
    let b = lab.start("b", &ns2, &listen);
    let (a, b) = (&lab.nodes[a], &lab.nodes[b]);
    let (ga, gb) = (a.group(), b.group());
    let status = a.json(&["status"]);
    assert!(
        status["listen"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().starts_with("/ip4/10.213.1.1/tcp/")),
        "a listens on its veth address: {status}"
    );
    eventually("a and b to find each other by mDNS", CONVERGE, || {
        (a.peer_groups().contains(&gb) && b.peer_groups().contains(&ga)).then_some(())
    });
    // They met over the veth, not by some other path.
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
            .all(|x| x.as_str().unwrap().starts_with("/ip4/10.213.1.")),
        "{peers}"
    );
    eprintln!("mdns: logs in {}", lab.path().display());
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

/// The titles of a plan's actions.
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

#[test]
fn three_nodes_converge_after_a_partition_heals_and_count_every_increment_once() {
    let Some(mut lab) = Lab::new("p") else {
        return;
    };
    // a, b and c each in a namespace, their veths joined by a bridge in a fourth.
    let br = lab.namespace("br");
    ip_in(&br, &["link", "add", "br0", "type", "bridge"]);
    ip_in(&br, &["link", "set", "br0", "up"]);
    let mut spaces = Vec::new();
    for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
        let ns = lab.namespace(name);
        let port = format!("v{name}");
        ip(&[
            "link", "add", "eth0", "netns", &ns, "type", "veth", "peer", "name", &port, "netns",
            &br,
        ]);
        ip_in(&br, &["link", "set", &port, "master", "br0"]);
        ip_in(&br, &["link", "set", &port, "up"]);
        ip_in(
            &ns,
            &[
                "addr",
                "add",
                &format!("10.213.2.{}/24", i + 1),
                "dev",
                "eth0",
            ],
        );
        ip_in(&ns, &["link", "set", "eth0", "up"]);
        spaces.push(ns);
    }
    let base = |bootstrap: &[String]| {
        let mut args: Vec<String> = ["--no-mdns", "--listen", "/ip4/0.0.0.0/tcp/4700"]
            .map(String::from)
            .to_vec();
        for b in bootstrap {
            args.extend(["--bootstrap".to_string(), b.clone()]);
        }
        args
    };
    let ia = lab.start("a", &spaces[0], &base(&[]));
    let ga = lab.nodes[ia].group();
    let addr_a = format!("/ip4/10.213.2.1/tcp/4700/p2p/{ga}");
    let ib = lab.start("b", &spaces[1], &base(std::slice::from_ref(&addr_a)));
    let gb = lab.nodes[ib].group();
    let addr_b = format!("/ip4/10.213.2.2/tcp/4700/p2p/{gb}");
    let ic = lab.start("c", &spaces[2], &base(&[addr_a, addr_b]));
    let gc = lab.nodes[ic].group();
    let (a, b, c) = (&lab.nodes[ia], &lab.nodes[ib], &lab.nodes[ic]);
    let all = [a, b, c];

    for (n, others) in [(a, [&gb, &gc]), (b, [&ga, &gc]), (c, [&ga, &gb])] {
        eventually(
            &format!("{} to be connected to both others", n.name),
            CONVERGE,
            || {
                let peers = n.peer_groups();
                others.iter().all(|g| peers.contains(g)).then_some(())
            },
        );
    }

    // a makes a network; b and c join with invite codes; a makes a shared plan.
    let net = a.json(&["network", "create", "--name", "Partitioned Network"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    for joiner in [b, c] {
        let code = a.json(&["network", "invite", &net, "--expires", "1h"])["code"]
            .as_str()
            .unwrap()
            .to_string();
        joiner.json(&["network", "join", &code]);
    }
    for n in all {
        eventually(&format!("three members at {}", n.name), CONVERGE, || {
            let m = n.try_json(&["network", "members", &net])?;
            (m["members"].as_array()?.len() == 3).then_some(())
        });
    }
    let plan = a.json(&[
        "plan",
        "new",
        "--title",
        "Joint action on asylum housing",
        "--network",
        &net,
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    eventually("the plan at all three", CONVERGE, || {
        converged(&all, &plan, 0)
    });

    // Acknowledged increments, before the partition, per node.
    let mut acked = [0_i64; 3];
    for (i, n) in all.iter().enumerate() {
        for k in 1..=3 {
            n.tally_add(k);
            acked[i] += k;
        }
    }

    // Cut c off: its port on the bridge goes down, like a pulled cable.
    let cut = Instant::now();
    ip_in(&br, &["link", "set", "vc", "down"]);

    // Edits on both sides, each acknowledged by its node.
    for (i, n) in all.iter().enumerate() {
        for k in 1..=20 {
            n.tally_add(k);
            acked[i] += k;
        }
    }
    a.json(&[
        "plan",
        "action",
        "add",
        &plan,
        "--title",
        "Meet the cabinet member",
        "--kind",
        "meeting",
    ]);
    b.json(&[
        "plan",
        "edit",
        &plan,
        "--goal",
        "Safe housing for all, within a month.",
    ]);
    c.json(&[
        "plan",
        "action",
        "add",
        &plan,
        "--title",
        "Vigil at the town hall",
        "--kind",
        "public-action",
    ]);
    c.json(&[
        "plan",
        "action",
        "add",
        &plan,
        "--title",
        "Training on housing law",
        "--kind",
        "training",
    ]);
    // The connected side keeps syncing; c sees none of it.
    eventually("a and b to converge during the partition", CONVERGE, || {
        converged(&[a, b], &plan, 1)
    });
    let at_c = c.json(&["plan", "show", &plan]);
    assert_eq!(
        action_titles(&at_c),
        ["Training on housing law", "Vigil at the town hall"],
        "c saw edits across the partition: {at_c}"
    );
    assert_ne!(at_c["goal"], "Safe housing for all, within a month.");
    for (i, n) in all.iter().enumerate() {
        assert_eq!(
            n.tally_total(),
            acked[i],
            "node {}'s tally during the partition",
            n.name
        );
    }

    if let Ok(secs) = std::env::var("CG_HOLD") {
        std::thread::sleep(Duration::from_secs(secs.parse().unwrap()));
    }
    // Heal.
    ip_in(&br, &["link", "set", "vc", "up"]);
    let healed = Instant::now();
    eprintln!("partition: c was cut off for {:?}", healed - cut);
    let done = eventually(
        "all three to converge after the partition heals",
        HEAL,
        || converged(&all, &plan, 3),
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
    for (i, n) in all.iter().enumerate() {
        assert_eq!(
            n.tally_total(),
            acked[i],
            "node {}'s tally after healing",
            n.name
        );
    }
    // And everyone is connected again.
    for (n, others) in [(a, [&gb, &gc]), (b, [&ga, &gc]), (c, [&ga, &gb])] {
        let peers = n.peer_groups();
        assert!(
            others.iter().all(|g| peers.contains(g)),
            "{} is not connected to both others after healing: {peers:?}",
            n.name
        );
    }
}
