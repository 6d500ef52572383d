//! Durable storage of documents and metadata, behind a small fallible trait.
//!
//! A document is stored as a compacted snapshot (Automerge `save()`) plus the changes made since,
//! each under its own key, so that a new change costs one small write. [`Store::append`] returns
//! only once the changes are durable: sled's `flush()` on Linux ends in `sync_file_range`, which
//! neither flushes the disk's cache nor the file's size, and sled writes large values to blob
//! files without syncing them (sled issue #1452). [`SledStore`] closes that gap by `fdatasync`ing
//! its log file and every new blob file (and the blob folder) after each flush.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use commonground_protocol::DocId;
use thiserror::Error;

/// A storage failure.
#[derive(Debug, Error, Clone)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("cannot open the database in {path}: {reason}")]
    Open {
        /// Where.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Reading or writing failed.
    #[error("storage error: {0}")]
    Io(String),
    /// The disk is full (or the user's quota used up). Writes fail until space returns; the
    /// store then recovers by itself ([`Store::recover`]).
    #[error("the disk holding {} is full", .dir.display())]
    Full {
        /// The store's folder (empty until the store names it).
        dir: PathBuf,
    },
    /// The disk was made read-only (by the system, after errors, or by hand).
    #[error("the disk holding {} is read-only", .dir.display())]
    ReadOnly {
        /// The store's folder (empty until the store names it).
        dir: PathBuf,
    },
    /// Stored bytes that are not what was written.
    #[error("stored data for document {doc} is damaged: {reason}")]
    Corrupt {
        /// The document.
        doc: DocId,
        /// What is wrong.
        reason: String,
    },
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(io) => io.into(),
            other => Self::Io(other.to_string()),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind;
        // ENOSPC, EDQUOT; EROFS. sled hands on a failure it kept as a new error of the same
        // kind whose message is the first one's, without the OS code: the kind is read too.
        match (e.raw_os_error(), e.kind()) {
            (Some(28 | 122), _) | (_, ErrorKind::StorageFull | ErrorKind::QuotaExceeded) => {
                Self::Full {
                    dir: PathBuf::new(),
                }
            }
            (Some(30), _) | (_, ErrorKind::ReadOnlyFilesystem) => Self::ReadOnly {
                dir: PathBuf::new(),
            },
            _ => Self::Io(e.to_string()),
        }
    }
}

impl StoreError {
    /// The same error, naming `dir` as the store's folder if it is about the disk.
    pub(crate) fn at(self, dir: &Path) -> Self {
        match self {
            Self::Full { .. } => Self::Full {
                dir: dir.to_path_buf(),
            },
            Self::ReadOnly { .. } => Self::ReadOnly {
                dir: dir.to_path_buf(),
            },
            other => other,
        }
    }

    /// Whether the disk, not the data, is at fault: the node goes on reading, and recovers
    /// by itself when the disk does.
    pub fn is_disk(&self) -> bool {
        matches!(self, Self::Full { .. } | Self::ReadOnly { .. })
    }
}

/// What is stored of one document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StoredDoc {
    /// The last compacted snapshot, if any.
    pub snapshot: Option<Vec<u8>>,
    /// Changes appended since the snapshot, in order.
    pub changes: Vec<Vec<u8>>,
}

/// New changes of one document, to append.
#[derive(Debug, Clone)]
pub struct Append {
    /// The document.
    pub doc: DocId,
    /// The raw bytes of each change, in order; or, for a document stored the first time, the
    /// whole document as saved (Automerge loads both alike).
    pub changes: Vec<Vec<u8>>,
}

/// Durable storage of documents and metadata. Every method is synchronous: callers keep it off
/// async workers (the documents actor owns it on a thread of its own).
pub trait Store: Send + 'static {
    /// Every stored document id.
    fn doc_ids(&self) -> Result<Vec<DocId>, StoreError>;
    /// What is stored of a document.
    fn load(&self, doc: &DocId) -> Result<Option<StoredDoc>, StoreError>;
    /// Appends changes of one or more documents atomically, and sets metadata values; durable
    /// when it returns `Ok`.
    fn append(&mut self, batch: &[Append], meta: &[(String, Vec<u8>)]) -> Result<(), StoreError>;
    /// Replaces a document's snapshot and drops its stored changes; durable when it returns.
    fn compact(&mut self, doc: &DocId, snapshot: &[u8]) -> Result<(), StoreError>;
    /// Deletes a document (its snapshot, changes, and the metadata keys given); durable when
    /// it returns. The bytes become unreachable; sled may keep them in its log until it
    /// rewrites that segment.
    fn remove(&mut self, doc: &DocId, meta_keys: &[String]) -> Result<(), StoreError>;
    /// A metadata value.
    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Sets a metadata value; durable when it returns.
    fn set_meta(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    /// Every metadata entry whose key starts with `prefix`.
    fn meta_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Rewrites the store so that nothing [`Store::remove`]d or overwritten remains in its
    /// files (a forgotten document's bytes must leave the disk); durable when it returns.
    fn scrub(&mut self) -> Result<(), StoreError>;
    /// After a write failed: makes the store usable again if the disk is (space came back),
    /// keeping everything that was durable. `Ok` when it is usable.
    fn recover(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Whether a write failed and the store has not recovered since.
    fn failing(&self) -> Option<StoreError> {
        None
    }
}

const SNAPSHOT: u8 = b's';
const CHANGE: u8 = b'c';

fn snapshot_key(doc: &DocId) -> Vec<u8> {
    let mut k = vec![SNAPSHOT];
    k.extend_from_slice(doc.as_bytes());
    k
}

fn change_prefix(doc: &DocId) -> Vec<u8> {
    let mut k = vec![CHANGE];
    k.extend_from_slice(doc.as_bytes());
    k
}

fn change_key(doc: &DocId, seq: u64) -> Vec<u8> {
    let mut k = change_prefix(doc);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// The sled-backed store.
pub struct SledStore {
    db: sled::Db,
    docs: sled::Tree,
    meta: sled::Tree,
    dir: PathBuf,
    log: File,
    synced_blobs: HashSet<std::ffi::OsString>,
    fsyncs: Arc<AtomicU64>,
    /// The error of the last write that failed, until the store recovers. sled keeps an
    /// I/O failure for the life of its handle (every later call returns it), so recovering means
    /// closing the database and opening it again ([`Store::recover`]); while it cannot be opened,
    /// `db` is an empty placeholder and reads fail rather than answer from it.
    failed: Option<StoreError>,
    /// The database must be opened again before the next write (a write failed since).
    broken: bool,
    /// The database is closed (opening it again failed): reads fail.
    detached: bool,
}

/// Where a scrub writes the fresh copy of the store at `dir`, and where the old one waits to
/// be deleted.
fn scrub_dirs(dir: &Path) -> (PathBuf, PathBuf) {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    (
        dir.with_file_name(format!("{name}.fresh")),
        dir.with_file_name(format!("{name}.old")),
    )
}

/// sled writes a snapshot to `snap.<lsn>.generating` and renames it once complete. One left
/// behind (the disk filled, or the process died, while it was written) is incomplete, yet sled
/// 0.34 takes it for the newest snapshot and refuses to open ("Read corrupted data"). It holds
/// nothing the log does not.
fn remove_unfinished_snapshots(dir: &Path) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Finishes a scrub that a crash interrupted: a complete fresh copy is put in place of a store
/// already moved aside; an old copy left behind is deleted; an unfinished fresh one too.
fn recover_scrub(dir: &Path) -> std::io::Result<()> {
    let (fresh, old) = scrub_dirs(dir);
    if !dir.exists() && fresh.exists() {
        std::fs::rename(&fresh, dir)?;
    }
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh)?;
    }
    Ok(())
}

/// Makes every file of a sled folder private (0600, folders 0700: the data directory's rule)
/// and fsyncs it, then the folder itself.
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for entry in walk(dir)? {
        let mode = if entry.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode))?;
        File::open(&entry)?.sync_all()?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    File::open(dir)?.sync_all()
}

fn walk(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            out.extend(walk(&p)?);
            out.push(p);
        } else {
            out.push(p);
        }
    }
    Ok(out)
}

/// How long [`SledStore::open`] waits for a store that this process has just closed.
const RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// How often [`SledStore::open`] tries again while it waits.
const RELEASE_POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// Opens sled's database, waiting up to [`RELEASE_WAIT`] while its file is locked. sled takes
/// an exclusive lock on its file and lets it go only when the last of its background threads
/// drops its handle, which can be a moment after the last `Db` was dropped: a store closed and
/// opened again at once (a restart within one process) found it still locked. A lock held by
/// another process that does not let go (a second node on the data directory) fails after the
/// wait, with sled's error. Worked around here, once, at the store's boundary. `wait` runs
/// between two tries.
fn open_when_released(config: &sled::Config, mut wait: impl FnMut()) -> sled::Result<sled::Db> {
    let deadline = std::time::Instant::now() + RELEASE_WAIT;
    loop {
        match config.open() {
            // sled 0.34 reports the lock as an `Other` error with this message (config.rs),
            // its cause (WouldBlock) only in the text.
            Err(sled::Error::Io(e))
                if e.to_string().starts_with("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                wait();
            }
            other => return other,
        }
    }
}

impl SledStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        Self::open_waiting(dir, || std::thread::sleep(RELEASE_POLL))
    }

    /// [`SledStore::open`], running `wait` between two tries while sled's file is still locked.
    fn open_waiting(dir: &Path, wait: impl FnMut()) -> Result<Self, StoreError> {
        let open_err = |reason: String| StoreError::Open {
            path: dir.to_path_buf(),
            reason,
        };
        recover_scrub(dir)
            .map_err(|e| open_err(format!("finishing an interrupted rewrite: {e}")))?;
        remove_unfinished_snapshots(dir)
            .map_err(|e| open_err(format!("removing an unfinished snapshot: {e}")))?;
        let config = sled::Config::new()
            .path(dir)
            .mode(sled::Mode::HighThroughput)
            // We flush (and fsync) ourselves before acknowledging; sled's timer flush is extra.
            .flush_every_ms(Some(1_000));
        let db = open_when_released(&config, wait).map_err(|e| open_err(e.to_string()))?;
        let docs = db.open_tree("docs").map_err(|e| open_err(e.to_string()))?;
        let meta = db.open_tree("meta").map_err(|e| open_err(e.to_string()))?;
        let log = File::open(dir.join("db")).map_err(|e| open_err(format!("db file: {e}")))?;
        let mut store = Self {
            db,
            docs,
            meta,
            dir: dir.to_path_buf(),
            log,
            synced_blobs: HashSet::new(),
            fsyncs: Arc::default(),
            failed: None,
            broken: false,
            detached: false,
        };
        store.durable().map_err(|e| e.at(dir))?;
        Ok(store)
    }

    /// Runs a write; a failure is kept (see `failed`) and names the store's folder.
    fn writing<T>(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.broken {
            self.recover()?;
        }
        match write(self) {
            Ok(v) => {
                if self.failed.take().is_some() {
                    tracing::info!(dir = %self.dir.display(), "the store is writable again");
                }
                Ok(v)
            }
            Err(e) => {
                let e = e.at(&self.dir);
                self.failed = Some(e.clone());
                self.broken = true;
                Err(e)
            }
        }
    }

    /// Fails a read while the database is closed (a recovery could not open it again).
    fn reading(&self) -> Result<(), StoreError> {
        match (&self.failed, self.detached) {
            (Some(e), true) => Err(e.clone()),
            _ => Ok(()),
        }
    }

    /// A counter of the fsyncs this store has made, to show (in tests and metrics) that writes
    /// are made durable.
    pub fn fsync_counter(&self) -> Arc<AtomicU64> {
        self.fsyncs.clone()
    }

    fn sync(&self, file: &File) -> Result<(), StoreError> {
        file.sync_data()?;
        self.fsyncs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Flushes sled, then completes what its flush leaves undone: fdatasync of the log file and
    /// of any blob file not yet synced, and of the blob folder when it gained files.
    fn durable(&mut self) -> Result<(), StoreError> {
        self.db.flush()?;
        self.sync(&self.log)?;
        let blobs = self.dir.join("blobs");
        let Ok(entries) = std::fs::read_dir(&blobs) else {
            return Ok(());
        };
        let mut present = HashSet::new();
        let mut added = false;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if !self.synced_blobs.contains(&name) {
                // A blob removed by sled's GC between listing and opening needs no sync.
                if let Ok(f) = File::open(entry.path()) {
                    self.sync(&f)?;
                    added = true;
                }
            }
            present.insert(name);
        }
        if added {
            self.sync(&File::open(&blobs)?)?;
        }
        self.synced_blobs = present;
        Ok(())
    }

    fn next_seq(&self, doc: &DocId) -> Result<u64, StoreError> {
        Ok(
            match self.docs.scan_prefix(change_prefix(doc)).next_back() {
                Some(kv) => {
                    let (k, _) = kv?;
                    let tail: [u8; 8] = k[k.len() - 8..]
                        .try_into()
                        .map_err(|_| StoreError::Io("malformed change key".into()))?;
                    u64::from_be_bytes(tail) + 1
                }
                None => 0,
            },
        )
    }
}

impl SledStore {
    fn append_now(
        &mut self,
        batch: &[Append],
        meta: &[(String, Vec<u8>)],
    ) -> Result<(), StoreError> {
        if !meta.is_empty() {
            let mut m = sled::Batch::default();
            for (k, v) in meta {
                m.insert(k.as_bytes(), v.as_slice());
            }
            self.meta.apply_batch(m)?;
        }
        let mut b = sled::Batch::default();
        for a in batch {
            for (seq, c) in (self.next_seq(&a.doc)?..).zip(&a.changes) {
                b.insert(change_key(&a.doc, seq), c.as_slice());
            }
        }
        self.docs.apply_batch(b)?;
        self.durable()
    }

    fn compact_now(&mut self, doc: &DocId, snapshot: &[u8]) -> Result<(), StoreError> {
        let mut b = sled::Batch::default();
        b.insert(snapshot_key(doc), snapshot);
        for k in self.docs.scan_prefix(change_prefix(doc)).keys() {
            b.remove(k?);
        }
        self.docs.apply_batch(b)?;
        self.durable()
    }

    fn remove_now(&mut self, doc: &DocId, meta_keys: &[String]) -> Result<(), StoreError> {
        let mut b = sled::Batch::default();
        b.remove(snapshot_key(doc));
        for k in self.docs.scan_prefix(change_prefix(doc)).keys() {
            b.remove(k?);
        }
        self.docs.apply_batch(b)?;
        let mut m = sled::Batch::default();
        for k in meta_keys {
            m.remove(k.as_bytes());
        }
        self.meta.apply_batch(m)?;
        self.durable()
    }

    fn set_meta_now(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.meta.insert(key, value)?;
        self.durable()
    }
}

impl Store for SledStore {
    fn doc_ids(&self) -> Result<Vec<DocId>, StoreError> {
        self.reading()?;
        let mut ids = std::collections::BTreeSet::new();
        for kv in self.docs.iter() {
            let (k, _) = kv?;
            if let Some(bytes) = k.get(1..17).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
                ids.insert(DocId::from_bytes(bytes));
            }
        }
        Ok(ids.into_iter().collect())
    }

    fn load(&self, doc: &DocId) -> Result<Option<StoredDoc>, StoreError> {
        self.reading()?;
        let snapshot = self.docs.get(snapshot_key(doc))?.map(|v| v.to_vec());
        let changes = self
            .docs
            .scan_prefix(change_prefix(doc))
            .values()
            .map(|v| v.map(|v| v.to_vec()))
            .collect::<Result<Vec<_>, _>>()?;
        if snapshot.is_none() && changes.is_empty() {
            return Ok(None);
        }
        Ok(Some(StoredDoc { snapshot, changes }))
    }

    fn append(&mut self, batch: &[Append], meta: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        self.writing(|s| s.append_now(batch, meta))
    }

    fn compact(&mut self, doc: &DocId, snapshot: &[u8]) -> Result<(), StoreError> {
        self.writing(|s| s.compact_now(doc, snapshot))
    }

    fn remove(&mut self, doc: &DocId, meta_keys: &[String]) -> Result<(), StoreError> {
        self.writing(|s| s.remove_now(doc, meta_keys))
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.reading()?;
        Ok(self.meta.get(key)?.map(|v| v.to_vec()))
    }

    fn set_meta(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.writing(|s| s.set_meta_now(key, value))
    }

    fn meta_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.reading()?;
        self.meta
            .scan_prefix(prefix)
            .map(|kv| {
                let (k, v) = kv?;
                Ok((String::from_utf8_lossy(&k).into_owned(), v.to_vec()))
            })
            .collect()
    }

    fn scrub(&mut self) -> Result<(), StoreError> {
        self.writing(Self::scrub_now)
    }

    fn recover(&mut self) -> Result<(), StoreError> {
        if !self.broken {
            return Ok(());
        }
        let failed = self
            .failed
            .clone()
            .unwrap_or_else(|| StoreError::Io("an earlier write failed".into()));
        // Every handle to the failed database closed first: sled locks its folder.
        if !self.detached {
            let placeholder = sled::Config::new().temporary(true).open()?;
            self.docs = placeholder.open_tree("docs")?;
            self.meta = placeholder.open_tree("meta")?;
            drop(std::mem::replace(&mut self.db, placeholder));
            self.detached = true;
        }
        match Self::open(&self.dir.clone()) {
            Ok(fresh) => {
                let fsyncs = self.fsyncs.clone();
                *self = Self {
                    fsyncs,
                    failed: Some(failed),
                    ..fresh
                };
                Ok(())
            }
            Err(StoreError::Open { .. }) => Err(failed),
            Err(e) => Err(e.at(&self.dir)),
        }
    }

    fn failing(&self) -> Option<StoreError> {
        self.failed.clone()
    }
}

impl SledStore {
    /// Copies every live entry into a fresh database beside this one, fsyncs it, closes both,
    /// swaps the folders and deletes the old one with all its log segments and blobs. A crash
    /// at any point leaves either store whole ([`recover_scrub`] finishes the swap at the next
    /// open).
    fn scrub_now(&mut self) -> Result<(), StoreError> {
        let (fresh_dir, old_dir) = scrub_dirs(&self.dir);
        if fresh_dir.exists() {
            std::fs::remove_dir_all(&fresh_dir)?;
        }
        {
            let fresh = sled::Config::new()
                .path(&fresh_dir)
                .mode(sled::Mode::HighThroughput)
                .open()?;
            for (name, tree) in [("docs", &self.docs), ("meta", &self.meta)] {
                let copy = fresh.open_tree(name)?;
                for kv in tree.iter() {
                    let (k, v) = kv?;
                    copy.insert(k, v)?;
                }
            }
            fresh.flush()?;
        }
        sync_tree(&fresh_dir)?;
        // Close this database (every handle to it) before moving its folder.
        let placeholder = sled::Config::new().temporary(true).open()?;
        self.docs = placeholder.open_tree("docs")?;
        self.meta = placeholder.open_tree("meta")?;
        drop(std::mem::replace(&mut self.db, placeholder));
        std::fs::rename(&self.dir, &old_dir)?;
        std::fs::rename(&fresh_dir, &self.dir)?;
        if let Some(parent) = self.dir.parent() {
            File::open(parent)?.sync_all()?;
        }
        std::fs::remove_dir_all(&old_dir)?;
        let fsyncs = self.fsyncs.clone();
        *self = Self::open(&self.dir.clone())?;
        self.fsyncs = fsyncs;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> DocId {
        DocId::from_bytes([n; 16])
    }

    #[test]
    fn appends_survive_reopening_in_order() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut s = SledStore::open(dir.path()).unwrap();
            s.append(
                &[Append {
                    doc: id(1),
                    changes: vec![b"a".to_vec(), b"b".to_vec()],
                }],
                &[],
            )
            .unwrap();
            s.append(
                &[
                    Append {
                        doc: id(1),
                        changes: vec![b"c".to_vec()],
                    },
                    Append {
                        doc: id(2),
                        changes: vec![b"x".to_vec()],
                    },
                ],
                &[],
            )
            .unwrap();
            s.set_meta("k", b"v").unwrap();
            s.append(
                &[],
                &[
                    ("agreed/x".into(), b"1".to_vec()),
                    ("agreed/y".into(), b"2".to_vec()),
                ],
            )
            .unwrap();
        }
        let s = SledStore::open(dir.path()).unwrap();
        assert_eq!(s.doc_ids().unwrap(), vec![id(1), id(2)]);
        let d = s.load(&id(1)).unwrap().unwrap();
        assert_eq!(d.snapshot, None);
        assert_eq!(d.changes, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(s.meta("k").unwrap().as_deref(), Some(&b"v"[..]));
        assert_eq!(s.meta_scan("agreed/").unwrap().len(), 2);
        assert_eq!(s.load(&id(9)).unwrap(), None);
    }

    /// A store opened while its file is still locked by a handle about to close opens once it
    /// closes: sled lets go of its lock only when its background threads are done with the
    /// file, and a restart within one process once failed with "could not acquire lock".
    #[test]
    fn a_store_opened_while_a_closing_one_still_holds_the_lock_opens_when_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = SledStore::open(dir.path()).unwrap();
        first.set_meta("k", b"v").unwrap();
        let mut holder = Some(first);
        let mut waits = 0;
        // The first try finds the file locked by `first`, which is let go then (sled's threads
        // still hold the lock a moment after), and the open tries again as it does in use.
        let second = SledStore::open_waiting(dir.path(), || {
            waits += 1;
            drop(holder.take());
            std::thread::sleep(RELEASE_POLL);
        })
        .expect("opened once the lock is let go");
        assert!(waits >= 1, "the second open never found the file locked");
        assert_eq!(second.meta("k").unwrap().as_deref(), Some(&b"v"[..]));
    }

    #[test]
    fn compaction_replaces_changes_with_a_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SledStore::open(dir.path()).unwrap();
        s.append(
            &[Append {
                doc: id(1),
                changes: vec![b"a".to_vec(), b"b".to_vec()],
            }],
            &[],
        )
        .unwrap();
        s.compact(&id(1), b"snap").unwrap();
        s.append(
            &[Append {
                doc: id(1),
                changes: vec![b"c".to_vec()],
            }],
            &[],
        )
        .unwrap();
        let d = s.load(&id(1)).unwrap().unwrap();
        assert_eq!(d.snapshot.as_deref(), Some(&b"snap"[..]));
        assert_eq!(d.changes, vec![b"c".to_vec()]);
    }

    #[test]
    fn every_acknowledged_write_is_fsynced() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SledStore::open(dir.path()).unwrap();
        let fsyncs = s.fsync_counter();
        let before = fsyncs.load(Ordering::Relaxed);
        s.append(
            &[Append {
                doc: id(1),
                changes: vec![b"a".to_vec()],
            }],
            &[],
        )
        .unwrap();
        let after_append = fsyncs.load(Ordering::Relaxed);
        assert!(after_append > before, "append must fsync");
        // A value large enough for sled to put in a blob file: that file is fsynced too.
        s.append(
            &[Append {
                doc: id(2),
                changes: vec![vec![7u8; 4 << 20]],
            }],
            &[],
        )
        .unwrap();
        let blob_files = std::fs::read_dir(dir.path().join("blobs"))
            .map(|d| d.count())
            .unwrap_or(0);
        let after_blob = fsyncs.load(Ordering::Relaxed);
        assert!(
            after_blob >= after_append + 1 + blob_files as u64,
            "{blob_files} blob files"
        );
        s.set_meta("k", b"v").unwrap();
        assert!(fsyncs.load(Ordering::Relaxed) > after_blob);
    }

    #[test]
    fn an_unfinished_sled_snapshot_does_not_stop_the_store_opening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut s = SledStore::open(dir.path()).unwrap();
            s.append(
                &[Append {
                    doc: id(1),
                    changes: vec![b"a".to_vec()],
                }],
                &[],
            )
            .unwrap();
        }
        // What a disk that filled while sled wrote its snapshot leaves: the start of one.
        let unfinished = dir.path().join("snap.FFFFFFFFFFFFFFFF.generating");
        std::fs::write(&unfinished, b"\x01\x02\x03").unwrap();
        // The boundary this works around: sled 0.34 on its own takes it for the newest snapshot.
        let plain = sled::Config::new().path(dir.path()).open();
        assert!(
            plain.is_err(),
            "sled opened past an unfinished snapshot: drop the workaround"
        );
        drop(plain);
        let s = SledStore::open(dir.path()).unwrap();
        assert!(!unfinished.exists());
        let d = s.load(&id(1)).unwrap().unwrap();
        assert_eq!(d.changes, vec![b"a".to_vec()]);
    }
}
