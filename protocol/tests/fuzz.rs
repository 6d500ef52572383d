//! Fuzzing of every decoder a peer or a file can reach, as property tests: arbitrary bytes, and
//! structure-aware mutations of valid input (flipped, inserted, deleted and repeated bytes, and
//! huge length prefixes, in the compressed form and inside it). Each must refuse or read its
//! input without panicking, and without allocating more than a bound of its input's limit: a
//! counting allocator measures the most memory held at once while each input is decoded.
//!
//! - sync requests and responses (`sync::decode`), and the Automerge payloads inside them
//!   (`inflate::check`, then `Automerge::load` of what it let through);
//! - bundles (`Bundle::open`), invite codes (`InviteCode::decode`), LAN beacons (`beacon::open`) and
//!   announcements (`announce::judge`).
//!
//! The node's HTTP JSON bodies are fuzzed in `node/tests/api.rs`. CI runs a few hundred cases of
//! each; a long run is `FUZZ_CASES=200000 cargo test --release -p commonground-protocol --test
//! fuzz` (BENCHMARKS.md).

#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::io::{Read, Write};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};
use commonground_protocol::announce::{self, Channel, Class};
use commonground_protocol::beacon;
use commonground_protocol::bundle::{Bundle, BundleDoc};
use commonground_protocol::ids::{DocId, GroupId};
use commonground_protocol::inflate;
use commonground_protocol::network::InviteCode;
use commonground_protocol::sync::{
    self, Catchup, DocHeads, DocPayload, Payload, Refusal, Request, Response,
};
use proptest::prelude::*;

/// Counts, per thread, the bytes allocated now and the most held at once since [`measured`]
/// began, so that what other tests' threads do meanwhile is not counted. (A global allocator
/// needs `unsafe`; it only passes each call on to the system's. The crates that count
/// allocations, `cap` and `stats_alloc`, count for the whole process and keep no peak that can
/// be started afresh.)
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grew(by: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + by as isize;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrank(by: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get() - by as isize));
}

#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most memory `f` held at once on this thread beyond what it held before, and its result.
fn measured<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (usize::try_from(peak - before).unwrap_or(0), out)
}

/// The limit messages are decoded within here (the node's is 64 MiB; the bound scales with it).
const MAX: u64 = 1 << 20;
/// What decoding a message of at most [`MAX`] bytes may hold at once: the inflated CBOR (a
/// vector that doubles as it grows), ciborium's scratch buffer of the same size, the decoded
/// message, and some room.
const BOUND: usize = 6 * MAX as usize + (1 << 20);

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(192)
}

fn id(n: u8) -> DocId {
    DocId::from_bytes([n; 16])
}

fn group(seed: u8) -> GroupId {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    GroupId::from_public_key(key.verifying_key().to_bytes()).unwrap()
}

/// A small document, saved whole, and the changes of an edit of it as a bundle and a sync
/// message.
fn automerge_payloads() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut doc = AutoCommit::new();
    let text = doc.put_object(ROOT, "goal", ObjType::Text).unwrap();
    doc.splice_text(&text, 0, 0, "Logement pour tous · سكن للجميع")
        .unwrap();
    doc.put(ROOT, "n", 3).unwrap();
    let before = doc.get_heads();
    doc.splice_text(&text, 0, 0, "Plan: ").unwrap();
    let whole = doc.save();
    let changes: Vec<_> = doc.get_changes(&before).iter().map(|c| c.hash()).collect();
    let bundle = doc.document().bundle(changes).unwrap().bytes().to_vec();
    let mut state = automerge::sync::State::new();
    let message = automerge::sync::SyncDoc::generate_sync_message(doc.document(), &mut state)
        .map(|m| m.encode())
        .unwrap_or_default();
    (whole, bundle, message)
}

/// Valid messages of every kind, encoded as they travel.
fn valid_messages() -> Vec<(bool, Vec<u8>)> {
    let (whole, bundle, message) = automerge_payloads();
    let heads = |n: u8| DocHeads {
        doc: id(n),
        heads: [n; 8],
        generation: Default::default(),
    };
    let requests = [
        Request::Hello {
            network: id(1),
            digest: [7; 32],
            changed: vec![heads(2), heads(3)],
            catchup: vec![Catchup {
                at: 0,
                changes: bundle.clone(),
                signed: vec![],
            }],
            wanted: vec![heads(4)],
        },
        Request::Hello {
            network: id(1),
            digest: [0; 32],
            changed: vec![],
            catchup: vec![],
            wanted: vec![],
        },
    ];
    let responses = [
        Response::Joined {
            network: id(1),
            document: whole.clone(),
            signed: vec![],
        },
        Response::Hello {
            digest_ok: true,
            docs: vec![heads(5)],
            catchup: vec![Catchup {
                at: 0,
                changes: bundle,
                signed: vec![],
            }],
            agreed: vec![0],
            same: vec![1, 2],
        },
        Response::Sync {
            docs: vec![
                DocPayload {
                    doc: id(6),
                    payload: Payload::Whole(whole),
                    signed: vec![],
                    generation: Default::default(),
                },
                DocPayload {
                    doc: id(7),
                    payload: Payload::Message(message),
                    signed: vec![],
                    generation: Default::default(),
                },
                DocPayload {
                    doc: id(8),
                    payload: Payload::Want,
                    signed: vec![],
                    generation: Default::default(),
                },
            ],
            deferred: vec![id(9)],
        },
        Response::Committed {
            docs: vec![id(1), id(2)],
        },
        Response::Refused {
            reason: Refusal::NotMember,
            message: "not a member".into(),
        },
    ];
    requests
        .iter()
        .map(|r| (true, sync::encode(r)))
        .chain(responses.iter().map(|r| (false, sync::encode(r))))
        .collect()
}

/// One change to bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Repeat(usize, usize, usize),
    /// A CBOR byte-string or array head claiming 2^32 or 2^64 - 1 items.
    HugeLength(usize, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, x)| Mutation::Flip(at, x)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, b)| Mutation::Insert(at, b)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), 1usize..64, 1usize..8).prop_map(|(at, n, k)| Mutation::Repeat(at, n, k)),
        (any::<usize>(), any::<bool>()).prop_map(|(at, a)| Mutation::HugeLength(at, a)),
    ]
}

fn mutate(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for m in mutations {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
        match m {
            Mutation::Flip(i, x) if !b.is_empty() => {
                let i = at(*i, b.len());
                b[i] ^= x;
            }
            Mutation::Insert(i, new) => {
                let i = at(*i, b.len() + 1);
                b.splice(i..i, new.iter().copied());
            }
            Mutation::Delete(i, n) if !b.is_empty() => {
                let i = at(*i, b.len());
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Mutation::Repeat(i, n, k) if !b.is_empty() => {
                let i = at(*i, b.len());
                let end = (i + n).min(b.len());
                let run: Vec<u8> = b[i..end].to_vec();
                for _ in 0..*k {
                    b.splice(end..end, run.iter().copied());
                }
            }
            Mutation::HugeLength(i, array) => {
                let i = at(*i, b.len() + 1);
                let head: &[u8] = if *array {
                    &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
                } else {
                    &[0x5a, 0xff, 0xff, 0xff, 0xff]
                };
                b.splice(i..i, head.iter().copied());
            }
            _ => {}
        }
    }
    b
}

fn inflate_raw(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn deflate_raw(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// Decodes `bytes` as a request or a response; what they inflate to is bounded.
fn decode_within_bound(request: bool, bytes: &[u8]) -> Result<(), TestCaseError> {
    let (held, _) = measured(|| {
        if request {
            drop(sync::decode::<Request>(bytes, MAX));
        } else {
            drop(sync::decode::<Response>(bytes, MAX));
        }
    });
    prop_assert!(held <= BOUND + 2 * bytes.len(), "{held} bytes held at once");
    Ok(())
}

/// The Automerge payloads inside a decoded message, as the node takes them: their inflated size
/// checked first (Automerge inflates columns without a limit), then loaded.
fn payloads_within_bound(request: bool, bytes: &[u8]) -> Result<(), TestCaseError> {
    let chunks: Vec<Vec<u8>> = if request {
        match sync::decode::<Request>(bytes, MAX) {
            Ok(Request::Hello { catchup, .. }) => catchup.into_iter().map(|c| c.changes).collect(),
            _ => vec![],
        }
    } else {
        match sync::decode::<Response>(bytes, MAX) {
            Ok(Response::Joined { document, .. }) => vec![document],
            Ok(Response::Sync { docs, .. }) => docs
                .into_iter()
                .filter_map(|d| match d.payload {
                    Payload::Whole(b) => Some(b),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        }
    };
    for chunk in chunks {
        let (held, checked) = measured(|| inflate::check(&chunk, MAX));
        prop_assert!(held <= BOUND, "inflate::check held {held} bytes");
        if checked.is_ok() {
            // Automerge may still panic on bytes it cannot handle: the node contains that
            // (its documents actor runs each job under `catch_unwind`); what counts here is
            // that what it allocates is bounded by the checked size.
            let (held, _) =
                measured(|| std::panic::catch_unwind(|| drop(automerge::Automerge::load(&chunk))));
            prop_assert!(
                held <= 64 * MAX as usize,
                "Automerge::load held {held} bytes"
            );
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sync_messages_of_arbitrary_bytes_are_refused_within_a_bound(
        request in any::<bool>(),
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        decode_within_bound(request, &bytes)?;
        decode_within_bound(request, &deflate_raw(&bytes))?;
    }

    #[test]
    fn mutated_sync_messages_and_their_payloads_stay_within_a_bound(
        which in any::<prop::sample::Index>(),
        inside in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let messages = valid_messages();
        let (request, valid) = &messages[which.index(messages.len())];
        let bytes = if inside {
            deflate_raw(&mutate(&inflate_raw(valid), &mutations))
        } else {
            mutate(valid, &mutations)
        };
        decode_within_bound(*request, &bytes)?;
        payloads_within_bound(*request, &bytes)?;
    }

    #[test]
    fn bundles_invites_beacons_and_announcements_refuse_what_they_cannot_read(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        mutations in prop::collection::vec(mutation(), 1..6),
        text in ".{0,300}",
    ) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let (whole, _, _) = automerge_payloads();
        let sealed = Bundle {
            network: id(1),
            exporter: key.verifying_key().to_bytes(),
            created: "2026-11-25".parse().unwrap(),
            docs: vec![BundleDoc { doc: id(1), bytes: whole, signed: vec![] }],
        }
        .seal(&key);
        let invite = InviteCode {
            network: id(1),
            id: [2; 16],
            secret: [5; 32],
            inviter: group(3),
            addrs: vec!["/ip4/127.0.0.1/tcp/7466".into()],
        }
        .encode();
        let channel = Channel {
            network: id(1),
            class: Class::Plans,
            topic: announce::topic(&id(1), Class::Plans),
            publishers: BTreeSet::from([group(3)]),
        };
        let sample_beacon = beacon::seal(&id(1), [1; 12], &beacon::Beacon::new(group(3), &["/ip4/127.0.0.1/tcp/1".into()]));
        for input in [bytes.clone(), mutate(&sealed, &mutations)] {
            let (held, opened) = measured(|| Bundle::open(&input).map(drop));
            prop_assert!(held <= BOUND + 4 * input.len(), "Bundle::open held {held}");
            prop_assert!(input != sealed || opened.is_ok());
            let (held, _) = measured(|| drop(announce::judge(&channel, &group(3), &input)));
            prop_assert!(held <= BOUND, "announce::judge held {held}");
        }
        for datagram in [bytes.clone(), mutate(&sample_beacon, &mutations)] {
            let (held, _) = measured(|| drop(beacon::open(&[id(1)], &datagram)));
            prop_assert!(held <= 1 << 20, "beacon::open held {held}");
        }
        let mutated_code = String::from_utf8_lossy(&mutate(invite.as_bytes(), &mutations)).into_owned();
        for code in [text, mutated_code] {
            let (held, _) = measured(|| drop(InviteCode::decode(&code)));
            // A valid key enters the bounded cache of checked keys (`ids::KEY_CACHE`), whose
            // table may grow once by a few MiB: within the bound, and never again.
            prop_assert!(held <= BOUND, "InviteCode::decode held {held}");
        }
    }
}

/// A message that inflates far beyond the limit (a "zip bomb") is refused having held little
/// more than the limit: one that no decoder takes as a request is refused on its first byte;
/// one that reads as a value (a byte string as long as the bomb) once the limit is passed.
#[test]
fn a_message_that_inflates_beyond_the_limit_is_refused_early() {
    let zeros = deflate_raw(&vec![0u8; 64 * MAX as usize]);
    assert!(zeros.len() < MAX as usize, "{}", zeros.len());
    let (held, result) = measured(|| sync::decode::<Request>(&zeros, MAX));
    assert!(result.is_err(), "{result:?}");
    assert!(
        held <= 3 * MAX as usize,
        "{held} bytes held for a {MAX}-byte limit"
    );

    let len = 64 * MAX as usize;
    let mut cbor = vec![0x5a];
    cbor.extend_from_slice(&u32::try_from(len).unwrap().to_be_bytes());
    cbor.resize(5 + len, 0);
    let bomb = deflate_raw(&cbor);
    let (held, result) = measured(|| sync::decode::<ciborium::Value>(&bomb, MAX));
    assert!(
        matches!(result, Err(sync::DecodeError::TooLarge(_))),
        "{result:?}"
    );
    assert!(
        held <= 3 * MAX as usize,
        "{held} bytes held for a {MAX}-byte limit"
    );
}
