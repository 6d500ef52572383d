//! LAN beacons: how members of a network find each other on one local network without
//! telling anyone else who they are.
//!
//! libp2p's mDNS always announces the swarm's peer id, which is the group's permanent key, on
//! every network a laptop joins. Instead a node sends, for each network it holds, a *member
//! beacon*: its group id and addresses sealed (ChaCha20-Poly1305) under a key derived from the
//! network's id, which only members know. A fresh random nonce per datagram makes every beacon
//! look different, so nothing in them is a stable identifier. While an organiser makes the node
//! *discoverable* for a pairing window, it also sends a *public beacon* in clear, so that a
//! group redeeming an invite on the same LAN can find the inviter when the invite's addresses
//! are stale. PROTOCOL.md §2a has the format.
//!
//! Pure: the caller supplies the nonce.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::{DocId, GroupId};

/// The first bytes of every beacon.
pub const MAGIC: &[u8; 4] = b"CGB1";
/// The largest beacon sent or read.
pub const MAX_DATAGRAM: usize = 1200;
/// The most addresses a beacon carries.
pub const MAX_ADDRS: usize = 8;
/// The longest address a beacon carries, in bytes.
pub const MAX_ADDR_LEN: usize = 128;

const PUBLIC: u8 = 0;
const MEMBER: u8 = 1;

/// What a beacon says: who sends it and where it listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beacon {
    /// The sending group.
    pub group: GroupId,
    /// Multiaddrs it listens on (text).
    pub addrs: Vec<String>,
}

impl Beacon {
    /// A beacon with at most [`MAX_ADDRS`] addresses of at most [`MAX_ADDR_LEN`] bytes.
    pub fn new(group: GroupId, addrs: &[String]) -> Self {
        Self {
            group,
            addrs: addrs
                .iter()
                .filter(|a| a.len() <= MAX_ADDR_LEN)
                .take(MAX_ADDRS)
                .cloned()
                .collect(),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // A beacon is a handful of short strings: writing it to memory cannot fail.
        let _ = ciborium::into_writer(self, &mut out);
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let b: Self = ciborium::from_reader(bytes).ok()?;
        (b.addrs.len() <= MAX_ADDRS && b.addrs.iter().all(|a| a.len() <= MAX_ADDR_LEN)).then_some(b)
    }
}

/// The key of a network's member beacons: SHA-256("commonground/beacon/1" ‖ network id).
pub fn network_key(network: &DocId) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"commonground/beacon/1");
    h.update(network.as_bytes());
    h.finalize().into()
}

fn header(kind: u8) -> [u8; 5] {
    [MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], kind]
}

/// A member beacon for `network`, sealed with `nonce` (which must never repeat for a key:
/// draw it at random).
pub fn seal(network: &DocId, nonce: [u8; 12], beacon: &Beacon) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&network_key(network)));
    let aad = header(MEMBER);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &beacon.encode(),
                aad: &aad,
            },
        )
        // Encryption fails only for messages of gigabytes.
        .unwrap_or_default();
    let mut out = aad.to_vec();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// A public beacon: the group and addresses in clear (sent only while discoverable).
pub fn public(beacon: &Beacon) -> Vec<u8> {
    let mut out = header(PUBLIC).to_vec();
    out.extend_from_slice(&beacon.encode());
    out
}

/// What a received beacon turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A member beacon of one of the given networks.
    Member {
        /// The network whose key opened it.
        network: DocId,
        /// What it says.
        beacon: Beacon,
    },
    /// A public beacon.
    Public(Beacon),
}

/// Opens a received datagram with the keys of `networks`. `None` for anything else: another
/// program's datagram, a beacon of a network this node does not hold, damaged bytes.
pub fn open(networks: &[DocId], datagram: &[u8]) -> Option<Opened> {
    if datagram.len() > MAX_DATAGRAM || datagram.len() < 5 || &datagram[..4] != MAGIC {
        return None;
    }
    match datagram[4] {
        PUBLIC => Beacon::decode(&datagram[5..]).map(Opened::Public),
        MEMBER if datagram.len() > 5 + 12 => {
            let (nonce, sealed) = datagram[5..].split_at(12);
            let aad = header(MEMBER);
            networks.iter().find_map(|network| {
                let cipher = ChaCha20Poly1305::new(Key::from_slice(&network_key(network)));
                let plain = cipher
                    .decrypt(
                        Nonce::from_slice(nonce),
                        Payload {
                            msg: sealed,
                            aad: &aad,
                        },
                    )
                    .ok()?;
                Beacon::decode(&plain).map(|beacon| Opened::Member {
                    network: *network,
                    beacon,
                })
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn group(seed: u8) -> GroupId {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        GroupId::from_public_key(key.verifying_key().to_bytes()).unwrap()
    }

    fn beacon() -> Beacon {
        Beacon::new(
            group(1),
            &["/ip4/192.168.1.20/tcp/7466/p2p/12D3KooWabc".to_string()],
        )
    }

    #[test]
    fn only_members_of_the_network_can_open_a_member_beacon() {
        let (a, b) = (DocId::from_bytes([1; 16]), DocId::from_bytes([2; 16]));
        let sealed = seal(&a, [7; 12], &beacon());
        assert_eq!(
            open(&[b, a], &sealed),
            Some(Opened::Member {
                network: a,
                beacon: beacon()
            })
        );
        assert_eq!(open(&[b], &sealed), None);
        assert_eq!(open(&[], &sealed), None);
    }

    #[test]
    fn a_member_beacon_names_no_group_and_never_repeats() {
        let a = DocId::from_bytes([1; 16]);
        let one = seal(&a, [1; 12], &beacon());
        let two = seal(&a, [2; 12], &beacon());
        assert_ne!(one, two);
        let g = group(1);
        let key = g.public_key();
        for sealed in [&one, &two] {
            assert!(!sealed.windows(32).any(|w| w == key.as_slice()));
            assert!(!sealed.windows(6).any(|w| w == b"/ip4/1"));
        }
    }

    #[test]
    fn a_changed_beacon_is_not_opened() {
        let a = DocId::from_bytes([1; 16]);
        let mut sealed = seal(&a, [7; 12], &beacon());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(open(&[a], &sealed), None);
    }

    #[test]
    fn a_public_beacon_reads_in_clear() {
        assert_eq!(
            open(&[], &public(&beacon())),
            Some(Opened::Public(beacon()))
        );
    }

    #[test]
    fn addresses_are_bounded() {
        let many: Vec<String> = (0..20).map(|i| format!("/ip4/10.0.0.{i}/tcp/1")).collect();
        let long = "x".repeat(MAX_ADDR_LEN + 1);
        let b = Beacon::new(group(1), &[vec![long], many].concat());
        assert_eq!(b.addrs.len(), MAX_ADDRS);
        assert!(seal(&DocId::from_bytes([1; 16]), [0; 12], &b).len() <= MAX_DATAGRAM);
    }

    proptest! {
        #[test]
        fn any_bytes_open_to_nothing_or_a_bounded_beacon(bytes in prop::collection::vec(any::<u8>(), 0..1500)) {
            let mut with_magic = MAGIC.to_vec();
            with_magic.extend_from_slice(&bytes);
            for d in [&bytes, &with_magic] {
                if let Some(Opened::Public(b) | Opened::Member { beacon: b, .. }) = open(&[DocId::from_bytes([1; 16])], d) {
                    prop_assert!(b.addrs.len() <= MAX_ADDRS);
                }
            }
        }
    }
}
