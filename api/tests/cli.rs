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
        "DATABASE_MAX_CONNECTIONS",
        "AUTO_MIGRATE",
        "HTTP_WORKERS",
        "IDEMPOTENCY_RETENTION",
        "RATE_LIMIT_BURST",
        "RATE_LIMIT_PER_SECOND",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn help(args: &[&str]) -> String {
    let output = command().args(args).arg("--help").output().unwrap();
    assert!(output.status.success(), "{args:?} --help");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn each_command_lists_only_the_settings_it_reads() {
    let serve = help(&["serve"]);
    for setting in [
        "DATABASE_URL",
        "DATABASE_STATEMENT_TIMEOUT",
        "AUTO_MIGRATE",
        "LISTEN_ADDR",
        "RATE_LIMIT_BURST",
        "RATE_LIMIT_PER_SECOND",
        "SHUTDOWN_DRAIN",
        "IDEMPOTENCY_RETENTION",
        "JWT_SECRET",
        "JWT_PUBLIC_KEY_FILE",
        "APP_ENV",
        "LOG_FORMAT",
        "RUST_LOG",
    ] {
        assert!(
            serve.contains(setting),
            "serve --help lacks {setting}:\n{serve}"
        );
    }
    assert!(
        help(&[]).contains("serve --help"),
        "the top-level help says where the server's settings are"
    );

    let token = help(&["token"]);
    for setting in [
        "JWT_SECRET",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "APP_ENV",
        "--role",
        "--ttl",
    ] {
        assert!(
            token.contains(setting),
            "token --help lacks {setting}:\n{token}"
        );
    }
    for unused in [
        "DATABASE_URL",
        "DATABASE_",
        "RATE_LIMIT",
        "SHUTDOWN_DRAIN",
        "LISTEN_ADDR",
        "AUTO_MIGRATE",
        "LOG_FORMAT",
    ] {
        assert!(
            !token.contains(unused),
            "token --help lists {unused}:\n{token}"
        );
    }

    let migrate = help(&["migrate"]);
    for setting in [
        "DATABASE_URL",
        "DATABASE_ACQUIRE_TIMEOUT",
        "LOG_FORMAT",
        "RUST_LOG",
    ] {
        assert!(
            migrate.contains(setting),
            "migrate --help lacks {setting}:\n{migrate}"
        );
    }
    for unused in [
        "JWT_",
        "APP_ENV",
        "LISTEN_ADDR",
        "RATE_LIMIT",
        "SHUTDOWN_DRAIN",
    ] {
        assert!(
            !migrate.contains(unused),
            "migrate --help lists {unused}:\n{migrate}"
        );
    }

    let schema = help(&["schema"]);
    assert!(!schema.contains("env:"), "{schema}");
    let flags: Vec<&str> = schema
        .split_whitespace()
        .filter(|word| word.starts_with("--"))
        .collect();
    assert_eq!(
        flags,
        ["--help"],
        "schema takes no configuration:\n{schema}"
    );
}

#[test]
fn the_seed_help_says_what_demo_loads_and_that_loading_it_twice_is_harmless() {
    let seed = help(&["seed"]);
    for said in [
        "--demo",
        "DFAT",
        "AUD 90,000.00",
        "completion report",
        "activities",
        "outcomes",
        "corrections",
        "idempotent",
        "keeps one grant",
        "Without --demo, `seed` loads nothing",
        "DATABASE_URL",
        "AUTO_MIGRATE",
    ] {
        assert!(seed.contains(said), "seed --help lacks {said:?}:\n{seed}");
    }
    assert!(
        !seed.contains("JWT_") && !seed.contains("LISTEN_ADDR"),
        "{seed}"
    );
}

#[test]
fn seed_without_demo_loads_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = command()
        .current_dir(dir.path())
        .arg("seed")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("nothing loaded") && stderr.contains("--demo"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no database was created"
    );
}

/// A command does not read, and so cannot trip over, a setting of another command: an operator
/// signs a token or migrates in the server's environment.
#[test]
fn a_command_ignores_the_settings_it_does_not_read() {
    let output = command()
        .env("JWT_SECRET", SECRET)
        .env("LISTEN_ADDR", "not an address")
        .env("DATABASE_URL", "postgres://nowhere.invalid/db")
        .env("DATABASE_ACQUIRE_TIMEOUT", "0s")
        .env("RATE_LIMIT_BURST", "lots")
        .env("LOG_FORMAT", "xml")
        .args(["token", "--role", "analyst"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 1);

    // Migrating needs no JWT secret, even in production.
    let dir = tempfile::tempdir().unwrap();
    let output = command()
        .env("APP_ENV", "production")
        .env("LISTEN_ADDR", "not an address")
        .env("SHUTDOWN_DRAIN", "forever")
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("api.sqlite").display()
            ),
        )
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("api.sqlite").exists());
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
        // `serve`, then no command at all (what `cargo run` does), with a flag of the server's.
        let args: &[&str] = if run == 0 {
            &["serve"]
        } else {
            &["--http-workers", "1"]
        };
        let mut child = command()
            .current_dir(dir.path())
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .args(args)
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

/// `serve`, `migrate` and `seed` pointed at a PostgreSQL that is not there say where they
/// looked (host and port, the URL with its password as `***`) and exit 1.
#[test]
fn an_unreachable_database_is_named_by_its_host_and_port_never_by_its_password() {
    // Free a moment ago: nothing listens there.
    let port = free_port();
    let url = format!("postgres://postgres:hunter2-db-password@127.0.0.1:{port}/portfolio");
    for (args, auto_migrate) in [
        (&["migrate"][..], "true"),
        (&["seed", "--demo"], "true"),
        (&["seed", "--demo"], "false"),
        (&["serve"], "true"),
        (&["serve"], "false"),
    ] {
        let output = command()
            .env("DATABASE_URL", &url)
            .env("DATABASE_ACQUIRE_TIMEOUT", "300ms")
            .env("AUTO_MIGRATE", auto_migrate)
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        let expected = format!(
            "portfolio-api: cannot reach the database at 127.0.0.1:{port} (connection refused); \
             is PostgreSQL running? (DATABASE_URL=postgres://postgres:***@127.0.0.1:{port}/portfolio)"
        );
        assert!(
            stderr.contains(&expected),
            "{args:?} (AUTO_MIGRATE={auto_migrate}): {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn an_sqlite_file_that_cannot_be_opened_is_named_by_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("api.sqlite");
    let output = command()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", path.display()),
        )
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot open the SQLite database {}",
            path.display()
        )),
        "{stderr}"
    );
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

/// `rebuild-totals --check` compares the totals kept per activity and per grantee with a
/// recomputation; `rebuild-totals` mends them.
#[tokio::test]
async fn rebuild_totals_finds_and_mends_totals_that_drifted() {
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.sqlite").display()
    );
    let run = |args: &[&str]| {
        command()
            .env("DATABASE_URL", &url)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["seed", "--demo"]).status.success());
    assert!(run(&["rebuild-totals", "--check"]).status.success());
    let db = sea_orm::Database::connect(url.as_str()).await.unwrap();
    db.execute_unprepared("UPDATE activity_totals SET total = total + 1")
        .await
        .unwrap();
    db.close().await.unwrap();
    let drifted = run(&["rebuild-totals", "--check"]);
    assert!(!drifted.status.success());
    // The demo's four activities, and the grantee's three totals by kind over them.
    let said = String::from_utf8_lossy(&drifted.stderr);
    assert!(said.contains("7 differences"), "{said}");
    assert_eq!(said.matches("grantee_kind_totals").count(), 3, "{said}");
    assert!(run(&["rebuild-totals"]).status.success());
    assert!(run(&["rebuild-totals", "--check"]).status.success());
}

/// Logs written to a file or a pipe carry no colour codes: a log collector stores text.
#[test]
fn text_logs_carry_no_colour_codes_when_not_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let output = command()
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("m.sqlite").display()
            ),
        )
        .env("LOG_FORMAT", "text")
        .env("RUST_LOG", "info")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("migrations applied"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a piped log: {log:?}"
    );
}
