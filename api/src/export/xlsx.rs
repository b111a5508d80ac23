//! `GET /export/portfolio.xlsx`: one workbook with a sheet per list (Grants, Reports,
//! Activities, Participation, Outcomes), the same columns as the CSVs, the header row frozen.
//! Cells are typed: dates are dates (`yyyy-mm-dd`), money is a number (two decimals, or none
//! for currencies without minor units) with its currency in the next column, counts are
//! numbers, `countedInTotals` is a boolean, and a value not recorded is an empty cell. Text is
//! stored as text, so a spreadsheet never evaluates it, whatever it starts with.
//!
//! Narrowed like `portfolioSummary` (`schemeId`, `granteeId`, `grantStatus`, `from`, `to`,
//! `activityKind`), so the Participation sheet, summed over `countedInTotals`, gives the
//! dashboard's totals. Rows are read a page at a time and written to the sheets in constant
//! memory (each sheet's rows go to a temporary file); the finished, compressed file is sent
//! whole.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use sea_orm::DatabaseConnection;

use super::access;
use super::csv::attachment;
use super::rows::{Cell, Source};
use super::{ExportKind, error_response};
use crate::error::{Error, Result};
use crate::http::AppState;

const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx_error(err: XlsxError) -> Error {
    Error::internal(err)
}

struct Formats {
    header: Format,
    date: Format,
    time: Format,
    money: [Format; 3],
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            money: [
                Format::new().set_num_format("#,##0"),
                Format::new().set_num_format("#,##0.0"),
                Format::new().set_num_format("#,##0.00"),
            ],
        }
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    col: u16,
    cell: &Cell,
) -> Result<()> {
    let written = match cell {
        Cell::Empty => return Ok(()),
        Cell::Text(text) => sheet.write_string(row, col, text),
        Cell::Int(n) => sheet.write_number(row, col, *n as f64),
        Cell::Money { minor, digits } => {
            let value = *minor as f64 / 10_f64.powi(*digits as i32);
            let format = &formats.money[(*digits as usize).min(2)];
            sheet.write_number_with_format(row, col, value, format)
        }
        Cell::Date(day) => {
            let date =
                ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8)
                    .map_err(xlsx_error)?;
            sheet.write_datetime_with_format(row, col, &date, &formats.date)
        }
        Cell::Time(at) => {
            let time = ExcelDateTime::from_ymd(at.year() as u16, at.month() as u8, at.day() as u8)
                .and_then(|d| d.and_hms(at.hour() as u16, at.minute() as u8, at.second()))
                .map_err(xlsx_error)?;
            sheet.write_datetime_with_format(row, col, &time, &formats.time)
        }
        Cell::Bool(value) => sheet.write_boolean(row, col, *value),
    };
    written.map(|_| ()).map_err(xlsx_error)
}

/// Writes every row of `source` into a new sheet of `workbook`.
async fn write_sheet(
    db: &DatabaseConnection,
    workbook: &mut Workbook,
    formats: &Formats,
    source: &Source,
) -> Result<()> {
    let list = source.list();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(xlsx_error)?;
    sheet.set_name(list.sheet_name()).map_err(xlsx_error)?;
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    for (col, name) in list.header().iter().enumerate() {
        let col = col as u16;
        let width = match *name {
            "title" | "statement" | "narrative" | "activityTitle" | "evidence" | "organisers" => {
                40.0
            }
            _ => 16.0,
        };
        sheet.set_column_width(col, width).map_err(xlsx_error)?;
        sheet
            .write_string_with_format(0, col, *name, &formats.header)
            .map_err(xlsx_error)?;
    }
    let mut next_row: u32 = 1;
    let mut after = None;
    loop {
        let page = source.page(db, after).await?;
        for row in &page.rows {
            for (col, cell) in row.iter().enumerate() {
                write_cell(sheet, formats, next_row, col as u16, cell)?;
            }
            next_row += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

async fn workbook(db: &DatabaseConnection, sources: &[Source]) -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    for source in sources {
        write_sheet(db, &mut workbook, &formats, source).await?;
    }
    web::block(move || workbook.save_to_buffer())
        .await
        .map_err(Error::internal)?
        .map_err(xlsx_error)
}

pub async fn serve(http: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let kind = ExportKind::PortfolioXlsx;
    let authorized = match access::authorize(&http, &state, kind).await {
        Ok(authorized) => authorized,
        Err(refused) => return refused,
    };
    let sources = Source::portfolio(&authorized.actor, &authorized.filters.portfolio());
    match workbook(&state.db, &sources).await {
        Ok(bytes) => HttpResponse::Ok()
            .content_type(CONTENT_TYPE)
            .insert_header(attachment(kind))
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(bytes),
        Err(error) => error_response(&http, &state, &error),
    }
}
