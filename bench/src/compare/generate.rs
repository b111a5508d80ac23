//! A synthetic portfolio written straight into PostgreSQL with multi-row INSERTs, a thousand
//! grants per transaction, so 50,000 grants load in well under a minute.
//!
//! N grants over ⌈N/5⌉ grantees, in one scheme. Each grant has two tranches, two objectives
//! with one indicator each, and one or two reports (1.5 on average): the first a PROGRESS
//! report over the grant's first year (DRAFT, SUBMITTED or ACCEPTED), every other grant a
//! second, COMPLETION report, still DRAFT. A grant has 3 to 5 activities (4 on average) spread
//! over its reports and objectives, of all seven kinds, each with two participation rows
//! (in person and online, with some sex and disability breakdowns left unrecorded); two
//! outcomes; one indicator result per indicator and report; one lesson per report and one case
//! study. Identifiers are UUIDv7, as the service makes them. No joint groups.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

const KINDS: [&str; 7] = [
    "POLICY_DIALOGUE",
    "FORUM",
    "WORKSHOP",
    "TRAINING",
    "CAMPAIGN",
    "RESEARCH",
    "OTHER",
];
const OUTCOME_KINDS: [&str; 6] = [
    "POLICY_COMMITMENT",
    "POLICY_CHANGE",
    "PRACTICE_CHANGE",
    "CAPACITY",
    "PARTNERSHIP",
    "OTHER",
];
const GRANTS_PER_BATCH: usize = 1000;

/// How many rows of each table a load wrote.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub grantees: usize,
    pub reports: usize,
    pub activities: usize,
    pub participation: usize,
    pub outcomes: usize,
    pub rows: usize,
    pub seconds: f64,
    /// A grant with two reports, every kind of content, near the middle of the portfolio: the
    /// one the single-grant query asks for.
    pub sample_grant: Uuid,
}

/// One table's rows, written as one INSERT.
struct Rows {
    head: &'static str,
    values: String,
    count: usize,
}

impl Rows {
    fn new(head: &'static str) -> Self {
        Self {
            head,
            values: String::new(),
            count: 0,
        }
    }

    fn push(&mut self, row: &[String]) {
        self.values
            .push_str(if self.count == 0 { "\n(" } else { ",\n(" });
        self.values.push_str(&row.join(", "));
        self.values.push(')');
        self.count += 1;
    }

    fn sql(&self) -> Option<String> {
        (self.count > 0).then(|| format!("INSERT INTO {} VALUES{};\n", self.head, self.values))
    }
}

fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt_text(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".into(), text)
}

fn id(u: Uuid) -> String {
    format!("'{u}'")
}

fn opt_id(u: Option<Uuid>) -> String {
    u.map_or_else(|| "NULL".into(), id)
}

fn date(d: NaiveDate) -> String {
    format!("DATE '{d}'")
}

fn int(n: i64) -> String {
    n.to_string()
}

fn opt_int(n: Option<i64>) -> String {
    n.map_or_else(|| "NULL".into(), |n| n.to_string())
}

fn plus(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days)).unwrap()
}

const NOW: &str = "now()";

pub async fn load(db: &DatabaseConnection, grants: usize) -> Loaded {
    let started = Instant::now();
    let mut loaded = Loaded {
        grantees: grants.div_ceil(5),
        ..Loaded::default()
    };
    let funder = Uuid::now_v7();
    let manager = Uuid::now_v7();
    let scheme = Uuid::now_v7();
    let mut orgs = Rows::new(
        "organisations (id, name, acronym, kind, description, address, phone, website, country, created_at, updated_at, version)",
    );
    let org = |rows: &mut Rows, id_: Uuid, name: String, kind: &str| {
        rows.push(&[
            id(id_),
            text(&name),
            "NULL".into(),
            text(kind),
            "NULL".into(),
            "NULL".into(),
            "NULL".into(),
            "NULL".into(),
            text("KH"),
            NOW.into(),
            NOW.into(),
            "1".into(),
        ])
    };
    org(&mut orgs, funder, "Funder".into(), "FUNDER");
    org(
        &mut orgs,
        manager,
        "Scheme manager".into(),
        "SCHEME_MANAGER",
    );
    let grantees: Vec<Uuid> = (0..loaded.grantees).map(|_| Uuid::now_v7()).collect();
    for (i, g) in grantees.iter().enumerate() {
        org(&mut orgs, *g, format!("Grantee {i:05}"), "GRANTEE");
    }
    let mut sql = orgs.sql().unwrap_or_default();
    writeln!(
        sql,
        "INSERT INTO schemes (id, name, funder_id, manager_id, currency, created_at, updated_at, version) VALUES ({}, 'Scheme', {}, {}, 'AUD', now(), now(), 1);",
        id(scheme),
        id(funder),
        id(manager)
    )
    .unwrap();
    loaded.rows += orgs.count + 1;
    db.execute_unprepared(&sql).await.unwrap();

    // Chosen before the loop: a grant index with two reports (even) near the middle.
    let sample = (grants / 2) & !1;
    let base = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    for first in (0..grants).step_by(GRANTS_PER_BATCH) {
        let mut g_rows = Rows::new(
            "grants (id, scheme_id, grantee_id, reference, title, total_funding_minor, currency, start_date, end_date, status, created_at, updated_at, version)",
        );
        let mut fp_rows = Rows::new(
            "funding_periods (id, grant_id, label, start_date, end_date, amount_minor, currency, created_at)",
        );
        let mut ob_rows = Rows::new("objectives (id, grant_id, number, statement, created_at)");
        let mut in_rows = Rows::new(
            "indicators (id, grant_id, objective_id, statement, unit, baseline, target, created_at)",
        );
        let mut r_rows = Rows::new(
            "reports (id, grant_id, kind, period_start, period_end, due_date, prepared_by_name, prepared_by_role, submitted_at, status, return_reason, created_at, updated_at, version)",
        );
        let mut a_rows = Rows::new(
            "activities (id, grant_id, report_id, objective_id, kind, title, start_date, end_date, venue, location, narrative, created_at, updated_at, version)",
        );
        let mut p_rows = Rows::new(
            "activity_participation (activity_id, mode, total, female, male, with_disability)",
        );
        let mut o_rows = Rows::new(
            "outcomes (id, grant_id, report_id, activity_id, kind, statement, actor, institution, evidence, date, created_at, updated_at, version)",
        );
        let mut ir_rows = Rows::new(
            "indicator_results (id, grant_id, report_id, indicator_id, actual, narrative, created_at, updated_at, version)",
        );
        let mut l_rows = Rows::new(
            "lessons (id, grant_id, report_id, activity_id, kind, text, position, created_at, updated_at, version)",
        );
        let mut cs_rows = Rows::new(
            "case_studies (id, grant_id, report_id, activity_id, title, narrative, position, created_at, updated_at, version)",
        );
        for i in first..(first + GRANTS_PER_BATCH).min(grants) {
            let n = i as u64;
            let grant = Uuid::now_v7();
            if i == sample {
                loaded.sample_grant = grant;
            }
            let start = plus(base, n % 365);
            let end = plus(start, 729);
            let funding = 5_000_000 + (n * 7919 % 10_000_000) as i64;
            g_rows.push(&[
                id(grant),
                id(scheme),
                id(grantees[i / 5]),
                text(&format!("G-{i:06}")),
                text(&format!("Strengthening policy dialogue {i}")),
                int(funding),
                text("AUD"),
                date(start),
                date(end),
                text(if i % 10 == 9 { "CLOSED" } else { "ACTIVE" }),
                NOW.into(),
                NOW.into(),
                "1".into(),
            ]);
            let first_year_end = plus(start, 364);
            for (t, (from, to, amount)) in [
                (start, first_year_end, funding / 2),
                (plus(first_year_end, 1), end, funding - funding / 2),
            ]
            .into_iter()
            .enumerate()
            {
                fp_rows.push(&[
                    id(Uuid::now_v7()),
                    id(grant),
                    opt_text((t == 0).then_some("First tranche")),
                    date(from),
                    date(to),
                    int(amount),
                    text("AUD"),
                    NOW.into(),
                ]);
            }
            let mut objectives = Vec::new();
            let mut indicators = Vec::new();
            for number in 1..=2 {
                let objective = Uuid::now_v7();
                let indicator = Uuid::now_v7();
                objectives.push(objective);
                indicators.push(indicator);
                ob_rows.push(&[
                    id(objective),
                    id(grant),
                    int(number),
                    text(&format!("Objective {number} of grant {i}")),
                    NOW.into(),
                ]);
                in_rows.push(&[
                    id(indicator),
                    id(grant),
                    id(objective),
                    text(&format!("Policy dialogues held under objective {number}")),
                    text("dialogues"),
                    opt_text((number == 1).then_some("0")),
                    text("3"),
                    NOW.into(),
                ]);
            }
            let report_count = if i % 2 == 0 { 2 } else { 1 };
            let mut reports = Vec::new();
            for r in 0..report_count {
                let report = Uuid::now_v7();
                let (from, to, kind) = if r == 0 {
                    (start, first_year_end, "PROGRESS")
                } else {
                    (plus(first_year_end, 1), end, "COMPLETION")
                };
                let status = match (r, i % 3) {
                    (0, 0) => "ACCEPTED",
                    (0, 1) => "SUBMITTED",
                    _ => "DRAFT",
                };
                let submitted = if status == "DRAFT" {
                    "NULL".into()
                } else {
                    format!("TIMESTAMPTZ '{} 09:30:00+00'", plus(to, 20))
                };
                r_rows.push(&[
                    id(report),
                    id(grant),
                    text(kind),
                    date(from),
                    date(to),
                    date(plus(to, 30)),
                    text(&format!("Author {i}")),
                    opt_text((i % 4 != 0).then_some("MEAL officer")),
                    submitted,
                    text(status),
                    "NULL".into(),
                    NOW.into(),
                    NOW.into(),
                    "1".into(),
                ]);
                for (k, indicator) in indicators.iter().enumerate() {
                    ir_rows.push(&[
                        id(Uuid::now_v7()),
                        id(grant),
                        id(report),
                        id(*indicator),
                        text(&((n + r as u64 + k as u64) % 5).to_string()),
                        opt_text((k == 0).then_some("Dialogues with the ministry")),
                        NOW.into(),
                        NOW.into(),
                        "1".into(),
                    ]);
                }
                l_rows.push(&[
                    id(Uuid::now_v7()),
                    id(grant),
                    id(report),
                    "NULL".into(),
                    text(if r == 0 {
                        "CHALLENGE"
                    } else {
                        "LESSON_LEARNED"
                    }),
                    text(&format!("What report {r} of grant {i} learned")),
                    "0".into(),
                    NOW.into(),
                    NOW.into(),
                    "1".into(),
                ]);
                reports.push((report, from));
            }
            let (last_report, _) = reports[reports.len() - 1];
            cs_rows.push(&[
                id(Uuid::now_v7()),
                id(grant),
                id(last_report),
                "NULL".into(),
                text(&format!("A case study of grant {i}")),
                text("How a forum led to a commitment"),
                "0".into(),
                NOW.into(),
                NOW.into(),
                "1".into(),
            ]);
            let activity_count = 3 + i % 3;
            for k in 0..activity_count {
                let activity = Uuid::now_v7();
                let (report, from) = reports[k % reports.len()];
                let kk = k as u64;
                let a_start = plus(from, (n * 37 + kk * 53) % 300);
                let a_end = plus(a_start, kk % 2);
                let kind = KINDS[(i + k * 3) % KINDS.len()];
                a_rows.push(&[
                    id(activity),
                    id(grant),
                    id(report),
                    opt_id((k != 4).then(|| objectives[k % 2])),
                    text(kind),
                    text(&format!(
                        "{} {i}-{k}",
                        kind.to_lowercase().replace('_', " ")
                    )),
                    date(a_start),
                    date(a_end),
                    opt_text((k % 2 == 0).then_some("Sunway Hotel")),
                    opt_text(Some("Phnom Penh")),
                    opt_text((k == 0).then_some("Officials and civil society met.")),
                    NOW.into(),
                    NOW.into(),
                    "1".into(),
                ]);
                let seed = n * 13 + kk * 7;
                let in_person = 20 + (seed % 200) as i64;
                let female = (!seed.is_multiple_of(11)).then_some(in_person * 45 / 100);
                let male = female
                    .filter(|_| seed.is_multiple_of(3))
                    .map(|f| in_person - f);
                let disability = (seed.is_multiple_of(5)).then_some(in_person / 20);
                p_rows.push(&[
                    id(activity),
                    text("IN_PERSON"),
                    int(in_person),
                    opt_int(female),
                    opt_int(male),
                    opt_int(disability),
                ]);
                let online = 5 + ((n + kk * 11) % 60) as i64;
                p_rows.push(&[
                    id(activity),
                    text("ONLINE"),
                    int(online),
                    opt_int(Some(online / 2)),
                    "NULL".into(),
                    "NULL".into(),
                ]);
                if k < 2 {
                    o_rows.push(&[
                        id(Uuid::now_v7()),
                        id(grant),
                        id(report),
                        id(activity),
                        text(OUTCOME_KINDS[(i + k) % OUTCOME_KINDS.len()]),
                        text(&format!("The ministry committed to act on {i}-{k}")),
                        opt_text(Some("Head of Department")),
                        opt_text((k == 0).then_some("Ministry of Information")),
                        "NULL".into(),
                        if k == 0 { date(a_end) } else { "NULL".into() },
                        NOW.into(),
                        NOW.into(),
                        "1".into(),
                    ]);
                }
            }
        }
        loaded.reports += r_rows.count;
        loaded.activities += a_rows.count;
        loaded.participation += p_rows.count;
        loaded.outcomes += o_rows.count;
        let tables = [
            &g_rows, &fp_rows, &ob_rows, &in_rows, &r_rows, &a_rows, &p_rows, &o_rows, &ir_rows,
            &l_rows, &cs_rows,
        ];
        let mut batch = String::from("BEGIN;\n");
        for rows in tables {
            loaded.rows += rows.count;
            batch.push_str(&rows.sql().unwrap_or_default());
        }
        batch.push_str("COMMIT;\n");
        db.execute_unprepared(&batch).await.unwrap();
    }
    db.execute_unprepared("VACUUM ANALYZE").await.unwrap();
    loaded.seconds = started.elapsed().as_secs_f64();
    loaded
}
