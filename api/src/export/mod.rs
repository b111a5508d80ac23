//! Data out as files: `GET /export/{grants|reports|activities|participation|outcomes}.csv`,
//! `GET /export/portfolio.xlsx` (and, through the same access layer, the IATI file served by
//! `crate::iati` at `/iati/activities.xml`), scoped like every GraphQL list (a grantee's file holds only its
//! own organisation's rows) and filtered by query parameters named like the GraphQL filters'
//! fields. Every export needs the caller's token in the `Authorization` header, or a single-use
//! link made with `createExportLink` (`access`), and is recorded in the audit trail.
//!
//! - [`filter`]: the query parameters each export takes, checked;
//! - [`rows`]: the rows of each list, read page by page in key order through `domain::scope`;
//! - [`csv`]: RFC 4180 text, streamed a page at a time;
//! - [`xlsx`]: one workbook with a sheet per list, typed cells;
//! - [`access`]: who may export, by header or by link, and the audit event;
//! - [`link`]: making and using export links.

pub mod access;
pub mod csv;
pub mod filter;
pub mod link;
pub mod rows;
pub mod xlsx;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use tracing_actix_web::RequestId;

use crate::error::Error;
use crate::http::{AppState, error_body};

pub use access::{Authorized, authorize};
pub use filter::Filters;

/// What one export produces: a file, and the route that serves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportKind {
    GrantsCsv,
    ReportsCsv,
    ActivitiesCsv,
    ParticipationCsv,
    OutcomesCsv,
    PortfolioXlsx,
    /// The IATI 2.03 activity file, served at `/iati/activities.xml`.
    IatiXml,
}

impl ExportKind {
    pub const ALL: [Self; 7] = [
        Self::GrantsCsv,
        Self::ReportsCsv,
        Self::ActivitiesCsv,
        Self::ParticipationCsv,
        Self::OutcomesCsv,
        Self::PortfolioXlsx,
        Self::IatiXml,
    ];

    /// Its name in the audit trail and in stored links, as GraphQL's `ExportFormat` spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GrantsCsv => "GRANTS_CSV",
            Self::ReportsCsv => "REPORTS_CSV",
            Self::ActivitiesCsv => "ACTIVITIES_CSV",
            Self::ParticipationCsv => "PARTICIPATION_CSV",
            Self::OutcomesCsv => "OUTCOMES_CSV",
            Self::PortfolioXlsx => "PORTFOLIO_XLSX",
            Self::IatiXml => "IATI_XML",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The path that serves it.
    pub const fn path(self) -> &'static str {
        match self {
            Self::GrantsCsv => "/export/grants.csv",
            Self::ReportsCsv => "/export/reports.csv",
            Self::ActivitiesCsv => "/export/activities.csv",
            Self::ParticipationCsv => "/export/participation.csv",
            Self::OutcomesCsv => "/export/outcomes.csv",
            Self::PortfolioXlsx => "/export/portfolio.xlsx",
            Self::IatiXml => "/iati/activities.xml",
        }
    }

    /// The file name a browser saves it as.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::IatiXml => "iati-activities.xml",
            other => other.path().rsplit('/').next().unwrap_or("export"),
        }
    }
}

/// Where the service is reached, as the request says (`Forwarded`/`X-Forwarded-*` behind a
/// proxy, else `Host`): export links are absolute URLs on it.
#[derive(Clone, Debug)]
pub struct RequestOrigin(pub String);

impl RequestOrigin {
    pub fn of(http: &HttpRequest) -> Self {
        let info = http.connection_info();
        Self(format!("{}://{}", info.scheme(), info.host()))
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/export/portfolio.xlsx", web::get().to(xlsx::serve))
        .route("/export/{list}.csv", web::get().to(csv::serve));
}

/// The request's id, as its logs and audit events carry it.
pub(crate) fn request_id(http: &HttpRequest) -> Option<RequestId> {
    http.extensions().get::<RequestId>().copied()
}

/// An export refused or failed before its first byte: a GraphQL-shaped JSON error body, with
/// the status its code calls for.
pub(crate) fn error_response(http: &HttpRequest, state: &AppState, error: &Error) -> HttpResponse {
    use crate::error::code;
    let status = match error.code() {
        code::BAD_USER_INPUT => StatusCode::BAD_REQUEST,
        code::UNAUTHENTICATED => StatusCode::UNAUTHORIZED,
        code::FORBIDDEN => StatusCode::FORBIDDEN,
        code::NOT_FOUND => StatusCode::NOT_FOUND,
        code::CONFLICT => StatusCode::CONFLICT,
        code::UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %crate::error::chain(error), "export failed");
    }
    state.metrics.record_graphql_error(error.code());
    let body = match request_id(http) {
        Some(id) => error_body(error, &id, None),
        None => serde_json::json!({ "errors": [ {
            "message": error.to_string(),
            "extensions": { "code": error.code() },
        } ] }),
    };
    HttpResponse::build(status).json(body)
}
