//! Hole punching (DCUtR) made to work between two homes whatever transport each reached its
//! members by, and tried again when it fails.
//!
//! DCUtR sends the other side this node's *address candidates* (what identify heard members
//! see it at), and each side dials the other's at the same moment: the dials meet only on a
//! transport both sides offered. A home that reached its relay over QUIC had only a QUIC
//! candidate, one that reached it over TCP only a TCP one, and the punch failed every time
//! (seen after a restart, when QUIC won the race to the relay). So DCUtR is also told each
//! candidate completed across transports ([`across_transports`]; see
//! `net::Actor::complete_candidate`): the same public address with this node's listening port
//! of every other transport, the guess identify itself makes when a connection left by a new
//! port (home routers keep the port where they can). This is a workaround at the boundary:
//! libp2p-dcutr 0.15 offers only what it was told.
//!
//! DCUtR tries three times on each relayed connection and then never again; [`Retries`] says
//! when a fresh relayed connection should be opened to try once more (see
//! `net::Actor::punch_again`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

/// The first wait before hole punching is tried again after a failure; each further failure
/// doubles it, up to [`RETRY_PUNCH_MAX`].
pub const RETRY_PUNCH: Duration = Duration::from_secs(30);
/// The longest wait between two tries.
pub const RETRY_PUNCH_MAX: Duration = Duration::from_secs(15 * 60);

/// The same public address as `observed`, on each other transport this node listens on, at
/// that transport's listening port (TCP for a QUIC candidate, QUIC for a TCP one). Nothing for
/// a relayed or unknown kind of address, or a listener on port 0.
pub fn across_transports(observed: &Multiaddr, listen: &[Multiaddr]) -> Vec<Multiaddr> {
    let Some((ip, kind, _)) = parts(observed) else {
        return Vec::new();
    };
    let mut out: Vec<Multiaddr> = listen
        .iter()
        .filter_map(parts)
        .filter(|(_, k, port)| *k != kind && *port != 0)
        .map(|(_, k, port)| with_transport(ip.clone(), k, port))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tcp,
    Quic,
}

/// The IP, transport and port of a plain (not relayed) TCP or QUIC address.
fn parts(addr: &Multiaddr) -> Option<(Protocol<'static>, Kind, u16)> {
    let mut it = addr.iter();
    let ip = match it.next()? {
        p @ (Protocol::Ip4(_) | Protocol::Ip6(_)) => p.acquire(),
        _ => return None,
    };
    let (kind, port) = match (it.next()?, it.next()) {
        (Protocol::Tcp(port), None | Some(Protocol::P2p(_))) => (Kind::Tcp, port),
        (Protocol::Udp(port), Some(Protocol::QuicV1)) => (Kind::Quic, port),
        _ => return None,
    };
    // Nothing after but this node's own id (never /p2p-circuit).
    it.all(|p| matches!(p, Protocol::P2p(_)))
        .then_some((ip, kind, port))
}

fn with_transport(ip: Protocol<'static>, kind: Kind, port: u16) -> Multiaddr {
    let a = Multiaddr::empty().with(ip);
    match kind {
        Kind::Tcp => a.with(Protocol::Tcp(port)),
        Kind::Quic => a.with(Protocol::Udp(port)).with(Protocol::QuicV1),
    }
}

/// When to try hole punching again with each member it failed with: after [`RETRY_PUNCH`],
/// doubled with every further failure, up to [`RETRY_PUNCH_MAX`].
#[derive(Debug, Default)]
pub struct Retries {
    /// Per peer: failures so far, and when to try next (`None` while a try is under way).
    peers: HashMap<PeerId, (u32, Option<Instant>)>,
}

impl Retries {
    /// Hole punching with `peer` failed at `now`.
    pub fn failed(&mut self, peer: PeerId, now: Instant) {
        let (failures, next) = self.peers.entry(peer).or_insert((0, None));
        let wait = RETRY_PUNCH
            .saturating_mul(1 << (*failures).min(16))
            .min(RETRY_PUNCH_MAX);
        *failures += 1;
        *next = Some(now + wait);
    }

    /// `peer` is connected directly, or not at all: nothing to retry, and a later failure
    /// starts from the first wait again.
    pub fn forget(&mut self, peer: &PeerId) {
        self.peers.remove(peer);
    }

    /// The peers whose next try is due at `now`; each is returned once per failure.
    pub fn due(&mut self, now: Instant) -> Vec<PeerId> {
        let mut due: Vec<PeerId> = self
            .peers
            .iter_mut()
            .filter(|(_, (_, next))| next.is_some_and(|t| t <= now))
            .map(|(p, (_, next))| {
                *next = None;
                *p
            })
            .collect();
        due.sort();
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(s: &[&str]) -> Vec<Multiaddr> {
        s.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn a_candidate_is_completed_with_the_listening_port_of_each_other_transport() {
        let listen = addrs(&[
            "/ip4/127.0.0.1/tcp/7466",
            "/ip4/10.77.1.2/tcp/7466",
            "/ip4/10.77.1.2/udp/7467/quic-v1",
            "/ip4/198.18.0.1/tcp/7466/p2p/12D3KooWNQzvbW4DJ2D2znwwTW5gLJtBXptgRymZHYJb8dK6yfKV/p2p-circuit",
        ]);
        let quic: Multiaddr = "/ip4/198.18.0.11/udp/40000/quic-v1".parse().unwrap();
        assert_eq!(
            across_transports(&quic, &listen),
            addrs(&["/ip4/198.18.0.11/tcp/7466"]),
            "the TCP port this node listens on, once"
        );
        let me = "12D3KooWNQzvbW4DJ2D2znwwTW5gLJtBXptgRymZHYJb8dK6yfKV";
        let tcp: Multiaddr = format!("/ip6/2001:db8::1/tcp/7466/p2p/{me}")
            .parse()
            .unwrap();
        assert_eq!(
            across_transports(&tcp, &listen),
            addrs(&["/ip6/2001:db8::1/udp/7467/quic-v1"])
        );
        // Nothing for what is not a plain TCP or QUIC address, or with no other transport.
        for odd in [
            "/dns4/example.org/tcp/7466",
            "/ip4/198.18.0.11/udp/7466",
            "/ip4/198.18.0.11/tcp/7466/p2p/12D3KooWNQzvbW4DJ2D2znwwTW5gLJtBXptgRymZHYJb8dK6yfKV/p2p-circuit",
        ] {
            assert!(
                across_transports(&odd.parse().unwrap(), &listen).is_empty(),
                "{odd}"
            );
        }
        assert!(across_transports(&quic, &addrs(&["/ip4/0.0.0.0/tcp/0"])).is_empty());
        assert!(across_transports(&quic, &addrs(&["/ip4/10.0.0.1/udp/1/quic-v1"])).is_empty());
    }

    #[test]
    fn hole_punching_is_tried_again_later_and_later_until_it_works() {
        let peer = PeerId::random();
        let other = PeerId::random();
        let t0 = Instant::now();
        let mut r = Retries::default();
        assert!(r.due(t0 + Duration::from_secs(3600)).is_empty());
        let mut now = t0;
        let mut waits = Vec::new();
        for _ in 0..8 {
            r.failed(peer, now);
            let mut wait = Duration::ZERO;
            while r.due(now + wait).is_empty() {
                wait += Duration::from_secs(1);
            }
            // Returned once: not again until it fails again.
            assert!(r.due(now + wait + RETRY_PUNCH_MAX).is_empty());
            waits.push(wait.as_secs());
            now += wait;
        }
        assert_eq!(waits, [30, 60, 120, 240, 480, 900, 900, 900]);
        // Connected directly: it starts over.
        r.forget(&peer);
        r.failed(peer, now);
        r.failed(other, now);
        assert_eq!(r.due(now + RETRY_PUNCH).len(), 2);
    }
}
