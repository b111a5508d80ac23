//! `GET /iati/activities.xml`: the grants a token may see as an IATI 2.03 activity file, one
//! `iati-activity` per grant, what a funder publishes to the IATI Registry and what IATI tools
//! (d-portal, the IATI Datastore, Akvo RSR, DevResults) read.
//!
//! It is let in like every other export, by [`export::access::authorize`] with
//! [`ExportKind::IatiXml`]: the token in the `Authorization` header exactly as `/graphql` reads
//! it (never from the URL), or a single-use link made with `createExportLink(input: { format:
//! IATI_XML })`; its filter (`scheme`, `grantee`, `grant`, `from`, `to`) checked, a `grant` the
//! caller may not see being `NOT_FOUND`; and the export recorded in the audit trail (`EXPORT`,
//! entity `Export`) before any data is sent. Grants are read through `domain::scope` like
//! every GraphQL list, so a grantee's file holds only its own organisation's grants. The file
//! is streamed: grants are read [`PAGE_SIZE`] at a time and each page is sent as one chunk of
//! the response as soon as it is written, so a portfolio of thousands of grants never sits
//! whole in memory.
//!
//! [`export::access::authorize`]: crate::export::access::authorize

mod activity;
pub mod codelists;
mod data;
pub mod writer;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::stream;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

pub use data::ExportFilter;

use crate::domain::actor::Actor;
use crate::error::Error;
use crate::export::{ExportKind, Filters, access, csv::attachment};
use crate::http::AppState;
use writer::XmlWriter;

/// Grants read and sent per chunk.
pub const PAGE_SIZE: u64 = 200;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(ExportKind::IatiXml.path(), web::get().to(activities_xml));
}

impl ExportFilter {
    /// The export's filter as the access layer checked it (`export::filter::parameters`).
    pub fn of(filters: &Filters) -> Self {
        Self {
            scheme: filters.id("scheme"),
            grantee: filters.id("grantee"),
            grant: filters.id("grant"),
            from: filters.day("from"),
            to: filters.day("to"),
        }
    }
}

/// `GET /iati/activities.xml?scheme=&grantee=&grant=&from=&to=`, or `?link=<secret>`.
async fn activities_xml(http: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let allowed = match access::authorize(&http, &state, ExportKind::IatiXml).await {
        Ok(allowed) => allowed,
        Err(refused) => return refused,
    };
    let filter = ExportFilter::of(&allowed.filters);
    HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header(attachment(ExportKind::IatiXml))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .streaming(document(state.db.clone(), allowed.actor, filter))
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
