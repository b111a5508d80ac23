//! Stopping, as SIGTERM does (triggered here in process): every request the server has
//! received is answered, and a write that outlives the drain period is rolled back and
//! answered `UNAVAILABLE`, so that the client knows to send it again.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use portfolio_tests::{Backend, TestApp};
use serde_json::json;

async fn every_request_in_flight_is_answered(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.database.max_connections = 25;
        s.shutdown_drain = Duration::from_secs(20);
    })
    .await
    else {
        return;
    };
    let manager = app.manager();
    // The writes wait on a lock the test holds, so that all 20 are in flight at the stop.
    let lock = app.hold_lock("audit_events").await;
    let writes = join_all((0..20).map(|i| {
        app.create_organisation(
            &manager,
            json!({ "name": format!("Organisation {i}"), "kind": "PARTNER" }),
        )
    }));
    let stop = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        app.shut_down().await
    };
    let release = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        lock.rollback().await.unwrap();
    };
    let (writes, stopped, ()) = tokio::join!(writes, stop, release);
    stopped.unwrap();
    for write in writes {
        write.unwrap();
    }
    assert_eq!(app.count("organisations").await, 20);
    let after = app
        .http()
        .get(format!("{}/healthz", app.address))
        .send()
        .await;
    assert!(after.is_err(), "a stopped server takes no new connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_in_flight_when_the_server_stops_is_answered_on_sqlite() {
    every_request_in_flight_is_answered(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_in_flight_when_the_server_stops_is_answered_on_postgres() {
    every_request_in_flight_is_answered(Backend::Postgres).await;
}

async fn a_write_outliving_the_drain_is_rolled_back(backend: Backend) {
    let drain = Duration::from_secs(1);
    let Some(app) = TestApp::spawn_with(backend, |s| s.shutdown_drain = drain).await else {
        return;
    };
    let manager = app.manager();
    let lock = app.hold_lock("audit_events").await;
    let write = app.create_organisation(&manager, json!({ "name": "Held", "kind": "PARTNER" }));
    let stop = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        app.shut_down().await.unwrap();
        started.elapsed()
    };
    let (write, took) = tokio::join!(write, stop);
    lock.rollback().await.unwrap();
    let refused = write.unwrap_err();
    assert_eq!(refused.code, "UNAVAILABLE", "{refused}");
    assert_eq!(
        refused.response["errors"][0]["extensions"]["retryable"],
        true
    );
    assert!(refused.message.contains("nothing was written"), "{refused}");
    assert!(
        took < drain + Duration::from_secs(5),
        "stopped {took:?} after the signal"
    );
    assert_eq!(app.count("organisations").await, 0);
    assert_eq!(app.count("audit_events").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_outlives_the_drain_period_is_rolled_back_and_answered_on_sqlite() {
    a_write_outliving_the_drain_is_rolled_back(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_outlives_the_drain_period_is_rolled_back_and_answered_on_postgres() {
    a_write_outliving_the_drain_is_rolled_back(Backend::Postgres).await;
}
