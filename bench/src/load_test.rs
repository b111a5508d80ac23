//! Mixed read/write load. Starts the real server on a fresh database, loads a background
//! portfolio straight into the tables, files a working set through the API (a scheme, grantees
//! each with a grant, an objective and a DRAFT report with a few activities), then runs
//! `--concurrency` clients for `--seconds`. Each client mixes dashboard reads with the writes
//! grantees and the scheme manager make, including idempotent retries (sequential and racing),
//! stale-version updates and a small share of deliberately bad input.
//!
//! Expected refusals (`CONFLICT` for a stale version or a submitted report, `NOT_FOUND` for an
//! activity deleted meanwhile, `BAD_USER_INPUT` for bad input) are counted, not failures. The
//! run fails (exit code 1) on any 5xx, any `INTERNAL`, any transport error or timeout, any
//! error without `extensions.code`, any deliberately bad request that was accepted, and any
//! idempotent retry that answered with a different object than the first request.
//!
//! cargo run --release -p portfolio-bench -- load [--backend sqlite|postgres] [--concurrency 16]
//!     [--seconds 60] [--grantees 8] [--background 100] [--connections 10]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portfolio_tests::{Backend, TestApp, report_input};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct Args {
    backend: Backend,
    concurrency: usize,
    seconds: u64,
    grantees: usize,
    background: usize,
    connections: u32,
}

pub fn args(argv: &[String]) -> Args {
    let mut args = Args {
        backend: Backend::Sqlite,
        concurrency: 16,
        seconds: 60,
        grantees: 8,
        background: 100,
        connections: 10,
    };
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let value = it.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "--backend" => {
                args.backend = match value.as_str() {
                    "postgres" => Backend::Postgres,
                    "sqlite" => Backend::Sqlite,
                    other => panic!("unknown backend {other}"),
                }
            }
            "--concurrency" => args.concurrency = value.parse().unwrap(),
            "--seconds" => args.seconds = value.parse().unwrap(),
            "--grantees" => args.grantees = value.parse().unwrap(),
            "--background" => args.background = value.parse().unwrap(),
            "--connections" => args.connections = value.parse().unwrap(),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(args.concurrency > 0 && args.grantees > 0 && args.seconds > 0);
    args
}

// Reads.
const GRANTS: &str = "query($first: Int) { grants(first: $first) { totalCount edges { node {
    reference status totalFunding { amount currency } grantee { name } scheme { name }
    participation { total female } objectives { number statement }
    reports { status version activities { title participation { mode total female } } } } } } }";
const SUMMARY: &str = "{ portfolioSummary { grantCount granteeCount funding { amount currency }
    activityCount participation { total female inPerson online femaleShare }
    byActivityKind { kind activityCount participation { total } }
    byGrantee { grantee { name } grantCount activityCount participation { total } }
    reportsByStatus { status count } overdueReports { id } } }";
const ACTIVITIES: &str = "query($filter: ActivityFilter) { activities(first: 50, filter: $filter) {
    totalCount edges { node { id version title kind startDate grant { reference }
    report { status } totals { total female } outcomes { kind statement } } } } }";
const REPORT: &str = "query($id: UUID!) { report(id: $id) { id status version returnReason
    activities { id version title participation { mode total female } outcomes { id kind } }
    lessons { id kind text } caseStudies { id } } }";
const SUBMITTED: &str = "{ reports(filter: { status: SUBMITTED }, first: 10) {
    edges { node { id version } } } }";
const AUDIT: &str = "query($filter: AuditFilter) { auditEvents(filter: $filter, first: 50) {
    totalCount edges { node { at action entity entityId actor role before after } } } }";

// Writes.
const CREATE_ACTIVITY: &str = "mutation($input: CreateActivityInput!) {
    createActivity(input: $input) { id version } }";
const UPDATE_ACTIVITY: &str = "mutation($input: UpdateActivityInput!) {
    updateActivity(input: $input) { id version } }";
const DELETE_ACTIVITY: &str =
    "mutation($input: DeleteInput!) { deleteActivity(input: $input) { id } }";
const RECORD_OUTCOME: &str = "mutation($input: RecordOutcomeInput!) {
    recordOutcome(input: $input) { id version } }";
const ADD_LESSON: &str = "mutation($input: AddLessonInput!) { addLesson(input: $input) { id } }";
const CREATE_REPORT: &str =
    "mutation($input: CreateReportInput!) { createReport(input: $input) { id } }";
const SUBMIT_REPORT: &str = "mutation($input: SubmitReportInput!) {
    submitReport(input: $input) { id status version } }";
const RETURN_REPORT: &str = "mutation($input: ReturnReportInput!) {
    returnReport(input: $input) { id status version } }";

/// What a client does next, with its weight in the mix (the weights add up to 100).
#[derive(Clone, Copy)]
enum Op {
    Grants,
    Summary,
    Activities,
    Report,
    Audit,
    Create,
    Retry,
    RacingRetry,
    Update,
    Outcome,
    Lesson,
    Delete,
    Submit,
    Return,
    BadDates,
    BadCounts,
    BadIds,
}

const MIX: [(Op, u64); 17] = [
    (Op::Grants, 8),
    (Op::Summary, 7),
    (Op::Activities, 10),
    (Op::Report, 12),
    (Op::Audit, 6),
    (Op::Create, 12),
    (Op::Retry, 4),
    (Op::RacingRetry, 2),
    (Op::Update, 10),
    (Op::Outcome, 6),
    (Op::Lesson, 6),
    (Op::Delete, 5),
    (Op::Submit, 2),
    (Op::Return, 4),
    (Op::BadDates, 2),
    (Op::BadCounts, 2),
    (Op::BadIds, 2),
];

/// The rows of the table, in order.
const OPERATIONS: [&str; 18] = [
    "grants page (nested)",
    "portfolioSummary",
    "activities page",
    "report by id",
    "reports (SUBMITTED)",
    "auditEvents",
    "createActivity",
    "createActivity (retry)",
    "createActivity (racing retry)",
    "updateActivity",
    "recordOutcome",
    "addLesson",
    "deleteActivity",
    "submitReport",
    "returnReport",
    "bad input: dates",
    "bad input: counts",
    "bad input: unknown ids",
];

/// A small deterministic generator (xorshift64*), one per client.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A create sent with an idempotency key, and what it created.
#[derive(Clone)]
struct Keyed {
    input: Value,
    id: Uuid,
}

/// One grantee of the working set and what the clients learned about it.
struct Grantee {
    token: String,
    grant: Uuid,
    objective: Uuid,
    report: Uuid,
    /// Activities known to exist (some may have been deleted since).
    activities: Mutex<Vec<Uuid>>,
    /// Recent keyed creates, for retries.
    keyed: Mutex<Vec<Keyed>>,
}

impl Grantee {
    fn remember_activity(&self, id: Uuid) {
        let mut activities = self.activities.lock().unwrap();
        activities.push(id);
        if activities.len() > 200 {
            activities.remove(0);
        }
    }

    fn forget_activity(&self, id: Uuid) {
        self.activities.lock().unwrap().retain(|a| *a != id);
    }

    fn some_activity(&self, rng: &mut Rng) -> Option<Uuid> {
        let activities = self.activities.lock().unwrap();
        (!activities.is_empty()).then(|| *rng.pick(&activities))
    }

    fn remember_key(&self, keyed: Keyed) {
        let mut all = self.keyed.lock().unwrap();
        all.push(keyed);
        if all.len() > 50 {
            all.remove(0);
        }
    }
}

struct Ctx {
    url: String,
    http: reqwest::Client,
    manager: String,
    analyst: String,
    grantees: Vec<Grantee>,
}

/// One request as it went.
struct Sent {
    elapsed: Duration,
    /// Status and body, or what went wrong at the transport level.
    result: Result<(u16, Value), String>,
}

impl Sent {
    fn data(&self, field: &str) -> Option<&Value> {
        match &self.result {
            Ok((_, body)) if body.get("errors").is_none() => {
                body.get("data").and_then(|d| d.get(field))
            }
            _ => None,
        }
    }

    fn code(&self) -> Option<&str> {
        match &self.result {
            Ok((_, body)) => body["errors"][0]["extensions"]["code"].as_str(),
            Err(_) => None,
        }
    }
}

impl Ctx {
    async fn send(&self, token: &str, query: &str, variables: Value) -> Sent {
        let started = Instant::now();
        let result = async {
            let response = self
                .http
                .post(&self.url)
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .map_err(|e| format!("transport: {e}"))?;
            let status = response.status().as_u16();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| format!("transport (body): {e}"))?;
            let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                json!({ "non_json_body": String::from_utf8_lossy(&bytes).chars().take(500).collect::<String>() })
            });
            Ok((status, body))
        }
        .await;
        Sent {
            elapsed: started.elapsed(),
            result,
        }
    }
}

#[derive(Default)]
struct OpStats {
    requests: u64,
    ok: u64,
    client_error: u64,
    server_error: u64,
    other_status: u64,
    transport: u64,
    codes: BTreeMap<String, u64>,
    latencies: Vec<Duration>,
}

#[derive(Default)]
struct Tally {
    ops: BTreeMap<&'static str, OpStats>,
    failures: u64,
    examples: Vec<String>,
    /// Every refusal by code and message (ids and numbers elided), to show they are the
    /// expected kinds.
    refusals: BTreeMap<(String, String), u64>,
}

/// A message with its ids, keys and numbers elided, so refusals of one kind count together.
fn message_kind(message: &str) -> String {
    message
        .split_whitespace()
        .map(|word| {
            if word.chars().any(|c| c.is_ascii_digit()) {
                "…"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a request was meant to be refused.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Any,
    Refusal,
}

impl Tally {
    /// Counts one request and checks it against the rules of the run.
    fn record(&mut self, op: &'static str, sent: &Sent, expect: Expect, sent_input: &Value) {
        let stats = self.ops.entry(op).or_default();
        stats.requests += 1;
        stats.latencies.push(sent.elapsed);
        let mut problems = Vec::new();
        match &sent.result {
            Err(err) => {
                stats.transport += 1;
                problems.push(err.clone());
            }
            Ok((status, body)) => {
                match status {
                    200..=299 => stats.ok += 1,
                    400..=499 => stats.client_error += 1,
                    500..=599 => {
                        stats.server_error += 1;
                        problems.push(format!("HTTP {status}"));
                    }
                    _ => stats.other_status += 1,
                }
                if body.get("non_json_body").is_some() {
                    problems.push("the body is not JSON".into());
                }
                let errors = body["errors"].as_array().cloned().unwrap_or_default();
                for error in &errors {
                    let code = error["extensions"]["code"].as_str().unwrap_or("(no code)");
                    *stats.codes.entry(code.to_owned()).or_default() += 1;
                    let message = message_kind(error["message"].as_str().unwrap_or_default());
                    *self.refusals.entry((code.to_owned(), message)).or_default() += 1;
                    if code == "INTERNAL" || code == "(no code)" {
                        problems.push(format!("error code {code}: {}", error["message"]));
                    }
                }
                if expect == Expect::Refusal && errors.is_empty() {
                    problems.push("deliberately bad input was accepted".into());
                }
            }
        }
        for problem in problems {
            self.fail(op, &problem, sent, sent_input);
        }
    }

    fn fail(&mut self, op: &str, problem: &str, sent: &Sent, input: &Value) {
        self.failures += 1;
        if self.examples.len() < 20 {
            let answer = match &sent.result {
                Ok((status, body)) => format!("HTTP {status} {body}"),
                Err(err) => err.clone(),
            };
            self.examples.push(format!(
                "{op}: {problem}\n    variables: {input}\n    answer: {answer}"
            ));
        }
    }

    fn merge(&mut self, other: Tally) {
        for (op, theirs) in other.ops {
            let ours = self.ops.entry(op).or_default();
            ours.requests += theirs.requests;
            ours.ok += theirs.ok;
            ours.client_error += theirs.client_error;
            ours.server_error += theirs.server_error;
            ours.other_status += theirs.other_status;
            ours.transport += theirs.transport;
            for (code, n) in theirs.codes {
                *ours.codes.entry(code).or_default() += n;
            }
            ours.latencies.extend(theirs.latencies);
        }
        self.failures += other.failures;
        for (kind, n) in other.refusals {
            *self.refusals.entry(kind).or_default() += n;
        }
        for example in other.examples {
            if self.examples.len() < 20 {
                self.examples.push(example);
            }
        }
    }
}

fn participation(rng: &mut Rng) -> Value {
    let in_person = 10 + rng.below(200) as i64;
    let online = rng.below(80) as i64;
    let mut rows =
        vec![json!({ "mode": "IN_PERSON", "total": in_person, "female": in_person / 2 })];
    if online > 0 {
        rows.push(json!({ "mode": "ONLINE", "total": online, "female": online / 3 }));
    }
    json!(rows)
}

/// A day of 2024, inside every report period of the working set.
fn day(rng: &mut Rng) -> (String, String) {
    let (month, start) = (1 + rng.below(12), 1 + rng.below(26));
    (
        format!("2024-{month:02}-{start:02}"),
        format!("2024-{month:02}-{:02}", start + rng.below(3)),
    )
}

fn activity_input(g: &Grantee, rng: &mut Rng, title: String) -> Value {
    let (start, end) = day(rng);
    let kind = rng.pick(&[
        "WORKSHOP",
        "FORUM",
        "POLICY_DIALOGUE",
        "TRAINING",
        "CAMPAIGN",
    ]);
    let objective = rng.percent(50).then_some(g.objective);
    json!({
        "reportId": g.report, "objectiveId": objective, "kind": kind, "title": title,
        "startDate": start, "endDate": end, "venue": "Phnom Penh",
        "participation": participation(rng),
    })
}

struct Client {
    ctx: Arc<Ctx>,
    id: usize,
    rng: Rng,
    tally: Tally,
    counter: u64,
}

impl Client {
    fn grantee_index(&mut self) -> usize {
        let n = self.ctx.grantees.len();
        if self.rng.percent(85) {
            self.id % n
        } else {
            self.rng.below(n)
        }
    }

    fn fresh(&mut self, what: &str) -> String {
        self.counter += 1;
        format!("{what} c{}-{}", self.id, self.counter)
    }

    async fn call(
        &mut self,
        op: &'static str,
        token: &str,
        query: &str,
        variables: Value,
        expect: Expect,
    ) -> Sent {
        let sent = self.ctx.send(token, query, variables.clone()).await;
        self.tally.record(op, &sent, expect, &variables);
        sent
    }

    /// Reads a report (as `token`) and returns its status, version and activities with their
    /// versions.
    async fn read_report(
        &mut self,
        token: &str,
        report: Uuid,
    ) -> Option<(String, i64, Vec<(Uuid, i64)>)> {
        let sent = self
            .call(
                "report by id",
                token,
                REPORT,
                json!({ "id": report }),
                Expect::Any,
            )
            .await;
        let r = sent.data("report")?;
        let activities = r["activities"]
            .as_array()?
            .iter()
            .filter_map(|a| Some((a["id"].as_str()?.parse().ok()?, a["version"].as_i64()?)))
            .collect();
        Some((
            r["status"].as_str()?.to_owned(),
            r["version"].as_i64()?,
            activities,
        ))
    }

    async fn step(&mut self, op: Op) {
        let ctx = Arc::clone(&self.ctx);
        let gi = self.grantee_index();
        let g = &ctx.grantees[gi];
        match op {
            Op::Grants => {
                let token = match self.rng.below(10) {
                    0..=4 => &ctx.analyst,
                    5..=6 => &ctx.manager,
                    _ => &g.token,
                };
                self.call(
                    "grants page (nested)",
                    token,
                    GRANTS,
                    json!({ "first": 50 }),
                    Expect::Any,
                )
                .await;
            }
            Op::Summary => {
                let token = if self.rng.percent(50) {
                    &ctx.analyst
                } else {
                    &ctx.manager
                };
                self.call("portfolioSummary", token, SUMMARY, json!({}), Expect::Any)
                    .await;
            }
            Op::Activities => {
                let (token, filter) = match self.rng.below(3) {
                    0 => (&g.token, json!({})),
                    1 => (&ctx.analyst, json!({ "grantId": g.grant })),
                    _ => {
                        let kind = *self.rng.pick(&["WORKSHOP", "FORUM", "TRAINING"]);
                        (&ctx.manager, json!({ "kind": kind }))
                    }
                };
                self.call(
                    "activities page",
                    token,
                    ACTIVITIES,
                    json!({ "filter": filter }),
                    Expect::Any,
                )
                .await;
            }
            Op::Report => {
                let token = if self.rng.percent(70) {
                    &g.token
                } else {
                    &ctx.analyst
                };
                self.read_report(token, g.report).await;
            }
            Op::Audit => {
                let filter = match self.rng.below(3) {
                    0 => json!({}),
                    1 => json!({ "entity": "Activity" }),
                    _ => json!({ "entity": "Report", "entityId": g.report }),
                };
                let token = if self.rng.percent(50) {
                    &ctx.analyst
                } else {
                    &ctx.manager
                };
                self.call(
                    "auditEvents",
                    token,
                    AUDIT,
                    json!({ "filter": filter }),
                    Expect::Any,
                )
                .await;
            }
            Op::Create => {
                let title = self.fresh("Activity");
                let mut input = activity_input(g, &mut self.rng, title);
                let keyed = self.rng.percent(70);
                if keyed {
                    input["idempotencyKey"] = json!(Uuid::new_v4().to_string());
                }
                let sent = self
                    .call(
                        "createActivity",
                        &g.token,
                        CREATE_ACTIVITY,
                        json!({ "input": input }),
                        Expect::Any,
                    )
                    .await;
                if let Some(id) = created_id(&sent, "createActivity") {
                    g.remember_activity(id);
                    if keyed {
                        g.remember_key(Keyed { input, id });
                    }
                }
            }
            Op::Retry => {
                let known = {
                    let all = g.keyed.lock().unwrap();
                    (!all.is_empty()).then(|| self.rng.pick(&all).clone())
                };
                let Some(known) = known else { return };
                let variables = json!({ "input": known.input });
                let sent = self
                    .call(
                        "createActivity (retry)",
                        &g.token,
                        CREATE_ACTIVITY,
                        variables.clone(),
                        Expect::Any,
                    )
                    .await;
                if let Some(id) = created_id(&sent, "createActivity")
                    && id != known.id
                {
                    let problem = format!("replayed {id}, the first request created {}", known.id);
                    self.tally
                        .fail("createActivity (retry)", &problem, &sent, &variables);
                }
            }
            Op::RacingRetry => {
                let title = self.fresh("Raced activity");
                let mut input = activity_input(g, &mut self.rng, title);
                input["idempotencyKey"] = json!(Uuid::new_v4().to_string());
                let variables = json!({ "input": input });
                let (a, b) = tokio::join!(
                    ctx.send(&g.token, CREATE_ACTIVITY, variables.clone()),
                    ctx.send(&g.token, CREATE_ACTIVITY, variables.clone()),
                );
                let op = "createActivity (racing retry)";
                self.tally.record(op, &a, Expect::Any, &variables);
                self.tally.record(op, &b, Expect::Any, &variables);
                let (x, y) = (
                    created_id(&a, "createActivity"),
                    created_id(&b, "createActivity"),
                );
                if let (Some(x), Some(y)) = (x, y)
                    && x != y
                {
                    let problem = format!("one key created two activities, {x} and {y}");
                    self.tally.fail(op, &problem, &b, &variables);
                }
                if let Some(id) = x.or(y) {
                    g.remember_activity(id);
                    g.remember_key(Keyed { input, id });
                }
            }
            Op::Update => {
                let token = if self.rng.percent(75) {
                    g.token.clone()
                } else {
                    ctx.manager.clone()
                };
                let Some((_, _, activities)) = self.read_report(&token, g.report).await else {
                    return;
                };
                if activities.is_empty() {
                    return;
                }
                let (id, version) = *self.rng.pick(&activities);
                let title = self.fresh("Updated activity");
                let mut input = json!({ "id": id, "version": version, "title": title });
                if self.rng.percent(50) {
                    input["participation"] = participation(&mut self.rng);
                }
                self.call(
                    "updateActivity",
                    &token,
                    UPDATE_ACTIVITY,
                    json!({ "input": input }),
                    Expect::Any,
                )
                .await;
            }
            Op::Outcome => {
                let Some(activity) = g.some_activity(&mut self.rng) else {
                    return;
                };
                let kind = *self
                    .rng
                    .pick(&["POLICY_COMMITMENT", "PRACTICE_CHANGE", "CAPACITY"]);
                let mut input = json!({
                    "activityId": activity, "kind": kind,
                    "statement": self.fresh("The ministry committed"),
                    "actor": "Head of Department", "date": "2024-12-06",
                });
                if self.rng.percent(50) {
                    input["idempotencyKey"] = json!(Uuid::new_v4().to_string());
                }
                let token = if self.rng.percent(80) {
                    g.token.clone()
                } else {
                    ctx.manager.clone()
                };
                self.call(
                    "recordOutcome",
                    &token,
                    RECORD_OUTCOME,
                    json!({ "input": input }),
                    Expect::Any,
                )
                .await;
            }
            Op::Lesson => {
                let kind = *self.rng.pick(&["CHALLENGE", "LESSON_LEARNED"]);
                let activity = if self.rng.percent(30) {
                    g.some_activity(&mut self.rng)
                } else {
                    None
                };
                let input = json!({
                    "reportId": g.report, "kind": kind, "text": self.fresh("Lesson"),
                    "activityId": activity, "idempotencyKey": Uuid::new_v4().to_string(),
                });
                self.call(
                    "addLesson",
                    &g.token,
                    ADD_LESSON,
                    json!({ "input": input }),
                    Expect::Any,
                )
                .await;
            }
            Op::Delete => {
                let Some((_, _, activities)) = self.read_report(&g.token, g.report).await else {
                    return;
                };
                // Keep a working set to update and attach outcomes to.
                if activities.len() < 6 {
                    return;
                }
                let (id, version) = *self.rng.pick(&activities);
                let sent = self
                    .call(
                        "deleteActivity",
                        &g.token,
                        DELETE_ACTIVITY,
                        json!({ "input": { "id": id, "version": version } }),
                        Expect::Any,
                    )
                    .await;
                if sent.data("deleteActivity").is_some() || sent.code() == Some("NOT_FOUND") {
                    g.forget_activity(id);
                }
            }
            Op::Submit => {
                let Some((_, version, _)) = self.read_report(&g.token, g.report).await else {
                    return;
                };
                self.call(
                    "submitReport",
                    &g.token,
                    SUBMIT_REPORT,
                    json!({ "input": { "id": g.report, "version": version } }),
                    Expect::Any,
                )
                .await;
            }
            Op::Return => {
                let sent = self
                    .call(
                        "reports (SUBMITTED)",
                        &ctx.manager,
                        SUBMITTED,
                        json!({}),
                        Expect::Any,
                    )
                    .await;
                let Some(node) = sent
                    .data("reports")
                    .and_then(|r| r["edges"].get(0))
                    .map(|e| e["node"].clone())
                else {
                    return;
                };
                let input = json!({
                    "id": node["id"], "version": node["version"],
                    "reason": "Please add the participation of the second forum.",
                });
                self.call(
                    "returnReport",
                    &ctx.manager,
                    RETURN_REPORT,
                    json!({ "input": input }),
                    Expect::Any,
                )
                .await;
            }
            Op::BadDates => {
                let (query, input) = match self.rng.below(3) {
                    // The real report's reversed period.
                    0 => (
                        CREATE_REPORT,
                        report_input(g.grant, "PROGRESS", "2025-08-05", "2025-01-31"),
                    ),
                    1 => {
                        let mut input = activity_input(g, &mut self.rng, "Backwards".into());
                        input["startDate"] = json!("2024-10-18");
                        input["endDate"] = json!("2024-10-17");
                        (CREATE_ACTIVITY, input)
                    }
                    _ => {
                        let mut input = activity_input(g, &mut self.rng, "No such day".into());
                        input["startDate"] = json!("2024-02-30");
                        (CREATE_ACTIVITY, input)
                    }
                };
                self.call(
                    "bad input: dates",
                    &g.token,
                    query,
                    json!({ "input": input }),
                    Expect::Refusal,
                )
                .await;
            }
            Op::BadCounts => {
                let mut input = activity_input(g, &mut self.rng, "Bad counts".into());
                input["participation"] = match self.rng.below(3) {
                    0 => json!([{ "mode": "IN_PERSON", "total": -5, "female": 0 }]),
                    1 => json!([{ "mode": "IN_PERSON", "total": 10, "female": 11 }]),
                    _ => {
                        json!([{ "mode": "ONLINE", "total": 10, "female": 2, "withDisability": -1 }])
                    }
                };
                self.call(
                    "bad input: counts",
                    &g.token,
                    CREATE_ACTIVITY,
                    json!({ "input": input }),
                    Expect::Refusal,
                )
                .await;
            }
            Op::BadIds => {
                let unknown = Uuid::now_v7();
                let other = &ctx.grantees[(gi + 1) % ctx.grantees.len()];
                let (query, input) = match self.rng.below(4) {
                    0 => (
                        UPDATE_ACTIVITY,
                        json!({ "id": unknown, "version": 1, "title": "Nothing" }),
                    ),
                    1 => (
                        RECORD_OUTCOME,
                        json!({ "activityId": unknown, "kind": "OTHER", "statement": "Nothing" }),
                    ),
                    2 => (
                        ADD_LESSON,
                        json!({ "reportId": unknown, "kind": "CHALLENGE", "text": "Nowhere" }),
                    ),
                    // Another grantee's report: must look like it does not exist.
                    _ if !std::ptr::eq(other, g) => (
                        ADD_LESSON,
                        json!({ "reportId": other.report, "kind": "CHALLENGE", "text": "Not mine" }),
                    ),
                    _ => (DELETE_ACTIVITY, json!({ "id": unknown, "version": 1 })),
                };
                self.call(
                    "bad input: unknown ids",
                    &g.token,
                    query,
                    json!({ "input": input }),
                    Expect::Refusal,
                )
                .await;
            }
        }
    }

    async fn run(mut self, deadline: Instant) -> Tally {
        let total: u64 = MIX.iter().map(|(_, w)| w).sum();
        while Instant::now() < deadline {
            let mut roll = self.rng.next() % total;
            let mut op = MIX[0].0;
            for (candidate, weight) in MIX {
                if roll < weight {
                    op = candidate;
                    break;
                }
                roll -= weight;
            }
            self.step(op).await;
        }
        self.tally
    }
}

fn created_id(sent: &Sent, field: &str) -> Option<Uuid> {
    sent.data(field)?["id"].as_str()?.parse().ok()
}

/// Files the working set through the API: a scheme, then per grantee a grant, an objective,
/// a DRAFT report the grantee opens and three activities it files.
async fn working_set(app: &TestApp, grantees: usize) -> Vec<Grantee> {
    let manager = app.manager();
    let scheme = app.new_scheme("Load scheme").await;
    let mut out = Vec::with_capacity(grantees);
    for i in 0..grantees {
        let org = app
            .new_organisation(&format!("Load grantee {i:02}"), "GRANTEE")
            .await;
        let grant = app
            .new_grant(
                scheme,
                org,
                &format!("LOAD-{i:03}"),
                "250000.00",
                "2024-01-01",
                "2025-12-31",
            )
            .await;
        let objective = app
            .add_objective(
                &manager,
                json!({ "grantId": grant, "number": 1, "statement": "Policy dialogue" }),
            )
            .await
            .unwrap()
            .id;
        let token = app.grantee(org);
        let report = app
            .create_report(
                &token,
                report_input(grant, "PROGRESS", "2024-01-01", "2024-12-31"),
            )
            .await
            .unwrap()
            .id;
        let g = Grantee {
            token,
            grant,
            objective,
            report,
            activities: Mutex::new(Vec::new()),
            keyed: Mutex::new(Vec::new()),
        };
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
        for k in 0..3 {
            let input = activity_input(&g, &mut rng, format!("Seed activity {i}-{k}"));
            let activity = app.create_activity(&g.token, input).await.unwrap();
            g.remember_activity(activity.id);
        }
        out.push(g);
    }
    out
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    super::percentile(sorted, p).as_secs_f64() * 1000.0
}

fn table(tally: &mut Tally) -> String {
    let mut out = String::from(
        "| operation | requests | 2xx | 4xx | 5xx | transport | p50 ms | p99 ms | GraphQL error codes |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    let mut total = OpStats::default();
    for op in OPERATIONS {
        let Some(s) = tally.ops.get_mut(op) else {
            continue;
        };
        s.latencies.sort();
        let codes = s
            .codes
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let other = if s.other_status > 0 {
            format!(" (+{} other)", s.other_status)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {op} | {} | {}{other} | {} | {} | {} | {:.1} | {:.1} | {} |",
            s.requests,
            s.ok,
            s.client_error,
            s.server_error,
            s.transport,
            percentile_ms(&s.latencies, 0.5),
            percentile_ms(&s.latencies, 0.99),
            if codes.is_empty() { "-" } else { &codes },
        );
        total.requests += s.requests;
        total.ok += s.ok;
        total.client_error += s.client_error;
        total.server_error += s.server_error;
        total.transport += s.transport;
        total.latencies.extend(s.latencies.iter().copied());
        for (c, n) in &s.codes {
            *total.codes.entry(c.clone()).or_default() += n;
        }
    }
    total.latencies.sort();
    let codes = total
        .codes
        .iter()
        .map(|(c, n)| format!("{c} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "| **all** | {} | {} | {} | {} | {} | {:.1} | {:.1} | {} |",
        total.requests,
        total.ok,
        total.client_error,
        total.server_error,
        total.transport,
        percentile_ms(&total.latencies, 0.5),
        percentile_ms(&total.latencies, 0.99),
        codes,
    );
    out
}

/// Runs the load; returns whether it passed.
pub async fn run(args: Args) -> bool {
    // The server's own error and warning logs (an INTERNAL's cause is only logged), on stderr.
    api::telemetry::init(&api::settings::LogSettings {
        format: api::settings::LogFormat::Text,
        filter: std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
    });
    let connections = args.connections;
    let app = TestApp::spawn_with(args.backend, |s| {
        s.database.max_connections = connections;
        s.http_workers = None;
    })
    .await
    .expect("the database is available");
    super::load(&app, args.background).await;
    let grantees = working_set(&app, args.grantees).await;
    let ctx = Arc::new(Ctx {
        url: format!("{}/graphql", app.address),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        manager: app.manager(),
        analyst: app.analyst(),
        grantees,
    });
    eprintln!(
        "{:?}: {} background grants, {} grantees in the working set; {} clients for {} s",
        args.backend, args.background, args.grantees, args.concurrency, args.seconds
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let clients: Vec<_> = (0..args.concurrency)
        .map(|id| {
            let client = Client {
                ctx: Arc::clone(&ctx),
                id,
                rng: Rng(Uuid::new_v4().as_u64_pair().0 | 1),
                tally: Tally::default(),
                counter: 0,
            };
            tokio::spawn(client.run(deadline))
        })
        .collect();
    let mut tally = Tally::default();
    for client in clients {
        tally.merge(client.await.expect("a client ran to the end"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let requests: u64 = tally.ops.values().map(|s| s.requests).sum();
    println!(
        "{:?}, {} clients, {:.0} s: {requests} requests, {:.0}/s\n",
        args.backend,
        args.concurrency,
        elapsed,
        requests as f64 / elapsed
    );
    print!("{}", table(&mut tally));
    println!("\n| code | message (ids and numbers elided) | count |\n|---|---|---:|");
    let mut refusals: Vec<_> = tally.refusals.iter().collect();
    refusals.sort_by(|a, b| b.1.cmp(a.1));
    for ((code, message), n) in refusals {
        println!("| {code} | {} | {n} |", message.replace('|', "\\|"));
    }
    let passed = tally.failures == 0;
    if passed {
        println!("\nPASS: no 5xx, no INTERNAL, no transport error, every bad input refused");
    } else {
        println!("\nFAIL: {} problems; first ones:", tally.failures);
        for example in &tally.examples {
            println!("- {example}");
        }
    }
    drop(ctx);
    drop(app);
    passed
}
