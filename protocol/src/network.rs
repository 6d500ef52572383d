//! Networks: federations of groups that share documents. The network document holds the name,
//! the members with their roles, and settings; invites let a coordinator admit a new group.
//!
//! Who may read what is decided here, from a group's role alone: members and coordinators read
//! every shared document of the network; aggregators read no plans.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::catalogue::check_label;
use crate::doc::{DocKind, Schema};
use crate::error::ValidationError;
use crate::ids::{Day, DocId, GroupId};

/// The longest network or group name.
pub const MAX_NAME: usize = 120;
/// The default small-cell threshold.
pub const DEFAULT_K: i64 = 5;
/// The longest an invite may stay valid: 30 days.
pub const MAX_INVITE_SECS: i64 = 30 * 24 * 3600;
/// The most addresses a member or an invite may carry.
pub const MAX_ADDRS: usize = 16;

string_enum! {
    /// A member group's role in a network.
    Role {
        /// May change membership and settings.
        Coordinator = "coordinator",
        /// Reads and writes the network's shared documents.
        Member = "member",
        /// Reads published tallies only, never plans (a regional hub).
        Aggregator = "aggregator",
    }
}

/// A member group.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// The group.
    #[key]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub group: GroupId,
    /// The group's name, as it gave it when joining.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// When it joined.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub joined: Day,
    /// Where its node could be reached when it last said (multiaddrs).
    pub addrs: Vec<String>,
}

/// Settings of a network.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    /// Published counts below this are suppressed.
    pub k: i64,
    /// Whether members may publish a month before it is over (off by default: a month is
    /// published once it is over, so that no publication follows a single week's meeting).
    #[autosurgeon(missing = "closed_months")]
    #[serde(default)]
    pub open_months: bool,
    /// The network's time zone, as minutes east of UTC (−720 to 840): when a month is over
    /// there. Documents of earlier releases hold none: UTC.
    #[autosurgeon(missing = "utc")]
    #[serde(default)]
    pub utc_offset_minutes: i64,
}

fn closed_months() -> bool {
    false
}

fn utc() -> i64 {
    0
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            k: DEFAULT_K,
            open_months: false,
            utc_offset_minutes: 0,
        }
    }
}

impl Settings {
    /// The network's time zone as people read it: "UTC", "UTC+01:00", "UTC−05:30".
    pub fn zone(&self) -> String {
        let m = self.utc_offset_minutes;
        if m == 0 {
            return "UTC".into();
        }
        let sign = if m > 0 { '+' } else { '−' };
        format!("UTC{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
    }

    /// The day it is in the network's time zone at `now` (unix seconds).
    pub fn today(&self, now: i64) -> Result<Day, crate::IdError> {
        Day::from_unix(now + self.utc_offset_minutes * 60)
    }

    /// The month a member publishes when it names none: the one going on, where open months
    /// are allowed; otherwise the last one that is over in the network's time zone.
    pub fn default_period(&self, now: i64) -> Result<crate::ids::Period, crate::IdError> {
        let this = crate::ids::Period::of(self.today(now)?);
        Ok(if self.open_months {
            this
        } else {
            this.previous()
        })
    }

    /// Checks the time zone (for received documents and edits).
    pub fn check(&self) -> Result<(), ValidationError> {
        if !(-720..=840).contains(&self.utc_offset_minutes) {
            return Err(ValidationError::OutOfRange {
                field: "utc offset",
                value: self.utc_offset_minutes,
                min: -720,
                max: 840,
            });
        }
        Ok(())
    }
}

/// The body of a network document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hydrate, Reconcile)]
pub struct Network {
    /// The network's name.
    pub name: String,
    /// Its member groups.
    pub members: Vec<Member>,
    /// Its settings.
    pub settings: Settings,
    /// Groups removed from it, with the last changes of theirs that stay.
    pub removed: Vec<Removed>,
}

/// A group removed from a network. Its changes up to `heads` stay valid; later ones are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removed {
    /// The group.
    #[key]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub group: GroupId,
    /// Its name when it was removed.
    pub name: String,
    /// When it was removed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: Day,
    /// Per document, the group's newest change the removing coordinator had (hex change hash).
    pub heads: Vec<FrozenHead>,
}

/// A removed group's last accepted change in one document.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FrozenHead {
    /// The document's id, hex.
    pub document: String,
    /// The change hash, hex.
    pub hash: String,
}

/// The largest small-cell threshold a network may set.
pub const MAX_K: i64 = 100;

impl Schema for Network {
    const KIND: DocKind = DocKind::Network;
}

/// A network as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkView {
    /// The network's id (its document's id).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: DocId,
    /// Its name.
    pub name: String,
    /// Its members.
    pub members: Vec<Member>,
    /// Its settings.
    pub settings: Settings,
}

/// Whether a multiaddr (text form) names an address only this machine can use: loopback
/// (`127.0.0.0/8`, `::1`) or unspecified (`0.0.0.0`, `::`).
fn is_local_only(addr: &str) -> bool {
    let mut parts = addr.split('/').skip(1);
    match (parts.next(), parts.next()) {
        (Some("ip4"), Some(ip)) => ip
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified()),
        (Some("ip6"), Some(ip)) => ip
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified()),
        _ => false,
    }
}

/// The addresses to give other machines (in invites and the network document), from this
/// node's confirmed external addresses first, then its listen addresses: unspecified addresses
/// never, loopback ones only when there is nothing else (every node on one machine, as in
/// tests), each once, at most [`MAX_ADDRS`].
pub fn shareable_addrs(external: &[String], listen: &[String]) -> Vec<String> {
    let mut all: Vec<&String> = external.iter().chain(listen).collect();
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|a| seen.insert(a.as_str()));
    let usable: Vec<&String> = all.iter().copied().filter(|a| !is_local_only(a)).collect();
    let chosen = if usable.is_empty() {
        all.into_iter()
            .filter(|a| !a.starts_with("/ip4/0.0.0.0/") && !a.starts_with("/ip6/::/"))
            .collect()
    } else {
        usable
    };
    chosen.into_iter().take(MAX_ADDRS).cloned().collect()
}

/// The addresses of another node worth dialling: without this machine's own loopback and
/// unspecified addresses when `remote` is on another machine (they would lead back here).
/// Keeps loopback addresses when nothing else is known (every node on one machine).
pub fn dialable_addrs(addrs: &[String]) -> Vec<String> {
    let usable: Vec<String> = addrs
        .iter()
        .filter(|a| !is_local_only(a))
        .cloned()
        .collect();
    if usable.is_empty() {
        addrs
            .iter()
            .filter(|a| !a.starts_with("/ip4/0.0.0.0/") && !a.starts_with("/ip6/::/"))
            .cloned()
            .collect()
    } else {
        usable
    }
}

fn check_addrs(addrs: &[String]) -> Result<(), ValidationError> {
    if addrs.len() > MAX_ADDRS || addrs.iter().any(|a| a.len() > 255 || !a.starts_with('/')) {
        return Err(ValidationError::OutOfRange {
            field: "addresses",
            value: addrs.len() as i64,
            min: 0,
            max: MAX_ADDRS as i64,
        });
    }
    Ok(())
}

impl Network {
    /// A new network whose first coordinator is `creator`.
    pub fn new(
        name: &str,
        creator: GroupId,
        creator_name: &str,
        today: Day,
        addrs: Vec<String>,
    ) -> Result<Self, ValidationError> {
        check_label("network name", name, MAX_NAME)?;
        let mut n = Self {
            name: crate::text::label(name),
            ..Self::default()
        };
        n.add_member(creator, creator_name, Role::Coordinator, today, addrs)?;
        Ok(n)
    }

    /// The member entry of a group.
    pub fn member(&self, group: &GroupId) -> Option<&Member> {
        self.members.iter().find(|m| &m.group == group)
    }

    /// Whether a group is a member (in any role).
    pub fn is_member(&self, group: &GroupId) -> bool {
        self.member(group).is_some()
    }

    /// Whether a group may read shared documents of `kind` in this network.
    pub fn may_read(&self, group: &GroupId, kind: DocKind) -> bool {
        match self.member(group).map(|m| m.role) {
            None => false,
            Some(Role::Aggregator) => matches!(kind, DocKind::Network | DocKind::Published),
            Some(Role::Coordinator | Role::Member) => kind.is_shared(),
        }
    }

    /// Adds a group (or updates its name and addresses if it is already a member).
    pub fn add_member(
        &mut self,
        group: GroupId,
        name: &str,
        role: Role,
        today: Day,
        addrs: Vec<String>,
    ) -> Result<(), ValidationError> {
        check_label("group name", name, MAX_NAME)?;
        check_addrs(&addrs)?;
        match self.members.iter_mut().find(|m| m.group == group) {
            Some(m) => {
                m.name = crate::text::label(name);
                m.addrs = addrs;
            }
            None => self.members.push(Member {
                group,
                name: crate::text::label(name),
                role,
                joined: today,
                addrs,
            }),
        }
        Ok(())
    }

    /// Updates a member's addresses.
    pub fn set_addrs(
        &mut self,
        group: &GroupId,
        addrs: Vec<String>,
    ) -> Result<(), ValidationError> {
        check_addrs(&addrs)?;
        if let Some(m) = self.members.iter_mut().find(|m| &m.group == group) {
            m.addrs = addrs;
        }
        Ok(())
    }

    /// Whether `after` differs from `self` only in `group`'s own addresses: the one change a
    /// member that is not a coordinator may make to the network document (a node whose address
    /// changed says so itself; see [`crate::auth`]). A group that is not a member of `self`
    /// may change nothing.
    pub fn only_own_addrs_changed(&self, after: &Network, group: &GroupId) -> bool {
        let Some(now) = after.member(group) else {
            return false;
        };
        if !self.is_member(group) {
            return false;
        }
        let mut expected = self.clone();
        if let Some(m) = expected.members.iter_mut().find(|m| &m.group == group) {
            m.addrs = now.addrs.clone();
        }
        &expected == after
    }

    /// The groups that are coordinators.
    pub fn coordinators(&self) -> impl Iterator<Item = &GroupId> {
        self.members
            .iter()
            .filter(|m| m.role == Role::Coordinator)
            .map(|m| &m.group)
    }

    /// The role of a member, if it is one.
    pub fn role(&self, group: &GroupId) -> Option<Role> {
        self.member(group).map(|m| m.role)
    }

    /// The removal record of a group, if it was removed (and not re-admitted).
    pub fn removal(&self, group: &GroupId) -> Option<&Removed> {
        if self.is_member(group) {
            return None;
        }
        self.removed.iter().find(|r| &r.group == group)
    }

    fn keep_a_coordinator(
        &self,
        group: &GroupId,
        role: Option<Role>,
    ) -> Result<(), ValidationError> {
        let others = self.coordinators().filter(|g| *g != group).count();
        if self.role(group) == Some(Role::Coordinator)
            && role != Some(Role::Coordinator)
            && others == 0
        {
            return Err(ValidationError::WrongDocument {
                expected: "network with another coordinator",
                reason:
                    "a network needs at least one coordinator; make another group coordinator first"
                        .into(),
            });
        }
        Ok(())
    }

    fn not_a_member(group: &GroupId) -> ValidationError {
        ValidationError::WrongDocument {
            expected: "member of the network",
            reason: format!("group {} is not a member", group.short()),
        }
    }

    /// Changes a member's role. The last coordinator cannot step down.
    pub fn set_role(&mut self, group: &GroupId, role: Role) -> Result<(), ValidationError> {
        self.keep_a_coordinator(group, Some(role))?;
        let m = self
            .members
            .iter_mut()
            .find(|m| &m.group == group)
            .ok_or_else(|| Self::not_a_member(group))?;
        m.role = role;
        Ok(())
    }

    /// Removes a member; `heads` are its last changes that stay valid. The last coordinator
    /// cannot be removed.
    pub fn remove_member(
        &mut self,
        group: &GroupId,
        today: Day,
        heads: Vec<FrozenHead>,
    ) -> Result<(), ValidationError> {
        self.keep_a_coordinator(group, None)?;
        let at = self
            .members
            .iter()
            .position(|m| &m.group == group)
            .ok_or_else(|| Self::not_a_member(group))?;
        let m = self.members.remove(at);
        self.removed.retain(|r| &r.group != group);
        self.removed.push(Removed {
            group: *group,
            name: m.name,
            day: today,
            heads,
        });
        Ok(())
    }

    /// Sets the small-cell threshold (0 turns suppression off).
    pub fn set_k(&mut self, k: i64) -> Result<(), ValidationError> {
        if !(0..=MAX_K).contains(&k) {
            return Err(ValidationError::OutOfRange {
                field: "k",
                value: k,
                min: 0,
                max: MAX_K,
            });
        }
        self.settings.k = k;
        Ok(())
    }

    /// Checks names, addresses and settings (for received documents).
    pub fn check(&self) -> Result<(), ValidationError> {
        self.settings.check()?;
        check_label("network name", &self.name, MAX_NAME)?;
        for m in &self.members {
            check_label("group name", &m.name, MAX_NAME)?;
            check_addrs(&m.addrs)?;
        }
        for r in &self.removed {
            check_label("group name", &r.name, MAX_NAME)?;
        }
        if !(0..=MAX_K).contains(&self.settings.k) {
            return Err(ValidationError::OutOfRange {
                field: "k",
                value: self.settings.k,
                min: 0,
                max: MAX_K,
            });
        }
        Ok(())
    }

    /// The network as shown to people.
    pub fn view(&self, id: DocId) -> NetworkView {
        NetworkView {
            id,
            name: self.name.clone(),
            members: self.members.clone(),
            settings: self.settings.clone(),
        }
    }
}

/// What an invite code carries: enough to find the inviter and prove the invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCode {
    /// The network to join.
    pub network: DocId,
    /// The invite's id (not secret).
    pub id: [u8; 16],
    /// The secret that proves the invite.
    pub secret: [u8; 32],
    /// The inviting group (its node's peer id).
    pub inviter: GroupId,
    /// Where the inviter's node listens (multiaddrs).
    pub addrs: Vec<String>,
}

/// The text prefix of invite codes, so a code is recognisable and versioned.
const CODE_PREFIX: &str = "cg1-";

/// Why an invite code or a redemption was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum InviteError {
    /// Not an invite code.
    #[error("this is not a Common Ground invite code (it should start with `cg1-`)")]
    Malformed,
    /// No such invite.
    #[error("this invite is not known to the inviting node")]
    Unknown,
    /// Already used.
    #[error("this invite has already been used; ask the coordinator for a new one")]
    Used,
    /// Past its expiry.
    #[error("this invite has expired; ask the coordinator for a new one")]
    Expired,
    /// The secret does not match.
    #[error("this invite's secret does not match")]
    WrongSecret,
}

impl InviteCode {
    /// The code as text: a prefix, then base58 of its CBOR-free compact encoding.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(100);
        bytes.extend_from_slice(self.network.as_bytes());
        bytes.extend_from_slice(&self.id);
        bytes.extend_from_slice(&self.secret);
        bytes.extend_from_slice(self.inviter.public_key());
        for a in self.addrs.iter().take(MAX_ADDRS) {
            let a = a.as_bytes();
            bytes.push(a.len().min(255) as u8);
            bytes.extend_from_slice(&a[..a.len().min(255)]);
        }
        format!("{CODE_PREFIX}{}", bs58::encode(bytes).into_string())
    }

    /// Reads a code.
    pub fn decode(text: &str) -> Result<Self, InviteError> {
        let body = text
            .trim()
            .strip_prefix(CODE_PREFIX)
            .ok_or(InviteError::Malformed)?;
        let bytes = bs58::decode(body)
            .into_vec()
            .map_err(|_| InviteError::Malformed)?;
        if bytes.len() < 96 || bytes.len() > 96 + MAX_ADDRS * 256 {
            return Err(InviteError::Malformed);
        }
        let arr = |r: std::ops::Range<usize>| bytes[r].to_vec();
        let network = DocId::from_bytes(arr(0..16).try_into().map_err(|_| InviteError::Malformed)?);
        let id: [u8; 16] = arr(16..32).try_into().map_err(|_| InviteError::Malformed)?;
        let secret: [u8; 32] = arr(32..64).try_into().map_err(|_| InviteError::Malformed)?;
        let key: [u8; 32] = arr(64..96).try_into().map_err(|_| InviteError::Malformed)?;
        let inviter = GroupId::from_public_key(key).map_err(|_| InviteError::Malformed)?;
        let mut addrs = Vec::new();
        let mut rest = &bytes[96..];
        while let Some((&len, tail)) = rest.split_first() {
            let len = len as usize;
            if tail.len() < len || addrs.len() >= MAX_ADDRS {
                return Err(InviteError::Malformed);
            }
            let a = std::str::from_utf8(&tail[..len]).map_err(|_| InviteError::Malformed)?;
            addrs.push(a.to_string());
            rest = &tail[len..];
        }
        Ok(Self {
            network,
            id,
            secret,
            inviter,
            addrs,
        })
    }
}

/// An invite as its issuing node keeps it: the secret only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedInvite {
    /// The network.
    pub network: DocId,
    /// SHA-256 of the secret.
    pub secret_hash: [u8; 32],
    /// Unix seconds after which it is refused.
    pub expires: i64,
    /// The group that used it, once used.
    pub used_by: Option<GroupId>,
    /// The role it grants (invites kept by the previous release granted `member`).
    #[serde(default = "member")]
    pub role: Role,
}

fn member() -> Role {
    Role::Member
}

/// SHA-256 of an invite secret.
pub fn secret_hash(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

impl IssuedInvite {
    /// A new invite granting `role`, valid for `valid_secs` from `now`, at most
    /// [`MAX_INVITE_SECS`].
    pub fn new(
        network: DocId,
        secret: &[u8; 32],
        now: i64,
        valid_secs: i64,
        role: Role,
    ) -> Result<Self, ValidationError> {
        if !(60..=MAX_INVITE_SECS).contains(&valid_secs) {
            return Err(ValidationError::OutOfRange {
                field: "expires",
                value: valid_secs,
                min: 60,
                max: MAX_INVITE_SECS,
            });
        }
        Ok(Self {
            network,
            secret_hash: secret_hash(secret),
            expires: now + valid_secs,
            used_by: None,
            role,
        })
    }

    /// Redeems the invite for `group` at `now`. The secret is compared in constant time.
    pub fn redeem(&mut self, secret: &[u8], group: GroupId, now: i64) -> Result<(), InviteError> {
        let given = secret_hash(secret);
        let same = given
            .iter()
            .zip(self.secret_hash.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        if !same {
            return Err(InviteError::WrongSecret);
        }
        match self.used_by {
            Some(g) if g == group => return Ok(()), // a retried join of the same group
            Some(_) => return Err(InviteError::Used),
            None => {}
        }
        if now > self.expires {
            return Err(InviteError::Expired);
        }
        self.used_by = Some(group);
        Ok(())
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

    fn today() -> Day {
        "2026-11-25".parse().unwrap()
    }

    #[test]
    fn roles_decide_reading() {
        let mut n = Network::new("West Midlands", group(1), "Coventry", today(), vec![]).unwrap();
        n.add_member(group(2), "Birmingham", Role::Member, today(), vec![])
            .unwrap();
        n.add_member(group(3), "Region hub", Role::Aggregator, today(), vec![])
            .unwrap();
        assert!(n.may_read(&group(1), DocKind::Plan));
        assert!(n.may_read(&group(2), DocKind::Plan));
        assert!(!n.may_read(&group(3), DocKind::Plan));
        assert!(n.may_read(&group(3), DocKind::Network));
        assert!(!n.may_read(&group(4), DocKind::Network));
        assert!(
            !n.may_read(&group(2), DocKind::Tally),
            "raw tallies never leave"
        );
        assert!(!n.may_read(&group(2), DocKind::Meetings));
        assert_eq!(n.member(&group(1)).unwrap().role, Role::Coordinator);
    }

    #[test]
    fn names_are_checked() {
        assert!(Network::new(" ", group(1), "Coventry", today(), vec![]).is_err());
        assert!(Network::new("Net", group(1), "ring 07700 900123", today(), vec![]).is_err());
    }

    #[test]
    fn invites_are_single_use_expiring_and_secret() {
        let secret = [9u8; 32];
        let issue = || {
            IssuedInvite::new(
                DocId::from_bytes([1; 16]),
                &secret,
                1000,
                3600,
                Role::Member,
            )
            .unwrap()
        };
        let mut inv = issue();
        assert_eq!(
            inv.redeem(&[8u8; 32], group(2), 1001),
            Err(InviteError::WrongSecret)
        );
        assert_eq!(inv.redeem(&secret, group(2), 1001), Ok(()));
        assert_eq!(
            inv.redeem(&secret, group(2), 1002),
            Ok(()),
            "the same group may retry"
        );
        assert_eq!(inv.redeem(&secret, group(3), 1002), Err(InviteError::Used));
        // An invite kept by the previous release (no role) grants member.
        let mut kept = serde_json::to_value(issue()).unwrap();
        kept.as_object_mut().unwrap().remove("role");
        let kept: IssuedInvite = serde_json::from_value(kept).unwrap();
        assert_eq!(kept.role, Role::Member);
        let mut old = issue();
        assert_eq!(
            old.redeem(&secret, group(2), 1000 + 3601),
            Err(InviteError::Expired)
        );
        assert!(
            IssuedInvite::new(
                DocId::from_bytes([1; 16]),
                &secret,
                0,
                MAX_INVITE_SECS + 1,
                Role::Member
            )
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn invite_codes_round_trip(id in any::<[u8; 16]>(), secret in any::<[u8; 32]>(), ports in prop::collection::vec(1u16.., 0..4)) {
            let code = InviteCode {
                network: DocId::from_bytes(id),
                id,
                secret,
                inviter: group(5),
                addrs: ports.iter().map(|p| format!("/ip4/127.0.0.1/tcp/{p}")).collect(),
            };
            prop_assert_eq!(InviteCode::decode(&code.encode()).unwrap(), code);
        }

        #[test]
        fn decoding_junk_never_panics(s in ".{0,200}") {
            let _ = InviteCode::decode(&s);
            let _ = InviteCode::decode(&format!("cg1-{s}"));
        }
    }

    #[test]
    fn only_addresses_another_machine_can_use_are_shared() {
        let listen = vec![
            "/ip4/127.0.0.1/tcp/7466".to_string(),
            "/ip4/10.1.0.2/tcp/7466".to_string(),
            "/ip6/::1/udp/7466/quic-v1".to_string(),
            "/ip4/0.0.0.0/tcp/7466".to_string(),
        ];
        let external = vec![
            "/ip4/198.51.100.7/tcp/7466".to_string(),
            "/ip4/10.1.0.2/tcp/7466".to_string(),
        ];
        assert_eq!(
            shareable_addrs(&external, &listen),
            vec!["/ip4/198.51.100.7/tcp/7466", "/ip4/10.1.0.2/tcp/7466"]
        );
        // Every node on loopback (tests): loopback is all there is, so it is kept.
        let lo = vec![
            "/ip4/127.0.0.1/tcp/4001".to_string(),
            "/ip4/0.0.0.0/tcp/4001".to_string(),
        ];
        assert_eq!(shareable_addrs(&[], &lo), vec!["/ip4/127.0.0.1/tcp/4001"]);
        assert_eq!(dialable_addrs(&listen), vec!["/ip4/10.1.0.2/tcp/7466"]);
        assert_eq!(dialable_addrs(&lo), vec!["/ip4/127.0.0.1/tcp/4001"]);
    }
}
