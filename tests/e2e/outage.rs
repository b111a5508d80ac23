//! What clients see when the database is down or slow: a fast, honest `UNAVAILABLE` they may
//! retry, a readiness probe that answers in time, and a service that recovers by itself. An
//! outage is played with a proxy in front of PostgreSQL (the shared server keeps running);
//! SQLite is a file in the process and has no outage of this kind.

use std::time::{Duration, Instant};

use portfolio_tests::{GqlError, TestApp, error_code};
use serde_json::{Value, json};

const SCHEMES: &str = "{ schemes { id } }";

/// An error that tells the client the database is unreachable and the request may be retried.
fn assert_unreachable(response: &Value) {
    let error = GqlError::of(response).unwrap_or_else(|| panic!("an error: {response}"));
    assert_eq!(error.code, "UNAVAILABLE", "{error}");
    assert_eq!(
        response["errors"][0]["extensions"]["retryable"], true,
        "{response}"
    );
    assert!(error.message.contains("unreachable"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_down_requests_fail_fast_and_say_so_and_recover_when_it_returns() {
    let Some((app, proxy)) = TestApp::spawn_behind_proxy(|_| {}).await else {
        return;
    };
    app.data(SCHEMES, json!({}), &app.analyst()).await;
    proxy.cut();

    let started = Instant::now();
    let ready = app
        .http()
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "/readyz answers within a second, took {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let response = app.graphql(SCHEMES, json!({}), Some(&app.analyst())).await;
    assert_unreachable(&response);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "a request fails within the 2 s acquire timeout, took {:?}",
        started.elapsed()
    );

    proxy.restore().await;
    let restored = Instant::now();
    loop {
        let ready = app
            .http()
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap();
        if ready.status() == 200 {
            break;
        }
        assert!(
            restored.elapsed() < Duration::from_secs(1),
            "the service recovers by itself once the database is back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.data(SCHEMES, json!({}), &app.analyst()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_cut_off_by_an_outage_are_unavailable_not_internal() {
    let Some((app, proxy)) = TestApp::spawn_behind_proxy(|_| {}).await else {
        return;
    };
    let manager = app.manager();
    app.data(SCHEMES, json!({}), &manager).await;
    // Both statements wait on locks held by the test, then lose their connection.
    let lock = app.hold_lock("schemes, audit_events").await;
    let read = app.graphql(SCHEMES, json!({}), Some(&manager));
    let write = app.create_organisation(&manager, json!({ "name": "Cut off", "kind": "PARTNER" }));
    let cut = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        proxy.cut();
    };
    let (read, write, ()) = tokio::join!(read, write, cut);
    lock.rollback().await.unwrap();
    assert_unreachable(&read);
    assert_unreachable(&write.unwrap_err().response);
    proxy.restore().await;
    assert_eq!(app.count("organisations").await, 0, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_that_runs_past_the_statement_timeout_is_cancelled() {
    let Some(app) = TestApp::spawn_with(portfolio_tests::Backend::Postgres, |s| {
        s.database.statement_timeout = Some(Duration::from_secs(1));
    })
    .await
    else {
        return;
    };
    let lock = app.hold_lock("schemes").await;
    let started = Instant::now();
    let response = app.graphql(SCHEMES, json!({}), Some(&app.analyst())).await;
    let waited = started.elapsed();
    lock.rollback().await.unwrap();
    assert_eq!(error_code(&response), Some("UNAVAILABLE"), "{response}");
    assert_eq!(response["errors"][0]["extensions"]["retryable"], true);
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too long"),
        "{response}"
    );
    assert!(
        waited < Duration::from_secs(3),
        "cancelled after about a second, took {waited:?}"
    );
}
