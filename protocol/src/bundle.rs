//! Bundles: a network's documents in one signed file, for places with no connection.
//!
//! A bundle file is the magic line `COMMONGROUND-BUNDLE-1\n`, then the CBOR encoding of a
//! [`Bundle`], then 64 bytes: the exporting group's Ed25519 signature over
//! `commonground/bundle/1 ‖ SHA-256(magic ‖ CBOR)`. Each document travels whole (Automerge
//! `save()`) with its signed heads, so that an importing node admits it exactly as it admits a
//! document received by sync (see [`crate::auth`]). The file signature proves who exported it
//! and that not a byte changed; a truncated file fails it too.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::auth::SignedHead;
use crate::ids::{Day, DocId, GroupId};

/// The first bytes of every bundle file.
pub const MAGIC: &[u8] = b"COMMONGROUND-BUNDLE-1\n";
/// The largest bundle accepted: 256 MiB (an importing node keeps every document of a network in
/// memory, so a small machine must be able to hold what a bundle brings).
pub const MAX_BUNDLE_BYTES: usize = 256 << 20;
/// The most documents one bundle may hold.
pub const MAX_BUNDLE_DOCS: usize = 100_000;

const CONTEXT: &[u8] = b"commonground/bundle/1";
const SIG_LEN: usize = 64;

/// One document of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleDoc {
    /// The document.
    pub doc: DocId,
    /// The document, whole (Automerge `save()`).
    #[serde(with = "crate::sync::serde_bytes_vec")]
    pub bytes: Vec<u8>,
    /// Its signed heads.
    pub signed: Vec<SignedHead>,
}

/// What a bundle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// The network whose documents these are.
    pub network: DocId,
    /// The exporting group's public key.
    #[serde(with = "crate::sync::fixed_bytes")]
    pub exporter: [u8; 32],
    /// The day it was made.
    pub created: Day,
    /// The documents; the network document first.
    pub docs: Vec<BundleDoc>,
}

/// Why a file is not a bundle this node can import.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BundleError {
    /// The file does not start like a bundle.
    #[error("this is not a Common Ground bundle (it does not start with the bundle header)")]
    NotABundle,
    /// Too large or too many documents.
    #[error("the bundle is larger than this node accepts")]
    TooLarge,
    /// The signature does not match the content: changed or cut short.
    #[error("the bundle's signature does not match its content: the file was changed or cut short")]
    BadSignature,
    /// The content cannot be read although the signature matched.
    #[error("the bundle's content cannot be read: {0}")]
    Unreadable(String),
}

fn signed_digest(body: &[u8]) -> Vec<u8> {
    let mut m = CONTEXT.to_vec();
    m.extend_from_slice(&Sha256::digest(body));
    m
}

impl Bundle {
    /// The exporting group.
    pub fn exporter(&self) -> Option<GroupId> {
        GroupId::from_public_key(self.exporter).ok()
    }

    /// Encodes and signs the bundle with the exporter's key.
    pub fn seal(&self, key: &SigningKey) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        // Writing CBOR into a Vec cannot fail for these types.
        let _ = ciborium::into_writer(self, &mut out);
        let sig = key.sign(&signed_digest(&out));
        out.extend_from_slice(&sig.to_bytes());
        out
    }

    /// Checks a file's header, size and signature, then reads it whole (see [`read`] for a
    /// file too large to hold in memory).
    pub fn open(file: &[u8]) -> Result<Self, BundleError> {
        let mut docs = Vec::new();
        let head = read(file, |_, doc| {
            docs.push(doc);
            Ok::<(), std::convert::Infallible>(())
        })
        .map_err(ReadError::into_bundle)?;
        Ok(Self {
            network: head.network,
            exporter: head.exporter,
            created: head.created,
            docs,
        })
    }
}

/// The most bytes one document (or any other item) may take in a bundle file: the most one sync
/// message may carry, so that every document of a bundle could also travel by sync.
pub const MAX_BUNDLE_ITEM_BYTES: u64 = crate::sync::MAX_MESSAGE_BYTES;

/// What a bundle says about itself before its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleHead {
    /// The network whose documents these are.
    pub network: DocId,
    /// The exporting group's public key.
    pub exporter: [u8; 32],
    /// The day it was made.
    pub created: Day,
    /// How many documents it holds.
    pub docs: usize,
}

impl BundleHead {
    /// The exporting group.
    pub fn exporter(&self) -> Option<GroupId> {
        GroupId::from_public_key(self.exporter).ok()
    }
}

/// Why [`read`] stopped: the file's fault, or the caller's refusal of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError<E> {
    /// The file is not a bundle this node can read (see [`BundleError`]).
    Bundle(BundleError),
    /// The caller refused a document.
    Refused(E),
}

impl<E: std::fmt::Display> ReadError<E> {
    /// One error for both kinds.
    pub fn into_bundle(self) -> BundleError {
        match self {
            Self::Bundle(e) => e,
            Self::Refused(e) => BundleError::Unreadable(e.to_string()),
        }
    }
}

impl<E> From<BundleError> for ReadError<E> {
    fn from(e: BundleError) -> Self {
        Self::Bundle(e)
    }
}

/// Checks a bundle file's header, size and signature without keeping its documents: its head
/// (the number of documents included). Memory: one document at a time (at most
/// [`MAX_BUNDLE_ITEM_BYTES`]), whatever the file's size.
pub fn verify(file: impl std::io::Read) -> Result<BundleHead, BundleError> {
    read(file, |_, _| Ok::<(), std::convert::Infallible>(())).map_err(ReadError::into_bundle)
}

/// Reads a bundle file one document at a time, handing each to `each` with the bundle's head
/// (its document count is the one the file declares, or 0 if it uses an indefinite-length
/// list), and returns the head once the whole file is read and its signature checked.
///
/// The documents reach `each` *before* the signature at the end of the file is checked: keep
/// nothing they bring unless `read` returns `Ok` (the node checks with [`verify`] first, then
/// reads again, and this second read checks the signature again, so a file changed in between
/// is refused too). Memory: one document at a time, at most [`MAX_BUNDLE_ITEM_BYTES`] of the
/// file each; the file at most [`MAX_BUNDLE_BYTES`]. The reader should be buffered: CBOR is read
/// a few bytes at a time.
pub fn read<R: std::io::Read, E>(
    file: R,
    mut each: impl FnMut(&BundleHead, BundleDoc) -> Result<(), E>,
) -> Result<BundleHead, ReadError<E>> {
    let mut file = Metered::new(file);
    let mut magic = [0u8; MAGIC.len()];
    let got = file.fill(&mut magic).map_err(|_| BundleError::NotABundle)?;
    if got < MAGIC.len() || magic != MAGIC {
        return Err(BundleError::NotABundle.into());
    }
    let head = walk(&mut file, &mut each)?;
    // After the CBOR, exactly the signature: read past it to see that nothing follows.
    let digest = file.finish();
    let mut sig = [0u8; SIG_LEN + 1];
    let got = file.fill(&mut sig).map_err(|_| BundleError::BadSignature)?;
    if got != SIG_LEN {
        return Err(BundleError::BadSignature.into());
    }
    let sig: [u8; SIG_LEN] = sig[..SIG_LEN]
        .try_into()
        .map_err(|_| BundleError::BadSignature)?;
    let key = VerifyingKey::from_bytes(&head.exporter).map_err(|_| BundleError::BadSignature)?;
    let mut m = CONTEXT.to_vec();
    m.extend_from_slice(&digest);
    key.verify(&m, &Signature::from_bytes(&sig))
        .map_err(|_| BundleError::BadSignature)?;
    Ok(head)
}

/// Reads the CBOR map of a [`Bundle`] from `file`, handing its documents to `each` one by one.
/// Field order is the encoder's choice except that `docs` must come after the other three
/// (the head is needed to judge a document); each field comes once, and no other (an unknown
/// value could be anything, read whole).
fn walk<R: std::io::Read, E>(
    file: &mut Metered<R>,
    each: &mut impl FnMut(&BundleHead, BundleDoc) -> Result<(), E>,
) -> Result<BundleHead, ReadError<E>> {
    let fields = match header(file)? {
        Header::Map(n) => n,
        _ => return Err(BundleError::BadSignature.into()),
    };
    let (mut network, mut exporter, mut created) = (None, None, None);
    let mut done = None;
    let mut i = 0;
    while fields.is_none_or(|n| i < n) {
        i += 1;
        file.mark();
        if fields.is_none() && next_is_break(file)? {
            break;
        }
        let key: String = item(file)?;
        file.mark();
        // Each key once, and no other: a second list of documents would be counted afresh.
        let seen = match key.as_str() {
            "network" => network.is_some(),
            "exporter" => exporter.is_some(),
            "created" => created.is_some(),
            "docs" => done.is_some(),
            other => {
                return Err(BundleError::Unreadable(format!("an unknown field `{other}`")).into());
            }
        };
        if seen {
            return Err(BundleError::Unreadable(format!("the field `{key}` twice")).into());
        }
        match key.as_str() {
            "network" => network = Some(item(file)?),
            "exporter" => exporter = Some(item::<Key, _>(file)?.0),
            "created" => created = Some(item(file)?),
            _ => {
                let (Some(network), Some(exporter), Some(created)) = (network, exporter, created)
                else {
                    return Err(BundleError::Unreadable(
                        "the documents come before the bundle's network, exporter and day".into(),
                    )
                    .into());
                };
                done = Some(docs(file, network, exporter, created, each)?);
            }
        }
    }
    done.ok_or_else(|| BundleError::BadSignature.into())
}

/// Reads the `docs` list, one document at a time.
fn docs<R: std::io::Read, E>(
    file: &mut Metered<R>,
    network: DocId,
    exporter: [u8; 32],
    created: Day,
    each: &mut impl FnMut(&BundleHead, BundleDoc) -> Result<(), E>,
) -> Result<BundleHead, ReadError<E>> {
    let count = match header(file)? {
        Header::Array(n) => n,
        _ => return Err(BundleError::BadSignature.into()),
    };
    if count.is_some_and(|n| n > MAX_BUNDLE_DOCS) {
        return Err(BundleError::TooLarge.into());
    }
    let mut head = BundleHead {
        network,
        exporter,
        created,
        docs: count.unwrap_or(0),
    };
    let mut i = 0;
    while count.is_none_or(|n| i < n) {
        file.mark();
        if count.is_none() && next_is_break(file)? {
            break;
        }
        let doc: BundleDoc = item(file)?;
        if i == 0 && doc.doc != network {
            return Err(BundleError::Unreadable("the network document is not first".into()).into());
        }
        i += 1;
        if i > MAX_BUNDLE_DOCS {
            return Err(BundleError::TooLarge.into());
        }
        each(&head, doc).map_err(ReadError::Refused)?;
    }
    if i == 0 {
        return Err(BundleError::Unreadable("the network document is not first".into()).into());
    }
    head.docs = i;
    Ok(head)
}

/// One CBOR item. A changed or cut-short file fails here or at the signature, and both say
/// so; an item over the limits is too large.
fn item<T: serde::de::DeserializeOwned, R: std::io::Read>(
    file: &mut Metered<R>,
) -> Result<T, BundleError> {
    ciborium::from_reader(&mut *file).map_err(|_| file.fault(BundleError::BadSignature))
}

/// The exporter's key as the bundle encodes it.
#[derive(Deserialize)]
struct Key(#[serde(with = "crate::sync::fixed_bytes")] [u8; 32]);

use ciborium_ll::Header;

/// The next CBOR header (tags skipped).
fn header<R: std::io::Read>(file: &mut Metered<R>) -> Result<Header, BundleError> {
    let mut decoder = ciborium_ll::Decoder::from(&mut *file);
    loop {
        match decoder.pull() {
            Ok(Header::Tag(_)) => continue,
            Ok(h) => return Ok(h),
            Err(_) => return Err(file.fault(BundleError::BadSignature)),
        }
    }
}

/// Whether the next byte is an indefinite-length list's or map's end (consumed if so).
fn next_is_break<R: std::io::Read>(file: &mut Metered<R>) -> Result<bool, BundleError> {
    let mut b = [0u8; 1];
    if file
        .fill(&mut b)
        .map_err(|_| file.fault(BundleError::BadSignature))?
        != 1
    {
        return Err(BundleError::BadSignature);
    }
    if b[0] == 0xff {
        return Ok(true);
    }
    file.unread(b[0]);
    Ok(false)
}

/// A bundle file as read: hashed (for the signature), counted against [`MAX_BUNDLE_BYTES`] in
/// all and [`MAX_BUNDLE_ITEM_BYTES`] since the last [`Metered::mark`], so that no item makes the
/// reader hold more than that, whatever the file declares.
struct Metered<R> {
    inner: R,
    hash: Sha256,
    hashing: bool,
    read: u64,
    mark: u64,
    over: bool,
    back: Option<u8>,
}

impl<R: std::io::Read> Metered<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hash: Sha256::new(),
            hashing: true,
            read: 0,
            mark: 0,
            over: false,
            back: None,
        }
    }

    /// Starts counting an item.
    fn mark(&mut self) {
        self.mark = self.read;
    }

    /// The error to report for a decoding failure: too large if the limits stopped it.
    fn fault(&self, otherwise: BundleError) -> BundleError {
        if self.over {
            BundleError::TooLarge
        } else {
            otherwise
        }
    }

    /// Puts one byte back (read again next, counted once).
    fn unread(&mut self, b: u8) {
        self.back = Some(b);
    }

    /// The digest of what was read so far (magic and CBOR); what is read after is not hashed.
    fn finish(&mut self) -> Vec<u8> {
        self.hashing = false;
        std::mem::take(&mut self.hash).finalize().to_vec()
    }

    /// Reads until `buf` is full or the file ends: how much was read.
    fn fill(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut got = 0;
        while got < buf.len() {
            match std::io::Read::read(self, &mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    }
}

impl<R: std::io::Read> std::io::Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(b) = self.back.take() {
            buf[0] = b;
            return Ok(1);
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > MAX_BUNDLE_BYTES as u64 || self.read - self.mark > MAX_BUNDLE_ITEM_BYTES {
            self.over = true;
            return Err(std::io::Error::other("over the bundle's limits"));
        }
        if self.hashing {
            self.hash.update(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> (SigningKey, Vec<u8>) {
        let key = SigningKey::from_bytes(&[4; 32]);
        let b = Bundle {
            network: DocId::from_bytes([1; 16]),
            exporter: key.verifying_key().to_bytes(),
            created: "2026-11-25".parse().unwrap(),
            docs: vec![
                BundleDoc {
                    doc: DocId::from_bytes([1; 16]),
                    bytes: vec![7; 300],
                    signed: vec![],
                },
                BundleDoc {
                    doc: DocId::from_bytes([2; 16]),
                    bytes: vec![8; 200],
                    signed: vec![],
                },
            ],
        };
        let file = b.seal(&key);
        (key, file)
    }

    #[test]
    fn a_sealed_bundle_opens() {
        let (key, file) = sample();
        let b = Bundle::open(&file).unwrap();
        assert_eq!(b.docs.len(), 2);
        assert_eq!(b.exporter, key.verifying_key().to_bytes());
    }

    #[test]
    fn foreign_files_are_refused() {
        assert_eq!(Bundle::open(b"hello"), Err(BundleError::NotABundle));
        assert_eq!(Bundle::open(b""), Err(BundleError::NotABundle));
        assert_eq!(Bundle::open(MAGIC), Err(BundleError::BadSignature));
    }

    fn head(out: &mut Vec<u8>, h: ciborium_ll::Header) {
        ciborium_ll::Encoder::from(out).push(h).unwrap();
    }

    /// The sample's CBOR written again with indefinite-length map and list, signed afresh.
    fn indefinite(key: &SigningKey, file: &[u8]) -> Vec<u8> {
        let body = &file[MAGIC.len()..file.len() - SIG_LEN];
        let value: ciborium::Value = ciborium::from_reader(body).unwrap();
        let mut out = MAGIC.to_vec();
        head(&mut out, Header::Map(None));
        for (k, v) in value.as_map().unwrap() {
            ciborium::into_writer(k, &mut out).unwrap();
            if k.as_text() == Some("docs") {
                head(&mut out, Header::Array(None));
                for d in v.as_array().unwrap() {
                    ciborium::into_writer(d, &mut out).unwrap();
                }
                head(&mut out, Header::Break);
            } else {
                ciborium::into_writer(v, &mut out).unwrap();
            }
        }
        head(&mut out, Header::Break);
        let sig = key.sign(&signed_digest(&out));
        out.extend_from_slice(&sig.to_bytes());
        out
    }

    #[test]
    fn indefinite_lengths_read_as_definite_ones() {
        let (key, file) = sample();
        let other = indefinite(&key, &file);
        assert_ne!(other, file);
        assert_eq!(Bundle::open(&other), Bundle::open(&file));
        assert_eq!(verify(&other[..]).unwrap().docs, 2);
    }

    #[test]
    fn documents_come_one_at_a_time_and_a_refusal_stops_the_read() {
        let (_, file) = sample();
        let mut seen = Vec::new();
        let refused = read(&file[..], |head, d| {
            assert_eq!(head.docs, 2);
            seen.push(d.doc);
            if seen.len() == 2 { Err("no") } else { Ok(()) }
        });
        assert_eq!(refused, Err(ReadError::Refused("no")));
        assert_eq!(seen.len(), 2);
    }

    /// ciborium refuses, through `deserialize_bytes`, a byte string longer than its 4 KiB
    /// scratch buffer: documents are read as byte buffers, whatever their size.
    #[test]
    fn a_document_larger_than_the_decoders_scratch_opens() {
        let key = SigningKey::from_bytes(&[4; 32]);
        let id = DocId::from_bytes([1; 16]);
        let b = Bundle {
            network: id,
            exporter: key.verifying_key().to_bytes(),
            created: "2026-11-25".parse().unwrap(),
            docs: vec![BundleDoc {
                doc: id,
                bytes: (0..300_000u32).map(|i| (i % 251) as u8).collect(),
                signed: vec![],
            }],
        };
        assert_eq!(Bundle::open(&b.seal(&key)), Ok(b));
    }

    /// The sample with one more field in its map, signed afresh.
    fn with_extra(key: &SigningKey, file: &[u8], name: &str) -> Vec<u8> {
        let body = &file[MAGIC.len()..file.len() - SIG_LEN];
        let value: ciborium::Value = ciborium::from_reader(body).unwrap();
        let mut fields = value.as_map().unwrap().clone();
        let extra = if name == "docs" {
            fields
                .iter()
                .find(|(k, _)| k.as_text() == Some("docs"))
                .unwrap()
                .1
                .clone()
        } else {
            ciborium::Value::Array(vec![ciborium::Value::Integer(0.into()); 1000])
        };
        fields.push((ciborium::Value::Text(name.into()), extra));
        let mut out = MAGIC.to_vec();
        ciborium::into_writer(&ciborium::Value::Map(fields), &mut out).unwrap();
        let sig = key.sign(&signed_digest(&out));
        out.extend_from_slice(&sig.to_bytes());
        out
    }

    /// An unknown field's value could be anything, read whole (a list of a million tiny
    /// values); a second list of documents would be counted afresh: both are refused.
    #[test]
    fn unknown_and_repeated_fields_are_refused() {
        let (key, file) = sample();
        for name in ["padding", "docs"] {
            assert!(
                matches!(
                    Bundle::open(&with_extra(&key, &file, name)),
                    Err(BundleError::Unreadable(_))
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn bytes_after_the_signature_are_refused() {
        let (_, mut file) = sample();
        file.push(0);
        assert_eq!(Bundle::open(&file), Err(BundleError::BadSignature));
    }

    /// A document that declares more bytes than an item may hold is refused as too large once
    /// that much is read, not read whole: the reader never holds more than the item limit.
    #[test]
    fn an_item_over_the_limit_is_too_large_and_not_read_on() {
        let big = MAX_BUNDLE_ITEM_BYTES as usize + 1024;
        let mut out = MAGIC.to_vec();
        head(&mut out, Header::Map(Some(4)));
        ciborium::into_writer("network", &mut out).unwrap();
        ciborium::into_writer(&DocId::from_bytes([1; 16]), &mut out).unwrap();
        ciborium::into_writer("exporter", &mut out).unwrap();
        head(&mut out, Header::Bytes(Some(32)));
        out.extend_from_slice(&[9; 32]);
        ciborium::into_writer("created", &mut out).unwrap();
        ciborium::into_writer("2026-11-25", &mut out).unwrap();
        ciborium::into_writer("docs", &mut out).unwrap();
        head(&mut out, Header::Array(Some(1)));
        head(&mut out, Header::Map(Some(3)));
        ciborium::into_writer("doc", &mut out).unwrap();
        ciborium::into_writer(&DocId::from_bytes([1; 16]), &mut out).unwrap();
        ciborium::into_writer("bytes", &mut out).unwrap();
        head(&mut out, Header::Bytes(Some(big)));
        // The bytes themselves come from a reader that makes them as asked, counting.
        struct Gen(usize);
        impl std::io::Read for Gen {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                buf.fill(7);
                self.0 += buf.len();
                Ok(buf.len())
            }
        }
        let mut made = Gen(0);
        let file = std::io::Read::chain(&out[..], &mut made);
        assert_eq!(
            verify(std::io::BufReader::new(file)),
            Err(BundleError::TooLarge)
        );
        assert!(
            made.0 <= MAX_BUNDLE_ITEM_BYTES as usize + 64 * 1024,
            "read {}",
            made.0
        );
    }

    proptest! {
        #[test]
        fn any_truncation_is_refused(cut in 1usize..600) {
            let (_, file) = sample();
            let cut = cut.min(file.len() - 1);
            prop_assert!(Bundle::open(&file[..file.len() - cut]).is_err());
        }

        #[test]
        fn any_changed_byte_is_refused(at in 0usize..700, bit in 0u8..8) {
            let (_, mut file) = sample();
            let at = at % file.len();
            file[at] ^= 1 << bit;
            prop_assert!(Bundle::open(&file).is_err());
        }
    }
}
