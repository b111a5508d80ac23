//! The end-to-end harness: the real application on a random port, a fresh database per test
//! (a new SQLite file, or a new PostgreSQL database, see `postgres`), and one way to speak
//! GraphQL to it: `graphql` for the raw response, one helper per mutation (`mutations`),
//! helpers for common queries (`queries`) and shared fixtures (`fixtures`). Tokens are made
//! here with an HS256 implementation of our own, not with the service's signer, so a bug there
//! cannot hide behind a matching bug here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use api::metrics::Metrics;
use api::settings::{
    AuthSettings, DatabaseSettings, Environment, JwtKey, LogFormat, LogSettings, Settings,
};
use api::startup::Application;

pub mod clients;
pub mod exports;
pub mod fixtures;
pub mod iati;
pub mod mutations;
pub mod postgres;
pub mod proxy;
pub mod queries;
pub mod response;

pub use fixtures::{activity_input, demo_json, grant_input, report_input};
pub use response::{GqlError, error_code, error_field};
pub use serde_json;

/// The HS256 secret test servers are configured with.
pub const SECRET: &str = "end-to-end-test-secret-0123456789abcdef";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_sqlite() {
                    run($crate::TestApp::spawn($crate::Backend::Sqlite).await.unwrap()).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_postgres() {
                    if let Some(app) = $crate::TestApp::spawn($crate::Backend::Postgres).await {
                        run(app).await
                    }
                }
            }
        )*
    };
}

/// Runs each test body once, on SQLite. Only for tests whose outcome cannot depend on the
/// database because the server answers them without reading or writing any data: token
/// checks, request shape, GraphiQL, health. Anything that reaches a table belongs in
/// `on_both_databases!`.
#[macro_export]
macro_rules! on_one_database {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_sqlite() {
                    run($crate::TestApp::spawn($crate::Backend::Sqlite).await.unwrap()).await
                }
            }
        )*
    };
}

fn settings(url: String) -> Settings {
    Settings {
        database: DatabaseSettings {
            url: url.into(),
            is_default: false,
            max_connections: 5,
            acquire_timeout: std::time::Duration::from_secs(2),
            statement_timeout: Some(std::time::Duration::from_secs(30)),
        },
        listen_addr: "127.0.0.1:0".parse().unwrap(),
        auth: AuthSettings {
            key: JwtKey::Hmac(SECRET.to_owned().try_into().unwrap()),
            issuer: None,
            audience: None,
        },
        environment: Environment::Development,
        auto_migrate: true,
        log: LogSettings {
            format: LogFormat::Text,
            filter: "warn".into(),
        },
        http_workers: Some(1),
        idempotency_retention: api::domain::idempotency::DEFAULT_RETENTION,
        rate_limit: api::settings::RateLimitSettings {
            burst: 500_000,
            per_second: 10_000,
        },
        shutdown_drain: std::time::Duration::from_secs(10),
        graphql_field_tracing: false,
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub address: String,
    pub db: sea_orm::DatabaseConnection,
    metrics: Arc<Metrics>,
    client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
    postgres_db: Option<(String, String)>,
    /// The test's database, reached directly (never through a proxy).
    direct_url: String,
    stop: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    server: std::sync::Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
}

impl TestApp {
    /// Starts the application; `None` when PostgreSQL was asked for but is not available here.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts the application with settings a test adjusted (issuer, audience, public key).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<Self> {
        let (url, dir, postgres_db) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("test.sqlite").display()
                );
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let admin = postgres::available().await?;
                let name = postgres::new_database_name();
                postgres::create_database(&admin, &name).await;
                (
                    postgres::with_database(&admin, &name),
                    None,
                    Some((admin, name)),
                )
            }
        };
        let mut settings = settings(url);
        adjust(&mut settings);
        Some(Self::start(backend, settings, dir, postgres_db).await)
    }

    /// Starts the application on PostgreSQL reached through a proxy the test can cut, to play
    /// an outage; `None` when PostgreSQL is not available here.
    pub async fn spawn_behind_proxy(
        adjust: impl FnOnce(&mut Settings),
    ) -> Option<(Self, proxy::TcpProxy)> {
        let admin = postgres::available().await?;
        let name = postgres::new_database_name();
        postgres::create_database(&admin, &name).await;
        let target = postgres::server_address(&admin).await;
        let proxy = proxy::TcpProxy::start(target).await;
        let mut settings = settings(proxy.url(&postgres::with_database(&admin, &name)));
        adjust(&mut settings);
        let app = Self::start(Backend::Postgres, settings, None, Some((admin, name))).await;
        Some((app, proxy))
    }

    async fn start(
        backend: Backend,
        settings: Settings,
        dir: Option<tempfile::TempDir>,
        postgres_db: Option<(String, String)>,
    ) -> Self {
        let app = Application::build(&settings)
            .await
            .expect("the application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let direct_url = match &postgres_db {
            Some((admin, name)) => postgres::with_database(admin, name),
            None => settings.database.url.expose().to_owned(),
        };
        let db = app.db().clone();
        let metrics = app.metrics();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            // A test that drops its app without stopping it leaves the server running.
            if stopped.await.is_err() {
                std::future::pending::<()>().await;
            }
        }));
        Self {
            backend,
            address,
            db,
            metrics,
            client: reqwest::Client::new(),
            _dir: dir,
            postgres_db,
            direct_url,
            stop: std::sync::Mutex::new(Some(stop)),
            server: std::sync::Mutex::new(Some(server)),
        }
    }

    /// POSTs a GraphQL request and returns the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        response.json().await.expect("a JSON response")
    }

    /// Like `graphql`, but fails the test on any error and returns `data`.
    pub async fn data(&self, query: &str, variables: Value, token: &str) -> Value {
        let response = self.graphql(query, variables, Some(token)).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.client
    }

    /// SQL statements the server has run so far.
    pub fn statements(&self) -> u64 {
        self.metrics.statements()
    }

    /// How many rows a table holds, read directly, over a connection of the test's own (to
    /// prove nothing was written, whatever state the server is in).
    pub async fn count(&self, table: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let conn = sea_orm::Database::connect(self.direct_url.as_str())
            .await
            .unwrap();
        let row = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        let _ = conn.close().await;
        row.try_get::<i64>("", "n").unwrap()
    }

    /// Stops the server as SIGTERM does (see `api::shutdown`) and waits until it has stopped.
    pub async fn shut_down(&self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.lock().unwrap().take() {
            let _ = stop.send(());
        }
        let server = self.server.lock().unwrap().take();
        match server {
            Some(server) => server.await.unwrap(),
            None => Ok(()),
        }
    }

    /// Takes a lock in a transaction of the test's own, outside the server's pool, and holds it
    /// until the transaction is rolled back: on PostgreSQL `table` locked against reads and
    /// writes; on SQLite the database's write lock (readers go on).
    pub async fn hold_lock(&self, table: &str) -> sea_orm::DatabaseTransaction {
        use sea_orm::{
            ConnectionTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait,
        };
        let conn = sea_orm::Database::connect(self.direct_url.as_str())
            .await
            .unwrap();
        let txn = conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
            .unwrap();
        if self.backend == Backend::Postgres {
            txn.execute_unprepared(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
                .await
                .unwrap();
        }
        txn
    }

    pub fn manager(&self) -> String {
        token(json!({ "sub": "manager@tetratech", "role": "scheme_manager" }))
    }

    pub fn analyst(&self) -> String {
        token(json!({ "sub": "analyst@dfat", "role": "analyst" }))
    }

    pub fn grantee(&self, org: Uuid) -> String {
        token(
            json!({ "sub": format!("integration@{org}"), "role": "grantee", "org_id": org.to_string() }),
        )
    }

    /// Loads the demo grant and returns its id.
    pub async fn seed_demo(&self) -> Uuid {
        match api::seed::load_demo(&self.db).await.unwrap() {
            api::seed::Seeded::Loaded { grant_id }
            | api::seed::Seeded::AlreadyPresent { grant_id } => grant_id,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres_db.take() {
            postgres::drop_database(admin, name);
        }
    }
}

/// An HS256 token with standard `iat`/`exp` (one hour) added unless the claims set them.
pub fn token(mut claims: Value) -> String {
    let now = chrono::Utc::now().timestamp();
    let object = claims.as_object_mut().unwrap();
    object.entry("iat").or_insert(json!(now));
    object.entry("exp").or_insert(json!(now + 3600));
    sign_hs256(
        &json!({ "alg": "HS256", "typ": "JWT" }),
        &claims,
        SECRET.as_bytes(),
    )
}

/// Signs with HMAC-SHA256 and any header, e.g. to forge `alg` or use another secret.
pub fn sign_hs256(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}
