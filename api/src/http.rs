//! HTTP routes: `/graphql` (POST executes, GET serves GraphiQL), `/graphiql/*` (its assets),
//! `/healthz`, `/readyz`, `/metrics`. Authentication happens here, once, before any GraphQL
//! runs: without a valid bearer token nothing is executed, introspection included, and only
//! GraphiQL, `/healthz` and `/readyz` answer.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, mime, web};
use async_graphql::dataloader::DataLoader;
use async_graphql::{ErrorExtensions, ServerError};
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;

use crate::auth::{Authenticator, Refusal};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_read_metrics;
use crate::error::{Error, code};
use crate::graphql::AppSchema;
use crate::graphql::common::default_code;
use crate::graphql::loaders::Db;
use crate::metrics::Metrics;
use crate::shutdown::{self, Drain};

pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub authenticator: Authenticator,
    pub metrics: Arc<Metrics>,
    pub drain: Drain,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql))
            .route(web::get().to(graphiql)),
    )
    .service(crate::graphiql::assets())
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz))
    .route("/metrics", web::get().to(metrics));
}

/// The body of an answer refused before GraphQL ran, shaped like a GraphQL response: the
/// error's `extensions.code`, the request id every error carries (`requestId`), and for a
/// refused token the reason (`reason`).
fn error_body(err: &Error, request_id: &RequestId, reason: Option<&str>) -> serde_json::Value {
    let mut server = err
        .extend()
        .into_server_error(async_graphql::Pos::default());
    let extensions = server.extensions.get_or_insert_with(Default::default);
    if let Some(reason) = reason {
        extensions.set("reason", reason);
    }
    extensions.set("requestId", request_id.to_string());
    serde_json::json!({ "errors": [ {
        "message": server.message,
        "extensions": server.extensions,
    } ] })
}

/// The largest request body accepted (a GraphQL document with its variables).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The actor a request stands for, or the answer that refuses it: 401 for a token that is not
/// good enough (saying why, in `WWW-Authenticate` and `extensions.reason`), 503 when the
/// database could not be asked about the token's organisation.
async fn authenticate(
    http: &HttpRequest,
    state: &AppState,
    request_id: &RequestId,
) -> Result<Actor, HttpResponse> {
    match state
        .authenticator
        .authenticate(&state.db, http.headers())
        .await
    {
        Ok(actor) => Ok(actor.with_request_id(request_id.to_string())),
        Err(Refusal::Unauthenticated(reason)) => {
            tracing::info!(%reason, "request refused: not authenticated");
            state.metrics.record_graphql_error(code::UNAUTHENTICATED);
            let description = reason.description();
            Err(HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, reason.challenge()))
                .json(error_body(
                    &Error::Unauthenticated,
                    request_id,
                    Some(&description),
                )))
        }
        Err(Refusal::Unavailable(error)) => {
            state.metrics.record_graphql_error(error.code());
            Err(HttpResponse::ServiceUnavailable().json(error_body(&error, request_id, None)))
        }
    }
}

/// Whether a request says its body is JSON. Anything else (`text/plain`, a form, multipart, no
/// content type) is refused before it is read: those are the bodies a browser sends across
/// sites without asking first.
fn is_json(http: &HttpRequest) -> bool {
    http.mime_type()
        .ok()
        .flatten()
        .is_some_and(|mime| mime.type_() == mime::APPLICATION && mime.subtype() == mime::JSON)
}

async fn graphql(
    http: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
    payload: web::Payload,
) -> HttpResponse {
    let actor = match authenticate(&http, &state, &request_id).await {
        Ok(actor) => actor,
        Err(refused) => return refused,
    };
    if !is_json(&http) {
        let error = Error::bad_input(
            "Content-Type",
            "send the request as application/json: a JSON object with `query` (and `variables`)",
        );
        return HttpResponse::UnsupportedMediaType()
            .insert_header((header::ACCEPT, "application/json"))
            .json(error_body(&error, &request_id, None));
    }
    // Read with the configured limit (`MAX_BODY_BYTES`), decompressing as the client says.
    let body = match web::Bytes::from_request(&http, &mut payload.into_inner()).await {
        Ok(body) => body,
        Err(err) => {
            let status = err.as_response_error().status_code();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the request body is larger than {MAX_BODY_BYTES} bytes")
            } else {
                format!("the request body could not be read: {err}")
            };
            let error = Error::bad_input("body", message);
            return HttpResponse::build(status).json(error_body(&error, &request_id, None));
        }
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            let error = Error::bad_input(
                "body",
                format!("expected a JSON object with `query` (and `variables`): {err}"),
            );
            return HttpResponse::BadRequest().json(error_body(&error, &request_id, None));
        }
    };
    let loader = DataLoader::new(
        Db {
            db: state.db.clone(),
            actor: actor.clone(),
        },
        tokio::spawn,
    );
    let request = request.data(actor).data(loader);
    let mut response = shutdown::scope(state.drain.clone(), state.schema.execute(request)).await;
    let mut retry_after = None;
    for err in &mut response.errors {
        ensure_code(err);
        let extensions = err.extensions.as_ref();
        if let Some(async_graphql::Value::String(code)) = extensions.and_then(|e| e.get("code")) {
            state.metrics.record_graphql_error(code);
            if code == code::RATE_LIMITED {
                retry_after = extensions
                    .and_then(|e| e.get("retryAfter"))
                    .map(ToString::to_string);
            }
        }
        err.extensions
            .get_or_insert_with(Default::default)
            .set("requestId", request_id.to_string());
    }
    match retry_after {
        Some(seconds) => HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, seconds))
            .json(&response),
        None => HttpResponse::Ok().json(&response),
    }
}

/// Gives errors raised by the GraphQL engine itself (parse and validation errors, argument
/// coercion) an `extensions.code` too, so clients can branch on every error the same way.
fn ensure_code(err: &mut ServerError) {
    let has_code = err
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if !has_code {
        let code = default_code(err);
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

/// GraphiQL for browsers (see `crate::graphiql`): the token is pasted in a bar above it.
/// Queries and mutations are never executed over GET.
async fn graphiql(http: HttpRequest, request_id: RequestId) -> HttpResponse {
    if http.query_string().contains("query=") {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .json(serde_json::json!({ "errors": [ {
                "message": "send GraphQL operations with POST; GET /graphql only serves GraphiQL",
                "extensions": { "code": code::BAD_USER_INPUT, "requestId": request_id.to_string() },
            } ] }));
    }
    crate::graphiql::page()
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// How long `/readyz` waits for the database before it answers that it is unreachable: well
/// under the one second a load balancer's probe usually allows.
pub const READINESS_TIMEOUT: Duration = Duration::from_millis(800);

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.drain.is_draining() {
        return HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("shutting down\n");
    }
    let error = match tokio::time::timeout(READINESS_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => {
            return HttpResponse::Ok()
                .content_type("text/plain")
                .body("ready\n");
        }
        Ok(Err(err)) => err.to_string(),
        Err(_) => format!("no answer within {READINESS_TIMEOUT:?}"),
    };
    tracing::warn!(%error, "readiness check: database unreachable");
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .body("database unreachable\n")
}

/// Portfolio-wide counters: for scheme managers and analysts (a scraper sends a long-lived
/// analyst token, e.g. `portfolio-api token --role analyst --ttl 365d --sub prometheus`).
async fn metrics(
    http: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
) -> HttpResponse {
    match authenticate(&http, &state, &request_id).await {
        Ok(actor) => {
            if let Err(error) = ensure_can_read_metrics(&actor) {
                return HttpResponse::Forbidden().json(error_body(&error, &request_id, None));
            }
        }
        Err(refused) => return refused,
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
