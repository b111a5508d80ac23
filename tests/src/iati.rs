//! The IATI export as a client downloads it, and its validation: against the official IATI
//! 2.03 XML schema with `xmllint` (the schema from the PyPI package `pyiati` 0.4.1, installed
//! by `.ci/run` into `tests/iati/.venv`, or the folder named by `IATI_SCHEMA_DIR`), and
//! against the IATI rules the schema cannot express (`tests/iati/check_rules.py`). Without
//! `xmllint`, the schema or Python the check says `IATI SCHEMA CHECK SKIPPED` in capitals and
//! passes, except under `CI=true`, where it fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::TestApp;

/// One answer of `GET /iati/activities.xml`.
pub struct IatiExport {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl IatiExport {
    /// How many `iati-activity` elements the file holds.
    pub fn activity_count(&self) -> usize {
        self.body.matches("<iati-activity ").count()
    }

    /// The file without the line breaks and indentation between its elements, to look for
    /// markup in (`<a><b/></a>`). Line breaks inside text go too.
    pub fn compact(&self) -> String {
        self.body.lines().map(str::trim_start).collect()
    }

    /// The `iati-identifier`s, in the file's order.
    pub fn identifiers(&self) -> Vec<&str> {
        self.body
            .split("<iati-identifier>")
            .skip(1)
            .filter_map(|rest| rest.split("</iati-identifier>").next())
            .collect()
    }
}

impl TestApp {
    /// `GET /iati/activities.xml?<query>` with `token` as a bearer token.
    pub async fn iati_export(&self, query: &str, token: Option<&str>) -> IatiExport {
        let mut request = self
            .http()
            .get(format!("{}/iati/activities.xml?{query}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.text().await.expect("a complete body");
        IatiExport {
            status,
            content_type,
            body,
        }
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The folder of the IATI 2.03 schemas: `IATI_SCHEMA_DIR`, or pyiati's in `tests/iati/.venv`.
fn schema_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("IATI_SCHEMA_DIR") {
        return Some(PathBuf::from(dir));
    }
    let lib = repo().join("tests/iati/.venv/lib");
    std::fs::read_dir(lib).ok()?.flatten().find_map(|entry| {
        let dir = entry
            .path()
            .join("site-packages/iati/resources/standard/2-03/schemas");
        dir.join("iati-activities-schema.xsd")
            .is_file()
            .then_some(dir)
    })
}

fn python() -> PathBuf {
    let venv = repo().join("tests/iati/.venv/bin/python");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

fn runs(program: &Path, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether the schema check can run here; under `CI=true` a missing piece fails the test.
fn tools() -> Option<PathBuf> {
    let why = if !runs(Path::new("xmllint"), "--version") {
        "xmllint is not installed (Debian: apt-get install libxml2-utils)".to_owned()
    } else if !runs(&python(), "--version") {
        "python3 is not installed".to_owned()
    } else {
        match schema_dir() {
            Some(dir) => return Some(dir),
            None => "the IATI 2.03 schema is missing (python3 -m venv tests/iati/.venv && \
                     tests/iati/.venv/bin/pip install --no-deps -r tests/iati/requirements.txt, \
                     or set IATI_SCHEMA_DIR)"
                .to_owned(),
        }
    };
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "CI=true and the IATI schema check cannot run: {why}. `.ci/run` installs what it needs."
    );
    // Written straight to stderr, past the test harness's output capture.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** IATI SCHEMA CHECK SKIPPED: {why}.\n*** The export was not validated. CI=true makes this a failure.\n"
    );
    None
}

/// Fails the test unless `xml` validates against the IATI 2.03 activities schema and follows
/// the IATI rules the schema cannot express (dates in order, sector percentages adding up to
/// 100, budgets and result periods inside the activity). Returns whether it was checked.
pub fn assert_valid_iati(xml: &str) -> bool {
    let Some(schemas) = tools() else {
        return false;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("activities.xml");
    std::fs::write(&file, xml).unwrap();
    let schema = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schemas.join("iati-activities-schema.xsd"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        schema.status.success(),
        "the export does not validate against the IATI 2.03 schema:\n{}\n--- the file ---\n{}",
        String::from_utf8_lossy(&schema.stderr),
        excerpt(xml)
    );
    let rules = Command::new(python())
        .arg(repo().join("tests/iati/check_rules.py"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        rules.status.success(),
        "the export breaks IATI rules:\n{}{}\n--- the file ---\n{}",
        String::from_utf8_lossy(&rules.stdout),
        String::from_utf8_lossy(&rules.stderr),
        excerpt(xml)
    );
    true
}

fn excerpt(xml: &str) -> &str {
    let end = xml.char_indices().nth(20_000).map_or(xml.len(), |(i, _)| i);
    &xml[..end]
}
