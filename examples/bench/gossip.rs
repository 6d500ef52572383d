//! P1's baseline: bare gossipsub (default config, signed messages) on the same graph as the
//! nodes, over the same transport (TCP, noise, yamux on 127.0.0.1). One swarm per node, each in
//! its own task; a ~100-byte message is timed from `publish` until every other swarm has it.

use std::time::{Duration, Instant};

use libp2p::futures::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, Swarm};
use tokio::sync::mpsc;

use super::p1::Edges;

/// What the swarm tasks report.
enum Report {
    /// A neighbour subscribed to the topic.
    Subscribed,
    /// Swarm `.0`'s mesh for the topic now has `.1` peers.
    Mesh(usize, usize),
    /// Sample `.1` was published at `.0`.
    Published(Instant, u64),
    /// Swarm `.0` received sample `.2` at `.1`.
    Received(usize, Instant, u64),
}

fn swarm() -> anyhow::Result<Swarm<gossipsub::Behaviour>> {
    crate::tcp_swarm(Duration::from_secs(300), |key| {
        let signed = MessageAuthenticity::Signed(key.clone());
        gossipsub::Behaviour::new(signed, gossipsub::Config::default()).map_err(anyhow::Error::msg)
    })
}

/// Drives one swarm: publishes what it is sent, reports subscriptions and messages.
async fn run(
    i: usize,
    mut swarm: Swarm<gossipsub::Behaviour>,
    topic: IdentTopic,
    mut publish: mpsc::Receiver<u64>,
    report: mpsc::Sender<Report>,
) {
    let mut mesh = 0;
    // Heartbeats change the mesh without an event: look at it ten times a second too.
    let mut look = tokio::time::interval(Duration::from_millis(100));
    loop {
        let now = swarm.behaviour().mesh_peers(&topic.hash()).count();
        if now != mesh {
            mesh = now;
            let _ = report.send(Report::Mesh(i, mesh)).await;
        }
        tokio::select! {
            _ = look.tick() => {}
            cmd = publish.recv() => {
                let Some(k) = cmd else { break };
                let mut data = vec![0u8; 100];
                data[..8].copy_from_slice(&k.to_le_bytes());
                let t = Instant::now();
                if let Err(e) = swarm.behaviour_mut().publish(topic.clone(), data) {
                    eprintln!("  gossipsub {i}: publish failed: {e}");
                }
                let _ = report.send(Report::Published(t, k)).await;
            }
            ev = swarm.select_next_some() => match ev {
                SwarmEvent::Behaviour(gossipsub::Event::Message { message, .. }) => {
                    let t = Instant::now();
                    if let Some(k) = message.data.get(..8).and_then(|b| b.try_into().ok()) {
                        let _ = report.send(Report::Received(i, t, u64::from_le_bytes(k))).await;
                    }
                }
                SwarmEvent::Behaviour(gossipsub::Event::Subscribed { .. }) => {
                    let _ = report.send(Report::Subscribed).await;
                }
                _ => {}
            }
        }
    }
}

/// Publishes `samples` messages (origins in turn) and returns the time until all `n` swarms had
/// each, sorted.
pub(crate) async fn baseline(
    n: usize,
    edges: &Edges,
    samples: usize,
) -> anyhow::Result<Vec<Duration>> {
    let topic = IdentTopic::new("p1");
    let mut swarms = Vec::new();
    let mut addrs: Vec<Multiaddr> = Vec::new();
    for _ in 0..n {
        let mut s = swarm()?;
        s.behaviour_mut().subscribe(&topic)?;
        s.listen_on("/ip4/127.0.0.1/tcp/0".parse()?)?;
        let addr = loop {
            if let SwarmEvent::NewListenAddr { address, .. } = s.select_next_some().await {
                break address;
            }
        };
        addrs.push(addr.with(libp2p::multiaddr::Protocol::P2p(*s.local_peer_id())));
        swarms.push(s);
    }
    for &(a, b) in edges {
        swarms[b].dial(addrs[a].clone())?;
    }
    let (report, mut reports) = mpsc::channel(4096);
    let mut publishers = Vec::new();
    for (i, s) in swarms.into_iter().enumerate() {
        let (tx, rx) = mpsc::channel(16);
        publishers.push(tx);
        tokio::spawn(run(i, s, topic.clone(), rx, report.clone()));
    }
    let mut meshes = vec![0usize; n];
    // Ready when every swarm has heard every neighbour subscribe...
    let mut subscribed = edges.len() * 2;
    let deadline = Instant::now() + Duration::from_secs(30);
    while subscribed > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, reports.recv()).await {
            Ok(Some(Report::Subscribed)) => subscribed -= 1,
            Ok(Some(Report::Mesh(i, m))) => meshes[i] = m,
            Ok(Some(_)) => {}
            _ => anyhow::bail!("gossipsub: {subscribed} subscriptions missing after 30 s"),
        }
    }
    // Then until every swarm's mesh is as full as its neighbours allow (heartbeats graft them,
    // one a second), and a few messages to warm up.
    let mut degree = vec![0usize; n];
    for &(a, b) in edges {
        degree[a] += 1;
        degree[b] += 1;
    }
    let low = gossipsub::Config::default().mesh_n_low();
    while (0..n).any(|i| meshes[i] < degree[i].min(low)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, reports.recv()).await {
            Ok(Some(Report::Mesh(i, m))) => meshes[i] = m,
            Ok(Some(_)) => {}
            _ => anyhow::bail!("gossipsub: meshes not formed after 30 s: {meshes:?}"),
        }
    }
    let warmup = 20;
    let mut out = Vec::new();
    for k in 0..(warmup + samples) {
        let origin = k % n;
        publishers[origin].send(k as u64).await?;
        let mut t0 = None;
        let mut got = vec![false; n];
        got[origin] = true;
        let mut last = None;
        while t0.is_none() || got.iter().any(|g| !g) {
            let r = tokio::time::timeout(Duration::from_secs(10), reports.recv()).await;
            match r {
                Ok(Some(Report::Published(t, j))) if j == k as u64 => t0 = Some(t),
                Ok(Some(Report::Received(i, t, j))) if j == k as u64 && !got[i] => {
                    got[i] = true;
                    last = Some(t);
                }
                Ok(Some(_)) => {}
                _ => anyhow::bail!("gossipsub: message {k} did not reach every swarm"),
            }
        }
        if k >= warmup
            && let (Some(t0), Some(last)) = (t0, last)
        {
            out.push(last.saturating_duration_since(t0));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(publishers); // the swarm tasks end
    out.sort();
    Ok(out)
}
