//! A bound on what received Automerge bytes inflate to, checked before Automerge reads them.
//!
//! Automerge compresses a saved document's larger columns with DEFLATE, and a change chunk as a
//! whole ("compressed change"), and inflates them on load without any limit: a few hundred
//! kilobytes received can claim gigabytes of memory. [`check`] walks the chunks of received
//! bytes the way Automerge's own parser reads their framing, and inflates each compressed part
//! into nothing, counting, up to a limit: the bytes are refused before Automerge sees them when
//! what they would inflate to exceeds it. Pure: it reads only the bytes it is given.
//!
//! Only the framing is read (chunk headers, the column lists of a document chunk); whatever
//! else is wrong with the bytes is left for Automerge to refuse. Bundle chunks (several changes
//! in one chunk, an Automerge API that no Common Ground node uses) are refused outright.

use std::io::Read;

use thiserror::Error;

/// The most bytes received documents or changes may inflate to, in all, per payload: a plan
/// with hundreds of thousands of changes inflates to a few tens of megabytes.
pub const MAX_INFLATED: u64 = 96 * 1024 * 1024;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED: u8 = 2;
/// A column specification's DEFLATE bit.
const DEFLATE: u64 = 0b1000;

/// Why received bytes are refused before they are loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InflateError {
    /// They would inflate to more than the limit.
    #[error("the bytes would inflate to more than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// A chunk's framing cannot be read.
    #[error("unreadable Automerge chunk: {0}")]
    Malformed(&'static str),
}

/// Checks that `bytes` (chunks as Automerge saves or sends them, one after another) inflate to
/// at most `limit` bytes; returns what they inflate to.
pub fn check(bytes: &[u8], limit: u64) -> Result<u64, InflateError> {
    let mut r = Reader { bytes, at: 0 };
    let mut total: u64 = 0;
    let too_large = InflateError::TooLarge { limit };
    while !r.done() {
        let start = r.at;
        if r.take(4)? != MAGIC {
            return Err(InflateError::Malformed("no magic bytes"));
        }
        r.take(4)?; // checksum
        let kind = r.take(1)?[0];
        let len = r.uleb()?;
        total += (r.at - start) as u64;
        let data = r.take_u64(len)?;
        let left = limit.saturating_sub(total);
        total += match kind {
            DOCUMENT => document(data, left),
            CHANGE => Ok(len),
            COMPRESSED => inflated(data, left),
            _ => Err(InflateError::Malformed("a chunk kind nodes never send")),
        }
        .map_err(|e| match e {
            InflateError::TooLarge { .. } => too_large.clone(),
            other => other,
        })?;
        if total > limit {
            return Err(too_large);
        }
    }
    Ok(total)
}

/// What a document chunk's contents inflate to: its uncompressed parts as they are, each
/// DEFLATE column inflated (at most `limit` in all).
fn document(data: &[u8], limit: u64) -> Result<u64, InflateError> {
    let mut r = Reader { bytes: data, at: 0 };
    for _ in 0..r.uleb()? {
        let n = r.uleb()?;
        r.take_u64(n)?; // an actor id
    }
    let heads = r.uleb()?;
    r.take_u64(heads.saturating_mul(32))?;
    let mut columns = Vec::new();
    for _ in 0..2 {
        // The change columns, then the operation columns: (specification, length) each.
        for _ in 0..r.uleb()? {
            columns.push((r.uleb()?, r.uleb()?));
        }
    }
    let mut total = r.at as u64;
    for (spec, len) in columns {
        let column = r.take_u64(len)?;
        let left = limit.saturating_sub(total);
        total += if spec & DEFLATE != 0 {
            inflated(column, left)?
        } else {
            len
        };
        if total > limit {
            return Err(InflateError::TooLarge { limit });
        }
    }
    // The suffix (head indices) as it is.
    Ok(total + (data.len() - r.at) as u64)
}

/// How many bytes `deflated` inflates to, reading at most `limit` + 1 of them into nothing.
fn inflated(deflated: &[u8], limit: u64) -> Result<u64, InflateError> {
    let decoder = flate2::bufread::DeflateDecoder::new(deflated);
    let n = std::io::copy(&mut decoder.take(limit + 1), &mut std::io::sink())
        .map_err(|_| InflateError::Malformed("damaged DEFLATE data"))?;
    if n > limit {
        return Err(InflateError::TooLarge { limit });
    }
    Ok(n)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], InflateError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or(InflateError::Malformed("truncated"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn take_u64(&mut self, n: u64) -> Result<&'a [u8], InflateError> {
        self.take(usize::try_from(n).map_err(|_| InflateError::Malformed("truncated"))?)
    }

    /// An unsigned LEB128 number of at most 64 bits.
    fn uleb(&mut self) -> Result<u64, InflateError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(InflateError::Malformed("an overlong number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT, ScalarValue};

    /// A document holding `n` zero bytes in one value: its column compresses to a few hundred
    /// bytes per megabyte.
    fn zeros(n: usize) -> AutoCommit {
        let mut d = AutoCommit::new();
        d.put(ROOT, "blob", ScalarValue::Bytes(vec![0; n])).unwrap();
        d
    }

    #[test]
    fn ordinary_documents_and_changes_pass_and_are_measured() {
        let mut d = AutoCommit::new();
        d.put(ROOT, "title", "Housing").unwrap();
        let saved = d.save();
        assert_eq!(check(&saved, MAX_INFLATED), Ok(saved.len() as u64));
        let changes: Vec<u8> = d
            .get_changes(&[])
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        assert_eq!(check(&changes, MAX_INFLATED), Ok(changes.len() as u64));
        assert_eq!(check(&[], MAX_INFLATED), Ok(0));
    }

    #[test]
    fn a_small_document_that_inflates_past_the_limit_is_refused() {
        let mut d = zeros(8 << 20);
        let saved = d.save();
        assert!(saved.len() < 64 * 1024, "{} bytes saved", saved.len());
        let n = check(&saved, MAX_INFLATED).unwrap();
        assert!(n > 8 << 20, "{n}");
        assert_eq!(
            check(&saved, 4 << 20),
            Err(InflateError::TooLarge { limit: 4 << 20 })
        );
        // A compressed change chunk too (its change, sent alone in a sync message).
        let change = d.get_changes(&[]).pop().unwrap();
        let mut compressed = change.clone();
        let bytes = compressed.bytes().to_vec();
        assert!(bytes.len() < 64 * 1024);
        assert_eq!(
            check(&bytes, 4 << 20),
            Err(InflateError::TooLarge { limit: 4 << 20 })
        );
        // Two documents in a row count together.
        let twice = [saved.clone(), saved].concat();
        assert!(check(&twice, 12 << 20).is_err());
    }

    #[test]
    fn damaged_framing_is_refused_and_never_panics() {
        let saved = zeros(100_000).save();
        for cut in [1, 5, 9, 10, 20, saved.len() / 2, saved.len() - 1] {
            let _ = check(&saved[..cut], MAX_INFLATED);
        }
        assert!(check(b"not a document", MAX_INFLATED).is_err());
        let mut bundle = saved.clone();
        bundle[8] = 3;
        assert!(check(&bundle, MAX_INFLATED).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let mut framed = MAGIC.to_vec();
            framed.extend(&bytes);
            let _ = check(&framed, 1 << 20);
            let _ = check(&bytes, 1 << 20);
        }
    }
}
