//! GraphiQL as a browser meets it. The page and its assets come from the service alone, with a
//! Content-Security-Policy that keeps it so; and in a real browser (Debian's Chromium, driven
//! by `tests/browser/graphiql.mjs`) an analyst pastes a token, browses the docs, runs a query
//! and is told plainly when the token is missing or has expired.
//!
//! The browser half needs `node`, `npm ci` in `tests/browser` and Chromium (`/usr/bin/chromium`,
//! or `CHROMIUM`). Without them it says so in capitals (`BROWSER TEST SKIPPED`) and passes;
//! under `CI=true` it fails instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use portfolio_tests::{on_one_database, token};
use serde_json::json;

/// The whole browser script, every wait in it included, finishes well within this.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(240);

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Why the browser test cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    let node = std::process::Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|status| status.success()) {
        return Some("`node` is not on the PATH".into());
    }
    let playwright = browser_dir().join("node_modules/playwright-core/package.json");
    if !playwright.is_file() {
        return Some(format!(
            "{} is missing: run `npm ci` in tests/browser",
            playwright.display()
        ));
    }
    let chromium = chromium();
    if !chromium.is_file() {
        return Some(format!(
            "no Chromium at {} (apt-get install chromium, or set CHROMIUM)",
            chromium.display()
        ));
    }
    None
}

/// Whether the browser test may run: under `CI=true` a missing prerequisite fails the test.
fn browser_available() -> bool {
    let Some(why) = missing_prerequisite() else {
        return true;
    };
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "CI=true and the GraphiQL browser test cannot run: {why}"
    );
    // Written straight to stderr, past the test harness's output capture.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** BROWSER TEST SKIPPED: {why}.\n*** GraphiQL was not tried in a browser. CI=true makes this a failure.\n"
    );
    false
}

on_one_database! {
    async fn the_graphiql_page_and_its_assets_come_from_the_service_alone(app) {
        let page = app.http().get(format!("{}/graphql", app.address))
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
        for directive in ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:", "font-src 'self' data:"] {
            assert!(policy.contains(directive), "{directive} missing from {policy}");
        }
        let html = page.text().await.unwrap();
        assert!(html.contains("<title>Scheme Portfolio API</title>"), "{html}");
        assert!(!html.contains("https://") && !html.contains("http://"), "the page names another site: {html}");

        for (asset, content_type) in [("graphiql.js", "text/javascript; charset=utf-8"), ("graphiql.css", "text/css; charset=utf-8")] {
            assert!(html.contains(&format!("/graphiql/{asset}")), "the page does not load {asset}");
            let url = format!("{}/graphiql/{asset}", app.address);
            let response = app.http().get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{asset}");
            assert_eq!(response.headers()["content-type"], content_type);
            let etag = response.headers()["etag"].clone();
            assert!(response.bytes().await.unwrap().len() > 10_000, "{asset} is nearly empty");
            let again = app.http().get(&url).header("If-None-Match", etag).send().await.unwrap();
            assert_eq!(again.status(), 304, "{asset} is sent again although the browser has it");
        }
        let unknown = app.http().get(format!("{}/graphiql/other.js", app.address)).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
    }

    async fn an_analyst_uses_graphiql_in_a_real_browser_with_nothing_from_the_internet(app) {
        if !browser_available() {
            return;
        }
        let now = chrono::Utc::now().timestamp();
        let expired = token(json!({
            "sub": "analyst@dfat", "role": "analyst", "iat": now - 7200, "exp": now - 3600,
        }));
        let mut script = tokio::process::Command::new("node");
        script
            .arg("graphiql.mjs")
            .arg(&app.address)
            .arg(app.analyst())
            .arg(expired)
            .current_dir(browser_dir())
            .env("CHROMIUM", chromium())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(SCRIPT_TIMEOUT, script.output())
            .await
            .unwrap_or_else(|_| panic!("the browser script ran longer than {SCRIPT_TIMEOUT:?}"))
            .expect("node starts");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        println!("{stdout}{stderr}");
        assert!(output.status.success(), "the browser script failed ({}):\n{stdout}{stderr}", output.status);
        assert!(stdout.contains("GRAPHIQL BROWSER TEST PASSED"), "{stdout}");
    }
}
