//! `GET /iati/activities.xml`: the grants a token may see as an IATI 2.03 activity file, one
//! `iati-activity` per grant, what a funder publishes to the IATI Registry and what IATI tools
//! (d-portal, the IATI Datastore, Akvo RSR, DevResults) read.
//!
//! The token is read from the `Authorization` header exactly as `/graphql` reads it, never from
//! the URL; grants are read through `domain::scope` like every GraphQL list, so a grantee's file
//! holds only its own organisation's grants. Each export is recorded in the audit trail
//! (`EXPORT`, with its filters) before any data is sent. The file is streamed: grants are read
//! [`PAGE_SIZE`] at a time and each page is sent as one chunk of the response as soon as it is
//! written, so a portfolio of thousands of grants never sits whole in memory.

mod activity;
pub mod codelists;
mod data;
pub mod writer;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::stream;
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;
use uuid::Uuid;

pub use data::ExportFilter;

use crate::domain::actor::Actor;
use crate::domain::audit::RecordExport;
use crate::domain::values::parse_date;
use crate::error::Error;
use crate::http::{AppState, authenticate, error_body};
use writer::XmlWriter;

/// Grants read and sent per chunk.
pub const PAGE_SIZE: u64 = 200;

const PATH: &str = "/iati/activities.xml";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(PATH, web::get().to(activities_xml));
}

/// The export's query parameters. Each may be given once; anything else is refused, so a
/// misspelt filter never silently exports more than was asked for.
pub fn parse_filter(query: &str) -> Result<ExportFilter, Error> {
    let mut filter = ExportFilter::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if seen.contains(&name.to_string()) {
            return Err(Error::bad_input(
                name.as_ref(),
                format!("`{name}` is given more than once"),
            ));
        }
        seen.push(name.to_string());
        let id = |what: &str| {
            Uuid::parse_str(value.trim()).map_err(|_| {
                Error::bad_input(
                    name.as_ref(),
                    format!("{value:?} is not the id (UUID) of a {what}"),
                )
            })
        };
        match name.as_ref() {
            "scheme" => filter.scheme = Some(id("scheme")?),
            "grantee" => filter.grantee = Some(id("grantee organisation")?),
            "grant" => filter.grant = Some(id("grant")?),
            "from" => filter.from = Some(parse_date("from", value.trim())?),
            "to" => filter.to = Some(parse_date("to", value.trim())?),
            other => {
                return Err(Error::bad_input(
                    other,
                    format!(
                        "`{other}` is not a parameter of {PATH}: it takes scheme, grantee, \
                         grant, from and to (the token goes in the Authorization header)"
                    ),
                ));
            }
        }
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to < from
    {
        return Err(Error::bad_input(
            "to",
            format!("{to} is before `from` ({from})"),
        ));
    }
    Ok(filter)
}

/// The filters as the audit trail records them.
fn audited_filters(filter: &ExportFilter) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    let ids = [
        ("scheme", filter.scheme),
        ("grantee", filter.grantee),
        ("grant", filter.grant),
    ];
    for (name, id) in ids {
        if let Some(id) = id {
            map.insert(name.into(), id.to_string().into());
        }
    }
    for (name, day) in [("from", filter.from), ("to", filter.to)] {
        if let Some(day) = day {
            map.insert(name.into(), day.to_string().into());
        }
    }
    map
}

/// Who is exporting, with the export recorded in the audit trail; or the answer that refuses
/// it. The one place an export is let in: a shared export access layer (header token or
/// single-use link) replaces this function and nothing else. One grant asked for by id that
/// the caller may not see is `NOT_FOUND`, as in GraphQL, and is not an export.
async fn admit(
    http: &HttpRequest,
    state: &AppState,
    request_id: &RequestId,
    filter: &ExportFilter,
) -> Result<Actor, HttpResponse> {
    let actor = authenticate(http, state, request_id).await?;
    if let Some(id) = filter.grant {
        match data::grant_visible(&state.db, &actor, id).await {
            Ok(true) => {}
            Ok(false) => {
                let error = Error::NotFoundAt {
                    field: "grant".into(),
                    message: format!("no grant has the id {id}"),
                };
                return Err(refusal(&error, request_id));
            }
            Err(error) => return Err(refusal(&error, request_id)),
        }
    }
    let export = RecordExport {
        format: "iati-activities-2.03",
        path: PATH,
        filters: audited_filters(filter),
        grant_id: filter.grant,
    };
    let writer = crate::domain::write::Writer::new(
        state.db.clone(),
        crate::domain::idempotency::DEFAULT_RETENTION,
    );
    match writer.run(&actor, &export).await {
        Ok(_) => Ok(actor),
        Err(error) => Err(refusal(&error, request_id)),
    }
}

/// An error answered before the file starts, with the status its code calls for and the same
/// body as `/graphql`'s refusals.
fn refusal(error: &Error, request_id: &RequestId) -> HttpResponse {
    use crate::error::code;
    let mut answer = match error.code() {
        code::BAD_USER_INPUT => HttpResponse::BadRequest(),
        code::NOT_FOUND => HttpResponse::NotFound(),
        code::FORBIDDEN => HttpResponse::Forbidden(),
        code::UNAVAILABLE => HttpResponse::ServiceUnavailable(),
        _ => HttpResponse::InternalServerError(),
    };
    if let Error::Internal(cause) = error {
        tracing::error!(error = %crate::error::chain(cause.as_ref()), "IATI export failed");
    }
    answer.json(error_body(error, request_id, None))
}

/// `GET /iati/activities.xml?scheme=&grantee=&grant=&from=&to=`.
async fn activities_xml(
    http: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
) -> HttpResponse {
    let filter = match parse_filter(http.query_string()) {
        Ok(filter) => filter,
        Err(error) => {
            // A request without a token learns nothing, not even that its filter is bad.
            if let Err(refused) = authenticate(&http, &state, &request_id).await {
                return refused;
            }
            return refusal(&error, &request_id);
        }
    };
    let actor = match admit(&http, &state, &request_id, &filter).await {
        Ok(actor) => actor,
        Err(refused) => return refused,
    };
    HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"iati-activities.xml\"",
        ))
        .streaming(document(state.db.clone(), actor, filter))
}

enum Step {
    Start,
    Page(Option<Uuid>),
    Done,
}

/// The document, chunk by chunk: the opening, one chunk per page of grants, the closing.
fn document(
    db: DatabaseConnection,
    actor: Actor,
    filter: ExportFilter,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> {
    let today = chrono::Utc::now().date_naive();
    let generated = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut w = XmlWriter::new();
    w.start("iati-activities")
        .attr("version", "2.03")
        .attr("generated-datetime", &generated);
    stream::unfold((Step::Start, Some(w)), move |(step, writer)| {
        let (db, actor, filter) = (db.clone(), actor.clone(), filter.clone());
        async move {
            let mut w = writer?;
            match step {
                Step::Start => {
                    let chunk = w.take();
                    Some((Ok(web::Bytes::from(chunk)), (Step::Page(None), Some(w))))
                }
                Step::Page(after) => {
                    let page = match data::page(&db, &actor, &filter, after, PAGE_SIZE).await {
                        Ok(page) => page,
                        Err(error) => return Some((Err(broken(&error)), (Step::Done, None))),
                    };
                    let Some(last) = page.last_id() else {
                        let rest = w.finish();
                        return Some((Ok(web::Bytes::from(rest)), (Step::Done, None)));
                    };
                    for grant in &page.grants {
                        match activity::write(&mut w, &page, grant, today) {
                            Ok(Ok(())) => {}
                            Ok(Err(skipped)) => {
                                w.comment(&skipped.explain(grant));
                            }
                            Err(error) => {
                                return Some((Err(broken(&error)), (Step::Done, None)));
                            }
                        }
                    }
                    let mut chunk = w.take();
                    if (page.grants.len() as u64) < PAGE_SIZE {
                        // A short page is the last: close the document with it.
                        chunk.push_str(&w.finish());
                        return Some((Ok(web::Bytes::from(chunk)), (Step::Done, None)));
                    }
                    Some((
                        Ok(web::Bytes::from(chunk)),
                        (Step::Page(Some(last)), Some(w)),
                    ))
                }
                Step::Done => None,
            }
        }
    })
}

/// A failure after the file started: the status is sent already, so the response is cut
/// short (the client sees an incomplete transfer, never a file that looks whole).
fn broken(error: &Error) -> std::io::Error {
    match error {
        Error::Internal(cause) => {
            tracing::error!(error = %crate::error::chain(cause.as_ref()), "IATI export cut short");
        }
        other => tracing::warn!(error = %other, "IATI export cut short"),
    }
    std::io::Error::other("the export was cut short")
}
