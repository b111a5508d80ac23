//! `GET /export/{grants|reports|activities|participation|outcomes}.csv`: RFC 4180 text in UTF-8
//! (no byte-order mark), a header row, lines ending CRLF, a field quoted when it holds a comma, a
//! double quote or a line break (quotes doubled inside). Streamed: the first page is read before
//! the answer starts (so a failure there is a plain JSON error), then each page is read and sent
//! in turn, so the whole list never sits in memory. A failure after the answer has started cuts
//! the connection, so a client never mistakes a partial file for a whole one.
//!
//! A text cell a spreadsheet would take for a formula (one starting with `=`, `+`, `-`, `@`, a
//! tab or a carriage return) is written with a single quote before it (`'=SUM(A1)`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::stream::{self, StreamExt};
use sea_orm::DatabaseConnection;

use super::access::{self, Authorized};
use super::rows::{Cell, List, Row, Source};
use super::{ExportKind, error_response};
use crate::domain::values::format_minor;
use crate::error::Error;
use crate::http::AppState;

/// The characters that make a spreadsheet read a cell as a formula when they start it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell made safe to open in a spreadsheet: a leading formula character gets a single
/// quote before it, which spreadsheets read as "this is text".
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Appends one field, quoted when RFC 4180 requires it.
fn push_field(line: &mut String, text: &str) {
    if text.contains([',', '"', '\r', '\n']) {
        line.push('"');
        line.push_str(&text.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(text);
    }
}

/// A cell as CSV text: exact decimals for money, `YYYY-MM-DD` dates, RFC 3339 UTC times,
/// `true`/`false`, and nothing for a value not recorded.
fn cell_text(cell: &Cell) -> std::borrow::Cow<'_, str> {
    match cell {
        Cell::Empty => "".into(),
        Cell::Text(text) => neutralise(text),
        Cell::Int(n) => n.to_string().into(),
        Cell::Money { minor, digits } => format_minor(*minor, *digits).into(),
        Cell::Date(day) => day.format("%Y-%m-%d").to_string().into(),
        Cell::Time(at) => at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into(),
        Cell::Bool(value) => if *value { "true" } else { "false" }.into(),
    }
}

fn push_line<'a>(out: &mut String, fields: impl Iterator<Item = std::borrow::Cow<'a, str>>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, &field);
    }
    out.push_str("\r\n");
}

fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    for row in rows {
        push_line(&mut out, row.iter().map(cell_text));
    }
    out
}

fn header_line(list: List) -> String {
    let mut out = String::new();
    push_line(&mut out, list.header().iter().map(|name| (*name).into()));
    out
}

fn kind_of(list: &str) -> Option<(ExportKind, List)> {
    Some(match list {
        "grants" => (ExportKind::GrantsCsv, List::Grants),
        "reports" => (ExportKind::ReportsCsv, List::Reports),
        "activities" => (ExportKind::ActivitiesCsv, List::Activities),
        "participation" => (ExportKind::ParticipationCsv, List::Participation),
        "outcomes" => (ExportKind::OutcomesCsv, List::Outcomes),
        _ => return None,
    })
}

/// The rows of `list` that `authorized` asks for.
fn source(list: List, authorized: &Authorized) -> Source {
    let actor = authorized.actor.clone();
    let filters = &authorized.filters;
    match list {
        List::Grants => Source::grants(actor, filters.grants().condition()),
        List::Reports => {
            let condition = filters.reports().condition(&actor);
            Source::reports(actor, condition)
        }
        _ => {
            let condition = filters.activities().condition(&actor);
            Source::of_activities(list, actor, condition)
        }
    }
}

pub async fn serve(
    http: HttpRequest,
    state: web::Data<AppState>,
    list: web::Path<String>,
) -> HttpResponse {
    let Some((kind, list)) = kind_of(&list) else {
        return error_response(
            &http,
            &state,
            &Error::NotFoundAt {
                field: "path".into(),
                message: "no such export; the CSV exports are grants, reports, activities, participation and outcomes".into(),
            },
        );
    };
    let authorized = match access::authorize(&http, &state, kind).await {
        Ok(authorized) => authorized,
        Err(refused) => return refused,
    };
    let source = source(list, &authorized);
    let db = state.db.clone();
    let first = match source.page(&db, None).await {
        Ok(page) => page,
        Err(error) => return error_response(&http, &state, &error),
    };
    let mut head = header_line(list);
    head.push_str(&render(&first.rows));
    let rest = stream::try_unfold(
        (db, source, first.next),
        |(db, source, after): (DatabaseConnection, Source, Option<uuid::Uuid>)| async move {
            let Some(after) = after else {
                return Ok(None);
            };
            match source.page(&db, Some(after)).await {
                Ok(page) => Ok(Some((
                    web::Bytes::from(render(&page.rows)),
                    (db, source, page.next),
                ))),
                Err(error) => {
                    tracing::error!(error = %crate::error::chain(&error), "CSV export cut short");
                    Err(error)
                }
            }
        },
    );
    let body = stream::once(async move { Ok::<_, Error>(web::Bytes::from(head)) }).chain(rest);
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8; header=present")
        .insert_header(attachment(kind))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .streaming(body)
}

/// `Content-Disposition: attachment; filename="grants.csv"`.
pub(crate) fn attachment(kind: ExportKind) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{}\"", kind.file_name()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted_and_formulas_neutralised() {
        let mut line = String::new();
        push_line(
            &mut line,
            [
                cell_text(&Cell::Text("plain".into())),
                cell_text(&Cell::Text("a, b".into())),
                cell_text(&Cell::Text("say \"hi\"".into())),
                cell_text(&Cell::Text("two\nlines".into())),
                cell_text(&Cell::Text("=1+1".into())),
                cell_text(&Cell::Text("-5".into())),
                cell_text(&Cell::Money {
                    minor: 9_000_000,
                    digits: 2,
                }),
                cell_text(&Cell::Empty),
            ]
            .into_iter(),
        );
        assert_eq!(
            line,
            "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",'=1+1,'-5,90000.00,\r\n"
        );
    }
}
