//! Transactions that survive a busy database: a write whose transaction hits a lock (SQLite) or
//! a serialization failure or deadlock (PostgreSQL) is rolled back and run again, a few times,
//! before the client is told `UNAVAILABLE` (retryable).

use std::future::Future;
use std::time::Duration;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::error::{Error, Result};

/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
/// writers queue on the busy timeout instead of failing when their snapshot goes stale;
/// PostgreSQL ignores the mode.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

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
            // An exhausted pool already waited its acquire timeout: answer now, retrying adds load.
            Err(Error::Unavailable(err))
                if attempt < ATTEMPTS && !matches!(err, DbErr::ConnectionAcquire(_)) =>
            {
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
