//! Connecting to the database and keeping its schema current.

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, PaginatorTrait};

use crate::metrics::Metrics;
use crate::settings::DatabaseSettings;

pub async fn connect(
    settings: &DatabaseSettings,
    metrics: Arc<Metrics>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .max_connections(settings.max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            // WAL lets readers work while one writer writes; writers wait up to the busy
            // timeout for the lock before the service's own retry takes over.
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    let mut db = Database::connect(options).await?;
    db.set_metric_callback(move |info| metrics.record_statement(info.elapsed, info.failed));
    Ok(db)
}

/// Applies every pending migration. Safe to run from several replicas: each migration runs in
/// a transaction on PostgreSQL, and a replica that loses the race sees it applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
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
