//! N1: what a relay holds per slot. One bare libp2p relay with the node's own relay settings
//! (`net::relay_config`, its relay turned on) and `BENCH_SLOTS` clients (48 by default: all are
//! on 127.0.0.1, and libp2p's limit of 60 slots a minute from one IP address applies), all in
//! this process on loopback TCP. The clients connect first; the resident memory is read;
//! then each asks for a slot; once every slot is accepted it is read again. The difference,
//! per slot, is what a slot costs beyond the connection (both ends' share: the relay's
//! reservation and the client's relayed listener).

use std::time::Duration;

use anyhow::Context;
use libp2p::futures::StreamExt;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, Swarm, noise, relay, tcp, yamux};

use crate::Row;

#[derive(NetworkBehaviour)]
struct RelayNode {
    relay: relay::Behaviour,
}

#[derive(NetworkBehaviour)]
struct Client {
    relay: relay::client::Behaviour,
}

fn rss_kib() -> anyhow::Result<u64> {
    Ok(crate::rss_bytes("self")? / 1024)
}

fn relay_swarm() -> anyhow::Result<Swarm<RelayNode>> {
    crate::tcp_swarm(IDLE, |key| {
        let mut relay = relay::Behaviour::new(
            key.public().to_peer_id(),
            commonground_node::net::relay_config(),
        );
        relay.set_status(Some(relay::Status::Enable));
        Ok(RelayNode { relay })
    })
}

/// Connections are kept for the whole run.
const IDLE: Duration = Duration::from_secs(600);

fn client_swarm() -> anyhow::Result<Swarm<Client>> {
    Ok(libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )?
        .with_relay_client(noise::Config::new, yamux::Config::default)?
        .with_behaviour(|_, relay| Client { relay })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE))
        .build())
}

pub async fn n1() -> anyhow::Result<Row> {
    let slots: usize = crate::env_or("BENCH_SLOTS", 48);
    let mut relay = relay_swarm()?;
    relay.listen_on("/ip4/127.0.0.1/tcp/0".parse()?)?;
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = relay.select_next_some().await {
            // A relay tells its clients where it is reached (AutoNAT confirms it in the node);
            // a slot that names no address is refused by the client.
            relay.add_external_address(address.clone());
            break address.with(Protocol::P2p(*relay.local_peer_id()));
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(slots);
    tokio::spawn(async move {
        loop {
            relay.select_next_some().await;
        }
    });
    // Connect every client first (no slot yet).
    let mut clients = Vec::new();
    for _ in 0..slots {
        let mut c = client_swarm()?;
        c.dial(addr.clone())?;
        loop {
            if let SwarmEvent::ConnectionEstablished { .. } = c.select_next_some().await {
                break;
            }
        }
        clients.push(c);
    }
    // A benchmark's settling time (no condition to wait for): the relay's task finishes with
    // the last handshakes before the memory is read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib()?;
    // Then every client asks for a slot; each runs on its own task.
    let circuit: Multiaddr = addr.clone().with(Protocol::P2pCircuit);
    for mut c in clients {
        let tx = tx.clone();
        c.listen_on(circuit.clone())?;
        tokio::spawn(async move {
            let mut told = false;
            loop {
                if let SwarmEvent::NewListenAddr { .. } = c.select_next_some().await
                    && !told
                {
                    told = true;
                    let _ = tx.send(()).await;
                }
            }
        });
    }
    for _ in 0..slots {
        tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .context("a slot was not accepted within 60 s")?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // the same settling
    let after = rss_kib()?;
    let per = (after.saturating_sub(before)) as f64 / slots as f64;
    Ok(Row {
        name: "N1 relay memory per slot",
        result: format!(
            "{slots} slots on one relay (the node's relay settings): {per:.1} KiB resident per slot, both ends (process {before} → {after} KiB)"
        ),
        baseline: format!("the {slots} connections without slots: {before} KiB in all"),
        target: "small against a connection (64 slots per relay at most)",
    })
}
