//! A member's relay serves the members of its networks only: two real nodes on loopback (a relay
//! and a member of its network), and hand-made libp2p peers with a relay client. With the
//! member's own key a peer reserves a slot on the relay (the control); a stranger can neither
//! reserve a slot nor open a circuit through the relay to the member holding one, even while
//! an invite of the relay's is open and its connection is let in as a guest's.
//!
//! The nodes run with `COMMONGROUND_TEST_AUTONAT_LAB` (AutoNAT counts loopback addresses and
//! probes within seconds; production counts only global ones), so that the relay learns it is
//! reachable and turns its relay on, as a node with a public address does.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::Daemon;
use commonground_node::daemon::AUTONAT_LAB;
use libp2p::futures::StreamExt;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm, identity, noise, relay, tcp, yamux};

/// How long the nodes may take to find out they are reachable, or a peer to be answered.
const WAIT: Duration = Duration::from_secs(30);

#[derive(NetworkBehaviour)]
struct Client {
    relay: relay::client::Behaviour,
    // A node closes a connection that does not answer its pings.
    ping: libp2p::ping::Behaviour,
}

/// A bare peer with identity `key` and a relay client.
fn client(key: identity::Keypair) -> Swarm<Client> {
    libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .unwrap()
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_behaviour(|_, relay| Client {
            relay,
            ping: libp2p::ping::Behaviour::default(),
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

/// What became of asking `relay` for a slot: the relayed address it listens on, or why not.
async fn reserve(swarm: &mut Swarm<Client>, relay: &Multiaddr) -> Result<Multiaddr, String> {
    let listener = swarm
        .listen_on(relay.clone().with(Protocol::P2pCircuit))
        .map_err(|e| e.to_string())?;
    tokio::time::timeout(WAIT, async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr {
                    listener_id,
                    address,
                } if listener_id == listener => return Ok(address),
                SwarmEvent::ListenerClosed {
                    listener_id,
                    reason,
                    ..
                } if listener_id == listener => return Err(format!("closed: {reason:?}")),
                SwarmEvent::ListenerError { listener_id, error } if listener_id == listener => {
                    return Err(format!("error: {error}"));
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| Err("no answer in time".into()))
}

/// The node's group key, as libp2p's.
fn key_of(node: &Daemon) -> identity::Keypair {
    let hex = std::fs::read_to_string(node.data_dir.join("identity.key")).unwrap();
    let mut secret = [0u8; 32];
    for (i, byte) in secret.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex.trim()[2 * i..2 * i + 2], 16).unwrap();
    }
    identity::Keypair::ed25519_from_bytes(secret).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_relay_gives_members_a_slot_and_strangers_neither_slot_nor_circuit() {
    let dir = tempfile::tempdir().unwrap();
    let env = [(AUTONAT_LAB, "1")];
    let r = Daemon::start_with_env(
        common::bin(),
        &dir.path().join("r"),
        &[
            (AUTONAT_LAB, "1"),
            (
                "RUST_LOG",
                "info,libp2p_relay=trace,libp2p_swarm=debug,commonground_node::net=debug",
            ),
        ],
    );
    let m = Daemon::start_with_env(common::bin(), &dir.path().join("m"), &env);
    let m2 = Daemon::start_with_env(common::bin(), &dir.path().join("m2"), &env);
    let net = r.json(&["network", "create", "--name", "Relay"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    for joiner in [&m, &m2] {
        let invite = r.json(&["network", "invite", &net, "--expires", "1h"]);
        joiner.json(&["network", "join", invite["code"].as_str().unwrap()]);
    }
    // The member dials the relay back at its address: the relay is reachable, and relays.
    let status = common::wait_for("the relay to relay for its members", WAIT, || {
        let s = r.json(&["status"]);
        (s["relaying"] == true).then_some(s)
    });
    assert_eq!(status["reachability"]["state"], "direct", "{status}");
    let relay_addr: Multiaddr = status["listen"][0].as_str().unwrap().parse().unwrap();
    assert!(
        r.ok(&["status"]).contains("relaying:  for members"),
        "`status` says the node relays"
    );

    // The control: a peer with the member's key (the member itself stopped) gets a slot.
    let member_key = key_of(&m);
    let member_peer = PeerId::from(member_key.public());
    m.stop();
    let mut member = client(member_key);
    let slot = reserve(&mut member, &relay_addr).await;
    if slot.is_err() {
        eprintln!("{}", std::fs::read_to_string(&r.log).unwrap_or_default());
    }
    let slot = slot.expect("a member gets a slot on the relay");
    assert!(slot.to_string().contains("p2p-circuit"), "{slot}");
    common::wait_for("the relay to count the slot", WAIT, || {
        (r.json(&["status"])["relayed_members"] == 1).then_some(())
    });
    // The member keeps its slot (and answers circuits) while the stranger tries.
    let keep = tokio::spawn(async move {
        loop {
            member.select_next_some().await;
        }
    });

    // Another member opens a circuit through the relay to the member holding the slot.
    let other_key = key_of(&m2);
    m2.stop();
    let mut other = client(other_key);
    let through = relay_addr
        .clone()
        .with(Protocol::P2pCircuit)
        .with(Protocol::P2p(member_peer));
    other.dial(through.clone()).unwrap();
    let circuit = tokio::time::timeout(WAIT, async {
        loop {
            match other.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == member_peer => {
                    return Ok(());
                }
                SwarmEvent::OutgoingConnectionError { peer_id, error, .. }
                    if peer_id == Some(member_peer) =>
                {
                    return Err(error.to_string());
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the member's circuit attempt ends");
    if circuit.is_err() {
        eprintln!(
            "--- the relay's log ---\n{}",
            std::fs::read_to_string(&r.log).unwrap_or_default()
        );
    }
    assert_eq!(circuit, Ok(()), "a member's circuit through {through}");

    // An invite of the relay's is open, so a stranger's connection is let in for a while (to
    // redeem it)...
    r.json(&["network", "invite", &net, "--expires", "1h"]);
    // ...yet the stranger gets no slot...
    let mut stranger = client(identity::Keypair::generate_ed25519());
    let refused = reserve(&mut stranger, &relay_addr).await;
    assert!(
        refused.is_err(),
        "a stranger got a slot on a member's relay: {refused:?}"
    );
    // ...and no circuit to the member holding one.
    stranger.dial(through.clone()).unwrap();
    let outcome = tokio::time::timeout(WAIT, async {
        loop {
            match stranger.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == member_peer => {
                    return Err("a circuit to the member was opened");
                }
                SwarmEvent::OutgoingConnectionError { peer_id, .. }
                    if peer_id == Some(member_peer) =>
                {
                    return Ok(());
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the stranger's circuit attempt ends");
    assert_eq!(outcome, Ok(()), "through {through}");
    assert_eq!(
        r.json(&["status"])["relayed_members"],
        1,
        "the stranger holds no slot"
    );
    keep.abort();
}
