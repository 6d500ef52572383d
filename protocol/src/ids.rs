//! Identifiers: groups, documents, issues, periods and days.
//!
//! Every id has one canonical text form (`Display`), parsed back by `FromStr` and used by serde,
//! so that the CLI, the HTTP API and documents all spell an id the same way.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::error::IdError;

/// Implements serde (as raw bytes in binary formats such as CBOR, as text in JSON) for a
/// fixed-size id, and autosurgeon (as text).
macro_rules! bytes_id {
    ($ty:ident, $n:expr) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.collect_str(self)
                } else {
                    s.serialize_bytes(&self.0)
                }
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let s = String::deserialize(d)?;
                    s.parse().map_err(serde::de::Error::custom)
                } else {
                    let b: serde_bytes_compat::Bytes = Deserialize::deserialize(d)?;
                    let arr: [u8; $n] = b.0.try_into().map_err(|_| serde::de::Error::custom("wrong length"))?;
                    $ty::try_from_bytes(arr).map_err(serde::de::Error::custom)
                }
            }
        }
        string_id!(@autosurgeon $ty);
    };
}

/// Reads a byte string (or, from formats without one, a sequence of bytes).
mod serde_bytes_compat {
    pub struct Bytes(pub Vec<u8>);
    impl<'de> serde::Deserialize<'de> for Bytes {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Bytes;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("bytes")
                }
                fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                    Ok(Bytes(v.to_vec()))
                }
                fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                    Ok(Bytes(v))
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(
                    self,
                    mut a: A,
                ) -> Result<Bytes, A::Error> {
                    let mut out = Vec::new();
                    while let Some(b) = a.next_element::<u8>()? {
                        if out.len() >= 64 {
                            return Err(serde::de::Error::custom("too long"));
                        }
                        out.push(b);
                    }
                    Ok(Bytes(out))
                }
            }
            d.deserialize_bytes(V)
        }
    }
}

/// Implements serde and autosurgeon (as a string) for a type with `Display` and `FromStr`.
macro_rules! string_id {
    (@autosurgeon $ty:ty) => {
        impl Reconcile for $ty {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
                r.str(self.to_string())
            }
        }
        impl Hydrate for $ty {
            fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
                s.parse()
                    .map_err(|e: IdError| HydrateError::unexpected(stringify!($ty), e.to_string()))
            }
        }
    };
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
        string_id!(@autosurgeon $ty);
    };
}

/// The most decoded keys [`verifying_key`] keeps per thread before it starts afresh.
const KEY_CACHE: usize = 4096;

thread_local! {
    /// Keys decoded on this thread. Decoding a key decompresses a curve point (a field square
    /// root), and the same few keys are read again and again: every group id in every document
    /// hydrated, and every signed head checked. A cold sync of 10,000 plans spent a tenth of the
    /// receiving actor's time there. A memo only: the answer is the same with or without it.
    static KEYS: RefCell<HashMap<[u8; 32], ed25519_dalek::VerifyingKey>> =
        RefCell::new(HashMap::new());
}

/// The ed25519 key of 32 bytes, if they are a valid point (decoded once per thread and key).
pub(crate) fn verifying_key(bytes: &[u8; 32]) -> Option<ed25519_dalek::VerifyingKey> {
    if let Some(k) = KEYS.with(|c| c.borrow().get(bytes).copied()) {
        return Some(k);
    }
    let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).ok()?;
    KEYS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= KEY_CACHE {
            c.clear();
        }
        c.insert(*bytes, key);
    });
    Some(key)
}

/// A group's identity: its ed25519 public key.
///
/// Its text form is the libp2p `PeerId` of the same key (base58 of the identity multihash of the
/// protobuf-encoded public key), so a group id and its node's peer id read the same everywhere.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId([u8; 32]);

/// The identity multihash prefix and protobuf header of an ed25519 public key, as libp2p
/// encodes a `PeerId`: multihash code 0x00 (identity), length 36, then field 1 = 1 (Ed25519)
/// and field 2 = 32 bytes of key.
const PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

impl GroupId {
    /// The group id of a public key. Fails when the bytes are not a valid ed25519 point.
    pub fn from_public_key(bytes: [u8; 32]) -> Result<Self, IdError> {
        verifying_key(&bytes).ok_or(IdError::GroupKey)?;
        Ok(Self(bytes))
    }

    /// The raw public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.0
    }

    /// The Automerge actor id of this group: its public key, so that the author of every change
    /// names the key that signs it.
    pub fn actor_id(&self) -> automerge::ActorId {
        automerge::ActorId::from(&self.0[..])
    }

    /// The group whose key is this actor id, if it is one.
    pub fn from_actor(actor: &automerge::ActorId) -> Option<Self> {
        let bytes: [u8; 32] = actor.to_bytes().try_into().ok()?;
        Self::from_public_key(bytes).ok()
    }

    /// The first characters of the text form, for logs and tables.
    pub fn short(&self) -> String {
        let full = self.to_string();
        full[full.len() - 8..].to_string()
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = Vec::with_capacity(38);
        bytes.extend_from_slice(&PEER_ID_PREFIX);
        bytes.extend_from_slice(&self.0);
        f.pad(&bs58::encode(bytes).into_string())
    }
}

impl fmt::Debug for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupId({self})")
    }
}

impl FromStr for GroupId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let bytes = bs58::decode(s).into_vec().map_err(|_| IdError::GroupText)?;
        let key = bytes
            .strip_prefix(&PEER_ID_PREFIX[..])
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or(IdError::GroupText)?;
        Self::from_public_key(key)
    }
}
bytes_id!(GroupId, 32);

impl GroupId {
    fn try_from_bytes(b: [u8; 32]) -> Result<Self, IdError> {
        Self::from_public_key(b)
    }
}

/// A document's id: 16 bytes, written as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId([u8; 16]);

impl DocId {
    /// A document id from 16 bytes (for new plans, random bytes chosen by the caller).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The id of a document that a group has exactly one of (its tally, its meeting log),
    /// derived from the kind and the owner so that every node computes the same id.
    pub fn derived(kind: &str, owner: &GroupId) -> Self {
        let mut h = Sha256::new();
        h.update(b"commonground/doc/v1\0");
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(owner.public_key());
        let digest = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        Self(id)
    }

    /// The id of a document bound to its owner (a plan): derived from the kind, the network,
    /// the owner and random `salt` that the document's header holds, so that a node can check
    /// that no other group issued it (`doc::Header::bound_id`).
    pub fn bound(kind: &str, network: Option<&DocId>, owner: &GroupId, salt: &[u8; 16]) -> Self {
        let mut h = Sha256::new();
        h.update(b"commonground/doc/bound/v1\0");
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(network.map_or([0u8; 16], |n| n.0));
        h.update(owner.public_key());
        h.update(salt);
        let digest = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        Self(id)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The first eight hex digits, enough to name a plan on the command line.
    pub fn short(&self) -> String {
        self.to_string()[..8].to_string()
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&hex::encode(self.0))
    }
}

impl fmt::Debug for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocId({self})")
    }
}

impl FromStr for DocId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let mut id = [0u8; 16];
        if s.len() != 32
            || !s
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(IdError::DocId);
        }
        hex::decode_to_slice(s, &mut id).map_err(|_| IdError::DocId)?;
        Ok(Self(id))
    }
}
bytes_id!(DocId, 16);

impl DocId {
    fn try_from_bytes(b: [u8; 16]) -> Result<Self, IdError> {
        Ok(Self(b))
    }
}

/// The stable key of an issue in a catalogue: a lowercase slug such as `legal-aid`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IssueKey(String);

impl IssueKey {
    /// The longest key accepted.
    pub const MAX_LEN: usize = 40;

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IssueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for IssueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IssueKey({})", self.0)
    }
}

impl FromStr for IssueKey {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let ok = (2..=Self::MAX_LEN).contains(&s.len())
            && s.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError::IssueKey(s.chars().take(50).collect()))
        }
    }
}
string_id!(IssueKey);

/// The first and last years accepted in periods and dates: wide enough for any real plan,
/// narrow enough to catch a mistyped year.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A calendar month, `YYYY-MM`: the unit tallies are counted in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: i32,
    month: u8,
}

impl Period {
    /// A period, if the year is within [`YEARS`] and the month is 1–12.
    pub fn new(year: i32, month: u8) -> Result<Self, IdError> {
        if YEARS.contains(&year) && (1..=12).contains(&month) {
            Ok(Self { year, month })
        } else {
            Err(IdError::Period(format!("{year:04}-{month:02}")))
        }
    }

    /// The month a day falls in.
    pub fn of(day: Day) -> Self {
        Self {
            year: day.0.year(),
            month: u8::from(day.0.month()),
        }
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The month after this one (itself at the end of [`YEARS`]).
    pub fn next(&self) -> Self {
        match self.month {
            12 if self.year < *YEARS.end() => Self {
                year: self.year + 1,
                month: 1,
            },
            12 => *self,
            m => Self {
                year: self.year,
                month: m + 1,
            },
        }
    }

    /// The month's first day.
    pub fn first_day(&self) -> Day {
        let month = time::Month::try_from(self.month).unwrap_or(time::Month::January);
        let date = time::Date::from_calendar_date(self.year, month, 1).unwrap_or(time::Date::MIN);
        Day(date)
    }

    /// The month before this one (itself at the start of [`YEARS`]).
    pub fn previous(&self) -> Self {
        match self.month {
            1 if self.year > *YEARS.start() => Self {
                year: self.year - 1,
                month: 12,
            },
            1 => *self,
            m => Self {
                year: self.year,
                month: m - 1,
            },
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl fmt::Debug for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Period({self})")
    }
}

impl FromStr for Period {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let err = || IdError::Period(s.chars().take(20).collect());
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        Self::new(y.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?).map_err(|_| err())
    }
}
string_id!(Period);

/// A calendar day, `YYYY-MM-DD` (dates of actions and meetings, and the coarsest time we keep).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Day(time::Date);

impl Day {
    /// The day of a date, if its year is within [`YEARS`].
    pub fn new(date: time::Date) -> Result<Self, IdError> {
        if YEARS.contains(&date.year()) {
            Ok(Self(date))
        } else {
            Err(IdError::Day(date.to_string()))
        }
    }

    /// The day a unix time (seconds) falls in, in UTC.
    pub fn from_unix(seconds: i64) -> Result<Self, IdError> {
        let t = time::OffsetDateTime::from_unix_timestamp(seconds)
            .map_err(|_| IdError::Day(seconds.to_string()))?;
        Self::new(t.date())
    }

    /// Midnight UTC at the start of this day, in unix seconds.
    pub fn unix_start(&self) -> i64 {
        self.0.midnight().assume_utc().unix_timestamp()
    }

    /// The date.
    pub fn date(&self) -> time::Date {
        self.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl fmt::Debug for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Day({self})")
    }
}

impl FromStr for Day {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let err = || IdError::Day(s.chars().take(20).collect());
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        if s.len() != 10 {
            return Err(err());
        }
        let date = time::Date::parse(s, &fmt).map_err(|_| err())?;
        Self::new(date).map_err(|_| err())
    }
}
string_id!(Day);

/// The id of an item inside a document (an action, a target, a meeting): short random hex,
/// unique within its list, so concurrent inserts on two nodes merge as two items.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(String);

impl ItemId {
    /// An item id from 6 bytes chosen by the caller (random on the node).
    pub fn from_bytes(bytes: [u8; 6]) -> Self {
        Self(hex::encode(bytes))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ItemId({})", self.0)
    }
}

impl FromStr for ItemId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.len() == 12
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError::ItemId(s.chars().take(20).collect()))
        }
    }
}
string_id!(ItemId);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn group(seed: u8) -> GroupId {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        GroupId::from_public_key(key.verifying_key().to_bytes()).unwrap()
    }

    /// The memo of decoded keys answers as decoding does, for keys seen before and past its
    /// bound, and keeps refusing bytes that are no point.
    #[test]
    fn decoded_keys_are_remembered_without_changing_the_answer() {
        let not_a_point = (0u8..=255)
            .map(|b| [b; 32])
            .find(|b| ed25519_dalek::VerifyingKey::from_bytes(b).is_err())
            .expect("some bytes are no point");
        for _ in 0..2 {
            assert_eq!(
                GroupId::from_public_key(not_a_point),
                Err(IdError::GroupKey)
            );
        }
        let keys: Vec<[u8; 32]> = (0..KEY_CACHE as u32 + 10)
            .map(|i| {
                let mut seed = [0u8; 32];
                seed[..4].copy_from_slice(&i.to_le_bytes());
                ed25519_dalek::SigningKey::from_bytes(&seed)
                    .verifying_key()
                    .to_bytes()
            })
            .collect();
        for round in 0..2 {
            for k in &keys {
                let decoded = verifying_key(k).map(|v| v.to_bytes());
                assert_eq!(decoded, Some(*k), "round {round}");
            }
        }
        assert!(KEYS.with(|c| c.borrow().len()) <= KEY_CACHE);
    }

    #[test]
    fn group_id_reads_like_a_libp2p_ed25519_peer_id() {
        let text = group(1).to_string();
        assert!(text.starts_with("12D3KooW"), "{text}");
        assert_eq!(text.parse::<GroupId>().unwrap(), group(1));
        assert!("12D3KooWnotakey".parse::<GroupId>().is_err());
    }

    #[test]
    fn actor_id_round_trips_to_group() {
        let g = group(7);
        assert_eq!(GroupId::from_actor(&g.actor_id()), Some(g));
        assert_eq!(
            GroupId::from_actor(&automerge::ActorId::from(&[1u8, 2][..])),
            None
        );
    }

    #[test]
    fn derived_doc_ids_differ_by_kind_and_owner() {
        let a = DocId::derived("tally", &group(1));
        assert_eq!(a, DocId::derived("tally", &group(1)));
        assert_ne!(a, DocId::derived("meetings", &group(1)));
        assert_ne!(a, DocId::derived("tally", &group(2)));
        assert_eq!(a.to_string().parse::<DocId>().unwrap(), a);
        assert!("ABCDEF".parse::<DocId>().is_err());
        assert!(a.to_string().to_uppercase().parse::<DocId>().is_err());
    }

    #[test]
    fn periods_and_days_are_strict() {
        assert_eq!("2026-11".parse::<Period>().unwrap().to_string(), "2026-11");
        for bad in [
            "2026-13", "2026-00", "26-11", "2026-1", "2026/11", "1999-12", "abcd-ef", "",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        let d: Day = "2026-12-10".parse().unwrap();
        assert_eq!(d.to_string(), "2026-12-10");
        assert_eq!(Period::of(d).to_string(), "2026-12");
        for bad in [
            "2026-02-30",
            "2026-12-1",
            "10/12/2026",
            "2026-12-10T00:00",
            "3026-01-01",
        ] {
            assert!(bad.parse::<Day>().is_err(), "{bad}");
        }
    }

    #[test]
    fn issue_keys_are_slugs() {
        for good in ["housing", "legal-aid", "hate-crime", "a1", "family-reunion"] {
            assert!(good.parse::<IssueKey>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "x",
            "Housing",
            "legal_aid",
            "-a",
            "a-",
            "a--b",
            "legal aid",
            &"a".repeat(41),
        ] {
            assert!(bad.parse::<IssueKey>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_text_in_json_and_bytes_in_binary_formats() {
        let g = group(4);
        let d = DocId::from_bytes([7; 16]);
        assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{d}\""));
        assert_eq!(
            serde_json::from_str::<GroupId>(&serde_json::to_string(&g).unwrap()).unwrap(),
            g
        );
        let mut buf = Vec::new();
        ciborium::into_writer(&(d, g), &mut buf).unwrap();
        assert!(buf.len() < 16 + 32 + 8, "{} bytes", buf.len());
        let back: (DocId, GroupId) = ciborium::from_reader(&buf[..]).unwrap();
        assert_eq!(back, (d, g));
    }

    #[test]
    fn months_step_across_years_and_stop_at_the_ends() {
        let p = |t: &str| t.parse::<Period>().unwrap();
        assert_eq!(p("2026-01").previous(), p("2025-12"));
        assert_eq!(p("2026-12").next(), p("2027-01"));
        assert_eq!(p("2026-06").next().previous(), p("2026-06"));
        assert_eq!(p("2000-01").previous(), p("2000-01"));
        assert_eq!(p("2100-12").next(), p("2100-12"));
        assert_eq!(p("2026-02").first_day(), "2026-02-01".parse().unwrap());
    }

    proptest! {
        #[test]
        fn period_text_round_trips(y in 2000i32..=2100, m in 1u8..=12) {
            let p = Period::new(y, m).unwrap();
            prop_assert_eq!(p.to_string().parse::<Period>().unwrap(), p);
        }

        #[test]
        fn day_unix_start_is_midnight(secs in 946_684_800i64..4_102_444_800) {
            let d = Day::from_unix(secs).unwrap();
            prop_assert_eq!(d.unix_start() % 86_400, 0);
            prop_assert!(d.unix_start() <= secs && secs < d.unix_start() + 86_400);
        }

        #[test]
        fn doc_id_text_round_trips(bytes in any::<[u8; 16]>()) {
            let id = DocId::from_bytes(bytes);
            prop_assert_eq!(id.to_string().parse::<DocId>().unwrap(), id);
        }

        #[test]
        fn issue_key_parse_never_panics(s in ".{0,60}") {
            let _ = s.parse::<IssueKey>();
        }
    }
}
