//! Who sees what: a portfolio with two grantees, read and written through every path by each
//! role. A grantee must learn nothing of another grantee's grant, by any path.

use portfolio_tests::{TestApp, error_code, error_field, on_both_databases};
use serde_json::{Value, json};
use uuid::Uuid;

/// The demo grantee (API), and a second grantee with a grant in the same scheme.
struct TwoGrantees {
    api_org: Uuid,
    api_grant: Uuid,
    other_org: Uuid,
    other_grant: Uuid,
    other_report: Uuid,
}

async fn two_grantees(app: &TestApp) -> TwoGrantees {
    let api_grant = app.seed_demo().await;
    let ids = app
        .data(
            "{ grants { edges { node { scheme { id } grantee { id } } } } }",
            json!({}),
            &app.manager(),
        )
        .await;
    let scheme: Uuid = ids["grants"]["edges"][0]["node"]["scheme"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let api_org: Uuid = ids["grants"]["edges"][0]["node"]["grantee"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let other_org = app.new_organisation("Other Rights NGO", "GRANTEE").await;
    let other_grant = app
        .new_grant(
            scheme,
            other_org,
            "CAAS-OTHER-2025",
            "45000.00",
            "2025-01-01",
            "2025-12-31",
        )
        .await;
    let report = app
        .create_report_raw(other_grant, &app.grantee(other_org))
        .await;
    let other_report = report["data"]["createReport"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app.data(
        "mutation($input: AddObjectiveInput!) { addObjective(input: $input) { id } }",
        json!({ "input": { "grantId": other_grant, "number": 1, "statement": "Secret objective" } }),
        &app.manager(),
    )
    .await;
    TwoGrantees {
        api_org,
        api_grant,
        other_org,
        other_grant,
        other_report,
    }
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

on_both_databases! {
    async fn each_role_sees_exactly_its_portfolio(app) {
        let p = two_grantees(&app).await;
        let query = "{ grants { totalCount } reports { totalCount } activities { totalCount }
                       portfolioSummary { grantCount granteeCount funding { amount } participation { total } } }";
        let cases = [
            (app.manager(), 2, 2, 4, json!([{ "amount": "135000.00" }])),
            (app.analyst(), 2, 2, 4, json!([{ "amount": "135000.00" }])),
            (app.grantee(p.api_org), 1, 1, 4, json!([{ "amount": "90000.00" }])),
            (app.grantee(p.other_org), 1, 1, 0, json!([{ "amount": "45000.00" }])),
            (app.grantee(Uuid::new_v4()), 0, 0, 0, json!([])),
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
        let p = two_grantees(&app).await;
        let token = app.grantee(p.api_org);
        let d = app.data("query($g: UUID!, $r: UUID!) { grant(id: $g) { id } report(id: $r) { id } }",
            json!({ "g": p.other_grant, "r": p.other_report }), &token).await;
        assert_eq!(d, json!({ "grant": null, "report": null }));
        // Exactly what an id that never existed gives.
        let unknown = app.data("query($g: UUID!, $r: UUID!) { grant(id: $g) { id } report(id: $r) { id } }",
            json!({ "g": Uuid::new_v4(), "r": Uuid::new_v4() }), &token).await;
        assert_eq!(d, unknown);
        let own = app.data("query($g: UUID!) { grant(id: $g) { reference } }", json!({ "g": p.api_grant }), &token).await;
        assert_eq!(own["grant"]["reference"], "CAAS-API-2024");
    }

    async fn filters_naming_another_grantee_return_nothing(app) {
        let p = two_grantees(&app).await;
        let token = app.grantee(p.api_org);
        let d = app.data("query($o: UUID!, $g: UUID!) {
              grants(filter: { granteeId: $o }) { totalCount edges { node { id } } }
              reports(filter: { granteeId: $o }) { totalCount }
              byGrant: reports(filter: { grantId: $g }) { totalCount }
              activities(filter: { grantId: $g }) { totalCount }
              portfolioSummary(filter: { granteeId: $o }) { grantCount funding { amount } byGrantee { grantCount } }
            }", json!({ "o": p.other_org, "g": p.other_grant }), &token).await;
        assert_eq!(d["grants"], json!({ "totalCount": 0, "edges": [] }));
        assert_eq!(d["reports"]["totalCount"], 0);
        assert_eq!(d["byGrant"]["totalCount"], 0);
        assert_eq!(d["activities"]["totalCount"], 0);
        assert_eq!(d["portfolioSummary"], json!({ "grantCount": 0, "funding": [], "byGrantee": [] }));
    }

    async fn nested_paths_and_shared_objects_stay_inside_the_grantees_scope(app) {
        let p = two_grantees(&app).await;
        let query = "{ me { organisation { name } }
                       schemes { name grants { totalCount edges { node { reference } } } }
                       organisations { name grants { totalCount } }
                       auditEvents(first: 100) { totalCount edges { node { entity grantId after } } } }";
        let api = app.data(query, json!({}), &app.grantee(p.api_org)).await;
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
        assert!(!text.contains(&p.other_grant.to_string()) && !text.contains("Secret objective"), "{text}");

        let other = app.data(query, json!({}), &app.grantee(p.other_org)).await;
        assert_eq!(other["schemes"][0]["grants"]["edges"][0]["node"]["reference"], "CAAS-OTHER-2025");
        let orgs = names(&other["organisations"]);
        assert!(!orgs.contains(&"Advocacy and Policy Institute".to_owned()), "never another grantee: {orgs:?}");
        let text = other["auditEvents"].to_string();
        assert!(!text.contains(&p.api_grant.to_string()), "{text}");
        assert!(other["auditEvents"]["totalCount"].as_i64().unwrap() >= 3, "its own grant's events: {other}");
    }

    async fn writes_follow_the_role(app) {
        let p = two_grantees(&app).await;
        let api = app.grantee(p.api_org);
        // A grantee cannot reach another grantee's grant through a mutation input.
        let foreign = app.create_report_raw(p.other_grant, &api).await;
        assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
        assert_eq!(error_field(&foreign), Some("grantId"));
        // A grantee never changes grants, money, schemes or organisations.
        let tranche = app.graphql("mutation($input: AddFundingPeriodInput!) { addFundingPeriod(input: $input) { id } }",
            json!({ "input": { "grantId": p.api_grant, "startDate": "2024-08-05", "endDate": "2024-09-01",
                "amount": { "amount": "1.00", "currency": "AUD" } } }), Some(&api)).await;
        assert_eq!(error_code(&tranche), Some("FORBIDDEN"));
        let org = app.graphql("mutation { createOrganisation(input: { name: \"Mine\", kind: PARTNER }) { id } }", json!({}), Some(&api)).await;
        assert_eq!(error_code(&org), Some("FORBIDDEN"));
        let objective = app.graphql("mutation($input: AddObjectiveInput!) { addObjective(input: $input) { id } }",
            json!({ "input": { "grantId": p.api_grant, "number": 9, "statement": "x" } }), Some(&api)).await;
        assert_eq!(error_code(&objective), Some("FORBIDDEN"));
        // Analysts write nothing.
        for mutation in [
            app.create_report_raw(p.api_grant, &app.analyst()).await,
            app.graphql("mutation { createOrganisation(input: { name: \"A\", kind: PARTNER }) { id } }", json!({}), Some(&app.analyst())).await,
        ] {
            assert_eq!(error_code(&mutation), Some("FORBIDDEN"), "{mutation}");
        }
        let audit_before = app.count("audit_events").await;
        // A grantee opens a report on its own grant; the trail records who, as what, for whom.
        let own = app.graphql("mutation($input: CreateReportInput!) { createReport(input: $input) { id } }",
            json!({ "input": { "grantId": p.api_grant, "kind": "PROGRESS", "periodStart": "2024-08-05", "periodEnd": "2024-10-31",
                "dueDate": "2024-11-30", "preparedBy": { "name": "Chheng Samuth" } } }), Some(&api)).await;
        let id = own["data"]["createReport"]["id"].clone();
        assert!(id.is_string(), "{own}");
        assert_eq!(app.count("audit_events").await, audit_before + 1);
        let event = app.data("query($id: UUID!) { auditEvents(filter: { entityId: $id }) { edges { node { action role actor actorOrganisationId requestId } } } }",
            json!({ "id": id }), &app.manager()).await;
        let event = &event["auditEvents"]["edges"][0]["node"];
        assert_eq!(event["action"], "createReport");
        assert_eq!(event["role"], "GRANTEE");
        assert_eq!(event["actorOrganisationId"], p.api_org.to_string());
        assert!(event["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    }
}
