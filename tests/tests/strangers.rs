//! Strangers learn nothing (PROTOCOL.md §2): a peer that is no member of a network a node
//! shares is disconnected right after the handshake, before identify can tell it any address;
//! while an invite is open it may stay a short while as a guest, and then it is answered `Join`
//! only, with identify still silent. A raw libp2p swarm plays the stranger, speaking every
//! protocol the node does.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestNode;
use commonground_node::net::codec::{Codec, Held, Inbound};
use commonground_protocol::ids::DocId;
use commonground_protocol::sync::{PROTOCOL, Refusal, Request, Response};
use libp2p::futures::StreamExt;
use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm, identify, ping};

#[derive(NetworkBehaviour)]
struct Stranger {
    identify: identify::Behaviour,
    sync: request_response::Behaviour<Codec>,
    ping: ping::Behaviour,
}

/// How long the stranger waits for anything.
const WAIT: Duration = Duration::from_secs(20);

fn stranger() -> Swarm<Stranger> {
    common::raw_swarm(|key| Stranger {
        identify: identify::Behaviour::new(identify::Config::new(
            "/commonground/id/1".into(),
            key.public(),
        )),
        sync: request_response::Behaviour::with_codec(
            Codec::default(),
            [(StreamProtocol::new(PROTOCOL), ProtocolSupport::Full)],
            request_response::Config::default(),
        ),
        ping: ping::Behaviour::new(ping::Config::new()),
    })
}

/// A network with two members, a and b, connected to each other.
async fn two_members() -> (TestNode, TestNode, String) {
    let a = TestNode::start("Coventry", vec![]).await;
    let b = TestNode::start("Birmingham", vec![]).await;
    let net = a.create_network("Midlands").await;
    a.admit(&net, &b).await;
    common::wait_until("a and b connected", Duration::from_secs(30), || async {
        let peers = a.ok("/peers").await;
        peers
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["group"] == b.group().as_str())
            .then_some(())
    })
    .await;
    (a, b, net)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stranger_is_disconnected_at_once_and_learns_no_address() {
    let (a, b, _net) = two_members().await;
    // b never invited anyone: no invite of its is open, so no guest is let in.
    let target: PeerId = b.group().parse().unwrap();
    let addr: Multiaddr = b.addr().await.parse().unwrap();
    let mut s = stranger();
    s.dial(addr).unwrap();
    let outcome = tokio::time::timeout(WAIT, async {
        let mut connected = false;
        loop {
            match s.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == target => {
                    connected = true;
                }
                SwarmEvent::Behaviour(StrangerEvent::Identify(identify::Event::Received {
                    info,
                    ..
                })) => return Err(format!("identify answered: {:?}", info.listen_addrs)),
                SwarmEvent::ConnectionClosed { peer_id, .. } if peer_id == target => {
                    return Ok(connected);
                }
                SwarmEvent::OutgoingConnectionError { .. } => return Ok(connected),
                _ => {}
            }
        }
    })
    .await
    .expect("the node kept the stranger's connection open");
    // The handshake may complete (the peer id is only known then), but the connection is
    // closed right after, and identify says nothing.
    assert!(outcome.is_ok(), "{outcome:?}");
    assert!(!s.is_connected(&target));
    for n in [a, b] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_guest_while_an_invite_is_open_is_answered_join_only_and_told_nothing() {
    let (a, b, net) = two_members().await;
    // An open invite lets a guest in (to redeem it).
    a.post_ok(
        &format!("/networks/{net}/invites"),
        serde_json::json!({"expires": "1h"}),
    )
    .await;
    let target: PeerId = a.group().parse().unwrap();
    let addr: Multiaddr = a.addr().await.parse().unwrap();
    let mut s = stranger();
    let network: DocId = net.parse().unwrap();
    let hello = || Request::Hello {
        network,
        digest: [0; 32],
        changed: vec![],
        catchup: vec![],
        wanted: vec![],
    };
    let id = s.behaviour_mut().sync.send_request_with_addresses(
        &target,
        Inbound::Read(hello(), Held::default()),
        vec![addr],
    );
    // The stranger's identify asks as soon as it connects; the node runs no identify on a
    // guest's connection, so that fails. The Hello is answered with a refusal.
    let (answer, identify_failed) = tokio::time::timeout(WAIT, async {
        let (mut answer, mut identify_failed) = (None, false);
        while answer.is_none() || !identify_failed {
            match s.select_next_some().await {
                SwarmEvent::Behaviour(StrangerEvent::Identify(identify::Event::Received {
                    info,
                    ..
                })) => panic!("identify answered a guest: {:?}", info.listen_addrs),
                SwarmEvent::Behaviour(StrangerEvent::Identify(identify::Event::Error {
                    ..
                })) => identify_failed = true,
                SwarmEvent::Behaviour(StrangerEvent::Sync(request_response::Event::Message {
                    message:
                        request_response::Message::Response {
                            request_id,
                            response,
                        },
                    ..
                })) if request_id == id => answer = Some(response),
                SwarmEvent::Behaviour(StrangerEvent::Sync(
                    request_response::Event::OutboundFailure { error, .. },
                )) => panic!("no answer: {error}"),
                _ => {}
            }
        }
        (answer, identify_failed)
    })
    .await
    .expect("an answer to Hello, and identify's failure");
    assert!(identify_failed);
    match answer {
        Some(Response::Refused {
            reason: Refusal::NotMember,
            message,
        }) => {
            // The refusal names no member, address or document.
            assert!(!message.contains(&b.group()), "{message}");
            assert!(!message.contains("/ip4/"), "{message}");
        }
        other => panic!("a guest got {other:?}"),
    }
    // More refusals are counted in the metrics (and logged once a minute, `net::refusals`).
    let more = 5;
    let mut waiting = std::collections::HashSet::new();
    for _ in 0..more {
        waiting.insert(
            s.behaviour_mut()
                .sync
                .send_request(&target, Inbound::Read(hello(), Held::default())),
        );
    }
    tokio::time::timeout(WAIT, async {
        while !waiting.is_empty() {
            if let SwarmEvent::Behaviour(StrangerEvent::Sync(request_response::Event::Message {
                message: request_response::Message::Response { request_id, .. },
                ..
            })) = s.select_next_some().await
            {
                waiting.remove(&request_id);
            }
        }
    })
    .await
    .expect("every Hello answered");
    let metrics = a.metrics().await;
    assert!(
        metrics.contains(&format!(
            "commonground_sync_refused_total{{reason=\"not_member\"}} {}",
            more + 1
        )),
        "{metrics}"
    );
    for n in [a, b] {
        n.stop().await;
    }
}

async fn read_all<T: AsyncRead + Unpin + Send>(io: &mut T) -> std::io::Result<Vec<u8>> {
    let mut b = Vec::new();
    io.read_to_end(&mut b).await?;
    Ok(b)
}

/// A codec that sends whatever bytes it is given on the sync protocol: a peer that speaks the
/// protocol badly.
#[derive(Clone, Default)]
struct Raw;

impl request_response::Codec for Raw {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        read_all(io).await
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        read_all(io).await
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> std::io::Result<()> {
        io.write_all(&req).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> std::io::Result<()> {
        io.write_all(&res).await
    }
}

fn garbler() -> Swarm<request_response::Behaviour<Raw>> {
    common::raw_swarm(|_| {
        request_response::Behaviour::with_codec(
            Raw,
            [(StreamProtocol::new(PROTOCOL), ProtocolSupport::Full)],
            request_response::Config::default(),
        )
    })
}

/// PROTOCOL.md §2: a request that cannot be read (bad bytes, or more than 64 MiB) gets no answer
/// and its sender is disconnected (request-response itself only logs such a request at debug
/// level; `net::codec::Inbound` hands it on). Here a guest, let in while an invite is open,
/// sends garbage, and then more than the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_peer_sending_garbage_or_oversize_requests_is_disconnected() {
    let (a, b, net) = two_members().await;
    a.post_ok(
        &format!("/networks/{net}/invites"),
        serde_json::json!({"expires": "1h"}),
    )
    .await;
    let target: PeerId = a.group().parse().unwrap();
    let addr: Multiaddr = a.addr().await.parse().unwrap();
    // Sends `bytes` as a request from a new peer; whether it was answered, once the node closed
    // the connection.
    let send = |bytes: Vec<u8>| {
        let (target, addr) = (target, addr.clone());
        async move {
            let mut g = garbler();
            g.behaviour_mut()
                .send_request_with_addresses(&target, bytes, vec![addr]);
            tokio::time::timeout(WAIT, async {
                let (mut answered, mut connected) = (false, false);
                loop {
                    match g.select_next_some().await {
                        SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == target => {
                            connected = true;
                        }
                        SwarmEvent::Behaviour(request_response::Event::Message { .. }) => {
                            answered = true;
                        }
                        SwarmEvent::ConnectionClosed { peer_id, .. } if peer_id == target => {
                            assert!(connected, "let in as a guest");
                            return answered;
                        }
                        _ => {}
                    }
                }
            })
            .await
            .expect("the node closes the connection")
        }
    };
    let malformed = |n: u32| format!("commonground_sync_refused_total{{reason=\"malformed\"}} {n}");
    // The node lets guests in once it has seen the invite; until then a guest's connection is
    // closed before any request is read. Garbage until one is read (and counted).
    common::wait_until(
        "garbage read, refused and its sender disconnected",
        WAIT,
        || async {
            assert!(
                !send(b"not a sync message at all".to_vec()).await,
                "garbage answered"
            );
            a.metrics().await.contains(&malformed(1)).then_some(())
        },
    )
    .await;
    // More than the limit: not answered, disconnected.
    let oversize = vec![0u8; (commonground_protocol::sync::MAX_MESSAGE_BYTES + 1024) as usize];
    assert!(!send(oversize).await, "oversize answered");
    for n in [a, b] {
        n.stop().await;
    }
}
