//! Parsed documents, kept by query text: a client sends the same few queries again and again,
//! and parsing one is a tenth of the CPU of reading one grant with everything under it.
//!
//! Bounded in entries and in bytes of query text, the least recently used forgotten first;
//! a query longer than `MAX_QUERY_BYTES` is parsed every time. A document that does not parse
//! is not kept: the engine reports the error.

use std::sync::{Mutex, PoisonError};

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// The most documents kept.
pub const MAX_ENTRIES: usize = 1_000;
/// The most bytes of query text kept (a parsed document takes some ten times its text).
pub const MAX_BYTES: usize = 2 << 20;
/// The longest query kept.
pub const MAX_QUERY_BYTES: usize = 16 << 10;

pub struct Documents {
    cache: Mutex<Cache>,
}

struct Cache {
    documents: LruCache<String, ExecutableDocument>,
    bytes: usize,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            cache: Mutex::new(Cache {
                documents: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }
}

impl Documents {
    /// Gives `request` its parsed document: the one kept for its query, or a new parse, kept.
    pub fn parse(&self, request: &mut Request) {
        if request.query.len() > MAX_QUERY_BYTES {
            return;
        }
        if let Some(document) = self.lock().documents.get(request.query.as_str()).cloned() {
            request.set_parsed_query(document);
            return;
        }
        let Ok(document) = request.parsed_query() else {
            return;
        };
        let document = document.clone();
        let query = request.query.clone();
        let mut cache = self.lock();
        if cache.documents.contains(query.as_str()) {
            return;
        }
        cache.bytes += query.len();
        cache.documents.put(query, document);
        while cache.documents.len() > MAX_ENTRIES || cache.bytes > MAX_BYTES {
            match cache.documents.pop_lru() {
                Some((gone, _)) => cache.bytes -= gone.len(),
                None => break,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().documents.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> Request {
        Request::new(query)
    }

    #[test]
    fn a_query_sent_again_gets_the_document_kept_for_it() {
        let documents = Documents::default();
        documents.parse(&mut request("{ a }"));
        assert_eq!(documents.len(), 1);
        // Kept under another text, the document answers for that text: it is not parsed again.
        let kept = documents
            .lock()
            .documents
            .pop("{ a }")
            .expect("the first parse is kept");
        documents.lock().documents.put("{ b }".to_owned(), kept);
        let mut again = request("{ b }");
        documents.parse(&mut again);
        let given = format!("{:?}", again.parsed_query().expect("a document"));
        assert!(given.contains("\"a\""), "{given}");
        assert!(!given.contains("\"b\""), "{given}");
    }

    #[test]
    fn a_query_that_does_not_parse_or_is_too_long_is_not_kept() {
        let documents = Documents::default();
        let mut broken = request("{ a ");
        documents.parse(&mut broken);
        assert!(broken.parsed_query().is_err());
        let long = format!("{{ {} }}", "a ".repeat(MAX_QUERY_BYTES));
        documents.parse(&mut request(&long));
        assert_eq!(documents.len(), 0);
    }

    #[test]
    fn the_least_recently_used_document_goes_first_when_the_store_is_full() {
        let documents = Documents::default();
        for n in 0..MAX_ENTRIES {
            documents.parse(&mut request(&format!("{{ f{n} }}")));
        }
        // Used again, so the oldest is now `f1`.
        documents.parse(&mut request("{ f0 }"));
        documents.parse(&mut request("{ extra }"));
        assert_eq!(documents.len(), MAX_ENTRIES);
        let cache = documents.lock();
        assert!(cache.documents.contains("{ f0 }"));
        assert!(!cache.documents.contains("{ f1 }"));
    }
}
