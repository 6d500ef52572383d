//! P1: how long a change to a shared plan takes to be visible at every one of 20 nodes, next to
//! bare gossipsub over the same connections (see `gossip`).
//!
//! The nodes are real `Node`s in this process. They first join one network through its
//! coordinator, then restart on new ports and dial only the edges of a random graph with a fixed
//! seed (each node dials 3 others), so the addresses recorded at joining are stale and the
//! connections are the graph's, plus whatever the node finds on its own (Kademlia). The graph the
//! nodes really have when measuring is the one gossipsub gets.

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;
use std::time::{Duration, Instant};

use automerge::ReadDoc;
use commonground_node::testkit::{self, Jobs};
use commonground_protocol::ids::DocId;
use commonground_protocol::plan::{NewPlan, Plan, PlanEdit};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use tokio::sync::{broadcast, mpsc};

use super::{BenchNode, Row, admit, env_or, ms, percentile};

/// The graph's seed.
const SEED: u64 = 0x00c0_ffee;
/// How many others each node dials.
const DIALS: usize = 3;
/// Edits per stored batch while building the history.
const HISTORY_BATCH: usize = 500;
/// The longest one sample may take.
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(20);

/// An undirected graph as a sorted set of edges `(a, b)` with `a < b`.
pub(crate) type Edges = BTreeSet<(usize, usize)>;

/// Every node dials `DIALS` others chosen at random; reseeded until the graph is connected.
fn dial_plan(n: usize) -> Vec<Vec<usize>> {
    let mut seed = SEED;
    loop {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let plan: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                let mut others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
                others.shuffle(&mut rng);
                others.truncate(DIALS);
                others
            })
            .collect();
        let edges: Edges = plan
            .iter()
            .enumerate()
            .flat_map(|(i, to)| to.iter().map(move |&j| (i.min(j), i.max(j))))
            .collect();
        if hops_from(n, &edges, 0).iter().all(Option::is_some) {
            return plan;
        }
        seed += 1;
    }
}

/// Hops from `start` to every node (breadth-first), `None` where unreachable.
pub(crate) fn hops_from(n: usize, edges: &Edges, start: usize) -> Vec<Option<usize>> {
    let mut hops = vec![None; n];
    hops[start] = Some(0);
    let mut queue = VecDeque::from([start]);
    while let Some(a) = queue.pop_front() {
        let d = hops[a].unwrap_or(0);
        for &(x, y) in edges {
            let b = match (x == a, y == a) {
                (true, _) => y,
                (_, true) => x,
                _ => continue,
            };
            if hops[b].is_none() {
                hops[b] = Some(d + 1);
                queue.push_back(b);
            }
        }
    }
    hops
}

/// The connections the nodes have now, as edges between their indices.
async fn connections(nodes: &[BenchNode]) -> anyhow::Result<Edges> {
    let index: std::collections::HashMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, b)| (b.node.group.to_string(), i))
        .collect();
    let mut edges = Edges::new();
    for (i, b) in nodes.iter().enumerate() {
        for p in b.node.net().status().await?.peers {
            if let Some(&j) = index.get(&p.group) {
                edges.insert((i.min(j), i.max(j)));
            }
        }
    }
    Ok(edges)
}

/// Sync requests sent by all nodes so far.
fn requests(nodes: &[BenchNode]) -> u64 {
    nodes.iter().map(|b| b.traffic().2).sum()
}

/// Announcements published and heard (accepted, first copies) by all nodes so far.
fn announcements(nodes: &[BenchNode]) -> (u64, u64) {
    use std::sync::atomic::Ordering::Relaxed;
    nodes.iter().fold((0, 0), |(p, h), b| {
        let t = b.node.net().traffic();
        (p + t.announcements.load(Relaxed), h + t.heard.load(Relaxed))
    })
}

/// Waits until no node has sent a sync request for 30 ms (trailing sessions of the last sample
/// are done), or 5 s have passed.
async fn quiet(nodes: &[BenchNode]) {
    let _ = testkit::try_settle(
        "the sync requests to stop",
        Duration::from_secs(5),
        Duration::from_millis(30),
        || requests(nodes),
    )
    .await;
}

async fn plan_heads(b: &BenchNode, id: DocId) -> Vec<automerge::ChangeHash> {
    b.node
        .docs()
        .job(move |set| Ok(set.document(&id).map(|d| d.get_heads()).unwrap_or_default()))
        .await
        .unwrap_or_default()
}

/// Starts `n` members of one network, connected along a seeded random graph.
async fn start_nodes(dir: &Path, n: usize) -> anyhow::Result<(Vec<BenchNode>, DocId)> {
    let mut nodes = vec![BenchNode::start(dir, "p1-0", vec![]).await?];
    let net = nodes[0]
        .call(
            reqwest::Method::POST,
            "/networks",
            Some(serde_json::json!({"name": "P1"})),
        )
        .await?;
    let net: DocId = net["id"].as_str().unwrap_or_default().parse()?;
    for i in 1..n {
        let b = BenchNode::start(dir, &format!("p1-{i}"), vec![]).await?;
        admit(&nodes[0], &net.to_string(), &b).await?;
        nodes.push(b);
    }
    // Restart on new ports: the joining connections close and the recorded addresses go stale.
    let mut fresh = Vec::new();
    for b in nodes {
        fresh.push(b.restart(vec![]).await?);
    }
    let mut addrs = Vec::new();
    for b in &fresh {
        addrs.push(b.addr().await?.parse::<libp2p::Multiaddr>()?);
    }
    for (i, to) in dial_plan(n).into_iter().enumerate() {
        for j in to {
            fresh[i].node.net().dial(addrs[j].clone()).await?;
        }
    }
    Ok((fresh, net))
}

/// Creates the shared plan at node 0 with `history` small edits, stored `HISTORY_BATCH` at a
/// time, and waits until every node holds all of it.
async fn shared_plan(nodes: &[BenchNode], net: DocId, history: usize) -> anyhow::Result<DocId> {
    let docs = nodes[0].node.docs().clone();
    // Every node writes the plan in turn: all are collaborators.
    let writers: Vec<_> = nodes.iter().map(|b| b.node.group).collect();
    let id = docs
        .job(move |set| {
            let mut plan = Plan::new(
                &NewPlan {
                    title: "Joint action on asylum housing".into(),
                    goal: "Goal, version 0".into(),
                    demands: String::new(),
                },
                set.group(),
            )?;
            for g in writers {
                plan.add_collaborator(g)?;
            }
            set.create_plan(Some(net), &plan)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for start in (0..history).step_by(HISTORY_BATCH) {
        docs.job(move |set| {
            for i in start..(start + HISTORY_BATCH).min(history) {
                set.edit::<Plan, _>(&id, |p| {
                    p.apply(
                        &PlanEdit {
                            goal: Some(format!("Goal, version {}", i + 1)),
                            ..Default::default()
                        },
                        None,
                    )
                })?;
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let want = plan_heads(&nodes[0], id).await;
    super::wait_until(
        "every node has the plan's history",
        Duration::from_secs(300),
        || async {
            for b in nodes {
                if plan_heads(b, id).await != want {
                    return false;
                }
            }
            true
        },
    )
    .await?;
    Ok(id)
}

/// Forwards every change notification of every node as (node, when it arrived).
fn listen(nodes: &[BenchNode]) -> mpsc::Receiver<(usize, Instant)> {
    let (tx, rx) = mpsc::channel(4096);
    for (i, b) in nodes.iter().enumerate() {
        let mut sub = b.node.docs().subscribe();
        let tx = tx.clone();
        tokio::spawn(async move {
            // A lagged receiver still means "something was stored".
            while let Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) = sub.recv().await {
                if tx.send((i, Instant::now())).await.is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// One sample's timings.
struct Sample {
    /// Write at the origin until acknowledged (stored).
    ack: Duration,
    /// Acknowledged until stored at the nearest other node.
    first: Duration,
    /// Acknowledged until stored at every node.
    all: Duration,
    /// Hops from the origin to the farthest node.
    depth: usize,
    /// Sync requests all nodes sent for this change, trailing sessions included.
    requests: u64,
    /// Announcements published for this change, by all nodes.
    published: u64,
    /// Announcements heard for this change, by all nodes.
    heard: u64,
}

/// One edit at `origin`, timed until every node has stored it.
async fn sample(
    nodes: &[BenchNode],
    edges: &Edges,
    rx: &mut mpsc::Receiver<(usize, Instant)>,
    plan: DocId,
    origin: usize,
    k: usize,
) -> anyhow::Result<Sample> {
    quiet(nodes).await;
    while rx.try_recv().is_ok() {}
    let sent = requests(nodes);
    let (published, heard) = announcements(nodes);
    let docs = nodes[origin].node.docs().clone();
    let w0 = Instant::now();
    let heads = docs
        .job(move |set| {
            set.edit::<Plan, _>(&plan, |p| {
                p.apply(
                    &PlanEdit {
                        goal: Some(format!("Goal, sample {k}")),
                        ..Default::default()
                    },
                    None,
                )
            })?;
            Ok(set
                .document(&plan)
                .map(|d| d.get_heads())
                .unwrap_or_default())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let t0 = Instant::now();
    let mut seen: Vec<Option<Instant>> = vec![None; nodes.len()];
    seen[origin] = Some(t0);
    let mut first = None;
    while seen.iter().any(Option::is_none) {
        let Ok(Some((i, t))) = tokio::time::timeout(SAMPLE_TIMEOUT, rx.recv()).await else {
            let missing: Vec<usize> = (0..nodes.len()).filter(|&i| seen[i].is_none()).collect();
            anyhow::bail!("sample {k} from node {origin}: nodes {missing:?} never stored it");
        };
        if seen[i].is_none() {
            seen[i] = Some(t);
            first.get_or_insert(t);
        }
    }
    // Each notification must have been this change (checked off the clock).
    for (i, b) in nodes.iter().enumerate() {
        let h = heads.clone();
        let has = b
            .node
            .docs()
            .job(move |set| {
                Ok(set
                    .document(&plan)
                    .is_some_and(|d| h.iter().all(|c| d.get_change_by_hash(c).is_some())))
            })
            .await
            .unwrap_or(false);
        anyhow::ensure!(
            has,
            "sample {k}: node {i} was notified but lacks the change"
        );
    }
    let last = seen.iter().flatten().max().copied().unwrap_or(t0);
    quiet(nodes).await;
    let (published_now, heard_now) = announcements(nodes);
    Ok(Sample {
        requests: requests(nodes) - sent,
        published: published_now - published,
        heard: heard_now - heard,
        ack: t0 - w0,
        first: first.unwrap_or(t0).saturating_duration_since(t0),
        all: last.saturating_duration_since(t0),
        depth: hops_from(nodes.len(), edges, origin)
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0),
    })
}

/// Mean time of `rounds` sequential actor jobs at node 0: a trivial one, and one that reads the
/// network document (as every sync request does to check membership).
async fn job_costs(node: &BenchNode, net: DocId) -> anyhow::Result<(Duration, Duration)> {
    let rounds = 200;
    let docs = node.node.docs();
    let t = Instant::now();
    for _ in 0..rounds {
        docs.counts().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let trivial = t.elapsed() / rounds;
    let t = Instant::now();
    for _ in 0..rounds {
        docs.network(net.to_string())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok((trivial, t.elapsed() / rounds))
}

fn degrees(n: usize, edges: &Edges) -> (usize, f64, usize) {
    let mut d = vec![0usize; n];
    for &(a, b) in edges {
        d[a] += 1;
        d[b] += 1;
    }
    let min = d.iter().copied().min().unwrap_or(0);
    let max = d.iter().copied().max().unwrap_or(0);
    (min, 2.0 * edges.len() as f64 / n as f64, max)
}

/// Describes a graph in a few words.
pub(crate) fn describe(n: usize, edges: &Edges) -> String {
    let (min, mean, max) = degrees(n, edges);
    let diameter = (0..n)
        .filter_map(|s| hops_from(n, edges, s).into_iter().flatten().max())
        .max()
        .unwrap_or(0);
    format!(
        "{} edges, degree {min}–{max} (mean {mean:.1}), diameter {diameter}",
        edges.len()
    )
}

/// What one network of nodes measured.
struct Measured {
    n: usize,
    samples: usize,
    history: usize,
    /// Acknowledged until stored at every node, sorted.
    all: Vec<Duration>,
    /// Acknowledged until stored at the nearest other node, sorted.
    first: Vec<Duration>,
    /// Write until acknowledged, sorted.
    ack: Vec<Duration>,
    /// Bare gossipsub on the same edges, sorted.
    bare: Vec<Duration>,
    /// Means per change: hops to the farthest node, sync requests, announcements published and
    /// heard over all nodes.
    hops: f64,
    requests: f64,
    published: f64,
    heard: f64,
    /// Mean time of a trivial actor job and of one that reads the network document.
    trivial: Duration,
    read_net: Duration,
    edges: Edges,
}

impl Measured {
    fn p(&self, p: f64) -> (Duration, Duration) {
        (percentile(&self.all, p), percentile(&self.bare, p))
    }

    /// The p50 against bare gossipsub's.
    fn ratio(&self) -> f64 {
        let (ours, bare) = self.p(0.5);
        ours.as_secs_f64() / bare.as_secs_f64().max(1e-9)
    }
}

/// `n` members of one network on a seeded random graph share a plan with `history` changes;
/// `samples` edits, from every node in turn, are timed until every node has stored them, and
/// bare gossipsub is timed on the same connections.
async fn measure(dir: &Path, n: usize, samples: usize, history: usize) -> anyhow::Result<Measured> {
    let (nodes, net) = start_nodes(dir, n).await?;
    let dialled: Edges = dial_plan(n)
        .iter()
        .enumerate()
        .flat_map(|(i, to)| to.iter().map(move |&j| (i.min(j), i.max(j))))
        .collect();
    eprintln!(
        "  {n} nodes started; dialled graph: {}",
        describe(n, &dialled)
    );
    let plan = shared_plan(&nodes, net, history).await?;
    eprintln!("  plan with {history} changes synced to all");
    let (trivial, read_net) = job_costs(&nodes[0], net).await?;
    let mut rx = listen(&nodes);
    let edges = connections(&nodes).await?;
    eprintln!("  connections now: {}", describe(n, &edges));
    let mut taken = Vec::new();
    for k in 0..samples {
        taken.push(sample(&nodes, &edges, &mut rx, plan, k % n, k).await?);
    }
    let after = connections(&nodes).await?;
    if after != edges {
        eprintln!(
            "  connections changed while measuring: {}",
            describe(n, &after)
        );
    }
    for b in nodes {
        b.shutdown().await;
    }
    let sorted = |f: fn(&Sample) -> Duration| {
        let mut v: Vec<Duration> = taken.iter().map(f).collect();
        v.sort();
        v
    };
    let mean = |f: fn(&Sample) -> f64| taken.iter().map(f).sum::<f64>() / taken.len().max(1) as f64;
    eprintln!("  gossipsub on the same {} edges…", edges.len());
    let mut bare = super::gossip::baseline(n, &edges, samples).await?;
    bare.sort();
    Ok(Measured {
        n,
        samples,
        history,
        all: sorted(|s| s.all),
        first: sorted(|s| s.first),
        ack: sorted(|s| s.ack),
        bare,
        hops: mean(|s| s.depth as f64),
        requests: mean(|s| s.requests as f64),
        published: mean(|s| s.published as f64),
        heard: mean(|s| s.heard as f64),
        trivial,
        read_net,
        edges,
    })
}

/// P1.
pub(crate) async fn p1(dir: &Path) -> anyhow::Result<Row> {
    let n = env_or("BENCH_P1_NODES", 20);
    let samples = env_or("BENCH_P1_SAMPLES", 100);
    let history = env_or("BENCH_P1_HISTORY", 10_000);
    let m = measure(dir, n, samples, history).await?;
    let ((p50, b50), (p99, b99)) = (m.p(0.5), m.p(0.99));
    Ok(Row {
        name: "P1 plan change at 20 nodes",
        result: format!(
            "p50 {}, p99 {} ({:.1}× bare at p50, {:.1}× at p99; {samples} samples from all {n} origins, plan of {history} changes). Nearest node p50 {}; origin's write ack p50 {}; {:.1} hops to the farthest node on average; per change over all nodes: {:.1} sync requests, {:.1} announcements published, {:.1} heard; an actor job reading the network document ({n} members) {:.0} µs, a trivial one {:.0} µs. Graph: {n} nodes each dialling {DIALS} (seed {SEED:#x}), measured {}",
            ms(p50),
            ms(p99),
            m.ratio(),
            p99.as_secs_f64() / b99.as_secs_f64().max(1e-9),
            ms(percentile(&m.first, 0.5)),
            ms(percentile(&m.ack, 0.5)),
            m.hops,
            m.requests,
            m.published,
            m.heard,
            m.read_net.as_secs_f64() * 1e6,
            m.trivial.as_secs_f64() * 1e6,
            describe(n, &m.edges),
        ),
        baseline: format!(
            "bare gossipsub, same edges, 100 B message: p50 {}, p99 {} ({} samples)",
            ms(b50),
            ms(b99),
            m.bare.len()
        ),
        target: "p50 ≤ 2× and p99 ≤ 3× bare; ≤ 2 sync requests per node per change",
    })
}

/// P8: one network of 25, 50 and 100 nodes in this process (`BENCH_P8_NODES`, a comma-separated
/// list): how long a change takes to reach all against bare gossipsub, and how the messages per
/// change grow with the nodes.
pub(crate) async fn p8(dir: &Path) -> anyhow::Result<Row> {
    let sizes: Vec<usize> = std::env::var("BENCH_P8_NODES")
        .unwrap_or_else(|_| "25,50,100".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let samples = env_or("BENCH_P8_SAMPLES", 20);
    let mut results = Vec::new();
    let mut baselines = Vec::new();
    for n in sizes {
        eprintln!("  P8 with {n} nodes…");
        let m = measure(&dir.join(format!("p8-{n}")), n, samples, 100).await?;
        let ((p50, b50), (p99, b99)) = (m.p(0.5), m.p(0.99));
        let messages = m.published + m.heard + m.requests;
        results.push(format!(
            "**{n} nodes**: p50 {}, p99 {} ({:.1}× bare at p50); per change {messages:.0} messages ({:.2} per node: {:.1} published, {:.0} heard, {:.1} sync requests); {} ({} samples, plan of {} changes)",
            ms(p50),
            ms(p99),
            m.ratio(),
            messages / m.n as f64,
            m.published,
            m.heard,
            m.requests,
            describe(m.n, &m.edges),
            m.samples,
            m.history,
        ));
        baselines.push(format!("{n} nodes: p50 {}, p99 {}", ms(b50), ms(b99)));
    }
    Ok(Row {
        name: "P8 one network of up to 100 nodes",
        result: results.join("; "),
        baseline: format!(
            "bare gossipsub, same edges, 100 B message: {}",
            baselines.join("; ")
        ),
        target: "≤ 3× bare; messages per change linear in nodes",
    })
}
