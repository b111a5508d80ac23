//! HTTP routes: `/graphql` (POST executes; GET executes queries, or serves GraphiQL to a
//! browser), `/graphiql/*` (its assets), `/healthz`, `/readyz`, `/metrics`. Authentication
//! happens here, once, before any GraphQL runs: without a valid bearer token nothing is
//! executed, introspection included, and only GraphiQL, `/healthz` and `/readyz` answer.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, mime, web};
use async_graphql::dataloader::HashMapCache;
use async_graphql::{ErrorExtensions, ServerError};
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;

use crate::auth::{Authenticator, Refusal};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_read_metrics;
use crate::domain::write::Writer;
use crate::error::{Error, code};
use crate::graphql::AppSchema;
use crate::graphql::batch::Batches;
use crate::graphql::common::default_code;
use crate::graphql::loaders::{Db, Loaders};
use crate::graphql::operation::OperationSlot;
use crate::metrics::{Metrics, PoolGauges};
use crate::persisted::{PersistedQueries, Unusable};
use crate::shutdown::{self, Drain};

pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    /// The write frame, for what HTTP routes record outside GraphQL (exports' audit events).
    pub writer: Writer,
    pub authenticator: Authenticator,
    pub metrics: Arc<Metrics>,
    pub drain: Drain,
    pub persisted: Arc<PersistedQueries>,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql_post))
            .route(web::get().to(graphql_get)),
    )
    .service(crate::graphiql::assets())
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz))
    .route("/metrics", web::get().to(metrics))
    .configure(crate::export::routes)
    .configure(crate::iati::routes);
}

/// The body of an answer refused before GraphQL ran, shaped like a GraphQL response: the
/// error's `extensions.code`, the request id every error carries (`requestId`), and for a
/// refused token the reason (`reason`).
pub(crate) fn error_body(
    err: &Error,
    request_id: &RequestId,
    reason: Option<&str>,
) -> serde_json::Value {
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
pub(crate) async fn authenticate(
    http: &HttpRequest,
    state: &AppState,
    request_id: &RequestId,
) -> Result<Actor, HttpResponse> {
    match state
        .authenticator
        .authenticate(&state.db, http.headers())
        .await
    {
        Ok(actor) => {
            let role = actor.role().as_str();
            note_access(http, |note| note.role = Some(role));
            Ok(actor.with_request_id(request_id.to_string()))
        }
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

async fn graphql_post(
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
    let request = match parse_body(&body) {
        Ok(request) => request,
        Err(error) => {
            return HttpResponse::BadRequest().json(error_body(&error, &request_id, None));
        }
    };
    execute(&http, &state, &request_id, actor, request, Method::Post).await
}

/// A POST body: a JSON object with `query`, and optionally `operationName`, `variables` and
/// `extensions`, each of which may also be null.
fn parse_body(body: &[u8]) -> Result<async_graphql::Request, Error> {
    let expected = "expected a JSON object with `query` (and `variables`)";
    let mut value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|err| Error::bad_input("body", format!("{expected}: {err}")))?;
    let Some(fields) = value.as_object_mut() else {
        return Err(Error::bad_input("body", expected));
    };
    fields.retain(|_, v| !v.is_null());
    for (name, ok) in [
        (
            "query",
            fields.get("query").is_none_or(serde_json::Value::is_string),
        ),
        (
            "operationName",
            fields
                .get("operationName")
                .is_none_or(serde_json::Value::is_string),
        ),
        (
            "variables",
            fields
                .get("variables")
                .is_none_or(serde_json::Value::is_object),
        ),
        (
            "extensions",
            fields
                .get("extensions")
                .is_none_or(serde_json::Value::is_object),
        ),
    ] {
        if !ok {
            let what = if matches!(name, "variables" | "extensions") {
                "a JSON object"
            } else {
                "a string"
            };
            return Err(Error::bad_input(name, format!("`{name}` must be {what}")));
        }
    }
    serde_json::from_value(value)
        .map_err(|err| Error::bad_input("body", format!("{expected}: {err}")))
}

/// The parameters of `GET /graphql`, as GraphQL over HTTP names them.
#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// `GET /graphql`: a query from the URL (`query`, `operationName`, `variables`, `extensions`, the
/// last two as JSON), never a mutation; without parameters, GraphiQL for a browser.
async fn graphql_get(
    http: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
) -> HttpResponse {
    let params = match web::Query::<GetParams>::from_query(http.query_string()) {
        Ok(params) => params.into_inner(),
        Err(err) => {
            let error = Error::bad_input(
                "query",
                format!("the URL's parameters could not be read: {err}"),
            );
            return HttpResponse::BadRequest().json(error_body(&error, &request_id, None));
        }
    };
    if params.query.is_none() && params.extensions.is_none() {
        // GraphiQL for browsers (see `crate::graphiql`): the token is pasted in a bar above it.
        return crate::graphiql::page();
    }
    let actor = match authenticate(&http, &state, &request_id).await {
        Ok(actor) => actor,
        Err(refused) => return refused,
    };
    let json_object = |name: &str, text: Option<String>| -> Result<serde_json::Value, Error> {
        match text {
            None => Ok(serde_json::Value::Object(Default::default())),
            Some(text) => match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(value @ serde_json::Value::Object(_)) => Ok(value),
                Ok(serde_json::Value::Null) => Ok(serde_json::Value::Object(Default::default())),
                _ => Err(Error::bad_input(
                    name,
                    format!("`{name}` must be a JSON object"),
                )),
            },
        }
    };
    let request = json_object("variables", params.variables)
        .and_then(|variables| Ok((variables, json_object("extensions", params.extensions)?)))
        .and_then(|(variables, extensions)| {
            serde_json::from_value::<async_graphql::Request>(serde_json::json!({
                "query": params.query.unwrap_or_default(),
                "operationName": params.operation_name,
                "variables": variables,
                "extensions": extensions,
            }))
            .map_err(|err| Error::bad_input("query", err.to_string()))
        });
    match request {
        Ok(request) => execute(&http, &state, &request_id, actor, request, Method::Get).await,
        Err(error) => HttpResponse::BadRequest().json(error_body(&error, &request_id, None)),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// The media type of a GraphQL answer: `application/graphql-response+json` when the client
/// accepts it (and then 4xx for a request that could not run), else `application/json` with 200,
/// as older clients expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    GraphqlResponse,
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

impl Format {
    /// From the `Accept` header; `None` when it accepts neither.
    fn negotiate(http: &HttpRequest) -> Option<Self> {
        let Some(accept) = http
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.trim().is_empty())
        else {
            return Some(Self::Json);
        };
        let mut best: Option<(f32, Self)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let format = match media.as_str() {
                GRAPHQL_RESPONSE => Self::GraphqlResponse,
                "application/json" | "application/*" | "*/*" => Self::Json,
                _ => continue,
            };
            if q <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((best_q, best_format)) => {
                    q > best_q
                        || (q == best_q
                            && format == Self::GraphqlResponse
                            && best_format == Self::Json)
                }
            };
            if better {
                best = Some((q, format));
            }
        }
        best.map(|(_, format)| format)
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// Whether the operation a request would run is a mutation.
fn is_mutation(request: &mut async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let operation_name = request.operation_name.clone();
    // Parsed once: the engine reuses the document (a parse error is reported by the engine).
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    let ty = match &document.operations {
        DocumentOperations::Single(op) => Some(op.node.ty),
        DocumentOperations::Multiple(ops) => match &operation_name {
            Some(name) => ops.get(name.as_str()).map(|op| op.node.ty),
            None if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
            None => None,
        },
    };
    ty == Some(OperationType::Mutation)
}

/// An error answered before the GraphQL engine ran, in the request's format: no `data`.
fn request_error(
    format: Format,
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &RequestId,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(format.content_type())
        .json(serde_json::json!({ "errors": [ {
            "message": message,
            "extensions": { "code": code, "requestId": request_id.to_string() },
        } ] }))
}

async fn execute(
    http: &HttpRequest,
    state: &AppState,
    request_id: &RequestId,
    actor: Actor,
    mut request: async_graphql::Request,
    method: Method,
) -> HttpResponse {
    let Some(format) = Format::negotiate(http) else {
        return HttpResponse::NotAcceptable().json(error_body(
            &Error::bad_input(
                "Accept",
                format!("answers are {GRAPHQL_RESPONSE} or application/json; accept one of them"),
            ),
            request_id,
            None,
        ));
    };
    if let Err(refusal) = state.persisted.apply(&mut request) {
        return match refusal {
            // 200, as Apollo's link expects, whichever the format: the client resends the query.
            Unusable::NotFound => request_error(
                format,
                StatusCode::OK,
                code::PERSISTED_QUERY_NOT_FOUND,
                "PersistedQueryNotFound",
                request_id,
            ),
            Unusable::UnsupportedVersion => request_error(
                format,
                StatusCode::BAD_REQUEST,
                code::PERSISTED_QUERY_NOT_SUPPORTED,
                "PersistedQueryNotSupported: only version 1 (SHA-256) exists",
                request_id,
            ),
            Unusable::Invalid(message) => HttpResponse::BadRequest()
                .content_type(format.content_type())
                .json(error_body(
                    &Error::bad_input("extensions.persistedQuery", message),
                    request_id,
                    None,
                )),
        };
    }
    state.schema.parse(&mut request);
    let mutation = is_mutation(&mut request);
    if method == Method::Get && mutation {
        let mut refused = request_error(
            format,
            StatusCode::METHOD_NOT_ALLOWED,
            code::METHOD_NOT_ALLOWED,
            "mutations are sent with POST; GET runs queries only",
            request_id,
        );
        refused
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return refused;
    }
    let batches = Batches::default();
    let loader = Loaders::with_cache(
        Db {
            db: state.db.clone(),
            actor: actor.clone(),
        },
        batches.spawner(),
        HashMapCache::default(),
    )
    .delay(Duration::ZERO);
    if mutation {
        loader.enable_all_cache(false);
    }
    let operation = OperationSlot::default();
    // The request data resolvers read (the gate reads only the caller and the slot).
    let origin = crate::export::RequestOrigin::of(http);
    let request = request.data(actor.clone()).data(operation.clone());
    let run = move |request: async_graphql::Request| request.data(actor).data(loader).data(origin);
    let started = std::time::Instant::now();
    let mut response = shutdown::scope(
        state.drain.clone(),
        batches.drive(state.schema.execute(request, &operation, run)),
    )
    .await;
    if let Some(name) = operation.name() {
        state
            .metrics
            .record_operation(&name, response.is_err(), started.elapsed());
        note_access(http, |note| note.operation = Some(name));
    }
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
    // A request error: the document did not parse or validate, or was refused before it ran.
    // The answer then has no `data`.
    let not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Serialised once, straight to bytes: a dashboard page's answer is large.
    let body = if not_run {
        let mut body = serde_json::json!({ "errors": response.errors });
        if !response.extensions.is_empty() {
            body["extensions"] = serde_json::json!(response.extensions);
        }
        serde_json::to_vec(&body)
    } else {
        serde_json::to_vec(&response)
    }
    .unwrap_or_default();
    let status = match (&retry_after, format, not_run) {
        (Some(_), _, _) => StatusCode::TOO_MANY_REQUESTS,
        (None, Format::GraphqlResponse, true) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let mut answer = HttpResponse::build(status);
    answer.content_type(format.content_type());
    if let Some(seconds) = retry_after {
        answer.insert_header((header::RETRY_AFTER, seconds));
    }
    if method == Method::Get {
        // Each answer is the caller's own: a shared cache must not keep it.
        answer.insert_header((header::CACHE_CONTROL, "private, no-cache"));
        answer.insert_header((header::VARY, "Authorization, Accept"));
    }
    answer.body(body)
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
        .body(state.metrics.render(pool_gauges(&state.db)))
}

/// The pool's connections right now.
fn pool_gauges(db: &DatabaseConnection) -> PoolGauges {
    use sea_orm::DbBackend;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            PoolGauges {
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            PoolGauges {
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        _ => PoolGauges::default(),
    }
}

/// What the access log line of a request says beyond its method, path, status and duration:
/// who asked (their role) and which GraphQL operation ran. Handlers note it on the request.
#[derive(Clone, Debug, Default)]
pub struct AccessNote {
    pub role: Option<&'static str>,
    pub operation: Option<String>,
}

pub(crate) fn note_access(http: &HttpRequest, update: impl FnOnce(&mut AccessNote)) {
    let mut extensions = http.extensions_mut();
    match extensions.get_mut::<AccessNote>() {
        Some(note) => update(note),
        None => {
            let mut note = AccessNote::default();
            update(&mut note);
            extensions.insert(note);
        }
    }
}
