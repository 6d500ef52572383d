//! A harness for multi-node tests: nodes run in this process, each in a temporary data
//! directory, with libp2p on 127.0.0.1 port 0, mDNS off, and the HTTP API on loopback.

#![allow(dead_code, clippy::unwrap_used)]

use std::future::Future;
use std::time::Duration;

use commonground_node::config::{Config, DataDir};
use commonground_node::daemon::Node;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A node of a test.
pub struct TestNode {
    pub node: Node,
    pub name: String,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

/// Waits (polling every 20 ms) until `check` returns `Some`, or panics after `timeout` naming
/// `what`.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl TestNode {
    /// Starts a node named `name`, optionally dialing `bootstrap` at start.
    pub async fn start(name: &str, bootstrap: Vec<String>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path().join("data"));
        data.prepare().unwrap();
        let config = Config {
            http_listen: "127.0.0.1:0".parse().unwrap(),
            listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
            bootstrap,
            mdns: false,
            group_name: Some(name.into()),
            ..Config::default()
        };
        let node = Node::start(data, &config).await.unwrap();
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
        let r = self
            .http
            .patch(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let s = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(s.is_success(), "{} PATCH {path}: {s} {v}", self.name);
        v
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
}
