//! Nodes (the real `commonground` binary) in network namespaces made by the test, wired by veth
//! pairs and bridges that live only inside those namespaces: `ip`, a node process in a
//! namespace ([`NsNode`]) and the lab that owns namespaces and nodes ([`Lab`]).
//!
//! These need root and iproute2 (`ip netns`); [`Lab::new`] prints "skipping: ..." and returns
//! `None` where namespaces cannot be made. Drop guards kill the nodes and delete the namespaces,
//! even when a test fails; a failing test keeps its data directories and logs and prints where
//! they are.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use commonground_node::testkit::cli_command;
use serde_json::Value;

use super::bin;

/// How long a node may take to answer after starting, or nodes to find each other or to sync
/// while connected.
pub const CONVERGE: Duration = Duration::from_secs(30);

/// Polls `f` every 200 ms until it returns `Some`, or panics after `timeout` naming `what`.
/// (Each poll runs CLI processes in a namespace, so this polls less often than
/// `common::wait_for`.)
pub fn eventually<T>(what: &str, timeout: Duration, f: impl FnMut() -> Option<T>) -> T {
    super::poll_until(what, timeout, Duration::from_millis(200), f)
}

/// Runs `ip` with `args`, which must succeed.
pub fn ip(args: &[&str]) {
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
pub fn ip_in(ns: &str, args: &[&str]) {
    let mut all = vec!["-n", ns];
    all.extend_from_slice(args);
    ip(&all);
}

/// Loads the nftables `rules` in namespace `ns`; they must load.
pub fn nft(ns: &str, rules: &str) {
    use std::io::Write;
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "nft", "-f", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run nft (the nftables package)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(rules.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "nft in {ns} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A node process inside a namespace, its log in a file; killed on drop.
pub struct NsNode {
    /// The node's name in the test (its log is `<name>.log`).
    pub name: &'static str,
    /// The namespace it runs in.
    pub ns: String,
    /// The arguments of `up` after `--http-listen`.
    pub args: Vec<String>,
    /// The address its API listens on, as given to `--http-listen`.
    pub http: String,
    /// The process (`ip netns exec` execs the node, so this is the node itself).
    pub child: Child,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Where its log and standard output go.
    pub logs: PathBuf,
    /// Its log.
    pub log: PathBuf,
    /// Environment variables it runs with (beyond `RUST_LOG`).
    pub env: Vec<(String, String)>,
}

impl NsNode {
    /// Starts `commonground up --http-listen 127.0.0.1:0 <args>` in `ns` on `dir/<name>`, logging
    /// to `dir/<name>.log`, and waits until its API answers.
    pub fn start(name: &'static str, ns: &str, dir: &Path, args: Vec<String>) -> Self {
        Self::start_at(name, ns, &dir.join(name), dir, "127.0.0.1:0", args)
    }

    /// Starts `commonground up --http-listen <http> <args>` in `ns` on `data_dir`, logging to
    /// `logs/<name>.log` (appended to, across restarts), and waits until its API answers.
    pub fn start_at(
        name: &'static str,
        ns: &str,
        data_dir: &Path,
        logs: &Path,
        http: &str,
        args: Vec<String>,
    ) -> Self {
        Self::start_with_env(name, ns, data_dir, logs, http, args, Vec::new())
    }

    /// [`NsNode::start_at`] with environment variables `env` set for the node.
    pub fn start_with_env(
        name: &'static str,
        ns: &str,
        data_dir: &Path,
        logs: &Path,
        http: &str,
        args: Vec<String>,
        env: Vec<(String, String)>,
    ) -> Self {
        let log = logs.join(format!("{name}.log"));
        let append = |p: &Path| {
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
        // `testkit::up_command` with another API address (it listens on 127.0.0.1:0).
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .arg(bin())
            .args(["up", "--http-listen", http])
            .args(&args)
            .arg("--data-dir")
            .arg(data_dir)
            .stdin(Stdio::null())
            .env("RUST_LOG", filter)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(append(&logs.join(format!("{name}.out"))))
            .stderr(append(&log))
            .spawn()
            .expect("start commonground up in a namespace");
        let mut node = Self {
            name,
            ns: ns.to_string(),
            args,
            http: http.to_string(),
            child,
            data_dir: data_dir.to_path_buf(),
            logs: logs.to_path_buf(),
            log,
            env,
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

    /// The node's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the node with SIGKILL (no chance to flush anything more) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the node (SIGKILL) and starts it again with the same arguments and data directory.
    pub fn crash_and_restart(&mut self) {
        self.kill();
        let fresh = Self::start_with_env(
            self.name,
            &self.ns,
            &self.data_dir,
            &self.logs,
            &self.http,
            std::mem::take(&mut self.args),
            std::mem::take(&mut self.env),
        );
        // The old child is reaped; replacing it drops nothing that runs.
        *self = fresh;
    }

    /// Runs a CLI command inside the node's namespace (it reads the API's address from the data
    /// directory).
    pub fn cli(&self, args: &[&str]) -> Output {
        cli_command(bin(), &self.data_dir, args, Some(&self.ns))
            .output()
            .expect("run commonground in a namespace")
    }

    /// Runs a CLI command with `--json`; `None` when it fails.
    pub fn try_json(&self, args: &[&str]) -> Option<Value> {
        super::try_parsed(&self.cli(&super::with_json(args)))
    }

    /// Runs a CLI command with `--json` that must succeed, and parses its output.
    pub fn json(&self, args: &[&str]) -> Value {
        let all = super::with_json(args);
        super::parsed(self.name, &all, &self.cli(&all))
    }

    /// The node's group id.
    pub fn group(&self) -> String {
        self.json(&["status"])["group"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The group ids of the peers `peers --json` lists.
    pub fn peer_groups(&self) -> Vec<String> {
        super::peer_groups(&self.json(&["peers"]))
    }

    /// The last lines of the node's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(lines).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for NsNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The test's namespaces and the nodes in them; dropping it kills the nodes and deletes the
/// namespaces, and with them every veth and bridge. When the test is failing it prints the
/// nodes' last log lines and keeps the directory with the logs and data.
pub struct Lab {
    /// The directory of the nodes' logs and data (kept when the test fails).
    pub dir: Option<tempfile::TempDir>,
    prefix: String,
    namespaces: Vec<String>,
    /// The nodes started with [`Lab::start`], in order.
    pub nodes: Vec<NsNode>,
    /// Environment variables every node [`Lab::start`] starts runs with.
    pub env: Vec<(String, String)>,
}

impl Lab {
    /// A lab whose namespace names start with `cgtest-<pid>-<tag>`, or `None` (with the skip
    /// message printed) when namespaces cannot be made here.
    pub fn new(tag: &str) -> Option<Self> {
        let prefix = format!("cgtest-{}-{tag}", std::process::id());
        let probe = format!("{prefix}-x");
        if !super::succeeds(Command::new("ip").args(["netns", "add", &probe])) {
            eprintln!("skipping: cannot create network namespaces (needs root and iproute2)");
            return None;
        }
        Some(Self {
            dir: Some(tempfile::tempdir().unwrap()),
            prefix,
            namespaces: vec![probe],
            nodes: Vec::new(),
            env: Vec::new(),
        })
    }

    /// The directory of the nodes' logs and data.
    pub fn path(&self) -> PathBuf {
        self.dir.as_ref().unwrap().path().to_path_buf()
    }

    /// A namespace for each of `names`, each with an `eth0` at `<subnet>.1`, `.2`, … (/24),
    /// bridged in a namespace of their own whose ports are `v<name>`. Returns the bridge's
    /// namespace and the others, in the order of `names`.
    pub fn lan(&mut self, subnet: &str, names: &[&str]) -> (String, Vec<String>) {
        let bridge = self.namespace("br");
        ip_in(&bridge, &["link", "add", "br0", "type", "bridge"]);
        ip_in(&bridge, &["link", "set", "br0", "up"]);
        let mut spaces = Vec::new();
        for (i, name) in names.iter().enumerate() {
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

    /// Two namespaces `a` and `b` (two machines) joined by a veth pair, `cg0` on each side, at
    /// `<subnet>.1/24` and `<subnet>.2/24`. Returns their names.
    pub fn pair(&mut self, subnet: &str) -> (String, String) {
        let a = self.namespace("a");
        let b = self.namespace("b");
        ip(&[
            "link", "add", "cg0", "netns", &a, "type", "veth", "peer", "name", "cg0", "netns", &b,
        ]);
        for (ns, host) in [(&a, 1), (&b, 2)] {
            ip_in(
                ns,
                &["addr", "add", &format!("{subnet}.{host}/24"), "dev", "cg0"],
            );
            ip_in(ns, &["link", "set", "cg0", "up"]);
        }
        (a, b)
    }

    /// Makes a namespace `<prefix>-<name>` with its loopback up, and returns its name.
    pub fn namespace(&mut self, name: &str) -> String {
        let ns = format!("{}-{name}", self.prefix);
        ip(&["netns", "add", &ns]);
        self.namespaces.push(ns.clone());
        ip_in(&ns, &["link", "set", "lo", "up"]);
        ns
    }

    /// Starts a node in `ns` (see [`NsNode::start`]) and returns its index in `self.nodes`.
    pub fn start(&mut self, name: &'static str, ns: &str, args: Vec<String>) -> usize {
        let dir = self.path();
        self.nodes.push(NsNode::start_with_env(
            name,
            ns,
            &dir.join(name),
            &dir,
            "127.0.0.1:0",
            args,
            self.env.clone(),
        ));
        self.nodes.len() - 1
    }

    /// A namespace `inet` standing for the internet: a bridge `br0` that public machines and
    /// the outside of home routers plug into ([`Lab::plug`]). Returns its name.
    pub fn internet(&mut self) -> String {
        let inet = self.namespace("inet");
        ip_in(&inet, &["link", "add", "br0", "type", "bridge"]);
        ip_in(&inet, &["link", "set", "br0", "up"]);
        inet
    }

    /// Plugs namespace `ns` into the internet `inet` as `dev` at `addr` (with its prefix, e.g.
    /// `198.18.0.1/24`).
    pub fn plug(&mut self, inet: &str, ns: &str, dev: &str, addr: &str) {
        let port = format!("p{}", self.namespaces.len());
        ip(&[
            "link", "add", dev, "netns", ns, "type", "veth", "peer", "name", &port, "netns", inet,
        ]);
        ip_in(inet, &["link", "set", &port, "master", "br0"]);
        ip_in(inet, &["link", "set", &port, "up"]);
        ip_in(ns, &["addr", "add", addr, "dev", dev]);
        ip_in(ns, &["link", "set", dev, "up"]);
    }

    /// A home behind a router of its own: namespace `<name>-nat` on the internet at `public`
    /// (e.g. `198.18.0.11/24`) and on the home's LAN at `<subnet>.1`, masquerading what goes
    /// out and letting in only what answers it, dropping the rest unanswered (nftables, as home
    /// routers do: a reset would end a hole-punching dial that arrives first); and namespace
    /// `<name>` at `<subnet>.2`, whose default route is that router. Returns the home's
    /// namespace and the router's.
    pub fn home_behind_nat(
        &mut self,
        inet: &str,
        name: &str,
        public: &str,
        subnet: &str,
    ) -> (String, String) {
        let router = self.namespace(&format!("{name}-nat"));
        let home = self.namespace(name);
        self.plug(inet, &router, "wan", public);
        ip(&[
            "link", "add", "lan", "netns", &router, "type", "veth", "peer", "name", "eth0",
            "netns", &home,
        ]);
        ip_in(
            &router,
            &["addr", "add", &format!("{subnet}.1/24"), "dev", "lan"],
        );
        ip_in(&router, &["link", "set", "lan", "up"]);
        ip_in(
            &home,
            &["addr", "add", &format!("{subnet}.2/24"), "dev", "eth0"],
        );
        ip_in(&home, &["link", "set", "eth0", "up"]);
        ip_in(
            &home,
            &["route", "add", "default", "via", &format!("{subnet}.1")],
        );
        let sysctl = Command::new("ip")
            .args([
                "netns",
                "exec",
                &router,
                "sysctl",
                "-qw",
                "net.ipv4.ip_forward=1",
            ])
            .status()
            .expect("run sysctl");
        assert!(sysctl.success(), "cannot turn on forwarding in {router}");
        nft(
            &router,
            "table ip home {\n\
               chain out {\n\
                 type nat hook postrouting priority srcnat; policy accept;\n\
                 oifname \"wan\" masquerade\n\
               }\n\
               chain pass {\n\
                 type filter hook forward priority filter; policy drop;\n\
                 ct state established,related accept\n\
                 iifname \"lan\" accept\n\
               }\n\
               chain mine {\n\
                 type filter hook input priority filter; policy accept;\n\
                 iifname \"wan\" ct state != established,related drop\n\
               }\n\
             }\n",
        );
        (home, router)
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
