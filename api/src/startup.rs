//! Building and running the application: what `serve` does, and what tests start on a random port.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::auth::Authenticator;
use crate::domain::idempotency;
use crate::domain::write::Writer;
use crate::graphql::cost::RateLimiter;
use crate::http::{AppState, routes};
use crate::metrics::Metrics;
use crate::seed::{self, Seeded};
use crate::settings::Settings;
use crate::telemetry::RequestSpan;
use crate::{db, graphql};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
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
}

/// The response header that carries the request's id (also `extensions.requestId` of every
/// error, the logs' `request_id` and audit events' `requestId`).
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
    metrics: Arc<Metrics>,
}

impl Application {
    pub async fn build(settings: &Settings) -> Result<Self, StartError> {
        let authenticator = Authenticator::new(&settings.auth)?;
        let metrics = Arc::new(Metrics::new());
        if settings.auto_migrate {
            db::migrate(&settings.database).await?;
        }
        let db = db::connect(&settings.database, metrics.clone()).await?;
        // Only the default embedded database is seeded without being asked, and only once.
        if settings.database.is_default && db::is_empty(&db).await? {
            match seed::load_demo(&db).await.map_err(StartError::Seed)? {
                Seeded::Loaded { grant_id } => tracing::info!(%grant_id, "loaded the demo grant"),
                Seeded::AlreadyPresent { .. } => {}
            }
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
        let state = web::Data::new(AppState {
            schema: graphql::schema(
                db.clone(),
                writer,
                Arc::new(RateLimiter::new(
                    settings.rate_limit.burst,
                    settings.rate_limit.per_second,
                )),
                settings.environment,
            ),
            db: db.clone(),
            authenticator,
            metrics: metrics.clone(),
        });
        let request_metrics = metrics.clone();
        let mut server = HttpServer::new(move || {
            let request_metrics = request_metrics.clone();
            App::new()
                .wrap_fn(move |req, srv| {
                    let started = Instant::now();
                    let method = req.method().to_string();
                    let request_id = req.extensions().get::<RequestId>().copied();
                    let metrics = request_metrics.clone();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        metrics.record_request(&method, res.status().as_u16(), started.elapsed());
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
        .shutdown_timeout(20);
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

    /// Serves until SIGTERM or Ctrl-C, then finishes in-flight requests (up to 20 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
