//! This service beside PostGraphile 4 on the same PostgreSQL database, and both beside the floor
//! one hand-written SQL statement sets. For each size: a fresh database, migrated with the
//! service's migrations and loaded straight into the tables (`generate`); the release binary of
//! the service and PostGraphile (`bench/postgraphile`, installed with `npm ci`) started on it;
//! each of the four queries asked of both and of PostgreSQL directly, the three answers brought
//! into one shape and compared field by field (any difference stops the run); then throughput
//! at 1 and 16 clients, the two services measured in alternating rounds, single-client latency,
//! the SQL floor with `pgbench`, and the resident memory of both processes.
//!
//! cargo build --release -p api -p portfolio-bench
//! ./target/release/portfolio-bench compare [--sizes 500,5000,50000] [--seconds 20]
//!     [--round-seconds 2] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
//!     [--api-bin target/release/portfolio-api] [--postgraphile-dir bench/postgraphile]
//!
//! `PORTFOLIO_API_BIN` names the service's binary too; by default it is the `portfolio-api`
//! beside this one. The service otherwise runs with its defaults, and its settings set in the
//! environment reach it (`DATABASE_MAX_CONNECTIONS`, `DATABASE_ACQUIRE_TIMEOUT`,
//! `HTTP_WORKERS`, ...); `POOL_SIZE` reaches PostGraphile (both pools hold 10 connections by
//! default). Answers refused under load (an error with a code) are counted and shown beside
//! the figures, which count only right answers; a wrong answer stops the run.

mod generate;
mod harness;
mod measure;
mod queries;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use harness::{Child, Database};
use measure::{Floor, Tally, Target};
use queries::{QUERIES, Query};

pub struct Args {
    sizes: Vec<usize>,
    seconds: u64,
    round_seconds: f64,
    database_url: String,
    api_bin: PathBuf,
    postgraphile_dir: PathBuf,
}

pub fn args(argv: &[String]) -> Args {
    let beside_us = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("portfolio-api")))
        .unwrap_or_else(|| PathBuf::from("portfolio-api"));
    let mut args = Args {
        sizes: vec![500, 5000, 50000],
        seconds: 20,
        round_seconds: 2.0,
        database_url: std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        api_bin: std::env::var_os("PORTFOLIO_API_BIN").map_or(beside_us, PathBuf::from),
        postgraphile_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("postgraphile"),
    };
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let value = it.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "--sizes" => {
                args.sizes = value
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse().expect("--sizes 500,5000"))
                    .collect()
            }
            "--seconds" => args.seconds = value.parse().expect("--seconds 20"),
            "--round-seconds" => args.round_seconds = value.parse().expect("--round-seconds 2"),
            "--database-url" => args.database_url = value,
            "--api-bin" => args.api_bin = PathBuf::from(value),
            "--postgraphile-dir" => args.postgraphile_dir = PathBuf::from(value),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(args.seconds > 0 && args.round_seconds > 0.0 && !args.sizes.is_empty());
    args
}

const CLIENTS: [usize; 2] = [1, 16];
const SERVICE: usize = 0;
const POSTGRAPHILE: usize = 1;
const NAMES: [&str; 2] = ["this service", "PostGraphile"];

/// What one query measured at one size.
#[derive(Default)]
struct QueryResult {
    /// SQL statements one request runs, from the service's own counter.
    statements: u64,
    /// [service][clients index]
    http: [[Tally; 2]; 2],
    /// [clients index]
    floor: Vec<Floor>,
    answer_bytes: [usize; 2],
}

#[derive(Default)]
struct SizeResult {
    grants: usize,
    loaded: generate::Loaded,
    queries: Vec<(&'static str, QueryResult)>,
    /// [service]: idle, peak under 16 clients, after, high-water mark
    memory: [[f64; 4]; 2],
    seconds: f64,
}

fn check_tools(args: &Args) {
    for (tool, why) in [
        ("psql", "creates and drops the databases"),
        ("pgbench", "measures the SQL floor"),
        ("node", "runs PostGraphile"),
    ] {
        let found = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} is needed ({why}); on Debian: apt-get install postgresql-client nodejs npm"
        );
    }
    assert!(
        args.api_bin.is_file(),
        "the service's binary is not at {}: build it with `cargo build --release -p api` (same target folder), or name it with PORTFOLIO_API_BIN",
        args.api_bin.display()
    );
    if !args
        .postgraphile_dir
        .join("node_modules/.package-lock.json")
        .is_file()
    {
        eprintln!(
            "installing PostGraphile: npm ci in {}",
            args.postgraphile_dir.display()
        );
        harness::run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&args.postgraphile_dir),
        );
    }
}

fn version(command: &mut Command) -> String {
    command
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

pub async fn run(args: Args) {
    check_tools(&args);
    let admin = sea_orm::Database::connect(args.database_url.as_str())
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is needed: {e}", args.database_url));
    harness::drop_abandoned(&admin).await;
    let server = admin
        .query_one_raw(Statement::from_string(
            admin.get_database_backend(),
            "SHOW server_version",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    let postgraphile: Value = std::fs::read_to_string(
        args.postgraphile_dir
            .join("node_modules/postgraphile/package.json"),
    )
    .ok()
    .and_then(|text| serde_json::from_str(&text).ok())
    .unwrap_or_default();
    println!(
        "PostgreSQL {server}; PostGraphile {} on node {}; {}; {} cores; {} s per service, query and client count, in rounds of {} s\n",
        postgraphile["version"].as_str().unwrap_or("?"),
        version(Command::new("node").arg("--version")),
        version(Command::new("pgbench").arg("--version")),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.seconds,
        args.round_seconds,
    );
    let work = work_dir();
    let mut results = Vec::new();
    for &size in &args.sizes {
        let result = one_size(&args, &admin, size, &work.0).await;
        results.push(result);
    }
    println!("{}", ratio_table(&results));
    println!("{}", memory_table(&results));
}

/// A work folder for logs and pgbench scripts, removed when this goes.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn work_dir() -> WorkDir {
    let dir = std::env::temp_dir().join(format!(
        "portfolio-compare-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("a work folder");
    WorkDir(dir)
}

/// The environment the service runs with: the database, a fresh secret, no rate limit (this
/// measures request cost, not policy), warnings only.
fn service_env(command: &mut Command, database_url: &str, secret: &str, listen: &str) {
    command
        .env("DATABASE_URL", database_url)
        .env("JWT_SECRET", secret)
        .env("LISTEN_ADDR", listen)
        .env("RATE_LIMIT_PER_SECOND", "0")
        .env("AUTO_MIGRATE", "false")
        .env("SHUTDOWN_DRAIN", "2s")
        .env("RUST_LOG", "warn")
        .env("LOG_FORMAT", "text")
        .env_remove("APP_ENV");
}

async fn wait_until_ready(child: &mut Child, check: impl AsyncFn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        child.ensure_running();
        if check().await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not become ready in 120 s; the end of its log:\n{}",
            child.name,
            child.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `portfolio_db_statements_total` from the service's `/metrics`.
async fn statements_so_far(http: &reqwest::Client, base: &str, token: &str) -> u64 {
    let text = http
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .expect("/metrics answers")
        .text()
        .await
        .expect("/metrics is text");
    text.lines()
        .find_map(|l| l.strip_prefix("portfolio_db_statements_total "))
        .and_then(|n| n.trim().parse::<f64>().ok())
        .map(|n| n as u64)
        .expect("portfolio_db_statements_total is in /metrics")
}

/// The answer of one SQL statement, as JSON.
async fn sql_answer(db: &DatabaseConnection, sql: &str) -> Value {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("the SQL floor statement fails: {e}\n{sql}"))
        .expect("the SQL floor statement returns a row");
    row.try_get_by_index::<Value>(0)
        .expect("the SQL floor statement returns JSON")
}

/// Stops the run, with the three answers written beside its logs, when two differ.
fn assert_same(query: &Query, answers: &[(&str, Value)]) {
    let (reference_name, reference) = &answers[0];
    for (name, answer) in &answers[1..] {
        if let Some(difference) = queries::first_difference(reference, answer, "") {
            let kept = std::env::temp_dir().join(format!("portfolio-compare-{}", query.key));
            let _ = std::fs::create_dir_all(&kept);
            for (n, a) in answers {
                let file = kept.join(format!("{}.json", n.replace(' ', "-")));
                let _ = std::fs::write(&file, serde_json::to_string_pretty(a).unwrap_or_default());
            }
            panic!(
                "{}: {reference_name} and {name} answer differently at {difference} (the normalised answers are in {})",
                query.name,
                kept.display()
            );
        }
    }
}

async fn one_size(args: &Args, admin: &DatabaseConnection, size: usize, work: &Path) -> SizeResult {
    let started = Instant::now();
    let mut result = SizeResult {
        grants: size,
        ..SizeResult::default()
    };
    let database = Database::create(admin, &args.database_url).await;
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut migrate = Command::new(&args.api_bin);
    migrate.arg("migrate");
    service_env(&mut migrate, &database.url, &secret, "127.0.0.1:0");
    harness::run(&mut migrate);
    let db = sea_orm::Database::connect(database.url.as_str())
        .await
        .expect("the comparison database is reachable");
    result.loaded = generate::load(&db, size).await;
    let loaded = &result.loaded;
    db.execute_unprepared(include_str!("../../postgraphile/schema.sql"))
        .await
        .expect("PostGraphile's summary functions are created");
    eprintln!(
        "{size} grants: {} rows ({} grantees, {} reports, {} activities, {} participation rows, {} outcomes) loaded in {:.1} s",
        loaded.rows,
        loaded.grantees,
        loaded.reports,
        loaded.activities,
        loaded.participation,
        loaded.outcomes,
        loaded.seconds
    );

    // Both services on the same database.
    let port = harness::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut serve = Command::new(&args.api_bin);
    serve.arg("serve");
    service_env(
        &mut serve,
        &database.url,
        &secret,
        &format!("127.0.0.1:{port}"),
    );
    let mut ours = Child::spawn(
        "portfolio-api",
        &mut serve,
        &work.join(format!("api-{size}.log")),
    );
    let mut token_command = Command::new(&args.api_bin);
    token_command.args([
        "token", "--role", "analyst", "--ttl", "24h", "--sub", "bench",
    ]);
    service_env(&mut token_command, &database.url, &secret, "127.0.0.1:0");
    let token = harness::run(&mut token_command).trim().to_owned();
    let pg_port = harness::free_port();
    let mut node = Command::new("node");
    node.arg(args.postgraphile_dir.join("server.js"))
        .env("DATABASE_URL", &database.url)
        .env("PORT", pg_port.to_string())
        .env("NODE_ENV", "production");
    let mut postgraphile = Child::spawn(
        "PostGraphile",
        &mut node,
        &work.join(format!("postgraphile-{size}.log")),
    );
    let probe = reqwest::Client::new();
    wait_until_ready(&mut ours, async || {
        probe
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    let pg_url = format!("http://127.0.0.1:{pg_port}/graphql");
    wait_until_ready(&mut postgraphile, async || {
        probe
            .post(&pg_url)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    let pids = [ours.pid(), postgraphile.pid()];
    for (s, pid) in pids.iter().enumerate() {
        result.memory[s][0] = harness::memory_mib(*pid, "VmRSS").unwrap_or(f64::NAN);
    }
    let targets = [
        Arc::new(Target::new(
            NAMES[SERVICE],
            format!("{base}/graphql"),
            Some(token.clone()),
        )),
        Arc::new(Target::new(NAMES[POSTGRAPHILE], pg_url, None)),
    ];

    // The same answer from all three, field by field.
    for query in &QUERIES {
        let variables = query.variables(loaded.sample_grant);
        let (ours_data, ours_len) = targets[SERVICE].data(query.ours, &variables).await;
        let (pg_data, pg_len) = targets[POSTGRAPHILE]
            .data(query.postgraphile, &variables)
            .await;
        let floor = sql_answer(&db, &query.sql(loaded.sample_grant)).await;
        assert_same(
            query,
            &[
                ("SQL", floor),
                (NAMES[SERVICE], (query.normalise_ours)(&ours_data)),
                (
                    NAMES[POSTGRAPHILE],
                    (query.normalise_postgraphile)(&pg_data),
                ),
            ],
        );
        let mut statements = u64::MAX;
        for _ in 0..3 {
            let before = statements_so_far(&probe, &base, &token).await;
            targets[SERVICE].data(query.ours, &variables).await;
            let after = statements_so_far(&probe, &base, &token).await;
            statements = statements.min(after - before);
        }
        result.queries.push((
            query.key,
            QueryResult {
                statements,
                answer_bytes: [ours_len, pg_len],
                ..QueryResult::default()
            },
        ));
    }
    eprintln!("{size} grants: the three answers agree on all four queries");

    // Throughput and latency, the two services in alternating rounds.
    let rounds = ((args.seconds as f64 / args.round_seconds).ceil() as usize).max(1);
    let round = args.seconds as f64 / rounds as f64;
    let mut peaks = [0.0_f64; 2];
    for (query, (_, measured)) in QUERIES.iter().zip(result.queries.iter_mut()) {
        let variables = query.variables(loaded.sample_grant);
        let bodies = [
            Arc::new(
                serde_json::to_vec(&json!({ "query": query.ours, "variables": variables }))
                    .unwrap_or_default(),
            ),
            Arc::new(
                serde_json::to_vec(&json!({ "query": query.postgraphile, "variables": variables }))
                    .unwrap_or_default(),
            ),
        ];
        for s in [SERVICE, POSTGRAPHILE] {
            measure::clients(&targets[s], &bodies[s], measured.answer_bytes[s], 4, 1.0).await;
        }
        for (c, &clients) in CLIENTS.iter().enumerate() {
            for r in 0..rounds {
                let order = if r % 2 == 0 {
                    [SERVICE, POSTGRAPHILE]
                } else {
                    [POSTGRAPHILE, SERVICE]
                };
                for s in order {
                    let run = measure::clients(
                        &targets[s],
                        &bodies[s],
                        measured.answer_bytes[s],
                        clients,
                        round,
                    );
                    let tally = if clients > 1 {
                        let (tally, peak) = measure::peak_rss(pids[s], run).await;
                        peaks[s] = peaks[s].max(peak);
                        tally
                    } else {
                        run.await
                    };
                    measured.http[s][c].add(tally);
                }
                ours.ensure_running();
                postgraphile.ensure_running();
            }
        }
        let sql = query.sql(loaded.sample_grant);
        for clients in CLIENTS {
            let (url, sql, dir, key) = (
                database.url.clone(),
                sql.clone(),
                work.to_owned(),
                query.key,
            );
            let seconds = args.seconds;
            let floor = tokio::task::spawn_blocking(move || {
                measure::pgbench(&url, &sql, clients, seconds, &dir, key)
            })
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            measured.floor.push(floor);
        }
        eprintln!("{size} grants: {} measured", query.name);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (s, pid) in pids.iter().enumerate() {
        result.memory[s][1] = peaks[s];
        result.memory[s][2] = harness::memory_mib(*pid, "VmRSS").unwrap_or(f64::NAN);
        result.memory[s][3] = harness::memory_mib(*pid, "VmHWM").unwrap_or(f64::NAN);
    }
    drop(ours);
    drop(postgraphile);
    db.close().await.ok();
    drop(database);
    result.seconds = started.elapsed().as_secs_f64();
    println!("{}", size_table(&result));
    result
}

fn size_table(r: &SizeResult) -> String {
    let l = &r.loaded;
    let mut out = format!(
        "### {} grants ({} grantees, {} reports, {} activities, {} participation rows, {} outcomes; {} rows loaded in {:.0} s; measured in {:.0} s)\n\n",
        r.grants,
        l.grantees,
        l.reports,
        l.activities,
        l.participation,
        l.outcomes,
        l.rows,
        l.seconds,
        r.seconds
    );
    out.push_str("| query | SQL statements (this service) | answer KiB (service / PostGraphile) | req/s 1 client: service / PostGraphile / SQL | req/s 16 clients: service / PostGraphile / SQL | median ms: service / PostGraphile / SQL | p90 ms: service / PostGraphile / SQL | refused under load |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (query, (_, q)) in QUERIES.iter().zip(&r.queries) {
        let floor = |c: usize| q.floor.get(c);
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} / {:.0} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.2} | {:.1} / {:.1} / {:.2} | {} |",
            query.name,
            q.statements,
            q.answer_bytes[SERVICE] as f64 / 1024.0,
            q.answer_bytes[POSTGRAPHILE] as f64 / 1024.0,
            q.http[SERVICE][0].per_second(),
            q.http[POSTGRAPHILE][0].per_second(),
            floor(0).map_or(f64::NAN, |f| f.per_second),
            q.http[SERVICE][1].per_second(),
            q.http[POSTGRAPHILE][1].per_second(),
            floor(1).map_or(f64::NAN, |f| f.per_second),
            q.http[SERVICE][0].percentile_ms(0.5),
            q.http[POSTGRAPHILE][0].percentile_ms(0.5),
            floor(0).map_or(f64::NAN, |f| measure::percentile_ms(&f.latencies, 0.5)),
            q.http[SERVICE][0].percentile_ms(0.9),
            q.http[POSTGRAPHILE][0].percentile_ms(0.9),
            floor(0).map_or(f64::NAN, |f| measure::percentile_ms(&f.latencies, 0.9)),
            refused(q),
        );
    }
    out
}

/// The answers refused under load, by service and client count: "none" when every answer was
/// the one checked.
fn refused(q: &QueryResult) -> String {
    let mut parts = Vec::new();
    for s in [SERVICE, POSTGRAPHILE] {
        for (c, clients) in CLIENTS.iter().enumerate() {
            let tally = &q.http[s][c];
            for (why, n) in &tally.refused {
                parts.push(format!(
                    "{}, {clients} client{}: {n} of {} {why}",
                    NAMES[s],
                    if *clients == 1 { "" } else { "s" },
                    n + tally.requests
                ));
            }
        }
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join("; ")
    }
}

fn ratio_table(results: &[SizeResult]) -> String {
    let mut out = String::from(
        "### Ratios (this service ÷ PostGraphile throughput: above 1 is faster; latency ÷ the SQL floor: 1 is the floor)\n\n",
    );
    out.push_str("| grants | query | service ÷ PostGraphile req/s, 1 client | service ÷ PostGraphile req/s, 16 clients | service median ÷ SQL floor median | PostGraphile median ÷ SQL floor median |\n");
    out.push_str("|---:|---|---:|---:|---:|---:|\n");
    for r in results {
        for (query, (_, q)) in QUERIES.iter().zip(&r.queries) {
            let floor = q
                .floor
                .first()
                .map_or(f64::NAN, |f| measure::percentile_ms(&f.latencies, 0.5));
            let mark = |c: usize| {
                if q.http
                    .iter()
                    .any(|per_clients| !per_clients[c].refused.is_empty())
                {
                    " (some refused)"
                } else {
                    ""
                }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.2}{} | {:.2}{} | {:.1} | {:.1} |",
                r.grants,
                query.name,
                q.http[SERVICE][0].per_second() / q.http[POSTGRAPHILE][0].per_second(),
                mark(0),
                q.http[SERVICE][1].per_second() / q.http[POSTGRAPHILE][1].per_second(),
                mark(1),
                q.http[SERVICE][0].percentile_ms(0.5) / floor,
                q.http[POSTGRAPHILE][0].percentile_ms(0.5) / floor,
            );
        }
    }
    out
}

fn memory_table(results: &[SizeResult]) -> String {
    let mut out = String::from(
        "### Resident memory, MiB (idle after start; peak sampled under 16 clients; 3 s after the last run; the kernel's high-water mark)\n\n",
    );
    out.push_str("| grants | process | idle | peak (16 clients) | after | high-water mark |\n");
    out.push_str("|---:|---|---:|---:|---:|---:|\n");
    let mut rows: BTreeMap<(usize, usize), [f64; 4]> = BTreeMap::new();
    for r in results {
        for s in [SERVICE, POSTGRAPHILE] {
            rows.insert((r.grants, s), r.memory[s]);
        }
    }
    for ((grants, s), m) in rows {
        let _ = writeln!(
            out,
            "| {grants} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            NAMES[s], m[0], m[1], m[2], m[3]
        );
    }
    out
}
