//! Standing the portfolio up: organisations, grants, tranches, objectives, indicators, reports.
//! Every refusal names the field, and nothing is written.

use portfolio_tests::{TestApp, error_code, error_field, on_both_databases};
use serde_json::{Value, json};
use uuid::Uuid;

async fn grant(app: &TestApp) -> Uuid {
    let scheme = app.new_scheme("Scheme").await;
    let grantee = app.new_organisation("Grantee", "GRANTEE").await;
    app.new_grant(
        scheme,
        grantee,
        "G-1",
        "90000.00",
        "2024-08-05",
        "2025-01-31",
    )
    .await
}

const CREATE_REPORT: &str =
    "mutation($input: CreateReportInput!) { createReport(input: $input) { id status version } }";

fn report_input(grant: Uuid, start: &str, end: &str) -> Value {
    json!({ "input": {
        "grantId": grant, "kind": "COMPLETION", "periodStart": start, "periodEnd": end,
        "dueDate": "2025-01-31", "preparedBy": { "name": "Chheng Samuth", "role": "Research and MEAL Specialist" },
    } })
}

on_both_databases! {
    async fn the_reports_own_impossible_period_is_refused_naming_period_end(app) {
        let grant = grant(&app).await;
        let events_before = app.count("audit_events").await;
        // The completion report states its period as "5th August 2025 to 31 January 2025".
        let response = app.graphql(CREATE_REPORT, report_input(grant, "2025-08-05", "2025-01-31"), Some(&app.manager())).await;
        assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
        assert_eq!(error_field(&response), Some("periodEnd"));
        assert!(response["errors"][0]["message"].as_str().unwrap().contains("periodEnd"));
        assert_eq!(app.count("reports").await, 0);
        assert_eq!(app.count("audit_events").await, events_before);

        let ok = app.data(CREATE_REPORT, report_input(grant, "2024-08-05", "2025-01-31"), &app.manager()).await;
        assert_eq!(ok["createReport"]["status"], "DRAFT");
        assert_eq!(ok["createReport"]["version"], 1);
        assert_eq!(app.count("reports").await, 1);
    }

    async fn impossible_dates_and_periods_outside_the_grant_are_refused(app) {
        let grant = grant(&app).await;
        let response = app.graphql(CREATE_REPORT, report_input(grant, "2025-02-30", "2025-03-01"), Some(&app.manager())).await;
        assert_eq!(error_field(&response), Some("periodStart"));
        let response = app.graphql(CREATE_REPORT, report_input(grant, "2024-08-05", "2025-02-28"), Some(&app.manager())).await;
        assert_eq!(error_field(&response), Some("periodEnd"));
        assert!(response["errors"][0]["message"].as_str().unwrap().contains("after the grant ends"));
        assert_eq!(app.count("reports").await, 0);
    }

    async fn money_is_exact_and_negative_or_over_precise_amounts_are_refused(app) {
        let scheme = app.new_scheme("Scheme").await;
        let grantee = app.new_organisation("Grantee", "GRANTEE").await;
        let create = |amount: Value| {
            let app = &app;
            async move {
                app.graphql("mutation($input: CreateGrantInput!) { createGrant(input: $input) { totalFunding { amount currency } } }",
                    json!({ "input": { "schemeId": scheme, "granteeId": grantee, "reference": Uuid::new_v4().to_string(),
                        "title": "t", "totalFunding": { "amount": amount, "currency": "AUD" },
                        "startDate": "2024-01-01", "endDate": "2024-12-31" } }),
                    Some(&app.manager())).await
            }
        };
        for bad in [json!("-1.00"), json!("10.001"), json!("1e5"), json!("ten")] {
            let response = create(bad.clone()).await;
            assert_eq!(error_code(&response), Some("BAD_USER_INPUT"), "{bad}: {response}");
            assert_eq!(error_field(&response), Some("totalFunding.amount"), "{bad}");
        }
        let float = create(json!(12.5)).await;
        assert!(float.get("errors").is_some(), "a JSON number is not a Decimal");
        assert_eq!(app.count("grants").await, 0);
        let ok = create(json!("0.10")).await;
        assert_eq!(ok["data"]["createGrant"]["totalFunding"], json!({ "amount": "0.10", "currency": "AUD" }));
        let big = create(json!("123456789012.34")).await;
        assert_eq!(big["data"]["createGrant"]["totalFunding"]["amount"], "123456789012.34");
    }

    async fn tranches_stay_inside_the_grant_and_never_exceed_its_total(app) {
        let grant = grant(&app).await;
        let add = |start: &'static str, end: &'static str, amount: &'static str| {
            let app = &app;
            async move {
                app.graphql("mutation($input: AddFundingPeriodInput!) { addFundingPeriod(input: $input) { amount { amount currency } } }",
                    json!({ "input": { "grantId": grant, "label": "Tranche", "startDate": start, "endDate": end,
                        "amount": { "amount": amount, "currency": "AUD" } } }),
                    Some(&app.manager())).await
            }
        };
        let first = add("2024-08-05", "2024-10-31", "60000.00").await;
        assert_eq!(first["data"]["addFundingPeriod"]["amount"]["amount"], "60000.00");
        let over = add("2024-11-01", "2025-01-31", "30000.01").await;
        assert_eq!(error_field(&over), Some("amount.amount"));
        let outside = add("2024-11-01", "2025-02-28", "100.00").await;
        assert_eq!(error_field(&outside), Some("endDate"));
        let backwards = add("2024-12-01", "2024-11-01", "100.00").await;
        assert_eq!(error_field(&backwards), Some("endDate"));
        let exact = add("2024-11-01", "2025-01-31", "30000.00").await;
        assert!(exact.get("errors").is_none(), "{exact}");
        assert_eq!(app.count("funding_periods").await, 2);
    }

    async fn objectives_and_indicators_are_added_to_a_grant(app) {
        let grant = grant(&app).await;
        let objective = app.data("mutation($input: AddObjectiveInput!) { addObjective(input: $input) { id number } }",
            json!({ "input": { "grantId": grant, "number": 2, "statement": "Policies are inclusive" } }), &app.manager()).await;
        let objective_id = objective["addObjective"]["id"].clone();
        let twice = app.graphql("mutation($input: AddObjectiveInput!) { addObjective(input: $input) { id } }",
            json!({ "input": { "grantId": grant, "number": 2, "statement": "Again" } }), Some(&app.manager())).await;
        assert_eq!(error_field(&twice), Some("number"));
        let indicator = app.data("mutation($input: AddIndicatorInput!) { addIndicator(input: $input) { unit baseline target } }",
            json!({ "input": { "objectiveId": objective_id, "statement": "Policy dialogues held", "unit": "policy dialogues", "baseline": "0", "target": "3.0" } }),
            &app.manager()).await;
        assert_eq!(indicator["addIndicator"], json!({ "unit": "policy dialogues", "baseline": "0", "target": "3" }));
        let missing = app.graphql("mutation($input: AddIndicatorInput!) { addIndicator(input: $input) { id } }",
            json!({ "input": { "objectiveId": Uuid::new_v4(), "statement": "x", "unit": "y" } }), Some(&app.manager())).await;
        assert_eq!(error_code(&missing), Some("NOT_FOUND"));
        assert_eq!(error_field(&missing), Some("objectiveId"));
    }

    async fn a_grant_goes_only_to_a_grantee_and_its_reference_is_unique_in_its_scheme(app) {
        let scheme = app.new_scheme("Scheme").await;
        let partner = app.new_organisation("Partner", "PARTNER").await;
        let response = app.graphql("mutation($input: CreateGrantInput!) { createGrant(input: $input) { id } }",
            json!({ "input": { "schemeId": scheme, "granteeId": partner, "reference": "R", "title": "t",
                "totalFunding": { "amount": "1.00", "currency": "AUD" }, "startDate": "2024-01-01", "endDate": "2024-12-31" } }),
            Some(&app.manager())).await;
        assert_eq!(error_field(&response), Some("granteeId"));
        let grantee = app.new_organisation("Grantee", "GRANTEE").await;
        app.new_grant(scheme, grantee, "R", "1.00", "2024-01-01", "2024-12-31").await;
        let again = app.graphql("mutation($input: CreateGrantInput!) { createGrant(input: $input) { id } }",
            json!({ "input": { "schemeId": scheme, "granteeId": grantee, "reference": "R", "title": "t",
                "totalFunding": { "amount": "1.00", "currency": "AUD" }, "startDate": "2024-01-01", "endDate": "2024-12-31" } }),
            Some(&app.manager())).await;
        assert_eq!(error_field(&again), Some("reference"));
        let several = app.graphql("mutation($input: CreateGrantInput!) { createGrant(input: $input) { id } }",
            json!({ "input": { "schemeId": scheme, "granteeId": grantee, "reference": " ", "title": "t",
                "totalFunding": { "amount": "-1", "currency": "XYZ" }, "startDate": "2024-01-01", "endDate": "2023-12-31" } }),
            Some(&app.manager())).await;
        let fields: Vec<&str> = several["errors"][0]["extensions"]["problems"].as_array().unwrap().iter()
            .map(|p| p["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["reference", "totalFunding.currency", "endDate"]);
        assert_eq!(app.count("grants").await, 1);
    }

    async fn every_successful_write_is_in_the_audit_trail(app) {
        let grant = grant(&app).await;
        let data = app.data("query($id: UUID!) { auditEvents(filter: { entityId: $id }) { totalCount edges { node { action entity actor role after } } } }",
            json!({ "id": grant }), &app.analyst()).await;
        let events = &data["auditEvents"];
        assert_eq!(events["totalCount"], 1);
        let event = &events["edges"][0]["node"];
        assert_eq!(event["action"], "createGrant");
        assert_eq!(event["entity"], "Grant");
        assert_eq!(event["actor"], "manager@tetratech");
        assert_eq!(event["role"], "SCHEME_MANAGER");
        assert_eq!(event["after"]["reference"], "G-1");
    }

    async fn the_audit_trail_is_append_only(app) {
        use sea_orm::ConnectionTrait;
        grant(&app).await;
        let events = app.count("audit_events").await;
        assert!(events > 0);
        assert!(app.db.execute_unprepared("UPDATE audit_events SET actor = 'someone else'").await.is_err());
        assert!(app.db.execute_unprepared("DELETE FROM audit_events").await.is_err());
        assert_eq!(app.count("audit_events").await, events);
        let mutations = app.data("{ __schema { mutationType { fields { name } } } }", json!({}), &app.manager()).await;
        let names = mutations["__schema"]["mutationType"]["fields"].to_string().to_lowercase();
        assert!(!names.contains("audit"), "no mutation touches the audit trail: {names}");
    }

    async fn a_scheme_manager_closes_a_grant_from_the_version_it_read(app) {
        let scheme = app.new_scheme("Scheme").await;
        let grantee = app.new_organisation("Grantee", "GRANTEE").await;
        let grant = app.new_grant(scheme, grantee, "G-1", "10.00", "2024-01-01", "2024-12-31").await;
        let update = "mutation($input: UpdateGrantInput!) { updateGrant(input: $input) { status title version } }";
        let input = json!({ "input": { "id": grant, "version": 1, "status": "CLOSED" } });
        for token in [app.grantee(grantee), app.analyst()] {
            assert_eq!(error_code(&app.graphql(update, input.clone(), Some(&token)).await), Some("FORBIDDEN"));
        }
        let closed = app.data(update, input.clone(), &app.manager()).await;
        assert_eq!(closed["updateGrant"], json!({ "status": "CLOSED", "title": "Grant G-1", "version": 2 }));
        let stale = app.graphql(update, json!({ "input": { "id": grant, "version": 1, "title": "Renamed" } }), Some(&app.manager())).await;
        assert_eq!(error_code(&stale), Some("CONFLICT"));
        let trail = app.data("query($id: UUID!) { auditEvents(filter: { entityId: $id }) { edges { node { action before after } } } }",
            json!({ "id": grant }), &app.manager()).await;
        let event = &trail["auditEvents"]["edges"][0]["node"];
        assert_eq!(event["action"], "updateGrant");
        assert_eq!((event["before"]["status"].as_str(), event["after"]["status"].as_str()), (Some("ACTIVE"), Some("CLOSED")));
    }
}
