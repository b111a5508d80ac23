//! PostgreSQL for the suite: whether it can be used, one database per test, and cleanup.
//!
//! A test database is named `portfolio_test_<unix seconds>_<run>_<id>`: when it was created,
//! by which run of the suite (8 hex digits drawn once per process) and which test (16 hex
//! digits). Each test drops its own database when its `TestApp` is dropped. At start a run
//! drops only leftovers whose name says they are more than an hour old, so two runs can share
//! a server: a fresh database of another run, or a database named in any other way, is never
//! touched.

use std::io::Write;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use tokio::sync::OnceCell;
use uuid::Uuid;

const PREFIX: &str = "portfolio_test_";
const RUN_DIGITS: usize = 8;
const ID_DIGITS: usize = 16;

/// No test runs this long: a test database older than this was left behind by a dead run.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

/// The server's maintenance database, from `TEST_POSTGRES_URL` or the local default.
pub fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether PostgreSQL can be used; `None` means skip (never under CI=true, which fails instead).
static POSTGRES: OnceCell<Option<String>> = OnceCell::const_new();

pub(crate) async fn available() -> Option<String> {
    POSTGRES
        .get_or_init(|| async {
            let admin = admin_url();
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            let mut options = sea_orm::ConnectOptions::new(admin.clone());
            options
                .connect_timeout(Duration::from_secs(3))
                .acquire_timeout(Duration::from_secs(3))
                .sqlx_logging(false);
            match sea_orm::Database::connect(options).await {
                Ok(conn) => {
                    drop_abandoned_databases(&conn).await;
                    let _ = conn.close().await;
                    Some(admin)
                }
                Err(err) if ci => panic!(
                    "CI=true and PostgreSQL is unreachable at {admin}: {err}. The PostgreSQL half of the suite must run in CI."
                ),
                Err(err) => {
                    // Written straight to stderr, past the test harness's output capture.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\n*** PostgreSQL SKIPPED: cannot connect to {admin} ({err}).\n*** Only the SQLite half of the suite ran. Start PostgreSQL (or set TEST_POSTGRES_URL) to run both; CI=true makes this a failure.\n"
                    );
                    None
                }
            }
        })
        .await
        .clone()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// This run's id, drawn once per process.
fn run_id() -> &'static str {
    static RUN: OnceLock<String> = OnceLock::new();
    RUN.get_or_init(|| Uuid::new_v4().simple().to_string()[..RUN_DIGITS].to_owned())
}

/// A name for a new test database of this run, created now.
pub(crate) fn new_database_name() -> String {
    database_name(now(), run_id())
}

fn database_name(created: u64, run: &str) -> String {
    let id = &Uuid::new_v4().simple().to_string()[..ID_DIGITS];
    format!("{PREFIX}{created}_{run}_{id}")
}

/// When a test database was created, read from its name; `None` for any name not made by
/// `database_name`.
fn created_at(name: &str) -> Option<u64> {
    let mut parts = name.strip_prefix(PREFIX)?.split('_');
    let (created, run, id) = (parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let valid = parts.next().is_none()
        && !created.is_empty()
        && created.bytes().all(|b| b.is_ascii_digit())
        && hex(run, RUN_DIGITS)
        && hex(id, ID_DIGITS);
    valid.then(|| created.parse().ok()).flatten()
}

/// Whether a database is a test database that its name says was created more than
/// `ABANDONED_AFTER` before `now`. Databases of runs still going, and names the suite cannot
/// date, are never abandoned.
fn is_abandoned(name: &str, now: u64) -> bool {
    created_at(name).is_some_and(|created| now.saturating_sub(created) > ABANDONED_AFTER.as_secs())
}

/// Drops the test databases that runs which died before dropping them left behind.
async fn drop_abandoned_databases(conn: &DatabaseConnection) {
    let rows = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'portfolio_test_%'",
        ))
        .await
        .unwrap_or_default();
    let now = now();
    for row in rows {
        if let Ok(name) = row.try_get::<String>("", "datname")
            && is_abandoned(&name, now)
        {
            let _ = conn
                .execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                ))
                .await;
        }
    }
}

/// Creates a database on the server behind `admin`.
pub(crate) async fn create_database(admin: &str, name: &str) {
    let conn = sea_orm::Database::connect(admin).await.unwrap();
    conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let _ = conn.close().await;
}

/// Drops a test's database from outside any runtime (`Drop` cannot await); the server's own
/// connections are closed by FORCE.
pub(crate) fn drop_database(admin: String, name: String) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            if let Ok(conn) = sea_orm::Database::connect(admin.as_str()).await {
                let _ = conn
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
                let _ = conn.close().await;
            }
        });
    })
    .join();
}

/// The address of the server behind a `postgres://` URL.
pub(crate) async fn server_address(url: &str) -> std::net::SocketAddr {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[authority..];
    let host = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let host = &host[host.rfind('@').map_or(0, |i| i + 1)..];
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    tokio::net::lookup_host(host)
        .await
        .unwrap()
        .next()
        .expect("the PostgreSQL server's address resolves")
}

/// `admin`'s URL pointing at another database on the same server.
pub(crate) fn with_database(admin: &str, name: &str) -> String {
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(b, q)| (b, Some(q)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_750_000_000;

    #[test]
    fn a_test_database_name_says_when_and_by_which_run_it_was_made() {
        let name = database_name(NOW - 5, "0123abcd");
        assert!(
            name.starts_with("portfolio_test_1749999995_0123abcd_"),
            "{name}"
        );
        assert_eq!(created_at(&name), Some(NOW - 5));
        assert!(name.len() <= 63, "PostgreSQL would truncate {name}");
        assert_ne!(name, database_name(NOW - 5, "0123abcd"), "one per test");
        let own = new_database_name();
        assert!(own.contains(&format!("_{}_", run_id())), "{own}");
        assert!(
            created_at(&own).is_some_and(|at| at.abs_diff(now()) < 60),
            "{own}"
        );
    }

    #[test]
    fn only_test_databases_more_than_an_hour_old_are_dropped_at_start() {
        let made = |age: u64| database_name(NOW - age, "0123abcd");
        assert!(!is_abandoned(&made(0), NOW), "a run going on now");
        assert!(
            !is_abandoned(&made(59 * 60), NOW),
            "another run, still going"
        );
        assert!(
            !is_abandoned(&made(3600), NOW),
            "exactly an hour is not more"
        );
        assert!(is_abandoned(&made(3601), NOW));
        assert!(is_abandoned(&made(30 * 24 * 3600), NOW));
        let ahead = database_name(NOW + 600, "0123abcd");
        assert!(
            !is_abandoned(&ahead, NOW),
            "made by a machine whose clock is ahead"
        );
        // Nothing the suite cannot date is ever dropped, however old it may be.
        for name in [
            "portfolio_test_0123456789abcdef0123456789abcdef",
            "portfolio_test_",
            "portfolio_test_1600000000",
            "portfolio_test_1600000000_0123abcd",
            "portfolio_test_1600000000_0123abcd_0123456789abcdef_x",
            "portfolio_test_+1600000000_0123abcd_0123456789abcdef",
            "portfolio_test_1600000000_0123abcz_0123456789abcdef",
            "portfolio_test_1600000000_0123abcd_0123456789abcde",
            "portfolio_test_99999999999999999999999_0123abcd_0123456789abcdef",
            "portfolio_1600000000_0123abcd_0123456789abcdef",
            "postgres",
        ] {
            assert_eq!(created_at(name), None, "{name}");
            assert!(!is_abandoned(name, u64::MAX), "{name}");
        }
    }

    #[test]
    fn a_test_database_url_keeps_the_servers_address_and_options() {
        let admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=require";
        assert_eq!(
            with_database(admin, "portfolio_test_x"),
            "postgres://postgres@127.0.0.1:5432/portfolio_test_x?sslmode=require"
        );
        assert_eq!(with_database("postgres://u@h:1", "d"), "postgres://u@h:1/d");
    }
}
