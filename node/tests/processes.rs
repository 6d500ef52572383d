//! Two nodes in separate processes (the real `commonground` binary) on loopback: they find each
//! other through `--bootstrap`, then two groups form a network with the CLI alone and a plan made
//! at one node reaches the other.

#![allow(clippy::unwrap_used)]

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use common::{bin, cli};
use commonground_node::testkit::{loopback_args, up_command};
use serde_json::Value;

/// How long two nodes on loopback may take to connect or to sync.
const CONVERGE: Duration = Duration::from_secs(30);

/// Polls `f` every 100 ms until it returns `Some`, or panics after `timeout` naming `what`.
/// (Each poll runs CLI processes, so this polls less often than `common::wait_for`.)
fn eventually<T>(what: &str, timeout: Duration, f: impl FnMut() -> Option<T>) -> T {
    common::poll_until(what, timeout, Duration::from_millis(100), f)
}

/// A `commonground up` process with libp2p on loopback, its log in a file; killed on drop (and
/// its log printed if the test is failing).
struct Node {
    name: &'static str,
    child: Child,
    data_dir: PathBuf,
    log: PathBuf,
}

impl Node {
    /// Starts a node on `dir/name` listening on a free loopback TCP port, dialing `bootstrap`.
    fn start(name: &'static str, dir: &Path, bootstrap: &[&str]) -> Self {
        let data_dir = dir.join(name);
        let log = dir.join(format!("{name}.log"));
        let child = up_command(bin(), &data_dir, &loopback_args(bootstrap), None)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info,commonground_node=debug".into()),
            )
            .stdout(File::create(dir.join(format!("{name}.out"))).unwrap())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .expect("start commonground up");
        let mut node = Self {
            name,
            child,
            data_dir,
            log,
        };
        eventually(&format!("node {name} to answer"), CONVERGE, || {
            if let Ok(Some(status)) = node.child.try_wait() {
                panic!(
                    "node {name} exited early with {status}:\n{}",
                    std::fs::read_to_string(&node.log).unwrap_or_default()
                );
            }
            node.try_json(&["status"])
        });
        node
    }

    /// Runs a CLI command with `--json`; `None` when it fails.
    fn try_json(&self, args: &[&str]) -> Option<Value> {
        common::try_parsed(&cli(&self.data_dir, &common::with_json(args)))
    }

    /// Runs a CLI command with `--json` that must succeed, and parses its output.
    fn json(&self, args: &[&str]) -> Value {
        let all = common::with_json(args);
        common::parsed(self.name, &all, &cli(&self.data_dir, &all))
    }

    /// The group ids of the peers `peers --json` lists.
    fn peer_groups(&self) -> Vec<String> {
        common::peer_groups(&self.json(&["peers"]))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(80).collect();
            eprintln!("--- last lines of node {}'s log ---", self.name);
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

#[test]
fn two_processes_join_by_invite_and_share_a_plan_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let a = Node::start("a", dir.path(), &[]);
    let a_status = a.json(&["status"]);
    let a_group = a_status["group"].as_str().unwrap().to_string();
    let a_listen: Vec<String> = a_status["listen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!a_listen.is_empty(), "{a_status}");
    for addr in &a_listen {
        assert!(
            addr.starts_with("/ip4/127.0.0.1/tcp/") && addr.ends_with(&format!("/p2p/{a_group}")),
            "a listen address is not a full loopback multiaddr: {addr}"
        );
    }

    let b = Node::start("b", dir.path(), &[&a_listen[0]]);
    let b_status = b.json(&["status"]);
    let b_group = b_status["group"].as_str().unwrap().to_string();
    assert_ne!(a_group, b_group);
    for addr in b_status["listen"].as_array().unwrap() {
        assert!(
            addr.as_str().unwrap().ends_with(&format!("/p2p/{b_group}")),
            "{b_status}"
        );
    }

    // b's bootstrap dial reaches a, but a keeps no connection from a stranger (PROTOCOL.md
    // §2): they meet for real once b redeems an invite.
    // The whole flow with the CLI, across the two processes.
    let network = a.json(&[
        "network",
        "create",
        "--name",
        "West Midlands Sanctuary Network",
    ]);
    let net = network["id"].as_str().unwrap().to_string();
    let invite = a.json(&["network", "invite", &net, "--expires", "1h"]);
    let code = invite["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("cg1-"), "{invite}");
    let joined = b.json(&["network", "join", &code]);
    assert_eq!(joined["id"], net.as_str(), "{joined}");
    // Each lists the other as a connected peer.
    eventually("b to list a as a peer", CONVERGE, || {
        b.peer_groups().contains(&a_group).then_some(())
    });
    eventually("a to list b as a peer", CONVERGE, || {
        a.peer_groups().contains(&b_group).then_some(())
    });

    let title = "Joint action on asylum housing";
    let plan = b.json(&["plan", "new", "--title", title, "--network", &net]);
    let plan_id = plan["id"].as_str().unwrap().to_string();
    let at_a = eventually("the plan made at b to reach a", CONVERGE, || {
        a.try_json(&["plan", "show", &plan_id])
    });
    assert_eq!(at_a["title"], title, "{at_a}");
    // `plan show` in text form too, by a short prefix of the id.
    let out = cli(&a.data_dir, &["plan", "show", &plan_id[..8]]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(title));

    // Both groups are members, as seen from either node.
    for node in [&a, &b] {
        let name = node.name;
        eventually(
            &format!("both groups in the members at {name}"),
            CONVERGE,
            || {
                let members = node.json(&["network", "members", &net]);
                let groups: Vec<&str> = members["members"]
                    .as_array()?
                    .iter()
                    .filter_map(|m| m["group"].as_str())
                    .collect();
                (groups.len() == 2
                    && groups.contains(&a_group.as_str())
                    && groups.contains(&b_group.as_str()))
                .then_some(())
            },
        );
    }
    // And each names the other in `peers` now that they share a network.
    eventually("a to name b in peers", CONVERGE, || {
        let peers = a.json(&["peers"]);
        peers
            .as_array()?
            .iter()
            .any(|p| p["group"] == b_group.as_str() && p["name"].is_string())
            .then_some(())
    });
}
