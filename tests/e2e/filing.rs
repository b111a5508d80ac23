//! A grantee integration files a report through the API, and the scheme manager reviews it:
//! the workflow, validation that writes nothing, no lost updates, safe retries.

use std::collections::HashMap;

use futures_util::future::join_all;
use portfolio_tests::mutations::{Activity, ParticipantCount, Report};
use portfolio_tests::{TestApp, activity_input, demo_json, on_both_databases, report_input};
use serde_json::{Value, json};
use uuid::Uuid;

/// A DRAFT report over the whole demo grant.
async fn draft(app: &TestApp, token: &str, grant: Uuid, kind: &str) -> Report {
    app.create_report(token, report_input(grant, kind, "2024-08-05", "2025-01-31"))
        .await
        .unwrap()
}

on_both_databases! {
    async fn a_grantee_integration_files_the_seed_report_and_the_manager_reviews_it(app) {
        let demo = demo_json();
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = draft(&app, &grantee, s.grant, "COMPLETION").await;
        assert_eq!(report.status, "DRAFT");

        let mut activities: HashMap<String, Uuid> = HashMap::new();
        let mut outcomes = 0;
        for a in demo["activities"].as_array().unwrap() {
            let organisers: Vec<Uuid> = a["organisers"].as_array().unwrap().iter().map(|k| s.partners[k.as_str().unwrap()]).collect();
            let created = app.create_activity(&grantee, json!({
                "reportId": report.id, "objectiveId": s.objective, "kind": a["kind"], "title": a["title"],
                "startDate": a["startDate"], "endDate": a["endDate"], "venue": a["venue"], "location": a["location"],
                "narrative": a["narrative"], "participation": a["participation"], "organiserIds": organisers,
                "idempotencyKey": format!("activity-{}", a["key"].as_str().unwrap()),
            })).await.unwrap();
            let sent: Vec<ParticipantCount> = serde_json::from_value(a["participation"].clone()).unwrap();
            assert_eq!(created.participation, sent, "participation comes back as sent");
            activities.insert(a["key"].as_str().unwrap().to_owned(), created.id);
            for o in a["outcomes"].as_array().unwrap() {
                app.record_outcome(&grantee, json!({
                    "activityId": created.id, "kind": o["kind"], "statement": o["statement"], "actor": o["actor"],
                    "institution": o["institution"], "evidence": o["evidence"], "date": o["date"],
                })).await.unwrap();
                outcomes += 1;
            }
        }
        let result = &demo["indicatorResults"][0];
        app.record_indicator_result(&grantee, json!({ "reportId": report.id, "indicatorId": s.indicator,
            "actual": result["actual"], "narrative": result["narrative"] })).await.unwrap();
        for l in demo["lessons"].as_array().unwrap() {
            let activity = l["activity"].as_str().map(|k| activities[k]);
            app.add_lesson(&grantee, json!({ "reportId": report.id, "kind": l["kind"], "text": l["text"], "activityId": activity }))
                .await.unwrap();
        }
        for c in demo["caseStudies"].as_array().unwrap() {
            let activity = c["activity"].as_str().map(|k| activities[k]);
            app.add_case_study(&grantee, json!({ "reportId": report.id, "title": c["title"], "narrative": c["narrative"], "activityId": activity }))
                .await.unwrap();
        }

        // Submit; the server sets submittedAt.
        let submitted = app.submit_report(&grantee, report.as_read()).await.unwrap();
        assert_eq!(submitted.status, "SUBMITTED");
        assert!(submitted.submitted_at.is_some());
        // Read-only to the grantee while submitted, and the refusal names the state.
        let refused = app.add_lesson(&grantee, json!({ "reportId": report.id, "kind": "LESSON_LEARNED", "text": "late" })).await.unwrap_err();
        assert_eq!(refused.code, "CONFLICT");
        assert!(refused.message.contains("SUBMITTED"));

        // Returned, with a reason the grantee can read.
        let reason = "The A2I workshop's online women are 35, not 36.";
        let returned = app.return_report(&app.manager(), json!({ "id": submitted.id, "version": submitted.version, "reason": reason }))
            .await.unwrap();
        assert_eq!(returned.status, "RETURNED");
        let seen = app.data("query($id: UUID!) { report(id: $id) { status returnReason } }", json!({ "id": report.id }), &grantee).await;
        assert_eq!(seen["report"]["returnReason"], reason);

        // The grantee edits (from the version it read) and resubmits.
        let a2i = activities["a2i-day-2024-09-27"];
        let edited = app.update_activity(&grantee, json!({ "id": a2i, "version": 1, "venue": "Sunway Hotel, Phnom Penh" })).await.unwrap();
        assert_eq!((edited.version, edited.venue.as_deref()), (2, Some("Sunway Hotel, Phnom Penh")));
        let resubmitted = app.submit_report(&grantee, returned.as_read()).await.unwrap();
        assert_eq!(resubmitted.status, "SUBMITTED");
        let accepted = app.accept_report(&app.manager(), resubmitted.as_read()).await.unwrap();
        assert_eq!(accepted.status, "ACCEPTED");

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
            let late = app.update_activity(token, json!({ "id": a2i, "version": 2, "title": "x" })).await.unwrap_err();
            assert_eq!(late.code, "CONFLICT");
            assert!(late.message.contains("ACCEPTED"));
        }

        // The trail shows the round trip and what changed between submissions.
        let trail = app.audit_events(&app.manager(), json!({ "entity": "Report", "entityId": report.id })).await;
        let actions: Vec<&str> = trail.actions().into_iter().rev().collect();
        assert_eq!(actions, ["createReport", "submitReport", "returnReport", "submitReport", "acceptReport"]);
        let change = app.audit_events(&app.manager(), json!({ "entityId": a2i })).await;
        let update = &change.events[0];
        assert_eq!(update.action, "updateActivity");
        assert_eq!(update.before["venue"], "Sunway Hotel");
        assert_eq!(update.after["venue"], "Sunway Hotel, Phnom Penh");
        assert_eq!(update.after["participation"].as_array().unwrap().len(), 2);
    }

    async fn submission_lists_every_problem_of_the_report(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = draft(&app, &grantee, s.grant, "COMPLETION").await;
        let empty = app.submit_report(&grantee, report.as_read()).await.unwrap_err();
        assert_eq!(empty.code, "BAD_USER_INPUT");
        assert_eq!(empty.problem_fields(), ["activities", "indicatorResults"]);
        app.create_activity(&grantee, activity_input(report.id, None, "2024-09-01", "2024-09-01", json!([]))).await.unwrap();
        let still = app.submit_report(&grantee, report.as_read()).await.unwrap_err();
        assert_eq!(still.problem_fields(), ["activities[0].participation", "indicatorResults"]);
        let unchanged = app.data("query($id: UUID!) { report(id: $id) { status version submittedAt } }", json!({ "id": report.id }), &grantee).await;
        assert_eq!(unchanged["report"], json!({ "status": "DRAFT", "version": 1, "submittedAt": null }));
    }

    async fn only_the_scheme_manager_reviews_and_states_are_respected(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = draft(&app, &grantee, s.grant, "PROGRESS").await;
        let accept_draft = app.accept_report(&app.manager(), report.as_read()).await.unwrap_err();
        assert_eq!(accept_draft.code, "CONFLICT");
        app.create_activity(&grantee, activity_input(report.id, None, "2024-09-01", "2024-09-02",
            json!([{ "mode": "IN_PERSON", "total": 10, "female": 4 }]))).await.unwrap();
        let analyst = app.submit_report(&app.analyst(), report.as_read()).await.unwrap_err();
        assert_eq!(analyst.code, "FORBIDDEN");
        let submitted = app.submit_report(&grantee, report.as_read()).await.unwrap();
        let own = app.accept_report(&grantee, submitted.as_read()).await.unwrap_err();
        assert_eq!(own.code, "FORBIDDEN", "acceptReport");
        let own = app.return_report(&grantee, json!({ "id": submitted.id, "version": submitted.version, "reason": "x" })).await.unwrap_err();
        assert_eq!(own.code, "FORBIDDEN", "returnReport");
        let again = app.submit_report(&grantee, submitted.as_read()).await.unwrap_err();
        assert_eq!(again.code, "CONFLICT");
        let no_reason = app.return_report(&app.manager(), json!({ "id": submitted.id, "version": submitted.version, "reason": "  " }))
            .await.unwrap_err();
        assert_eq!(no_reason.field.as_deref(), Some("reason"));
        let stale = app.accept_report(&app.manager(), report.as_read()).await.unwrap_err();
        assert_eq!(stale.code, "CONFLICT", "version 1 is stale after submission");
    }

    async fn bad_input_is_refused_naming_the_field_and_nothing_is_written(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let manager = app.manager();
        let report = draft(&app, &grantee, s.grant, "PROGRESS").await.id;
        let cases = [
            (activity_input(report, None, "2024-08-04", "2024-08-05", json!([])), "startDate"),
            (activity_input(report, None, "2025-01-30", "2025-02-01", json!([])), "endDate"),
            (activity_input(report, None, "2024-10-18", "2024-10-17", json!([])), "endDate"),
            (activity_input(report, None, "2024-02-30", "2024-10-17", json!([])), "startDate"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", json!([{ "mode": "ONLINE", "total": 69, "female": 70 }])), "participation[0].female"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", json!([{ "mode": "ONLINE", "total": -1, "female": 0 }])), "participation[0].total"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", json!([{ "mode": "ONLINE", "total": 5, "female": 1, "withDisability": 6 }])), "participation[0].withDisability"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", json!([{ "mode": "ONLINE", "total": 5, "male": 6 }])), "participation[0].male"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", json!([{ "mode": "ONLINE", "total": 5, "female": 3, "male": 3 }])), "participation[0].male"),
            (activity_input(report, None, "2024-10-17", "2024-10-18", json!([{ "mode": "ONLINE", "total": 5, "female": 1 }, { "mode": "ONLINE", "total": 3, "female": 1 }])), "participation[1].mode"),
            (activity_input(report, Some(Uuid::new_v4()), "2024-10-17", "2024-10-18", json!([])), "objectiveId"),
        ];
        for (input, field) in cases {
            let refused = app.create_activity(&grantee, input).await.unwrap_err();
            assert_eq!(refused.code, "BAD_USER_INPUT", "{field}: {refused}");
            assert_eq!(refused.field.as_deref(), Some(field), "{refused}");
        }
        let mut long = activity_input(report, None, "2024-10-17", "2024-10-18", json!([]));
        long["title"] = json!("x".repeat(501));
        assert_eq!(app.create_activity(&grantee, long).await.unwrap_err().field.as_deref(), Some("title"));
        assert_eq!(app.count("activities").await, 0);
        assert_eq!(app.count("activity_participation").await, 0);

        // Another grant's objective, indicator and activities are refused the same way.
        let other = app.other_grantee(s.scheme).await;
        let as_manager = app.create_activity(&manager, activity_input(report, Some(other.objective), "2024-10-17", "2024-10-18", json!([])))
            .await.unwrap_err();
        assert_eq!(as_manager.field.as_deref(), Some("objectiveId"));
        // Another grantee is never a co-organiser: its id would land in this grantee's records.
        let mut with_other = activity_input(report, None, "2024-10-17", "2024-10-18", json!([]));
        with_other["organiserIds"] = json!([s.partners["drwg"], other.org]);
        let refused = app.create_activity(&manager, with_other).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("organiserIds[1]"));
        let result = app.record_indicator_result(&manager, json!({ "reportId": report, "indicatorId": other.indicator, "actual": "1" }))
            .await.unwrap_err();
        assert_eq!(result.field.as_deref(), Some("indicatorId"));

        let mine = app.create_activity(&grantee, activity_input(report, None, "2024-10-17", "2024-10-18",
            json!([{ "mode": "UNSPECIFIED", "total": 3, "female": 1 }]))).await.unwrap().id;
        let theirs = app.create_activity(&manager, activity_input(other.report, None, "2025-01-02", "2025-01-03", json!([])))
            .await.unwrap().id;
        let outcome = app.record_outcome(&grantee, json!({ "activityId": mine, "kind": "POLICY_COMMITMENT", "statement": "A ministry committed" }))
            .await.unwrap();
        let moved = app.update_outcome(&manager, json!({ "id": outcome.id, "version": 1, "activityId": theirs })).await.unwrap_err();
        assert_eq!(moved.field.as_deref(), Some("activityId"));
        let lesson = app.add_lesson(&manager, json!({ "reportId": report, "kind": "CHALLENGE", "text": "t", "activityId": theirs }))
            .await.unwrap_err();
        assert_eq!(lesson.field.as_deref(), Some("activityId"));
        // A grantee naming another grantee's report or activity learns nothing of it.
        let foreign = app.record_outcome(&grantee, json!({ "activityId": theirs, "kind": "OTHER", "statement": "x" })).await.unwrap_err();
        assert_eq!(foreign.code, "NOT_FOUND");
        assert_eq!(foreign.field.as_deref(), Some("activityId"));
        let foreign = app.create_activity(&grantee, activity_input(other.report, None, "2025-01-02", "2025-01-03", json!([])))
            .await.unwrap_err();
        assert_eq!(foreign.code, "NOT_FOUND");
        assert_eq!(app.count("outcomes").await, 1);
        assert_eq!(app.count("lessons").await, 0);
    }

    async fn concurrent_updates_from_one_version_have_exactly_one_winner(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = draft(&app, &grantee, s.grant, "PROGRESS").await;
        let activity = app.create_activity(&grantee, activity_input(report.id, None, "2024-10-17", "2024-10-18",
            json!([{ "mode": "UNSPECIFIED", "total": 10, "female": 5 }]))).await.unwrap().id;
        let writers = (0..8).map(|i| app.update_activity(&grantee, json!({ "id": activity, "version": 1, "title": format!("Writer {i}"),
            "participation": [{ "mode": "UNSPECIFIED", "total": 10 + i, "female": 5 }] })));
        let results = join_all(writers).await;
        let winners: Vec<&Activity> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "{results:#?}");
        for refused in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(refused.code, "CONFLICT", "{refused}");
        }
        let now = app.data("query($id: UUID!) { report(id: $id) { activities { version title participation { total } } } }",
            json!({ "id": report.id }), &grantee).await;
        let a = &now["report"]["activities"][0];
        assert_eq!(a["version"], 2);
        assert_eq!(a["title"], winners[0].title);
        assert_eq!(a["participation"].as_array().unwrap().len(), 1, "the loser's rows were not written");

        let submits = (0..5).map(|_| app.submit_report(&grantee, report.as_read()));
        let results = join_all(submits).await;
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:#?}");
        assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code == "CONFLICT"));
        let trail = app.audit_events(&app.manager(), json!({ "entityId": report.id })).await;
        assert_eq!(trail.total_count, 2, "createReport and one submitReport");

        // Many writers at once on different rows: the database is busy, nobody gets an error.
        let second = draft(&app, &grantee, s.grant, "PROGRESS").await.id;
        let writers = (0..16).map(|i| app.add_lesson(&grantee, json!({ "reportId": second, "kind": "LESSON_LEARNED", "text": format!("Lesson {i}") })));
        let results = join_all(writers).await;
        assert!(results.iter().all(Result::is_ok), "{results:#?}");
        assert_eq!(app.count("lessons").await, 16);
    }

    async fn retried_creates_with_an_idempotency_key_write_once(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = draft(&app, &grantee, s.grant, "PROGRESS").await.id;
        let mut input = activity_input(report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 229, "female": 104 }, { "mode": "ONLINE", "total": 69, "female": 35 }]));
        input["idempotencyKey"] = json!("a2i-workshop-2024");
        let events = app.count("audit_events").await;
        let attempts = (0..4).map(|_| app.create_activity(&grantee, input.clone()));
        let results = join_all(attempts).await;
        let ids: Vec<Option<Uuid>> = results.iter().map(|r| r.as_ref().ok().map(|a| a.id)).collect();
        assert!(ids.iter().all(|i| i.is_some() && *i == ids[0]), "{results:#?}");
        let again = app.create_activity(&grantee, input.clone()).await.unwrap();
        assert_eq!(Some(again.id), ids[0]);
        assert_eq!(app.count("activities").await, 1);
        assert_eq!(app.count("audit_events").await, events + 1);
        let totals = app.data("query($id: UUID!) { grant(id: $id) { participation { total female } } }", json!({ "id": s.grant }), &grantee).await;
        assert_eq!(totals["grant"]["participation"], json!({ "total": 298, "female": 139 }), "participants are never double-counted");

        input["title"] = json!("Something else");
        let reused = app.create_activity(&grantee, input).await.unwrap_err();
        assert_eq!(reused.code, "CONFLICT");
        assert_eq!(app.count("activities").await, 1);

        // Another grantee's integration with the same `sub` and the same key is another caller.
        let other = app.other_grantee(s.scheme).await;
        let same_sub = |org: Uuid| portfolio_tests::token(json!({ "sub": "integration", "role": "grantee", "org_id": org.to_string() }));
        let mut theirs = activity_input(other.report, None, "2024-09-27", "2024-09-27", json!([{ "mode": "IN_PERSON", "total": 5, "female": 2 }]));
        theirs["idempotencyKey"] = json!("shared-key");
        let mut mine = activity_input(report, None, "2024-09-27", "2024-09-27", json!([{ "mode": "IN_PERSON", "total": 7, "female": 3 }]));
        mine["idempotencyKey"] = json!("shared-key");
        let first = app.create_activity(&same_sub(other.org), theirs).await.unwrap();
        let second = app.create_activity(&same_sub(s.grantee), mine).await.unwrap();
        assert_ne!(first.id, second.id);
        assert_eq!(second.participation[0].total, 7);

        let lesson = json!({ "reportId": report, "kind": "LESSON_LEARNED", "text": "Engage stakeholders early", "idempotencyKey": "lesson-1" });
        let first = app.add_lesson(&grantee, lesson.clone()).await.unwrap();
        let second = app.add_lesson(&grantee, lesson).await.unwrap();
        assert_eq!(first, second);
        assert_eq!(app.count("lessons").await, 1);
    }

    async fn a_failure_midway_through_a_multi_row_write_leaves_no_trace(app) {
        use sea_orm::ConnectionTrait;
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = draft(&app, &grantee, s.grant, "PROGRESS").await.id;
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
        input["organiserIds"] = json!([s.partners["ncdd"], s.partners["svl"]]);
        input["idempotencyKey"] = json!("will-fail");
        let failed = app.create_activity(&grantee, input).await.unwrap_err();
        assert_eq!(failed.code, "INTERNAL", "{failed}");
        assert!(!failed.response.to_string().contains("injected failure"), "details stay in the log");
        let after = (app.count("activities").await, app.count("activity_participation").await, app.count("activity_organisers").await, app.count("audit_events").await);
        assert_eq!(before, after);
        assert_eq!(app.count("idempotency_keys").await, 0);
    }

    async fn wrong_content_can_be_corrected_or_removed(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = draft(&app, &grantee, s.grant, "PROGRESS").await.id;
        let a = app.create_activity(&grantee, activity_input(report, Some(s.objective), "2024-10-17", "2024-10-18",
            json!([{ "mode": "UNSPECIFIED", "total": 174, "female": 74 }]))).await.unwrap().id;
        let b = app.create_activity(&grantee, activity_input(report, None, "2024-12-06", "2024-12-06",
            json!([{ "mode": "UNSPECIFIED", "total": 201, "female": 55 }]))).await.unwrap().id;
        // An outcome recorded against the wrong activity is moved.
        let o = app.record_outcome(&grantee, json!({ "activityId": a, "kind": "POLICY_COMMITMENT", "statement": "Health centres will serve equitably",
            "actor": "H.E. Khiev Hok", "institution": "Ministry of Health" })).await.unwrap();
        let moved = app.update_outcome(&grantee, json!({ "id": o.id, "version": 1, "activityId": b })).await.unwrap();
        assert_eq!(moved.activity.id, b);
        assert_eq!(moved.version, 2);
        // A lesson with a typo is fixed; a stale fix is refused.
        let l = app.add_lesson(&grantee, json!({ "reportId": report, "kind": "LESSON_LEARNED", "text": "Engage stakeholdres early", "activityId": a }))
            .await.unwrap();
        let fixed = app.update_lesson(&grantee, json!({ "id": l.id, "version": 1, "text": "Engage stakeholders early" })).await.unwrap();
        assert_eq!((fixed.text.as_str(), fixed.version), ("Engage stakeholders early", 2));
        let stale = app.update_lesson(&grantee, json!({ "id": l.id, "version": 1, "text": "Engage stakeholders later" })).await.unwrap_err();
        assert_eq!(stale.code, "CONFLICT");
        // Clearing an optional field with null.
        let cleared = app.update_activity(&grantee, json!({ "id": a, "version": 1, "objectiveId": null })).await.unwrap();
        assert_eq!(cleared.objective, None);
        // Deleting an activity takes its participation and outcomes; the lesson stays, unlinked.
        let stale_delete = app.delete_activity(&grantee, json!({ "id": a, "version": 1 })).await.unwrap_err();
        assert_eq!(stale_delete.code, "CONFLICT");
        let deleted = app.delete_activity(&grantee, json!({ "id": a, "version": 2 })).await.unwrap();
        assert_eq!(deleted.id, a);
        let left = app.data("query($id: UUID!) { report(id: $id) { activities { id outcomes { id } } lessons { text version activity { id } } } }",
            json!({ "id": report }), &grantee).await;
        assert_eq!(left["report"]["activities"].as_array().unwrap().len(), 1);
        assert_eq!(left["report"]["activities"][0]["outcomes"].as_array().unwrap().len(), 1);
        assert_eq!(left["report"]["lessons"][0]["activity"], Value::Null);
        assert_eq!(left["report"]["lessons"][0]["version"], 3, "unlinking is a change a client must see");
        assert_eq!(app.count("activity_participation").await, 1);
        let removed = app.delete_outcome(&grantee, json!({ "id": o.id, "version": 2 })).await.unwrap();
        assert_eq!(removed.institution.as_deref(), Some("Ministry of Health"));
        assert_eq!(app.count("outcomes").await, 0);
    }
}
