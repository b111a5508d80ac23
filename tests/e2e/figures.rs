//! Figures an analyst can trust: "not recorded" kept apart from zero, each real event counted
//! once, warnings beside the data and every inference visible in it.

use portfolio_tests::{TestApp, activity_input, on_both_databases, report_input};
use serde_json::{Value, json};
use uuid::Uuid;

const TOTALS: &str = "total female male withDisability inPerson online unspecified \
    femaleRecordedOf maleRecordedOf withDisabilityRecordedOf femaleShare";

async fn grant_participation(app: &TestApp, token: &str, grant: Uuid) -> Value {
    let query =
        format!("query($id: UUID!) {{ grant(id: $id) {{ participation {{ {TOTALS} }} }} }}");
    app.data(&query, json!({ "id": grant }), token).await["grant"]["participation"].clone()
}

/// The activities the first indicator result of `report` counts.
async fn evidence(app: &TestApp, report: Uuid, token: &str) -> Value {
    let query = "query($id: UUID!) { report(id: $id) { indicatorResults { activities { id } } } }";
    app.data(query, json!({ "id": report }), token).await["report"]["indicatorResults"][0]["activities"].clone()
}

on_both_databases! {
    async fn a_count_whose_sex_was_not_recorded_never_moves_the_female_share(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        let recorded = app.create_activity(&grantee, activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 100, "female": 40, "male": 60, "withDisability": 0 }]))).await.unwrap();
        assert_eq!(recorded.participation[0].male, Some(60));
        let before = grant_participation(&app, &grantee, s.grant).await;
        assert_eq!(before["femaleShare"], 0.4);

        // Fifty more, their sex not recorded: counted in the total, never as men or women.
        let unrecorded = app.create_activity(&grantee, activity_input(report, None, "2024-10-17", "2024-10-17",
            json!([{ "mode": "ONLINE", "total": 50 }]))).await.unwrap();
        assert_eq!((unrecorded.participation[0].female, unrecorded.participation[0].male), (None, None));
        let after = grant_participation(&app, &grantee, s.grant).await;
        assert_eq!(after, json!({
            "total": 150, "female": 40, "male": 60, "withDisability": 0, "inPerson": 100, "online": 50,
            "unspecified": 0, "femaleRecordedOf": 100, "maleRecordedOf": 100, "withDisabilityRecordedOf": 100,
            "femaleShare": 0.4,
        }));

        // Recorded as no women at all is a fact, and it does move the share.
        app.create_activity(&grantee, activity_input(report, None, "2024-11-01", "2024-11-01",
            json!([{ "mode": "UNSPECIFIED", "total": 100, "female": 0 }]))).await.unwrap();
        let with_none = grant_participation(&app, &grantee, s.grant).await;
        assert_eq!((with_none["femaleRecordedOf"].as_i64(), with_none["femaleShare"].as_f64()), (Some(200), Some(0.2)));
        assert_eq!(with_none["maleRecordedOf"], 100);
    }

    async fn a_summary_with_no_sex_recorded_has_no_female_share(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        app.create_activity(&grantee, activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "UNSPECIFIED", "total": 30 }]))).await.unwrap();
        let totals = grant_participation(&app, &grantee, s.grant).await;
        assert_eq!((totals["total"].as_i64(), totals["female"].as_i64()), (Some(30), Some(0)));
        assert_eq!(totals["femaleRecordedOf"], 0);
        assert_eq!(totals["femaleShare"], Value::Null);
    }
}

on_both_databases! {
    async fn a_grantee_or_the_scheme_manager_records_a_correction_and_it_is_audited(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap();
        let events = app.count("audit_events").await;
        let correction = app.add_correction(&grantee, json!({
            "reportId": report.id, "field": "activity.location", "asReported": null,
            "recordedAs": "Phnom Penh", "reason": "The hotel is in Phnom Penh; the report does not say so.",
        })).await.unwrap();
        assert_eq!((correction.field.as_str(), correction.as_reported.as_deref(), correction.recorded_as.as_str()),
            ("activity.location", None, "Phnom Penh"));
        assert_eq!(app.count("audit_events").await, events + 1);
        let audit = app.data("query($id: UUID!) { auditEvents(filter: { entityId: $id }) { edges { node { action entity } } } }",
            json!({ "id": correction.id }), &app.manager()).await;
        assert_eq!(audit["auditEvents"]["edges"][0]["node"], json!({ "action": "addCorrection", "entity": "Correction" }));

        let refused = app.add_correction(&grantee, json!({ "reportId": report.id, "field": "report.dueDate",
            "recordedAs": " ", "reason": "r" })).await.unwrap_err();
        assert_eq!((refused.code.as_str(), refused.field.as_deref()), ("BAD_USER_INPUT", Some("recordedAs")));
        let analyst = app.add_correction(&app.analyst(), json!({ "reportId": report.id, "field": "f",
            "recordedAs": "x", "reason": "r" })).await.unwrap_err();
        assert_eq!(analyst.code, "FORBIDDEN");
        let other = app.other_grantee(s.scheme).await;
        let theirs = app.add_correction(&app.grantee(other.org), json!({ "reportId": report.id, "field": "f",
            "recordedAs": "x", "reason": "r" })).await.unwrap_err();
        assert_eq!(theirs.code, "NOT_FOUND");

        // Once submitted, the grantee's report is read-only to it; the scheme manager may still
        // record what it had to correct.
        app.create_activity(&grantee, activity_input(report.id, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 10 }]))).await.unwrap();
        let report = app.data("query($id: UUID!) { report(id: $id) { id version } }", json!({ "id": report.id }), &grantee)
            .await["report"].clone();
        app.submit_report(&grantee, report.clone()).await.unwrap();
        let report: portfolio_tests::mutations::Ref = serde_json::from_value(report).unwrap();
        let late = app.add_correction(&grantee, json!({ "reportId": report.id, "field": "f",
            "recordedAs": "x", "reason": "r" })).await.unwrap_err();
        assert_eq!(late.code, "CONFLICT");
        app.add_correction(&app.manager(), json!({ "reportId": report.id, "field": "report.periodEnd",
            "asReported": "31 Jan", "recordedAs": "2025-01-31", "reason": "The year is not printed." })).await.unwrap();
        let listed = app.data("query($id: UUID!) { report(id: $id) { corrections { field } } }",
            json!({ "id": report.id }), &grantee).await;
        assert_eq!(listed["report"]["corrections"], json!([{ "field": "activity.location" }, { "field": "report.periodEnd" }]));
        let hidden = app.data("query($id: UUID!) { report(id: $id) { id } }", json!({ "id": report.id }), &app.grantee(other.org)).await;
        assert_eq!(hidden["report"], Value::Null);
    }
}

on_both_databases! {
    async fn an_indicator_result_names_the_activities_it_counts_and_only_of_its_own_report(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        let first = app.create_activity(&grantee, activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 10 }]))).await.unwrap().id;
        let second = app.create_activity(&grantee, activity_input(report, None, "2024-10-17", "2024-10-17",
            json!([{ "mode": "IN_PERSON", "total": 20 }]))).await.unwrap().id;
        let elsewhere = app.create_report(&grantee, report_input(s.grant, "COMPLETION", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        let foreign = app.create_activity(&grantee, activity_input(elsewhere, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 5 }]))).await.unwrap().id;

        let refused = app.record_indicator_result(&grantee, json!({ "reportId": report, "indicatorId": s.indicator,
            "actual": "2", "activityIds": [first, foreign] })).await.unwrap_err();
        assert_eq!((refused.code.as_str(), refused.field.as_deref()), ("BAD_USER_INPUT", Some("activityIds[1]")));
        let twice = app.record_indicator_result(&grantee, json!({ "reportId": report, "indicatorId": s.indicator,
            "actual": "2", "activityIds": [first, first] })).await.unwrap_err();
        assert_eq!(twice.field.as_deref(), Some("activityIds[1]"));
        assert_eq!(app.count("indicator_results").await, 0);

        let result = app.record_indicator_result(&grantee, json!({ "reportId": report, "indicatorId": s.indicator,
            "actual": "2", "activityIds": [second, first] })).await.unwrap();
        assert_eq!(evidence(&app, report, &grantee).await, json!([{ "id": second }, { "id": first }]));

        let updated = app.update_indicator_result(&grantee, json!({ "id": result.id, "version": result.version,
            "activityIds": [first] })).await.unwrap();
        assert_eq!(updated.id, result.id);
        assert_eq!(evidence(&app, report, &grantee).await, json!([{ "id": first }]));
        let audit = app.data("query($id: UUID!) { auditEvents(filter: { entityId: $id }) { edges { node { action after } } } }",
            json!({ "id": result.id }), &app.manager()).await;
        let changed = audit["auditEvents"]["edges"].as_array().unwrap().iter()
            .find(|e| e["node"]["action"] == "updateIndicatorResult").unwrap();
        assert_eq!(changed["node"]["after"]["activity_ids"], json!([first]));
    }
}

const WARNINGS: &str = "query($id: UUID!) { report(id: $id) { warnings { code relatedIds } } }";

async fn warning_codes(app: &TestApp, report: Uuid, token: &str) -> Vec<String> {
    let data = app.data(WARNINGS, json!({ "id": report }), token).await;
    data["report"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_owned())
        .collect()
}

on_both_databases! {
    async fn a_warning_appears_with_its_cause_and_clears_when_it_is_fixed_without_blocking_anything(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2024-10-31"))
            .await.unwrap().id;
        assert!(warning_codes(&app, report, &grantee).await.is_empty());

        // 201 participants without a mode beside 40 online may be the same people; and the sex
        // of most of them is not recorded.
        let activity = app.create_activity(&grantee, activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "UNSPECIFIED", "total": 201 }, { "mode": "ONLINE", "total": 40, "female": 20 }]))).await.unwrap();
        assert_eq!(warning_codes(&app, report, &grantee).await, ["OVERLAPPING_MODES", "SEX_NOT_RECORDED"]);
        let fixed = app.update_activity(&grantee, json!({ "id": activity.id, "version": activity.version,
            "participation": [{ "mode": "IN_PERSON", "total": 161, "female": 55 }, { "mode": "ONLINE", "total": 40, "female": 20 }] }))
            .await.unwrap();
        assert!(warning_codes(&app, report, &grantee).await.is_empty());

        // An activity after the period, and a second progress report over part of the same period.
        let late = app.create_activity(&grantee, activity_input(report, None, "2024-12-06", "2024-12-06",
            json!([{ "mode": "IN_PERSON", "total": 3, "female": 1 }]))).await.unwrap();
        let second = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-10-01", "2025-01-31"))
            .await.unwrap().id;
        assert_eq!(warning_codes(&app, report, &grantee).await, ["ACTIVITY_OUTSIDE_PERIOD", "OVERLAPPING_REPORT_PERIOD"]);
        let data = app.data(WARNINGS, json!({ "id": report }), &grantee).await;
        assert_eq!(data["report"]["warnings"][1]["relatedIds"], json!([second]));
        app.delete_activity(&grantee, json!({ "id": late.id, "version": late.version })).await.unwrap();
        app.update_report(&grantee, json!({ "id": second, "version": 1, "periodStart": "2024-11-01" })).await.unwrap();
        assert!(warning_codes(&app, report, &grantee).await.is_empty());

        // Warnings never block: a report with one is submitted, and the result carries it.
        app.create_activity(&grantee, activity_input(report, None, "2024-10-17", "2024-10-17",
            json!([{ "mode": "UNSPECIFIED", "total": 500 }]))).await.unwrap();
        let current = app.data("query($id: UUID!) { report(id: $id) { id version } }", json!({ "id": report }), &grantee)
            .await["report"].clone();
        let submitted = app.graphql("mutation($input: SubmitReportInput!) { submitReport(input: $input) { status warnings { code } } }",
            json!({ "input": current }), Some(&grantee)).await;
        assert_eq!(submitted["data"]["submitReport"], json!({ "status": "SUBMITTED", "warnings": [{ "code": "SEX_NOT_RECORDED" }] }));
        assert_eq!(fixed.participation.len(), 2);
    }

    async fn a_grantee_is_warned_of_a_possible_duplicate_only_among_its_own_activities(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        let mut forum = activity_input(report, None, "2024-10-17", "2024-10-18", json!([{ "mode": "UNSPECIFIED", "total": 174, "female": 74 }]));
        forum["title"] = json!("Phnom Penh Internet Forum 2024");
        let mine = app.create_activity(&grantee, forum.clone()).await.unwrap().id;

        // The same forum, filed by a second grantee of the scheme.
        let other = app.other_grantee(s.scheme).await;
        let mut theirs = forum.clone();
        theirs["reportId"] = json!(other.report);
        theirs["startDate"] = json!("2024-10-18");
        let their_id = app.create_activity(&app.grantee(other.org), theirs).await.unwrap().id;

        assert!(warning_codes(&app, report, &grantee).await.is_empty(), "a grantee never learns of another's activity");
        let seen = app.data(WARNINGS, json!({ "id": report }), &app.manager()).await;
        assert_eq!(seen["report"]["warnings"], json!([{ "code": "POSSIBLE_DUPLICATE_ACTIVITY", "relatedIds": [mine, their_id] }]));

        let summary = "{ portfolioSummary { warnings { code count } byGrantee { grantee { id } warnings { code count } } } }";
        let mine_only = app.data(summary, json!({}), &grantee).await;
        assert_eq!(mine_only["portfolioSummary"]["warnings"], json!([]));
        let all = app.data(summary, json!({}), &app.manager()).await;
        assert_eq!(all["portfolioSummary"]["warnings"], json!([{ "code": "POSSIBLE_DUPLICATE_ACTIVITY", "count": 2 }]));
        for g in all["portfolioSummary"]["byGrantee"].as_array().unwrap() {
            assert_eq!(g["warnings"], json!([{ "code": "POSSIBLE_DUPLICATE_ACTIVITY", "count": 1 }]));
        }

        // Filed twice by the same grantee, it is warned.
        let mut again = forum;
        again["venue"] = json!("Himawari Hotel");
        again["title"] = json!("PPIF");
        let twice = app.create_activity(&grantee, again).await.unwrap();
        assert!(warning_codes(&app, report, &grantee).await.is_empty(), "another title and venue is another event");
        app.update_activity(&grantee, json!({ "id": twice.id, "version": twice.version, "title": "phnom penh internet forum 2024" })).await.unwrap();
        assert_eq!(warning_codes(&app, report, &grantee).await, ["POSSIBLE_DUPLICATE_ACTIVITY", "POSSIBLE_DUPLICATE_ACTIVITY"]);
    }
}

const SUMMARY_TOTALS: &str =
    "total female inPerson online unspecified femaleRecordedOf excludedAsJoint";

/// Every total the portfolio gives, as `token` sees it: the summary, its breakdowns, the grant
/// and the report. Asserts that the summary equals the sums over `byGrantee` and over
/// `byActivityKind`, and that the grant and report agree with it; returns the summary's figures.
async fn every_total(app: &TestApp, token: &str, grant: Uuid, report: Uuid) -> Value {
    let query = format!(
        "query($grant: UUID!, $report: UUID!) {{
            portfolioSummary {{ participation {{ {SUMMARY_TOTALS} }}
              byGrantee {{ participation {{ {SUMMARY_TOTALS} }} }}
              byActivityKind {{ participation {{ {SUMMARY_TOTALS} }} }} }}
            grant(id: $grant) {{ participation {{ {SUMMARY_TOTALS} }} }}
            report(id: $report) {{ participation {{ {SUMMARY_TOTALS} }} }}
        }}"
    );
    let data = app
        .data(&query, json!({ "grant": grant, "report": report }), token)
        .await;
    let s = &data["portfolioSummary"];
    for breakdown in ["byGrantee", "byActivityKind"] {
        for field in SUMMARY_TOTALS.split(' ') {
            let sum: i64 = s[breakdown]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["participation"][field].as_i64().unwrap())
                .sum();
            assert_eq!(s["participation"][field], sum, "{field} over {breakdown}");
        }
    }
    assert_eq!(data["grant"]["participation"], s["participation"]);
    assert_eq!(data["report"]["participation"], s["participation"]);
    s["participation"].clone()
}

fn totals(
    total: i64,
    female: i64,
    in_person: i64,
    online: i64,
    unspecified: i64,
    recorded: i64,
    excluded: i64,
) -> Value {
    json!({ "total": total, "female": female, "inPerson": in_person, "online": online, "unspecified": unspecified,
        "femaleRecordedOf": recorded, "excludedAsJoint": excluded })
}

const JOINT_WITH: &str = "{ activity: activities(first: 50) { edges { node { id jointWith { id } totals { total excludedAsJoint } } } } }";

/// Each activity's `jointWith` ids, by activity id.
async fn joint_with(app: &TestApp, token: &str) -> std::collections::BTreeMap<Uuid, Vec<Uuid>> {
    let data = app.data(JOINT_WITH, json!({}), token).await;
    data["activity"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            let others = n["jointWith"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().parse().unwrap())
                .collect();
            (n["id"].as_str().unwrap().parse().unwrap(), others)
        })
        .collect()
}

on_both_databases! {
    async fn linking_and_unlinking_a_joint_event_changes_every_total_consistently(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        let mut dialogue = activity_input(report, None, "2024-12-06", "2024-12-06",
            json!([{ "mode": "IN_PERSON", "total": 100, "female": 40 }]));
        dialogue["kind"] = json!("POLICY_DIALOGUE");
        let dialogue = app.create_activity(&grantee, dialogue).await.unwrap().id;
        let mut national = activity_input(report, None, "2024-12-06", "2024-12-06",
            json!([{ "mode": "UNSPECIFIED", "total": 60, "female": 30 }]));
        national["kind"] = json!("FORUM");
        let national = app.create_activity(&grantee, national).await.unwrap().id;
        app.create_activity(&grantee, activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "ONLINE", "total": 20 }]))).await.unwrap();
        assert_eq!(every_total(&app, &grantee, s.grant, report).await, totals(180, 70, 100, 20, 60, 160, 0));

        // One event: the larger record counts, and all its breakdowns with it.
        let group = app.link_joint_activities(&grantee, json!({ "activityIds": [national, dialogue] })).await.unwrap();
        let mut members: Vec<Uuid> = group.iter().map(|a| a.id).collect();
        members.sort();
        let mut expected = vec![dialogue, national];
        expected.sort();
        assert_eq!(members, expected);
        assert_eq!(every_total(&app, &grantee, s.grant, report).await, totals(120, 40, 100, 20, 0, 100, 60));
        assert_eq!(every_total(&app, &app.manager(), s.grant, report).await, totals(120, 40, 100, 20, 0, 100, 60));
        let links = joint_with(&app, &grantee).await;
        assert_eq!((links[&dialogue].as_slice(), links[&national].as_slice()), (&[national][..], &[dialogue][..]));

        // Named as counting, the smaller record stands for the event: its mode and its women.
        app.link_joint_activities(&grantee, json!({ "activityIds": [dialogue, national], "countingActivityId": national }))
            .await.unwrap();
        assert_eq!(every_total(&app, &grantee, s.grant, report).await, totals(80, 30, 0, 20, 60, 60, 100));

        // Unlinked, both count again; a group of one is no group.
        app.unlink_joint_activity(&grantee, json!({ "activityId": national })).await.unwrap();
        assert_eq!(every_total(&app, &grantee, s.grant, report).await, totals(180, 70, 100, 20, 60, 160, 0));
        assert!(joint_with(&app, &grantee).await.values().all(Vec::is_empty));
        let again = app.unlink_joint_activity(&grantee, json!({ "activityId": dialogue })).await.unwrap_err();
        assert_eq!((again.code.as_str(), again.field.as_deref()), ("BAD_USER_INPUT", Some("activityId")));

        // Deleting a linked activity leaves the other counting on its own.
        app.link_joint_activities(&grantee, json!({ "activityIds": [dialogue, national] })).await.unwrap();
        let gone = app.data("query($id: UUID!) { report(id: $id) { activities { id version } } }", json!({ "id": report }), &grantee)
            .await["report"]["activities"].as_array().unwrap().iter()
            .find(|a| a["id"] == json!(dialogue)).unwrap().clone();
        app.delete_activity(&grantee, gone).await.unwrap();
        assert_eq!(every_total(&app, &grantee, s.grant, report).await, totals(80, 30, 0, 20, 60, 60, 0));
    }

    async fn a_joint_group_is_refused_with_every_problem_named(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        let a = app.create_activity(&grantee, activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 10 }]))).await.unwrap().id;
        let b = app.create_activity(&grantee, activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 10 }]))).await.unwrap().id;
        let events = app.count("audit_events").await;

        let err = app.link_joint_activities(&grantee, json!({ "activityIds": [a, a], "countingActivityId": b })).await.unwrap_err();
        assert_eq!(err.code, "BAD_USER_INPUT");
        let fields: Vec<&str> = err.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["activityIds[1]", "countingActivityId"]);
        let err = app.link_joint_activities(&grantee, json!({ "activityIds": [a] })).await.unwrap_err();
        assert_eq!(err.field.as_deref(), Some("activityIds"));
        let err = app.link_joint_activities(&grantee, json!({ "activityIds": [a, Uuid::now_v7()] })).await.unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), ("NOT_FOUND", Some("activityIds[1]")));
        assert_eq!(app.count("audit_events").await, events, "nothing was written");

        // Linked: one audit event per activity whose group changed, owned by its grantee.
        app.link_joint_activities(&grantee, json!({ "activityIds": [a, b] })).await.unwrap();
        assert_eq!(app.count("audit_events").await, events + 2);
        let trail = app.audit_events(&grantee, json!({ "action": "linkJointActivities" })).await;
        assert_eq!(trail.total_count, 2);
        assert!(trail.events.iter().all(|e| e.entity == "Activity" && e.after["jointGroupId"].is_string()));
    }

    async fn a_grantee_links_only_its_own_activities_and_the_scheme_manager_links_across_grantees(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        let mut forum = activity_input(report, None, "2024-10-17", "2024-10-18",
            json!([{ "mode": "UNSPECIFIED", "total": 174, "female": 74 }]));
        forum["title"] = json!("Phnom Penh Internet Forum 2024");
        let mine = app.create_activity(&grantee, forum.clone()).await.unwrap().id;
        let other = app.other_grantee(s.scheme).await;
        let them = app.grantee(other.org);
        let mut theirs = forum;
        theirs["reportId"] = json!(other.report);
        theirs["participation"] = json!([{ "mode": "IN_PERSON", "total": 200, "female": 90 }]);
        let their_id = app.create_activity(&them, theirs).await.unwrap().id;

        // Another grantee's activity is not found, exactly as one that does not exist.
        let refused = app.link_joint_activities(&grantee, json!({ "activityIds": [mine, their_id] })).await.unwrap_err();
        assert_eq!((refused.code.as_str(), refused.field.as_deref()), ("NOT_FOUND", Some("activityIds[1]")));
        let manager = app.manager();
        let seen = app.data(WARNINGS, json!({ "id": report }), &manager).await;
        assert_eq!(seen["report"]["warnings"][0]["code"], "POSSIBLE_DUPLICATE_ACTIVITY");

        // The scheme manager links them: the portfolio counts the forum once, from the larger record.
        let group = app.link_joint_activities(&manager, json!({ "activityIds": [mine, their_id] })).await.unwrap();
        assert_eq!(group.len(), 2);
        let summary = "{ portfolioSummary { participation { total female excludedAsJoint } } }";
        assert_eq!(app.data(summary, json!({}), &manager).await["portfolioSummary"]["participation"],
            json!({ "total": 200, "female": 90, "excludedAsJoint": 174 }));
        assert!(warning_codes(&app, report, &manager).await.is_empty(), "linked activities are known to be one event");

        // The grantee sees none of it: its own record counts for what it sees, and links to nothing.
        assert_eq!(app.data(summary, json!({}), &grantee).await["portfolioSummary"]["participation"],
            json!({ "total": 174, "female": 74, "excludedAsJoint": 0 }));
        assert_eq!(joint_with(&app, &grantee).await[&mine], Vec::<Uuid>::new());
        let linked = app.data(JOINT_WITH, json!({}), &them).await;
        let their_node = &linked["activity"]["edges"][0]["node"];
        assert_eq!((their_node["jointWith"].clone(), their_node["totals"]["excludedAsJoint"].clone()), (json!([]), json!(0)));
        let trail = app.audit_events(&grantee, json!({ "action": "linkJointActivities" })).await;
        assert_eq!(trail.total_count, 1, "a grantee reads the event about its own activity only");
        assert!(!trail.events[0].after.to_string().contains(&their_id.to_string()));

        // A grantee edits links only while its report can be edited.
        let read = app.data("query($id: UUID!) { report(id: $id) { id version } }", json!({ "id": report }), &grantee).await;
        app.submit_report(&grantee, read["report"].clone()).await.unwrap();
        let locked = app.unlink_joint_activity(&grantee, json!({ "activityId": mine })).await.unwrap_err();
        assert_eq!(locked.code, "CONFLICT");
        app.unlink_joint_activity(&manager, json!({ "activityId": mine })).await.unwrap();
        assert_eq!(app.data(summary, json!({}), &manager).await["portfolioSummary"]["participation"],
            json!({ "total": 374, "female": 164, "excludedAsJoint": 0 }));
    }
}

/// The totals kept as the data are written equal a recomputation from the rows and the joint
/// groups.
async fn assert_totals_kept(app: &TestApp, after: &str) {
    let differences = api::domain::totals::verify(&app.db).await.unwrap();
    assert!(differences.is_empty(), "after {after}: {differences:#?}");
}

on_both_databases! {
    async fn the_totals_kept_as_data_are_written_equal_a_recomputation_after_every_kind_of_write(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31"))
            .await.unwrap().id;
        let a = app.create_activity(&grantee, activity_input(report, None, "2024-12-06", "2024-12-06",
            json!([{ "mode": "IN_PERSON", "total": 100, "female": 40 }, { "mode": "ONLINE", "total": 20 }]))).await.unwrap();
        let b = app.create_activity(&grantee, activity_input(report, None, "2024-12-06", "2024-12-06",
            json!([{ "mode": "UNSPECIFIED", "total": 60, "female": 30, "withDisability": 2 }]))).await.unwrap();
        assert_totals_kept(&app, "creates").await;

        // Many writers at once.
        let creates = (0..8).map(|i| {
            let (app, grantee) = (&app, grantee.clone());
            async move {
                app.create_activity(&grantee, activity_input(report, None, "2024-10-01", "2024-10-01",
                    json!([{ "mode": "IN_PERSON", "total": 10 + i, "male": i }]))).await.unwrap()
            }
        });
        let created = futures_util::future::join_all(creates).await;
        assert_totals_kept(&app, "concurrent creates").await;

        // A change of kind moves the activity between the grantee's totals by kind.
        let moved = &created[2];
        app.update_activity(&grantee, json!({ "id": moved.id, "version": moved.version, "kind": "FORUM" }))
            .await.unwrap();
        assert_totals_kept(&app, "a change of kind").await;

        // Another grantee's grants, created while the first grantee writes.
        let other = app.new_organisation("Other Rights NGO", "GRANTEE").await;
        let grants = (0..3).map(|i| {
            let app = &app;
            async move {
                app.new_grant(s.scheme, other, &format!("OTHER-{i}"), "1000.50", "2024-01-01", "2025-12-31").await
            }
        });
        let more = (0..3).map(|i| {
            let (app, grantee) = (&app, grantee.clone());
            async move {
                app.create_activity(&grantee, activity_input(report, None, "2024-10-02", "2024-10-02",
                    json!([{ "mode": "ONLINE", "total": 5 + i }]))).await.unwrap()
            }
        });
        let (_, more) = futures_util::future::join(futures_util::future::join_all(grants),
            futures_util::future::join_all(more)).await;
        assert_totals_kept(&app, "concurrent grants and activities of two grantees").await;

        app.link_joint_activities(&grantee, json!({ "activityIds": [a.id, b.id] })).await.unwrap();
        assert_totals_kept(&app, "a link").await;
        // The smaller record grows past the larger: it now counts for the event.
        let b = app.update_activity(&grantee, json!({ "id": b.id, "version": b.version,
            "participation": [{ "mode": "UNSPECIFIED", "total": 500, "female": 30 }] })).await.unwrap();
        assert_totals_kept(&app, "a change of participation in a joint group").await;
        let summary = app.data("{ portfolioSummary { participation { total excludedAsJoint } } }", json!({}), &app.manager()).await;
        let others: i64 = (0..8).map(|i| 10 + i).sum::<i64>() + (0..3).map(|i| 5 + i).sum::<i64>();
        assert_eq!(summary["portfolioSummary"]["participation"], json!({ "total": 500 + others, "excludedAsJoint": 120 }));
        assert_eq!(more.len(), 3);
        // The whole portfolio's summary, added up from the totals kept per grantee, equals the
        // one a date filter makes the service add up from the activities.
        let dashboard = |filter: Value| {
            let app = &app;
            async move {
                app.data("query($f: PortfolioFilter) { portfolioSummary(filter: $f) {
                    grantCount granteeCount activityCount funding { amount currency }
                    participation { total female femaleRecordedOf male inPerson online excludedAsJoint }
                    byActivityKind { kind activityCount participation { total female online excludedAsJoint } }
                    byGrantee { grantee { name } grantCount funding { amount currency } activityCount
                      participation { total female inPerson online excludedAsJoint } } } }",
                    json!({ "f": filter }), &app.manager()).await
            }
        };
        let kept = dashboard(json!({})).await;
        assert_eq!(kept, dashboard(json!({ "from": "1900-01-01" })).await);
        assert_eq!(kept["portfolioSummary"]["grantCount"], 4);
        assert_eq!(
            dashboard(json!({ "granteeId": other, "activityKind": "FORUM" })).await["portfolioSummary"]["funding"],
            json!([{ "amount": "3001.50", "currency": "AUD" }])
        );
        app.link_joint_activities(&grantee, json!({ "activityIds": [a.id, b.id, created[0].id], "countingActivityId": a.id })).await.unwrap();
        assert_totals_kept(&app, "a merge naming the counting activity").await;
        app.unlink_joint_activity(&grantee, json!({ "activityId": created[0].id })).await.unwrap();
        assert_totals_kept(&app, "an unlink").await;
        app.delete_activity(&grantee, json!({ "id": a.id, "version": a.version })).await.unwrap();
        assert_totals_kept(&app, "deleting the counting activity").await;
        app.delete_activity(&grantee, json!({ "id": created[1].id, "version": created[1].version })).await.unwrap();
        assert_totals_kept(&app, "a delete").await;

        // Should they ever drift, the recomputation says where, and a rebuild mends them.
        use sea_orm::ConnectionTrait;
        app.db.execute_unprepared("UPDATE activity_totals SET total = total + 1").await.unwrap();
        assert!(!api::domain::totals::verify(&app.db).await.unwrap().is_empty());
        api::domain::totals::rebuild(&app.db).await.unwrap();
        assert_totals_kept(&app, "a rebuild").await;
        for drift in ["UPDATE grantee_kind_totals SET female = female + 1",
                      "UPDATE grantee_funding_totals SET grant_count = grant_count + 1"] {
            app.db.execute_unprepared(drift).await.unwrap();
            assert!(!api::domain::totals::verify(&app.db).await.unwrap().is_empty(), "{drift}");
            api::domain::totals::rebuild(&app.db).await.unwrap();
            assert_totals_kept(&app, "a rebuild").await;
        }
    }
}
