//! A grantee integration files a report through the API, and the scheme manager reviews it:
//! the workflow, validation that writes nothing, no lost updates, safe retries.

use std::collections::HashMap;

use portfolio_tests::{TestApp, error_code, error_field, on_both_databases};
use serde_json::{Value, json};
use uuid::Uuid;

const DEMO: &str = include_str!("../../api/src/seed/demo.json");

fn id(value: &Value) -> Uuid {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not an id: {value}"))
        .parse()
        .unwrap()
}

/// The scheme manager's side: scheme, grantee, grant, objective, indicator and partners.
struct Setup {
    grantee: Uuid,
    grant: Uuid,
    objective: Uuid,
    indicator: Uuid,
    partners: HashMap<String, Uuid>,
}

async fn setup(app: &TestApp, demo: &Value) -> Setup {
    let scheme = app
        .new_scheme("Cambodia Aid Advisory Services Grants Scheme")
        .await;
    let grantee = app
        .new_organisation("Advocacy and Policy Institute", "GRANTEE")
        .await;
    let g = &demo["grant"];
    let grant = app
        .new_grant(
            scheme,
            grantee,
            "CAAS-API-2024",
            g["totalFunding"].as_str().unwrap(),
            g["startDate"].as_str().unwrap(),
            g["endDate"].as_str().unwrap(),
        )
        .await;
    let o = &demo["objectives"][0];
    let objective = app.data("mutation($input: AddObjectiveInput!) { addObjective(input: $input) { id } }",
        json!({ "input": { "grantId": grant, "number": o["number"], "statement": o["statement"] } }), &app.manager()).await;
    let objective = id(&objective["addObjective"]["id"]);
    let i = &o["indicators"][0];
    let indicator = app.data("mutation($input: AddIndicatorInput!) { addIndicator(input: $input) { id } }",
        json!({ "input": { "objectiveId": objective, "statement": i["statement"], "unit": i["unit"], "baseline": i["baseline"], "target": i["target"] } }),
        &app.manager()).await;
    let indicator = id(&indicator["addIndicator"]["id"]);
    let mut partners = HashMap::new();
    partners.insert("api".to_owned(), grantee);
    for org in demo["organisations"].as_array().unwrap() {
        if org["kind"] == "PARTNER" {
            let created = app
                .new_organisation(org["name"].as_str().unwrap(), "PARTNER")
                .await;
            partners.insert(org["key"].as_str().unwrap().to_owned(), created);
        }
    }
    Setup {
        grantee,
        grant,
        objective,
        indicator,
        partners,
    }
}

const REPORT_FIELDS: &str = "id status version submittedAt returnReason";

async fn create_report(app: &TestApp, token: &str, grant: Uuid, kind: &str) -> Value {
    app.data(&format!("mutation($input: CreateReportInput!) {{ createReport(input: $input) {{ {REPORT_FIELDS} }} }}"),
        json!({ "input": { "grantId": grant, "kind": kind, "periodStart": "2024-08-05", "periodEnd": "2025-01-31",
            "dueDate": "2025-01-31", "preparedBy": { "name": "Chheng Samuth", "role": "Research and MEAL Specialist, Advocacy and Policy Institute (API)" } } }),
        token).await["createReport"].clone()
}

const CREATE_ACTIVITY: &str = "mutation($input: CreateActivityInput!) { createActivity(input: $input) { id version title participation { mode total female } organisers { name } } }";

fn activity_input(
    report: Uuid,
    objective: Option<Uuid>,
    start: &str,
    end: &str,
    rows: Value,
) -> Value {
    json!({ "input": { "reportId": report, "objectiveId": objective, "kind": "WORKSHOP", "title": "A workshop",
        "startDate": start, "endDate": end, "participation": rows } })
}

async fn workflow(
    app: &TestApp,
    token: &str,
    mutation: &str,
    report: &Value,
    extra: Value,
) -> Value {
    let mut input = json!({ "id": report["id"], "version": report["version"] });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.graphql(
        &format!(
            "mutation($input: {}Input!) {{ {}(input: $input) {{ {REPORT_FIELDS} }} }}",
            capitalise(mutation),
            mutation
        ),
        json!({ "input": input }),
        Some(token),
    )
    .await
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

on_both_databases! {
    async fn a_grantee_integration_files_the_seed_report_and_the_manager_reviews_it(app) {
        let demo: Value = serde_json::from_str(DEMO).unwrap();
        let s = setup(&app, &demo).await;
        let grantee = app.grantee(s.grantee);
        let report = create_report(&app, &grantee, s.grant, "COMPLETION").await;
        assert_eq!(report["status"], "DRAFT");
        let report_id = id(&report["id"]);

        let mut activities: HashMap<String, Uuid> = HashMap::new();
        let mut outcomes = 0;
        for a in demo["activities"].as_array().unwrap() {
            let organisers: Vec<Uuid> = a["organisers"].as_array().unwrap().iter().map(|k| s.partners[k.as_str().unwrap()]).collect();
            let created = app.data(CREATE_ACTIVITY, json!({ "input": {
                "reportId": report_id, "objectiveId": s.objective, "kind": a["kind"], "title": a["title"],
                "startDate": a["startDate"], "endDate": a["endDate"], "venue": a["venue"], "location": a["location"],
                "narrative": a["narrative"], "participation": a["participation"], "organiserIds": organisers,
                "idempotencyKey": format!("activity-{}", a["key"].as_str().unwrap()),
            } }), &grantee).await;
            let created = &created["createActivity"];
            assert_eq!(created["participation"], a["participation"], "participation comes back as sent");
            activities.insert(a["key"].as_str().unwrap().to_owned(), id(&created["id"]));
            for o in a["outcomes"].as_array().unwrap() {
                app.data("mutation($input: RecordOutcomeInput!) { recordOutcome(input: $input) { id } }", json!({ "input": {
                    "activityId": created["id"], "kind": o["kind"], "statement": o["statement"], "actor": o["actor"],
                    "institution": o["institution"], "evidence": o["evidence"], "date": o["date"],
                } }), &grantee).await;
                outcomes += 1;
            }
        }
        let result = &demo["indicatorResults"][0];
        app.data("mutation($input: RecordIndicatorResultInput!) { recordIndicatorResult(input: $input) { actual } }",
            json!({ "input": { "reportId": report_id, "indicatorId": s.indicator, "actual": result["actual"], "narrative": result["narrative"] } }),
            &grantee).await;
        for l in demo["lessons"].as_array().unwrap() {
            let activity = l["activity"].as_str().map(|k| activities[k]);
            app.data("mutation($input: AddLessonInput!) { addLesson(input: $input) { id } }",
                json!({ "input": { "reportId": report_id, "kind": l["kind"], "text": l["text"], "activityId": activity } }), &grantee).await;
        }
        for c in demo["caseStudies"].as_array().unwrap() {
            let activity = c["activity"].as_str().map(|k| activities[k]);
            app.data("mutation($input: AddCaseStudyInput!) { addCaseStudy(input: $input) { id } }",
                json!({ "input": { "reportId": report_id, "title": c["title"], "narrative": c["narrative"], "activityId": activity } }), &grantee).await;
        }

        // Submit; the server sets submittedAt.
        let submitted = workflow(&app, &grantee, "submitReport", &report, json!({})).await;
        let submitted = &submitted["data"]["submitReport"];
        assert_eq!(submitted["status"], "SUBMITTED");
        assert!(submitted["submittedAt"].as_str().is_some());
        // Read-only to the grantee while submitted, and the refusal names the state.
        let refused = app.graphql("mutation($input: AddLessonInput!) { addLesson(input: $input) { id } }",
            json!({ "input": { "reportId": report_id, "kind": "LESSON_LEARNED", "text": "late" } }), Some(&grantee)).await;
        assert_eq!(error_code(&refused), Some("CONFLICT"));
        assert!(refused["errors"][0]["message"].as_str().unwrap().contains("SUBMITTED"));

        // Returned, with a reason the grantee can read.
        let returned = workflow(&app, &app.manager(), "returnReport", submitted, json!({ "reason": "The A2I workshop's online women are 35, not 36." })).await;
        let returned = &returned["data"]["returnReport"];
        assert_eq!(returned["status"], "RETURNED");
        let seen = app.data("query($id: UUID!) { report(id: $id) { status returnReason } }", json!({ "id": report_id }), &grantee).await;
        assert_eq!(seen["report"]["returnReason"], "The A2I workshop's online women are 35, not 36.");

        // The grantee edits (from the version it read) and resubmits.
        let a2i = activities["a2i-day-2024-09-27"];
        let edited = app.data("mutation($input: UpdateActivityInput!) { updateActivity(input: $input) { version venue } }",
            json!({ "input": { "id": a2i, "version": 1, "venue": "Sunway Hotel, Phnom Penh" } }), &grantee).await;
        assert_eq!(edited["updateActivity"], json!({ "version": 2, "venue": "Sunway Hotel, Phnom Penh" }));
        let resubmitted = workflow(&app, &grantee, "submitReport", returned, json!({})).await;
        let resubmitted = &resubmitted["data"]["submitReport"];
        assert_eq!(resubmitted["status"], "SUBMITTED");
        let accepted = workflow(&app, &app.manager(), "acceptReport", resubmitted, json!({})).await;
        assert_eq!(accepted["data"]["acceptReport"]["status"], "ACCEPTED");

        // What was filed is what the report states.
        let filed = app.data("query($id: UUID!) { grant(id: $id) { participation { total female inPerson online }
              reports { status activities { title outcomes { id } } lessons { kind } caseStudies { title activity { title } } indicatorResults { actual } } } }",
            json!({ "id": s.grant }), &app.analyst()).await;
        let g = &filed["grant"];
        assert_eq!(g["participation"], json!({ "total": 833, "female": 353, "inPerson": 229, "online": 69 }));
        let r = &g["reports"][0];
        assert_eq!(r["status"], "ACCEPTED");
        assert_eq!(r["activities"].as_array().unwrap().len(), 4);
        let filed_outcomes: usize = r["activities"].as_array().unwrap().iter().map(|a| a["outcomes"].as_array().unwrap().len()).sum();
        assert_eq!(filed_outcomes, outcomes);
        assert_eq!(r["lessons"].as_array().unwrap().len(), 5);
        assert_eq!(r["caseStudies"].as_array().unwrap().len(), 4);
        assert_eq!(r["indicatorResults"][0]["actual"], "3");

        // ACCEPTED is final, for everyone.
        for token in [&grantee, &app.manager()] {
            let late = app.graphql("mutation($input: UpdateActivityInput!) { updateActivity(input: $input) { id } }",
                json!({ "input": { "id": a2i, "version": 2, "title": "x" } }), Some(token)).await;
            assert_eq!(error_code(&late), Some("CONFLICT"));
            assert!(late["errors"][0]["message"].as_str().unwrap().contains("ACCEPTED"));
        }

        // The trail shows the round trip and what changed between submissions.
        let trail = app.data("query($id: UUID!) { auditEvents(filter: { entity: \"Report\", entityId: $id }) { edges { node { action role } } } }",
            json!({ "id": report_id }), &app.manager()).await;
        let actions: Vec<&str> = trail["auditEvents"]["edges"].as_array().unwrap().iter().rev().map(|e| e["node"]["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["createReport", "submitReport", "returnReport", "submitReport", "acceptReport"]);
        let change = app.data("query($id: UUID!) { auditEvents(filter: { entityId: $id }) { edges { node { action before after } } } }",
            json!({ "id": a2i }), &app.manager()).await;
        let update = &change["auditEvents"]["edges"][0]["node"];
        assert_eq!(update["action"], "updateActivity");
        assert_eq!(update["before"]["venue"], "Sunway Hotel");
        assert_eq!(update["after"]["venue"], "Sunway Hotel, Phnom Penh");
        assert_eq!(update["after"]["participation"].as_array().unwrap().len(), 2);
    }

    async fn submission_lists_every_problem_of_the_report(app) {
        let demo: Value = serde_json::from_str(DEMO).unwrap();
        let s = setup(&app, &demo).await;
        let grantee = app.grantee(s.grantee);
        let report = create_report(&app, &grantee, s.grant, "COMPLETION").await;
        let empty = workflow(&app, &grantee, "submitReport", &report, json!({})).await;
        assert_eq!(error_code(&empty), Some("BAD_USER_INPUT"));
        let fields: Vec<&str> = empty["errors"][0]["extensions"]["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["activities", "indicatorResults"]);
        app.data(CREATE_ACTIVITY, activity_input(id(&report["id"]), None, "2024-09-01", "2024-09-01", json!([])), &grantee).await;
        let still = workflow(&app, &grantee, "submitReport", &report, json!({})).await;
        let fields: Vec<&str> = still["errors"][0]["extensions"]["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["activities[0].participation", "indicatorResults"]);
        let unchanged = app.data("query($id: UUID!) { report(id: $id) { status version submittedAt } }", json!({ "id": report["id"] }), &grantee).await;
        assert_eq!(unchanged["report"], json!({ "status": "DRAFT", "version": 1, "submittedAt": null }));
    }

    async fn only_the_scheme_manager_reviews_and_states_are_respected(app) {
        let demo: Value = serde_json::from_str(DEMO).unwrap();
        let s = setup(&app, &demo).await;
        let grantee = app.grantee(s.grantee);
        let report = create_report(&app, &grantee, s.grant, "PROGRESS").await;
        let accept_draft = workflow(&app, &app.manager(), "acceptReport", &report, json!({})).await;
        assert_eq!(error_code(&accept_draft), Some("CONFLICT"));
        app.data(CREATE_ACTIVITY, activity_input(id(&report["id"]), None, "2024-09-01", "2024-09-02",
            json!([{ "mode": "IN_PERSON", "total": 10, "female": 4 }])), &grantee).await;
        let analyst = workflow(&app, &app.analyst(), "submitReport", &report, json!({})).await;
        assert_eq!(error_code(&analyst), Some("FORBIDDEN"));
        let submitted = workflow(&app, &grantee, "submitReport", &report, json!({})).await["data"]["submitReport"].clone();
        for mutation in ["acceptReport", "returnReport"] {
            let own = workflow(&app, &grantee, mutation, &submitted, json!(if mutation == "returnReport" { json!({ "reason": "x" }) } else { json!({}) })).await;
            assert_eq!(error_code(&own), Some("FORBIDDEN"), "{mutation}");
        }
        let again = workflow(&app, &grantee, "submitReport", &submitted, json!({})).await;
        assert_eq!(error_code(&again), Some("CONFLICT"));
        let no_reason = workflow(&app, &app.manager(), "returnReport", &submitted, json!({ "reason": "  " })).await;
        assert_eq!(error_field(&no_reason), Some("reason"));
        let stale = workflow(&app, &app.manager(), "acceptReport", &report, json!({})).await;
        assert_eq!(error_code(&stale), Some("CONFLICT"), "version 1 is stale after submission");
    }

    async fn bad_input_is_refused_naming_the_field_and_nothing_is_written(app) {
        let demo: Value = serde_json::from_str(DEMO).unwrap();
        let s = setup(&app, &demo).await;
        let grantee = app.grantee(s.grantee);
        let report = id(&create_report(&app, &grantee, s.grant, "PROGRESS").await["id"]);
        let rows = |v: Value| v;
        let cases = [
            (activity_input(report, None, "2024-08-04", "2024-08-05", json!([])), "startDate"),
            (activity_input(report, None, "2025-01-30", "2025-02-01", json!([])), "endDate"),
            (activity_input(report, None, "2024-10-18", "2024-10-17", json!([])), "endDate"),
            (activity_input(report, None, "2024-02-30", "2024-10-17", json!([])), "startDate"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", rows(json!([{ "mode": "ONLINE", "total": 69, "female": 70 }]))), "participation[0].female"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", rows(json!([{ "mode": "ONLINE", "total": -1, "female": 0 }]))), "participation[0].total"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", rows(json!([{ "mode": "ONLINE", "total": 5, "female": 1, "withDisability": 6 }]))), "participation[0].withDisability"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", rows(json!([{ "mode": "ONLINE", "total": 5, "female": 1 }, { "mode": "ONLINE", "total": 3, "female": 1 }]))), "participation[1].mode"),
            (activity_input(report, Some(Uuid::new_v4()), "2024-10-17", "2024-10-18", json!([])), "objectiveId"),
        ];
        for (input, field) in cases {
            let response = app.graphql(CREATE_ACTIVITY, input, Some(&grantee)).await;
            assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{field}: {response}");
            assert_eq!(error_field(&response), Some(field), "{response}");
        }
        let mut long = activity_input(report, None, "2024-10-17", "2024-10-18", json!([]));
        long["input"]["title"] = json!("x".repeat(501));
        assert_eq!(error_field(&app.graphql(CREATE_ACTIVITY, long, Some(&grantee)).await), Some("title"));
        assert_eq!(app.count("activities").await, 0);
        assert_eq!(app.count("activity_participation").await, 0);

        // Another grant's objective, indicator and activities are refused the same way.
        let other_grantee = app.new_organisation("Other", "GRANTEE").await;
        let scheme = app.data("{ schemes { id } }", json!({}), &app.manager()).await["schemes"][0]["id"].clone();
        let other_grant = app.new_grant(id(&scheme), other_grantee, "OTHER", "10.00", "2024-01-01", "2025-12-31").await;
        let other_objective = app.data("mutation($input: AddObjectiveInput!) { addObjective(input: $input) { id } }",
            json!({ "input": { "grantId": other_grant, "number": 1, "statement": "theirs" } }), &app.manager()).await["addObjective"]["id"].clone();
        let other_indicator = app.data("mutation($input: AddIndicatorInput!) { addIndicator(input: $input) { id } }",
            json!({ "input": { "objectiveId": other_objective, "statement": "theirs", "unit": "things" } }), &app.manager()).await["addIndicator"]["id"].clone();
        let as_manager = app.graphql(CREATE_ACTIVITY, activity_input(report, Some(id(&other_objective)), "2024-10-17", "2024-10-18", json!([])), Some(&app.manager())).await;
        assert_eq!(error_field(&as_manager), Some("objectiveId"));
        // Another grantee is never a co-organiser: its id would land in this grantee's records.
        let mut with_other = activity_input(report, None, "2024-10-17", "2024-10-18", json!([]));
        with_other["input"]["organiserIds"] = json!([s.partners["drwg"], other_grantee]);
        let refused = app.graphql(CREATE_ACTIVITY, with_other, Some(&app.manager())).await;
        assert_eq!(error_field(&refused), Some("organiserIds[1]"));
        let result = app.graphql("mutation($input: RecordIndicatorResultInput!) { recordIndicatorResult(input: $input) { id } }",
            json!({ "input": { "reportId": report, "indicatorId": other_indicator, "actual": "1" } }), Some(&app.manager())).await;
        assert_eq!(error_field(&result), Some("indicatorId"));

        let mine = app.data(CREATE_ACTIVITY, activity_input(report, None, "2024-10-17", "2024-10-18", json!([{ "mode": "UNSPECIFIED", "total": 3, "female": 1 }])), &grantee).await;
        let mine = id(&mine["createActivity"]["id"]);
        let other_report = id(&app.create_report_raw(other_grant, &app.manager()).await["data"]["createReport"]["id"]);
        let theirs = app.data(CREATE_ACTIVITY, activity_input(other_report, None, "2025-01-02", "2025-01-03", json!([])), &app.manager()).await;
        let outcome = app.data("mutation($input: RecordOutcomeInput!) { recordOutcome(input: $input) { id version } }",
            json!({ "input": { "activityId": mine, "kind": "POLICY_COMMITMENT", "statement": "A ministry committed" } }), &grantee).await;
        let moved = app.graphql("mutation($input: UpdateOutcomeInput!) { updateOutcome(input: $input) { id } }",
            json!({ "input": { "id": outcome["recordOutcome"]["id"], "version": 1, "activityId": theirs["createActivity"]["id"] } }), Some(&app.manager())).await;
        assert_eq!(error_field(&moved), Some("activityId"));
        let lesson = app.graphql("mutation($input: AddLessonInput!) { addLesson(input: $input) { id } }",
            json!({ "input": { "reportId": report, "kind": "CHALLENGE", "text": "t", "activityId": theirs["createActivity"]["id"] } }), Some(&app.manager())).await;
        assert_eq!(error_field(&lesson), Some("activityId"));
        // A grantee naming another grantee's report or activity learns nothing of it.
        let foreign = app.graphql("mutation($input: RecordOutcomeInput!) { recordOutcome(input: $input) { id } }",
            json!({ "input": { "activityId": theirs["createActivity"]["id"], "kind": "OTHER", "statement": "x" } }), Some(&grantee)).await;
        assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
        assert_eq!(error_field(&foreign), Some("activityId"));
        let foreign = app.graphql(CREATE_ACTIVITY, activity_input(other_report, None, "2025-01-02", "2025-01-03", json!([])), Some(&grantee)).await;
        assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
        assert_eq!(app.count("outcomes").await, 1);
        assert_eq!(app.count("lessons").await, 0);
    }

    async fn concurrent_updates_from_one_version_have_exactly_one_winner(app) {
        let demo: Value = serde_json::from_str(DEMO).unwrap();
        let s = setup(&app, &demo).await;
        let grantee = app.grantee(s.grantee);
        let report = create_report(&app, &grantee, s.grant, "PROGRESS").await;
        let activity = app.data(CREATE_ACTIVITY, activity_input(id(&report["id"]), None, "2024-10-17", "2024-10-18",
            json!([{ "mode": "UNSPECIFIED", "total": 10, "female": 5 }])), &grantee).await;
        let activity = activity["createActivity"]["id"].clone();
        let writers = (0..8).map(|i| {
            let (app, grantee, activity) = (&app, &grantee, activity.clone());
            async move {
                app.graphql("mutation($input: UpdateActivityInput!) { updateActivity(input: $input) { version title } }",
                    json!({ "input": { "id": activity, "version": 1, "title": format!("Writer {i}"),
                        "participation": [{ "mode": "UNSPECIFIED", "total": 10 + i, "female": 5 }] } }), Some(grantee)).await
            }
        });
        let results = futures_util::future::join_all(writers).await;
        let winners: Vec<&Value> = results.iter().filter(|r| r.get("errors").is_none()).collect();
        assert_eq!(winners.len(), 1, "{results:#?}");
        for r in results.iter().filter(|r| r.get("errors").is_some()) {
            assert_eq!(error_code(r), Some("CONFLICT"), "{r}");
        }
        let now = app.data("query($id: UUID!) { report(id: $id) { activities { version title participation { total } } } }",
            json!({ "id": report["id"] }), &grantee).await;
        let a = &now["report"]["activities"][0];
        assert_eq!(a["version"], 2);
        assert_eq!(a["title"], winners[0]["data"]["updateActivity"]["title"]);
        assert_eq!(a["participation"].as_array().unwrap().len(), 1, "the loser's rows were not written");

        let submits = (0..5).map(|_| workflow(&app, &grantee, "submitReport", &report, json!({})));
        let results = futures_util::future::join_all(submits).await;
        assert_eq!(results.iter().filter(|r| r.get("errors").is_none()).count(), 1, "{results:#?}");
        assert!(results.iter().filter(|r| r.get("errors").is_some()).all(|r| error_code(r) == Some("CONFLICT")));
        let trail = app.data("query($id: UUID!) { auditEvents(filter: { entityId: $id }) { totalCount } }", json!({ "id": report["id"] }), &app.manager()).await;
        assert_eq!(trail["auditEvents"]["totalCount"], 2, "createReport and one submitReport");

        // Many writers at once on different rows: the database is busy, nobody gets an error.
        let draft = id(&create_report(&app, &grantee, s.grant, "PROGRESS").await["id"]);
        let writers = (0..16).map(|i| {
            let (app, grantee) = (&app, &grantee);
            async move {
                app.graphql("mutation($input: AddLessonInput!) { addLesson(input: $input) { id } }",
                    json!({ "input": { "reportId": draft, "kind": "LESSON_LEARNED", "text": format!("Lesson {i}") } }), Some(grantee)).await
            }
        });
        let results = futures_util::future::join_all(writers).await;
        assert!(results.iter().all(|r| r.get("errors").is_none()), "{results:#?}");
        assert_eq!(app.count("lessons").await, 16);
    }

    async fn retried_creates_with_an_idempotency_key_write_once(app) {
        let demo: Value = serde_json::from_str(DEMO).unwrap();
        let s = setup(&app, &demo).await;
        let grantee = app.grantee(s.grantee);
        let report = id(&create_report(&app, &grantee, s.grant, "PROGRESS").await["id"]);
        let mut input = activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 229, "female": 104 }, { "mode": "ONLINE", "total": 69, "female": 35 }]));
        input["input"]["idempotencyKey"] = json!("a2i-workshop-2024");
        let events = app.count("audit_events").await;
        let attempts = (0..4).map(|_| app.graphql(CREATE_ACTIVITY, input.clone(), Some(&grantee)));
        let results = futures_util::future::join_all(attempts).await;
        let ids: Vec<&Value> = results.iter().map(|r| &r["data"]["createActivity"]["id"]).collect();
        assert!(ids.iter().all(|i| *i == ids[0] && i.is_string()), "{results:#?}");
        let again = app.data(CREATE_ACTIVITY, input.clone(), &grantee).await;
        assert_eq!(&again["createActivity"]["id"], ids[0]);
        assert_eq!(app.count("activities").await, 1);
        assert_eq!(app.count("audit_events").await, events + 1);
        let totals = app.data("query($id: UUID!) { grant(id: $id) { participation { total female } } }", json!({ "id": s.grant }), &grantee).await;
        assert_eq!(totals["grant"]["participation"], json!({ "total": 298, "female": 139 }), "participants are never double-counted");

        input["input"]["title"] = json!("Something else");
        let reused = app.graphql(CREATE_ACTIVITY, input, Some(&grantee)).await;
        assert_eq!(error_code(&reused), Some("CONFLICT"));
        assert_eq!(app.count("activities").await, 1);

        // Another grantee's integration with the same `sub` and the same key is another caller.
        let other = app.new_organisation("Other NGO", "GRANTEE").await;
        let scheme = app.data("{ schemes { id } }", json!({}), &app.manager()).await["schemes"][0]["id"].clone();
        let other_grant = app.new_grant(id(&scheme), other, "OTHER-1", "10.00", "2024-01-01", "2025-12-31").await;
        let same_sub = |org: Uuid| portfolio_tests::token(json!({ "sub": "integration", "role": "grantee", "org_id": org.to_string() }));
        let other_report = id(&create_report(&app, &same_sub(other), other_grant, "PROGRESS").await["id"]);
        let mut theirs = activity_input(other_report, None, "2024-09-27", "2024-09-27", json!([{ "mode": "IN_PERSON", "total": 5, "female": 2 }]));
        theirs["input"]["idempotencyKey"] = json!("shared-key");
        let mut mine = activity_input(report, None, "2024-09-27", "2024-09-27", json!([{ "mode": "IN_PERSON", "total": 7, "female": 3 }]));
        mine["input"]["idempotencyKey"] = json!("shared-key");
        let first = app.data(CREATE_ACTIVITY, theirs, &same_sub(other)).await;
        let second = app.data(CREATE_ACTIVITY, mine, &same_sub(s.grantee)).await;
        assert_ne!(first["createActivity"]["id"], second["createActivity"]["id"]);
        assert_eq!(second["createActivity"]["participation"][0]["total"], 7);

        let lesson = json!({ "input": { "reportId": report, "kind": "LESSON_LEARNED", "text": "Engage stakeholders early", "idempotencyKey": "lesson-1" } });
        let first = app.data("mutation($input: AddLessonInput!) { addLesson(input: $input) { id } }", lesson.clone(), &grantee).await;
        let second = app.data("mutation($input: AddLessonInput!) { addLesson(input: $input) { id } }", lesson, &grantee).await;
        assert_eq!(first, second);
        assert_eq!(app.count("lessons").await, 1);
    }

    async fn a_failure_midway_through_a_multi_row_write_leaves_no_trace(app) {
        use sea_orm::ConnectionTrait;
        let demo: Value = serde_json::from_str(DEMO).unwrap();
        let s = setup(&app, &demo).await;
        let grantee = app.grantee(s.grantee);
        let report = id(&create_report(&app, &grantee, s.grant, "PROGRESS").await["id"]);
        // Make the database fail on the second organiser row, after the activity, its
        // participation rows and the first organiser are written.
        let trigger = match app.backend {
            portfolio_tests::Backend::Sqlite => vec![
                "CREATE TRIGGER fail_second_organiser BEFORE INSERT ON activity_organisers WHEN NEW.position = 1 BEGIN SELECT RAISE(ABORT, 'injected failure'); END".to_owned(),
            ],
            portfolio_tests::Backend::Postgres => vec![
                "CREATE FUNCTION fail_second_organiser() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.position = 1 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$".to_owned(),
                "CREATE TRIGGER fail_second_organiser BEFORE INSERT ON activity_organisers FOR EACH ROW EXECUTE FUNCTION fail_second_organiser()".to_owned(),
            ],
        };
        for sql in trigger {
            app.db.execute_unprepared(&sql).await.unwrap();
        }
        let before = (app.count("activities").await, app.count("activity_participation").await, app.count("activity_organisers").await, app.count("audit_events").await);
        let mut input = activity_input(report, None, "2024-12-06", "2024-12-06",
            json!([{ "mode": "IN_PERSON", "total": 100, "female": 40 }, { "mode": "ONLINE", "total": 60, "female": 45 }]));
        input["input"]["organiserIds"] = json!([s.partners["ncdd"], s.partners["svl"]]);
        input["input"]["idempotencyKey"] = json!("will-fail");
        let response = app.graphql(CREATE_ACTIVITY, input, Some(&grantee)).await;
        assert_eq!(error_code(&response), Some("INTERNAL"), "{response}");
        assert!(!response.to_string().contains("injected failure"), "details stay in the log");
        let after = (app.count("activities").await, app.count("activity_participation").await, app.count("activity_organisers").await, app.count("audit_events").await);
        assert_eq!(before, after);
        assert_eq!(app.count("idempotency_keys").await, 0);
    }

    async fn wrong_content_can_be_corrected_or_removed(app) {
        let demo: Value = serde_json::from_str(DEMO).unwrap();
        let s = setup(&app, &demo).await;
        let grantee = app.grantee(s.grantee);
        let report = id(&create_report(&app, &grantee, s.grant, "PROGRESS").await["id"]);
        let a = app.data(CREATE_ACTIVITY, activity_input(report, Some(s.objective), "2024-10-17", "2024-10-18", json!([{ "mode": "UNSPECIFIED", "total": 174, "female": 74 }])), &grantee).await;
        let b = app.data(CREATE_ACTIVITY, activity_input(report, None, "2024-12-06", "2024-12-06", json!([{ "mode": "UNSPECIFIED", "total": 201, "female": 55 }])), &grantee).await;
        let (a, b) = (a["createActivity"]["id"].clone(), b["createActivity"]["id"].clone());
        // An outcome recorded against the wrong activity is moved.
        let o = app.data("mutation($input: RecordOutcomeInput!) { recordOutcome(input: $input) { id version } }",
            json!({ "input": { "activityId": a, "kind": "POLICY_COMMITMENT", "statement": "Health centres will serve equitably", "actor": "H.E. Khiev Hok", "institution": "Ministry of Health" } }), &grantee).await;
        let moved = app.data("mutation($input: UpdateOutcomeInput!) { updateOutcome(input: $input) { version activity { id } institution } }",
            json!({ "input": { "id": o["recordOutcome"]["id"], "version": 1, "activityId": b } }), &grantee).await;
        assert_eq!(moved["updateOutcome"]["activity"]["id"], b);
        assert_eq!(moved["updateOutcome"]["version"], 2);
        // A lesson with a typo is fixed; a stale fix is refused.
        let l = app.data("mutation($input: AddLessonInput!) { addLesson(input: $input) { id } }",
            json!({ "input": { "reportId": report, "kind": "LESSON_LEARNED", "text": "Engage stakeholdres early", "activityId": a } }), &grantee).await;
        let fixed = app.data("mutation($input: UpdateLessonInput!) { updateLesson(input: $input) { text version } }",
            json!({ "input": { "id": l["addLesson"]["id"], "version": 1, "text": "Engage stakeholders early" } }), &grantee).await;
        assert_eq!(fixed["updateLesson"], json!({ "text": "Engage stakeholders early", "version": 2 }));
        let stale = app.graphql("mutation($input: UpdateLessonInput!) { updateLesson(input: $input) { text } }",
            json!({ "input": { "id": l["addLesson"]["id"], "version": 1, "text": "Engage stakeholders later" } }), Some(&grantee)).await;
        assert_eq!(error_code(&stale), Some("CONFLICT"));
        // Clearing an optional field with null.
        let cleared = app.data("mutation($input: UpdateActivityInput!) { updateActivity(input: $input) { objective { id } } }",
            json!({ "input": { "id": a, "version": 1, "objectiveId": null } }), &grantee).await;
        assert_eq!(cleared["updateActivity"]["objective"], Value::Null);
        // Deleting an activity takes its participation and outcomes; the lesson stays, unlinked.
        let stale_delete = app.graphql("mutation($input: DeleteInput!) { deleteActivity(input: $input) { id } }",
            json!({ "input": { "id": a, "version": 1 } }), Some(&grantee)).await;
        assert_eq!(error_code(&stale_delete), Some("CONFLICT"));
        let deleted = app.data("mutation($input: DeleteInput!) { deleteActivity(input: $input) { id title } }",
            json!({ "input": { "id": a, "version": 2 } }), &grantee).await;
        assert_eq!(deleted["deleteActivity"]["id"], a);
        let left = app.data("query($id: UUID!) { report(id: $id) { activities { id outcomes { id } } lessons { text version activity { id } } } }",
            json!({ "id": report }), &grantee).await;
        assert_eq!(left["report"]["activities"].as_array().unwrap().len(), 1);
        assert_eq!(left["report"]["activities"][0]["outcomes"].as_array().unwrap().len(), 1);
        assert_eq!(left["report"]["lessons"][0]["activity"], Value::Null);
        assert_eq!(left["report"]["lessons"][0]["version"], 3, "unlinking is a change a client must see");
        assert_eq!(app.count("activity_participation").await, 1);
        let removed = app.data("mutation($input: DeleteInput!) { deleteOutcome(input: $input) { institution } }",
            json!({ "input": { "id": o["recordOutcome"]["id"], "version": 2 } }), &grantee).await;
        assert_eq!(removed["deleteOutcome"]["institution"], "Ministry of Health");
        assert_eq!(app.count("outcomes").await, 0);
    }
}
