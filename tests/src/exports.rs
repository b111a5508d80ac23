//! Downloading exports (`/export/*.csv`, `/export/portfolio.xlsx`) as a client does, and reading
//! them back with independent parsers: the `csv` crate (RFC 4180) and `calamine` (xlsx).

use std::collections::HashMap;
use std::io::Cursor;

use serde_json::Value;

use crate::TestApp;

/// One export's answer.
#[derive(Debug)]
pub struct Download {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Download {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("the export is UTF-8")
    }

    /// The body as JSON (an error answer).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }

    /// `extensions.code` and `extensions.field` of an error answer.
    pub fn error(&self) -> (String, Option<String>) {
        let json = self.json();
        let extensions = &json["errors"][0]["extensions"];
        (
            extensions["code"].as_str().unwrap_or_default().to_owned(),
            extensions["field"].as_str().map(str::to_owned),
        )
    }

    /// The CSV's header and rows, parsed by an RFC 4180 reader.
    pub fn csv(&self) -> Csv {
        assert_eq!(self.status, 200, "export refused: {}", self.text());
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(self.body.as_slice());
        let header: Vec<String> = reader
            .headers()
            .expect("a header row")
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|record| {
                let record = record.expect("every record parses");
                assert_eq!(record.len(), header.len(), "a record of another width");
                header
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_owned))
                    .collect()
            })
            .collect();
        Csv { header, rows }
    }

    /// The workbook, read back.
    pub fn workbook(&self) -> calamine::Xlsx<Cursor<Vec<u8>>> {
        assert_eq!(self.status, 200, "export refused: {}", self.text());
        calamine::open_workbook_from_rs(Cursor::new(self.body.clone())).expect("an xlsx file")
    }

    /// One part of the xlsx package (a zip), e.g. `xl/worksheets/sheet1.xml`, as text.
    pub fn xlsx_part(&self, name: &str) -> String {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(Cursor::new(self.body.clone())).unwrap();
        let mut part = archive.by_name(name).unwrap();
        let mut text = String::new();
        part.read_to_string(&mut text).unwrap();
        text
    }
}

/// A CSV export: its column names and each row by column name.
#[derive(Debug)]
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<HashMap<String, String>>,
}

impl Csv {
    /// The values of one column, in order.
    pub fn column(&self, name: &str) -> Vec<&str> {
        self.rows
            .iter()
            .map(|row| {
                row.get(name)
                    .map(String::as_str)
                    .unwrap_or_else(|| panic!("no column {name}"))
            })
            .collect()
    }

    /// The sum of a count column over the rows `keep` keeps, an empty cell counting 0, as a
    /// spreadsheet's SUMIF does.
    pub fn sum(&self, column: &str, keep: impl Fn(&HashMap<String, String>) -> bool) -> i64 {
        self.rows
            .iter()
            .filter(|row| keep(row))
            .map(|row| {
                let cell = &row[column];
                if cell.is_empty() {
                    0
                } else {
                    cell.parse::<i64>().unwrap()
                }
            })
            .sum()
    }
}

impl TestApp {
    /// GETs `path` (with its query) with `token` in the `Authorization` header, if any.
    pub async fn download(&self, path: &str, token: Option<&str>) -> Download {
        let mut request = self.http().get(format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("the whole body").to_vec();
        Download {
            status,
            headers,
            body,
        }
    }
}
