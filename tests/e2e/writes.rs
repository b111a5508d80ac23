//! Standing the portfolio up: organisations, grants, tranches, objectives, indicators, reports.
//! Every refusal names the field, and nothing is written.

use portfolio_tests::mutations::Money;
use portfolio_tests::{grant_input, on_both_databases, report_input};
use serde_json::{Value, json};
use uuid::Uuid;

on_both_databases! {
    async fn the_reports_own_impossible_period_is_refused_naming_period_end(app) {
        let grant = app.one_grant().await.grant;
        let events_before = app.count("audit_events").await;
        // The completion report states its period as "5th August 2025 to 31 January 2025".
        let refused = app.create_report(&app.manager(), report_input(grant, "COMPLETION", "2025-08-05", "2025-01-31")).await.unwrap_err();
        assert_eq!(refused.code, "BAD_USER_INPUT");
        assert_eq!(refused.field.as_deref(), Some("periodEnd"));
        assert!(refused.message.contains("periodEnd"));
        assert_eq!(app.count("reports").await, 0);
        assert_eq!(app.count("audit_events").await, events_before);

        let ok = app.create_report(&app.manager(), report_input(grant, "COMPLETION", "2024-08-05", "2025-01-31")).await.unwrap();
        assert_eq!(ok.status, "DRAFT");
        assert_eq!(ok.version, 1);
        assert_eq!(app.count("reports").await, 1);
    }

    async fn impossible_dates_and_periods_outside_the_grant_are_refused(app) {
        let grant = app.one_grant().await.grant;
        let refused = app.create_report(&app.manager(), report_input(grant, "COMPLETION", "2025-02-30", "2025-03-01")).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("periodStart"));
        let refused = app.create_report(&app.manager(), report_input(grant, "COMPLETION", "2024-08-05", "2025-02-28")).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("periodEnd"));
        assert!(refused.message.contains("after the grant ends"));
        assert_eq!(app.count("reports").await, 0);
    }

    async fn money_is_exact_and_negative_or_over_precise_amounts_are_refused(app) {
        let scheme = app.new_scheme("Scheme").await;
        let grantee = app.new_organisation("Grantee", "GRANTEE").await;
        let create = |amount: Value| {
            let app = &app;
            async move {
                let mut input = grant_input(scheme, grantee, &Uuid::new_v4().to_string(), "", "2024-01-01", "2024-12-31");
                input["totalFunding"]["amount"] = amount;
                app.create_grant(&app.manager(), input).await
            }
        };
        for bad in [json!("-1.00"), json!("10.001"), json!("1e5"), json!("ten")] {
            let refused = create(bad.clone()).await.unwrap_err();
            assert_eq!(refused.code, "BAD_USER_INPUT", "{bad}: {refused}");
            assert_eq!(refused.field.as_deref(), Some("totalFunding.amount"), "{bad}");
        }
        let float = create(json!(12.5)).await;
        assert!(float.is_err(), "a JSON number is not a Decimal");
        assert_eq!(app.count("grants").await, 0);
        let ok = create(json!("0.10")).await.unwrap();
        assert_eq!(ok.total_funding, Money { amount: "0.10".into(), currency: "AUD".into() });
        let big = create(json!("123456789012.34")).await.unwrap();
        assert_eq!(big.total_funding.amount, "123456789012.34");
    }

    async fn tranches_stay_inside_the_grant_and_never_exceed_its_total(app) {
        let grant = app.one_grant().await.grant;
        let add = |start: &'static str, end: &'static str, amount: &'static str| {
            let app = &app;
            async move {
                app.add_funding_period(&app.manager(), json!({ "grantId": grant, "label": "Tranche", "startDate": start, "endDate": end,
                    "amount": { "amount": amount, "currency": "AUD" } })).await
            }
        };
        let first = add("2024-08-05", "2024-10-31", "60000.00").await.unwrap();
        assert_eq!(first.amount.amount, "60000.00");
        let over = add("2024-11-01", "2025-01-31", "30000.01").await.unwrap_err();
        assert_eq!(over.field.as_deref(), Some("amount.amount"));
        let outside = add("2024-11-01", "2025-02-28", "100.00").await.unwrap_err();
        assert_eq!(outside.field.as_deref(), Some("endDate"));
        let backwards = add("2024-12-01", "2024-11-01", "100.00").await.unwrap_err();
        assert_eq!(backwards.field.as_deref(), Some("endDate"));
        let exact = add("2024-11-01", "2025-01-31", "30000.00").await;
        assert!(exact.is_ok(), "{exact:?}");
        assert_eq!(app.count("funding_periods").await, 2);
    }

    async fn objectives_and_indicators_are_added_to_a_grant(app) {
        let grant = app.one_grant().await.grant;
        let manager = app.manager();
        let objective = app.add_objective(&manager, json!({ "grantId": grant, "number": 2, "statement": "Policies are inclusive" })).await.unwrap();
        let twice = app.add_objective(&manager, json!({ "grantId": grant, "number": 2, "statement": "Again" })).await.unwrap_err();
        assert_eq!(twice.field.as_deref(), Some("number"));
        let indicator = app.add_indicator(&manager, json!({ "objectiveId": objective.id, "statement": "Policy dialogues held",
            "unit": "policy dialogues", "baseline": "0", "target": "3.0" })).await.unwrap();
        assert_eq!((indicator.unit.as_str(), indicator.baseline.as_deref(), indicator.target.as_deref()), ("policy dialogues", Some("0"), Some("3")));
        let missing = app.add_indicator(&manager, json!({ "objectiveId": Uuid::new_v4(), "statement": "x", "unit": "y" })).await.unwrap_err();
        assert_eq!(missing.code, "NOT_FOUND");
        assert_eq!(missing.field.as_deref(), Some("objectiveId"));
    }

    async fn a_grant_goes_only_to_a_grantee_and_its_reference_is_unique_in_its_scheme(app) {
        let scheme = app.new_scheme("Scheme").await;
        let partner = app.new_organisation("Partner", "PARTNER").await;
        let manager = app.manager();
        let to_partner = app.create_grant(&manager, grant_input(scheme, partner, "R", "1.00", "2024-01-01", "2024-12-31")).await.unwrap_err();
        assert_eq!(to_partner.field.as_deref(), Some("granteeId"));
        let grantee = app.new_organisation("Grantee", "GRANTEE").await;
        app.new_grant(scheme, grantee, "R", "1.00", "2024-01-01", "2024-12-31").await;
        let again = app.create_grant(&manager, grant_input(scheme, grantee, "R", "1.00", "2024-01-01", "2024-12-31")).await.unwrap_err();
        assert_eq!(again.field.as_deref(), Some("reference"));
        let mut several = grant_input(scheme, grantee, " ", "-1", "2024-01-01", "2023-12-31");
        several["totalFunding"]["currency"] = json!("XYZ");
        let several = app.create_grant(&manager, several).await.unwrap_err();
        assert_eq!(several.problem_fields(), ["reference", "totalFunding.currency", "endDate"]);
        assert_eq!(app.count("grants").await, 1);
    }

    async fn every_successful_write_is_in_the_audit_trail(app) {
        let grant = app.one_grant().await.grant;
        let trail = app.audit_events(&app.analyst(), json!({ "entityId": grant })).await;
        assert_eq!(trail.total_count, 1);
        let event = &trail.events[0];
        assert_eq!(event.action, "createGrant");
        assert_eq!(event.entity, "Grant");
        assert_eq!(event.actor, "manager@tetratech");
        assert_eq!(event.role, "SCHEME_MANAGER");
        assert_eq!(event.after["reference"], "G-1");
    }

    async fn the_audit_trail_is_append_only(app) {
        use sea_orm::ConnectionTrait;
        app.one_grant().await;
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
        let g = app.one_grant().await;
        let input = json!({ "id": g.grant, "version": 1, "status": "CLOSED" });
        for token in [app.grantee(g.grantee), app.analyst()] {
            assert_eq!(app.update_grant(&token, input.clone()).await.unwrap_err().code, "FORBIDDEN");
        }
        let closed = app.update_grant(&app.manager(), input).await.unwrap();
        assert_eq!((closed.status.as_str(), closed.title.as_str(), closed.version), ("CLOSED", "Grant G-1", 2));
        let stale = app.update_grant(&app.manager(), json!({ "id": g.grant, "version": 1, "title": "Renamed" })).await.unwrap_err();
        assert_eq!(stale.code, "CONFLICT");
        let trail = app.audit_events(&app.manager(), json!({ "entityId": g.grant })).await;
        let event = &trail.events[0];
        assert_eq!(event.action, "updateGrant");
        assert_eq!((event.before["status"].as_str(), event.after["status"].as_str()), (Some("ACTIVE"), Some("CLOSED")));
    }
}
