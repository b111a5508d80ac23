//! The `portfolio-api` binary as a newcomer and an operator meet it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use api::auth::Verifier;
use api::settings::{AuthSettings, JwtKey};

const BIN: &str = env!("CARGO_BIN_EXE_portfolio-api");
const SECRET: &str = "cli-test-secret-0123456789abcdef0123";

fn command() -> Command {
    let mut cmd = Command::new(BIN);
    for var in [
        "DATABASE_URL",
        "JWT_SECRET",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "JWT_PUBLIC_KEY_FILE",
        "APP_ENV",
        "LISTEN_ADDR",
        "LOG_FORMAT",
        "RUST_LOG",
        "SHUTDOWN_DRAIN",
        "DATABASE_ACQUIRE_TIMEOUT",
        "DATABASE_STATEMENT_TIMEOUT",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn schema_graphql_is_what_the_schema_command_prints() {
    let output = command().arg("schema").output().unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).unwrap();
    assert!(
        printed == committed,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
    for name in [
        "portfolioSummary",
        "scalar Date",
        "scalar Decimal",
        "type Money",
        "GrantConnection",
        "input GrantFilter",
    ] {
        assert!(printed.contains(name), "the schema lacks {name}");
    }
}

#[test]
fn the_token_command_prints_only_a_token_the_service_accepts() {
    let org = "0190f1e2-0000-7000-8000-000000000001";
    let output = command()
        .env("JWT_SECRET", SECRET)
        .args([
            "token",
            "--role",
            "grantee",
            "--org",
            org,
            "--ttl",
            "10m",
            "--sub",
            "integration",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.trim_end_matches('\n');
    assert_eq!(
        token.lines().count(),
        1,
        "only the token is printed: {stdout:?}"
    );
    let verifier = Verifier::new(&AuthSettings {
        key: JwtKey::Hmac(SECRET.to_owned().try_into().unwrap()),
        issuer: None,
        audience: None,
    })
    .unwrap();
    let actor = verifier.verify(token).unwrap();
    assert_eq!(actor.sub, "integration");
    assert_eq!(actor.grantee_org().unwrap().to_string(), org);
}

#[test]
fn a_grantee_token_needs_an_organisation() {
    let output = command()
        .args(["token", "--role", "grantee"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--org"));
    assert!(output.stdout.is_empty());
}

#[test]
fn the_token_command_refuses_a_subject_the_service_would_refuse() {
    let output = command()
        .args(["token", "--role", "analyst", "--sub", &"x".repeat(256)])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("255 characters"));
    assert!(output.stdout.is_empty());
}

#[test]
fn production_refuses_to_start_without_a_real_secret() {
    let output = command()
        .env("APP_ENV", "production")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("JWT_SECRET"));
    let output = command()
        .env("APP_ENV", "production")
        .env("JWT_SECRET", "short")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 32 bytes"));
}

/// The secret docker-compose.yml once defaulted to is public: a token forged with it must never
/// be accepted in production, so production does not start with it (nor with any other secret
/// written in the repository).
#[test]
fn production_refuses_a_secret_published_in_the_repository() {
    for secret in api::settings::PUBLISHED_SECRETS {
        let output = command()
            .env("APP_ENV", "production")
            .env("JWT_SECRET", secret)
            .arg("serve")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{secret}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("published in the repository"),
            "{secret}"
        );
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `cargo run` on a fresh machine: an SQLite file in the working folder, migrated, demo-seeded
/// once, and GraphQL served.
#[tokio::test]
async fn with_no_configuration_it_serves_the_demo_grant_from_an_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let token = String::from_utf8(
        command()
            .current_dir(dir.path())
            .args(["token", "--role", "analyst"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for run in 0..2 {
        let port = free_port();
        let mut child = command()
            .current_dir(dir.path())
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let client = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while client.get(format!("{url}/readyz")).send().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let body: serde_json::Value = client
            .post(format!("{url}/graphql"))
            .bearer_auth(token.trim())
            .json(&serde_json::json!({ "query": "{ grants { totalCount edges { node { totalFunding { amount currency } } } } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["data"]["grants"]["totalCount"], 1, "run {run}: {body}");
        assert_eq!(
            body["data"]["grants"]["edges"][0]["node"]["totalFunding"]["amount"],
            "90000.00"
        );
        assert!(dir.path().join("portfolio.sqlite").exists());
        // SIGTERM: a graceful stop.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let stopped = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "graceful shutdown exits 0, got {status}");
                break;
            }
            assert!(
                stopped.elapsed() < Duration::from_secs(30),
                "the server did not stop on SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// `serve` on an SQLite file in `dir`, logging JSON at `info` into `dir/server.log`.
fn serve_logging_json(dir: &std::path::Path, port: u16) -> std::process::Child {
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    command()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("api.sqlite").display()),
        )
        .env("JWT_SECRET", SECRET)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

async fn wait_until_ready(client: &reqwest::Client, url: &str) {
    let started = Instant::now();
    while client.get(format!("{url}/readyz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM and waits for the process to end.
async fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let stopped = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(60),
            "the server did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn analyst_token() -> String {
    let signer = api::auth::Signer::new(&AuthSettings {
        key: JwtKey::Hmac(SECRET.to_owned().try_into().unwrap()),
        issuer: None,
        audience: None,
    })
    .unwrap();
    signer
        .sign(
            "analyst",
            entity::enums::Role::Analyst,
            None,
            Duration::from_secs(600),
        )
        .unwrap()
}

/// A token sent in a query string is refused, and must not be kept in the log either.
#[tokio::test]
async fn a_token_in_a_query_string_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = serve_logging_json(dir.path(), port);
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}");
    wait_until_ready(&client, &url).await;
    let token = analyst_token();
    let query = serde_json::json!({ "query": "{ me { sub } }" });
    let refused = client
        .post(format!("{url}/graphql?access_token={token}"))
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let answered = client
        .post(format!("{url}/graphql?token={token}"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": "{ nope }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200);
    let named = client
        .post(format!("{url}/graphql"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": "query WhoAmI { me { sub } }" }))
        .send()
        .await
        .unwrap();
    let request_id = named.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(terminate(&mut child).await.success());
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    // One access line per request: method, path, status, duration, operation, role, request id.
    let access: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["target"] == "access")
        .collect();
    let line = access
        .iter()
        .find(|l| l["request_id"] == request_id.as_str())
        .unwrap_or_else(|| panic!("no access line for {request_id}: {log}"));
    assert_eq!(
        (
            &line["method"],
            &line["path"],
            &line["status"],
            &line["operation"],
            &line["role"]
        ),
        (
            &"POST".into(),
            &"/graphql".into(),
            &200.into(),
            &"WhoAmI".into(),
            &"ANALYST".into()
        )
    );
    assert!(line["duration_ms"].as_f64().unwrap() > 0.0);
    assert!(
        access
            .iter()
            .any(|l| l["status"] == 401 && l["role"] == "-"),
        "a refused request has its line too, without a role: {log}"
    );
    assert!(
        log.contains("request refused: not authenticated") && log.contains("/graphql"),
        "the refusal is logged with its path: {log}"
    );
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !log.contains(signature),
        "the token was written to the log: {log}"
    );
    assert!(!log.contains("access_token"), "{log}");
}

/// A database password never reaches the output, whatever the driver says about the URL.
#[test]
fn a_database_password_never_reaches_the_log() {
    for url in [
        "mysql://portfolio:hunter2-db-password@127.0.0.1:1/portfolio",
        "postgres://portfolio:hunter2-db-password@[bad/portfolio",
        "postgres://portfolio:hunter2-db-password@127.0.0.1:1/portfolio",
    ] {
        for format in ["text", "json"] {
            let output = command()
                .env("DATABASE_URL", url)
                .env("DATABASE_ACQUIRE_TIMEOUT", "500ms")
                .env("LOG_FORMAT", format)
                .arg("migrate")
                .output()
                .unwrap();
            assert!(!output.status.success(), "{url}");
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                printed.contains("database") || printed.contains("migrating"),
                "{printed}"
            );
            assert!(!printed.contains("hunter2"), "{url} ({format}): {printed}");
        }
    }
}

/// SIGTERM with a write held past the drain period (the test holds SQLite's write lock): the
/// write is rolled back and answered UNAVAILABLE, the process exits 0, and with
/// LOG_FORMAT=json every line it wrote is JSON (no plain-text panic).
#[tokio::test]
async fn sigterm_rolls_back_a_write_that_outlives_the_drain_and_exits_cleanly() {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("api.sqlite").display()
    );
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut child = command()
        .env("DATABASE_URL", &database)
        .env("JWT_SECRET", SECRET)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("SHUTDOWN_DRAIN", "1s")
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}");
    wait_until_ready(&client, &url).await;
    let manager = api::auth::Signer::new(&AuthSettings {
        key: JwtKey::Hmac(SECRET.to_owned().try_into().unwrap()),
        issuer: None,
        audience: None,
    })
    .unwrap()
    .sign(
        "manager",
        entity::enums::Role::SchemeManager,
        None,
        Duration::from_secs(600),
    )
    .unwrap();
    let conn = sea_orm::Database::connect(database.as_str()).await.unwrap();
    let lock = conn
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
        .unwrap();
    let write = client
        .post(format!("{url}/graphql"))
        .bearer_auth(&manager)
        .json(&serde_json::json!({
            "query": "mutation { createOrganisation(input: { name: \"Held\", kind: PARTNER }) { id } }"
        }))
        .send();
    let stop = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let status = terminate(&mut child).await;
        (status, started.elapsed())
    };
    let (write, (status, took)) = tokio::join!(write, stop);
    lock.rollback().await.unwrap();
    let body: serde_json::Value = write.unwrap().json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["retryable"], true);
    assert!(status.success(), "exit 0 after a drain, got {status}");
    assert!(took < Duration::from_secs(8), "stopped after {took:?}");
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    for line in log.lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "a line that is not JSON: {line}"
        );
    }
    assert!(log.contains("drain period over"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}
