//! Who sees what: a portfolio with two grantees, read and written through every path by each
//! role. A grantee must learn nothing of another grantee's grant, by any path.

use portfolio_tests::{activity_input, grant_input, on_both_databases, report_input};
use serde_json::{Value, json};
use uuid::Uuid;

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

on_both_databases! {
    async fn each_role_sees_exactly_its_portfolio(app) {
        let p = app.two_grantees().await;
        let without_grants = app.new_organisation("Grantee without grants", "GRANTEE").await;
        let query = "{ grants { totalCount } reports { totalCount } activities { totalCount }
                       portfolioSummary { grantCount granteeCount funding { amount } participation { total } } }";
        let cases = [
            (app.manager(), 2, 2, 4, json!([{ "amount": "135000.00" }])),
            (app.analyst(), 2, 2, 4, json!([{ "amount": "135000.00" }])),
            (app.grantee(p.demo.grantee), 1, 1, 4, json!([{ "amount": "90000.00" }])),
            (app.grantee(p.other.org), 1, 1, 0, json!([{ "amount": "45000.00" }])),
            (app.grantee(without_grants), 0, 0, 0, json!([])),
        ];
        for (token, grants, reports, activities, funding) in cases {
            let d = app.data(query, json!({}), &token).await;
            assert_eq!(d["grants"]["totalCount"], grants, "{d}");
            assert_eq!(d["reports"]["totalCount"], reports, "{d}");
            assert_eq!(d["activities"]["totalCount"], activities, "{d}");
            assert_eq!(d["portfolioSummary"]["grantCount"], grants, "{d}");
            assert_eq!(d["portfolioSummary"]["funding"], funding, "{d}");
        }
    }

    async fn another_grantees_objects_are_not_found_as_if_they_did_not_exist(app) {
        let p = app.two_grantees().await;
        let token = app.grantee(p.demo.grantee);
        let d = app.data("query($g: UUID!, $r: UUID!) { grant(id: $g) { id } report(id: $r) { id } }",
            json!({ "g": p.other.grant, "r": p.other.report }), &token).await;
        assert_eq!(d, json!({ "grant": null, "report": null }));
        // Exactly what an id that never existed gives.
        let unknown = app.data("query($g: UUID!, $r: UUID!) { grant(id: $g) { id } report(id: $r) { id } }",
            json!({ "g": Uuid::new_v4(), "r": Uuid::new_v4() }), &token).await;
        assert_eq!(d, unknown);
        let own = app.data("query($g: UUID!) { grant(id: $g) { reference } }", json!({ "g": p.demo.grant }), &token).await;
        assert_eq!(own["grant"]["reference"], "CAAS-API-2024");
    }

    async fn filters_naming_another_grantee_return_nothing(app) {
        let p = app.two_grantees().await;
        let token = app.grantee(p.demo.grantee);
        let d = app.data("query($o: UUID!, $g: UUID!) {
              grants(filter: { granteeId: $o }) { totalCount edges { node { id } } }
              reports(filter: { granteeId: $o }) { totalCount }
              byGrant: reports(filter: { grantId: $g }) { totalCount }
              activities(filter: { grantId: $g }) { totalCount }
              portfolioSummary(filter: { granteeId: $o }) { grantCount funding { amount } byGrantee { grantCount } }
            }", json!({ "o": p.other.org, "g": p.other.grant }), &token).await;
        assert_eq!(d["grants"], json!({ "totalCount": 0, "edges": [] }));
        assert_eq!(d["reports"]["totalCount"], 0);
        assert_eq!(d["byGrant"]["totalCount"], 0);
        assert_eq!(d["activities"]["totalCount"], 0);
        assert_eq!(d["portfolioSummary"], json!({ "grantCount": 0, "funding": [], "byGrantee": [] }));
    }

    async fn nested_paths_and_shared_objects_stay_inside_the_grantees_scope(app) {
        let p = app.two_grantees().await;
        let query = "{ me { organisation { name } }
                       schemes { name grants { totalCount edges { node { reference } } } }
                       organisations { name grants { totalCount } }
                       auditEvents(first: 100) { totalCount edges { node { entity grantId after } } } }";
        let api = app.data(query, json!({}), &app.grantee(p.demo.grantee)).await;
        assert_eq!(api["me"]["organisation"]["name"], "Advocacy and Policy Institute");
        assert_eq!(api["schemes"][0]["grants"]["totalCount"], 1);
        assert_eq!(api["schemes"][0]["grants"]["edges"][0]["node"]["reference"], "CAAS-API-2024");
        let orgs = names(&api["organisations"]);
        assert!(orgs.contains(&"Advocacy and Policy Institute".to_owned()));
        assert!(orgs.contains(&"Department of Foreign Affairs and Trade".to_owned()));
        assert!(orgs.contains(&"Digital Rights Working Group".to_owned()), "the register of partners");
        assert!(!orgs.contains(&"Other Rights NGO".to_owned()), "never another grantee: {orgs:?}");
        for org in api["organisations"].as_array().unwrap() {
            assert!(org["grants"]["totalCount"].as_i64().unwrap() <= 1);
        }
        let text = api["auditEvents"].to_string();
        assert!(!text.contains(&p.other.grant.to_string()) && !text.contains("Secret objective"), "{text}");

        let other = app.data(query, json!({}), &app.grantee(p.other.org)).await;
        assert_eq!(other["schemes"][0]["grants"]["edges"][0]["node"]["reference"], "CAAS-OTHER-2025");
        let orgs = names(&other["organisations"]);
        assert!(!orgs.contains(&"Advocacy and Policy Institute".to_owned()), "never another grantee: {orgs:?}");
        let text = other["auditEvents"].to_string();
        assert!(!text.contains(&p.demo.grant.to_string()), "{text}");
        assert!(other["auditEvents"]["totalCount"].as_i64().unwrap() >= 3, "its own grant's events: {other}");
    }

    async fn writes_follow_the_role(app) {
        let p = app.two_grantees().await;
        let api = app.grantee(p.demo.grantee);
        // A grantee cannot reach another grantee's grant through a mutation input.
        let foreign = app.create_report(&api, report_input(p.other.grant, "PROGRESS", "2024-08-05", "2024-10-31")).await.unwrap_err();
        assert_eq!(foreign.code, "NOT_FOUND");
        assert_eq!(foreign.field.as_deref(), Some("grantId"));
        // A grantee never changes grants, money, schemes or organisations.
        let tranche = app.add_funding_period(&api, json!({ "grantId": p.demo.grant, "startDate": "2024-08-05", "endDate": "2024-09-01",
            "amount": { "amount": "1.00", "currency": "AUD" } })).await.unwrap_err();
        assert_eq!(tranche.code, "FORBIDDEN");
        let org = app.create_organisation(&api, json!({ "name": "Mine", "kind": "PARTNER" })).await.unwrap_err();
        assert_eq!(org.code, "FORBIDDEN");
        let objective = app.add_objective(&api, json!({ "grantId": p.demo.grant, "number": 9, "statement": "x" })).await.unwrap_err();
        assert_eq!(objective.code, "FORBIDDEN");
        // Analysts write nothing.
        let analyst = app.analyst();
        for refused in [
            app.create_report(&analyst, report_input(p.demo.grant, "PROGRESS", "2024-08-05", "2024-10-31")).await.map(|r| r.id),
            app.create_organisation(&analyst, json!({ "name": "A", "kind": "PARTNER" })).await.map(|o| o.id),
        ] {
            assert_eq!(refused.unwrap_err().code, "FORBIDDEN");
        }
        let audit_before = app.count("audit_events").await;
        // A grantee opens a report on its own grant; the trail records who, as what, for whom.
        let own = app.create_report(&api, report_input(p.demo.grant, "PROGRESS", "2024-08-05", "2024-10-31")).await.unwrap();
        assert_eq!(app.count("audit_events").await, audit_before + 1);
        let trail = app.audit_events(&app.manager(), json!({ "entityId": own.id })).await;
        let event = &trail.events[0];
        assert_eq!(event.action, "createReport");
        assert_eq!(event.role, "GRANTEE");
        assert_eq!(event.actor_organisation_id, Some(p.demo.grantee));
        assert!(event.request_id.as_deref().is_some_and(|r| !r.is_empty()));
    }

    async fn an_analyst_is_refused_every_mutation_but_making_an_export_link(app) {
        let s = app.grant_to_report().await;
        let grantee = app.grantee(s.grantee);
        let report = app.create_report(&grantee, report_input(s.grant, "PROGRESS", "2024-08-05", "2025-01-31")).await.unwrap();
        let activity = app.create_activity(&grantee, activity_input(report.id, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 10, "female": 4 }]))).await.unwrap();
        let outcome = app.record_outcome(&grantee, json!({ "activityId": activity.id, "kind": "OTHER", "statement": "x" })).await.unwrap();
        let result = app.record_indicator_result(&grantee, json!({ "reportId": report.id, "indicatorId": s.indicator, "actual": "1" })).await.unwrap();
        let lesson = app.add_lesson(&grantee, json!({ "reportId": report.id, "kind": "CHALLENGE", "text": "x" })).await.unwrap();
        let case = app.add_case_study(&grantee, json!({ "reportId": report.id, "title": "x", "narrative": "x" })).await.unwrap();
        let second = app.create_activity(&grantee, activity_input(report.id, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 10, "female": 4 }]))).await.unwrap();
        app.link_joint_activities(&grantee, json!({ "activityIds": [activity.id, second.id] })).await.unwrap();
        let events = app.count("audit_events").await;

        let t = app.analyst();
        let at = |id: Uuid, version: i64| json!({ "id": id, "version": version });
        let partner = s.partners["drwg"];
        let refusals = [
            ("createOrganisation", app.create_organisation(&t, json!({ "name": "A", "kind": "PARTNER" })).await.err()),
            ("updateOrganisation", app.update_organisation(&t, json!({ "id": partner, "version": 1, "identifier": "XM-OCHA-1" })).await.err()),
            ("createScheme", app.create_scheme(&t, json!({ "name": "A", "funderId": partner, "managerId": partner, "currency": "AUD" })).await.err()),
            ("createGrant", app.create_grant(&t, grant_input(s.scheme, s.grantee, "A", "1.00", "2024-08-05", "2025-01-31")).await.err()),
            ("updateGrant", app.update_grant(&t, json!({ "id": s.grant, "version": 1, "title": "A" })).await.err()),
            ("addFundingPeriod", app.add_funding_period(&t, json!({ "grantId": s.grant, "startDate": "2024-08-05", "endDate": "2024-09-01",
                "amount": { "amount": "1.00", "currency": "AUD" } })).await.err()),
            ("addObjective", app.add_objective(&t, json!({ "grantId": s.grant, "number": 9, "statement": "A" })).await.err()),
            ("addIndicator", app.add_indicator(&t, json!({ "objectiveId": s.objective, "statement": "A", "unit": "A" })).await.err()),
            ("createReport", app.create_report(&t, report_input(s.grant, "PROGRESS", "2024-08-05", "2024-10-31")).await.err()),
            ("updateReport", app.update_report(&t, json!({ "id": report.id, "version": report.version, "dueDate": "2025-02-28" })).await.err()),
            ("submitReport", app.submit_report(&t, report.as_read()).await.err()),
            ("returnReport", app.return_report(&t, json!({ "id": report.id, "version": report.version, "reason": "A" })).await.err()),
            ("acceptReport", app.accept_report(&t, report.as_read()).await.err()),
            ("createActivity", app.create_activity(&t, activity_input(report.id, None, "2024-09-27", "2024-09-27", json!([]))).await.err()),
            ("updateActivity", app.update_activity(&t, json!({ "id": activity.id, "version": activity.version, "title": "A" })).await.err()),
            ("deleteActivity", app.delete_activity(&t, at(activity.id, activity.version)).await.err()),
            ("recordOutcome", app.record_outcome(&t, json!({ "activityId": activity.id, "kind": "OTHER", "statement": "A" })).await.err()),
            ("updateOutcome", app.update_outcome(&t, json!({ "id": outcome.id, "version": outcome.version, "statement": "A" })).await.err()),
            ("deleteOutcome", app.delete_outcome(&t, at(outcome.id, outcome.version)).await.err()),
            ("recordIndicatorResult", app.record_indicator_result(&t, json!({ "reportId": report.id, "indicatorId": s.indicator, "actual": "2" })).await.err()),
            ("updateIndicatorResult", app.update_indicator_result(&t, json!({ "id": result.id, "version": result.version, "actual": "2" })).await.err()),
            ("deleteIndicatorResult", app.delete_indicator_result(&t, at(result.id, result.version)).await.err()),
            ("addLesson", app.add_lesson(&t, json!({ "reportId": report.id, "kind": "CHALLENGE", "text": "A" })).await.err()),
            ("updateLesson", app.update_lesson(&t, json!({ "id": lesson.id, "version": lesson.version, "text": "A" })).await.err()),
            ("deleteLesson", app.delete_lesson(&t, at(lesson.id, lesson.version)).await.err()),
            ("addCaseStudy", app.add_case_study(&t, json!({ "reportId": report.id, "title": "A", "narrative": "A" })).await.err()),
            ("updateCaseStudy", app.update_case_study(&t, json!({ "id": case.id, "version": case.version, "title": "A" })).await.err()),
            ("deleteCaseStudy", app.delete_case_study(&t, at(case.id, case.version)).await.err()),
            ("addCorrection", app.add_correction(&t, json!({ "reportId": report.id, "field": "A", "recordedAs": "A", "reason": "A" })).await.err()),
            ("linkJointActivities", app.link_joint_activities(&t, json!({ "activityIds": [activity.id, second.id] })).await.err()),
            ("unlinkJointActivity", app.unlink_joint_activity(&t, json!({ "activityId": activity.id })).await.err()),
        ];
        // Every mutation of the schema is tried: a new one must join this list.
        let schema = app.data("{ __schema { mutationType { fields { name } } } }", json!({}), &t).await;
        let mut all: Vec<&str> = schema["__schema"]["mutationType"]["fields"].as_array().unwrap().iter()
            .map(|f| f["name"].as_str().unwrap()).collect();
        let mut tried: Vec<&str> = refusals.iter().map(|(name, _)| *name).collect();
        // Exporting is reading: an analyst may make a link to a file of what it may read.
        tried.push("createExportLink");
        all.sort_unstable();
        tried.sort_unstable();
        assert_eq!(tried, all);
        for (mutation, refused) in refusals {
            assert_eq!(refused.as_ref().map(|e| e.code.as_str()), Some("FORBIDDEN"), "{mutation}: {refused:?}");
        }
        assert_eq!(app.count("audit_events").await, events, "nothing was written");
        let link = app.create_export_link(&t, json!({ "format": "GRANTS_CSV" })).await.unwrap();
        assert!(link.path.starts_with("/export/grants.csv?link="));
    }
}
