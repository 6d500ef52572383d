//! The simulation's store: in memory, what a node keeps across a crash.

use std::collections::BTreeMap;

use commonground_protocol::ids::DocId;

use crate::store::{Append, Store, StoreError, StoredDoc};

/// A store in memory: what a node keeps across a crash.
#[derive(Clone, Default)]
pub(super) struct MemStore {
    docs: BTreeMap<DocId, StoredDoc>,
    meta: BTreeMap<String, Vec<u8>>,
}

impl Store for MemStore {
    fn doc_ids(&self) -> Result<Vec<DocId>, StoreError> {
        Ok(self.docs.keys().copied().collect())
    }
    fn load(&self, doc: &DocId) -> Result<Option<StoredDoc>, StoreError> {
        Ok(self.docs.get(doc).cloned())
    }
    fn append(&mut self, batch: &[Append], meta: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        for (k, v) in meta {
            self.meta.insert(k.clone(), v.clone());
        }
        for a in batch {
            let d = self.docs.entry(a.doc).or_default();
            d.changes.extend(a.changes.iter().cloned());
        }
        Ok(())
    }
    fn compact(&mut self, doc: &DocId, snapshot: &[u8]) -> Result<(), StoreError> {
        let d = self.docs.entry(*doc).or_default();
        d.snapshot = Some(snapshot.to_vec());
        d.changes.clear();
        Ok(())
    }
    fn remove(&mut self, doc: &DocId, meta_keys: &[String]) -> Result<(), StoreError> {
        self.docs.remove(doc);
        for k in meta_keys {
            self.meta.remove(k);
        }
        Ok(())
    }
    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.meta.get(key).cloned())
    }
    fn set_meta(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.meta.insert(key.to_string(), value.to_vec());
        Ok(())
    }
    fn meta_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .meta
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
    fn scrub(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}
