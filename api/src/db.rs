//! Connecting to the database and keeping its schema current.

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, PaginatorTrait, RuntimeErr,
};

use crate::metrics::Metrics;
use crate::settings::DatabaseSettings;

/// The pool the service answers requests from. Waiting for a connection (opening one included)
/// is bounded by `acquire_timeout`, so while the database is down a request fails in that
/// time; on PostgreSQL every statement is bounded by `statement_timeout`. A connection the
/// database dropped is noticed on its next use (it is pinged before being handed out) and
/// replaced, so the pool recovers by itself as soon as the database answers again.
pub async fn connect(
    settings: &DatabaseSettings,
    metrics: Arc<Metrics>,
) -> Result<DatabaseConnection, DbErr> {
    let mut db = open(
        settings,
        settings.max_connections,
        settings.statement_timeout,
    )
    .await?;
    db.set_metric_callback(move |info| metrics.record_statement(info.elapsed, info.failed));
    Ok(db)
}

/// One connection without a statement timeout, for migrations (a migration may rightly take
/// longer than any request should).
pub async fn connect_for_migrations(
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, DbErr> {
    open(settings, 1, None).await
}

async fn open(
    settings: &DatabaseSettings,
    max_connections: u32,
    statement_timeout: Option<Duration>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.url.expose().to_owned());
    options
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(settings.acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            // WAL lets readers work while one writer writes; writers wait up to the busy
            // timeout for the lock before the service's own retry takes over.
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    if let Some(timeout) = statement_timeout {
        options.statement_timeout(timeout);
    }
    // The driver quotes the URL in some errors (one it cannot parse, a scheme it lacks):
    // never let the password reach a log that way.
    Database::connect(options).await.map_err(|err| {
        let text = err.to_string();
        let redacted = settings.url.redact(&text);
        if redacted == text {
            err
        } else {
            DbErr::Conn(RuntimeErr::Internal(redacted))
        }
    })
}

/// Applies every pending migration, over a connection of its own without a statement timeout.
/// Safe to run from several replicas: each migration runs in a transaction on PostgreSQL, and a
/// replica that loses the race sees it applied.
pub async fn migrate(settings: &DatabaseSettings) -> Result<(), DbErr> {
    let db = connect_for_migrations(settings).await?;
    let result = Migrator::up(&db, None).await;
    let _ = db.close().await;
    result
}

/// Whether the database holds no portfolio yet (used to seed the default SQLite file once).
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    #[allow(clippy::disallowed_methods)] // not a read on anyone's behalf
    let count = <entity::organisation::Entity as sea_orm::EntityTrait>::find()
        .count(db)
        .await?;
    Ok(count == 0)
}

pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}
