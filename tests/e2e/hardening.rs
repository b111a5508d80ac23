//! Input and cost that must never reach the database as something it cannot hold: money and
//! counts that overflow, text with control characters, edited cursors, loose dates, requests
//! that cost far more than their size, and idempotency keys kept for ever.

use std::time::Duration;

use portfolio_tests::{Backend, TestApp, activity_input, on_both_databases, report_input};
use serde_json::{Value, json};
use uuid::Uuid;

/// A DRAFT report on the one-grant fixture, opened by its grantee; returns (grantee token, report).
async fn draft(app: &TestApp) -> (String, Uuid, Uuid) {
    let fixture = app.one_grant().await;
    let token = app.grantee(fixture.grantee);
    let report = app
        .create_report(
            &token,
            report_input(fixture.grant, "PROGRESS", "2024-08-05", "2025-01-31"),
        )
        .await
        .unwrap();
    (token, report.id, fixture.grant)
}

const SUMMARY: &str = "{ portfolioSummary { funding { amount currency } participation { total female inPerson online unspecified } } }";
const SUMMARY_FILTERED: &str =
    "query($f: PortfolioFilter) { portfolioSummary(filter: $f) { funding { amount currency } } }";

on_both_databases! {
    async fn an_amount_beyond_the_largest_accepted_is_refused_and_tranches_never_wrap(app) {
        let fixture = app.one_grant().await;
        let manager = app.manager();
        // The grant is AUD 90,000.00; this amount once wrapped the sum of tranches around.
        let refused = app.add_funding_period(&manager, json!({ "grantId": fixture.grant,
            "startDate": "2024-08-05", "endDate": "2024-12-31",
            "amount": { "amount": "92233720368547758.07", "currency": "AUD" } })).await.unwrap_err();
        assert_eq!(refused.code, "BAD_USER_INPUT");
        assert_eq!(refused.field.as_deref(), Some("amount.amount"));
        assert_eq!(app.count("funding_periods").await, 0);

        let scheme = fixture.scheme;
        let grant = |reference: &str, amount: &str| json!({ "schemeId": scheme, "granteeId": fixture.grantee,
            "reference": reference, "title": "Large", "totalFunding": { "amount": amount, "currency": "AUD" },
            "startDate": "2024-01-01", "endDate": "2024-12-31" });
        let refused = app.create_grant(&manager, grant("TOO-BIG", "1000000000000.01")).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("totalFunding.amount"));
        app.create_grant(&manager, grant("LARGEST", "1000000000000.00")).await.unwrap();
        app.create_grant(&manager, grant("LARGEST-2", "1000000000000.00")).await.unwrap();
        let data = app.data(SUMMARY, json!({}), &manager).await;
        assert_eq!(data["portfolioSummary"]["funding"], json!([{ "amount": "2000000090000.00", "currency": "AUD" }]));
    }

    async fn the_summary_adds_up_money_beyond_64_bits_exactly(app) {
        // Amounts stored before they were bounded (two grants of nearly 2^63 minor units) once
        // made portfolioSummary answer INTERNAL for everyone; sums are now taken in 128 bits.
        let fixture = app.one_grant().await;
        use sea_orm::{ConnectionTrait, Statement};
        let huge = i64::MAX / 2 + 1;
        app.new_grant(fixture.scheme, fixture.grantee, "G-2", "1.00", "2024-01-01", "2024-12-31").await;
        let stored = app.db.execute_raw(Statement::from_string(app.db.get_database_backend(),
            format!("UPDATE grants SET total_funding_minor = {huge} WHERE reference IN ('G-1', 'G-2')"))).await.unwrap();
        assert_eq!(stored.rows_affected(), 2);
        let expected = (2 * i128::from(huge)).to_string();
        let expected = format!("{}.{}", &expected[..expected.len() - 2], &expected[expected.len() - 2..]);
        let expected = json!([{ "amount": expected, "currency": "AUD" }]);
        // Added up from the grants (a date filter), and, once the totals kept per grantee are
        // rebuilt as after any load straight into the tables, from those.
        let counted = app.data(SUMMARY_FILTERED, json!({ "f": { "from": "1900-01-01" } }), &app.analyst()).await;
        assert_eq!(counted["portfolioSummary"]["funding"], expected);
        api::domain::totals::rebuild(&app.db).await.unwrap();
        let kept = app.data(SUMMARY, json!({}), &app.analyst()).await;
        assert_eq!(kept["portfolioSummary"]["funding"], expected);
    }

    async fn a_row_beyond_a_million_participants_is_refused_and_totals_are_exact(app) {
        let (token, report, _) = draft(&app).await;
        let refused = app.create_activity(&token, activity_input(report, None, "2024-09-01", "2024-09-01",
            json!([{ "mode": "IN_PERSON", "total": 2147483647, "female": 0 }]))).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("participation[0].total"));
        // A negative total is one problem, not also "female is more than the total".
        let refused = app.create_activity(&token, activity_input(report, None, "2024-09-01", "2024-09-01",
            json!([{ "mode": "IN_PERSON", "total": -5, "female": 0 }]))).await.unwrap_err();
        assert_eq!(refused.problem_fields(), ["participation[0].total"]);

        let rows = json!([{ "mode": "IN_PERSON", "total": 1000000, "female": 600000 },
                          { "mode": "ONLINE", "total": 1000000, "female": 1000000 },
                          { "mode": "UNSPECIFIED", "total": 1000000, "female": 0 }]);
        for _ in 0..2 {
            app.create_activity(&token, activity_input(report, None, "2024-09-01", "2024-09-01", rows.clone())).await.unwrap();
        }
        let data = app.data(SUMMARY, json!({}), &app.manager()).await;
        assert_eq!(data["portfolioSummary"]["participation"], json!({
            "total": 6000000, "female": 3200000, "inPerson": 2000000, "online": 2000000, "unspecified": 2000000 }));
    }

    async fn text_with_a_nul_or_another_control_character_is_refused_naming_the_field(app) {
        let manager = app.manager();
        for (name, field) in [("a\u{0}b", "name"), ("bell\u{7}", "name")] {
            let refused = app.create_organisation(&manager, json!({ "name": name, "kind": "PARTNER" })).await.unwrap_err();
            assert_eq!((refused.code.as_str(), refused.field.as_deref()), ("BAD_USER_INPUT", Some(field)), "{name:?}");
        }
        let refused = app.create_organisation(&manager, json!({ "name": "Partner", "kind": "PARTNER",
            "description": "line one\nline two\tand a tab\u{0}" })).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("description"));
        assert_eq!(app.count("organisations").await, 0);

        let response = app.graphql("query($f: AuditFilter) { auditEvents(filter: $f) { totalCount } }",
            json!({ "f": { "actor": "a\u{0}b" } }), Some(&manager)).await;
        assert_eq!(portfolio_tests::error_code(&response), Some("BAD_USER_INPUT"));
        assert_eq!(portfolio_tests::error_field(&response), Some("filter.actor"));

        let (token, report, _) = draft(&app).await;
        let refused = app.add_lesson(&token, json!({ "reportId": report, "kind": "LESSON_LEARNED",
            "text": "ok", "idempotencyKey": "key\u{0}" })).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("idempotencyKey"));
        // Tabs and line breaks are text.
        app.add_lesson(&token, json!({ "reportId": report, "kind": "LESSON_LEARNED", "text": "one\n\ttwo" })).await.unwrap();
    }

    async fn text_is_stored_composed_so_the_same_name_typed_two_ways_is_one_name(app) {
        let manager = app.manager();
        let composed = app.create_organisation(&manager, json!({ "name": "Caf\u{e9} Partners", "kind": "PARTNER" })).await.unwrap();
        assert_eq!(composed.name, "Caf\u{e9} Partners");
        let refused = app.create_organisation(&manager, json!({ "name": "Cafe\u{301} Partners", "kind": "PARTNER" })).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("name"));
        // Zero-width characters are kept (Khmer needs them), so this is another name.
        app.create_organisation(&manager, json!({ "name": "Caf\u{e9}\u{200b} Partners", "kind": "PARTNER" })).await.unwrap();
    }

    async fn a_website_must_be_an_http_or_https_address(app) {
        let manager = app.manager();
        for bad in ["javascript:alert(1)", "ftp://example.org", "www.example.org", "https://"] {
            let refused = app.create_organisation(&manager, json!({ "name": format!("Org {bad}"), "kind": "PARTNER", "website": bad })).await.unwrap_err();
            assert_eq!(refused.field.as_deref(), Some("website"), "{bad}");
        }
        let ok = app.create_organisation(&manager, json!({ "name": "Good", "kind": "PARTNER", "website": "https://www.apiinstitute.org" })).await.unwrap();
        assert_eq!(ok.name, "Good");
    }

    async fn an_edited_cursor_is_refused_on_after(app) {
        app.portfolio().await;
        let manager = app.manager();
        // {"o":"reference","k":{"Int":5},"id":"00000000-…"}: a number where the column is text.
        let number_for_text = "eyJvIjoicmVmZXJlbmNlIiwiayI6eyJJbnQiOjV9LCJpZCI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCJ9";
        use base64::Engine;
        let encode = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let date_for_text = encode(json!({ "o": "reference", "k": { "Date": "2024-01-01" }, "id": Uuid::nil() }));
        let nul_text = encode(json!({ "o": "reference", "k": { "Text": "a\u{0}" }, "id": Uuid::nil() }));
        let far_date = encode(json!({ "o": "startDate", "k": { "Date": "9999-01-01" }, "id": Uuid::nil() }));
        for (cursor, order) in [(number_for_text.to_owned(), "REFERENCE"), (date_for_text, "REFERENCE"), (nul_text, "REFERENCE"), (far_date, "START_DATE"), ("x".repeat(5000), "REFERENCE")] {
            let response = app.graphql("query($after: String, $field: GrantOrderField!) { grants(first: 2, after: $after, orderBy: { field: $field }) { edges { node { reference } } } }",
                json!({ "after": cursor, "field": order }), Some(&manager)).await;
            assert_eq!(portfolio_tests::error_code(&response), Some("BAD_USER_INPUT"), "{response}");
            assert_eq!(portfolio_tests::error_field(&response), Some("after"));
        }
        // A cursor the API gave out still works.
        let page = app.data("{ grants(first: 2) { pageInfo { endCursor } } }", json!({}), &manager).await;
        let after = page["grants"]["pageInfo"]["endCursor"].clone();
        let next = app.data("query($after: String) { grants(first: 2, after: $after) { edges { node { reference } } } }", json!({ "after": after }), &manager).await;
        assert_eq!(next["grants"]["edges"].as_array().unwrap().len(), 2);
    }

    async fn only_iso_dates_from_1900_to_2200_are_dates(app) {
        let fixture = app.one_grant().await;
        for bad in ["2025-1-5", "+99999-01-01", "0000-01-01", "-0001-01-01", "1899-12-31", "2201-01-01", " 2025-01-05", "2025-01-05T00:00:00Z"] {
            let mut input = report_input(fixture.grant, "PROGRESS", "2024-08-05", "2025-01-31");
            input["dueDate"] = json!(bad);
            let refused = app.create_report(&app.manager(), input).await.unwrap_err();
            assert_eq!((refused.code.as_str(), refused.field.as_deref()), ("BAD_USER_INPUT", Some("dueDate")), "{bad:?}");
        }
        let response = app.graphql("{ reports(filter: { dueBefore: \"+99999-01-01\" }) { totalCount } }", json!({}), Some(&app.manager())).await;
        assert_eq!(portfolio_tests::error_field(&response), Some("filter.dueBefore"));
        assert_eq!(app.count("reports").await, 0);
    }

    async fn a_request_costs_its_pages_and_lookups_and_one_that_costs_too_much_is_refused(app) {
        app.portfolio().await;
        let manager = app.manager();
        let dashboard = app.graphql("{ grants(first: 100) { edges { node { reference grantee { name } participation { total }
            reports { status activities { title participation { mode total } } } } } } }", json!({}), Some(&manager)).await;
        assert!(dashboard["errors"].is_null(), "{dashboard}");
        let cost = dashboard["extensions"]["cost"]["requested"].as_u64().unwrap();
        assert!(cost > 10_000 && cost <= 50_000, "{cost}");
        assert_eq!(dashboard["extensions"]["cost"]["limit"], 50_000);

        let nested = app.graphql("{ grants(first: 100) { edges { node { activities(first: 100) { edges { node { outcomes { statement actor } } } } } } } }",
            json!({}), Some(&manager)).await;
        assert_eq!(portfolio_tests::error_code(&nested), Some("COST_LIMIT_EXCEEDED"), "{nested}");
        assert!(nested["extensions"]["cost"]["requested"].as_u64().unwrap() > 50_000);

        let lookups: String = (0..1000).map(|i| format!("g{i}: grant(id: \"{}\") {{ id }} ", Uuid::nil())).collect();
        let response = app.graphql(&format!("{{ {lookups} }}"), json!({}), Some(&manager)).await;
        assert_eq!(portfolio_tests::error_code(&response), Some("COST_LIMIT_EXCEEDED"));
        let summaries: String = (0..300).map(|i| format!("s{i}: portfolioSummary {{ grantCount }} ")).collect();
        let response = app.graphql(&format!("{{ {summaries} }}"), json!({}), Some(&manager)).await;
        assert_eq!(portfolio_tests::error_code(&response), Some("COST_LIMIT_EXCEEDED"));
        // Nothing of it ran.
        assert!(response["data"].is_null());
    }

    async fn every_list_a_report_returns_is_bounded_when_written(app) {
        let (token, report, _) = draft(&app).await;
        let partners: Vec<Uuid> = (0..51).map(|_| Uuid::new_v4()).collect();
        let mut input = activity_input(report, None, "2024-09-01", "2024-09-01", json!([{ "mode": "UNSPECIFIED", "total": 3, "female": 1 }]));
        input["organiserIds"] = json!(partners);
        let refused = app.create_activity(&token, input).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("organiserIds"));
        let fixture_grant = app.data("{ grants(first: 1) { edges { node { id } } } }", json!({}), &app.manager()).await;
        let grant = fixture_grant["grants"]["edges"][0]["node"]["id"].clone();
        for n in 1..=50 {
            app.add_objective(&app.manager(), json!({ "grantId": grant, "number": n, "statement": "An objective" })).await.unwrap();
        }
        let refused = app.add_objective(&app.manager(), json!({ "grantId": grant, "number": 51, "statement": "One too many" })).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("grantId"));
        assert_eq!(app.count("objectives").await, 50);
    }
}

async fn a_caller_that_spends_its_allowance_is_answered_429_with_retry_after(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.rate_limit = api::settings::RateLimitSettings {
            burst: 60_000,
            per_second: 100,
        };
    })
    .await
    else {
        return;
    };
    let analyst = app.analyst();
    // About 12,600 of cost: the first four fit the burst of 60,000, the fifth does not.
    let expensive = "{ a: grants(first: 100) { edges { node { reports { activities { participation { total } } } } } } }";
    let send = || {
        app.http()
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&analyst)
            .json(&json!({ "query": expensive }))
            .send()
    };
    for _ in 0..4 {
        let ok = send().await.unwrap();
        assert_eq!(ok.status(), 200);
        let body: Value = ok.json().await.unwrap();
        assert!(body["errors"].is_null(), "{body}");
    }
    let response = send().await.unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "{wait}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(body["errors"][0]["extensions"]["retryable"], true);
    // Another caller has an allowance of its own.
    let other = app
        .graphql(expensive, json!({}), Some(&app.manager()))
        .await;
    assert!(other["errors"].is_null(), "{other}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_on_sqlite() {
    a_caller_that_spends_its_allowance_is_answered_429_with_retry_after(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_on_postgres() {
    a_caller_that_spends_its_allowance_is_answered_429_with_retry_after(Backend::Postgres).await;
}

async fn an_idempotency_key_past_its_retention_is_forgotten(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.idempotency_retention = Duration::from_secs(2);
    })
    .await
    else {
        return;
    };
    let (token, report, _) = draft(&app).await;
    let lesson = json!({ "reportId": report, "kind": "CHALLENGE", "text": "Late funds", "idempotencyKey": "lesson-1" });
    let first = app.add_lesson(&token, lesson.clone()).await.unwrap();
    let replayed = app.add_lesson(&token, lesson.clone()).await.unwrap();
    assert_eq!(first.id, replayed.id);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    // After the retention the key is forgotten: the same request creates anew.
    let again = app.add_lesson(&token, lesson).await.unwrap();
    assert_ne!(again.id, first.id);
    assert_eq!(app.count("lessons").await, 2);
    assert_eq!(app.count("idempotency_keys").await, 1);
    // The cleanup deletes what has expired.
    app.add_lesson(&token, json!({ "reportId": report, "kind": "CHALLENGE", "text": "Other", "idempotencyKey": "lesson-2" })).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let deleted = api::domain::idempotency::purge_expired(&app.db, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(app.count("idempotency_keys").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_retention_on_sqlite() {
    an_idempotency_key_past_its_retention_is_forgotten(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_retention_on_postgres() {
    an_idempotency_key_past_its_retention_is_forgotten(Backend::Postgres).await;
}
