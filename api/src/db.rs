//! Connecting to the database and keeping its schema current.

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    PaginatorTrait, RuntimeErr, Statement,
};

use crate::metrics::Metrics;
use crate::settings::DatabaseSettings;

/// The pool the service answers requests from. Waiting for a connection (opening one included)
/// is bounded by `acquire_timeout`, so while the database is down a request fails in that
/// time; on PostgreSQL every statement is bounded by `statement_timeout`. A connection the
/// database dropped is noticed on its next use (it is pinged before being handed out) and
/// replaced, so the pool recovers by itself as soon as the database answers again.
///
/// On PostgreSQL the connections carry `application_name` (seen in `pg_stat_activity`): give
/// each process a name of its own, so that it can cancel its own statements when it stops
/// ([`cancel_running_statements`]) and no other replica's.
pub async fn connect(
    settings: &DatabaseSettings,
    metrics: Arc<Metrics>,
    application_name: &str,
) -> Result<DatabaseConnection, DbErr> {
    let mut db = open(
        settings,
        settings.max_connections,
        settings.statement_timeout,
        application_name,
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
    open(settings, 1, None, "portfolio-api migrate").await
}

/// A name for one process's connections: the service's, and an id of this process's own.
pub fn application_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("portfolio-api {}", &id[..12])
}

/// Cancels the statements that the connections named `application_name` are running, on
/// PostgreSQL (SQLite runs inside the process: nothing to cancel). Used when a drain period
/// ends: a write rolled back in the middle of a statement waits for that statement to end, and
/// one waiting on a lock could wait until its statement timeout. Asked over a connection of its
/// own, as the pool's may all be busy with the very statements to cancel. Returns how many.
pub async fn cancel_running_statements(
    settings: &DatabaseSettings,
    application_name: &str,
) -> Result<usize, DbErr> {
    let url = settings.url.expose();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Ok(0);
    }
    let conn = open(settings, 1, None, "portfolio-api drain").await?;
    let cancelled = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND state = 'active' AND pid <> pg_backend_pid()",
            [application_name.into()],
        ))
        .await;
    let _ = conn.close().await;
    Ok(cancelled?.len())
}

async fn open(
    settings: &DatabaseSettings,
    max_connections: u32,
    statement_timeout: Option<Duration>,
    application_name: &str,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.url.expose().to_owned());
    options
        .max_connections(max_connections)
        .set_application_name(application_name)
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
