//! The read API: filters, ordering, pagination, and the N+1 bound.

use portfolio_tests::{TestApp, error_code, error_field, on_both_databases, report_input};
use serde_json::{Value, json};
use uuid::Uuid;

async fn references(app: &TestApp, filter: Value) -> Vec<String> {
    let data = app
        .data(
            "query($f: GrantFilter) { grants(filter: $f) { totalCount edges { node { reference } } } }",
            json!({ "f": filter }),
            &app.analyst(),
        )
        .await;
    let refs: Vec<String> = data["grants"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["reference"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(data["grants"]["totalCount"], refs.len());
    refs
}

on_both_databases! {
    async fn grant_filters_narrow_by_scheme_grantee_status_and_date_overlap(app) {
        let p = app.portfolio().await;
        assert_eq!(references(&app, json!({})).await, ["A-1", "A-2", "B-1", "B-2"]);
        assert_eq!(references(&app, json!({ "schemeId": p.scheme_a })).await, ["A-1", "A-2"]);
        assert_eq!(references(&app, json!({ "schemeId": p.scheme_b, "granteeId": p.grantee_2 })).await, ["B-2"]);
        assert_eq!(references(&app, json!({ "granteeId": p.grantee_1 })).await, ["A-1", "B-1"]);
        assert_eq!(references(&app, json!({ "status": "CLOSED" })).await, Vec::<String>::new());
        // Overlap: A-1 ends 2024-06-30, A-2 starts 2024-06-01.
        assert_eq!(references(&app, json!({ "activeFrom": "2024-06-15", "activeTo": "2024-07-01" })).await, ["A-1", "A-2"]);
        assert_eq!(references(&app, json!({ "activeFrom": "2025-06-01" })).await, ["B-1"]);
        let bad = app.graphql(
            "{ grants(filter: { activeFrom: \"2025-01-01\", activeTo: \"2024-01-01\" }) { totalCount } }",
            json!({}), Some(&app.analyst())).await;
        assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"));
        assert_eq!(error_field(&bad), Some("filter.activeTo"));
    }

    async fn grants_can_be_ordered_by_funding_and_dates(app) {
        app.portfolio().await;
        let data = app.data(
            "{ byFunding: grants(orderBy: { field: TOTAL_FUNDING, direction: DESC }) { edges { node { reference totalFunding { amount } } } }
               byStart: grants(orderBy: { field: START_DATE }) { edges { node { reference } } } }",
            json!({}), &app.analyst()).await;
        let refs = |v: &Value| -> Vec<String> { v["edges"].as_array().unwrap().iter().map(|e| e["node"]["reference"].as_str().unwrap().to_owned()).collect() };
        assert_eq!(refs(&data["byFunding"]), ["B-2", "A-2", "A-1", "B-1"]);
        assert_eq!(data["byFunding"]["edges"][1]["node"]["totalFunding"]["amount"], "2500.50");
        assert_eq!(refs(&data["byStart"]), ["B-2", "A-1", "A-2", "B-1"]);
    }

    async fn pages_default_to_twenty_follow_cursors_and_refuse_more_than_a_hundred(app) {
        let scheme = app.new_scheme("Big scheme").await;
        let grantee = app.new_organisation("Busy grantee", "GRANTEE").await;
        for i in 0..23 {
            app.new_grant(scheme, grantee, &format!("G-{i:02}"), "10.00", "2024-01-01", "2024-12-31").await;
        }
        let query = "query($after: String, $first: Int) { grants(first: $first, after: $after) {
            totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { cursor node { reference } } } }";
        let first = app.data(query, json!({}), &app.analyst()).await;
        let page = &first["grants"];
        assert_eq!(page["edges"].as_array().unwrap().len(), 20);
        assert_eq!(page["totalCount"], 23);
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
        assert_eq!(page["edges"][19]["cursor"], page["pageInfo"]["endCursor"]);
        let second = app.data(query, json!({ "after": page["pageInfo"]["endCursor"] }), &app.analyst()).await;
        let rest: Vec<&str> = second["grants"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["reference"].as_str().unwrap()).collect();
        assert_eq!(rest, ["G-20", "G-21", "G-22"]);
        assert_eq!(second["grants"]["pageInfo"]["hasNextPage"], false);
        assert_eq!(second["grants"]["pageInfo"]["hasPreviousPage"], true);

        let empty = app.data(query, json!({ "first": 0 }), &app.analyst()).await;
        assert_eq!(empty["grants"]["edges"], json!([]));
        assert_eq!(empty["grants"]["pageInfo"]["hasNextPage"], true);

        let too_many = app.graphql(query, json!({ "first": 101 }), Some(&app.analyst())).await;
        assert_eq!(error_code(&too_many), Some("BAD_USER_INPUT"));
        assert_eq!(error_field(&too_many), Some("first"));
        let forged = app.graphql(query, json!({ "after": "bm90LWEtY3Vyc29y" }), Some(&app.analyst())).await;
        assert_eq!(error_field(&forged), Some("after"));
    }

    async fn a_page_of_grants_costs_the_same_statements_whatever_its_size(app) {
        let scheme = app.new_scheme("Scheme").await;
        let query = "query($n: Int) { grants(first: $n) { edges { node {
            reference scheme { name funder { name } manager { name } grants(first: 2) { totalCount edges { node { reference } } } }
            grantee { name grants { totalCount edges { node { reference } } } }
            activities(first: 3) { totalCount edges { node { title } } }
            fundingPeriods { amount { amount } } objectives { number indicators { unit } }
            participation { total }
            reports { status activities { title organisers { name } participation { total } outcomes { kind } }
                      lessons { kind } caseStudies { title } indicatorResults { actual } }
        } } } }";
        let mut costs = Vec::new();
        for n in [3, 25] {
            while app.count("grants").await < n {
                let grantee = app.new_organisation(&format!("Grantee {}", Uuid::new_v4()), "GRANTEE").await;
                let grant = app.new_grant(scheme, grantee, &Uuid::new_v4().to_string(), "5.00", "2025-01-01", "2025-12-31").await;
                app.create_report(&app.manager(), report_input(grant, "PROGRESS", "2025-01-01", "2025-06-30")).await.unwrap();
            }
            let before = app.statements();
            let data = app.data(query, json!({ "n": n }), &app.analyst()).await;
            assert_eq!(data["grants"]["edges"].as_array().unwrap().len() as i64, n);
            costs.push(app.statements() - before);
        }
        // One statement per relation, however many grants: a query per grant would cost 25+
        // more. Each level's keys always go in one batch, however slow the machine.
        assert_eq!(costs[1], costs[0], "statements for 3 grants vs 25 grants: {costs:?}");
        assert!(costs[0] <= 20, "one statement per relation expected, got {}", costs[0]);
    }

    async fn one_grant_with_everything_under_it_is_read_in_at_most_four_statements(app) {
        app.seed_demo().await;
        let analyst = app.analyst();
        let grants = app.data("{ grants(first: 1) { edges { node { id } } } }", json!({}), &analyst).await;
        let id = grants["grants"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
        let selection = "reference title status totalFunding { amount currency }
            grantee { name } scheme { name }
            fundingPeriods { label startDate amount { amount currency } }
            objectives { number statement indicators { statement unit baseline target } }
            reports { kind status periodStart preparedBy { name role }
              activities { title kind startDate venue
                participation { mode total female male withDisability }
                outcomes { kind statement actor institution } }
              indicatorResults { indicator { statement } actual narrative }
              lessons { kind text }
              caseStudies { title narrative } }";
        let before = app.statements();
        let read = app.data(&format!("query($id: UUID!) {{ grant(id: $id) {{ {selection} }} }}"),
            json!({ "id": id }), &analyst).await;
        let statements = app.statements() - before;
        assert!(statements <= 4, "one grant with everything took {statements} statements");
        let activities: usize = read["grant"]["reports"].as_array().unwrap().iter()
            .map(|r| r["activities"].as_array().unwrap().len()).sum();
        assert_eq!(activities, 4, "the demo report's four activities");

        // The same answer as the fields give when each relation is loaded on its own (`node`
        // reads no relation ahead).
        let by_relation = app.data(
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Grant {{ {selection} }} }} }}"),
            json!({ "id": id }), &analyst).await;
        assert_eq!(read["grant"], by_relation["node"]);
    }

    async fn activities_filter_by_kind_objective_and_dates(app) {
        app.seed_demo().await;
        let titles = |filter: Value| {
            let app = &app;
            async move {
                let data = app.data("query($f: ActivityFilter) { activities(filter: $f) { totalCount edges { node { title } } } }",
                    json!({ "f": filter }), &app.analyst()).await;
                data["activities"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
            }
        };
        assert_eq!(titles(json!({ "kind": "FORUM" })).await, ["Phnom Penh Internet Forum 2024"]);
        assert_eq!(titles(json!({ "from": "2024-10-18", "to": "2024-10-18" })).await, ["Phnom Penh Internet Forum 2024"]);
        assert_eq!(titles(json!({ "from": "2024-12-01" })).await.len(), 2);
        let objective = app.data("{ grants { edges { node { objectives { id } } } } }", json!({}), &app.analyst()).await;
        let objective_id = objective["grants"]["edges"][0]["node"]["objectives"][0]["id"].clone();
        assert_eq!(titles(json!({ "objectiveId": objective_id })).await.len(), 4);
        assert_eq!(titles(json!({ "objectiveId": Uuid::new_v4() })).await.len(), 0);
        let bad = app.graphql("{ activities(filter: { from: \"2024-02-30\" }) { totalCount } }", json!({}), Some(&app.analyst())).await;
        assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"));
        assert_eq!(error_field(&bad), Some("filter.from"));
    }

    async fn reports_filter_by_status_and_due_date(app) {
        app.seed_demo().await;
        let count = |filter: Value| {
            let app = &app;
            async move {
                app.data("query($f: ReportFilter) { reports(filter: $f) { totalCount } }", json!({ "f": filter }), &app.analyst())
                    .await["reports"]["totalCount"].as_i64().unwrap()
            }
        };
        assert_eq!(count(json!({})).await, 1);
        assert_eq!(count(json!({ "status": "SUBMITTED" })).await, 1);
        assert_eq!(count(json!({ "status": "DRAFT" })).await, 0);
        assert_eq!(count(json!({ "kind": "COMPLETION", "dueBefore": "2025-02-01" })).await, 1);
        assert_eq!(count(json!({ "dueBefore": "2025-01-31" })).await, 0);
    }

    async fn an_unknown_id_is_null_and_lists_of_the_caller_are_complete(app) {
        app.portfolio().await;
        let data = app.data("query($id: UUID!) { grant(id: $id) { id } report(id: $id) { id } me { sub role organisation { name } } }",
            json!({ "id": Uuid::new_v4() }), &app.manager()).await;
        assert_eq!(data["grant"], Value::Null);
        assert_eq!(data["report"], Value::Null);
        assert_eq!(data["me"]["role"], "SCHEME_MANAGER");
        let orgs = app.data("{ organisations(kind: GRANTEE) { name grants { totalCount } } schemes { name grants { totalCount } } }",
            json!({}), &app.analyst()).await;
        assert_eq!(orgs["organisations"], json!([
            { "name": "Grantee One", "grants": { "totalCount": 2 } },
            { "name": "Grantee Two", "grants": { "totalCount": 2 } },
        ]));
        assert_eq!(orgs["schemes"].as_array().unwrap().len(), 2);

        // Nested lists page like top-level ones.
        let query = "query($after: String) { schemes { name grants(first: 1, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { reference } } } } }";
        let first = app.data(query, json!({}), &app.analyst()).await;
        let a = &first["schemes"][0];
        assert_eq!(a["name"], "Scheme A");
        assert_eq!(a["grants"]["totalCount"], 2);
        assert_eq!(a["grants"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(a["grants"]["edges"][0]["node"]["reference"], "A-1");
        assert_eq!(first["schemes"][1]["grants"]["edges"][0]["node"]["reference"], "B-1");
        let next = app.data(query, json!({ "after": a["grants"]["pageInfo"]["endCursor"] }), &app.analyst()).await;
        assert_eq!(next["schemes"][0]["grants"]["edges"][0]["node"]["reference"], "A-2");
        assert_eq!(next["schemes"][0]["grants"]["pageInfo"]["hasNextPage"], false);
        assert_eq!(next["schemes"][0]["grants"]["totalCount"], 2);
    }

    async fn the_summary_filters_by_kind_dates_status_and_scheme_and_lists_overdue_reports(app) {
        let grant = app.seed_demo().await;
        let summary = |filter: Value| {
            let app = &app;
            async move {
                app.data("query($f: PortfolioFilter) { portfolioSummary(filter: $f) { grantCount activityCount
                    participation { total female } overdueReports { id } } }", json!({ "f": filter }), &app.manager())
                    .await["portfolioSummary"].clone()
            }
        };
        let forum = summary(json!({ "activityKind": "FORUM" })).await;
        assert_eq!((forum["activityCount"].as_i64(), forum["participation"]["total"].as_i64()), (Some(1), Some(174)));
        // December's two activities are one joint event: two records, counted once.
        let december = summary(json!({ "from": "2024-12-01", "to": "2024-12-31" })).await;
        assert_eq!((december["activityCount"].as_i64(), december["participation"]["total"].as_i64()), (Some(2), Some(201)));
        assert_eq!(summary(json!({ "grantStatus": "ACTIVE" })).await["grantCount"], 0);
        assert_eq!(summary(json!({ "grantStatus": "CLOSED" })).await["grantCount"], 1);
        assert_eq!(summary(json!({ "schemeId": Uuid::new_v4() })).await["grantCount"], 0);
        assert_eq!(summary(json!({ "from": "2026-01-01" })).await["grantCount"], 0, "the grant ended in January 2025");

        // A DRAFT report due in the past is overdue until it is submitted.
        let report = app.create_report(&app.manager(), report_input(grant, "PROGRESS", "2024-08-05", "2024-10-31")).await.unwrap();
        let overdue = summary(json!({})).await;
        assert_eq!(overdue["overdueReports"], json!([{ "id": report.id }]));
    }

    async fn the_audit_trail_filters_by_entity_actor_and_time(app) {
        let scheme = app.new_scheme("Scheme").await;
        let grantee = app.new_organisation("Grantee", "GRANTEE").await;
        let before = chrono::Utc::now();
        let grant = app.new_grant(scheme, grantee, "G-1", "5.00", "2025-01-01", "2025-12-31").await;
        app.create_report(&app.grantee(grantee), report_input(grant, "PROGRESS", "2025-01-01", "2025-06-30")).await.unwrap();
        let analyst = app.analyst();
        let events = |filter: Value| app.audit_events(&analyst, filter);
        assert_eq!(events(json!({})).await.total_count, 6, "3 organisations, a scheme, a grant and a report");
        assert_eq!(events(json!({ "entity": "Organisation" })).await.total_count, 3);
        let actor = format!("integration@{grantee}");
        let by_grantee = events(json!({ "actor": actor })).await;
        let rows: Vec<(&str, &str)> = by_grantee.events.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
        assert_eq!(rows, [("createReport", actor.as_str())]);
        let recent = events(json!({ "from": before.to_rfc3339() })).await;
        assert_eq!(recent.actions(), ["createReport", "createGrant"], "newest first");
        assert_eq!(events(json!({ "to": before.to_rfc3339() })).await.total_count, 4);
    }
}

on_both_databases! {
    async fn the_summary_computes_only_what_is_asked_and_pages_grantees_and_overdue_reports(app) {
        let p = app.portfolio().await;
        let manager = app.manager();
        // One statement for the grants and funding, none for what is not selected.
        let before = app.statements();
        let data = app.data("{ portfolioSummary { grantCount funding { amount currency } } }", json!({}), &manager).await;
        assert_eq!(data["portfolioSummary"]["grantCount"], 4);
        assert_eq!(app.statements() - before, 1, "grants and funding are one statement");

        // Grantees by name, a page at a time, the next after the last one's id.
        let page = |after: Option<String>| {
            let (app, manager) = (&app, manager.clone());
            async move {
                app.data("query($after: UUID) { portfolioSummary { granteeCount byGrantee(first: 1, after: $after) { grantee { id name } grantCount } } }",
                    json!({ "after": after }), &manager).await["portfolioSummary"].clone()
            }
        };
        let first = page(None).await;
        assert_eq!(first["granteeCount"], 2);
        assert_eq!(first["byGrantee"][0]["grantee"]["name"], "Grantee One");
        assert_eq!(first["byGrantee"][0]["grantCount"], 2);
        let second = page(first["byGrantee"][0]["grantee"]["id"].as_str().map(str::to_owned)).await;
        assert_eq!(second["byGrantee"][0]["grantee"]["name"], "Grantee Two");
        assert_eq!(second["byGrantee"][0]["grantee"]["id"], json!(p.grantee_2));
        let last = page(second["byGrantee"][0]["grantee"]["id"].as_str().map(str::to_owned)).await;
        assert_eq!(last["byGrantee"], json!([]));

        // Overdue reports, oldest first, two pages of one.
        let grants = app.data("{ grants(first: 10) { edges { node { id startDate endDate } } } }", json!({}), &manager).await;
        for (i, edge) in grants["grants"]["edges"].as_array().unwrap().iter().take(2).enumerate() {
            let g = &edge["node"];
            let mut input = report_input(g["id"].as_str().unwrap().parse().unwrap(), "PROGRESS",
                g["startDate"].as_str().unwrap(), g["startDate"].as_str().unwrap());
            input["dueDate"] = json!(format!("2020-0{}-01", i + 1));
            app.create_report(&manager, input).await.unwrap();
        }
        let overdue = |after: Option<String>| {
            let (app, manager) = (&app, manager.clone());
            async move {
                app.data("query($after: UUID) { portfolioSummary { overdueReports(first: 1, after: $after) { id dueDate } } }",
                    json!({ "after": after }), &manager).await["portfolioSummary"]["overdueReports"].clone()
            }
        };
        let oldest = overdue(None).await;
        assert_eq!(oldest[0]["dueDate"], "2020-01-01");
        let next = overdue(oldest[0]["id"].as_str().map(str::to_owned)).await;
        assert_eq!(next[0]["dueDate"], "2020-02-01");
        assert_eq!(overdue(next[0]["id"].as_str().map(str::to_owned)).await, json!([]));
        let refused = app.graphql("{ portfolioSummary { byGrantee(first: 5000) { grantCount } } }", json!({}), Some(&manager)).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
}
