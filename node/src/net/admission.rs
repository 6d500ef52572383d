//! Who may stay connected, decided right after the handshake (when the peer id is known):
//! members of a network this node shares, and, while one of this node's invites is open, a few
//! guests for a short while so that they can redeem it (`Join` is the only request a non-member
//! is answered). Every other connection is closed at once.
//!
//! The gate also wraps a behaviour that only members may use (identify): on a guest's
//! connection it runs no handler at all, so a stranger learns none of this node's addresses or
//! protocols. libp2p has no per-connection switch for a behaviour; [`Gate`] gives the inner
//! behaviour a handler on member connections only and never tells it about the others.

use std::collections::{HashMap, HashSet};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use either::Either;
use libp2p::core::{Endpoint, transport::PortUse};
use libp2p::swarm::behaviour::{ConnectionClosed, ConnectionEstablished};
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, NotifyHandler, THandler,
    THandlerInEvent, THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{Multiaddr, PeerId};

/// How long a guest (a peer redeeming an invite) may stay connected.
pub const GUEST_GRACE: Duration = Duration::from_secs(30);
/// How many guests may be connected at once.
pub const MAX_GUESTS: usize = 8;

/// Why a connection was closed right after the handshake.
#[derive(Debug, thiserror::Error)]
#[error("not a member of any network this node shares, and no invite is open")]
pub struct NotAdmitted;

/// The connection gate around a members-only behaviour `B`.
pub struct Gate<B> {
    inner: B,
    members: HashSet<PeerId>,
    invites_open: bool,
    /// Guests and when their grace ends.
    guests: HashMap<PeerId, Instant>,
    /// Peers this node itself asked to talk to before they are members (the inviter it redeems
    /// an invite with), until when.
    expected: HashMap<PeerId, Instant>,
    /// Connections on which the inner behaviour runs, per peer.
    member_conns: HashMap<PeerId, Vec<ConnectionId>>,
    /// Connections that run no inner handler: the peer, and the address dialled when this node
    /// dialled it.
    guest_conns: HashMap<ConnectionId, (PeerId, Option<Multiaddr>)>,
}

impl<B: NetworkBehaviour> Gate<B> {
    /// A gate that admits nobody yet, around `inner`.
    pub fn new(inner: B) -> Self {
        Self {
            inner,
            members: HashSet::new(),
            invites_open: false,
            guests: HashMap::new(),
            expected: HashMap::new(),
            member_conns: HashMap::new(),
            guest_conns: HashMap::new(),
        }
    }

    /// Sets who may connect: the members of every network this node holds, and whether an
    /// invite of its own is open. Peers connected that may no longer stay are found with
    /// [`Gate::may_stay`].
    pub fn set_members(&mut self, members: HashSet<PeerId>, invites_open: bool) {
        // A guest that joined is a member now: it no longer takes a guest's place.
        self.guests.retain(|peer, _| !members.contains(peer));
        self.members = members;
        self.invites_open = invites_open;
    }

    /// The members-only behaviour.
    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }

    /// Whether `peer` is a member of a network this node shares.
    pub fn is_member(&self, peer: &PeerId) -> bool {
        self.members.contains(peer)
    }

    /// This node is about to ask `peer` something although it is no member yet (redeeming an
    /// invite): its connection is let in as a guest's.
    pub fn expect(&mut self, peer: PeerId, now: Instant) {
        self.expected.insert(peer, now + GUEST_GRACE);
    }

    /// Whether a connected `peer` may stay: a member, or a guest within its grace.
    pub fn may_stay(&self, peer: &PeerId, now: Instant) -> bool {
        self.members.contains(peer) || self.guests.get(peer).is_some_and(|until| *until > now)
    }

    /// Connections this node dialled as a guest's to a peer that is a member now (it redeemed
    /// an invite): they run none of the members' behaviours, so a fresh connection is to be
    /// dialled beside each, at the same address. (A guest's connection that came in is left
    /// alone: its dialler does the same.)
    /// Each is returned once (its address is taken).
    pub fn promoted(&mut self) -> Vec<(ConnectionId, PeerId, Multiaddr)> {
        let members = &self.members;
        self.guest_conns
            .iter_mut()
            .filter(|(_, (peer, _))| members.contains(peer))
            .filter_map(|(c, (peer, addr))| Some((*c, *peer, addr.take()?)))
            .collect()
    }

    /// Forgets guests and expected peers whose grace is over.
    pub fn expire(&mut self, now: Instant) {
        self.expected.retain(|_, until| *until > now);
        self.guests.retain(|_, until| *until > now);
    }

    /// Whether a connection to `peer` may be established, and whether it is a member's.
    fn admit(&mut self, peer: PeerId, inbound: bool) -> Result<bool, ConnectionDenied> {
        let now = Instant::now();
        if self.members.contains(&peer) {
            return Ok(true);
        }
        if self.guests.get(&peer).is_some_and(|until| *until > now) {
            return Ok(false);
        }
        if !inbound && self.expected.get(&peer).is_some_and(|until| *until > now) {
            self.guests.insert(peer, now + GUEST_GRACE);
            return Ok(false);
        }
        let members = &self.members;
        self.guests
            .retain(|peer, until| *until > now && !members.contains(peer));
        if inbound && self.invites_open && self.guests.len() < MAX_GUESTS {
            self.guests.insert(peer, now + GUEST_GRACE);
            return Ok(false);
        }
        Err(ConnectionDenied::new(NotAdmitted))
    }

    fn handler(
        &mut self,
        member: bool,
        connection: ConnectionId,
        peer: PeerId,
        dialled: Option<&Multiaddr>,
        inner: impl FnOnce(&mut B) -> Result<THandler<B>, ConnectionDenied>,
    ) -> Result<Either<THandler<B>, dummy::ConnectionHandler>, ConnectionDenied> {
        if member {
            let h = inner(&mut self.inner)?;
            self.member_conns.entry(peer).or_default().push(connection);
            Ok(Either::Left(h))
        } else {
            self.guest_conns
                .insert(connection, (peer, dialled.cloned()));
            Ok(Either::Right(dummy::ConnectionHandler))
        }
    }

    fn is_member_conn(&self, connection: &ConnectionId) -> bool {
        !self.guest_conns.contains_key(connection)
    }
}

impl<B: NetworkBehaviour> NetworkBehaviour for Gate<B> {
    type ConnectionHandler = Either<THandler<B>, dummy::ConnectionHandler>;
    type ToSwarm = B::ToSwarm;

    fn handle_pending_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        self.inner
            .handle_pending_inbound_connection(connection_id, local_addr, remote_addr)
    }

    fn handle_established_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        peer: PeerId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        let member = self.admit(peer, true)?;
        self.handler(member, connection_id, peer, None, |b| {
            b.handle_established_inbound_connection(connection_id, peer, local_addr, remote_addr)
        })
    }

    fn handle_pending_outbound_connection(
        &mut self,
        connection_id: ConnectionId,
        maybe_peer: Option<PeerId>,
        addresses: &[Multiaddr],
        effective_role: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        self.inner.handle_pending_outbound_connection(
            connection_id,
            maybe_peer,
            addresses,
            effective_role,
        )
    }

    fn handle_established_outbound_connection(
        &mut self,
        connection_id: ConnectionId,
        peer: PeerId,
        addr: &Multiaddr,
        role_override: Endpoint,
        port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        let member = self.admit(peer, false)?;
        self.handler(member, connection_id, peer, Some(addr), |b| {
            b.handle_established_outbound_connection(
                connection_id,
                peer,
                addr,
                role_override,
                port_use,
            )
        })
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        // The inner behaviour never hears of the connections it has no handler on, and counts
        // only the others: a peer may have a guest's connection beside a member's (it joined
        // while connected), and libp2p's request-response (inside AutoNAT) asserts that its
        // own list of a peer's connections is empty exactly when the count says none remain.
        match event {
            FromSwarm::ConnectionEstablished(e) => {
                if !self.is_member_conn(&e.connection_id) {
                    return;
                }
                let other_established = self
                    .member_conns
                    .get(&e.peer_id)
                    .map_or(0, |cs| cs.iter().filter(|c| **c != e.connection_id).count());
                self.inner.on_swarm_event(FromSwarm::ConnectionEstablished(
                    ConnectionEstablished {
                        other_established,
                        ..e
                    },
                ));
            }
            FromSwarm::AddressChange(e) if !self.is_member_conn(&e.connection_id) => {}
            FromSwarm::ConnectionClosed(e) => {
                if self.guest_conns.remove(&e.connection_id).is_some() {
                    return;
                }
                let mut remaining_established = 0;
                if let Some(conns) = self.member_conns.get_mut(&e.peer_id) {
                    conns.retain(|c| *c != e.connection_id);
                    remaining_established = conns.len();
                    if conns.is_empty() {
                        self.member_conns.remove(&e.peer_id);
                    }
                }
                self.inner
                    .on_swarm_event(FromSwarm::ConnectionClosed(ConnectionClosed {
                        remaining_established,
                        ..e
                    }));
            }
            other => self.inner.on_swarm_event(other),
        }
    }

    fn on_connection_handler_event(
        &mut self,
        peer_id: PeerId,
        connection_id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {
            Either::Left(e) => self
                .inner
                .on_connection_handler_event(peer_id, connection_id, e),
            Either::Right(never) => libp2p::core::util::unreachable(never),
        }
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        loop {
            let ev = match self.inner.poll(cx) {
                Poll::Ready(ev) => ev,
                Poll::Pending => return Poll::Pending,
            };
            // An event for a handler goes to a member connection of that peer, never to a
            // guest's (whose handler could not take it).
            let ev = match ev {
                ToSwarm::NotifyHandler {
                    peer_id,
                    handler,
                    event,
                } => {
                    let target = match handler {
                        // By connection alone: the swarm delivers to the connection and ignores
                        // `peer_id`, and libp2p-relay 0.22 names the circuit's source there when
                        // it notifies the destination's connection (checked against the peer,
                        // every member's circuit would be dropped, its stream closed unanswered).
                        NotifyHandler::One(c) => self
                            .member_conns
                            .values()
                            .any(|cs| cs.contains(&c))
                            .then_some(c),
                        NotifyHandler::Any => self
                            .member_conns
                            .get(&peer_id)
                            .and_then(|cs| cs.first().copied()),
                    };
                    match target {
                        Some(c) => ToSwarm::NotifyHandler {
                            peer_id,
                            handler: NotifyHandler::One(c),
                            event: Either::Left(event),
                        },
                        None => continue,
                    }
                }
                other => other.map_in(Either::Left),
            };
            return Poll::Ready(ev);
        }
    }
}
