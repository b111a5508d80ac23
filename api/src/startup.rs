//! Building and running the application: what `serve` does, and what tests start on a random port.

use std::future::Future;
use std::net::{Shutdown, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::HttpMessage;
use actix_web::dev::{Server, Service};
use actix_web::http::ConnectionType;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;
use socket2::SockRef;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::auth::Authenticator;
use crate::domain::idempotency;
use crate::domain::write::Writer;
use crate::graphql::cost::RateLimiter;
use crate::http::{AccessNote, AppState, routes};
use crate::metrics::Metrics;
use crate::persisted::PersistedQueries;
use crate::seed::{self, Seeded};
use crate::settings::{DatabaseSettings, Settings};
use crate::shutdown::{self, Drain};
use crate::telemetry::RequestSpan;
use crate::{db, graphql};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Connect(#[from] db::ConnectError),
    #[error(transparent)]
    Migrate(#[from] db::MigrateError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("JWT key: {0}")]
    Key(#[from] crate::auth::KeyError),
    #[error("binding {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("loading the demo data: {}", crate::error::chain(.0))]
    Seed(#[source] crate::error::Error),
    #[error("rebuilding the participation totals: {}", crate::error::chain(.0))]
    Totals(#[source] crate::error::Error),
}

/// The response header that carries the request's id (also `extensions.requestId` of every
/// error, the logs' `request_id` and audit events' `requestId`).
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// After the drain period, how long the requests it cut get to send their answers.
const ANSWER_AFTER_DRAIN: Duration = Duration::from_secs(5);

pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
    metrics: Arc<Metrics>,
    drain: Drain,
    drain_period: Duration,
    database: DatabaseSettings,
    application_name: String,
    /// The listening socket (a second handle to it), shut to refuse new connections on SIGTERM.
    listener: TcpListener,
}

impl Application {
    pub async fn build(settings: &Settings) -> Result<Self, StartError> {
        let authenticator = Authenticator::new(&settings.auth)?;
        let metrics = Arc::new(Metrics::new());
        if settings.auto_migrate {
            db::migrate(&settings.database).await?;
        }
        let application_name = db::application_name();
        let db = db::connect(&settings.database, metrics.clone(), &application_name).await?;
        // Only the default embedded database is seeded without being asked, and only once.
        if settings.database.is_default && db::is_empty(&db).await? {
            match seed::load_demo(&db).await.map_err(StartError::Seed)? {
                Seeded::Loaded { grant_id } => tracing::info!(%grant_id, "loaded the demo grant"),
                Seeded::AlreadyPresent { .. } => {}
            }
        }
        // Totals kept as the data are written: filled once for data stored before they were
        // kept, or loaded straight into the tables.
        if crate::domain::totals::ensure_complete(&db)
            .await
            .map_err(StartError::Totals)?
        {
            tracing::info!("participation totals rebuilt from the participation rows");
        }
        let listener =
            TcpListener::bind(settings.listen_addr).map_err(|source| StartError::Bind {
                addr: settings.listen_addr.to_string(),
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                addr: settings.listen_addr.to_string(),
                source,
            })?
            .port();
        let writer = Writer::new(db.clone(), settings.idempotency_retention);
        idempotency::spawn_purge(db.clone(), settings.idempotency_retention);
        let drain = Drain::new();
        let bound = listener.try_clone().map_err(|source| StartError::Bind {
            addr: settings.listen_addr.to_string(),
            source,
        })?;
        let state = web::Data::new(AppState {
            schema: graphql::schema(
                db.clone(),
                writer.clone(),
                Arc::new(RateLimiter::new(
                    settings.rate_limit.burst,
                    settings.rate_limit.per_second,
                )),
                settings.environment,
                settings.graphql_field_tracing,
            ),
            db: db.clone(),
            writer,
            authenticator,
            metrics: metrics.clone(),
            persisted: Arc::new(PersistedQueries::new()),
            drain: drain.clone(),
        });
        let request_metrics = metrics.clone();
        let request_drain = drain.clone();
        let mut server = HttpServer::new(move || {
            let request_metrics = request_metrics.clone();
            let request_drain = request_drain.clone();
            App::new()
                .wrap_fn(move |req, srv| {
                    let started = Instant::now();
                    let in_flight = request_drain.request();
                    let method = req.method().to_string();
                    let path = req.path().to_owned();
                    let request_id = req.extensions().get::<RequestId>().copied();
                    let metrics = request_metrics.clone();
                    let drain = request_drain.clone();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        drop(in_flight);
                        let elapsed = started.elapsed();
                        metrics.record_request(&method, res.status().as_u16(), elapsed);
                        // The access log: one line per request; never the query string (a
                        // client may put a token there) nor any header.
                        let note = res.request().extensions().get::<AccessNote>().cloned();
                        let note = note.unwrap_or_default();
                        tracing::info!(
                            target: "access",
                            method = %method,
                            path = %path,
                            status = res.status().as_u16(),
                            duration_ms = elapsed.as_secs_f64() * 1000.0,
                            operation = note.operation.as_deref().unwrap_or("-"),
                            role = note.role.unwrap_or("-"),
                            request_id = %request_id.map(|id| id.to_string()).unwrap_or_default(),
                            "request"
                        );
                        // While draining, a connection carries no request after this one.
                        if drain.is_draining() {
                            res.response_mut()
                                .head_mut()
                                .set_connection_type(ConnectionType::Close);
                        }
                        // Every answer names its request, as the logs and audit events do.
                        if let Some(value) =
                            request_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok())
                        {
                            res.headers_mut().insert(REQUEST_ID.clone(), value);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::<RequestSpan>::new())
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(crate::http::MAX_BODY_BYTES))
                .configure(routes)
        })
        // Signals are the drain's (`run_until_stopped`); actix only closes the connections
        // left once no request is in flight, waiting at most this for their last bytes.
        .disable_signals()
        .shutdown_timeout(ANSWER_AFTER_DRAIN.as_secs());
        if let Some(workers) = settings.http_workers {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartError::Bind {
                addr: settings.listen_addr.to_string(),
                source,
            })?
            .run();
        tracing::info!(
            port,
            database = db::backend_name(&db),
            "serving GraphQL at http://{}:{port}/graphql",
            settings.listen_addr.ip()
        );
        Ok(Self {
            port,
            server,
            db,
            metrics,
            drain,
            drain_period: settings.shutdown_drain,
            database: settings.database.clone(),
            application_name,
            listener: bound,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Serves until SIGTERM or Ctrl-C, then drains (see `shutdown`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown::signal()).await
    }

    /// Serves until `stop` resolves, then drains: no new connections; the requests received
    /// finish, for up to the drain period; what is still open after it is rolled back and
    /// answered `UNAVAILABLE`; then the connections and the database pool are closed.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        tokio::select! {
            result = &mut server => return result.map_err(std::io::Error::other)?,
            () = stop => {}
        }
        let drain = self.drain;
        tracing::info!(
            in_flight = drain.in_flight(),
            drain = ?self.drain_period,
            "stopping: accepting no new connection, finishing the requests in flight"
        );
        drain.begin();
        // Accept nothing more, and have the kernel refuse new connections at once (rather than
        // queue them until the process exits) so that clients and load balancers go elsewhere.
        handle.pause().await;
        if let Err(err) = SockRef::from(&self.listener).shutdown(Shutdown::Read) {
            tracing::warn!(error = %err, "could not close the listening socket");
        }
        if tokio::time::timeout(self.drain_period, drain.until_quiet())
            .await
            .is_err()
        {
            tracing::warn!(
                in_flight = drain.in_flight(),
                "drain period over: rolling back the writes still open"
            );
            drain.end();
            match db::cancel_running_statements(&self.database, &self.application_name).await {
                Ok(0) => {}
                Ok(cancelled) => tracing::info!(cancelled, "cancelled the statements running"),
                Err(err) => tracing::warn!(error = %err, "could not cancel the statements running"),
            }
            if tokio::time::timeout(ANSWER_AFTER_DRAIN, drain.until_quiet())
                .await
                .is_err()
            {
                tracing::warn!(
                    in_flight = drain.in_flight(),
                    "requests still unanswered; closing their connections"
                );
            }
        }
        handle.stop(true).await;
        let result = server.await.map_err(std::io::Error::other)?;
        match tokio::time::timeout(ANSWER_AFTER_DRAIN, self.db.close()).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "closing the database pool"),
            Err(_) => tracing::warn!("the database pool did not close in time"),
        }
        tracing::info!("stopped");
        result
    }
}
