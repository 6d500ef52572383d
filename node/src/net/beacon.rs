//! Members on one LAN find each other without internet, and nobody else learns who they are:
//! the node sends a member beacon per network (sealed under a key only members derive, see
//! `commonground_protocol::beacon`) to a multicast group on every IPv4 interface, and dials
//! the members whose beacons it can open. While the organiser made it discoverable
//! (`up --discoverable 10m`), it also sends a public beacon, for a group redeeming an invite on
//! the same LAN.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Instant;

use commonground_protocol::beacon::{self, Beacon, Opened};
use commonground_protocol::ids::{DocId, GroupId};
use rand::RngCore;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tracing::debug;

/// The multicast group beacons go to (administratively scoped).
pub const GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 74, 66);
/// The UDP port beacons go to.
pub const PORT: u16 = 7467;

/// Beacon settings.
#[derive(Debug, Clone)]
pub struct LanConfig {
    /// This node's group.
    pub group: GroupId,
    /// The UDP port (every node of one LAN must use the same).
    pub port: u16,
    /// The interfaces to send on and listen on, by address; `None`: every IPv4 interface that
    /// is up and not loopback.
    pub interfaces: Option<Vec<Ipv4Addr>>,
    /// Until when the node also sends a public beacon.
    pub discoverable_until: Option<Instant>,
}

/// A beacon from a member (or, `public`, from a discoverable node).
#[derive(Debug)]
pub struct Found {
    /// Who sent it.
    pub group: GroupId,
    /// Where it listens.
    pub addrs: Vec<String>,
    /// A public beacon (the sender is not known to be a member).
    pub public: bool,
}

/// The beacon socket and what this node holds.
pub struct Lan {
    socket: UdpSocket,
    config: LanConfig,
    interfaces: Vec<Ipv4Addr>,
    networks: Vec<(DocId, Vec<GroupId>)>,
    buf: Vec<u8>,
}

fn interfaces(config: &LanConfig) -> Vec<Ipv4Addr> {
    if let Some(list) = &config.interfaces {
        return list.clone();
    }
    if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback())
        .filter_map(|i| match i.ip() {
            std::net::IpAddr::V4(a) => Some(a),
            std::net::IpAddr::V6(_) => None,
        })
        .collect()
}

impl Lan {
    /// Opens the beacon socket (shared with other programs on the port) and joins the group on
    /// each interface.
    pub async fn start(config: LanConfig) -> std::io::Result<Self> {
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_reuse_address(true)?;
        socket.set_reuse_port(true)?;
        socket.set_nonblocking(true)?;
        socket.set_multicast_loop_v4(true)?;
        socket.set_multicast_ttl_v4(1)?;
        socket
            .bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, config.port)).into())?;
        let ifs = interfaces(&config);
        let mut joined = 0;
        for i in &ifs {
            match socket.join_multicast_v4(&GROUP, i) {
                Ok(()) => joined += 1,
                Err(e) => debug!(interface = %i, error = %e, "cannot join the beacon group"),
            }
        }
        if joined == 0 && !ifs.is_empty() {
            return Err(std::io::Error::other(
                "no interface could join the beacon group",
            ));
        }
        let socket = UdpSocket::from_std(socket.into())?;
        Ok(Self {
            socket,
            config,
            interfaces: ifs,
            networks: Vec::new(),
            buf: vec![0; beacon::MAX_DATAGRAM + 1],
        })
    }

    /// The networks whose members' beacons this node reads (and sends its own for).
    pub fn set_networks(&mut self, networks: Vec<(DocId, Vec<GroupId>)>) {
        self.networks = networks;
    }

    /// Sends this node's beacons on every interface: one member beacon per network, and a
    /// public one while discoverable.
    pub fn announce(&mut self, addrs: &[String]) {
        // Addresses other machines can use first; loopback ones only help nodes on this machine.
        let mut addrs: Vec<String> = addrs.to_vec();
        addrs.sort_by_key(|a| a.starts_with("/ip4/127.") || a.starts_with("/ip6/::1"));
        let b = Beacon::new(self.config.group, &addrs);
        let mut datagrams: Vec<Vec<u8>> = self
            .networks
            .iter()
            .map(|(network, _)| {
                let mut nonce = [0u8; 12];
                rand::thread_rng().fill_bytes(&mut nonce);
                beacon::seal(network, nonce, &b)
            })
            .collect();
        if self
            .config
            .discoverable_until
            .is_some_and(|until| Instant::now() < until)
        {
            datagrams.push(beacon::public(&b));
        }
        let to = SocketAddr::V4(SocketAddrV4::new(GROUP, self.config.port));
        let sock = socket2::SockRef::from(&self.socket);
        for i in &self.interfaces {
            if sock.set_multicast_if_v4(i).is_err() {
                continue;
            }
            for d in &datagrams {
                // A full send buffer or a vanished interface loses one beacon; the next tick
                // sends again.
                let _ = self.socket.try_send_to(d, to);
            }
        }
    }

    /// The next beacon this node can use: a member beacon of one of its networks whose sender
    /// is a member there, or a public one.
    async fn recv(&mut self) -> Found {
        loop {
            let Ok((n, _from)) = self.socket.recv_from(&mut self.buf).await else {
                continue;
            };
            let ids: Vec<DocId> = self.networks.iter().map(|(n, _)| *n).collect();
            match beacon::open(&ids, &self.buf[..n]) {
                Some(Opened::Member { network, beacon }) => {
                    let member = self
                        .networks
                        .iter()
                        .any(|(n, members)| *n == network && members.contains(&beacon.group));
                    if member && beacon.group != self.config.group {
                        return Found {
                            group: beacon.group,
                            addrs: beacon.addrs,
                            public: false,
                        };
                    }
                }
                Some(Opened::Public(beacon)) if beacon.group != self.config.group => {
                    return Found {
                        group: beacon.group,
                        addrs: beacon.addrs,
                        public: true,
                    };
                }
                _ => {}
            }
        }
    }
}

/// The next usable beacon, or never when beacons are off.
pub async fn next(lan: &mut Option<Lan>) -> Option<Found> {
    match lan {
        Some(l) => Some(l.recv().await),
        None => std::future::pending().await,
    }
}
