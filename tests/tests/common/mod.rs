//! A harness for multi-node tests: nodes run in this process, each in a temporary data
//! directory, on the test kit's loopback configuration (`commonground_node::testkit`).

#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use commonground_node::config::DataDir;
use commonground_node::daemon::Node;
use commonground_node::identity::Identity;
use commonground_node::testkit::loopback_config;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Whether `bytes` hold `needle`, as bytes or inside an Automerge chunk: every place the
/// chunk magic appears is read as a document (what loads of it, history included) and saved
/// uncompressed, where a text's characters stand in a row.
pub fn holds(bytes: &[u8], needle: &[u8]) -> bool {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let plain = |b: &[u8]| b.windows(needle.len()).any(|w| w == needle);
    if plain(bytes) {
        return true;
    }
    bytes
        .windows(MAGIC.len())
        .enumerate()
        .filter(|(_, w)| *w == MAGIC)
        .any(|(i, _)| {
            let mut doc = automerge::Automerge::new();
            doc.load_incremental(&bytes[i..]).is_ok_and(|n| n > 0) && plain(&doc.save_nocompress())
        })
}

/// Every document of network `net` a node holds, with its signed heads, as it exports them.
pub async fn documents(
    node: &TestNode,
    net: &str,
) -> std::collections::BTreeMap<
    commonground_protocol::ids::DocId,
    (
        automerge::Automerge,
        Vec<commonground_protocol::auth::SignedHead>,
    ),
> {
    commonground_protocol::bundle::Bundle::open(&node.export(net).await)
        .unwrap()
        .docs
        .into_iter()
        .map(|d| {
            (
                d.doc,
                (automerge::Automerge::load(&d.bytes).unwrap(), d.signed),
            )
        })
        .collect()
}

/// A request from one node to another over the sync protocol, dialing it if need be.
pub async fn request(
    from: &TestNode,
    to: &TestNode,
    request: commonground_protocol::sync::Request,
) -> Result<commonground_protocol::sync::Response, commonground_node::net::NetError> {
    let addrs = commonground_node::net::parse_addrs(&[to.addr().await]);
    from.node
        .net()
        .request(&to.node.group, addrs, request)
        .await
}

/// A node of a test.
pub struct TestNode {
    pub node: Node,
    pub name: String,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

/// Waits until `check` returns `Some`, or panics after `timeout` naming `what` (the kit's).
pub use commonground_node::testkit::wait_until;

impl TestNode {
    /// Starts a node named `name`, optionally dialing `bootstrap` at start.
    pub async fn start(name: &str, bootstrap: Vec<String>) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), name, bootstrap).await
    }

    /// Starts a node on the data kept in `dir` (new or left by [`TestNode::park`]).
    async fn start_in(dir: tempfile::TempDir, name: &str, bootstrap: Vec<String>) -> Self {
        let data = DataDir::new(dir.path().join("data"));
        data.prepare().unwrap();
        let node = Node::start(data, &loopback_config(name, bootstrap))
            .await
            .unwrap();
        Self {
            node,
            name: name.into(),
            dir,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/api/v1{path}", self.node.http)
    }

    /// GET, returning the status and the JSON body.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    /// GET that must succeed.
    pub async fn ok(&self, path: &str) -> Value {
        let (s, v) = self.get(path).await;
        assert!(s.is_success(), "{} GET {path}: {s} {v}", self.name);
        v
    }

    /// POST, returning the status and the JSON body.
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    /// POST that must succeed.
    pub async fn post_ok(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.post(path, body).await;
        assert!(s.is_success(), "{} POST {path}: {s} {v}", self.name);
        v
    }

    /// PATCH that must succeed.
    pub async fn patch_ok(&self, path: &str, body: Value) -> Value {
        let r = self.http.patch(self.url(path)).json(&body).send().await;
        Self::must_succeed(&self.name, "PATCH", path, r.unwrap()).await
    }

    /// The first full listen multiaddr.
    pub async fn addr(&self) -> String {
        self.ok("/status").await["listen"][0]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Creates a network and returns its id.
    pub async fn create_network(&self, name: &str) -> String {
        let n = self.post_ok("/networks", json!({"name": name})).await;
        n["id"].as_str().unwrap().to_string()
    }

    /// Invites `other` into `network` and has it join.
    pub async fn admit(&self, network: &str, other: &TestNode) {
        let inv = self
            .post_ok(
                &format!("/networks/{network}/invites"),
                json!({"expires": "1h"}),
            )
            .await;
        let code = inv["code"].as_str().unwrap();
        other.post_ok("/networks/join", json!({"code": code})).await;
    }

    /// This node's group id.
    pub fn group(&self) -> String {
        self.node.group.to_string()
    }

    /// Makes `others` collaborators of plan `id` (this node must be one).
    pub async fn collaborate(&self, id: &str, others: &[&TestNode]) {
        for o in others {
            self.post_ok(
                &format!("/plans/{id}/collaborators"),
                json!({"group": o.group()}),
            )
            .await;
        }
    }

    /// Adds to this group's tally.
    pub async fn tally(&self, issue: &str, count: i64, period: &str) {
        self.post_ok(
            "/tally",
            json!({"issue": issue, "count": count, "period": period}),
        )
        .await;
    }

    /// Publishes this group's counts of `period` in `network`.
    pub async fn publish(&self, network: &str, period: &str) -> Value {
        self.post_ok(
            &format!("/networks/{network}/publish"),
            json!({"period": period}),
        )
        .await
    }

    /// The network's merged counts of `period`: issue → (low, high).
    pub async fn region(&self, network: &str, period: &str) -> Vec<(String, i64, i64)> {
        let v = self
            .ok(&format!("/networks/{network}/region?period={period}"))
            .await;
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["issue"].as_str().unwrap().to_string(),
                    r["low"].as_i64().unwrap(),
                    r["high"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    /// The plan `id` on this node, if it has it.
    pub async fn plan(&self, id: &str) -> Option<Value> {
        let (s, v) = self.get(&format!("/plans/{id}")).await;
        s.is_success().then_some(v)
    }

    /// Stops the node.
    pub async fn stop(self) {
        self.node.shutdown().await;
        drop(self.dir);
    }

    /// Stops the node and keeps its data, to start it again later (on new ports).
    pub async fn park(self) -> Parked {
        self.node.shutdown().await;
        Parked {
            name: self.name,
            dir: self.dir,
        }
    }

    /// The files of the node's data directory that contain `needle`: as bytes (sled stores
    /// values uncompressed: its compression feature is off), or inside any Automerge chunk
    /// they hold (Automerge compresses the columns of a saved document).
    pub fn files_containing(&self, needle: &[u8]) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, needle: &[u8], found: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, needle, found);
                } else if std::fs::read(&p).is_ok_and(|b| holds(&b, needle)) {
                    found.push(p);
                }
            }
        }
        let mut found = Vec::new();
        walk(self.dir.path(), needle, &mut found);
        found
    }

    /// Invites `other` into `network` with `role` and has it join.
    pub async fn admit_as(&self, network: &str, other: &TestNode, role: &str) {
        let inv = self
            .post_ok(
                &format!("/networks/{network}/invites"),
                json!({"expires": "1h", "role": role}),
            )
            .await;
        assert_eq!(inv["role"], role, "{inv}");
        let code = inv["code"].as_str().unwrap();
        other.post_ok("/networks/join", json!({"code": code})).await;
    }

    /// The group's key, read from the node's data directory as the node reads it.
    pub fn identity(&self) -> Identity {
        let data = DataDir::new(self.dir.path().join("data"));
        Identity::load_or_create(&data.identity_file()).unwrap()
    }

    /// PUT that must succeed.
    pub async fn put_ok(&self, path: &str, body: Value) -> Value {
        let r = self.http.put(self.url(path)).json(&body).send().await;
        Self::must_succeed(&self.name, "PUT", path, r.unwrap()).await
    }

    /// DELETE that must succeed.
    pub async fn delete_ok(&self, path: &str) -> Value {
        let r = self.http.delete(self.url(path)).send().await;
        Self::must_succeed(&self.name, "DELETE", path, r.unwrap()).await
    }

    async fn must_succeed(name: &str, method: &str, path: &str, r: reqwest::Response) -> Value {
        let s = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(s.is_success(), "{name} {method} {path}: {s} {v}");
        v
    }

    /// `/metrics`, as Prometheus reads it.
    pub async fn metrics(&self) -> String {
        let url = format!("http://{}/metrics", self.node.http);
        let r = self.http.get(url).send().await.unwrap();
        assert!(
            r.status().is_success(),
            "{} /metrics: {}",
            self.name,
            r.status()
        );
        r.text().await.unwrap()
    }

    /// GET of a text body (CSV), which must succeed.
    pub async fn text(&self, path: &str) -> String {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        assert!(
            r.status().is_success(),
            "{} GET {path}: {}",
            self.name,
            r.status()
        );
        r.text().await.unwrap()
    }

    /// The network's bundle file, as `POST /networks/{network}/export` answers it.
    pub async fn export(&self, network: &str) -> Vec<u8> {
        let path = format!("/networks/{network}/export");
        let r = self.http.post(self.url(&path)).send().await.unwrap();
        assert!(
            r.status().is_success(),
            "{} POST {path}: {}",
            self.name,
            r.status()
        );
        r.bytes().await.unwrap().to_vec()
    }

    /// Imports a bundle file: the answer's lines (progress, then `done` or `refused`).
    pub async fn import(&self, file: Vec<u8>) -> Vec<Value> {
        let r = self
            .http
            .post(self.url("/bundles"))
            .body(file)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "{} POST /bundles: {}",
            self.name,
            r.status()
        );
        let text = r.text().await.unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// A stopped node's data, kept to start it again.
pub struct Parked {
    name: String,
    dir: tempfile::TempDir,
}

impl Parked {
    /// Starts the node again on its data, dialing nothing.
    pub async fn resume(self) -> TestNode {
        self.resume_dialing(vec![]).await
    }

    /// Starts the node again on its data, dialing `bootstrap` (full multiaddrs).
    pub async fn resume_dialing(self, bootstrap: Vec<String>) -> TestNode {
        TestNode::start_in(self.dir, &self.name, bootstrap).await
    }
}

/// A bare libp2p swarm with a new identity (see `testkit::raw_swarm`).
pub fn raw_swarm<B: libp2p::swarm::NetworkBehaviour>(
    behaviour: impl FnOnce(&libp2p::identity::Keypair) -> B,
) -> libp2p::Swarm<B> {
    commonground_node::testkit::raw_swarm(libp2p::identity::Keypair::generate_ed25519(), behaviour)
}
