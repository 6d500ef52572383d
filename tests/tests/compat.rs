//! A node of the previous release (speaking only `/commonground/sync/3`, uncompressed CBOR) that
//! talks to this one
//! is told clearly which version it needs, and is not treated as an offender: it can ask again
//! and gets the same answer on the same connection. (Only members, and guests while an invite
//! is open, stay connected at all: here an invite is open, as when a group of the previous
//! release is invited.)

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestNode;
use commonground_protocol::ids::DocId;
use commonground_protocol::sync::{PREVIOUS, Refusal, Request, Response};
use libp2p::futures::StreamExt;
use libp2p::request_response::{self, ProtocolSupport, cbor};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, StreamProtocol, ping};

/// What a node of the previous release runs that matters here: sync under the old name, and
/// ping (without which the node closes the connection as dead).
#[derive(NetworkBehaviour)]
struct Old {
    sync: cbor::Behaviour<Request, Response>,
    ping: ping::Behaviour,
}

/// How long the old node waits for any one answer.
const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_of_the_previous_release_is_told_which_version_it_needs() {
    let node = TestNode::start("Coventry", vec![]).await;
    let net = node.create_network("Midlands").await;
    node.post_ok(
        &format!("/networks/{net}/invites"),
        serde_json::json!({"expires": "1h"}),
    )
    .await;
    let addr: Multiaddr = node.addr().await.parse().unwrap();
    let peer = node.node.group.to_string().parse().unwrap();

    // The old node: the same messages, under the old protocol name only.
    let mut old = common::raw_swarm(|_| Old {
        sync: cbor::Behaviour::<Request, Response>::new(
            [(StreamProtocol::new(PREVIOUS[0]), ProtocolSupport::Full)],
            request_response::Config::default(),
        ),
        ping: ping::Behaviour::new(ping::Config::new()),
    });
    old.dial(addr.clone()).unwrap();
    let hello = || Request::Hello {
        network: DocId::from_bytes([7; 16]),
        digest: [0; 32],
        changed: Vec::new(),
        catchup: Vec::new(),
        wanted: Vec::new(),
    };
    for round in 0..2 {
        let id = old.behaviour_mut().sync.send_request_with_addresses(
            &peer,
            hello(),
            vec![addr.clone()],
        );
        let answer = tokio::time::timeout(WAIT, async {
            loop {
                match old.select_next_some().await {
                    SwarmEvent::Behaviour(OldEvent::Sync(request_response::Event::Message {
                        message:
                            request_response::Message::Response {
                                request_id,
                                response,
                            },
                        ..
                    })) if request_id == id => return Ok(response),
                    SwarmEvent::Behaviour(OldEvent::Sync(
                        request_response::Event::OutboundFailure { error, .. },
                    )) => {
                        return Err(error.to_string());
                    }
                    _ => {}
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no answer to request {round}"));
        match answer {
            Ok(Response::Refused {
                reason: Refusal::Unavailable,
                message,
            }) => {
                assert!(
                    message.contains(commonground_protocol::sync::PROTOCOL)
                        && message.contains("upgrade"),
                    "{message}"
                );
            }
            other => panic!("round {round}: {other:?}"),
        }
        assert!(
            old.is_connected(&peer),
            "the old node must not be disconnected as an offender"
        );
    }
    node.stop().await;
}
