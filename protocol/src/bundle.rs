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
/// The largest bundle accepted: 1 GiB.
pub const MAX_BUNDLE_BYTES: usize = 1 << 30;
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

    /// Checks a file's header, size and signature, then reads it.
    pub fn open(file: &[u8]) -> Result<Self, BundleError> {
        if !file.starts_with(MAGIC) {
            return Err(BundleError::NotABundle);
        }
        if file.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge);
        }
        if file.len() < MAGIC.len() + SIG_LEN {
            return Err(BundleError::BadSignature);
        }
        let (body, sig) = file.split_at(file.len() - SIG_LEN);
        let sig: [u8; SIG_LEN] = sig.try_into().map_err(|_| BundleError::BadSignature)?;
        // The exporter's key sits at a fixed place only after decoding; decode first, then
        // verify, and refuse if either fails. A truncated file fails one or the other.
        let bundle: Self =
            ciborium::from_reader(&body[MAGIC.len()..]).map_err(|_| BundleError::BadSignature)?;
        let key =
            VerifyingKey::from_bytes(&bundle.exporter).map_err(|_| BundleError::BadSignature)?;
        key.verify(&signed_digest(body), &Signature::from_bytes(&sig))
            .map_err(|_| BundleError::BadSignature)?;
        if bundle.docs.len() > MAX_BUNDLE_DOCS {
            return Err(BundleError::TooLarge);
        }
        if bundle.docs.first().map(|d| d.doc) != Some(bundle.network) {
            return Err(BundleError::Unreadable(
                "the network document is not first".into(),
            ));
        }
        Ok(bundle)
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
