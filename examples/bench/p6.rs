//! P6: resident memory of a real `commonground up` process holding 50 shared documents with 8
//! member peers connected (each its own process), and what each further peer adds.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};

use commonground_node::testkit::{loopback_args, try_settle, try_wait_until, up_command};

use super::{Row, env_or};

const MIB: f64 = 1024.0 * 1024.0;

/// A `commonground up` process on loopback, killed when dropped.
struct Proc {
    child: Child,
    api: String,
    http: reqwest::Client,
}

impl Proc {
    /// Starts a node on `dir` (libp2p and HTTP on loopback port 0, mDNS off) and waits until it
    /// has recorded its HTTP address.
    async fn start(bin: &Path, dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let log = std::fs::File::create(dir.with_extension("log"))?;
        let mut child = up_command(bin, dir, &loopback_args(&[]), None)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let (api, _) = try_wait_until("the node to start", Duration::from_secs(20), || {
            let exited = child.try_wait().ok().flatten();
            let addr = std::fs::read_to_string(dir.join("api.addr")).ok();
            async move {
                match exited {
                    Some(status) => Some(Err(format!("exited early: {status}"))),
                    None => addr.map(|a| Ok(a.trim().to_string())),
                }
            }
        })
        .await
        .map_err(anyhow::Error::msg)?;
        let api = api.map_err(|e| anyhow::anyhow!("node on {}: {e}", dir.display()))?;
        Ok(Self {
            child,
            api,
            http: reqwest::Client::new(),
        })
    }

    async fn call(&self, post: Option<Value>, path: &str) -> anyhow::Result<Value> {
        let url = format!("http://{}/api/v1{path}", self.api);
        let req = match post {
            Some(body) => self.http.post(url).json(&body),
            None => self.http.get(url),
        };
        let r = req.send().await?;
        let status = r.status();
        let v: Value = r.json().await?;
        anyhow::ensure!(status.is_success(), "{path}: {status} {v}");
        Ok(v)
    }

    /// Resident set size in bytes, from `/proc/<pid>/status`.
    fn rss(&self) -> anyhow::Result<u64> {
        crate::rss_bytes(&self.child.id().to_string())
    }

    async fn plans(&self) -> usize {
        self.call(None, "/plans")
            .await
            .ok()
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or(0)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `commonground` binary next to this program's directory (`target/<profile>/`), built first
/// if it is missing.
fn binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("cannot locate the target directory")?;
    let bin = dir.join("commonground");
    if !bin.exists() {
        eprintln!(
            "  P6 runs the real binary and {} is missing: cargo build --release -p commonground-node --bin commonground",
            bin.display()
        );
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo.args(["build", "-p", "commonground-node", "--bin", "commonground"]);
        if dir.ends_with("release") {
            cargo.arg("--release");
        }
        anyhow::ensure!(cargo.status()?.success(), "building commonground failed");
    }
    Ok(bin)
}

/// Starts a peer and has it join `net` through `hub`.
async fn join(bin: &Path, dir: &Path, hub: &Proc, net: &str) -> anyhow::Result<Proc> {
    let p = Proc::start(bin, dir).await?;
    let inv = hub
        .call(
            Some(json!({"expires": "1h"})),
            &format!("/networks/{net}/invites"),
        )
        .await?;
    p.call(Some(json!({"code": inv["code"]})), "/networks/join")
        .await?;
    Ok(p)
}

/// Waits until every peer holds `docs` plans, then until the hub's RSS stops moving (the same
/// 64 KiB step for 2 s, at most 20 s), and returns it.
async fn idle_rss(hub: &Proc, peers: &[Proc], docs: usize) -> anyhow::Result<u64> {
    for p in peers {
        try_wait_until("the peers to sync", Duration::from_secs(120), || async {
            (p.plans().await >= docs).then_some(())
        })
        .await
        .map_err(anyhow::Error::msg)?;
    }
    settled_rss(hub).await
}

/// The hub's RSS once it has stayed within one 64 KiB step for 2 s (at most 20 s).
async fn settled_rss(hub: &Proc) -> anyhow::Result<u64> {
    let _ = try_settle(
        "the RSS to settle",
        Duration::from_secs(20),
        Duration::from_secs(2),
        || hub.rss().unwrap_or(0) / (64 * 1024),
    )
    .await;
    hub.rss()
}

/// Adds `more` peers (each joining through the hub), waits until all is idle, and returns the
/// hub's RSS and how many peers it is connected to.
async fn grow(
    bin: &Path,
    dir: &Path,
    hub: &Proc,
    net: &str,
    peers: &mut Vec<Proc>,
    more: usize,
    docs: usize,
) -> anyhow::Result<(u64, usize)> {
    for _ in 0..more {
        let name = format!("p6-peer{}", peers.len());
        peers.push(join(bin, &dir.join(name), hub, net).await?);
    }
    let rss = idle_rss(hub, peers, docs).await?;
    let connected = hub
        .call(None, "/peers")
        .await?
        .as_array()
        .map_or(0, Vec::len);
    Ok((rss, connected))
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / MIB)
}

/// P6.
pub(crate) async fn p6(dir: &Path) -> anyhow::Result<Row> {
    let docs = env_or("BENCH_P6_DOCS", 50);
    let (first, extra) = (8, env_or("BENCH_P6_EXTRA", 8));
    let bin = binary()?;
    let hub = Proc::start(&bin, &dir.join("p6-hub")).await?;
    let net = hub.call(Some(json!({"name": "P6"})), "/networks").await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let empty = settled_rss(&hub).await?;
    for i in 0..docs {
        hub.call(
            Some(json!({"title": format!("Plan {i}"), "network": net})),
            "/plans",
        )
        .await?;
    }
    let alone = idle_rss(&hub, &[], 0).await?;
    let mut peers = Vec::new();
    let (with_first, connected) = grow(&bin, dir, &hub, &net, &mut peers, first, docs).await?;
    let mut peer_rss: Vec<u64> = peers.iter().filter_map(|p| p.rss().ok()).collect();
    peer_rss.sort();
    let (with_more, connected_more) = grow(&bin, dir, &hub, &net, &mut peers, extra, docs).await?;
    let per = (with_more as f64 - with_first as f64)
        / (connected_more.max(connected + 1) - connected) as f64;
    Ok(Row {
        name: "P6 idle RSS",
        result: format!(
            "{} with {docs} shared plans and {connected} peers connected; {} with {connected_more} peers: {:.0} KiB per extra member connection. Each peer process: median {}",
            mib(with_first),
            mib(with_more),
            per / 1024.0,
            mib(peer_rss.get(peer_rss.len() / 2).copied().unwrap_or(0)),
        ),
        baseline: format!(
            "same process: {} just started with a network, {} with the {docs} plans and no peers",
            mib(empty),
            mib(alone)
        ),
        target: "≤ 32 MiB with 50 documents and 8 peers",
    })
}
