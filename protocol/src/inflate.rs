//! A bound on what received Automerge bytes inflate to, checked before Automerge reads them.
//!
//! Automerge compresses a saved document's larger columns with DEFLATE, and a change chunk as a
//! whole ("compressed change"), and inflates them on load without any limit: a few hundred
//! kilobytes received can claim gigabytes of memory. [`check`] walks the chunks of received
//! bytes the way Automerge's own parser reads their framing, and inflates each compressed part
//! into nothing, counting, up to a limit: the bytes are refused before Automerge sees them when
//! what they would inflate to exceeds it. Pure: it reads only the bytes it is given.
//!
//! Automerge's columns are also run-length encoded: a run of a few bytes can claim billions of
//! operations, which Automerge would then build one by one. [`check`] also counts the rows of
//! every column (operations, or changes, as the runs claim them) and refuses bytes whose
//! chunks claim more than [`MAX_ROWS`] in all.
//!
//! Only the framing is read (chunk headers, the column lists of a document chunk, the header of
//! a change chunk) and the runs of each column; whatever else is wrong with the bytes is left
//! for Automerge to refuse (a column whose runs cannot be read counts the rows read until
//! then). Bundle chunks (several changes of one document in one columnar chunk, which a sync
//! catch-up carries) are measured like a document chunk: their dependencies and actors, then
//! the change columns and the operation columns, each a (specification, length) list followed
//! by its data.

use std::io::{BufRead, Read};

use thiserror::Error;

/// The most bytes received documents or changes may inflate to, in all, per payload: a plan
/// with hundreds of thousands of changes inflates to a few tens of megabytes.
pub const MAX_INFLATED: u64 = 96 * 1024 * 1024;

/// The most rows received chunks may claim, in all, per payload: for each chunk, its longest
/// column (its operations, as a rule). A plan of 260,000 changes holds a few million
/// operations.
pub const MAX_ROWS: u64 = 16 * 1024 * 1024;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED: u8 = 2;
const BUNDLE: u8 = 3;
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
    /// Their columns' runs claim more rows than the limit.
    #[error("the bytes claim more than {limit} operations")]
    TooManyRows {
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
    measure(bytes, limit).map(|(size, _)| size)
}

/// What `bytes` inflate to, and the rows their chunks claim (see [`check`]).
fn measure(bytes: &[u8], limit: u64) -> Result<(u64, u64), InflateError> {
    let mut r = Reader { bytes, at: 0 };
    let mut total: u64 = 0;
    let mut rows: u64 = 0;
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
        let (size, claimed) = match kind {
            DOCUMENT => document(data, left),
            BUNDLE => bundle(data, left),
            CHANGE => change(data, left),
            COMPRESSED => change(
                std::io::BufReader::new(
                    flate2::bufread::DeflateDecoder::new(data).take(left.saturating_add(1)),
                ),
                left,
            ),
            _ => Err(InflateError::Malformed("a chunk kind nodes never send")),
        }
        .map_err(|e| match e {
            InflateError::TooLarge { .. } => too_large.clone(),
            other => other,
        })?;
        total += size;
        rows = rows.saturating_add(claimed);
        if total > limit {
            return Err(too_large);
        }
        if rows > MAX_ROWS {
            return Err(InflateError::TooManyRows { limit: MAX_ROWS });
        }
    }
    Ok((total, rows))
}

/// What a document chunk's contents inflate to: its uncompressed parts as they are, each
/// DEFLATE column inflated (at most `limit` in all); and the rows of its longest column.
fn document(data: &[u8], limit: u64) -> Result<(u64, u64), InflateError> {
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
    let mut rows = 0;
    columns_of(&mut r, &columns, limit, &mut total, &mut rows)?;
    // The suffix (head indices) as it is.
    Ok((total + (data.len() - r.at) as u64, rows))
}

/// What a bundle chunk's contents inflate to, and the rows of its longest column: its
/// dependencies (uLEB count, 32 bytes each) and actors (uLEB count, each uLEB length and
/// bytes) as they are, then the change columns and the operation columns, each section a
/// (specification, length) list followed by those columns' data.
fn bundle(data: &[u8], limit: u64) -> Result<(u64, u64), InflateError> {
    let mut r = Reader { bytes: data, at: 0 };
    let deps = r.uleb()?;
    r.take_u64(deps.saturating_mul(32))?;
    for _ in 0..r.uleb()? {
        let n = r.uleb()?;
        r.take_u64(n)?; // an actor id
    }
    // Column data as it inflates; everything else (framing, dependencies, actors) as it is.
    let (mut inflated, mut rows, mut packed) = (0, 0, 0u64);
    for _ in 0..2 {
        let mut columns = Vec::new();
        for _ in 0..r.uleb()? {
            columns.push((r.uleb()?, r.uleb()?));
            if columns.len() > 1024 {
                return Err(InflateError::Malformed("too many columns"));
            }
        }
        packed = columns
            .iter()
            .fold(packed, |sum, (_, len)| sum.saturating_add(*len));
        columns_of(&mut r, &columns, limit, &mut inflated, &mut rows)?;
    }
    Ok((inflated + (data.len() as u64).saturating_sub(packed), rows))
}

/// Reads `columns` from `r` in turn: adds what each inflates to (at most `limit` in all) to
/// `total`, and keeps in `rows` the most rows one of them claims.
fn columns_of(
    r: &mut Reader<'_>,
    columns: &[(u64, u64)],
    limit: u64,
    total: &mut u64,
    rows: &mut u64,
) -> Result<(), InflateError> {
    for &(spec, len) in columns {
        let column = r.take_u64(len)?;
        let left = limit.saturating_sub(*total);
        let (size, claimed) = if spec & DEFLATE != 0 {
            column_rows(
                spec,
                std::io::BufReader::new(
                    flate2::bufread::DeflateDecoder::new(column).take(left.saturating_add(1)),
                ),
            )?
        } else {
            column_rows(spec, column)?
        };
        *total += size;
        *rows = (*rows).max(claimed);
        if *total > limit {
            return Err(InflateError::TooLarge { limit });
        }
    }
    Ok(())
}

/// What a change chunk's body (read from `body`, inflated already if it was compressed) holds:
/// its size, and the rows of its longest operation column. The header as Automerge writes it:
/// dependencies (uLEB count, 32 bytes each), actor (uLEB length, bytes), seq (uLEB), start op
/// (uLEB), time (sLEB), message (uLEB length, bytes), other actors (uLEB count, each uLEB
/// length and bytes), the operation columns' (specification, length) list; then the columns
/// (never DEFLATE'd inside a change), then extra bytes.
fn change(body: impl BufRead, limit: u64) -> Result<(u64, u64), InflateError> {
    let mut s = Stream {
        source: body,
        read: 0,
    };
    let rows = change_rows(&mut s);
    // A compressed change is read through a window of `limit` + 1 bytes: past the limit it
    // looks cut short.
    if s.read > limit {
        return Err(InflateError::TooLarge { limit });
    }
    Ok((s.read, rows?))
}

fn change_rows(s: &mut Stream<impl BufRead>) -> Result<u64, InflateError> {
    let deps = s.uleb()?;
    s.skip(deps.saturating_mul(32))?;
    let actor = s.uleb()?;
    s.skip(actor)?;
    s.uleb()?; // seq
    s.uleb()?; // start op
    s.sleb()?; // time
    let message = s.uleb()?;
    s.skip(message)?;
    for _ in 0..s.uleb()? {
        let n = s.uleb()?;
        s.skip(n)?;
    }
    let mut columns = Vec::new();
    for _ in 0..s.uleb()? {
        columns.push((s.uleb()?, s.uleb()?));
        if columns.len() > 1024 {
            return Err(InflateError::Malformed("too many columns"));
        }
    }
    let mut rows = 0;
    for (spec, len) in columns {
        let start = s.read;
        rows = rows.max(s.rows(spec, len));
        let used = s.read - start;
        s.skip(len.saturating_sub(used))?;
    }
    s.drain()?;
    Ok(rows)
}

/// The size of a column (read from `bytes`, inflated already if it was compressed) and the
/// rows its runs claim.
fn column_rows(spec: u64, bytes: impl BufRead) -> Result<(u64, u64), InflateError> {
    let mut s = Stream {
        source: bytes,
        read: 0,
    };
    let rows = s.rows(spec, u64::MAX);
    s.drain()?;
    Ok((s.read, rows))
}

/// Bytes read from a source (a slice, or a buffered DEFLATE stream), counted.
struct Stream<R: BufRead> {
    source: R,
    read: u64,
}

impl<R: BufRead> Stream<R> {
    fn byte(&mut self) -> Result<u8, InflateError> {
        let buf = self
            .source
            .fill_buf()
            .map_err(|_| InflateError::Malformed("damaged DEFLATE data"))?;
        let b = *buf.first().ok_or(InflateError::Malformed("truncated"))?;
        self.source.consume(1);
        self.read += 1;
        Ok(b)
    }

    /// An unsigned LEB128 number of at most 64 bits.
    fn uleb(&mut self) -> Result<u64, InflateError> {
        uleb(|| self.byte())
    }

    /// A signed LEB128 number of at most 64 bits.
    fn sleb(&mut self) -> Result<i64, InflateError> {
        let mut value: i64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift < 64 {
                value |= i64::from(b & 0x7f) << shift;
            }
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    value |= -1 << shift;
                }
                return Ok(value);
            }
            if shift > 70 {
                return Err(InflateError::Malformed("an overlong number"));
            }
        }
    }

    /// Skips `n` bytes, counting them; fewer are left: truncated.
    fn skip(&mut self, mut n: u64) -> Result<(), InflateError> {
        while n > 0 {
            let buf = self
                .source
                .fill_buf()
                .map_err(|_| InflateError::Malformed("damaged DEFLATE data"))?;
            if buf.is_empty() {
                return Err(InflateError::Malformed("truncated"));
            }
            let k = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            self.source.consume(k);
            self.read += k as u64;
            n -= k as u64;
        }
        Ok(())
    }

    /// Reads what is left, counting it.
    fn drain(&mut self) -> Result<(), InflateError> {
        match self.skip(u64::MAX) {
            Err(InflateError::Malformed("truncated")) | Ok(()) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The rows a column of specification `spec`, `len` bytes long (or to the end), claims,
    /// read run by run to its end (or to the first run that cannot be read). Column types (the
    /// specification's low three bits), as Automerge encodes them: 0 group, 1 actor, 2
    /// unsigned integer, 6 value metadata (runs of uLEB values); 3 delta (runs of sLEB values);
    /// 5 string (runs of uLEB-length strings); 4 boolean (uLEB run lengths, alternately false
    /// and true); 7 raw values (no rows). A run is an sLEB count: above zero, that many copies
    /// of one value; below zero, that many values written out; zero, a uLEB count of nulls.
    fn rows(&mut self, spec: u64, len: u64) -> u64 {
        let kind = spec & 0b111;
        if kind == 7 {
            return 0;
        }
        let start = self.read;
        let value = |s: &mut Self| -> Result<(), InflateError> {
            match kind {
                3 => s.sleb().map(drop),
                5 => {
                    let n = s.uleb()?;
                    s.skip(n)
                }
                _ => s.uleb().map(drop),
            }
        };
        let mut rows: u64 = 0;
        while self.read - start < len {
            let run = if kind == 4 {
                self.uleb()
            } else {
                match self.sleb() {
                    Ok(count) if count > 0 => value(self).map(|()| count.unsigned_abs()),
                    Ok(0) => self.uleb(),
                    Ok(count) => {
                        // A literal run writes each value out: it claims no more rows than the
                        // bytes it holds, so it is read as far as it goes.
                        let mut read = 0;
                        while read < count.unsigned_abs() && value(self).is_ok() {
                            read += 1;
                        }
                        Ok(read)
                    }
                    Err(e) => Err(e),
                }
            };
            match run {
                Ok(n) => rows = rows.saturating_add(n),
                Err(_) => break,
            }
        }
        rows
    }
}

/// An unsigned LEB128 number of at most 64 bits, read a byte at a time from `byte`.
fn uleb(mut byte: impl FnMut() -> Result<u8, InflateError>) -> Result<u64, InflateError> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = byte()?;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(InflateError::Malformed("an overlong number"))
}

/// Chunk framing read from a slice.
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
        uleb(|| Ok(self.take(1)?[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT, ScalarValue};

    /// A document holding `n` zero bytes in one value: its column compresses to a few hundred
    /// bytes per megabyte.
    /// A document holding `n` zero bytes, by a fixed actor: its bytes, and so what a damaged
    /// copy of them reads as (`check` does not verify checksums), are the same on every run.
    fn zeros(n: usize) -> AutoCommit {
        let mut d = AutoCommit::new().with_actor(automerge::ActorId::from([1u8; 16]));
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
    fn bundles_are_measured_and_bounded() {
        // Many small changes, as a catch-up carries them: the bundle passes and is measured.
        let mut d = AutoCommit::new();
        let text = d
            .put_object(ROOT, "goal", automerge::ObjType::Text)
            .unwrap();
        d.commit();
        let heads = d.get_heads();
        for i in 0..300 {
            d.splice_text(&text, 0, 0, &format!("سكن {i} ")).unwrap();
            d.commit();
        }
        let hashes: Vec<_> = d.get_changes(&heads).iter().map(|c| c.hash()).collect();
        let b = d
            .document()
            .bundle(hashes.clone())
            .unwrap()
            .bytes()
            .to_vec();
        let n = check(&b, MAX_INFLATED).unwrap();
        assert!(n >= b.len() as u64, "{n} < {}", b.len());
        // A copy at the earlier heads takes the bundle whole.
        let mut copy = d.fork_at(&heads).unwrap();
        copy.load_incremental(&b).unwrap();
        assert_eq!(copy.get_heads(), d.get_heads());
        // A bundle of one large, compressible value: small on the wire, refused past the limit.
        let mut z = zeros(8 << 20);
        let before = z.get_heads();
        z.put(ROOT, "again", ScalarValue::Bytes(vec![0; 8 << 20]))
            .unwrap();
        z.commit();
        let hashes: Vec<_> = z.get_changes(&before).iter().map(|c| c.hash()).collect();
        let big = z.document().bundle(hashes).unwrap().bytes().to_vec();
        assert!(big.len() < 64 * 1024, "{} bytes", big.len());
        assert!(check(&big, MAX_INFLATED).unwrap() > 8 << 20);
        assert_eq!(
            check(&big, 4 << 20),
            Err(InflateError::TooLarge { limit: 4 << 20 })
        );
    }

    /// A chunk with a valid-looking frame (the checksum is not checked here) around `data`.
    fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([0; 4]);
        out.push(kind);
        let mut n = data.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            out.push(if n > 0 { b | 0x80 } else { b });
            if n == 0 {
                break;
            }
        }
        out.extend(data);
        out
    }

    /// One run claiming 2^42 copies of 0: sLEB 2^42, then the value.
    const HUGE_RUN: [u8; 8] = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00];

    #[test]
    fn ordinary_documents_claim_their_operations() {
        let mut d = AutoCommit::new();
        let text = d
            .put_object(ROOT, "goal", automerge::ObjType::Text)
            .unwrap();
        d.splice_text(&text, 0, 0, "Housing for everyone, سكن للجميع")
            .unwrap();
        d.commit();
        d.splice_text(&text, 3, 4, "").unwrap();
        d.put(ROOT, "n", ScalarValue::counter(3)).unwrap();
        d.increment(ROOT, "n", 2).unwrap();
        let list = d
            .put_object(ROOT, "actions", automerge::ObjType::List)
            .unwrap();
        for i in 0..50 {
            d.insert(&list, i, i as i64).unwrap();
        }
        let mut other = d.fork();
        other.put(ROOT, "title", "Another group's title").unwrap();
        d.merge(&mut other).unwrap();
        let ops = automerge::ReadDoc::stats(&d).num_ops;
        let (_, rows) = measure(&d.save(), MAX_INFLATED).unwrap();
        assert_eq!(rows, ops, "a saved document claims its operations");
        let (_, rows) = measure(&d.save_nocompress(), MAX_INFLATED).unwrap();
        assert_eq!(rows, ops);
        // Its changes one by one, plain and compressed, claim each change's operations.
        for mut change in d.get_changes(&[]) {
            let n = change.len() as u64;
            assert_eq!(measure(change.raw_bytes(), MAX_INFLATED).unwrap().1, n);
            assert_eq!(measure(change.bytes().as_ref(), MAX_INFLATED).unwrap().1, n);
        }
    }

    #[test]
    fn a_run_that_claims_billions_of_operations_is_refused() {
        // A document chunk: no actors, no heads, no change columns, one operation column of
        // unsigned integers (specification 2) holding the huge run.
        let mut doc = vec![0, 0, 0, 1, 2, HUGE_RUN.len() as u8];
        doc.extend(HUGE_RUN);
        assert_eq!(
            check(&chunk(DOCUMENT, &doc), MAX_INFLATED),
            Err(InflateError::TooManyRows { limit: MAX_ROWS })
        );
        // A change chunk: no deps, an empty actor, seq 1, start op 1, time 0, no message, no
        // other actors, one column.
        let mut change = vec![0, 0, 1, 1, 0, 0, 0, 1, 2, HUGE_RUN.len() as u8];
        change.extend(HUGE_RUN);
        assert_eq!(
            check(&chunk(CHANGE, &change), MAX_INFLATED),
            Err(InflateError::TooManyRows { limit: MAX_ROWS })
        );
        // The same change compressed.
        let mut deflated = Vec::new();
        let mut encoder =
            flate2::read::DeflateEncoder::new(change.as_slice(), flate2::Compression::default());
        encoder.read_to_end(&mut deflated).unwrap();
        assert_eq!(
            check(&chunk(COMPRESSED, &deflated), MAX_INFLATED),
            Err(InflateError::TooManyRows { limit: MAX_ROWS })
        );
        // A null run (count 0, then the number of nulls) and a boolean column (specification
        // 4) claim rows too.
        let mut nulls = vec![0, 0, 0, 1, 2, 7, 0];
        nulls.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
        assert!(check(&chunk(DOCUMENT, &nulls), MAX_INFLATED).is_err());
        let booleans = [0, 0, 0, 1, 4, 6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
        assert!(check(&chunk(DOCUMENT, &booleans), MAX_INFLATED).is_err());
        // Many chunks claim together: 17 of a million rows each.
        let million = [0xc0, 0x84, 0x3d, 0x00]; // sLEB 1,000,000, value 0
        let mut one = vec![0, 0, 0, 1, 2, million.len() as u8];
        one.extend(million);
        assert_eq!(
            measure(&chunk(DOCUMENT, &one), MAX_INFLATED).unwrap().1,
            1_000_000
        );
        let many: Vec<u8> = (0..17).flat_map(|_| chunk(DOCUMENT, &one)).collect();
        assert!(check(&many, MAX_INFLATED).is_err());
    }

    #[test]
    fn damaged_framing_is_refused_and_never_panics() {
        let saved = zeros(100_000).save();
        for cut in [1, 5, 9, 10, 20, saved.len() / 2, saved.len() - 1] {
            let _ = check(&saved[..cut], MAX_INFLATED);
        }
        assert!(check(b"not a document", MAX_INFLATED).is_err());
        let mut bundle = saved.clone();
        bundle[8] = BUNDLE;
        assert!(check(&bundle, MAX_INFLATED).is_err());
        let mut d = zeros(10);
        let heads = d.get_heads();
        d.put(ROOT, "n", 1).unwrap();
        let hashes: Vec<_> = d.get_changes(&heads).iter().map(|c| c.hash()).collect();
        let b = d.document().bundle(hashes).unwrap().bytes().to_vec();
        for cut in 1..b.len() {
            let _ = check(&b[..cut], MAX_INFLATED);
        }
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
