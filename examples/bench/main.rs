//! Benchmarks of sync and storage, printed as a Markdown table with a baseline measured in the
//! same run.
//!
//! Run: `cargo run --release -p commonground-examples --example bench` (a few minutes), or name
//! the rows to run: `... --example bench -- P1 P6` (or `BENCH_ONLY=P1,P6`).
//! `BENCH_DOCS=1000` shrinks the 10,000-document runs for a quick look; `BENCH_P1_SAMPLES`,
//! `BENCH_P1_HISTORY`, `BENCH_P6_EXTRA`, `BENCH_P7_CHANGES` and `BENCH_R1_INCREMENTS` change P1's, P6's, P7's and R1's sizes; `BENCH_P8_NODES` (say
//! `25,50,100`) and `BENCH_P8_SAMPLES` P8's; `BENCH_SLOTS` N1's. `RUST_LOG` (as for `commonground up`) shows the
//! nodes' logs on stderr.
//!
//! Nodes run in this process over real libp2p connections on 127.0.0.1, each with its own data
//! directory (sled, fsync on every acknowledged write), as `commonground up` runs them; P6 runs
//! the `commonground` binary itself, one process per node.

mod c1;
mod gossip;
mod n1;
mod p1;
mod p6;
mod p7;
mod r1;

use std::time::{Duration, Instant};

use automerge::ChangeHash;
use commonground_node::testkit::{self, InProcess, Jobs};
use commonground_protocol::ids::{DocId, Period};
use commonground_protocol::plan::{NewPlan, Plan, PlanEdit};
use serde_json::{Value, json};

struct Row {
    name: &'static str,
    result: String,
    baseline: String,
    target: &'static str,
}

/// A node of the benchmarks: the test kit's node in this process.
struct BenchNode {
    kit: InProcess,
}

impl std::ops::Deref for BenchNode {
    type Target = InProcess;

    fn deref(&self) -> &InProcess {
        &self.kit
    }
}

impl BenchNode {
    async fn start(
        dir: &std::path::Path,
        name: &str,
        bootstrap: Vec<String>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            kit: InProcess::start(&dir.join(name), name, bootstrap).await?,
        })
    }

    async fn restart(self, bootstrap: Vec<String>) -> anyhow::Result<Self> {
        Ok(Self {
            kit: self.kit.restart(bootstrap).await?,
        })
    }

    async fn shutdown(self) {
        self.kit.shutdown().await;
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        self.kit.api_ok(method, path, body.as_ref()).await
    }

    fn traffic(&self) -> (u64, u64, u64) {
        self.node.net().traffic().snapshot()
    }

    /// How many documents this node and `other` agree on at this node's heads.
    async fn agreed_with(&self, other: &BenchNode) -> usize {
        let peer = other.node.group;
        self.node
            .docs()
            .job(move |set| Ok(set.replica().agreed_now(&peer)))
            .await
            .unwrap_or(0)
    }

    async fn count_plans(&self) -> usize {
        self.node
            .docs()
            .counts()
            .await
            .ok()
            .and_then(|c| c.get("plan").copied())
            .unwrap_or(0)
    }
}

/// Waits (checking every 5 ms) until `f` holds; how long it took.
async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut f: F) -> anyhow::Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let ((), took) = testkit::try_wait_every(what, timeout, Duration::from_millis(5), || {
        let holds = f();
        async move { holds.await.then_some(()) }
    })
    .await
    .map_err(anyhow::Error::msg)?;
    Ok(took)
}

/// Waits until `bytes` (a traffic counter) has not moved for 100 ms — the sessions in flight
/// are done — or 10 s have passed.
async fn settled(bytes: impl Fn() -> u64) {
    let _ = testkit::try_settle(
        "the traffic to settle",
        Duration::from_secs(10),
        Duration::from_millis(100),
        bytes,
    )
    .await;
}

/// A swarm with a new identity on TCP (noise, yamux), its behaviour made from its key; idle
/// connections are kept `idle`.
fn tcp_swarm<B: libp2p::swarm::NetworkBehaviour>(
    idle: Duration,
    behaviour: impl FnOnce(&libp2p::identity::Keypair) -> anyhow::Result<B>,
) -> anyhow::Result<libp2p::Swarm<B>> {
    use libp2p::{noise, tcp, yamux};
    Ok(libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )?
        .with_behaviour(|key| {
            behaviour(key).map_err(Box::<dyn std::error::Error + Send + Sync>::from)
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle))
        .build())
}

/// The resident memory of process `pid` (`self`: this one), in bytes, from `/proc/<pid>/status`.
fn rss_bytes(pid: &str) -> anyhow::Result<u64> {
    use anyhow::Context;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .context("no VmRSS")?;
    Ok(kib * 1024)
}

/// A size from the environment, or `default`.
fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The fsync ceiling of this disk: small appends, each followed by fdatasync.
fn fsync_ceiling(dir: &std::path::Path) -> anyhow::Result<f64> {
    use std::io::Write;
    let mut f = std::fs::File::create(dir.join("fsync-probe"))?;
    let n = 2000;
    let start = Instant::now();
    for _ in 0..n {
        f.write_all(&[7u8; 64])?;
        f.sync_data()?;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// P5: durable increments per second through the documents actor, and ack latency.
async fn p5(dir: &std::path::Path) -> anyhow::Result<Row> {
    let ceiling = fsync_ceiling(dir)?;
    eprintln!("  fsync ceiling {ceiling:.0}/s");
    let node = BenchNode::start(dir, "p5", vec![]).await?;
    eprintln!("  node started");
    let docs = node.node.docs().clone();
    let period: Period = "2026-11".parse()?;
    let per_client = env_or("BENCH_PER_CLIENT", 250);
    let clients = 64;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let docs = docs.clone();
        tasks.push(tokio::spawn(async move {
            let issue = commonground_protocol::catalogue::BUILT_IN[c % 11]
                .0
                .to_string();
            let mut lat = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let t = Instant::now();
                docs.tally_add(issue.clone(), 1, period)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    let elapsed = start.elapsed();
    lat.sort();
    let total = clients * per_client;
    let view = docs
        .tally(period)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        view.total == total as i64,
        "lost increments: {} of {total}",
        view.total
    );
    node.shutdown().await;
    Ok(Row {
        name: "P5 durable increments",
        result: format!(
            "{:.0}/s, ack p50 {} p99 {} ({total} increments, {clients} clients)",
            total as f64 / elapsed.as_secs_f64(),
            ms(percentile(&lat, 0.5)),
            ms(percentile(&lat, 0.99))
        ),
        baseline: format!("fsync ceiling {ceiling:.0}/s (64 B write + fdatasync)"),
        target: "≥ 5,000/s and ≥ 1.5× the fsync ceiling",
    })
}

/// Creates a network on `a` and has `b` join it; returns the network id.
async fn network(a: &BenchNode, b: &BenchNode) -> anyhow::Result<String> {
    let net = a
        .call(
            reqwest::Method::POST,
            "/networks",
            Some(json!({"name": "Bench"})),
        )
        .await?;
    let id = net["id"].as_str().unwrap_or_default().to_string();
    admit(a, &id, b).await?;
    Ok(id)
}

async fn admit(a: &BenchNode, net: &str, b: &BenchNode) -> anyhow::Result<()> {
    let inv = a
        .call(
            reqwest::Method::POST,
            &format!("/networks/{net}/invites"),
            Some(json!({"expires": "1h"})),
        )
        .await?;
    b.call(
        reqwest::Method::POST,
        "/networks/join",
        Some(json!({"code": inv["code"]})),
    )
    .await?;
    Ok(())
}

/// P2: bytes on the wire to bring 1,000 new changes of one plan to a peer, over the size of
/// Automerge's `bundle()` of exactly those changes.
async fn p2(dir: &std::path::Path) -> anyhow::Result<Row> {
    let a = BenchNode::start(dir, "p2a", vec![]).await?;
    let b = BenchNode::start(dir, "p2b", vec![a.addr().await?]).await?;
    let net = network(&a, &b).await?;
    let plan = a
        .call(
            reqwest::Method::POST,
            "/plans",
            Some(json!({"title": "Bench plan", "network": net})),
        )
        .await?;
    let id: DocId = plan["id"].as_str().unwrap_or_default().parse()?;
    let path = format!("/plans/{id}");
    wait_until("b has the plan", Duration::from_secs(30), || async {
        b.call(reqwest::Method::GET, &path, None).await.is_ok()
    })
    .await?;
    // b goes offline (stopped: a running node would find a through the network document).
    b.shutdown().await;
    let docs = a.node.docs().clone();
    let before = docs
        .job(move |set| Ok(set.document(&id).map(|d| d.get_heads()).unwrap_or_default()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // 1,000 small changes: sentences appended one by one to the plan's demands.
    for i in 0..1000u64 {
        docs.job(move |set| {
            set.edit::<Plan, _>(&id, |p| {
                let demands = format!("{} D{i}", p.demands.as_str());
                p.apply(
                    &PlanEdit {
                        demands: Some(demands),
                        ..Default::default()
                    },
                    None,
                )
            })
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let bundle = docs
        .job(move |set| {
            let doc = set.document(&id).expect("plan");
            let hashes: Vec<ChangeHash> =
                doc.get_changes(&before).iter().map(|c| c.hash()).collect();
            Ok(doc.bundle(hashes).map(|b| b.bytes().len()).unwrap_or(0))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let a0 = a.traffic();
    let b = BenchNode::start(dir, "p2b", vec![a.addr().await?]).await?;
    let b0 = (0, 0, 0); // a restarted node counts from zero
    let want = a.call(reqwest::Method::GET, &path, None).await?["heads"].clone();
    wait_until(
        "b has the 1,000 changes",
        Duration::from_secs(60),
        || async {
            b.call(reqwest::Method::GET, &path, None)
                .await
                .map(|p| p["heads"] == want)
                .unwrap_or(false)
        },
    )
    .await?;
    // Let the session's final commit land before reading the counters.
    settled(|| a.traffic().0 + b.traffic().0).await;
    let (a1, b1) = (a.traffic(), b.traffic());
    let wire = (a1.0 - a0.0) + (b1.0 - b0.0);
    let rounds = (a1.2 - a0.2) + (b1.2 - b0.2);
    a.shutdown().await;
    b.shutdown().await;
    Ok(Row {
        name: "P2 sync 1,000 new changes",
        result: format!(
            "{wire} B on the wire, {rounds} requests: {:.2}× bundle",
            wire as f64 / bundle as f64
        ),
        baseline: format!("Automerge bundle() of the 1,000 changes: {bundle} B"),
        target: "≤ 1.2× bundle + 200 B, 1 round trip",
    })
}

/// P3 and P4: cold sync of many documents to an empty node, then a reconnect with 1% changed.
async fn p3_p4(dir: &std::path::Path, n: usize) -> anyhow::Result<(Row, Row)> {
    let a = BenchNode::start(dir, "p3a", vec![]).await?;
    let seed = BenchNode::start(dir, "p3seed", vec![a.addr().await?]).await?;
    let net = network(&a, &seed).await?;
    seed.shutdown().await;
    let net_id: DocId = net.parse()?;
    let docs = a.node.docs().clone();
    let (sum_save, ids) = docs
        .job(move |set| {
            let (mut sum, mut ids) = (0, Vec::with_capacity(n));
            for i in 0..n {
                let plan = Plan::new(
                    &NewPlan {
                        title: format!("Plan {i}"),
                        goal: "Housing for all.".into(),
                        demands: String::new(),
                    },
                    set.group(),
                )?;
                let id = set.create_plan(Some(net_id), &plan)?;
                sum += set.document(&id).map_or(0, |d| d.save().len());
                ids.push(id);
            }
            Ok((sum, ids))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let c = BenchNode::start(dir, "p3c", vec![a.addr().await?]).await?;
    let (a0, c0) = (a.traffic(), c.traffic());
    eprintln!("P3: {n} documents made; the cold node joins now");
    let start = Instant::now();
    admit(&a, &net, &c).await?;
    wait_until(
        "the cold node has every plan",
        Duration::from_secs(120),
        || async { c.count_plans().await == n },
    )
    .await?;
    let cold = start.elapsed();
    eprintln!("P3: the cold node has every plan");
    // Over when both sides have recorded their agreement on every plan (what P4's catch-up
    // starts from; a quiet moment in the traffic alone once stopped c before its last session
    // agreed), and the traffic has settled.
    wait_until(
        "both sides to agree on every plan",
        Duration::from_secs(60),
        || async { c.agreed_with(&a).await >= n && a.agreed_with(&c).await >= n },
    )
    .await?;
    settled(|| a.traffic().0 + c.traffic().0).await;
    let (a1, c1) = (a.traffic(), c.traffic());
    let cold_bytes = (a1.0 - a0.0) + (c1.0 - c0.0);
    let cold_requests = (a1.2 - a0.2) + (c1.2 - c0.2);
    let p3 = Row {
        name: "P3 cold sync",
        result: format!(
            "{n} documents in {:.2} s, {cold_bytes} B in {cold_requests} requests: {:.2}× Σ save()",
            cold.as_secs_f64(),
            cold_bytes as f64 / sum_save as f64
        ),
        baseline: format!("Σ save() = {sum_save} B"),
        target: "≤ 3 s and ≤ 1.1× (10,000 documents)",
    };

    // P4: c goes offline (stopped), 1% of the documents change, c comes back.
    c.shutdown().await;
    let changed: Vec<DocId> = ids.iter().step_by(100).copied().collect();
    let edit = changed.clone();
    let change_bytes = docs
        .job(move |set| {
            let mut sum = 0;
            for id in &edit {
                let before = set.document(id).map(|d| d.get_heads()).unwrap_or_default();
                set.edit::<Plan, _>(id, |p| {
                    p.apply(
                        &PlanEdit {
                            goal: Some("Housing for all, now.".into()),
                            ..Default::default()
                        },
                        None,
                    )
                })?;
                sum += set.document(id).map_or(0, |d| d.save_after(&before).len());
            }
            Ok(sum)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let a0 = a.traffic();
    let c = BenchNode::start(dir, "p3c", vec![a.addr().await?]).await?;
    let c0 = (0, 0, 0); // a restarted node counts from zero
    let target_heads = {
        let ids = changed.clone();
        docs.job(move |set| {
            Ok(ids
                .iter()
                .map(|id| set.document(id).map(|d| d.get_heads()).unwrap_or_default())
                .collect::<Vec<_>>())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let cdocs = c.node.docs().clone();
    wait_until(
        "the reconnected node has every change",
        Duration::from_secs(60),
        || {
            let (ids, want, cdocs) = (changed.clone(), target_heads.clone(), cdocs.clone());
            async move {
                cdocs
                    .job(move |set| {
                        Ok(ids.iter().zip(&want).all(|(id, h)| {
                            set.document(id).map(|d| d.get_heads()) == Some(h.clone())
                        }))
                    })
                    .await
                    .unwrap_or(false)
            }
        },
    )
    .await?;
    settled(|| a.traffic().0 + c.traffic().0).await;
    let (a1, c1) = (a.traffic(), c.traffic());
    let total = (a1.0 - a0.0) + (c1.0 - c0.0);
    let requests = (a1.2 - a0.2) + (c1.2 - c0.2);
    // The same reconnect with nothing changed: what the unchanged documents cost on their own.
    let a0 = a.traffic();
    let c = c.restart(vec![a.addr().await?]).await?;
    wait_until(
        "the idle reconnect's session",
        Duration::from_secs(60),
        || async { a.traffic().2 + c.traffic().2 > a0.2 },
    )
    .await?;
    // A session with nothing to do is one round trip; wait until it has finished.
    settled(|| a.traffic().0 + c.traffic().0).await;
    let (a2, c2) = (a.traffic(), c.traffic());
    let idle = (a2.0 - a0.0) + c2.0;
    let idle_requests = (a2.2 - a0.2) + c2.2;
    let p4 = Row {
        name: "P4 reconnect, 1% changed",
        result: format!(
            "{total} B in {requests} requests: {:.2}× the changes ({} B per changed document). The same reconnect with nothing changed: {idle} B in {idle_requests} requests for all {n} documents",
            total as f64 / change_bytes.max(1) as f64,
            total / changed.len().max(1) as u64
        ),
        baseline: format!(
            "changes of the {} changed documents: {change_bytes} B",
            changed.len()
        ),
        target: "≤ 2 KB on the unchanged, ≤ 1.5× the changes, ≤ 2 round trips",
    };
    a.shutdown().await;
    c.shutdown().await;
    Ok((p3, p4))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    // The nodes log only when asked (RUST_LOG=…), to stderr.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let n = env_or("BENCH_DOCS", 10_000);
    let mut only: Vec<String> = std::env::args().skip(1).collect();
    if let Ok(v) = std::env::var("BENCH_ONLY") {
        only.extend(v.split(',').map(|s| s.trim().to_string()));
    }
    let run = |row: &str| only.is_empty() || only.iter().any(|o| o.eq_ignore_ascii_case(row));
    let dir = tempfile::tempdir()?;
    let mut rows = Vec::new();
    if run("P5") {
        eprintln!("P5: durable increments…");
        rows.push(p5(dir.path()).await?);
    }
    if run("P2") {
        eprintln!("P2: 1,000 new changes…");
        rows.push(p2(dir.path()).await?);
    }
    if run("P3") || run("P4") {
        eprintln!("P3/P4: {n} documents…");
        let (p3, p4) = p3_p4(dir.path(), n).await?;
        rows.push(p3);
        rows.push(p4);
    }
    if run("P1") {
        eprintln!("P1: a plan change at 20 nodes…");
        rows.push(p1::p1(dir.path()).await?);
    }
    if run("P7") {
        eprintln!("P7: a start with one plan of a long history…");
        rows.push(p7::p7(dir.path()).await?);
    }
    if run("R1") {
        eprintln!("R1: a restart after a year of a group's work…");
        rows.push(r1::r1(dir.path()).await?);
    }
    if run("P8") {
        eprintln!("P8: one network of up to 100 nodes…");
        rows.push(p1::p8(dir.path()).await?);
    }
    if run("C1") {
        eprintln!("C1: the contact-free check of one long text…");
        rows.push(c1::c1());
    }
    if run("N1") {
        eprintln!("N1: relay memory per slot…");
        rows.push(n1::n1().await?);
    }
    if run("P6") {
        eprintln!("P6: idle RSS…");
        rows.push(p6::p6(dir.path()).await?);
    }
    println!("| benchmark | result | baseline (same run) | target |");
    println!("|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} |",
            r.name, r.result, r.baseline, r.target
        );
    }
    Ok(())
}
