//! The network actor: one task owns the libp2p swarm; the rest of the node holds a cloneable
//! [`Net`] handle that sends it commands, and receives [`NetEvent`]s from it.
//!
//! Transports are TCP and QUIC with noise and yamux; identify (with an agent string that names no
//! group), ping, mDNS (optional), Kademlia under our own protocol name, and the sync protocol
//! `/commonground/sync/2` over request-response with CBOR. Connections, pending dials, streams,
//! message sizes and memory are all bounded.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use commonground_protocol::GroupId;
use commonground_protocol::sync::{MAX_MESSAGE_BYTES, PROTOCOL, Request, Response};
use libp2p::futures::StreamExt;
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel, cbor};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    Multiaddr, PeerId, StreamProtocol, Swarm, SwarmBuilder, connection_limits, identify, identity,
    kad, mdns, memory_connection_limits, multiaddr::Protocol, noise, ping, tcp, yamux,
};
use serde::Serialize;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new(PROTOCOL);
/// The sync protocol of the previous release: answered only with "upgrade to version 2".
const PREVIOUS_PROTOCOL: StreamProtocol =
    StreamProtocol::new(commonground_protocol::sync::PREVIOUS);
/// Kademlia under a name of our own, never the public IPFS DHT's.
const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/commonground/kad/1.0.0");
/// What identify says about us: the program, never the group.
const AGENT: &str = concat!("commonground/", env!("CARGO_PKG_VERSION"));
/// Commands waiting for the network actor.
const COMMANDS: usize = 256;
/// Events waiting for the node.
const EVENTS: usize = 256;

/// Why a request to a peer failed.
#[derive(Debug, Error, Clone)]
pub enum NetError {
    /// The request could not be delivered or answered.
    #[error("request to {peer} failed: {reason}")]
    Failed {
        /// The peer.
        peer: String,
        /// Why.
        reason: String,
    },
    /// The network actor has stopped.
    #[error("the network has stopped")]
    Stopped,
    /// Not a valid address or peer.
    #[error("{0}")]
    Invalid(String),
}

/// Network settings.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// Addresses to listen on.
    pub listen: Vec<Multiaddr>,
    /// Nodes to dial at start.
    pub bootstrap: Vec<Multiaddr>,
    /// Whether to find peers on the local network with mDNS.
    pub mdns: bool,
}

/// What the network tells the node.
#[derive(Debug)]
pub enum NetEvent {
    /// A first connection to a peer.
    Connected(GroupId),
    /// The last connection to a peer closed.
    Disconnected(GroupId),
    /// A peer's request, to be answered through [`Net::respond`].
    Inbound {
        /// The peer.
        peer: GroupId,
        /// Its request.
        request: Request,
        /// Where the answer goes.
        channel: ResponseChannel<Response>,
    },
}

/// A connected peer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeerInfo {
    /// The peer's group id.
    pub group: String,
    /// Addresses it is connected on.
    pub addrs: Vec<String>,
    /// Unix seconds since when it is connected.
    pub since: u64,
}

/// The network's state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NetStatus {
    /// Full listen multiaddrs, ending in `/p2p/<peer id>`.
    pub listen: Vec<String>,
    /// The addresses to give other machines (invites, the network document): confirmed
    /// external ones first, never loopback unless there is nothing else (see
    /// `protocol::network::shareable_addrs`).
    pub shareable: Vec<String>,
    /// Connected peers.
    pub peers: Vec<PeerInfo>,
}

enum Command {
    Request {
        peer: PeerId,
        addrs: Vec<Multiaddr>,
        request: Request,
        reply: oneshot::Sender<Result<Response, NetError>>,
    },
    Respond {
        channel: ResponseChannel<Response>,
        response: Response,
    },
    Dial(Multiaddr),
    DialPeer(PeerId, Vec<Multiaddr>),
    Disconnect(PeerId),
    Find {
        peer: PeerId,
        reply: oneshot::Sender<Vec<Multiaddr>>,
    },
    Status(oneshot::Sender<NetStatus>),
}

/// Sync traffic counters: CBOR-encoded bytes and messages of `/commonground/sync/2`, both ways.
#[derive(Debug, Default)]
pub struct Traffic {
    /// Bytes of requests and responses sent.
    pub sent: AtomicU64,
    /// Bytes of requests and responses received.
    pub received: AtomicU64,
    /// Requests sent.
    pub requests: AtomicU64,
}

impl Traffic {
    /// (bytes sent, bytes received, requests sent) so far.
    pub fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.sent.load(Ordering::Relaxed),
            self.received.load(Ordering::Relaxed),
            self.requests.load(Ordering::Relaxed),
        )
    }
}

/// The CBOR-encoded size of a message, as the codec writes it.
fn encoded_len<T: serde::Serialize>(value: &T) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len() as u64;
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = ciborium::into_writer(value, &mut c);
    c.0
}

/// A handle to the network actor.
#[derive(Clone)]
pub struct Net {
    tx: mpsc::Sender<Command>,
    traffic: Arc<Traffic>,
}

/// The peer id of a group.
pub fn peer_of(group: &GroupId) -> Result<PeerId, NetError> {
    group
        .to_string()
        .parse()
        .map_err(|_| NetError::Invalid(format!("not a peer id: {group}")))
}

fn group_of(peer: &PeerId) -> Option<GroupId> {
    peer.to_string().parse().ok()
}

impl Net {
    /// The sync traffic counters.
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// Sends a request to a peer (dialing it, with `addrs` as hints, if not connected).
    pub async fn request(
        &self,
        peer: &GroupId,
        addrs: Vec<Multiaddr>,
        request: Request,
    ) -> Result<Response, NetError> {
        let (reply, rx) = oneshot::channel();
        let peer = peer_of(peer)?;
        self.tx
            .send(Command::Request {
                peer,
                addrs,
                request,
                reply,
            })
            .await
            .map_err(|_| NetError::Stopped)?;
        rx.await.map_err(|_| NetError::Stopped)?
    }

    /// Answers an inbound request.
    pub async fn respond(&self, channel: ResponseChannel<Response>, response: Response) {
        let _ = self.tx.send(Command::Respond { channel, response }).await;
    }

    /// Dials an address.
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), NetError> {
        self.tx
            .send(Command::Dial(addr))
            .await
            .map_err(|_| NetError::Stopped)
    }

    /// Dials a group's node with every usable address it is known by (the swarm tries them
    /// together and checks the peer id, so one that leads elsewhere cannot fail the dial).
    pub async fn dial_peer(&self, group: &GroupId, addrs: &[String]) -> Result<(), NetError> {
        let peer = peer_of(group)?;
        let addrs = parse_addrs(&commonground_protocol::network::dialable_addrs(addrs));
        self.tx
            .send(Command::DialPeer(peer, addrs))
            .await
            .map_err(|_| NetError::Stopped)
    }

    /// Looks up a group's node's current addresses in the Kademlia DHT (our own, never the
    /// public one) and dials it if found. Returns the addresses found (empty if none).
    pub async fn find(&self, group: &GroupId) -> Result<Vec<Multiaddr>, NetError> {
        let peer = peer_of(group)?;
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Find { peer, reply })
            .await
            .map_err(|_| NetError::Stopped)?;
        rx.await.map_err(|_| NetError::Stopped)
    }

    /// Closes every connection to a group's node.
    pub async fn disconnect(&self, group: &GroupId) -> Result<(), NetError> {
        let peer = peer_of(group)?;
        self.tx
            .send(Command::Disconnect(peer))
            .await
            .map_err(|_| NetError::Stopped)
    }

    /// Listen addresses and connected peers.
    pub async fn status(&self) -> Result<NetStatus, NetError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::Status(tx))
            .await
            .map_err(|_| NetError::Stopped)?;
        rx.await.map_err(|_| NetError::Stopped)
    }
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    // The behaviours that may deny a connection come first. The derive asks each field in
    // order and stops at the first denial, and request-response (libp2p-request-response
    // 0.30) records a connection as soon as it is asked: a denial by a later field leaves it a
    // connection that never closes, so a request to that peer waits on no handler instead of
    // dialling, and a debug build panics when the peer's last real connection closes
    // (rust-libp2p PR #6601). Seen when a member restarted at a new address while the old
    // connection lingered: the new one went over the per-peer limit.
    limits: connection_limits::Behaviour,
    memory: memory_connection_limits::Behaviour,
    sync: cbor::Behaviour<Request, Response>,
    previous: cbor::Behaviour<Request, Response>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    mdns: Toggle<mdns::tokio::Behaviour>,
    kad: kad::Behaviour<kad::store::MemoryStore>,
}

fn build(key: identity::Keypair, mdns_on: bool) -> Result<Swarm<Behaviour>, NetError> {
    let err = |e: &dyn std::fmt::Display| NetError::Invalid(format!("cannot set up libp2p: {e}"));
    let swarm = SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| err(&e))?
        .with_quic()
        .with_behaviour(|key| {
            let peer_id = key.public().to_peer_id();
            let codec = cbor::codec::Codec::<Request, Response>::default()
                .set_request_size_maximum(MAX_MESSAGE_BYTES)
                .set_response_size_maximum(MAX_MESSAGE_BYTES);
            let sync = cbor::Behaviour::with_codec(
                codec,
                [(SYNC_PROTOCOL, ProtocolSupport::Full)],
                request_response::Config::default()
                    .with_request_timeout(Duration::from_secs(60))
                    .with_max_concurrent_streams(64),
            );
            // Inbound only: this node never asks in the old protocol; it tells whoever does which
            // version it needs. Small limits: nothing of an old request is used.
            let previous = cbor::Behaviour::with_codec(
                cbor::codec::Codec::<Request, Response>::default()
                    .set_request_size_maximum(MAX_MESSAGE_BYTES)
                    .set_response_size_maximum(64 * 1024),
                [(PREVIOUS_PROTOCOL, ProtocolSupport::Inbound)],
                request_response::Config::default()
                    .with_request_timeout(Duration::from_secs(10))
                    .with_max_concurrent_streams(4),
            );
            let identify = identify::Behaviour::new(
                identify::Config::new("/commonground/id/1".into(), key.public())
                    .with_agent_version(AGENT.into())
                    .with_interval(Duration::from_secs(300)),
            );
            let ping =
                ping::Behaviour::new(ping::Config::new().with_interval(Duration::from_secs(15)));
            let mdns = Toggle::from(if mdns_on {
                Some(mdns::tokio::Behaviour::new(
                    mdns::Config::default(),
                    peer_id,
                )?)
            } else {
                None
            });
            let mut kad_cfg = kad::Config::new(KAD_PROTOCOL);
            kad_cfg.set_query_timeout(Duration::from_secs(30));
            let mut kad = kad::Behaviour::with_config(
                peer_id,
                kad::store::MemoryStore::new(peer_id),
                kad_cfg,
            );
            kad.set_mode(Some(kad::Mode::Server));
            let limits = connection_limits::Behaviour::new(
                connection_limits::ConnectionLimits::default()
                    .with_max_pending_incoming(Some(32))
                    .with_max_pending_outgoing(Some(32))
                    .with_max_established_incoming(Some(128))
                    .with_max_established_outgoing(Some(128))
                    .with_max_established_per_peer(Some(2))
                    .with_max_established(Some(256)),
            );
            let memory = memory_connection_limits::Behaviour::with_max_percentage(0.9);
            Ok(Behaviour {
                sync,
                previous,
                identify,
                ping,
                mdns,
                kad,
                limits,
                memory,
            })
        })
        .map_err(|e| err(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
        .build();
    Ok(swarm)
}

/// Starts the network actor: listens, dials the bootstrap nodes, and returns the handle, the
/// event stream and the task.
pub async fn start(
    secret: [u8; 32],
    config: NetConfig,
    cancel: CancellationToken,
) -> Result<(Net, mpsc::Receiver<NetEvent>, tokio::task::JoinHandle<()>), NetError> {
    let key = identity::Keypair::ed25519_from_bytes(secret)
        .map_err(|e| NetError::Invalid(format!("group key: {e}")))?;
    let mut swarm = build(key, config.mdns)?;
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| NetError::Invalid(format!("cannot listen on {addr}: {e}")))?;
    }
    // Wait until every listener has an address, so `status` is complete from the start.
    let mut pending = config.listen.len();
    let mut early = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while pending > 0 {
        match tokio::time::timeout_at(deadline, swarm.select_next_some()).await {
            Ok(SwarmEvent::NewListenAddr { address, .. }) => {
                info!(%address, "listening");
                pending -= 1;
            }
            Ok(SwarmEvent::ListenerError { error, .. })
            | Ok(SwarmEvent::ListenerClosed {
                reason: Err(error), ..
            }) => {
                return Err(NetError::Invalid(format!("cannot listen: {error}")));
            }
            Ok(other) => early.push(other),
            Err(_) => {
                return Err(NetError::Invalid(
                    "listening did not start within 10 s".into(),
                ));
            }
        }
    }
    for addr in &config.bootstrap {
        if let Err(e) = swarm.dial(addr.clone()) {
            warn!(%addr, error = %e, "cannot dial bootstrap address");
        }
    }
    let (tx, rx) = mpsc::channel(COMMANDS);
    let (events, events_rx) = mpsc::channel(EVENTS);
    let traffic = Arc::new(Traffic::default());
    let mut actor = Actor {
        swarm,
        rx,
        events,
        traffic: traffic.clone(),
        pending: HashMap::new(),
        finding: HashMap::new(),
        connected: BTreeMap::new(),
    };
    for ev in early {
        actor.on_swarm(ev);
    }
    let task = tokio::spawn(async move { actor.run(cancel).await });
    Ok((Net { tx, traffic }, events_rx, task))
}

struct Actor {
    swarm: Swarm<Behaviour>,
    rx: mpsc::Receiver<Command>,
    events: mpsc::Sender<NetEvent>,
    traffic: Arc<Traffic>,
    pending: HashMap<OutboundRequestId, oneshot::Sender<Result<Response, NetError>>>,
    connected: BTreeMap<PeerId, (Vec<Multiaddr>, SystemTime)>,
    /// Kademlia lookups of members' current addresses, by query.
    finding: HashMap<kad::QueryId, (PeerId, oneshot::Sender<Vec<Multiaddr>>)>,
}

impl Actor {
    async fn run(mut self, cancel: CancellationToken) {
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break,
                Some(cmd) = self.rx.recv() => self.on_command(cmd),
                ev = self.swarm.select_next_some() => self.on_swarm(ev),
            }
        }
        info!("network stopped");
    }

    /// `addrs` without this node's own listen addresses: on another machine's invite, a
    /// loopback address with our own port leads back here, and that must not fail the dial.
    fn not_ours(&self, addrs: Vec<Multiaddr>) -> Vec<Multiaddr> {
        let strip = |a: &Multiaddr| -> Multiaddr {
            a.iter()
                .filter(|p| !matches!(p, Protocol::P2p(_)))
                .collect()
        };
        let ours: Vec<Multiaddr> = self.swarm.listeners().map(strip).collect();
        addrs
            .into_iter()
            .filter(|a| !ours.contains(&strip(a)))
            .collect()
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Request {
                peer,
                addrs,
                request,
                reply,
            } => {
                self.traffic
                    .sent
                    .fetch_add(encoded_len(&request), Ordering::Relaxed);
                self.traffic.requests.fetch_add(1, Ordering::Relaxed);
                let addrs = self.not_ours(addrs);
                let id = self
                    .swarm
                    .behaviour_mut()
                    .sync
                    .send_request_with_addresses(&peer, request, addrs);
                self.pending.insert(id, reply);
            }
            Command::Respond { channel, response } => {
                self.traffic
                    .sent
                    .fetch_add(encoded_len(&response), Ordering::Relaxed);
                if self
                    .swarm
                    .behaviour_mut()
                    .sync
                    .send_response(channel, response)
                    .is_err()
                {
                    debug!("response not sent: the peer is gone");
                }
            }
            Command::Dial(addr) => {
                if let Err(e) = self.swarm.dial(addr.clone()) {
                    warn!(%addr, error = %e, "dial failed");
                }
            }
            Command::DialPeer(peer, addrs) => {
                let addrs = self.not_ours(addrs);
                let opts = libp2p::swarm::dial_opts::DialOpts::peer_id(peer)
                    .addresses(addrs)
                    .condition(libp2p::swarm::dial_opts::PeerCondition::DisconnectedAndNotDialing)
                    .build();
                if let Err(e) = self.swarm.dial(opts) {
                    debug!(%peer, error = %e, "dial not started");
                }
            }
            Command::Disconnect(peer) => {
                let _ = self.swarm.disconnect_peer_id(peer);
            }
            Command::Find { peer, reply } => {
                // Bounded: at most 64 lookups in flight; more are answered "nothing found".
                if self.finding.len() < 64 {
                    let id = self.swarm.behaviour_mut().kad.get_closest_peers(peer);
                    self.finding.insert(id, (peer, reply));
                } else {
                    let _ = reply.send(Vec::new());
                }
            }
            Command::Status(reply) => {
                let me = *self.swarm.local_peer_id();
                let listen: Vec<String> = self
                    .swarm
                    .listeners()
                    .map(|a| a.clone().with(Protocol::P2p(me)).to_string())
                    .collect();
                let external: Vec<String> = self
                    .swarm
                    .external_addresses()
                    .map(|a| a.clone().with(Protocol::P2p(me)).to_string())
                    .collect();
                let shareable = commonground_protocol::network::shareable_addrs(&external, &listen);
                let peers = self
                    .connected
                    .iter()
                    .map(|(p, (addrs, since))| PeerInfo {
                        group: p.to_string(),
                        addrs: addrs.iter().map(|a| a.to_string()).collect(),
                        since: since
                            .duration_since(SystemTime::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs()),
                    })
                    .collect();
                let _ = reply.send(NetStatus {
                    listen,
                    shareable,
                    peers,
                });
            }
        }
    }

    fn emit(&self, event: NetEvent) {
        if let Err(e) = self.events.try_send(event) {
            // A full queue means the node is overloaded: an unanswered request times out at the
            // peer, which retries in its next session.
            warn!(error = %e, "dropping a network event: the node is busy");
        }
    }

    fn on_swarm(&mut self, ev: SwarmEvent<BehaviourEvent>) {
        match ev {
            SwarmEvent::NewListenAddr { address, .. } => info!(%address, "listening"),
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint,
                num_established,
                ..
            } => {
                let entry = self
                    .connected
                    .entry(peer_id)
                    .or_insert_with(|| (Vec::new(), SystemTime::now()));
                entry.0.push(endpoint.get_remote_address().clone());
                if num_established.get() == 1 {
                    debug!(peer = %peer_id, "connected");
                    if let Some(g) = group_of(&peer_id) {
                        self.emit(NetEvent::Connected(g));
                    }
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established,
                endpoint,
                ..
            } => {
                if let Some(entry) = self.connected.get_mut(&peer_id) {
                    entry.0.retain(|a| a != endpoint.get_remote_address());
                }
                if num_established == 0 {
                    self.connected.remove(&peer_id);
                    debug!(peer = %peer_id, "disconnected");
                    if let Some(g) = group_of(&peer_id) {
                        self.emit(NetEvent::Disconnected(g));
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Sync(ev)) => self.on_sync(ev),
            SwarmEvent::Behaviour(BehaviourEvent::Previous(ev)) => self.on_previous(ev),
            // A connection whose pings fail is dead (a cut link): close it, so that the peer
            // counts as gone and is redialled, instead of waiting minutes for TCP to give up.
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event {
                peer,
                connection,
                result: Err(error),
            })) => {
                debug!(%peer, %error, "ping failed; closing the connection");
                self.swarm.close_connection(connection);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                for addr in info.listen_addrs.into_iter().take(16) {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id,
                result: kad::QueryResult::GetClosestPeers(result),
                step,
                ..
            })) => self.on_found(id, result, step.last),
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
                for (peer, addr) in found {
                    debug!(%peer, %addr, "found by mDNS");
                    self.swarm.add_peer_address(peer, addr.clone());
                    self.swarm.behaviour_mut().kad.add_address(&peer, addr);
                    if !self.swarm.is_connected(&peer) {
                        let _ = self.swarm.dial(peer);
                    }
                }
            }
            _ => {}
        }
    }

    /// A Kademlia lookup of a member's addresses progressed: dial it with what was found.
    fn on_found(
        &mut self,
        id: kad::QueryId,
        result: Result<kad::GetClosestPeersOk, kad::GetClosestPeersError>,
        last: bool,
    ) {
        let peers = match result {
            Ok(ok) => ok.peers,
            Err(kad::GetClosestPeersError::Timeout { peers, .. }) => peers,
        };
        let Some((target, _)) = self.finding.get(&id) else {
            return;
        };
        let target = *target;
        let found: Vec<Multiaddr> = peers
            .into_iter()
            .filter(|p| p.peer_id == target)
            .flat_map(|p| p.addrs)
            .take(16)
            .collect();
        if found.is_empty() && !last {
            return;
        }
        if let Some((_, reply)) = self.finding.remove(&id) {
            for a in &found {
                self.swarm.add_peer_address(target, a.clone());
            }
            if !found.is_empty() && !self.swarm.is_connected(&target) {
                let _ = self.swarm.dial(target);
            }
            debug!(peer = %target, found = found.len(), "looked up a member's addresses");
            let _ = reply.send(found);
        }
    }

    /// A node of the previous release asked something: it is told which version it needs, and
    /// nothing else happens (no offence, no disconnect: it is honest, only old).
    fn on_previous(&mut self, ev: request_response::Event<Request, Response>) {
        match ev {
            request_response::Event::Message {
                peer,
                message: request_response::Message::Request { channel, .. },
                ..
            } => {
                debug!(%peer, "a node of the previous release asked; told it to upgrade");
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .previous
                    .send_response(channel, commonground_protocol::sync::upgrade_needed());
            }
            other => debug!(?other, "previous-protocol event"),
        }
    }

    fn on_sync(&mut self, ev: request_response::Event<Request, Response>) {
        match ev {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    self.traffic
                        .received
                        .fetch_add(encoded_len(&request), Ordering::Relaxed);
                    match group_of(&peer) {
                        Some(g) => self.emit(NetEvent::Inbound {
                            peer: g,
                            request,
                            channel,
                        }),
                        None => {
                            warn!(%peer, "request from a peer whose key is not ed25519; disconnecting");
                            let _ = self.swarm.disconnect_peer_id(peer);
                        }
                    }
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    self.traffic
                        .received
                        .fetch_add(encoded_len(&response), Ordering::Relaxed);
                    if let Some(reply) = self.pending.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                if matches!(error, request_response::OutboundFailure::Timeout) {
                    // No answer in time: treat the connection as dead (see the ping arm).
                    let _ = self.swarm.disconnect_peer_id(peer);
                }
                if let Some(reply) = self.pending.remove(&request_id) {
                    let _ = reply.send(Err(NetError::Failed {
                        peer: peer.to_string(),
                        reason: error.to_string(),
                    }));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                // A request we could not even decode is junk: the peer is disconnected.
                if let request_response::InboundFailure::Io(e) = &error {
                    warn!(%peer, error = %e, "unreadable request; disconnecting the peer");
                    let _ = self.swarm.disconnect_peer_id(peer);
                } else {
                    debug!(%peer, %error, "inbound request failed");
                }
            }
            _ => {}
        }
    }
}

/// The addresses of `addrs` that parse as multiaddrs.
pub fn parse_addrs(addrs: &[String]) -> Vec<Multiaddr> {
    addrs.iter().filter_map(|a| a.parse().ok()).collect()
}
