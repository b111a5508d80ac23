//! How the API's cost grows with the portfolio. For each size it starts the real server on a
//! fresh database, loads a synthetic portfolio (grantees, grants, reports, activities with
//! participation rows) straight into the tables, then times the dashboard queries over HTTP
//! and counts the SQL statements each request runs. Absolute times depend on the machine;
//! compare the ratios between sizes measured in one run.
//!
//! cargo run --release -p portfolio-bench -- [--backend sqlite|postgres] [--sizes 50,500] [--runs 21]
//!
//! `portfolio-bench load ...` runs a mixed read/write load instead (see `load_test`), and
//! `portfolio-bench compare ...` measures the service beside PostGraphile 4 and the raw-SQL
//! floor on PostgreSQL (see `compare`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use entity::enums::{
    ActivityKind, AttendanceMode, GrantStatus, OrganisationKind, ReportKind, ReportStatus,
};
use entity::{activity, grant, organisation, participation, report, scheme};
use portfolio_tests::{Backend, TestApp};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use serde_json::json;
use uuid::Uuid;

mod compare;
mod load_test;

const QUERIES: [(&str, &str); 3] = [
    (
        "portfolioSummary",
        "{ portfolioSummary { grantCount granteeCount funding { amount } activityCount
           participation { total female inPerson online }
           byActivityKind { kind activityCount participation { total } }
           byGrantee { grantee { name } grantCount activityCount participation { total } }
           reportsByStatus { status count } } }",
    ),
    (
        "grants page of 100, nested",
        "{ grants(first: 100) { totalCount edges { node { reference totalFunding { amount }
           grantee { name } scheme { name } participation { total female }
           reports { status activities { title participation { mode total female } } } } } } }",
    ),
    (
        "activities page of 100",
        "{ activities(first: 100, filter: { kind: WORKSHOP }) { totalCount edges { node {
           title startDate grant { reference } totals { total female } } } } }",
    ),
];

struct Args {
    backend: Backend,
    sizes: Vec<usize>,
    runs: usize,
}

fn args() -> Args {
    let mut args = Args {
        backend: Backend::Sqlite,
        sizes: vec![50, 500],
        runs: 21,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--backend" => {
                args.backend = if value == "postgres" {
                    Backend::Postgres
                } else {
                    Backend::Sqlite
                }
            }
            "--sizes" => {
                args.sizes = value
                    .split(',')
                    .map(|n| n.trim().parse().unwrap())
                    .collect()
            }
            "--runs" => args.runs = value.parse().unwrap(),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// `grants` grants over grants/5 grantees, each with one report and four activities of two
/// participation rows.
async fn load(app: &TestApp, grants: usize) {
    let now = Utc::now();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let org = |name: String, kind| organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        acronym: Set(None),
        kind: Set(kind),
        description: Set(None),
        address: Set(None),
        phone: Set(None),
        website: Set(None),
        country: Set(None),
        identifier: Set(None),
        iati_type: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    let funder = org("Funder".into(), OrganisationKind::Funder);
    let manager = org("Manager".into(), OrganisationKind::SchemeManager);
    let (funder_id, manager_id) = (funder.id.clone().unwrap(), manager.id.clone().unwrap());
    organisation::Entity::insert_many([funder, manager])
        .exec(&app.db)
        .await
        .unwrap();
    let scheme_id = Uuid::now_v7();
    scheme::Entity::insert(scheme::ActiveModel {
        id: Set(scheme_id),
        name: Set("Scheme".into()),
        funder_id: Set(funder_id),
        manager_id: Set(manager_id),
        currency: Set("AUD".into()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec(&app.db)
    .await
    .unwrap();
    let grantees: Vec<organisation::ActiveModel> = (0..grants.div_ceil(5))
        .map(|i| org(format!("Grantee {i:05}"), OrganisationKind::Grantee))
        .collect();
    let grantee_ids: Vec<Uuid> = grantees.iter().map(|g| g.id.clone().unwrap()).collect();
    for chunk in grantees.chunks(200) {
        organisation::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
    let kinds = [
        ActivityKind::Workshop,
        ActivityKind::Forum,
        ActivityKind::PolicyDialogue,
        ActivityKind::Training,
    ];
    for batch in (0..grants).collect::<Vec<_>>().chunks(50) {
        let (mut gs, mut rs, mut acts, mut parts) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for &i in batch {
            let (grant_id, report_id) = (Uuid::now_v7(), Uuid::now_v7());
            gs.push(grant::ActiveModel {
                id: Set(grant_id),
                scheme_id: Set(scheme_id),
                grantee_id: Set(grantee_ids[i / 5]),
                reference: Set(format!("G-{i:06}")),
                title: Set(format!("Grant {i}")),
                total_funding_minor: Set(9_000_000 + i as i64),
                currency: Set("AUD".into()),
                start_date: Set(day(2024, 1, 1)),
                end_date: Set(day(2025, 12, 31)),
                status: Set(GrantStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                iati_identifier: Set(None),
                description: Set(None),
                recipient_country: Set(None),
                reporting_org_id: Set(None),
                sectors: Set(None),
                policy_markers: Set(None),
            });
            rs.push(report::ActiveModel {
                id: Set(report_id),
                grant_id: Set(grant_id),
                kind: Set(ReportKind::Progress),
                period_start: Set(day(2024, 1, 1)),
                period_end: Set(day(2024, 12, 31)),
                due_date: Set(day(2025, 1, 31)),
                prepared_by_name: Set("Author".into()),
                prepared_by_role: Set(None),
                submitted_at: Set(None),
                status: Set(ReportStatus::Draft),
                return_reason: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            });
            for (k, kind) in kinds.iter().enumerate() {
                let activity_id = Uuid::now_v7();
                acts.push(activity::ActiveModel {
                    id: Set(activity_id),
                    grant_id: Set(grant_id),
                    report_id: Set(report_id),
                    objective_id: Set(None),
                    kind: Set(*kind),
                    title: Set(format!("Activity {i}-{k}")),
                    start_date: Set(day(2024, 3, 1 + k as u32)),
                    end_date: Set(day(2024, 3, 2 + k as u32)),
                    venue: Set(None),
                    location: Set(None),
                    narrative: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                });
                for (mode, total, female) in [
                    (AttendanceMode::InPerson, 100, 45),
                    (AttendanceMode::Online, 30, 12),
                ] {
                    parts.push(participation::ActiveModel {
                        activity_id: Set(activity_id),
                        mode: Set(mode),
                        total: Set(total),
                        female: Set(Some(female)),
                        male: Set(None),
                        with_disability: Set(None),
                    });
                }
            }
        }
        grant::Entity::insert_many(gs).exec(&app.db).await.unwrap();
        report::Entity::insert_many(rs).exec(&app.db).await.unwrap();
        activity::Entity::insert_many(acts)
            .exec(&app.db)
            .await
            .unwrap();
        participation::Entity::insert_many(parts)
            .exec(&app.db)
            .await
            .unwrap();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("load") {
        let passed = load_test::run(load_test::args(&argv[1..])).await;
        std::process::exit(if passed { 0 } else { 1 });
    }
    if argv.first().map(String::as_str) == Some("compare") {
        // Ctrl-C drops the run, which stops the processes it started and drops its databases.
        let interrupted = tokio::select! {
            () = compare::run(compare::args(&argv[1..])) => false,
            _ = tokio::signal::ctrl_c() => true,
        };
        if interrupted {
            eprintln!("interrupted");
            std::process::exit(130);
        }
        return;
    }
    let args = args();
    println!("| grants | query | median ms | p90 ms | SQL statements |\n|---:|---|---:|---:|---:|");
    let mut medians: Vec<(usize, &str, f64, u64)> = Vec::new();
    for &size in &args.sizes {
        // What a request costs is measured here, not the per-caller rate limit: turn it off.
        let app = TestApp::spawn_with(args.backend, |s| s.rate_limit.per_second = 0)
            .await
            .expect("the database is available");
        load(&app, size).await;
        let token = app.analyst();
        for (name, query) in QUERIES {
            for _ in 0..3 {
                app.data(query, json!({}), &token).await;
            }
            let mut times = Vec::with_capacity(args.runs);
            let mut statements = 0;
            for _ in 0..args.runs {
                let before = app.statements();
                let started = Instant::now();
                app.data(query, json!({}), &token).await;
                times.push(started.elapsed());
                statements = app.statements() - before;
            }
            times.sort();
            let median = percentile(&times, 0.5).as_secs_f64() * 1000.0;
            let p90 = percentile(&times, 0.9).as_secs_f64() * 1000.0;
            println!("| {size} | {name} | {median:.1} | {p90:.1} | {statements} |");
            medians.push((size, name, median, statements));
        }
    }
    if let (Some(&small), Some(&large)) = (args.sizes.first(), args.sizes.last()) {
        println!(
            "\n| query | size ratio | time ratio | statements ({small} → {large}) |\n|---|---:|---:|---|"
        );
        for (name, _) in QUERIES {
            let at = |n| {
                medians
                    .iter()
                    .find(|(s, q, _, _)| *s == n && *q == name)
                    .unwrap()
            };
            let (a, b) = (at(small), at(large));
            println!(
                "| {name} | {:.0}× | {:.2}× | {} → {} |",
                large as f64 / small as f64,
                b.2 / a.2,
                a.3,
                b.3
            );
        }
    }
}
