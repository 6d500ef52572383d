//! A member's relay serves the members of its networks only: real nodes on loopback (a relay
//! and members of its network), and hand-made libp2p peers with a relay client. With the
//! members' own keys peers reserve slots on the relay and open a circuit between them (the
//! control); a stranger can neither reserve a slot nor open a circuit through the relay to a
//! member holding one, even while an invite of the relay's is open and its connection is let in
//! as a guest's. The one exception: to a member that told the relay an invite of its own is
//! open, a stranger may open a circuit (to redeem it), a few at most, and to no one else.
//!
//! The nodes run with `COMMONGROUND_TEST_AUTONAT_LAB` (AutoNAT counts loopback addresses and
//! probes within seconds; production counts only global ones), so that the relay learns it is
//! reachable and turns its relay on, as a node with a public address does.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::Daemon;
use commonground_node::daemon::AUTONAT_LAB;
use commonground_node::net::admission::GUEST_CIRCUITS;
use commonground_protocol::sync::{INVITE_OPEN_PROTOCOL, InviteOpen, InviteOpenAck};
use libp2p::futures::StreamExt;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, ProtocolSupport, cbor};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm, identity, noise, relay, tcp, yamux};

/// How long the nodes may take to find out they are reachable, or a peer to be answered.
const WAIT: Duration = Duration::from_secs(30);

#[derive(NetworkBehaviour)]
struct Client {
    relay: relay::client::Behaviour,
    // A node closes a connection that does not answer its pings.
    ping: libp2p::ping::Behaviour,
    // A member tells the relay holding its slot that an invite of its is open.
    notice: cbor::Behaviour<InviteOpen, InviteOpenAck>,
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
            notice: cbor::Behaviour::new(
                [(
                    StreamProtocol::new(INVITE_OPEN_PROTOCOL),
                    ProtocolSupport::Outbound,
                )],
                request_response::Config::default(),
            ),
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
    key_in(&node.data_dir)
}

/// The group key of the node whose data directory is `dir`/`name`.
fn key_of_peer(dir: &tempfile::TempDir, name: &str) -> identity::Keypair {
    key_in(&dir.path().join(name))
}

/// The group key kept in the data directory `data`.
fn key_in(data: &std::path::Path) -> identity::Keypair {
    let hex = std::fs::read_to_string(data.join("identity.key")).unwrap();
    let mut secret = [0u8; 32];
    for (i, byte) in secret.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex.trim()[2 * i..2 * i + 2], 16).unwrap();
    }
    identity::Keypair::ed25519_from_bytes(secret).unwrap()
}

/// What became of dialling `peer` through a relay at `through`: connected, or why not.
async fn circuit(
    swarm: &mut Swarm<Client>,
    through: &Multiaddr,
    peer: PeerId,
) -> Result<(), String> {
    swarm.dial(through.clone()).unwrap();
    tokio::time::timeout(WAIT, async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::ConnectionEstablished {
                    peer_id, endpoint, ..
                } if peer_id == peer && endpoint.is_relayed() => {
                    return Ok(());
                }
                SwarmEvent::OutgoingConnectionError { peer_id, error, .. }
                    if peer_id == Some(peer) =>
                {
                    return Err(error.to_string());
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| Err("no answer in time".into()))
}

/// Drives `swarm` in the background (it keeps its slot and answers circuits).
fn keep(mut swarm: Swarm<Client>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    })
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
    let relay_peer = PeerId::from(key_of(&r).public());
    assert!(
        r.ok(&["status"]).contains("relaying:  for members"),
        "`status` says the node relays"
    );
    let relay_log = || {
        eprintln!(
            "--- the relay's log ---\n{}",
            std::fs::read_to_string(&r.log).unwrap_or_default()
        )
    };

    // The control: peers with the members' keys (the members themselves stopped) get a slot.
    let member_key = key_of(&m);
    let member_peer = PeerId::from(member_key.public());
    let other_key = key_of(&m2);
    let other_peer = PeerId::from(other_key.public());
    m.stop();
    m2.stop();
    let mut member = client(member_key);
    let slot = reserve(&mut member, &relay_addr).await;
    if slot.is_err() {
        relay_log();
    }
    let slot = slot.expect("a member gets a slot on the relay");
    assert!(slot.to_string().contains("p2p-circuit"), "{slot}");
    let mut other = client(other_key);
    reserve(&mut other, &relay_addr)
        .await
        .expect("another member gets a slot on the relay");
    common::wait_for("the relay to count the slots", WAIT, || {
        (r.json(&["status"])["relayed_members"] == 2).then_some(())
    });
    let to_member = relay_addr
        .clone()
        .with(Protocol::P2pCircuit)
        .with(Protocol::P2p(member_peer));
    let to_other = relay_addr
        .clone()
        .with(Protocol::P2pCircuit)
        .with(Protocol::P2p(other_peer));

    // One member opens a circuit through the relay to the other.
    let keep_member = keep(member);
    let opened = circuit(&mut other, &to_member, member_peer).await;
    if opened.is_err() {
        relay_log();
    }
    assert_eq!(opened, Ok(()), "a member's circuit through {to_member}");

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
    // ...and no circuit to a member holding one.
    let refused = circuit(&mut stranger, &to_member, member_peer).await;
    assert!(refused.is_err(), "a stranger's circuit to {to_member}");

    // The exception: a member with an invite open says so to the relay holding its slot...
    keep_member.abort();
    let _ = keep_member.await;
    let mut member = client(key_of_peer(&dir, "m"));
    reserve(&mut member, &relay_addr)
        .await
        .expect("the member takes its slot again");
    member
        .behaviour_mut()
        .notice
        .send_request(&relay_peer, InviteOpen { for_secs: 600 });
    let ack = tokio::time::timeout(WAIT, async {
        loop {
            if let SwarmEvent::Behaviour(ClientEvent::Notice(request_response::Event::Message {
                message: request_response::Message::Response { response, .. },
                ..
            })) = member.select_next_some().await
            {
                return response;
            }
        }
    })
    .await
    .expect("the relay answers the member's notice");
    assert_eq!(
        ack.for_secs, 600,
        "the relay lets strangers through for 10 min"
    );
    let keep_member = keep(member);
    // ...and a stranger (a group redeeming it) opens a circuit to that member, while it still
    // gets no slot...
    let mut guest = client(identity::Keypair::generate_ed25519());
    let opened = circuit(&mut guest, &to_member, member_peer).await;
    if opened.is_err() {
        relay_log();
    }
    assert_eq!(
        opened,
        Ok(()),
        "a circuit to the member with an invite open"
    );
    assert!(
        reserve(&mut guest, &relay_addr).await.is_err(),
        "a relay guest got a slot"
    );
    assert_eq!(
        r.json(&["status"])["relayed_members"],
        2,
        "the strangers hold no slot"
    );
    // ...a few more, and then no more (the rest refused, the guest left connected)...
    for n in 2..=GUEST_CIRCUITS {
        assert_eq!(
            circuit(&mut guest, &to_member, member_peer).await,
            Ok(()),
            "a relay guest's circuit {n}"
        );
    }
    assert!(
        circuit(&mut guest, &to_member, member_peer).await.is_err(),
        "a relay guest's circuit beyond {GUEST_CIRCUITS} was opened"
    );
    // ...and none to a member that has no invite open.
    let keep_other = keep(other);
    let mut prowler = client(identity::Keypair::generate_ed25519());
    let refused = circuit(&mut prowler, &to_other, other_peer).await;
    assert!(
        refused.is_err(),
        "a stranger's circuit to a member with no invite open"
    );
    keep_member.abort();
    keep_other.abort();
}
