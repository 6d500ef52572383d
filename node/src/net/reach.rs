//! Reachability from outside, for a node behind a home router: what AutoNAT says (members dial
//! this node back at the address they see), the slot a node that is not reachable holds on a
//! member's relay (circuit relay v2), and what this node relays for its members.
//!
//! Who may use a relay is decided by the connection gate ([`super::admission`]): the relay,
//! AutoNAT and hole-punching (DCUtR) behaviours run on members' connections only, so a stranger
//! is never offered them. A node relays only while AutoNAT has confirmed an address of its
//! (libp2p's relay advertises its protocol only then) and its owner has not turned it off.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

/// How long a relay that refused this node, or whose slot was lost, is left alone before it
/// is asked again.
pub const RETRY_RELAY: Duration = Duration::from_secs(60);

/// Whether this node relays for the members of its networks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RelayMode {
    /// Never relays.
    Off,
    /// Relays for members of its own networks, while it is reachable from outside.
    #[default]
    Members,
}

/// How other nodes can reach this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Reachability {
    /// Not known yet: no member has tried to dial this node back.
    Unknown,
    /// Reachable directly, at an address a member dialled back.
    Direct {
        /// The address.
        address: String,
    },
    /// Not reachable from outside, but through a member's relay.
    Relayed {
        /// The relaying member's group id.
        relay: String,
    },
    /// Not reachable from outside, and no member relays for it.
    Unreachable,
}

/// What AutoNAT last said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nat {
    /// Not known yet.
    Unknown,
    /// Reachable at this address.
    Public(Multiaddr),
    /// Behind a NAT (or a firewall).
    Private,
}

/// The slot this node holds (or asks for) on a member's relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The relaying member.
    pub relay: PeerId,
    /// The listener of the relayed address.
    pub listener: libp2p::core::transport::ListenerId,
    /// Whether the relay accepted it.
    pub accepted: bool,
}

/// The node's reachability and relays.
#[derive(Debug)]
pub struct Reach {
    /// Whether this node relays for members.
    pub mode: RelayMode,
    /// What AutoNAT last said.
    pub nat: Nat,
    /// Members that relay (their identify says so), with the addresses they listen on.
    pub relays: HashMap<PeerId, Vec<Multiaddr>>,
    /// The slot held or asked for.
    pub slot: Option<Slot>,
    /// Relays not to ask again before the instant given.
    pub resting: HashMap<PeerId, Instant>,
    /// Whether this node's relay is on (libp2p advertises it once an address is confirmed).
    pub relaying: bool,
    /// Relayed connections upgraded to direct ones by hole punching, and attempts that failed.
    pub punched: (u64, u64),
    /// When to try hole punching again with members it failed with.
    pub retries: super::punch::Retries,
    /// Whether the user was told that no member relays (once per AutoNAT verdict).
    pub told: bool,
}

impl Reach {
    /// Nothing known yet.
    pub fn new(mode: RelayMode) -> Self {
        Self {
            mode,
            nat: Nat::Unknown,
            relays: HashMap::new(),
            slot: None,
            resting: HashMap::new(),
            relaying: false,
            punched: (0, 0),
            retries: super::punch::Retries::default(),
            told: false,
        }
    }

    /// What to tell the user.
    pub fn reachability(&self) -> Reachability {
        match (&self.nat, &self.slot) {
            (Nat::Public(a), _) => Reachability::Direct {
                address: a.to_string(),
            },
            (_, Some(s)) if s.accepted => Reachability::Relayed {
                relay: s.relay.to_string(),
            },
            (Nat::Private, _) => Reachability::Unreachable,
            (Nat::Unknown, _) => Reachability::Unknown,
        }
    }

    /// The relay to ask for a slot, with the address to reach it by, when this node needs one
    /// (AutoNAT says it is not reachable, and it holds none): a connected member that relays,
    /// not resting, the same one every time (the lowest id) so that members find it at one
    /// address. `connected`: whether a peer is connected now.
    pub fn next_relay(
        &self,
        now: Instant,
        connected: impl Fn(&PeerId) -> bool,
    ) -> Option<(PeerId, Multiaddr)> {
        if self.nat != Nat::Private || self.slot.is_some() {
            return None;
        }
        let mut candidates: Vec<(&PeerId, &Vec<Multiaddr>)> = self
            .relays
            .iter()
            .filter(|(p, _)| connected(p))
            .filter(|(p, _)| self.resting.get(p).is_none_or(|until| *until <= now))
            .collect();
        candidates.sort_by_key(|(p, _)| **p);
        candidates.into_iter().find_map(|(peer, addrs)| {
            relay_address(addrs).map(|a| {
                (
                    *peer,
                    a.with(Protocol::P2p(*peer)).with(Protocol::P2pCircuit),
                )
            })
        })
    }

    /// The slot on `relay` was refused or lost: ask another, or this one after a rest.
    pub fn slot_lost(&mut self, now: Instant) -> Option<PeerId> {
        let slot = self.slot.take()?;
        self.resting.insert(slot.relay, now + RETRY_RELAY);
        Some(slot.relay)
    }
}

/// The address of a relay to reach it by from elsewhere: one it listens on that is neither
/// loopback, unspecified nor itself relayed (the first that another machine could dial).
pub fn relay_address(listen: &[Multiaddr]) -> Option<Multiaddr> {
    let strings: Vec<String> = listen
        .iter()
        .filter(|a| !is_relayed(a))
        .map(|a| {
            a.iter()
                .filter(|p| !matches!(p, Protocol::P2p(_)))
                .collect::<Multiaddr>()
                .to_string()
        })
        .collect();
    commonground_protocol::network::dialable_addrs(&strings)
        .first()
        .and_then(|a| a.parse().ok())
}

/// Whether a connection on `addr` goes through a relay.
pub fn is_relayed(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::P2pCircuit))
}

/// The peer a relayed address leads to (the one named after `/p2p-circuit`).
pub fn relayed_peer(addr: &Multiaddr) -> Option<PeerId> {
    let mut after = false;
    let mut peer = None;
    for p in addr.iter() {
        match p {
            Protocol::P2pCircuit => after = true,
            Protocol::P2p(p) if after => peer = Some(p),
            _ => {}
        }
    }
    peer
}

/// The relay a relayed address goes through (the peer named before `/p2p-circuit`).
pub fn relay_of(addr: &Multiaddr) -> Option<PeerId> {
    let mut last = None;
    for p in addr.iter() {
        match p {
            Protocol::P2p(peer) => last = Some(peer),
            Protocol::P2pCircuit => return last,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(n: u8) -> PeerId {
        let key = libp2p::identity::Keypair::ed25519_from_bytes([n; 32]).unwrap();
        key.public().to_peer_id()
    }

    #[test]
    fn a_node_asks_a_relay_only_when_not_reachable_and_never_a_resting_one() {
        let (r1, r2) = (peer(1), peer(2));
        let mut reach = Reach::new(RelayMode::Members);
        let addrs = vec![
            "/ip4/127.0.0.1/tcp/7466".parse().unwrap(),
            "/ip4/198.18.0.1/tcp/7466".parse().unwrap(),
        ];
        reach.relays.insert(r1, addrs.clone());
        reach.relays.insert(r2, addrs);
        let now = Instant::now();
        let all = |_: &PeerId| true;
        assert_eq!(reach.next_relay(now, all), None, "reachability unknown");
        reach.nat = Nat::Public("/ip4/198.18.0.9/tcp/7466".parse().unwrap());
        assert_eq!(reach.next_relay(now, all), None, "reachable directly");
        reach.nat = Nat::Private;
        let (first, addr) = reach.next_relay(now, all).unwrap();
        assert_eq!(first, r1.min(r2));
        // The address another machine can dial, ending in the relay and /p2p-circuit.
        assert_eq!(
            addr.to_string(),
            format!("/ip4/198.18.0.1/tcp/7466/p2p/{first}/p2p-circuit")
        );
        assert_eq!(relay_of(&addr), Some(first));
        assert_eq!(relayed_peer(&addr), None);
        let me = peer(9);
        assert_eq!(
            relayed_peer(&addr.clone().with(Protocol::P2p(me))),
            Some(me)
        );
        assert!(is_relayed(&addr));
        // Not while a slot is asked for; after it is lost, the other relay, then none.
        reach.slot = Some(Slot {
            relay: first,
            listener: libp2p::core::transport::ListenerId::next(),
            accepted: false,
        });
        assert_eq!(reach.next_relay(now, all), None);
        assert_eq!(reach.reachability(), Reachability::Unreachable);
        assert_eq!(reach.slot_lost(now), Some(first));
        let (second, _) = reach.next_relay(now, all).unwrap();
        assert_ne!(second, first);
        assert_eq!(reach.next_relay(now, |p| *p == first), None);
        // The first may be asked again once its rest is over.
        assert_eq!(
            reach
                .next_relay(now + RETRY_RELAY, |p| *p == first)
                .map(|r| r.0),
            Some(first)
        );
    }

    #[test]
    fn what_the_user_is_told() {
        let r = peer(3);
        let mut reach = Reach::new(RelayMode::Members);
        assert_eq!(reach.reachability(), Reachability::Unknown);
        reach.nat = Nat::Private;
        assert_eq!(reach.reachability(), Reachability::Unreachable);
        reach.slot = Some(Slot {
            relay: r,
            listener: libp2p::core::transport::ListenerId::next(),
            accepted: true,
        });
        assert_eq!(
            reach.reachability(),
            Reachability::Relayed {
                relay: r.to_string()
            }
        );
        reach.nat = Nat::Public("/ip4/198.18.0.9/tcp/7466".parse().unwrap());
        assert!(matches!(reach.reachability(), Reachability::Direct { .. }));
    }

    #[test]
    fn a_relay_reached_only_over_loopback_or_a_relay_gives_no_address() {
        assert_eq!(
            relay_address(&["/ip4/10.0.0.1/tcp/1/p2p-circuit".parse().unwrap()]),
            None
        );
        assert_eq!(
            relay_address(&["/ip4/127.0.0.1/tcp/1".parse().unwrap()])
                .map(|a| a.to_string())
                .as_deref(),
            Some("/ip4/127.0.0.1/tcp/1"),
            "loopback when nothing else is known (every node on one machine)"
        );
    }
}
