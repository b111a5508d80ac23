//! Connecting to the database and keeping its schema current.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    DbErr, PaginatorTrait, RuntimeErr, SqlxError, Statement,
};

use crate::metrics::Metrics;
use crate::settings::DatabaseSettings;

/// Why a command could not connect to its database, said for the operator who has to fix it:
/// where it tried (host and port, or the SQLite file) and what happened, with the URL it was
/// given, its password as `***`.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing answered there: the server is down, the address is wrong, or a firewall is in
    /// the way.
    #[error("cannot reach the database at {address} ({reason}); is PostgreSQL running? ({url})")]
    Unreachable {
        address: String,
        reason: String,
        url: String,
    },
    /// The server answered and would not let the connection in (a wrong password, a database
    /// that does not exist, no connection free in time).
    #[error("the database at {address} refused the connection: {reason} ({url})")]
    Refused {
        address: String,
        reason: String,
        url: String,
    },
    /// The SQLite file could not be opened or created (a missing folder, no permission).
    #[error("cannot open the SQLite database {path} ({reason}) ({url})")]
    CannotOpen {
        path: String,
        reason: String,
        url: String,
    },
    /// Anything else: a URL that cannot be read, a database kind the service does not speak.
    #[error("cannot connect to the database: {reason} ({url})")]
    Other { reason: String, url: String },
}

/// Why migrations could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("migrating: {0}")]
    Migration(#[from] DbErr),
}

impl ConnectError {
    /// Explains `err`, the error connecting with `settings` gave. When the pool only says it
    /// timed out (the driver retries a refused connection until then), one more connection is
    /// tried to find out why.
    async fn explain(settings: &DatabaseSettings, err: &DbErr) -> Self {
        let url = settings.url.expose();
        let quoted = if settings.is_default {
            "the default database, as DATABASE_URL is not set".to_owned()
        } else {
            format!("DATABASE_URL={}", settings.url)
        };
        let redact = |text: String| settings.url.redact(&text);
        let sqlx = match err {
            DbErr::Conn(RuntimeErr::SqlxError(sqlx)) => Some(&**sqlx),
            _ => None,
        };
        let timed_out = matches!(sqlx, Some(SqlxError::PoolTimedOut))
            || matches!(err, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        let waited = humane(settings.acquire_timeout);

        if url.starts_with("sqlite:") {
            let path = SqliteConnectOptions::from_str(url)
                .map(|options| absolute(options.get_filename()))
                .unwrap_or_else(|_| url.to_owned());
            let reason = match sqlx.and_then(SqlxError::as_database_error) {
                Some(db) => db.message().to_owned(),
                None => without_kind(err),
            };
            return Self::CannotOpen {
                path: redact(path),
                reason: redact(reason),
                url: quoted,
            };
        }
        let Some(options) = url
            .starts_with("postgres")
            .then(|| PgConnectOptions::from_str(url).ok())
            .flatten()
        else {
            return Self::Other {
                reason: redact(without_kind(err)),
                url: quoted,
            };
        };
        let port = options.get_port();
        let socket = options.get_socket().map(|dir| absolute(dir));
        let address = match &socket {
            Some(dir) => format!("{dir} (port {port})"),
            None if options.get_host().contains(':') && !options.get_host().starts_with('[') => {
                format!("[{}]:{port}", options.get_host())
            }
            None => format!("{}:{port}", options.get_host()),
        };
        let address = redact(address);
        match sqlx {
            Some(SqlxError::Io(io)) => Self::Unreachable {
                address,
                reason: redact(describe_io(io)),
                url: quoted,
            },
            _ if timed_out => {
                let probe = match socket {
                    Some(_) => Probe::Unknown,
                    None => {
                        let within = settings.acquire_timeout.min(Duration::from_secs(1));
                        probe(options.get_host(), port, within).await
                    }
                };
                match probe {
                    Probe::Accepted => Self::Refused {
                        address,
                        reason: format!(
                            "it takes TCP connections but let none in within {waited} \
                             (starting up? out of connections?)"
                        ),
                        url: quoted,
                    },
                    Probe::Failed(reason) => Self::Unreachable {
                        address,
                        reason: redact(reason),
                        url: quoted,
                    },
                    Probe::Unknown => Self::Unreachable {
                        address,
                        reason: format!("no connection within {waited}"),
                        url: quoted,
                    },
                }
            }
            Some(SqlxError::Database(db)) => Self::Refused {
                address,
                reason: redact(db.message().to_owned()),
                url: quoted,
            },
            Some(other) => Self::Refused {
                address,
                reason: redact(other.to_string()),
                url: quoted,
            },
            None => Self::Other {
                reason: redact(without_kind(err)),
                url: quoted,
            },
        }
    }
}

enum Probe {
    /// A TCP connection was accepted: something listens there.
    Accepted,
    /// Why no TCP connection was made.
    Failed(String),
    /// Not found out.
    Unknown,
}

/// Tries one TCP connection to `host:port`, for no longer than `within`.
async fn probe(host: &str, port: u16, within: Duration) -> Probe {
    let host = host.to_owned();
    let tried = tokio::task::spawn_blocking(move || {
        let addrs = match (host.as_str(), port).to_socket_addrs() {
            Ok(addrs) => addrs.collect::<Vec<_>>(),
            Err(err) => return Probe::Failed(describe_io(&err)),
        };
        let mut failure = Probe::Failed("the host name has no address".to_owned());
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, within) {
                Ok(_) => return Probe::Accepted,
                Err(err) => failure = Probe::Failed(describe_io(&err)),
            }
        }
        failure
    });
    tried.await.unwrap_or(Probe::Unknown)
}

/// What went wrong, without sea-orm's "Connection Error: " before it.
fn without_kind(err: &DbErr) -> String {
    match err {
        DbErr::Conn(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

fn describe_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => "no answer, timed out".to_owned(),
        ErrorKind::HostUnreachable => "host unreachable".to_owned(),
        ErrorKind::NetworkUnreachable => "network unreachable".to_owned(),
        ErrorKind::NotFound => "no such socket".to_owned(),
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

/// A path as an operator can find it: relative paths are taken from the working folder.
fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_owned())
        .display()
        .to_string()
}

/// `2s`, `500ms`: a timeout as the settings write it.
fn humane(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

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
) -> Result<DatabaseConnection, ConnectError> {
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
) -> Result<DatabaseConnection, ConnectError> {
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
    let conn = open(settings, 1, None, "portfolio-api drain")
        .await
        .map_err(|err| DbErr::Conn(RuntimeErr::Internal(err.to_string())))?;
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

/// How long a pooled connection may sit idle before it is checked with a ping on checkout.
const POOL_PING_AFTER_IDLE: Duration = Duration::from_secs(10);

async fn open(
    settings: &DatabaseSettings,
    max_connections: u32,
    statement_timeout: Option<Duration>,
    application_name: &str,
) -> Result<DatabaseConnection, ConnectError> {
    let mut options = ConnectOptions::new(settings.url.expose().to_owned());
    options
        .max_connections(max_connections)
        .set_application_name(application_name)
        .min_connections(0)
        .acquire_timeout(settings.acquire_timeout)
        // A connection in use is not pinged before each statement (that would be a second
        // round trip per statement); one idle for a while may have been dropped by the server
        // or a proxy, and is checked first.
        .test_before_acquire_if_idle_for(POOL_PING_AFTER_IDLE)
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
    // Every message says where it tried, never the password (the driver quotes the URL in some
    // errors: one it cannot parse, a scheme it lacks).
    match Database::connect(options).await {
        Ok(db) => Ok(db),
        Err(err) => Err(ConnectError::explain(settings, &err).await),
    }
}

/// Applies every pending migration, over a connection of its own without a statement timeout.
/// Safe to run from several replicas: each migration runs in a transaction on PostgreSQL, and a
/// replica that loses the race sees it applied.
pub async fn migrate(settings: &DatabaseSettings) -> Result<(), MigrateError> {
    let db = connect_for_migrations(settings).await?;
    let result = Migrator::up(&db, None).await;
    let _ = db.close().await;
    Ok(result?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_sqlite_file_that_cannot_be_opened_is_named_by_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("portfolio.sqlite");
        let settings = DatabaseSettings {
            url: format!("sqlite://{}?mode=rwc", path.display()).into(),
            is_default: true,
            max_connections: 1,
            acquire_timeout: Duration::from_millis(500),
            statement_timeout: None,
        };
        let Err(err) = connect_for_migrations(&settings).await else {
            panic!("opened a file in a folder that does not exist");
        };
        assert_eq!(
            err.to_string(),
            format!(
                "cannot open the SQLite database {} (unable to open database file) \
                 (the default database, as DATABASE_URL is not set)",
                path.display()
            )
        );
    }
}
