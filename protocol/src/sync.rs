//! The sync protocol `/commonground/sync/4`: its messages, limits and the pure decisions of a
//! session. `protocol/PROTOCOL.md` describes the exchange for other implementations.
//!
//! A session runs between two member nodes for one network. The initiator opens with `Hello`:
//! a digest of the (document, heads) pairs both sides agreed on at the end of their last session,
//! and the documents whose heads changed since — each with its changes after the agreed heads
//! (a [`Catchup`]: one Automerge bundle) where it has them. When the responder's digest matches,
//! only changed documents are looked at, so unchanged ones cost nothing however many there are;
//! the responder takes the catch-ups, answers with its own, and records as agreed every document
//! both sides will then hold alike ([`responder_agrees`]): when both sides had an agreement, the
//! session ends there, in one round trip. When the digest does not match (state lost on one
//! side), the responder lists every document and the session compares all. Documents the other
//! side lacks travel whole (Automerge `save()`); documents whose histories still differ are
//! reconciled with Automerge's sync protocol; a final `Commit` records the new agreement.
//!
//! Every message travels as CBOR compressed with DEFLATE ([`encode`], [`decode`]).

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::SignedHead;
use crate::generation::GenRank;
use crate::ids::DocId;

/// The libp2p protocol name. Version 4 (Common Ground 0.5) compresses every message and adds
/// catch-ups to `Hello` and its answer; version 3 (0.3) added the refusal `Content` (a change
/// refused for what it carries, which is no offence) and document generations (a document
/// re-issued without its history); version 2 (0.2) made long text fields Automerge text
/// objects. Each changed the messages or documents, so the id changed (PROTOCOL.md §13).
pub const PROTOCOL: &str = "/commonground/sync/4";
/// The previous protocol names: a node still speaking one is answered by [`upgrade_needed`]
/// and is never scored as an offender. Their messages are CBOR, uncompressed.
pub const PREVIOUS: &[&str] = &[
    "/commonground/sync/3",
    "/commonground/sync/2",
    "/commonground/sync/1",
];

/// The answer to every request of a node that speaks only one of [`PREVIOUS`]: a refusal it
/// can read (in every previous version), naming the version it needs.
pub fn upgrade_needed() -> Response {
    Response::Refused {
        reason: Refusal::Unavailable,
        message: format!(
            "this node speaks {PROTOCOL} (Common Ground 0.5 or newer); upgrade this node to sync with it"
        ),
    }
}
/// The largest request or response accepted, in bytes.
pub const MAX_MESSAGE_BYTES: u64 = 64 * 1024 * 1024;
/// The most documents one `Hello`, `Sync` or `Commit` may name.
pub const MAX_DOCS_PER_MESSAGE: usize = 20_000;
/// The most `Sync` rounds in one session.
pub const MAX_ROUNDS: usize = 32;

/// The most bytes of catch-ups ([`Catchup::changes`]) one `Hello` or its answer carries: a
/// document whose changes do not fit is only listed, and reconciled in rounds.
pub const MAX_CATCHUP_BYTES: usize = 8 * 1024 * 1024;

/// Why a received message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// It inflates to more than the limit.
    #[error("the message inflates to more than {0} bytes")]
    TooLarge(u64),
    /// It is not DEFLATE'd CBOR of a message.
    #[error("unreadable message: {0}")]
    Unreadable(String),
}

/// A message as it travels: its CBOR, compressed with DEFLATE (RFC 1951, no header).
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    use std::io::Write;
    let mut cbor = Vec::new();
    ciborium::into_writer(message, &mut cbor).expect("CBOR into a Vec cannot fail");
    // It runs on the network's threads, for every message: small messages (a `Hello`, a
    // catch-up) are compressed hard, which costs little at their size; larger ones fast.
    let level = if cbor.len() <= 64 * 1024 {
        flate2::Compression::best()
    } else {
        flate2::Compression::fast()
    };
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), level);
    z.write_all(&cbor).expect("DEFLATE into a Vec cannot fail");
    z.finish().expect("DEFLATE into a Vec cannot fail")
}

/// Reads a message [`encode`]d, inflating it to at most `max` bytes.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], max: u64) -> Result<T, DecodeError> {
    decode_sized(bytes, max).map(|(message, _)| message)
}

/// As [`decode`], and the size the message inflated to (what holding it costs, about).
pub fn decode_sized<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    max: u64,
) -> Result<(T, usize), DecodeError> {
    decode_from(bytes, max)
}

/// As [`decode_sized`], from a reader of the encoded bytes. The message is inflated as it is
/// decoded, never whole: what is held is the decoded message (and 80 KiB of buffers), and
/// decoding stops at the first byte that cannot begin or continue a message, or once more
/// than `max` bytes came out.
pub fn decode_from<T: serde::de::DeserializeOwned>(
    bytes: impl std::io::Read,
    max: u64,
) -> Result<(T, usize), DecodeError> {
    use std::io::Read;
    /// Counts what the inflater hands the decoder.
    struct Counted<R>(R, u64);
    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n as u64;
            Ok(n)
        }
    }
    // Buffered: CBOR is read a few bytes at a time, and inflating is costly per call.
    let mut cbor = std::io::BufReader::with_capacity(
        16 * 1024,
        Counted(
            flate2::read::DeflateDecoder::new(bytes).take(max.saturating_add(1)),
            0,
        ),
    );
    // Byte strings are read as byte buffers (see `serde_bytes_vec`) and text as strings, a
    // scratch buffer's worth at a time: 64 KiB holds most payloads at once (one allocation of
    // the right size, no growing).
    let mut scratch = vec![0u8; 64 * 1024];
    let decoded = ciborium::de::from_reader_with_buffer(&mut cbor, &mut scratch);
    let inflated = cbor.get_ref().1;
    if inflated > max {
        return Err(DecodeError::TooLarge(max));
    }
    let size = usize::try_from(inflated).unwrap_or(usize::MAX);
    decoded
        .map(|message| (message, size))
        .map_err(|e| DecodeError::Unreadable(e.to_string()))
}

/// A short hash of a document's heads: equal heads give equal hashes.
pub type HeadsHash = [u8; 8];

/// The heads hash of a set of heads (order does not matter).
pub fn heads_hash(heads: &[ChangeHash]) -> HeadsHash {
    let mut sorted: Vec<&ChangeHash> = heads.iter().collect();
    sorted.sort();
    let mut h = Sha256::new();
    for c in sorted {
        h.update(c.0);
    }
    let d = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

/// The digest of an agreement: SHA-256 over the sorted (document, heads hash) pairs.
pub fn digest(agreed: &BTreeMap<DocId, HeadsHash>) -> [u8; 32] {
    let mut h = Sha256::new();
    for (doc, heads) in agreed {
        h.update(doc.as_bytes());
        h.update(heads);
    }
    h.finalize().into()
}

/// A document and its heads hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocHeads {
    /// The document.
    pub doc: DocId,
    /// Its heads hash.
    #[serde(with = "fixed_bytes")]
    pub heads: HeadsHash,
    /// Its generation (left out for generation 0): of two copies with different heads, the
    /// one of the winning generation is sent whole rather than synced.
    #[serde(default, skip_serializing_if = "GenRank::is_first")]
    pub generation: GenRank,
}

/// One listed document's changes after the heads both sides agreed on, in a `Hello` or its
/// answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catchup {
    /// Which document: its index in the same message's list (`changed` of a `Hello`, `docs` of
    /// its answer).
    pub at: u32,
    /// The changes, as one Automerge bundle (`Automerge::bundle`) of every change after the
    /// agreed heads that the receiver may lack.
    #[serde(with = "serde_bytes_vec")]
    pub changes: Vec<u8>,
    /// The sender's signed heads that name changes of the bundle (at most
    /// [`crate::auth::MAX_SIGNED_HEADS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed: Vec<SignedHead>,
}

/// Whether the responder records a document as agreed at its heads `mine` (after taking the
/// initiator's catch-up) at the end of a `Hello` whose digest matched: when the initiator will
/// then hold exactly those heads. `listed`: the initiator's heads hash, if it listed the document
/// (else it holds the agreed heads); `taken`: the responder took the initiator's catch-up of it
/// (every change after the agreed heads); `sent`: the answer carries the responder's catch-up
/// of it (every change after the agreed heads the initiator may lack).
pub fn responder_agrees(
    listed: Option<HeadsHash>,
    taken: bool,
    sent: bool,
    mine: HeadsHash,
) -> bool {
    listed == Some(mine) || ((listed.is_none() || taken) && sent)
}

/// What travels for one document in a `Sync` round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payload {
    /// The whole document (Automerge `save()`), for a side that lacks it or to merge in.
    Whole(#[serde(with = "serde_bytes_vec")] Vec<u8>),
    /// An Automerge sync message.
    Message(#[serde(with = "serde_bytes_vec")] Vec<u8>),
    /// A request for the whole document.
    Want,
}

/// One document's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocPayload {
    /// The document.
    pub doc: DocId,
    /// What travels for it.
    pub payload: Payload,
    /// The sender's signed heads of the document (per author, the newest), when the payload
    /// carries changes; at most [`crate::auth::MAX_SIGNED_HEADS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed: Vec<SignedHead>,
    /// The generation of the sender's copy (left out for generation 0): a sync message is only
    /// read by a copy of the same generation.
    #[serde(default, skip_serializing_if = "GenRank::is_first")]
    pub generation: GenRank,
}

impl DocPayload {
    /// About how many bytes it takes on the wire: its Automerge bytes, plus 32 for the rest.
    pub fn size(&self) -> usize {
        let bytes = match &self.payload {
            Payload::Whole(b) | Payload::Message(b) => b.len(),
            Payload::Want => 0,
        };
        bytes + 32
    }
}

/// The most bytes of payloads a responder puts in one `Sync` answer (well under
/// [`MAX_MESSAGE_BYTES`]), whatever was asked for.
pub const MAX_REPLY_BYTES: usize = 16 * 1024 * 1024;

/// Cuts a responder's answer to at most `cap` bytes of payloads ([`DocPayload::size`]): sync
/// messages are always kept (Automerge's sync state counts them as sent); whole documents are
/// kept in order while they fit, and at least one, so that every answer moves a catch-up on;
/// the ids of those that do not fit are returned, to be answered `deferred`.
pub fn fit_reply(payloads: Vec<DocPayload>, cap: usize) -> (Vec<DocPayload>, Vec<DocId>) {
    let mut total: usize = payloads
        .iter()
        .filter(|p| !matches!(p.payload, Payload::Whole(_)))
        .map(DocPayload::size)
        .sum();
    let (mut kept, mut deferred) = (Vec::new(), Vec::new());
    let mut wholes = 0;
    for p in payloads {
        if matches!(p.payload, Payload::Whole(_)) {
            if wholes > 0 && total.saturating_add(p.size()) > cap {
                deferred.push(p.doc);
                continue;
            }
            wholes += 1;
            total = total.saturating_add(p.size());
        }
        kept.push(p);
    }
    (kept, deferred)
}

/// The protocol on which a member tells a member whose relay holds its slot that an invite of
/// its own is open (PROTOCOL.md §2b): libp2p request-response, each message one CBOR value.
pub const INVITE_OPEN_PROTOCOL: &str = "/commonground/invite-open/1";

/// "An invite of mine is open for `for_secs` more seconds" (0: none is), told by a member to
/// the relay holding its slot: while it is, strangers may open a circuit through that relay to
/// the teller, to redeem the invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteOpen {
    /// Seconds the invite stays open from now.
    pub for_secs: u64,
}

/// The relay's answer to [`InviteOpen`]: how long it lets strangers through to the teller
/// (at most a day: the teller tells again on each renewal of its slot, hourly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteOpenAck {
    /// Seconds from now; 0 when the relay lets none through.
    pub for_secs: u64,
}

/// A request of the sync protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Redeem an invite and become a member.
    Join {
        /// The network.
        network: DocId,
        /// The invite's id.
        #[serde(with = "fixed_bytes")]
        invite: [u8; 16],
        /// The invite's secret.
        #[serde(with = "serde_bytes_vec")]
        secret: Vec<u8>,
        /// The joining group's name.
        name: String,
        /// Where the joining node listens (at most `network::MAX_ADDRS`, refused as it is read).
        #[serde(deserialize_with = "bounded::<_, _, { crate::network::MAX_ADDRS }>")]
        addrs: Vec<String>,
    },
    /// Open a session.
    Hello {
        /// The network.
        network: DocId,
        /// Digest of the sender's agreement with the receiver for this network.
        #[serde(with = "fixed_bytes")]
        digest: [u8; 32],
        /// The sender's documents whose heads differ from that agreement.
        #[serde(deserialize_with = "bounded::<_, _, MAX_DOCS_PER_MESSAGE>")]
        changed: Vec<DocHeads>,
        /// Changes after the agreed heads of some of them. Left out when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        catchup: Vec<Catchup>,
        /// Documents an announcement named at heads the sender still lacks: the receiver that
        /// lacks them too passes on what sync next brings it of the network (PROTOCOL.md §8b).
        /// Left out when empty (and ignored by nodes before 0.5.1).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        wanted: Vec<DocHeads>,
    },
    /// One round of payloads.
    Sync {
        /// The network.
        network: DocId,
        /// Payloads, one per document.
        #[serde(deserialize_with = "bounded::<_, _, MAX_DOCS_PER_MESSAGE>")]
        docs: Vec<DocPayload>,
    },
    /// End a session: the sender's heads of the documents looked at.
    Commit {
        /// The network.
        network: DocId,
        /// The sender's heads.
        #[serde(deserialize_with = "bounded::<_, _, MAX_DOCS_PER_MESSAGE>")]
        docs: Vec<DocHeads>,
    },
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The requester is not a member of the network (or may not read what it asked for).
    NotMember,
    /// The invite was refused; the message says why.
    Invite,
    /// The request broke a limit or could not be read.
    Malformed,
    /// The responder could not serve it now.
    Unavailable,
    /// The request carried changes their authors may not make, or that no valid signature
    /// covers, or that break a document's rules. Repeated offences disconnect the peer.
    Forbidden,
    /// The request carried changes refused for what they carry (a time of day, a message,
    /// personal data in a text they write). Not an offence: an honest node with older rules
    /// may send such a change.
    Content,
}

/// A response of the sync protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The join worked: the network document, whole.
    Joined {
        /// The network.
        network: DocId,
        /// Its document (Automerge `save()`).
        #[serde(with = "serde_bytes_vec")]
        document: Vec<u8>,
        /// Its signed heads.
        signed: Vec<SignedHead>,
    },
    /// The answer to `Hello`.
    Hello {
        /// Whether the digests matched.
        digest_ok: bool,
        /// If they matched, the responder's changed documents (its heads after taking the
        /// initiator's catch-ups); if not, all its documents.
        docs: Vec<DocHeads>,
        /// Changes after the agreed heads of some of `docs` (only when the digests matched).
        /// Left out when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        catchup: Vec<Catchup>,
        /// The indices in `docs` of the documents the responder now records as agreed at the
        /// heads listed ([`responder_agrees`]): the initiator records those it holds at those
        /// heads. Left out when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        agreed: Vec<u32>,
        /// The indices in the request's `changed` of the documents the responder now holds at
        /// exactly the heads listed there (it took their catch-ups, or held them already): not
        /// listed again in `docs`; both sides record them as agreed at those heads. Left out
        /// when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        same: Vec<u32>,
    },
    /// The answer to a `Sync` round.
    Sync {
        /// Payloads, one per document.
        docs: Vec<DocPayload>,
        /// Documents asked for (`Want`) that did not fit in this answer ([`fit_reply`]): the
        /// initiator asks for them again in its next round. Left out when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        deferred: Vec<DocId>,
    },
    /// The answer to `Commit`: the documents whose heads matched and are now agreed.
    Committed {
        /// The agreed documents.
        docs: Vec<DocId>,
    },
    /// The request was refused.
    Refused {
        /// Why.
        reason: Refusal,
        /// A sentence for people (no document content).
        message: String,
    },
}

impl Request {
    /// The number of documents the request names, for limits.
    pub fn doc_count(&self) -> usize {
        match self {
            Self::Join { addrs, .. } => addrs.len(),
            Self::Hello { changed, .. } => changed.len(),
            Self::Sync { docs, .. } => docs.len(),
            Self::Commit { docs, .. } => docs.len(),
        }
    }
}

/// What the initiator does for each document after `Hello`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionPlan {
    /// The other side lacks these: send them whole.
    pub send_whole: Vec<DocId>,
    /// This side lacks these: ask for them whole.
    pub want: Vec<DocId>,
    /// Both have these with different heads: run Automerge sync.
    pub sync: Vec<DocId>,
    /// Both have these with the same heads already.
    pub equal: Vec<DocId>,
}

impl SessionPlan {
    /// Every document the session looks at.
    pub fn all(&self) -> impl Iterator<Item = &DocId> {
        self.send_whole
            .iter()
            .chain(&self.want)
            .chain(&self.sync)
            .chain(&self.equal)
    }
}

/// The documents of `mine` whose heads differ from `agreed` (or that `agreed` lacks).
pub fn changed(
    mine: &BTreeMap<DocId, HeadsHash>,
    agreed: &BTreeMap<DocId, HeadsHash>,
) -> Vec<DocHeads> {
    mine.iter()
        .filter(|(doc, heads)| agreed.get(doc) != Some(heads))
        .map(|(doc, heads)| DocHeads {
            doc: *doc,
            heads: *heads,
            generation: GenRank::FIRST,
        })
        .collect()
}

/// Decides, on the initiator's side, what to do with each document after `Hello`.
///
/// `mine`: the initiator's shared documents and heads, and `gens` the generation of those not
/// at generation 0; `agreed`: its agreement with the peer; `digest_ok` and `theirs`: the peer's
/// answer. With a matching digest, a document the peer did not list is at the agreed heads if
/// there are any (of generation 0, as far as this side knows), and absent otherwise. Of two
/// copies with different heads, the one of the winning generation is sent whole.
pub fn plan_session(
    mine: &BTreeMap<DocId, HeadsHash>,
    gens: &BTreeMap<DocId, GenRank>,
    agreed: &BTreeMap<DocId, HeadsHash>,
    digest_ok: bool,
    theirs: &[DocHeads],
) -> SessionPlan {
    let theirs_map: BTreeMap<DocId, HeadsHash> = theirs.iter().map(|d| (d.doc, d.heads)).collect();
    let their_gens: BTreeMap<DocId, GenRank> =
        theirs.iter().map(|d| (d.doc, d.generation)).collect();
    let candidates: BTreeSet<DocId> = if digest_ok {
        changed(mine, agreed)
            .into_iter()
            .map(|d| d.doc)
            .chain(theirs_map.keys().copied())
            .collect()
    } else {
        mine.keys().chain(theirs_map.keys()).copied().collect()
    };
    let mut plan = SessionPlan::default();
    for doc in candidates {
        let their = theirs_map
            .get(&doc)
            .or_else(|| if digest_ok { agreed.get(&doc) } else { None });
        let my_gen = gens.get(&doc).copied().unwrap_or_default();
        let their_gen = their_gens.get(&doc).copied().unwrap_or_default();
        match (mine.get(&doc), their) {
            (Some(a), Some(b)) if a == b => plan.equal.push(doc),
            (Some(_), Some(_)) if my_gen.beats(&their_gen) => plan.send_whole.push(doc),
            (Some(_), Some(_)) if their_gen.beats(&my_gen) => plan.want.push(doc),
            (Some(_), Some(_)) => plan.sync.push(doc),
            (Some(_), None) => plan.send_whole.push(doc),
            (None, Some(_)) => plan.want.push(doc),
            (None, None) => {}
        }
    }
    plan
}

/// A fixed-size byte array as a CBOR byte string of exactly that length.
pub(crate) mod fixed_bytes {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer, const N: usize>(v: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let v = super::serde_bytes_vec::deserialize(d)?;
        v.try_into()
            .map_err(|_| serde::de::Error::custom(format!("expected {N} bytes")))
    }
}

/// A request's list read with at most `N` elements, refused at the first one over before it is
/// built: an element may take many times in memory what it takes in the message (an empty
/// string is one byte of CBOR and 24 in memory), so a list's length is bounded as it is read,
/// not after. The limits are those a request is held to anyway (`Request::doc_count`).
fn bounded<'de, D, T, const N: usize>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Bounded<T, const N: usize>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>, const N: usize> serde::de::Visitor<'de> for Bounded<T, N> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a list of at most {N}")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(a.size_hint().unwrap_or(0).min(N).min(1024));
            while let Some(x) = a.next_element()? {
                if out.len() == N {
                    return Err(serde::de::Error::custom(format!(
                        "a list of more than {N} elements"
                    )));
                }
                out.push(x);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Bounded::<T, N>(std::marker::PhantomData))
}

/// Bytes as a CBOR byte string rather than an array of numbers.
pub(crate) mod serde_bytes_vec {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, mut v: Vec<u8>) -> Result<Vec<u8>, E> {
                // ciborium grows the buffer as it reads: keep only what the bytes need.
                v.shrink_to_fit();
                Ok(v)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = a.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(out)
            }
        }
        // As a byte buffer: ciborium reads a byte string longer than its scratch buffer only
        // this way (through `deserialize_bytes` it refuses one, whatever its length limits).
        d.deserialize_byte_buf(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request's lists are bounded as they are read: a `Join` with more addresses than any
    /// node sends, or a round with more documents than a round may hold, does not decode (an
    /// empty string is one byte of CBOR and 24 in memory: the decoder never builds the list).
    #[test]
    fn a_requests_lists_are_bounded_as_they_are_read() {
        let join = |n: usize| Request::Join {
            network: DocId::from_bytes([1; 16]),
            invite: [2; 16],
            secret: vec![3; 16],
            name: "Réseau".into(),
            addrs: vec![String::new(); n],
        };
        let max = crate::network::MAX_ADDRS;
        assert_eq!(
            decode::<Request>(&encode(&join(max)), 1 << 20),
            Ok(join(max))
        );
        assert!(matches!(
            decode::<Request>(&encode(&join(max + 1)), 1 << 20),
            Err(DecodeError::Unreadable(_))
        ));
        let commit = |n: usize| Request::Commit {
            network: DocId::from_bytes([1; 16]),
            docs: vec![
                DocHeads {
                    doc: DocId::from_bytes([4; 16]),
                    heads: [5; 8],
                    generation: GenRank::default(),
                };
                n
            ],
        };
        let n = MAX_DOCS_PER_MESSAGE;
        assert!(decode::<Request>(&encode(&commit(n)), 1 << 26).is_ok());
        assert!(matches!(
            decode::<Request>(&encode(&commit(n + 1)), 1 << 26),
            Err(DecodeError::Unreadable(_))
        ));
    }
    use proptest::prelude::*;

    fn id(n: u8) -> DocId {
        DocId::from_bytes([n; 16])
    }

    fn payload(n: u8, kind: u8, len: usize) -> DocPayload {
        DocPayload {
            doc: id(n),
            payload: match kind % 3 {
                0 => Payload::Whole(vec![0; len]),
                1 => Payload::Message(vec![0; len]),
                _ => Payload::Want,
            },
            signed: vec![],
            generation: GenRank::FIRST,
        }
    }

    #[test]
    fn a_reply_keeps_what_fits_and_defers_the_rest() {
        let out = vec![
            payload(1, 0, 600),
            payload(2, 1, 300),
            payload(3, 0, 600),
            payload(4, 0, 100),
        ];
        let (kept, deferred) = fit_reply(out.clone(), 1_100);
        let ids: Vec<DocId> = kept.iter().map(|p| p.doc).collect();
        // The message always; the first whole; the third does not fit, the small fourth does.
        assert_eq!(ids, vec![id(1), id(2), id(4)]);
        assert_eq!(deferred, vec![id(3)]);
        // A cap smaller than anything still moves one whole document on.
        let (kept, deferred) = fit_reply(out.clone(), 1);
        assert_eq!(kept.len(), 2);
        assert_eq!(deferred, vec![id(3), id(4)]);
        // Under the cap nothing changes; the answer's new field is left out when empty.
        assert_eq!(fit_reply(out.clone(), MAX_REPLY_BYTES), (out, vec![]));
        let mut buf = Vec::new();
        ciborium::into_writer(
            &Response::Sync {
                docs: vec![],
                deferred: vec![],
            },
            &mut buf,
        )
        .unwrap();
        assert!(!buf.windows(8).any(|w| w == b"deferred"));
    }

    #[test]
    fn unchanged_documents_are_not_looked_at() {
        let agreed: BTreeMap<_, _> = (0..100u8).map(|n| (id(n), [n; 8])).collect();
        let mut mine = agreed.clone();
        mine.insert(id(3), [99; 8]);
        mine.insert(id(200), [1; 8]);
        let my_changed = changed(&mine, &agreed);
        assert_eq!(my_changed.len(), 2);
        let theirs = vec![
            DocHeads {
                doc: id(5),
                heads: [77; 8],
                generation: GenRank::FIRST,
            },
            DocHeads {
                doc: id(201),
                heads: [2; 8],
                generation: GenRank::FIRST,
            },
        ];
        let plan = plan_session(&mine, &BTreeMap::new(), &agreed, true, &theirs);
        assert_eq!(plan.sync, vec![id(3), id(5)]);
        assert_eq!(plan.send_whole, vec![id(200)]);
        assert_eq!(plan.want, vec![id(201)]);
        assert_eq!(plan.all().count(), 4);
    }

    #[test]
    fn a_digest_mismatch_compares_everything() {
        let mine: BTreeMap<_, _> = [(id(1), [1; 8]), (id(2), [2; 8])].into();
        let theirs = vec![
            DocHeads {
                doc: id(2),
                heads: [2; 8],
                generation: GenRank::FIRST,
            },
            DocHeads {
                doc: id(3),
                heads: [3; 8],
                generation: GenRank::FIRST,
            },
        ];
        let plan = plan_session(&mine, &BTreeMap::new(), &BTreeMap::new(), false, &theirs);
        assert_eq!(plan.send_whole, vec![id(1)]);
        assert_eq!(plan.equal, vec![id(2)]);
        assert_eq!(plan.want, vec![id(3)]);
    }

    #[test]
    fn the_copy_of_the_winning_generation_is_sent_whole() {
        let mine: BTreeMap<_, _> = [(id(1), [1; 8]), (id(2), [2; 8]), (id(3), [3; 8])].into();
        let later = GenRank { n: 1, root: [5; 8] };
        let gens: BTreeMap<_, _> = [(id(1), later)].into();
        let theirs = vec![
            DocHeads {
                doc: id(1),
                heads: [9; 8],
                generation: GenRank::FIRST,
            },
            DocHeads {
                doc: id(2),
                heads: [9; 8],
                generation: later,
            },
            DocHeads {
                doc: id(3),
                heads: [9; 8],
                generation: GenRank::FIRST,
            },
        ];
        let plan = plan_session(&mine, &gens, &BTreeMap::new(), false, &theirs);
        assert_eq!(plan.send_whole, vec![id(1)]);
        assert_eq!(plan.want, vec![id(2)]);
        assert_eq!(plan.sync, vec![id(3)]);
        // Two generations of one number: the smaller first change wins, on both sides.
        let other = GenRank { n: 1, root: [4; 8] };
        let theirs = vec![DocHeads {
            doc: id(1),
            heads: [9; 8],
            generation: other,
        }];
        let plan = plan_session(&mine, &gens, &BTreeMap::new(), false, &theirs);
        assert_eq!(plan.want, vec![id(1)]);
    }

    #[test]
    fn messages_round_trip_through_cbor_compactly() {
        let req = Request::Sync {
            network: id(1),
            docs: vec![DocPayload {
                doc: id(2),
                payload: Payload::Message(vec![0; 100]),
                signed: vec![],
                generation: GenRank::FIRST,
            }],
        };
        let mut buf = Vec::new();
        ciborium::into_writer(&req, &mut buf).unwrap();
        // Field and variant names cost a few dozen bytes; the payload travels as raw bytes.
        assert!(buf.len() < 100 + 16 * 2 + 64, "{} bytes", buf.len());
        assert_eq!(ciborium::from_reader::<Request, _>(&buf[..]).unwrap(), req);
    }

    /// `wanted` (0.5.1) is left out when empty, so a 0.5.0 node reads the `Hello` as before,
    /// and a 0.5.0 `Hello` (without it) reads as one that wants nothing.
    #[test]
    fn a_hello_without_wanted_reads_both_ways() {
        let hello = |wanted: Vec<DocHeads>| Request::Hello {
            network: id(1),
            digest: [7; 32],
            changed: vec![],
            catchup: vec![],
            wanted,
        };
        let mut cbor = Vec::new();
        ciborium::into_writer(&hello(vec![]), &mut cbor).unwrap();
        assert!(!cbor.windows(6).any(|w| w == b"wanted"));
        assert_eq!(
            ciborium::from_reader::<Request, _>(&cbor[..]).unwrap(),
            hello(vec![])
        );
        let named = hello(vec![DocHeads {
            doc: id(2),
            heads: [3; 8],
            generation: GenRank::FIRST,
        }]);
        assert_eq!(
            decode::<Request>(&encode(&named), MAX_MESSAGE_BYTES).unwrap(),
            named
        );
    }

    #[test]
    fn messages_travel_compressed_and_inflate_within_a_bound() {
        let req = Request::Hello {
            network: id(1),
            digest: [7; 32],
            changed: (0..200u8)
                .map(|n| DocHeads {
                    doc: id(n),
                    heads: [1; 8],
                    generation: GenRank::FIRST,
                })
                .collect(),
            catchup: vec![Catchup {
                at: 3,
                changes: vec![0; 10_000],
                signed: vec![],
            }],
            wanted: vec![],
        };
        let bytes = encode(&req);
        let mut cbor = Vec::new();
        ciborium::into_writer(&req, &mut cbor).unwrap();
        assert!(
            bytes.len() * 4 < cbor.len(),
            "{} of {}",
            bytes.len(),
            cbor.len()
        );
        assert_eq!(decode::<Request>(&bytes, MAX_MESSAGE_BYTES).unwrap(), req);
        // Inflating past the bound is refused; so are bytes that are not a message.
        assert_eq!(
            decode::<Request>(&bytes, 1_000),
            Err(DecodeError::TooLarge(1_000))
        );
        assert!(matches!(
            decode::<Request>(&cbor, MAX_MESSAGE_BYTES),
            Err(DecodeError::Unreadable(_))
        ));
        // A sync/3 `Hello` (no catch-ups) still reads: the new fields are left out when empty.
        let old = Response::Hello {
            digest_ok: true,
            docs: vec![],
            catchup: vec![],
            agreed: vec![],
            same: vec![],
        };
        let mut buf = Vec::new();
        ciborium::into_writer(&old, &mut buf).unwrap();
        assert!(!buf.windows(7).any(|w| w == b"catchup"));
        assert_eq!(ciborium::from_reader::<Response, _>(&buf[..]).unwrap(), old);
    }

    proptest! {
        /// The responder records a document as agreed only when the initiator ends the `Hello`
        /// holding exactly what the responder holds; and it does whenever both catch-ups went
        /// through. A document is a set of changes; each side adds its own after the agreed
        /// ones; a catch-up carries every change after the agreed ones.
        #[test]
        fn the_responder_agrees_only_on_what_both_will_hold(
            agreed in prop::collection::btree_set(0u8..20, 0..5),
            theirs in prop::collection::btree_set(20u8..40, 0..4),
            ours in prop::collection::btree_set(30u8..50, 0..4),
            taken in any::<bool>(),
            sent in any::<bool>(),
        ) {
            let hash = |s: &BTreeSet<u8>| -> HeadsHash { heads_hash(&s.iter().map(|c| ChangeHash([*c; 32])).collect::<Vec<_>>()) };
            let initiator: BTreeSet<u8> = agreed.union(&theirs).copied().collect();
            let responder: BTreeSet<u8> = agreed.union(&ours).copied().collect();
            // Only a side with changes after the agreement lists or sends the document.
            let listed = (initiator != agreed).then(|| hash(&initiator));
            let taken = taken && listed.is_some();
            let sent = sent && responder != agreed;
            let responder_after: BTreeSet<u8> = if taken { responder.union(&initiator).copied().collect() } else { responder.clone() };
            let initiator_after: BTreeSet<u8> = if sent { initiator.union(&responder).copied().collect() } else { initiator.clone() };
            let agrees = responder_agrees(listed, taken, sent, hash(&responder_after));
            if agrees {
                prop_assert_eq!(&initiator_after, &responder_after);
            }
            let initiator_done = listed.is_none() || taken;
            let responder_done = responder == agreed || sent;
            if initiator_done && responder_done && (listed.is_some() || responder != agreed) {
                prop_assert!(agrees, "both catch-ups went through but no agreement");
            }
        }

        /// Nothing is lost (kept and deferred together are what was answered, in order), no
        /// message is deferred, and the kept payloads fit the cap unless only one whole
        /// document (with the messages) went.
        #[test]
        fn a_cut_reply_loses_nothing_and_fits(
            items in prop::collection::vec((0u8..3, 0usize..5_000), 0..40),
            cap in 1usize..20_000,
        ) {
            let out: Vec<DocPayload> = items
                .iter()
                .enumerate()
                .map(|(i, (k, len))| payload(i as u8, *k, *len))
                .collect();
            let (kept, deferred) = fit_reply(out.clone(), cap);
            let wholes = kept.iter().filter(|p| matches!(p.payload, Payload::Whole(_))).count();
            let size: usize = kept.iter().map(DocPayload::size).sum();
            let messages: usize = out.iter().filter(|p| !matches!(p.payload, Payload::Whole(_))).map(DocPayload::size).sum();
            prop_assert!(size <= cap.max(messages) || wholes == 1);
            let mut all: Vec<DocId> = kept.iter().map(|p| p.doc).chain(deferred.iter().copied()).collect();
            all.sort();
            let mut want: Vec<DocId> = out.iter().map(|p| p.doc).collect();
            want.sort();
            prop_assert_eq!(all, want);
            for d in &deferred {
                let p = out.iter().find(|p| p.doc == *d).unwrap();
                prop_assert!(matches!(p.payload, Payload::Whole(_)));
            }
            if out.iter().any(|p| matches!(p.payload, Payload::Whole(_))) {
                prop_assert!(wholes >= 1);
            }
        }

        /// Whatever both sides hold, the plan puts every document that differs in exactly one
        /// bucket, and looks at nothing that is agreed and unchanged on both sides.
        #[test]
        fn plans_cover_exactly_the_differences(
            a in prop::collection::btree_map(0u8..30, 0u8..3, 0..30),
            b in prop::collection::btree_map(0u8..30, 0u8..3, 0..30),
            agreed_keys in prop::collection::btree_set(0u8..30, 0..30),
        ) {
            let to_map = |m: &BTreeMap<u8, u8>| -> BTreeMap<DocId, HeadsHash> { m.iter().map(|(k, v)| (id(*k), [*v; 8])).collect() };
            let (mine, their_all) = (to_map(&a), to_map(&b));
            // The agreement: documents both held with equal heads at the end of the last session.
            let agreed: BTreeMap<DocId, HeadsHash> = agreed_keys.iter()
                .filter_map(|k| match (mine.get(&id(*k)), their_all.get(&id(*k))) { (Some(x), Some(y)) if x == y => Some((id(*k), *x)), _ => None })
                .collect();
            let their_changed = changed(&their_all, &agreed);
            let plan = plan_session(&mine, &BTreeMap::new(), &agreed, true, &their_changed);
            let mut seen = BTreeSet::new();
            for d in plan.all() { prop_assert!(seen.insert(*d), "{d:?} twice"); }
            for doc in mine.keys().chain(their_all.keys()) {
                let differs = mine.get(doc) != their_all.get(doc);
                if differs { prop_assert!(seen.contains(doc), "{doc:?} differs but is not looked at"); }
                if agreed.contains_key(doc) && !differs { prop_assert!(!seen.contains(doc)); }
            }
            for d in &plan.send_whole { prop_assert!(!their_all.contains_key(d)); }
            for d in &plan.want { prop_assert!(!mine.contains_key(d)); }
        }
    }
}
