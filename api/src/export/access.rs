//! Who may export, decided once for every export route (the CSVs, the workbook, and the IATI
//! file): [`authorize`] accepts
//!
//! - the caller's token in the `Authorization` header, exactly as GraphQL does (a token in the
//!   URL is never read: `access_token=…` is refused as an unknown parameter), with the filter
//!   from the query parameters; or
//! - `?link=<secret>` alone, a single-use link made with `createExportLink` for this export:
//!   the export runs as the caller who made the link, with the filter the link remembers. An
//!   unknown link, or one made for another export, is 404; one already used or expired is 410.
//!
//! checks the filter (an unknown, repeated, empty or malformed parameter is 400 naming it; a
//! parameter naming one grant, `grantId` or the IATI file's `grant`, that the caller may not
//! see is 404 naming it, as `grant(id:)` is in GraphQL, and is no export),
//!
//! and records the export in the audit trail (action `EXPORT`, entity `Export`: who, which
//! export, with which filter, by header or by link) before the first byte is sent.
//!
//! A new export route calls it first and reads only through the actor it returns:
//!
//! ```ignore
//! async fn serve(http: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
//!     let allowed = match access::authorize(&http, &state, ExportKind::IatiXml).await {
//!         Ok(allowed) => allowed,
//!         Err(refused) => return refused,
//!     };
//!     let scheme = allowed.filters.id("scheme"); // checked: a UUID, or absent
//!     // ... read through domain::scope with `allowed.actor`, stream the answer ...
//! }
//! ```
//!
//! The parameters each export takes are listed once, in `filter::parameters`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use uuid::Uuid;

use super::filter::ensure_named_grants_visible;
use super::link::{MAX_SECRET_LEN, RecordExport, Via, hash_secret};
use super::{ExportKind, Filters, error_response, request_id};
use crate::domain::actor::{Access, Actor};
use crate::domain::scope;
use crate::error::Error;
use crate::http::{AppState, authenticate, error_body, note_access};
use entity::enums::Role;

/// An export allowed: who it runs as (every read goes through `domain::scope` with this actor)
/// and its checked filter.
#[derive(Clone, Debug)]
pub struct Authorized {
    pub actor: Actor,
    pub filters: Filters,
    /// The export's id in the audit trail (`AuditEvent.entityId`; a link's id when by link).
    pub export_id: Uuid,
}

/// The name of the parameter that carries an export link's secret.
pub const LINK_PARAMETER: &str = "link";

/// Allows the export `kind` for this request, or answers why not: 401 without a good token
/// (and without a link), 400 for a bad filter (naming the parameter), 404 for a grant named by
/// the filter that the caller may not see (naming the parameter), 404 for an unknown link or
/// one made for another export, 410 for a link already used or expired, 503 when the database
/// cannot be asked. On success the export is already in the audit trail.
pub async fn authorize(
    http: &HttpRequest,
    state: &AppState,
    kind: ExportKind,
) -> Result<Authorized, HttpResponse> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(http.query_string().as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let links: Vec<&str> = pairs
        .iter()
        .filter(|(name, _)| name == LINK_PARAMETER)
        .map(|(_, value)| value.as_str())
        .collect();
    match links.as_slice() {
        [] => by_header(http, state, kind, pairs).await,
        [secret] => {
            if pairs.len() > 1 {
                return Err(error_response(
                    http,
                    state,
                    &Error::bad_input(
                        LINK_PARAMETER,
                        "an export link carries its own filter; send `link` alone",
                    ),
                ));
            }
            by_link(http, state, kind, secret).await
        }
        _ => Err(error_response(
            http,
            state,
            &Error::bad_input(LINK_PARAMETER, "is given more than once"),
        )),
    }
}

async fn by_header(
    http: &HttpRequest,
    state: &AppState,
    kind: ExportKind,
    pairs: Vec<(String, String)>,
) -> Result<Authorized, HttpResponse> {
    let Some(id) = request_id(http) else {
        return Err(error_response(
            http,
            state,
            &Error::internal("request without a request id"),
        ));
    };
    let actor = authenticate(http, state, &id).await?;
    let filters =
        Filters::check(kind, pairs, "").map_err(|error| error_response(http, state, &error))?;
    record(http, state, actor, kind, filters, Via::Header).await
}

async fn by_link(
    http: &HttpRequest,
    state: &AppState,
    kind: ExportKind,
    secret: &str,
) -> Result<Authorized, HttpResponse> {
    let unknown = || {
        error_response(
            http,
            state,
            &Error::NotFoundAt {
                field: LINK_PARAMETER.into(),
                message: format!(
                    "no export link for {} has this id; make one with createExportLink",
                    kind.path()
                ),
            },
        )
    };
    if secret.is_empty() || secret.len() > MAX_SECRET_LEN {
        return Err(unknown());
    }
    let token_hash = hash_secret(secret);
    let link = scope::export_link_by_hash(&token_hash)
        .one(&state.db)
        .await
        .map_err(|err| error_response(http, state, &Error::from(err)))?;
    let Some(link) = link.filter(|link| link.format == kind.as_str()) else {
        return Err(unknown());
    };
    if link.used_at.is_some() || link.expires_at <= Utc::now() {
        return Err(gone(http, state));
    }
    let access = match (link.role, link.actor_org_id) {
        (Role::SchemeManager, _) => Access::SchemeManager,
        (Role::Analyst, _) => Access::Analyst,
        (Role::Grantee, Some(org)) => Access::Grantee(org),
        // The table's rows are written only by `createExportLink`, which stores a grantee's
        // organisation; a row without one can only be a corrupted one, and grants nothing.
        (Role::Grantee, None) => return Err(unknown()),
    };
    let mut actor = Actor::new(link.actor.clone(), access);
    if let Some(id) = request_id(http) {
        actor = actor.with_request_id(id.to_string());
    }
    let role = actor.role();
    note_access(http, |note| note.role = Some(role_name(role)));
    let filters: Vec<(String, String)> = serde_json::from_value::<Filters>(link.filter.clone())
        .map(|filters| {
            filters
                .pairs()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .map_err(|err| error_response(http, state, &Error::internal(err)))?;
    let filters =
        Filters::check(kind, filters, "").map_err(|error| error_response(http, state, &error))?;
    record(
        http,
        state,
        actor,
        kind,
        filters,
        Via::Link {
            id: link.id,
            token_hash,
        },
    )
    .await
}

fn role_name(role: Role) -> &'static str {
    crate::domain::actor::role_claim(role)
}

/// 410: the link existed, and can no longer be used.
fn gone(http: &HttpRequest, state: &AppState) -> HttpResponse {
    let error = Error::conflict(
        "this export link has been used already or has expired; links work once, for a few minutes: make a new one with createExportLink",
    );
    state.metrics.record_graphql_error(error.code());
    let body = match request_id(http) {
        Some(id) => error_body(&error, &id, None),
        None => serde_json::json!({ "errors": [ { "message": error.to_string() } ] }),
    };
    HttpResponse::build(StatusCode::GONE).json(body)
}

/// Checks the grants the filter names, writes the export's audit event (and uses up the link),
/// then allows it. A refusal here leaves a link unused and writes nothing.
async fn record(
    http: &HttpRequest,
    state: &AppState,
    actor: Actor,
    kind: ExportKind,
    filters: Filters,
    via: Via,
) -> Result<Authorized, HttpResponse> {
    ensure_named_grants_visible(&state.db, &actor, kind, &filters, "")
        .await
        .map_err(|error| error_response(http, state, &error))?;
    let by_link = matches!(via, Via::Link { .. });
    let export = RecordExport {
        kind,
        filters: filters.clone(),
        via,
    };
    match state.writer.run(&actor, &export).await {
        Ok(export_id) => Ok(Authorized {
            actor,
            filters,
            export_id,
        }),
        // The link was used (or expired) between reading it and using it up.
        Err(Error::Conflict(_)) if by_link => Err(gone(http, state)),
        Err(error) => Err(error_response(http, state, &error)),
    }
}
