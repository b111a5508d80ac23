//! Transactions that survive a busy database: a write whose transaction hits a lock (SQLite) or
//! a serialization failure or deadlock (PostgreSQL) is rolled back and run again, a few times,
//! before the client is told `UNAVAILABLE` (retryable).

use std::future::Future;
use std::time::Duration;

use crate::error::{Error, Result};

const ATTEMPTS: u32 = 6;

pub async fn retrying<T, F, Fut>(mut work: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match work().await {
            Err(Error::Unavailable(err)) if attempt < ATTEMPTS => {
                let backoff = Duration::from_millis(10 * 2_u64.pow(attempt) + jitter_ms());
                tracing::debug!(attempt, ?backoff, error = %err, "database busy; retrying the transaction");
                tokio::time::sleep(backoff).await;
            }
            other => return other,
        }
    }
}

fn jitter_ms() -> u64 {
    u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 16)
}
