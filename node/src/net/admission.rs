//! Who may stay connected, decided right after the handshake (when the peer id is known):
//! members of a network this node shares, and, while an invite is open, a few guests for a
//! short while so that they can redeem it (`Join` is the only request a non-member is
//! answered). Every other connection is closed at once.
//!
//! The gate also wraps the behaviours that only members may use (identify, AutoNAT, DCUtR, and
//! the relay on both sides): on a guest's connection it runs none of their handlers, so a
//! stranger learns none of this node's addresses or protocols. libp2p has no per-connection
//! switch for a behaviour; [`Gate`] gives the inner behaviours a handler on member connections
//! only and never tells them about the others.
//!
//! One exception, so that a group can redeem the invite of a member reachable only through a
//! relay: while a member holding a slot on this node's relay has told it that an invite of its
//! own is open ([`Gate::invite_open`]), a stranger's connection gets the relay's handler alone
//! (a *relay guest*), and may open a circuit through it to that member and no other: at most
//! [`GUEST_CIRCUITS`] of them (counted by the relay's own check of a circuit's source, which
//! refuses the rest cleanly), each closed after [`GUEST_GRACE`] or [`GUEST_CIRCUIT_BYTES`].
//! It can reserve no slot. On the joining side, the connection to the relay of the member it
//! redeems an invite with gets the relay client's handler alone. libp2p-relay 0.22 checks only
//! a circuit's source (its rate limiters see the source peer and address, never where the
//! circuit goes), so the destination is checked here, on the event that asks the destination's
//! connection to open the circuit (see [`Gate::poll`]).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use either::Either;
use libp2p::core::{Endpoint, transport::PortUse};
use libp2p::relay;
use libp2p::swarm::behaviour::{ConnectionClosed, ConnectionEstablished};
use libp2p::swarm::{
    CloseConnection, ConnectionDenied, ConnectionHandler, ConnectionHandlerSelect, ConnectionId,
    FromSwarm, NetworkBehaviour, NotifyHandler, THandler, THandlerInEvent, THandlerOutEvent,
    ToSwarm, dummy,
};
use libp2p::{Multiaddr, PeerId};
use tracing::debug;

use super::reach::is_relayed;

/// How long a guest (a peer redeeming an invite) may stay connected.
pub const GUEST_GRACE: Duration = Duration::from_secs(30);
/// How many guests may be connected at once.
pub const MAX_GUESTS: usize = 8;
/// How many of them may come from one host at once: an IPv4 address, or an IPv6 /64 (what one
/// host is usually given). Peer ids cost nothing to make, so without this one stranger could
/// hold every guest's place for as long as an invite is open, and the group invited would be
/// turned away. A guest over a relay's circuit comes from the relay's address and is not
/// counted here (the relay counts its own guests); nor is a guest on this machine (loopback:
/// another process here could read the store anyway). As for [`MAX_GUESTS`], a guest keeps its
/// place for its [`GUEST_GRACE`], or until it is a member, even once its connection closes.
pub const MAX_GUESTS_PER_HOST: usize = 2;
/// How many circuits a relay guest may ask for through this node's relay during its grace:
/// a joining node dials every relayed address of the inviter's at once (TCP and QUIC to the
/// relay), and may dial again once.
pub const GUEST_CIRCUITS: u32 = 4;
/// How many bytes a relay guest's circuit may carry (both ways) before it is closed: a `Join`
/// and its answer, the network document whole, with room to spare.
pub const GUEST_CIRCUIT_BYTES: u64 = 8 << 20;
/// The longest a member's "an invite of mine is open" is believed: it tells again on every
/// renewal of its slot (hourly).
pub const MAX_INVITE_NOTICE: Duration = Duration::from_secs(24 * 3600);

/// Why a connection was closed right after the handshake.
#[derive(Debug, thiserror::Error)]
#[error("not a member of any network this node shares, and no invite is open")]
pub struct NotAdmitted;

/// What the gate shares with the checks it adds to the relay's (which run inside the relay).
#[derive(Debug, Default)]
struct Shared {
    /// Members of the networks this node holds.
    members: HashSet<PeerId>,
    /// Circuits each relay guest asked for.
    guest_circuits: HashMap<PeerId, u32>,
}

impl Shared {
    /// Whether `peer` may have a slot on this node's relay: members only.
    fn may_reserve(&self, peer: &PeerId) -> bool {
        self.members.contains(peer)
    }

    /// Whether `peer` may ask for another circuit: a member always, a relay guest
    /// [`GUEST_CIRCUITS`] times. Counts it.
    fn may_open_circuit(&mut self, peer: PeerId) -> bool {
        if self.members.contains(&peer) {
            return true;
        }
        let asked = self.guest_circuits.entry(peer).or_default();
        *asked += 1;
        *asked <= GUEST_CIRCUITS
    }
}

/// What runs on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A member's: every inner behaviour.
    Member,
    /// A stranger's that came in while a member holding a slot on this node's relay has an
    /// invite open: the relay alone.
    RelayGuest,
    /// This node's to the relay of a peer it redeems an invite with: the relay client alone.
    ToRelay,
    /// A guest's: nothing.
    Guest,
}

/// The handler on a member's connection: the members' behaviours, the relay and its client.
type MemberHandler<B> = ConnectionHandlerSelect<
    THandler<B>,
    ConnectionHandlerSelect<THandler<relay::Behaviour>, THandler<relay::client::Behaviour>>,
>;
/// The handler on a guest's connection: the relay, its client, or nothing.
type GuestHandler = Either<
    THandler<relay::Behaviour>,
    Either<THandler<relay::client::Behaviour>, dummy::ConnectionHandler>,
>;

/// Wraps an inner behaviour's event for a handler into the gate's handler's.
type Wrap<B, I> = fn(I) -> THandlerInEvent<Gate<B>>;

/// What the gate's behaviours tell the node.
#[derive(Debug)]
pub enum GateEvent<E> {
    /// One of the members-only behaviours'.
    Members(E),
    /// This node's relay's.
    Relay(relay::Event),
    /// This node's relay client's.
    RelayClient(relay::client::Event),
}

/// The connection gate around a members-only behaviour `B`, and the relay.
pub struct Gate<B> {
    inner: B,
    /// This node's relay: members' connections and relay guests'.
    relay: relay::Behaviour,
    /// Makes the relay's handlers on relay guests' connections, with a guest's limits (a
    /// circuit is driven by the handler on its source's connection, with that handler's
    /// limits). It is never told of a connection: their events go to `relay`, which does not
    /// ask which behaviour made a handler (libp2p-relay 0.22).
    guest_relay: relay::Behaviour,
    relay_client: relay::client::Behaviour,
    /// Members and guests' circuits, shared with the checks added to the relay's.
    shared: Arc<Mutex<Shared>>,
    invites_open: bool,
    /// Whether this node's relay is on.
    relaying: bool,
    /// Members that said an invite of theirs is open, until when.
    notices: HashMap<PeerId, Instant>,
    /// Members holding a slot on this node's relay, with how many (at most one on each direct
    /// member connection: see [`Gate::on_relay_event`]).
    reserved: HashMap<PeerId, u32>,
    /// Guests: when their grace ends, and the host a guest that came in directly came from
    /// (see [`MAX_GUESTS_PER_HOST`]).
    guests: HashMap<PeerId, (Instant, Option<Host>)>,
    /// Peers this node itself asked to talk to before they are members (the inviter it redeems
    /// an invite with), until when.
    expected: HashMap<PeerId, Instant>,
    /// The relays of expected peers (to reach an inviter behind a router), until when.
    expected_relays: HashMap<PeerId, Instant>,
    /// Member connections, per peer.
    member_conns: HashMap<PeerId, Vec<ConnectionId>>,
    /// Every connection: its peer, what runs on it, how it was made.
    conns: HashMap<ConnectionId, Conn>,
}

/// A connection the gate gave a handler.
struct Conn {
    peer: PeerId,
    kind: Kind,
    /// The address dialled when this node dialled it as a guest's (taken once it is a
    /// member's: see [`Gate::promoted`]).
    dialled: Option<Multiaddr>,
    /// Over a relay's circuit: the relay's handler there is libp2p's `dummy`.
    relayed: bool,
}

impl<B: NetworkBehaviour> Gate<B> {
    /// A gate that admits nobody yet, around `inner`, with this node's relay (off until
    /// [`Gate::set_relaying`]) made with `config` and its relay client.
    pub fn new(
        inner: B,
        me: PeerId,
        mut config: relay::Config,
        relay_client: relay::client::Behaviour,
    ) -> Self {
        let shared = Arc::new(Mutex::new(Shared::default()));
        // A slot is for members only: a relay guest's connection runs the relay's handler too.
        // First, so that a guest's refused asks use none of the per-address allowance of
        // libp2p's own checks, which the members behind that address share.
        let slots = shared.clone();
        config.reservation_rate_limiters.insert(
            0,
            Box::new(move |peer: PeerId, _: &Multiaddr, _: Instant| {
                slots.lock().is_ok_and(|s| s.may_reserve(&peer))
            }),
        );
        // A relay guest's circuits are counted where the relay checks a circuit's source: the
        // rest are refused with "resource limit exceeded", the guest left connected.
        let circuits = shared.clone();
        config.circuit_src_rate_limiters.insert(
            0,
            Box::new(move |peer: PeerId, _: &Multiaddr, _: Instant| {
                circuits.lock().is_ok_and(|mut s| s.may_open_circuit(peer))
            }),
        );
        let guest_config = relay::Config {
            max_circuit_duration: GUEST_GRACE,
            max_circuit_bytes: GUEST_CIRCUIT_BYTES,
            ..relay::Config::default()
        };
        let mut relay = relay::Behaviour::new(me, config);
        let mut guest_relay = relay::Behaviour::new(me, guest_config);
        // Off until the node says so (libp2p's own rule, on with any confirmed external
        // address, would turn it on behind a router too, once a relayed address is confirmed).
        relay.set_status(Some(relay::Status::Disable));
        guest_relay.set_status(Some(relay::Status::Disable));
        Self {
            inner,
            relay,
            guest_relay,
            relay_client,
            shared,
            invites_open: false,
            relaying: false,
            notices: HashMap::new(),
            reserved: HashMap::new(),
            guests: HashMap::new(),
            expected: HashMap::new(),
            expected_relays: HashMap::new(),
            member_conns: HashMap::new(),
            conns: HashMap::new(),
        }
    }

    /// Sets who may connect: the members of every network this node holds, and whether an
    /// invite of its own is open. Peers connected that may no longer stay are found with
    /// [`Gate::may_stay`].
    pub fn set_members(&mut self, members: HashSet<PeerId>, invites_open: bool) {
        // A guest that joined is a member now: it no longer takes a guest's place.
        self.guests.retain(|peer, _| !members.contains(peer));
        self.notices.retain(|peer, _| members.contains(peer));
        if let Ok(mut shared) = self.shared.lock() {
            shared.members.clone_from(&members);
        }
        self.invites_open = invites_open;
    }

    /// Turns this node's relay on or off.
    pub fn set_relaying(&mut self, on: bool) {
        self.relaying = on;
        let status = Some(if on {
            relay::Status::Enable
        } else {
            relay::Status::Disable
        });
        self.relay.set_status(status);
        self.guest_relay.set_status(status);
    }

    /// A member told this node that an invite of its own is open for `open_for` more (zero:
    /// none is): while it holds a slot on this node's relay, strangers may open a circuit to
    /// it (see the module's documentation). Believed for [`MAX_INVITE_NOTICE`] at most; the
    /// time it is believed for.
    pub fn invite_open(&mut self, member: PeerId, open_for: Duration, now: Instant) -> Duration {
        let open_for = open_for.min(MAX_INVITE_NOTICE);
        if open_for.is_zero() || !self.is_member(&member) {
            self.notices.remove(&member);
            return Duration::ZERO;
        }
        self.notices.insert(member, now + open_for);
        open_for
    }

    /// Whether strangers may connect to open a circuit through this node's relay: it relays,
    /// and a member holding a slot on it has an invite open.
    pub fn relay_guests_welcome(&self, now: Instant) -> bool {
        self.relaying
            && self
                .notices
                .iter()
                .any(|(peer, until)| *until > now && self.reserved.contains_key(peer))
    }

    /// The members-only behaviour.
    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }

    /// Whether `peer` is a member of a network this node shares.
    pub fn is_member(&self, peer: &PeerId) -> bool {
        self.shared.lock().is_ok_and(|s| s.members.contains(peer))
    }

    /// This node is about to ask `peer` something although it is no member yet (redeeming an
    /// invite), perhaps through `relays`: its connection, and this node's to those relays, are
    /// let in as guests'.
    pub fn expect(&mut self, peer: PeerId, relays: impl IntoIterator<Item = PeerId>, now: Instant) {
        self.expected.insert(peer, now + GUEST_GRACE);
        for relay in relays {
            self.expected_relays.insert(relay, now + GUEST_GRACE);
        }
    }

    /// Whether a connected `peer` may stay: a member, or a guest within its grace.
    pub fn may_stay(&self, peer: &PeerId, now: Instant) -> bool {
        self.is_member(peer) || self.guests.get(peer).is_some_and(|(until, _)| *until > now)
    }

    /// Connections this node dialled as a guest's to a peer that is a member now (it redeemed
    /// an invite): they run none of the members' behaviours, so a fresh connection is to be
    /// dialled beside each, at the same address. (A guest's connection that came in is left
    /// alone: its dialler does the same.)
    /// Each is returned once (its address is taken).
    pub fn promoted(&mut self) -> Vec<(ConnectionId, PeerId, Multiaddr)> {
        let Ok(shared) = self.shared.lock() else {
            return Vec::new();
        };
        let members = &shared.members;
        self.conns
            .iter_mut()
            .filter(|(_, conn)| conn.kind != Kind::Member && members.contains(&conn.peer))
            .filter_map(|(c, conn)| Some((*c, conn.peer, conn.dialled.take()?)))
            .collect()
    }

    /// Forgets guests, expected peers and invite notices whose time is over.
    pub fn expire(&mut self, now: Instant) {
        self.expected.retain(|_, until| *until > now);
        self.expected_relays.retain(|_, until| *until > now);
        self.guests.retain(|_, (until, _)| *until > now);
        self.notices.retain(|_, until| *until > now);
        let guests = &self.guests;
        if let Ok(mut shared) = self.shared.lock() {
            shared
                .guest_circuits
                .retain(|peer, _| guests.contains_key(peer));
        }
    }

    /// Whether a connection to `peer` may be established, and what runs on it: `from`, the
    /// host a connection that came in came from ([`host`]).
    fn admit(
        &mut self,
        peer: PeerId,
        inbound: bool,
        from: Option<Host>,
    ) -> Result<Kind, ConnectionDenied> {
        let now = Instant::now();
        if self.is_member(&peer) {
            return Ok(Kind::Member);
        }
        if let Ok(shared) = self.shared.lock() {
            self.guests
                .retain(|peer, (until, _)| *until > now && !shared.members.contains(peer));
        }
        let is_guest = self.guests.contains_key(&peer);
        let kind = if inbound {
            let relay_guest = self.relay_guests_welcome(now);
            let welcome = self.invites_open || relay_guest;
            let crowded = from.is_some_and(|host| {
                let from_host = self.guests.values().filter(|(_, h)| *h == Some(host));
                from_host.count() >= MAX_GUESTS_PER_HOST
            });
            if !is_guest && (!welcome || self.guests.len() >= MAX_GUESTS || crowded) {
                return Err(ConnectionDenied::new(NotAdmitted));
            }
            if relay_guest {
                Kind::RelayGuest
            } else {
                Kind::Guest
            }
        } else if self.expected_relays.get(&peer).is_some_and(|u| *u > now) {
            Kind::ToRelay
        } else if is_guest || self.expected.get(&peer).is_some_and(|u| *u > now) {
            Kind::Guest
        } else {
            return Err(ConnectionDenied::new(NotAdmitted));
        };
        // A guest's place is taken once, by its first connection (and its host, if it came in).
        let (until, _) = *self.guests.entry(peer).or_insert((now + GUEST_GRACE, from));
        if kind == Kind::ToRelay {
            // Another dial to it within the guest's grace runs the relay client too (as a
            // guest's, its dial through the relay would wait for ever on a handler that never
            // comes).
            self.expected_relays.insert(peer, until);
        }
        Ok(kind)
    }

    /// Records a connection (over a relay's circuit when `relayed`) and gives it its handler,
    /// made by `make` for the behaviours that run on it.
    fn handler(
        &mut self,
        kind: Kind,
        connection: ConnectionId,
        peer: PeerId,
        dialled: Option<&Multiaddr>,
        relayed: bool,
        make: impl FnOnce(&mut Self, Kind) -> Result<THandler<Self>, ConnectionDenied>,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        let handler = make(self, kind)?;
        if kind == Kind::Member {
            self.member_conns.entry(peer).or_default().push(connection);
        }
        let dialled = (kind != Kind::Member).then(|| dialled.cloned()).flatten();
        self.conns.insert(
            connection,
            Conn {
                peer,
                kind,
                dialled,
                relayed,
            },
        );
        Ok(handler)
    }

    /// Whether `connection` runs over a relay's circuit.
    fn is_relayed(&self, connection: &ConnectionId) -> bool {
        self.conns.get(connection).is_some_and(|conn| conn.relayed)
    }

    fn kind(&self, connection: &ConnectionId) -> Option<Kind> {
        self.conns.get(connection).map(|conn| conn.kind)
    }

    /// Whether a relay guest may open a circuit to `dst` now: `dst` holds a slot and has an
    /// invite open. (How many a guest may ask for is counted in [`Shared::may_open_circuit`].)
    fn guest_may_reach(&self, dst: &PeerId, now: Instant) -> bool {
        self.reserved.contains_key(dst) && self.notices.get(dst).is_some_and(|until| *until > now)
    }

    /// An event of this node's relay, for the node; it also keeps who holds a slot.
    fn on_relay_event(&mut self, ev: &relay::Event) {
        match ev {
            relay::Event::ReservationReqAccepted {
                src_peer_id,
                renewed,
            } => {
                let slots = self.reserved.entry(*src_peer_id).or_default();
                *slots = if *renewed {
                    (*slots).max(1)
                } else {
                    *slots + 1
                };
            }
            // libp2p-relay 0.22 says "closed" when any connection of the peer closes, with a
            // slot or not (AutoNAT's dial-back, say): a member holds at most one slot for each
            // member connection it has left.
            relay::Event::ReservationClosed { src_peer_id } => {
                let left = self
                    .member_conns
                    .get(src_peer_id)
                    .map_or(0, |cs| cs.iter().filter(|c| !self.is_relayed(c)).count());
                self.forget_slots(*src_peer_id, |slots| slots.min(left as u32));
            }
            relay::Event::ReservationTimedOut { src_peer_id } => {
                self.forget_slots(*src_peer_id, |slots| slots.saturating_sub(1));
            }
            _ => {}
        }
    }

    /// Sets how many slots `peer` holds to what `left` makes of it.
    fn forget_slots(&mut self, peer: PeerId, left: impl FnOnce(u32) -> u32) {
        if let Some(slots) = self.reserved.get_mut(&peer) {
            *slots = left(*slots);
            if *slots == 0 {
                self.reserved.remove(&peer);
            }
        }
    }

    /// Members holding a slot on this node's relay.
    pub fn slots_held(&self) -> usize {
        self.reserved.len()
    }

    /// A stranger's circuit to anyone but a member with an invite open is refused, when the
    /// relay asks the destination's connection `c` to open it (naming the source, `src`): by
    /// closing the stranger's connections, which also drops the circuit from the relay's table
    /// (dropping only the event would leave it there as being accepted, for ever).
    fn refuse_circuit(
        &mut self,
        src: PeerId,
        c: ConnectionId,
    ) -> Option<ToSwarm<GateEvent<B::ToSwarm>, THandlerInEvent<Self>>> {
        let owner = self.conns.get(&c)?.peer;
        if owner == src || self.is_member(&src) || self.guest_may_reach(&owner, Instant::now()) {
            return None;
        }
        debug!(stranger = %src, to = %owner, "a stranger's circuit refused");
        Some(ToSwarm::CloseConnection {
            peer_id: src,
            connection: CloseConnection::All,
        })
    }

    /// An event of one of the inner behaviours, for the swarm. One for a handler goes to the
    /// connection named (by connection alone: the swarm ignores `peer_id`, which libp2p-relay
    /// 0.22 sets to a circuit's source when it notifies the destination's connection), or to
    /// any member connection of the peer, wrapped for that connection's handler by `member`,
    /// or, on a guest's connection of the kind named in `guest`, by its function; it is dropped
    /// where the behaviour does not run (no handler there could take it).
    fn route<E, I>(
        &self,
        ev: ToSwarm<E, I>,
        out: fn(E) -> GateEvent<B::ToSwarm>,
        member: Wrap<B, I>,
        guest: Option<(Kind, Wrap<B, I>)>,
    ) -> Option<ToSwarm<GateEvent<B::ToSwarm>, THandlerInEvent<Self>>> {
        match ev {
            ToSwarm::NotifyHandler {
                peer_id,
                handler,
                event,
            } => {
                let c = match handler {
                    NotifyHandler::One(c) => c,
                    NotifyHandler::Any => *self.member_conns.get(&peer_id)?.first()?,
                };
                let event = match (self.kind(&c)?, guest) {
                    (Kind::Member, _) => member(event),
                    (kind, Some((runs, wrap))) if kind == runs => wrap(event),
                    _ => return None,
                };
                Some(ToSwarm::NotifyHandler {
                    peer_id,
                    handler: NotifyHandler::One(c),
                    event,
                })
            }
            other => Some(other.map_out(out).map_in(member)),
        }
    }
}

impl<B: NetworkBehaviour> NetworkBehaviour for Gate<B> {
    type ConnectionHandler = Either<MemberHandler<B>, GuestHandler>;
    type ToSwarm = GateEvent<B::ToSwarm>;

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
        let relayed = is_relayed(local_addr);
        let kind = self.admit(peer, true, host(remote_addr, relayed))?;
        self.handler(kind, connection_id, peer, None, relayed, |gate, kind| {
            let (c, l, r) = (connection_id, local_addr, remote_addr);
            Ok(match kind {
                Kind::Member => {
                    let relay = gate
                        .relay
                        .handle_established_inbound_connection(c, peer, l, r)?;
                    let client = gate
                        .relay_client
                        .handle_established_inbound_connection(c, peer, l, r)?;
                    let inner = gate
                        .inner
                        .handle_established_inbound_connection(c, peer, l, r)?;
                    Either::Left(inner.select(relay.select(client)))
                }
                Kind::RelayGuest => Either::Right(Either::Left(
                    gate.guest_relay
                        .handle_established_inbound_connection(c, peer, l, r)?,
                )),
                Kind::ToRelay | Kind::Guest => {
                    Either::Right(Either::Right(Either::Right(dummy::ConnectionHandler)))
                }
            })
        })
    }

    fn handle_pending_outbound_connection(
        &mut self,
        connection_id: ConnectionId,
        maybe_peer: Option<PeerId>,
        addresses: &[Multiaddr],
        effective_role: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        let mut addrs = self.inner.handle_pending_outbound_connection(
            connection_id,
            maybe_peer,
            addresses,
            effective_role,
        )?;
        addrs.extend(self.relay_client.handle_pending_outbound_connection(
            connection_id,
            maybe_peer,
            addresses,
            effective_role,
        )?);
        Ok(addrs)
    }

    fn handle_established_outbound_connection(
        &mut self,
        connection_id: ConnectionId,
        peer: PeerId,
        addr: &Multiaddr,
        role_override: Endpoint,
        port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        let kind = self.admit(peer, false, None)?;
        let relayed = is_relayed(addr);
        self.handler(
            kind,
            connection_id,
            peer,
            Some(addr),
            relayed,
            |gate, kind| {
                let (c, a, r, p) = (connection_id, addr, role_override, port_use);
                Ok(match kind {
                    Kind::Member => {
                        let relay = gate
                            .relay
                            .handle_established_outbound_connection(c, peer, a, r, p)?;
                        let client = gate
                            .relay_client
                            .handle_established_outbound_connection(c, peer, a, r, p)?;
                        let inner = gate
                            .inner
                            .handle_established_outbound_connection(c, peer, a, r, p)?;
                        Either::Left(inner.select(relay.select(client)))
                    }
                    Kind::ToRelay => Either::Right(Either::Right(Either::Left(
                        gate.relay_client
                            .handle_established_outbound_connection(c, peer, a, r, p)?,
                    ))),
                    Kind::RelayGuest | Kind::Guest => {
                        Either::Right(Either::Right(Either::Right(dummy::ConnectionHandler)))
                    }
                })
            },
        )
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        // Each behaviour hears only of the connections it has a handler on. The members-only
        // behaviour counts only member connections: a peer may have a guest's connection beside
        // a member's (it joined while connected), and libp2p's request-response (inside
        // AutoNAT) asserts that its own list of a peer's connections is empty exactly when the
        // count says none remain.
        let connection = match &event {
            FromSwarm::ConnectionEstablished(e) => Some(e.connection_id),
            FromSwarm::ConnectionClosed(e) => Some(e.connection_id),
            FromSwarm::AddressChange(e) => Some(e.connection_id),
            _ => None,
        };
        let Some(connection) = connection else {
            self.relay.on_swarm_event(event);
            self.relay_client.on_swarm_event(event);
            self.inner.on_swarm_event(event);
            return;
        };
        let kind = self.kind(&connection);
        if matches!(kind, Some(Kind::Member | Kind::RelayGuest)) {
            self.relay.on_swarm_event(event);
        }
        if matches!(kind, Some(Kind::Member | Kind::ToRelay)) {
            self.relay_client.on_swarm_event(event);
        }
        match event {
            FromSwarm::ConnectionEstablished(e) if kind == Some(Kind::Member) => {
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
            FromSwarm::AddressChange(_) if kind == Some(Kind::Member) => {
                self.inner.on_swarm_event(event);
            }
            FromSwarm::ConnectionClosed(e) => {
                self.conns.remove(&e.connection_id);
                if kind != Some(Kind::Member) {
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
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        peer_id: PeerId,
        connection_id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        let (p, c) = (peer_id, connection_id);
        match event {
            Either::Left(Either::Left(e)) => self.inner.on_connection_handler_event(p, c, e),
            Either::Left(Either::Right(Either::Left(e))) | Either::Right(Either::Left(e)) => {
                self.relay.on_connection_handler_event(p, c, e)
            }
            Either::Left(Either::Right(Either::Right(e)))
            | Either::Right(Either::Right(Either::Left(e))) => {
                self.relay_client.on_connection_handler_event(p, c, e)
            }
            Either::Right(Either::Right(Either::Right(never))) => {
                libp2p::core::util::unreachable(never)
            }
        }
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        while let Poll::Ready(ev) = self.relay.poll(cx) {
            if let ToSwarm::GenerateEvent(e) = &ev {
                self.on_relay_event(e);
            }
            if let ToSwarm::NotifyHandler {
                peer_id,
                handler: NotifyHandler::One(c),
                ..
            } = &ev
            {
                // The relay tells every connection it knows when it turns on or off, relayed
                // ones too, where its handler is `dummy` and would panic on being told
                // anything (rust-libp2p #5412).
                if self.is_relayed(c) {
                    continue;
                }
                if let Some(refused) = self.refuse_circuit(*peer_id, *c) {
                    return Poll::Ready(refused);
                }
            }
            let routed = self.route(
                ev,
                GateEvent::Relay,
                |e| Either::Left(Either::Right(Either::Left(e))),
                Some((Kind::RelayGuest, |e| Either::Right(Either::Left(e)))),
            );
            if let Some(ev) = routed {
                return Poll::Ready(ev);
            }
        }
        while let Poll::Ready(ev) = self.relay_client.poll(cx) {
            let routed = self.route(
                ev,
                GateEvent::RelayClient,
                |e| Either::Left(Either::Right(Either::Right(e))),
                Some((Kind::ToRelay, |e| {
                    Either::Right(Either::Right(Either::Left(e)))
                })),
            );
            if let Some(ev) = routed {
                return Poll::Ready(ev);
            }
        }
        while let Poll::Ready(ev) = self.inner.poll(cx) {
            let routed = self.route(
                ev,
                GateEvent::Members,
                |e| Either::Left(Either::Left(e)),
                None,
            );
            if let Some(ev) = routed {
                return Poll::Ready(ev);
            }
        }
        Poll::Pending
    }
}

/// One host, as [`MAX_GUESTS_PER_HOST`] counts them: an IPv4 address, or an IPv6 address's
/// first 64 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Host(IpAddr);

/// The host a connection came in from, given its remote address: none over a relay's circuit
/// (`relayed`, the address is the relay's) or from this machine (loopback), or if the address
/// names no IP.
fn host(remote: &Multiaddr, relayed: bool) -> Option<Host> {
    use libp2p::multiaddr::Protocol;
    if relayed {
        return None;
    }
    let ip = remote.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })?;
    if ip.is_loopback() || ip.to_canonical().is_loopback() {
        return None;
    }
    Some(Host(match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> Gate<dummy::Behaviour> {
        let me = PeerId::random();
        let (transport, client) = relay::client::new(me);
        // The client panics when polled after its transport is gone; the swarm keeps it.
        std::mem::forget(transport);
        Gate::new(dummy::Behaviour, me, relay::Config::default(), client)
    }

    fn members(peers: &[PeerId]) -> HashSet<PeerId> {
        peers.iter().copied().collect()
    }

    fn reserved(g: &mut Gate<dummy::Behaviour>, peer: PeerId) {
        g.on_relay_event(&relay::Event::ReservationReqAccepted {
            src_peer_id: peer,
            renewed: false,
        });
    }

    #[test]
    fn strangers_are_turned_away_unless_an_invite_is_open() {
        let mut g = gate();
        let (member, stranger) = (PeerId::random(), PeerId::random());
        g.set_members(members(&[member]), false);
        assert_eq!(g.admit(member, true, None).ok(), Some(Kind::Member));
        assert!(g.admit(stranger, true, None).is_err());
        assert!(
            g.admit(stranger, false, None).is_err(),
            "not dialled to redeem"
        );
        g.set_members(members(&[member]), true);
        assert_eq!(g.admit(stranger, true, None).ok(), Some(Kind::Guest));
        assert!(g.may_stay(&stranger, Instant::now()));
        g.expire(Instant::now() + GUEST_GRACE);
        assert!(!g.may_stay(&stranger, Instant::now() + GUEST_GRACE));
    }

    #[test]
    fn no_more_than_max_guests_at_once() {
        let mut g = gate();
        g.set_members(HashSet::new(), true);
        for _ in 0..MAX_GUESTS {
            assert!(g.admit(PeerId::random(), true, None).is_ok());
        }
        assert!(g.admit(PeerId::random(), true, None).is_err());
    }

    #[test]
    fn no_more_than_two_guests_from_one_host() {
        let mut g = gate();
        g.set_members(HashSet::new(), true);
        let at = |a: &str| host(&a.parse().unwrap(), false);
        let (one, same_v6_host) = (
            at("/ip4/198.18.0.7/tcp/4001"),
            at("/ip6/2001:db8:1:2::9/udp/4001/quic-v1"),
        );
        let first = PeerId::random();
        assert!(g.admit(first, true, one).is_ok());
        assert!(g.admit(PeerId::random(), true, one).is_ok());
        let refused = PeerId::random();
        assert!(
            g.admit(refused, true, one).is_err(),
            "a third from one host"
        );
        // A guest's second connection, or another host, is let in.
        assert_eq!(g.admit(first, true, one).ok(), Some(Kind::Guest));
        assert!(
            g.admit(PeerId::random(), true, at("/ip4/198.18.0.8/tcp/4001"))
                .is_ok()
        );
        for _ in 0..MAX_GUESTS_PER_HOST {
            assert!(g.admit(PeerId::random(), true, same_v6_host).is_ok());
        }
        let other_v6 = at("/ip6/2001:db8:1:2:ffff::1/tcp/4001");
        assert_eq!(other_v6, same_v6_host, "one /64 is one host");
        assert!(g.admit(PeerId::random(), true, other_v6).is_err());
        // Over a relay's circuit or from this machine, no host is counted.
        assert_eq!(
            host(
                &"/ip4/198.18.0.7/tcp/4001/p2p-circuit".parse().unwrap(),
                true
            ),
            None
        );
        assert_eq!(at("/ip4/127.0.0.1/tcp/4001"), None);
        assert_eq!(at("/ip6/::1/tcp/4001"), None);
        assert_eq!(at("/ip6/::ffff:127.0.0.1/tcp/4001"), None);
        // A guest's grace over, its host's place is free again.
        g.expire(Instant::now() + GUEST_GRACE);
        assert!(g.admit(refused, true, one).is_ok());
    }

    #[test]
    fn relay_guests_only_while_a_member_holding_a_slot_has_an_invite_open() {
        let mut g = gate();
        let (inviter, stranger) = (PeerId::random(), PeerId::random());
        let now = Instant::now();
        g.set_members(members(&[inviter]), false);
        g.set_relaying(true);
        // Told, but holds no slot: nobody is let through.
        assert_eq!(
            g.invite_open(inviter, Duration::from_secs(600), now),
            Duration::from_secs(600)
        );
        assert!(!g.relay_guests_welcome(now));
        assert!(g.admit(stranger, true, None).is_err());
        reserved(&mut g, inviter);
        assert!(g.relay_guests_welcome(now));
        assert_eq!(g.admit(stranger, true, None).ok(), Some(Kind::RelayGuest));
        // The relay off, or the notice over: nobody.
        g.set_relaying(false);
        assert!(!g.relay_guests_welcome(now));
        g.set_relaying(true);
        assert!(!g.relay_guests_welcome(now + Duration::from_secs(601)));
        // "None is open" ends it; a notice is believed for a day at most; a stranger's is
        // ignored.
        g.invite_open(inviter, Duration::ZERO, now);
        assert!(!g.relay_guests_welcome(now));
        assert_eq!(
            g.invite_open(inviter, Duration::from_secs(10 * 86_400), now),
            MAX_INVITE_NOTICE
        );
        assert_eq!(
            g.invite_open(stranger, Duration::from_secs(600), now),
            Duration::ZERO
        );
        // A connection of the member's closes (AutoNAT's dial-back, or the old one after a
        // restart whose new connection's slot came first): libp2p says "closed", yet the slot
        // on the connection left still counts.
        g.invite_open(inviter, Duration::from_secs(600), now);
        g.member_conns
            .insert(inviter, vec![ConnectionId::new_unchecked(1)]);
        let closed = relay::Event::ReservationClosed {
            src_peer_id: inviter,
        };
        g.on_relay_event(&closed);
        assert!(g.relay_guests_welcome(now), "the slot left still counts");
        assert_eq!(g.slots_held(), 1);
        // Its last connection closed: nobody.
        g.member_conns.remove(&inviter);
        g.on_relay_event(&closed);
        assert!(!g.relay_guests_welcome(now));
        assert_eq!(g.slots_held(), 0);
    }

    #[test]
    fn a_relay_guest_reaches_only_a_member_with_an_invite_open() {
        let mut g = gate();
        let (inviter, other) = (PeerId::random(), PeerId::random());
        let now = Instant::now();
        g.set_members(members(&[inviter, other]), false);
        g.set_relaying(true);
        reserved(&mut g, inviter);
        reserved(&mut g, other);
        g.invite_open(inviter, Duration::from_secs(600), now);
        assert!(g.guest_may_reach(&inviter, now));
        assert!(!g.guest_may_reach(&other, now), "no invite open");
        assert!(!g.guest_may_reach(&inviter, now + Duration::from_secs(600)));
    }

    #[test]
    fn a_relay_guest_asks_for_a_few_circuits_at_most_and_a_member_for_any() {
        let mut shared = Shared::default();
        let (member, guest) = (PeerId::random(), PeerId::random());
        shared.members.insert(member);
        for _ in 0..GUEST_CIRCUITS {
            assert!(shared.may_open_circuit(guest));
        }
        assert!(!shared.may_open_circuit(guest), "one too many");
        assert!(
            shared.may_open_circuit(PeerId::random()),
            "counted per guest"
        );
        for _ in 0..100 {
            assert!(shared.may_open_circuit(member));
        }
        assert!(shared.may_reserve(&member) && !shared.may_reserve(&guest));
    }

    /// Connects `peer` on `connection` at `local` (relayed or not), as the swarm would.
    fn connect(g: &mut Gate<dummy::Behaviour>, peer: PeerId, connection: u64, local: &str) {
        let c = ConnectionId::new_unchecked(connection as usize);
        let local: Multiaddr = local.parse().unwrap();
        let remote: Multiaddr = "/ip4/198.18.0.12/tcp/40000".parse().unwrap();
        assert!(
            g.handle_established_inbound_connection(c, peer, &local, &remote)
                .is_ok()
        );
        let endpoint = libp2p::core::ConnectedPoint::Listener {
            local_addr: local,
            send_back_addr: remote,
        };
        g.on_swarm_event(FromSwarm::ConnectionEstablished(ConnectionEstablished {
            peer_id: peer,
            connection_id: c,
            endpoint: &endpoint,
            failed_addresses: &[],
            other_established: 0,
        }));
    }

    #[test]
    fn a_connection_is_counted_for_the_host_it_came_from_unless_relayed() {
        let mut g = gate();
        g.set_members(HashSet::new(), true);
        let remote: Multiaddr = "/ip4/198.18.0.12/tcp/40000".parse().unwrap();
        let inbound = |g: &mut Gate<dummy::Behaviour>, c: usize, local: &str| {
            let local: Multiaddr = local.parse().unwrap();
            g.handle_established_inbound_connection(
                ConnectionId::new_unchecked(c),
                PeerId::random(),
                &local,
                &remote,
            )
            .is_ok()
        };
        let direct = "/ip4/198.18.0.1/tcp/7466";
        assert!(inbound(&mut g, 1, direct) && inbound(&mut g, 2, direct));
        assert!(
            !inbound(&mut g, 3, direct),
            "a third guest from 198.18.0.12"
        );
        let relay = PeerId::random();
        let relayed = format!("{direct}/p2p/{relay}/p2p-circuit");
        assert!(
            inbound(&mut g, 4, &relayed),
            "over a circuit the address is the relay's"
        );
    }

    #[test]
    fn turning_the_relay_on_tells_no_relayed_connection() {
        let mut g = gate();
        let (member, relay) = (PeerId::random(), PeerId::random());
        g.set_members(members(&[member]), false);
        connect(&mut g, member, 1, "/ip4/198.18.0.1/tcp/7466");
        connect(
            &mut g,
            member,
            2,
            &format!("/ip4/198.18.0.1/tcp/7466/p2p/{relay}/p2p-circuit"),
        );
        g.set_relaying(true);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut told = Vec::new();
        while let Poll::Ready(ev) = g.poll(&mut cx) {
            if let ToSwarm::NotifyHandler {
                handler: NotifyHandler::One(c),
                ..
            } = ev
            {
                told.push(c);
            }
        }
        // The direct connection's relay handler hears it; the relayed one's is libp2p's
        // `dummy`, which would panic.
        assert_eq!(told, vec![ConnectionId::new_unchecked(1)]);
    }

    #[test]
    fn the_relay_of_an_expected_peer_runs_the_relay_client_alone() {
        let mut g = gate();
        let (inviter, relay, stranger) = (PeerId::random(), PeerId::random(), PeerId::random());
        g.expect(inviter, [relay], Instant::now());
        assert_eq!(g.admit(relay, false, None).ok(), Some(Kind::ToRelay));
        assert_eq!(g.admit(inviter, false, None).ok(), Some(Kind::Guest));
        assert!(g.admit(stranger, false, None).is_err());
        // The relay dialling in meanwhile gets nothing of the relay's.
        assert_eq!(g.admit(relay, true, None).ok(), Some(Kind::Guest));
    }
}
