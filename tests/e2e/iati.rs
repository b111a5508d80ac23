//! The IATI 2.03 export (`GET /iati/activities.xml`) and the data IATI needs: the demo grant
//! and a generated portfolio come out as files the official schema and the IATI rules accept,
//! each caller sees only what GraphQL shows it, and every export is in the audit trail. The
//! route is let in by the same access layer as the CSV and Excel exports (`tests/e2e/export.rs`),
//! so it also takes a single-use `createExportLink` link.

use portfolio_tests::iati::assert_valid_iati;
use portfolio_tests::{TestApp, error_code, error_field, on_both_databases, on_one_database};
use serde_json::{Value, json};
use uuid::Uuid;

const GRANT_IATI: &str = "query($id: UUID!) { grant(id: $id) {
    version iatiIdentifier iatiIdentifierIsSet description recipientCountry
    reportingOrganisation { name identifier iatiType }
    sectors { code name percentage } policyMarkers { marker significance } } }";

async fn grant_iati(app: &TestApp, id: Uuid) -> Value {
    app.data(GRANT_IATI, json!({ "id": id }), &app.analyst())
        .await["grant"]
        .clone()
}

/// A scheme whose funder has an IATI identifier (`funder_id`) and type, so its grants can be
/// published.
async fn published_scheme(app: &TestApp, name: &str, funder_id: &str) -> Uuid {
    let manager = app.manager();
    let funder = app
        .create_organisation(
            &manager,
            json!({ "name": format!("{name} funder"), "kind": "FUNDER",
            "identifier": funder_id, "iatiType": "GOVERNMENT" }),
        )
        .await
        .unwrap()
        .id;
    let runner = app
        .new_organisation(&format!("{name} manager"), "SCHEME_MANAGER")
        .await;
    app.create_scheme(
        &manager,
        json!({ "name": name, "funderId": funder, "managerId": runner, "currency": "AUD" }),
    )
    .await
    .unwrap()
    .id
}

/// A grant with two yearly tranches, an objective with a measured indicator, and a submitted
/// progress report with one sex-disaggregated activity, the indicator's result and an outcome.
async fn reported_grant(app: &TestApp, scheme: Uuid, grantee: Uuid, reference: &str) -> Uuid {
    let manager = app.manager();
    let grant = app
        .create_grant(&manager, json!({
            "schemeId": scheme, "granteeId": grantee, "reference": reference,
            "title": format!("Grant {reference} & <partners>"),
            "totalFunding": { "amount": "120000.00", "currency": "AUD" },
            "startDate": "2024-01-01", "endDate": "2025-12-31",
            "description": "Civic dialogue on \"public budgets\"\nwith sub-national councils.",
            "recipientCountry": "KH",
            "sectors": [ { "code": "15150", "percentage": "60" }, { "code": "15110", "percentage": "40" } ],
            "policyMarkers": [ { "marker": "GENDER_EQUALITY", "significance": 1 },
                               { "marker": "DISABILITY", "significance": 0 } ],
        }))
        .await
        .unwrap()
        .id;
    for (label, start, end, amount) in [
        ("Year 1", "2024-01-01", "2024-12-31", "70000.00"),
        ("Year 2", "2025-01-01", "2025-12-31", "50000.00"),
    ] {
        app.add_funding_period(
            &manager,
            json!({ "grantId": grant, "label": label, "startDate": start,
            "endDate": end, "amount": { "amount": amount, "currency": "AUD" } }),
        )
        .await
        .unwrap();
    }
    let objective = app
        .add_objective(
            &manager,
            json!({ "grantId": grant, "number": 1, "statement": "Councils publish their budgets" }),
        )
        .await
        .unwrap()
        .id;
    let indicator = app
        .add_indicator(
            &manager,
            json!({ "objectiveId": objective, "statement": "Councils that published a budget",
            "unit": "councils", "baseline": "2", "target": "12" }),
        )
        .await
        .unwrap()
        .id;
    let token = app.grantee(grantee);
    let report = app
        .create_report(
            &token,
            portfolio_tests::report_input(grant, "PROGRESS", "2024-01-01", "2024-12-31"),
        )
        .await
        .unwrap();
    let activity = app
        .create_activity(
            &token,
            portfolio_tests::activity_input(
                report.id,
                Some(objective),
                "2024-03-01",
                "2024-03-02",
                json!([ { "mode": "IN_PERSON", "total": 80, "female": 45, "male": 35 },
                    { "mode": "ONLINE", "total": 20 } ]),
            ),
        )
        .await
        .unwrap();
    app.record_indicator_result(
        &token,
        json!({ "reportId": report.id, "indicatorId": indicator, "actual": "7",
        "narrative": "Seven councils published their 2024 budgets." }),
    )
    .await
    .unwrap();
    app.record_outcome(
        &token,
        json!({ "activityId": activity.id, "kind": "POLICY_COMMITMENT",
        "statement": "The provincial governor committed to publish quarterly budget reports.",
        "actor": "Provincial governor", "date": "2024-04-15" }),
    )
    .await
    .unwrap();
    let (id, version) = first_report(app, grant).await;
    app.submit_report(&token, json!({ "id": id, "version": version }))
        .await
        .unwrap();
    grant
}

/// The id and current version of a grant's first report.
async fn first_report(app: &TestApp, grant: Uuid) -> (Uuid, i64) {
    let data = app
        .data(
            "query($id: UUID!) { grant(id: $id) { reports { id version } } }",
            json!({ "id": grant }),
            &app.manager(),
        )
        .await;
    let report = &data["grant"]["reports"][0];
    (
        report["id"].as_str().unwrap().parse().unwrap(),
        report["version"].as_i64().unwrap(),
    )
}

on_both_databases! {
    async fn the_demo_grant_is_published_as_a_valid_iati_activity_with_the_report_s_figures(app) {
        let demo = app.demo().await;
        let export = app.iati_export("", Some(&app.analyst())).await;
        assert_eq!(export.status, 200, "{}", export.body);
        assert!(export.content_type.starts_with("application/xml"), "{}", export.content_type);
        assert_valid_iati(&export.body);
        let xml = &export.compact();
        assert!(xml.contains("<iati-activities version=\"2.03\""));
        assert_eq!(export.identifiers(), ["AU-5-CAAS-API-2024"]);
        // DFAT reports it, under its IATI identifier, as a government.
        assert!(xml.contains("<reporting-org ref=\"AU-5\" type=\"10\">"), "{xml}");
        // Funding, extending and implementing organisations, and the partners that co-organised.
        for (role, name) in [
            ("1", "Department of Foreign Affairs and Trade (DFAT)"),
            ("3", "Tetra Tech International Development"),
            ("4", "Advocacy and Policy Institute (API)"),
            ("4", "National Committee for Sub-National Democratic Development (NCDD)"),
            ("4", "Smart Village Lab, University of Melbourne"),
        ] {
            let needle = format!("role=\"{role}\"><narrative>{name}</narrative>");
            assert!(xml.contains(&needle), "no participating-org {role} {name}");
        }
        // The grant is closed: its activity is complete, and its dates are the funding period.
        assert!(xml.contains("<activity-status code=\"3\"/>"));
        assert!(xml.contains("<activity-date type=\"1\" iso-date=\"2024-08-05\"/>"));
        assert!(xml.contains("<activity-date type=\"4\" iso-date=\"2025-01-31\"/>"));
        assert!(xml.contains("<recipient-country code=\"KH\" percentage=\"100\"/>"));
        assert!(xml.contains("<sector vocabulary=\"1\" code=\"15150\" percentage=\"100\">"));
        // The one tranche, AUD 90,000.00.
        assert!(xml.contains("<value currency=\"AUD\" value-date=\"2024-08-05\">90000.00</value>"));
        // Objective 2's indicator: no baseline or target stated, 3 dialogues reported.
        assert!(xml.contains("Objective 2: The development, implementation, and monitoring of public policies and laws is inclusive and democratic"));
        assert!(!xml.contains("<baseline"));
        assert!(xml.contains("<actual value=\"3\">"));
        // 673 people took part, 268 of them women (each joint event counted once); men were
        // never counted, so there is no figure for them.
        assert!(xml.contains("<actual value=\"673\"/>"));
        assert!(xml.contains("<actual value=\"268\"><dimension name=\"sex\" value=\"female\"/>"), "{xml}");
        assert!(!xml.contains("value=\"male\""));
        // The ten government responses, as qualitative outcomes.
        assert_eq!(xml.matches("<indicator measure=\"5\">").count(), 10);

        // The export is in the audit trail: who, what, which filters.
        let trail = app.audit_events(&app.manager(), json!({ "action": "EXPORT" })).await;
        assert_eq!(trail.total_count, 1);
        let event = &trail.events[0];
        assert_eq!((event.actor.as_str(), event.role.as_str(), event.entity.as_str()), ("analyst@dfat", "ANALYST", "Export"));
        assert_eq!(event.after["format"], "IATI_XML");
        assert_eq!(event.after["path"], "/iati/activities.xml");
        assert_eq!(event.after["filter"], json!({}));
        assert_eq!(event.after["via"], "header");

        // The same data through GraphQL.
        let g = grant_iati(&app, demo.grant).await;
        assert_eq!(g["iatiIdentifier"], "AU-5-CAAS-API-2024");
        assert_eq!(g["iatiIdentifierIsSet"], false);
        assert_eq!(g["recipientCountry"], "KH");
        assert_eq!(g["reportingOrganisation"], json!({ "name": "Department of Foreign Affairs and Trade", "identifier": "AU-5", "iatiType": "GOVERNMENT" }));
        assert_eq!(g["sectors"], json!([ { "code": "15150", "name": "Democratic participation and civil society", "percentage": "100" } ]));
        // The report states no policy markers and no description: none is made up.
        assert_eq!(g["policyMarkers"], json!([]));
        assert_eq!(g["description"], Value::Null);
    }

    async fn a_generated_portfolio_streams_as_one_valid_iati_file_and_filters_narrow_it(app) {
        let scheme_a = published_scheme(&app, "Scheme A", "XM-DAC-7").await;
        let scheme_b = published_scheme(&app, "Scheme B", "GB-GOV-1").await;
        let unpublished = app.new_scheme("Scheme without an IATI identifier").await;
        let grantees = [
            app.new_organisation("Grantee One", "GRANTEE").await,
            app.new_organisation("Grantee Two", "GRANTEE").await,
            app.new_organisation("Grantee Three", "GRANTEE").await,
        ];
        let mut rich = Vec::new();
        for (i, grantee) in grantees.iter().enumerate() {
            let scheme = if i == 1 { scheme_b } else { scheme_a };
            rich.push(reported_grant(&app, scheme, *grantee, &format!("R/{i} 2024")).await);
        }
        // More grants than one page of the stream (200), in both schemes.
        for i in 0..203 {
            let scheme = if i % 2 == 0 { scheme_a } else { scheme_b };
            let (start, end) = if i < 100 { ("2023-01-01", "2023-12-31") } else { ("2025-01-01", "2025-06-30") };
            app.new_grant(scheme, grantees[i % 3], &format!("P-{i:03}"), "1000.00", start, end).await;
        }
        app.new_grant(unpublished, grantees[0], "HIDDEN-1", "10.00", "2024-01-01", "2024-12-31").await;

        let all = app.iati_export("", Some(&app.manager())).await;
        assert_eq!(all.status, 200, "{}", all.body);
        assert_valid_iati(&all.body);
        let xml = all.compact();
        assert_eq!(all.activity_count(), 206);
        assert!(all.identifiers().contains(&"XM-DAC-7-R-0-2024"), "a reference's / and space become hyphens");
        assert!(all.identifiers().contains(&"GB-GOV-1-P-001"));
        // A grant whose reporting organisation has no IATI identifier is left out, saying why.
        assert!(xml.contains("<!-- grant HIDDEN-1 is left out: its reporting organisation (Scheme without an IATI identifier funder) has no IATI identifier"));
        // What the rich grants carry: two budgets each, sectors, markers, sex-disaggregated actuals.
        assert_eq!(xml.matches("<budget ").count(), 6);
        assert_eq!(xml.matches("<sector vocabulary=\"1\" code=\"15110\" percentage=\"40\">").count(), 3);
        assert_eq!(xml.matches("<policy-marker vocabulary=\"1\" code=\"11\" significance=\"0\"/>").count(), 3);
        assert_eq!(xml.matches("<baseline year=\"2024\" iso-date=\"2024-01-01\" value=\"2\"/>").count(), 3);
        assert_eq!(xml.matches("<target value=\"12\"/>").count(), 3);
        assert_eq!(xml.matches("<actual value=\"100\"/>").count(), 3);
        assert_eq!(xml.matches("<dimension name=\"sex\" value=\"female\"/>").count(), 3);
        assert_eq!(xml.matches("<actual value=\"35\"><dimension name=\"sex\" value=\"male\"/>").count(), 3);
        assert!(xml.contains("Sex recorded for 80 of the 100 participants"));
        assert!(xml.contains("Grant R/0 2024 &amp; &lt;partners&gt;"), "text is escaped");

        let only_b = app.iati_export(&format!("scheme={scheme_b}"), Some(&app.manager())).await;
        assert_valid_iati(&only_b.body);
        assert_eq!(only_b.activity_count(), 102);
        assert!(only_b.identifiers().iter().all(|id| id.starts_with("GB-GOV-1-")));
        let one = app.iati_export(&format!("grant={}", rich[2]), Some(&app.manager())).await;
        assert_eq!(one.identifiers(), ["XM-DAC-7-R-2-2024"]);
        let in_2023 = app.iati_export("from=2023-06-01&to=2023-12-31", Some(&app.manager())).await;
        assert_eq!(in_2023.activity_count(), 100);
        let of_two = app.iati_export(&format!("grantee={}&from=2025-01-01", grantees[1]), Some(&app.manager())).await;
        // Grantee Two: its rich grant (to 2025-12-31) and the later half of its P grants.
        assert_eq!(of_two.activity_count(), 1 + (100..203).filter(|i| i % 3 == 1).count());
    }

    async fn a_grantee_exports_only_its_own_grants_and_another_s_grant_is_not_found(app) {
        let two = app.two_grantees().await;
        let other = app.grantee(two.other.org);
        let own = app.iati_export("", Some(&other)).await;
        assert_eq!(own.status, 200, "{}", own.body);
        assert_valid_iati(&own.body);
        assert_eq!(own.identifiers(), ["AU-5-CAAS-OTHER-2025"]);
        assert!(!own.body.contains("CAAS-API-2024"));
        assert!(!own.body.contains("Advocacy and Policy Institute"));
        // Naming the other grantee's grant or organisation exports nothing of it.
        let theirs = app.iati_export(&format!("grant={}", two.demo.grant), Some(&other)).await;
        assert_eq!(theirs.status, 404);
        let body: Value = serde_json::from_str(&theirs.body).unwrap();
        assert_eq!((error_code(&body), error_field(&body)), (Some("NOT_FOUND"), Some("grant")));
        let by_grantee = app.iati_export(&format!("grantee={}", two.demo.grantee), Some(&other)).await;
        assert_eq!(by_grantee.activity_count(), 0);
        // The scheme manager's file holds both; the grantee reads its own exports in the trail.
        assert_eq!(app.iati_export("", Some(&app.manager())).await.activity_count(), 2);
        // The refused one was no export.
        let trail = app.audit_events(&other, json!({ "action": "EXPORT" })).await;
        assert_eq!(trail.total_count, 2);
        assert!(trail.events.iter().all(|e| e.actor == format!("integration@{}", two.other.org)));
        assert_eq!(trail.events[0].after["filter"], json!({ "grantee": two.demo.grantee.to_string() }));
    }

    async fn iati_details_are_checked_naming_the_field_and_a_refused_change_writes_nothing(app) {
        let demo = app.demo().await;
        let manager = app.manager();
        let before = grant_iati(&app, demo.grant).await;
        let version = before["version"].clone();
        for (input, field) in [
            (json!({ "sectors": [ { "code": "15150", "percentage": "60" }, { "code": "15110", "percentage": "30" } ] }), "sectors"),
            (json!({ "sectors": [ { "code": "99999", "percentage": "100" } ] }), "sectors[0].code"),
            (json!({ "sectors": [ { "code": "15150", "percentage": "100.5" } ] }), "sectors[0].percentage"),
            (json!({ "recipientCountry": "XX" }), "recipientCountry"),
            (json!({ "policyMarkers": [ { "marker": "GENDER_EQUALITY", "significance": 3 } ] }), "policyMarkers[0].significance"),
            (json!({ "iatiIdentifier": "GB-1-CAAS" }), "iatiIdentifier"),
            (json!({ "iatiIdentifier": "AU-5 CAAS" }), "iatiIdentifier"),
            (json!({ "reportingOrganisationId": demo.grantee }), "reportingOrganisationId"),
        ] {
            let mut change = input.clone();
            change["id"] = json!(demo.grant);
            change["version"] = version.clone();
            change["description"] = json!("would be written with the bad part");
            let err = app.update_grant(&manager, change).await.unwrap_err();
            assert_eq!((err.code.as_str(), err.field.as_deref()), ("BAD_USER_INPUT", Some(field)), "{input}");
        }
        assert_eq!(grant_iati(&app, demo.grant).await, before, "nothing was half-written");

        let changed = json!({ "id": demo.grant, "version": version, "iatiIdentifier": "AU-5-INL123",
            "description": "Policy dialogue for inclusive laws.",
            "policyMarkers": [ { "marker": "GENDER_EQUALITY", "significance": 1 }, { "marker": "DISABILITY", "significance": 1 } ] });
        app.update_grant(&manager, changed).await.unwrap();
        let after = grant_iati(&app, demo.grant).await;
        assert_eq!((after["iatiIdentifier"].as_str(), after["iatiIdentifierIsSet"].as_bool()), (Some("AU-5-INL123"), Some(true)));
        assert_eq!(after["policyMarkers"], json!([ { "marker": "GENDER_EQUALITY", "significance": 1 }, { "marker": "DISABILITY", "significance": 1 } ]));
        assert_eq!(after["sectors"], before["sectors"], "parts not sent are left as they were");
        let export = app.iati_export("", Some(&manager)).await;
        assert_valid_iati(&export.body);
        assert_eq!(export.identifiers(), ["AU-5-INL123"]);
        assert!(export.compact().contains("<description type=\"1\"><narrative>Policy dialogue for inclusive laws.</narrative>"));

        // An organisation identifier is checked and belongs to one organisation.
        let err = app.create_organisation(&manager, json!({ "name": "Another DFAT", "kind": "FUNDER", "identifier": "AU-5" }))
            .await.unwrap_err();
        assert_eq!(err.field.as_deref(), Some("identifier"));
        let err = app.create_organisation(&manager, json!({ "name": "Bad", "kind": "FUNDER", "identifier": "au 5" }))
            .await.unwrap_err();
        assert_eq!(err.field.as_deref(), Some("identifier"));
        // Analysts and grantees cannot set them.
        let err = app.update_organisation(&app.grantee(demo.grantee), json!({ "id": demo.grantee, "version": 1, "identifier": "KH-MOI-1" }))
            .await.unwrap_err();
        assert_eq!(err.code, "FORBIDDEN");
        let org = app.update_organisation(&manager, json!({ "id": demo.grantee, "version": 1, "identifier": "KH-MOI-1" }))
            .await.unwrap();
        assert_eq!(org.id, demo.grantee);
        let export = app.iati_export("", Some(&manager)).await;
        assert!(export.compact().contains("ref=\"KH-MOI-1\" type=\"24\" role=\"4\""));
    }
    async fn an_iati_link_from_create_export_link_exports_once_and_is_recorded_like_any_export(app) {
        let two = app.two_grantees().await;
        let other = app.grantee(two.other.org);
        let link = app.create_export_link(&other, json!({ "format": "IATI_XML" })).await.unwrap();
        assert_eq!(link.format, "IATI_XML");
        assert!(link.path.starts_with("/iati/activities.xml?link="), "{}", link.path);
        assert!(!link.url.contains(&other), "the link carries a token: {}", link.url);
        // Not a CSV link: the secret opens only the export it was made for.
        let elsewhere = app.download(&link.path.replace("/iati/activities.xml", "/export/grants.csv"), None).await;
        assert_eq!(elsewhere.status, 404);
        let first = app.download(&link.path, None).await;
        assert_eq!(first.status, 200, "{}", first.text());
        assert!(first.header("content-type").unwrap_or_default().starts_with("application/xml"));
        assert_eq!(first.header("content-disposition"), Some("attachment; filename=\"iati-activities.xml\""));
        // The same file as by header, for the grantee that made the link: its own grant only.
        let by_header = app.iati_export("", Some(&other)).await;
        assert_valid_iati(first.text());
        let identifiers = |xml: &str| -> Vec<String> {
            xml.split("<iati-identifier>").skip(1)
                .filter_map(|rest| rest.split("</iati-identifier>").next()).map(str::to_owned).collect()
        };
        assert_eq!(identifiers(first.text()), ["AU-5-CAAS-OTHER-2025"]);
        assert_eq!(identifiers(first.text()), identifiers(&by_header.body));
        assert!(!first.text().contains("CAAS-API-2024"));
        // Once only.
        let again = app.download(&link.path, None).await;
        assert_eq!(again.status, 410);
        assert!(!again.text().contains("iati-activity"));

        // A link remembers its filter, checked when it is made; a grant the maker may not see
        // is not found, then as when the file is asked for.
        let err = app.create_export_link(&other, json!({ "format": "IATI_XML", "filter": { "grant": two.demo.grant.to_string() } }))
            .await.unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), ("NOT_FOUND", Some("filter.grant")));
        let err = app.create_export_link(&other, json!({ "format": "IATI_XML", "filter": { "grantId": two.other.grant.to_string() } }))
            .await.unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), ("BAD_USER_INPUT", Some("filter.grantId")));
        let manager = app.manager();
        let narrowed = app.create_export_link(&manager, json!({ "format": "IATI_XML", "filter": { "grant": two.demo.grant.to_string() } }))
            .await.unwrap();
        let one = app.download(&narrowed.path, None).await;
        assert_eq!(one.status, 200, "{}", one.text());
        assert_eq!(identifiers(one.text()), ["AU-5-CAAS-API-2024"]);

        // Both link exports and the header export are in the trail, in the shape every export
        // has; by link, under the link's id, which `createExportLink` recorded too.
        let trail = app.audit_events(&manager, json!({ "action": "EXPORT" })).await;
        assert_eq!(trail.total_count, 3, "{:#?}", trail.events);
        let by_link = &trail.events[2];
        assert_eq!((by_link.entity.as_str(), by_link.role.as_str()), ("Export", "GRANTEE"));
        assert_eq!(by_link.actor, format!("integration@{}", two.other.org));
        assert_eq!(by_link.after["format"], "IATI_XML");
        assert_eq!(by_link.after["path"], "/iati/activities.xml");
        assert_eq!(by_link.after["filter"], json!({}));
        assert_eq!(by_link.after["via"], "link");
        assert_eq!(trail.events[1].after["via"], "header");
        let narrowed_event = &trail.events[0];
        assert_eq!((narrowed_event.actor.as_str(), narrowed_event.after["via"].as_str()), ("manager@tetratech", Some("link")));
        assert_eq!(narrowed_event.after["filter"], json!({ "grant": two.demo.grant.to_string() }));
        let made = app.audit_events(&manager, json!({ "action": "createExportLink" })).await.events;
        assert_eq!(made.len(), 2);
        assert!(made.iter().any(|m| m.entity_id == by_link.entity_id));
        // The grantee reads its own export in the trail; the other grantee reads none of it.
        assert_eq!(app.audit_events(&other, json!({ "action": "EXPORT" })).await.total_count, 2);
        assert_eq!(app.audit_events(&app.grantee(two.demo.grantee), json!({ "action": "EXPORT" })).await.total_count, 0);
    }
}

on_one_database! {
    async fn an_export_without_a_bearer_token_is_refused_and_a_token_in_the_url_is_not_read(app) {
        let none = app.iati_export("", None).await;
        assert_eq!(none.status, 401);
        let body: Value = serde_json::from_str(&none.body).unwrap();
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
        let analyst = app.analyst();
        for name in ["access_token", "token", "jwt"] {
            let in_url = app.iati_export(&format!("{name}={analyst}"), None).await;
            assert_eq!(in_url.status, 401, "a token in `{name}` was read");
            assert!(!in_url.body.contains("iati-activity"));
            // Beside a good header, a token in the URL is refused, naming the parameter.
            let beside = app.iati_export(&format!("{name}={analyst}"), Some(&analyst)).await;
            assert_eq!(beside.status, 400, "{name}: {}", beside.body);
            let body: Value = serde_json::from_str(&beside.body).unwrap();
            assert_eq!((error_code(&body), error_field(&body)), (Some("BAD_USER_INPUT"), Some(name)));
            assert!(body.to_string().contains("never read from the URL"), "{body}");
        }
        // Nor as a link's secret: a token is no link.
        let as_link = app.iati_export(&format!("link={analyst}"), None).await;
        assert_eq!(as_link.status, 404, "{}", as_link.body);
        assert_eq!(app.count("audit_events").await, 0, "a refused export is not an export");
    }

    async fn bad_filters_are_refused_naming_the_parameter(app) {
        for (query, field) in [
            ("scheme=not-a-uuid", "scheme"),
            ("grantee=42", "grantee"),
            ("from=2025-1-5", "from"),
            ("from=2025-01-01&to=2024-12-31", "to"),
            ("token=abc", "token"),
            ("scheme=0190a7e2-0000-7000-8000-000000000000&scheme=0190a7e2-0000-7000-8000-000000000001", "scheme"),
        ] {
            let export = app.iati_export(query, Some(&app.analyst())).await;
            assert_eq!(export.status, 400, "{query}");
            let body: Value = serde_json::from_str(&export.body).unwrap();
            assert_eq!((error_code(&body), error_field(&body)), (Some("BAD_USER_INPUT"), Some(field)), "{query}");
        }
    }
}
