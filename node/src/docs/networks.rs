//! What the documents actor does for networks and sync around the replication core
//! (`commonground_protocol::replica`): network documents, invites, joining, and the dispatch of
//! a peer's requests to the core's rounds with the time now.
//!
//! Every rule about who may receive what is the core's, applied on the actor against the node's
//! own copy of the network document: a peer gets a network's documents only if it is a member,
//! and only the kinds its role may read; documents it sends are kept only if they belong to that
//! network and are of a shared kind.

use std::collections::BTreeMap;

use commonground_protocol::ValidationError;
use commonground_protocol::announce;
use commonground_protocol::auth::SignedHead;
use commonground_protocol::doc::DocKind;
use commonground_protocol::ids::{DocId, GroupId};
use commonground_protocol::network::{InviteCode, IssuedInvite, Network, NetworkView, Role};
use commonground_protocol::replica::{AGREED_PREFIX, PeerSync, refused};
use commonground_protocol::sync::{self as wire, Refusal, Response};
use rand::RngCore;
use tracing::{debug, warn};

use crate::docs::{DocSet, Docs, DocsError};
use crate::store::{Store, StoreError};

const INVITE: &str = "invite/";

/// Loads sync agreements and issued invites from the store's metadata.
pub(crate) fn load_meta(set: &mut DocSet, store: &dyn Store) -> Result<(), StoreError> {
    for (key, value) in store.meta_scan(AGREED_PREFIX)? {
        let Some(group) = key
            .strip_prefix(AGREED_PREFIX)
            .and_then(|g| g.parse::<GroupId>().ok())
        else {
            continue;
        };
        match PeerSync::decode_agreement(&value) {
            Ok(p) => {
                set.replica.peers.insert(group, p);
            }
            Err(e) => {
                warn!(peer = %group.short(), error = %e, "unreadable sync agreement; starting afresh")
            }
        }
    }
    for (key, value) in store.meta_scan(INVITE)? {
        let id = key.strip_prefix(INVITE).and_then(|h| {
            let mut b = [0u8; 16];
            hex::decode_to_slice(h, &mut b).ok().map(|()| b)
        });
        match (id, serde_json::from_slice::<IssuedInvite>(&value)) {
            (Some(id), Ok(inv)) => {
                set.invites.insert(id, inv);
            }
            _ => warn!(key, "unreadable invite record"),
        }
    }
    Ok(())
}

impl DocSet {
    pub(crate) fn create_network(
        &mut self,
        id: DocId,
        name: &str,
        group_name: &str,
        addrs: Vec<String>,
    ) -> Result<NetworkView, DocsError> {
        let net = Network::new(name, self.replica.group, group_name, self.today(), addrs)?;
        self.create(id, Some(id), &net)?;
        Ok(net.view(id))
    }

    /// Issues invite `id` with `secret` to a network (by id or unique prefix; coordinators only)
    /// granting `role`, valid for `valid_secs` from `now` (unix seconds).
    pub(crate) fn invite(
        &mut self,
        network: &str,
        now: i64,
        valid_secs: i64,
        addrs: Vec<String>,
        role: Role,
        (invite, secret): ([u8; 16], [u8; 32]),
    ) -> Result<InviteCode, DocsError> {
        let id = self.resolve(DocKind::Network, network)?;
        let net = self.network_or_404(&id)?;
        if net.member(&self.replica.group).map(|m| m.role) != Some(Role::Coordinator) {
            return Err(DocsError::Invalid(ValidationError::NotPermitted {
                reason: "only the network's coordinators may invite".into(),
            }));
        }
        let issued = IssuedInvite::new(id, &secret, now, valid_secs, role)?;
        self.replica.out.meta_writes.push((
            format!("{INVITE}{}", hex::encode(invite)),
            serde_json::to_vec(&issued).unwrap_or_default(),
        ));
        self.invites.insert(invite, issued);
        self.replica.out.touched.push(id);
        Ok(InviteCode {
            network: id,
            id: invite,
            secret,
            inviter: self.replica.group,
            addrs,
        })
    }

    /// Responder: the answer to any request of the sync protocol from `peer`.
    pub(crate) fn answer(&mut self, peer: &GroupId, request: wire::Request) -> Response {
        if request.doc_count() > wire::MAX_DOCS_PER_MESSAGE {
            return refused(Refusal::Malformed, "too many documents");
        }
        match request {
            // Invites are the node's: the rest of the protocol is the core's.
            wire::Request::Join {
                network,
                invite,
                secret,
                name,
                addrs,
            } => self.answer_join(peer, &network, &invite, &secret, &name, addrs),
            other => {
                let now = self.now();
                self.replica.respond(peer, other, now)
            }
        }
    }

    /// Inviter: redeems an invite for `peer` and makes it a member.
    pub(crate) fn answer_join(
        &mut self,
        peer: &GroupId,
        network: &DocId,
        invite: &[u8; 16],
        secret: &[u8],
        name: &str,
        addrs: Vec<String>,
    ) -> Response {
        let coordinator = self
            .replica
            .network(network)
            .and_then(|n| {
                n.member(&self.replica.group)
                    .map(|m| m.role == Role::Coordinator)
            })
            .unwrap_or(false);
        if !coordinator {
            return refused(
                Refusal::Invite,
                "the inviting group is no longer a coordinator of this network",
            );
        }
        let Some(issued) = self.invites.get(invite).cloned() else {
            return refused(
                Refusal::Invite,
                commonground_protocol::network::InviteError::Unknown.to_string(),
            );
        };
        if &issued.network != network {
            return refused(Refusal::Invite, "this invite is for another network");
        }
        let mut updated = issued;
        if let Err(e) = updated.redeem(secret, *peer, self.now()) {
            return refused(Refusal::Invite, e.to_string());
        }
        let (role, today) = (updated.role, self.today());
        let joined =
            self.edit::<Network, _>(network, |n| n.add_member(*peer, name, role, today, addrs));
        if let Err(e) = joined {
            return refused(Refusal::Invite, e.to_string());
        }
        self.replica.out.meta_writes.push((
            format!("{INVITE}{}", hex::encode(invite)),
            serde_json::to_vec(&updated).unwrap_or_default(),
        ));
        self.invites.insert(*invite, updated);
        match self.replica.docs.get(network) {
            Some(l) => Response::Joined {
                network: *network,
                document: l.doc.save(),
                signed: l.signed.clone(),
            },
            None => refused(Refusal::Unavailable, "network document missing"),
        }
    }

    /// Joiner: keeps the network document an inviter sent, admitted like any received one.
    pub(crate) fn accept_joined(
        &mut self,
        network: &DocId,
        bytes: &[u8],
        signed: &[SignedHead],
    ) -> Result<NetworkView, DocsError> {
        self.replica
            .admit_joined(network, bytes, signed)
            .map(|net| net.view(*network))
            .map_err(|e| DocsError::Damaged {
                doc: *network,
                reason: e.0,
            })
    }
}

impl Docs {
    /// Creates a network with this group as its first coordinator.
    pub async fn create_network(
        &self,
        name: String,
        group_name: String,
        addrs: Vec<String>,
    ) -> Result<NetworkView, DocsError> {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        let id = DocId::from_bytes(bytes);
        self.run(move |set| set.create_network(id, &name, &group_name, addrs))
            .await
    }

    /// The networks this node belongs to.
    pub async fn networks(&self) -> Result<Vec<NetworkView>, DocsError> {
        self.run(|set| {
            let ids: Vec<DocId> = set
                .replica
                .of_kind(DocKind::Network)
                .map(|(id, _)| *id)
                .collect();
            let mut out: Vec<NetworkView> = ids
                .iter()
                .filter_map(|id| set.replica.network(id).map(|n| n.view(*id)))
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
        .await
    }

    /// One network, by id or unique prefix.
    pub async fn network(&self, id: String) -> Result<NetworkView, DocsError> {
        self.run(move |set| {
            let id = set.resolve(DocKind::Network, &id)?;
            set.replica
                .network(&id)
                .map(|n| n.view(id))
                .ok_or(DocsError::NotFound {
                    what: "network",
                    id: id.to_string(),
                })
        })
        .await
    }

    /// Issues an invite to a network (coordinators only) granting `role`, valid for
    /// `valid_secs`.
    pub async fn invite(
        &self,
        network: String,
        valid_secs: i64,
        addrs: Vec<String>,
        role: Role,
    ) -> Result<InviteCode, DocsError> {
        let mut secret = [0u8; 32];
        let mut invite = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut secret);
        rand::thread_rng().fill_bytes(&mut invite);
        self.run(move |set| {
            let now = set.now();
            set.invite(&network, now, valid_secs, addrs, role, (invite, secret))
        })
        .await
    }

    /// Keeps the network document received on joining.
    pub async fn accept_joined(
        &self,
        network: DocId,
        document: Vec<u8>,
        signed: Vec<SignedHead>,
    ) -> Result<NetworkView, DocsError> {
        self.run(move |set| set.accept_joined(&network, &document, &signed))
            .await
    }

    /// Answers a request of the sync protocol from `peer`.
    pub async fn answer(&self, peer: GroupId, request: wire::Request) -> Response {
        let r = self
            .run_remote(move |set| Ok(set.answer(&peer, request)))
            .await;
        r.unwrap_or_else(|e| {
            debug!(error = %e, "request failed");
            refused(Refusal::Unavailable, "the node could not answer")
        })
    }

    /// Caps this node's answers to sync rounds at `bytes` of payloads (default
    /// `sync::MAX_REPLY_BYTES`): whole documents beyond it are deferred to the asker's next
    /// round. For tests, and for machines that must keep messages small.
    pub async fn limit_replies(&self, bytes: usize) -> Result<(), DocsError> {
        self.run(move |set| {
            set.replica.reply_bytes = bytes;
            Ok(())
        })
        .await
    }

    /// Caps the plans of one group this node keeps (and this group makes) per network at `n`
    /// (default `auth::MAX_PLANS_PER_MEMBER`). For tests.
    pub async fn limit_plans(&self, n: usize) -> Result<(), DocsError> {
        self.run(move |set| {
            set.replica.plan_quota = n;
            Ok(())
        })
        .await
    }

    /// Who may connect to this node: every member of every network it holds, whether one of
    /// its invites is open (unexpired), and each network's members (for LAN beacons).
    pub async fn admission(&self) -> Result<crate::net::Admission, DocsError> {
        // Readings are numbered in the order this actor makes them (one actor per node, so
        // increasing for each node; nodes in one process share the counter and skip numbers).
        static READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        self.run(|set| {
            let read = READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let now = set.now();
            let ids: Vec<DocId> = set
                .replica
                .of_kind(DocKind::Network)
                .map(|(id, _)| *id)
                .collect();
            let networks: Vec<(DocId, Vec<GroupId>)> = ids
                .iter()
                .filter_map(|id| {
                    let n = set.replica.network(id)?;
                    n.is_member(&set.replica.group)
                        .then(|| (*id, n.members.iter().map(|m| m.group).collect()))
                })
                .collect();
            let members = networks
                .iter()
                .flat_map(|(_, ms)| ms.iter().copied())
                .filter(|g| *g != set.replica.group)
                .collect();
            // Used ones count until they expire: a second group redeeming the code is told it
            // was used, instead of finding the node unreachable.
            let invites_until = set
                .invites
                .values()
                .map(|i| i.expires)
                .filter(|e| *e >= now)
                .max();
            let channels = ids
                .iter()
                .filter_map(|id| {
                    set.replica
                        .network(id)
                        .map(|n| announce::channels(id, &n, &set.replica.group))
                })
                .flatten()
                .collect();
            Ok(crate::net::Admission {
                members,
                invites_until,
                networks,
                channels,
                read,
            })
        })
        .await
    }

    /// Takes an announcement received on a topic of `class`: applies the changes it pushes
    /// where they pass admission as a sync round's would, and says whether it still names
    /// something this node lacks (a document it does not hold, or holds without the announced
    /// heads): then the scheduler pulls.
    pub async fn take_announced(
        &self,
        class: announce::Class,
        announcement: announce::Announcement,
    ) -> Result<bool, DocsError> {
        self.run_remote(move |set| Ok(set.replica.take_announced(class, &announcement)))
            .await
    }

    /// Whether something is left to sync with `peer` for `network` (see `Replica::recheck`).
    pub async fn recheck(
        &self,
        peer: GroupId,
        network: DocId,
        owed: bool,
    ) -> Result<bool, DocsError> {
        self.run_remote(move |set| Ok(set.replica.recheck(&peer, &network, owed)))
            .await
    }

    /// The networks shared with `peer` (both are members).
    pub async fn networks_with(&self, peer: GroupId) -> Result<Vec<DocId>, DocsError> {
        self.run(move |set| Ok(set.replica.networks_with(&peer)))
            .await
    }

    /// Members of a network other than this group, with their addresses.
    pub async fn members_of(
        &self,
        network: DocId,
    ) -> Result<Vec<(GroupId, Vec<String>)>, DocsError> {
        self.run(move |set| Ok(set.replica.members_of(&network)))
            .await
    }

    /// When each shared document was last in sync with each peer (unix seconds).
    pub async fn last_synced(&self) -> Result<BTreeMap<GroupId, BTreeMap<DocId, u64>>, DocsError> {
        self.run(|set| {
            Ok(set
                .replica
                .peers
                .iter()
                .map(|(g, p)| (*g, p.last_synced.clone()))
                .collect())
        })
        .await
    }

    /// The name a peer gave in any network this node shares with it.
    pub async fn names(&self) -> Result<BTreeMap<GroupId, String>, DocsError> {
        self.run(|set| {
            let ids: Vec<DocId> = set
                .replica
                .of_kind(DocKind::Network)
                .map(|(id, _)| *id)
                .collect();
            Ok(ids
                .iter()
                .filter_map(|id| set.replica.network(id))
                .flat_map(|n| n.members.into_iter().map(|m| (m.group, m.name)))
                .collect())
        })
        .await
    }
}

/// The opening of a session, for tests that play the initiator by hand (a whole session is
/// `commonground_protocol::replica::Initiator`, driven by `sync::session_over`).
impl Docs {
    /// Opens a session: the `Hello` this node would send `peer` for `network`.
    pub async fn session_hello(
        &self,
        peer: GroupId,
        network: DocId,
    ) -> Result<wire::Request, DocsError> {
        self.run_remote(move |set| Ok(set.replica.hello(&peer, &network)?))
            .await
    }
}
