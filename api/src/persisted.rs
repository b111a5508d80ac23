//! Automatic persisted queries, as Apollo's `PersistedQueryLink` speaks them: a client sends
//! `extensions.persistedQuery { version: 1, sha256Hash }` without the query; the service answers
//! `PERSISTED_QUERY_NOT_FOUND` until the client sends the query once with its hash, which is
//! checked and remembered. Then the hash alone runs the query, over POST or a cacheable GET.
//!
//! The store is bounded, in entries and in bytes, and forgets the least recently used query
//! first; a forgotten query costs the client one more round trip, never an error. It lives in
//! the process: each replica keeps its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Request;
use sha2::{Digest, Sha256};

/// The most queries remembered.
pub const MAX_ENTRIES: usize = 10_000;
/// The most bytes of query text remembered.
pub const MAX_BYTES: usize = 32 << 20;

#[derive(Default)]
struct Store {
    /// hash → (query, last use).
    queries: HashMap<String, (Arc<str>, u64)>,
    clock: u64,
    bytes: usize,
}

#[derive(Default)]
pub struct PersistedQueries {
    store: Mutex<Store>,
}

/// Why a request's persisted query could not be used.
#[derive(Debug, PartialEq, Eq)]
pub enum Unusable {
    /// The hash is not known (yet): send the query with it.
    NotFound,
    /// Only version 1 (SHA-256) exists.
    UnsupportedVersion,
    /// `extensions.persistedQuery` is not `{ version, sha256Hash }`, or the hash does not match
    /// the query sent with it.
    Invalid(String),
}

impl PersistedQueries {
    pub fn new() -> Self {
        Self::default()
    }

    /// Fills in the query of a request that names a persisted one, or remembers the query a
    /// request sends with its hash. A request without `persistedQuery` passes unchanged.
    pub fn apply(&self, request: &mut Request) -> Result<(), Unusable> {
        let Some(persisted) = request.extensions.0.get("persistedQuery") else {
            return Ok(());
        };
        let value = persisted.clone().into_json().unwrap_or_default();
        let version = value.get("version").and_then(serde_json::Value::as_i64);
        let hash = value.get("sha256Hash").and_then(serde_json::Value::as_str);
        let (Some(version), Some(hash)) = (version, hash) else {
            return Err(Unusable::Invalid(
                "extensions.persistedQuery must be { version: 1, sha256Hash: \"<64 hex digits>\" }"
                    .into(),
            ));
        };
        if version != 1 {
            return Err(Unusable::UnsupportedVersion);
        }
        let hash = hash.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Unusable::Invalid(
                "extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits".into(),
            ));
        }
        if request.query.is_empty() {
            let query = self.get(&hash).ok_or(Unusable::NotFound)?;
            request.query = query.to_string();
            return Ok(());
        }
        if sha256_hex(&request.query) != hash {
            return Err(Unusable::Invalid(
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it"
                    .into(),
            ));
        }
        self.insert(hash, &request.query);
        Ok(())
    }

    fn get(&self, hash: &str) -> Option<Arc<str>> {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        store.clock += 1;
        let now = store.clock;
        let (query, used) = store.queries.get_mut(hash)?;
        *used = now;
        Some(Arc::clone(query))
    }

    fn insert(&self, hash: String, query: &str) {
        if query.len() > MAX_BYTES {
            return;
        }
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        if store.queries.contains_key(&hash) {
            return;
        }
        while store.queries.len() >= MAX_ENTRIES || store.bytes + query.len() > MAX_BYTES {
            let Some(oldest) = store
                .queries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(hash, _)| hash.clone())
            else {
                break;
            };
            if let Some((gone, _)) = store.queries.remove(&oldest) {
                store.bytes -= gone.len();
            }
        }
        store.clock += 1;
        let now = store.clock;
        store.bytes += query.len();
        store.queries.insert(hash, (Arc::from(query), now));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .queries
            .len()
    }
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, hash: &str) -> Request {
        serde_json::from_value(serde_json::json!({
            "query": query,
            "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
        }))
        .unwrap()
    }

    #[test]
    fn a_hash_is_unknown_until_its_query_is_sent_with_it() {
        let store = PersistedQueries::new();
        let query = "{ me { sub } }";
        let hash = sha256_hex(query);
        // As `printf %s "{ me { sub } }" | sha256sum` gives it, and Apollo's link sends it.
        assert_eq!(
            hash,
            "cd20086fc1ec36690fc447f1b609baa7954175069891335042ac73dc6d5dabc7"
        );
        assert_eq!(
            store.apply(&mut request("", &hash)),
            Err(Unusable::NotFound)
        );
        let mut full = request(query, &hash);
        assert_eq!(store.apply(&mut full), Ok(()));
        let mut short = request("", &hash);
        assert_eq!(store.apply(&mut short), Ok(()));
        assert_eq!(short.query, query);
    }

    #[test]
    fn a_hash_that_is_not_the_query_s_is_refused_and_not_stored() {
        let store = PersistedQueries::new();
        let wrong = sha256_hex("{ __typename }");
        assert!(matches!(
            store.apply(&mut request("{ me { sub } }", &wrong)),
            Err(Unusable::Invalid(_))
        ));
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn the_store_forgets_the_least_recently_used_first() {
        let store = PersistedQueries::new();
        let first = "{ a }";
        store.insert(sha256_hex(first), first);
        for i in 0..MAX_ENTRIES {
            if i == MAX_ENTRIES / 2 {
                // Used again: no longer the oldest.
                assert!(store.get(&sha256_hex(first)).is_some());
            }
            let q = format!("{{ f{i} }}");
            store.insert(sha256_hex(&q), &q);
        }
        assert_eq!(store.len(), MAX_ENTRIES);
        assert!(store.get(&sha256_hex(first)).is_some());
        assert!(store.get(&sha256_hex("{ f0 }")).is_none());
    }
}
