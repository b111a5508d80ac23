//! CSV and Excel exports: what a spreadsheet user opens, who may download what, and the
//! single-use links GraphiQL users open in a browser.

use calamine::{Data, DataType, Reader};
use portfolio_tests::exports::Download;
use portfolio_tests::{TestApp, on_both_databases};
use serde_json::{Value, json};

const SUMMARY: &str = "{ portfolioSummary { activityCount participation { total female inPerson online excludedAsJoint } } }";

/// The rows a spreadsheet adds up: those of activities counted in totals.
fn counted(row: &std::collections::HashMap<String, String>) -> bool {
    row["countedInTotals"] == "true"
}

async fn summary(app: &TestApp, token: &str) -> Value {
    app.data(SUMMARY, json!({}), token).await["portfolioSummary"].clone()
}

/// Exports made so far, as the audit trail shows them to `token`.
async fn exports_audited(app: &TestApp, token: &str) -> Vec<portfolio_tests::queries::AuditEvent> {
    app.audit_events(token, json!({ "entity": "Export" }))
        .await
        .events
}

fn demo_titles(csv: &portfolio_tests::exports::Csv) -> Vec<String> {
    let mut titles: Vec<String> = csv.column("title").into_iter().map(str::to_owned).collect();
    titles.sort();
    titles
}

on_both_databases! {
    async fn the_participation_csv_summed_as_a_spreadsheet_would_gives_the_dashboard_totals(app) {
        app.seed_demo().await;
        let analyst = app.analyst();
        let csv = app.download("/export/participation.csv", Some(&analyst)).await.csv();
        assert_eq!(csv.header, [
            "activityId", "grantId", "grantReference", "granteeId", "granteeName", "activityKind",
            "activityTitle", "startDate", "endDate", "mode", "total", "female", "male",
            "withDisability", "jointGroupId", "countedInTotals",
        ]);
        // The A2I workshop's two rows, and one row for each of the other three activities.
        assert_eq!(csv.rows.len(), 5);
        let summary = summary(&app, &analyst).await;
        let totals = &summary["participation"];
        assert_eq!(csv.sum("total", counted), 673);
        assert_eq!(csv.sum("female", counted), 268);
        assert_eq!(csv.sum("total", counted), totals["total"].as_i64().unwrap());
        assert_eq!(csv.sum("female", counted), totals["female"].as_i64().unwrap());
        assert_eq!(
            csv.sum("total", |r| counted(r) && r["mode"] == "ONLINE"),
            totals["online"].as_i64().unwrap()
        );
        // The joint event's other record is in the file, marked as not counted, with the
        // group id it shares with the record that counts.
        assert_eq!(csv.sum("total", |r| !counted(r)), totals["excludedAsJoint"].as_i64().unwrap());
        assert_eq!(csv.sum("total", |r| !counted(r)), 160);
        let joint: Vec<&str> = csv.column("jointGroupId").into_iter().filter(|g| !g.is_empty()).collect();
        assert_eq!(joint.len(), 2);
        assert_eq!(joint[0], joint[1]);
        // `male` was recorded nowhere: empty, never 0.
        assert!(csv.column("male").iter().all(|m| m.is_empty()));
    }

    async fn each_caller_reproduces_its_own_dashboard_from_the_csv_when_a_joint_event_spans_grantees(app) {
        let both = app.two_grantees().await;
        let manager = app.manager();
        let other = app.create_activity(&app.grantee(both.other.org), portfolio_tests::activity_input(
            both.other.report, None, "2024-09-27", "2024-09-27",
            json!([{ "mode": "IN_PERSON", "total": 500, "female": 250 }]),
        )).await.unwrap();
        let all = app.download("/export/activities.csv", Some(&manager)).await.csv();
        let a2i = all.rows.iter().find(|a| a["title"].starts_with("Celebrate")).unwrap()["id"].clone();
        // The same event filed by both grantees: for the portfolio the larger record counts.
        app.link_joint_activities(&manager, json!({ "activityIds": [a2i, other.id] })).await.unwrap();
        let demo = app.grantee(both.demo.grantee);
        for (who, token, expected) in [("manager", &manager, 673 - 298 + 500), ("demo grantee", &demo, 673)] {
            let csv = app.download("/export/participation.csv", Some(token)).await.csv();
            let totals = summary(&app, token).await["participation"].clone();
            assert_eq!(csv.sum("total", counted), totals["total"].as_i64().unwrap(), "{who}");
            assert_eq!(csv.sum("female", counted), totals["female"].as_i64().unwrap(), "{who}");
            assert_eq!(csv.sum("total", |r| !counted(r)), totals["excludedAsJoint"].as_i64().unwrap(), "{who}");
            assert_eq!(csv.sum("total", counted), expected, "{who}");
        }
    }

    async fn the_grants_csv_states_the_money_exactly_with_its_currency(app) {
        app.seed_demo().await;
        let download = app.download("/export/grants.csv", Some(&app.manager())).await;
        assert_eq!(download.header("content-type"), Some("text/csv; charset=utf-8; header=present"));
        assert_eq!(download.header("content-disposition"), Some("attachment; filename=\"grants.csv\""));
        assert!(download.text().starts_with(
            "id,reference,title,status,schemeId,schemeName,granteeId,granteeName,totalFunding,currency,startDate,endDate\r\n"
        ));
        let csv = download.csv();
        assert_eq!(csv.rows.len(), 1);
        let grant = &csv.rows[0];
        assert_eq!((grant["totalFunding"].as_str(), grant["currency"].as_str()), ("90000.00", "AUD"));
        assert_eq!((grant["startDate"].as_str(), grant["endDate"].as_str()), ("2024-08-05", "2025-01-31"));
        assert_eq!(grant["granteeName"], "Advocacy and Policy Institute");
        assert_eq!(grant["schemeName"], "Cambodia Aid Advisory Services Grants Scheme");

        let outcomes = app.download("/export/outcomes.csv", Some(&app.manager())).await.csv();
        assert_eq!(outcomes.rows.len(), 10, "the report's ten government responses");
        let reports = app.download("/export/reports.csv", Some(&app.manager())).await.csv();
        assert_eq!(reports.column("periodStart"), ["2024-08-05"]);
        assert_eq!(reports.column("status"), ["SUBMITTED"]);
    }

    async fn a_grantee_export_holds_only_its_own_organisations_rows_by_header_and_by_link(app) {
        let both = app.two_grantees().await;
        let other = app.grantee(both.other.org);
        app.create_activity(&other, portfolio_tests::activity_input(
            both.other.report, Some(both.other.objective), "2024-09-01", "2024-09-01",
            json!([{ "mode": "IN_PERSON", "total": 12, "female": 5 }]),
        )).await.unwrap();
        let demo = app.grantee(both.demo.grantee);
        let secret_bits = [
            both.other.org.to_string(), both.other.grant.to_string(), "CAAS-OTHER-2025".to_owned(),
            "Other Rights NGO".to_owned(), "Secret objective".to_owned(),
        ];
        for list in ["grants", "reports", "activities", "participation", "outcomes"] {
            let path = format!("/export/{list}.csv");
            let mine = app.download(&path, Some(&demo)).await;
            assert_eq!(mine.status, 200, "{list}: {}", mine.text());
            for bit in &secret_bits {
                assert!(!mine.text().contains(bit.as_str()), "{list}.csv shows {bit}");
            }
            assert!(!mine.csv().rows.is_empty(), "{list}.csv is empty for the demo grantee");
            // A filter naming the other grantee narrows to nothing, never widens.
            let named = app.download(&format!("{path}?granteeId={}", both.other.org), Some(&demo)).await.csv();
            assert!(named.rows.is_empty(), "{list}.csv?granteeId=<other> shows rows");
            // The same by a link the grantee made.
            let format = format!("{}_CSV", list.to_uppercase());
            let link = app.create_export_link(&demo, json!({ "format": format })).await.unwrap();
            let by_link = app.download(&link.path, None).await;
            assert_eq!(by_link.status, 200, "{list} by link: {}", by_link.text());
            assert_eq!(by_link.body, mine.body, "{list}.csv by link differs from by header");
        }
        // The scheme manager sees both grantees' rows.
        let all = app.download("/export/activities.csv", Some(&app.manager())).await.csv();
        assert_eq!(all.rows.len(), 5);
        let mine = app.download("/export/activities.csv", Some(&demo)).await.csv();
        assert_eq!(demo_titles(&mine).len(), 4);
    }

    async fn an_export_needs_a_token_in_the_header_never_in_the_url(app) {
        app.seed_demo().await;
        let analyst = app.analyst();
        let none = app.download("/export/grants.csv", None).await;
        assert_eq!(none.status, 401);
        assert_eq!(none.error().0, "UNAUTHENTICATED");
        assert!(!none.text().contains("90000.00"));
        for name in ["access_token", "token"] {
            let in_url = app.download(&format!("/export/grants.csv?{name}={analyst}"), None).await;
            assert_eq!(in_url.status, 401, "a token in `{name}` was read");
            assert!(!in_url.text().contains("90000.00"));
            // Even beside a good header, a token in the URL is refused, naming the parameter.
            let beside = app.download(&format!("/export/grants.csv?{name}={analyst}"), Some(&analyst)).await;
            assert_eq!(beside.status, 400);
            assert_eq!(beside.error(), ("BAD_USER_INPUT".to_owned(), Some(name.to_owned())));
        }
        let xlsx = app.download("/export/portfolio.xlsx", None).await;
        assert_eq!(xlsx.status, 401);
        let forged = app.download("/export/grants.csv", Some("not-a-token")).await;
        assert_eq!(forged.status, 401);
    }

    async fn an_export_link_works_once_and_carries_no_token(app) {
        app.seed_demo().await;
        let analyst = app.analyst();
        let link = app.create_export_link(&analyst, json!({
            "format": "GRANTS_CSV", "filter": { "status": "CLOSED" },
        })).await.unwrap();
        assert_eq!(link.format, "GRANTS_CSV");
        assert!(link.url.starts_with(&app.address), "{}", link.url);
        assert!(link.url.ends_with(&link.path));
        assert!(link.path.starts_with("/export/grants.csv?link="));
        assert!(!link.url.contains(&analyst), "the link carries a token: {}", link.url);
        let expires = chrono::DateTime::parse_from_rfc3339(&link.expires_at).unwrap();
        let left = expires.signed_duration_since(chrono::Utc::now());
        assert!(left > chrono::Duration::minutes(4) && left <= chrono::Duration::minutes(5), "{left}");
        // The link for grants.csv opens nothing else, and is not used up by trying.
        let elsewhere = app.download(&link.path.replace("grants.csv", "reports.csv"), None).await;
        assert_eq!(elsewhere.status, 404);
        let first = app.download(&link.path, None).await;
        assert_eq!(first.status, 200, "{}", first.text());
        assert_eq!(first.csv().column("reference"), ["CAAS-API-2024"]);
        let again = app.download(&link.path, None).await;
        assert_eq!(again.status, 410);
        assert!(!again.text().contains("CAAS-API-2024"));
        let made_up = app.download("/export/grants.csv?link=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", None).await;
        assert_eq!(made_up.status, 404);
        // A link carries its own filter: parameters beside it are refused.
        let link = app.create_export_link(&analyst, json!({ "format": "GRANTS_CSV" })).await.unwrap();
        let widened = app.download(&format!("{}&status=CLOSED", link.path), None).await;
        assert_eq!(widened.status, 400);
    }

    async fn of_two_requests_racing_with_one_link_exactly_one_exports(app) {
        app.seed_demo().await;
        let link = app.create_export_link(&app.analyst(), json!({ "format": "OUTCOMES_CSV" })).await.unwrap();
        let (a, b) = tokio::join!(app.download(&link.path, None), app.download(&link.path, None));
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 410]);
        assert_eq!(exports_audited(&app, &app.manager()).await.len(), 1);
    }

    async fn an_expired_export_link_is_refused(app) {
        use sea_orm::sea_query::Expr;
        use sea_orm::{EntityTrait, QueryFilter, ColumnTrait};
        app.seed_demo().await;
        let link = app.create_export_link(&app.manager(), json!({ "format": "PARTICIPATION_CSV" })).await.unwrap();
        // Made six minutes ago: expired one minute ago.
        let made = chrono::Utc::now() - chrono::Duration::minutes(6);
        entity::export_link::Entity::update_many()
            .col_expr(entity::export_link::Column::CreatedAt, Expr::value(made))
            .col_expr(entity::export_link::Column::ExpiresAt, Expr::value(made + chrono::Duration::minutes(5)))
            .filter(entity::export_link::Column::UsedAt.is_null())
            .exec(&app.db)
            .await
            .unwrap();
        let late = app.download(&link.path, None).await;
        assert_eq!(late.status, 410);
        assert!(!late.text().contains("Hotel Cambodiana"));
        assert!(exports_audited(&app, &app.manager()).await.is_empty(), "an expired link exported");
    }

    async fn cells_a_spreadsheet_would_run_as_formulas_are_neutralised_and_the_csv_parses_back(app) {
        let manager = app.manager();
        let scheme = app.new_scheme("+Scheme").await;
        let grantee = app.new_organisation("@Grantee, \"the\" one", "GRANTEE").await;
        let mut input = portfolio_tests::grant_input(scheme, grantee, "-1", "1234.50", "2024-01-01", "2024-12-31");
        input["title"] = json!("=HYPERLINK(\"http://x.example\",\"click\")\nsecond line, with a comma");
        app.create_grant(&manager, input).await.unwrap();
        let download = app.download("/export/grants.csv", Some(&manager)).await;
        let text = download.text();
        // RFC 4180: the line break inside a quoted field, quotes doubled, records end CRLF.
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x.example\"\",\"\"click\"\")\nsecond line, with a comma\""), "{text}");
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), 2, "a header and one record: {text}");
        let csv = download.csv();
        let grant = &csv.rows[0];
        assert_eq!(grant["title"], "'=HYPERLINK(\"http://x.example\",\"click\")\nsecond line, with a comma");
        assert_eq!(grant["reference"], "'-1");
        assert_eq!(grant["schemeName"], "'+Scheme");
        assert_eq!(grant["granteeName"], "'@Grantee, \"the\" one");
        assert_eq!(grant["totalFunding"], "1234.50");
    }

    async fn every_export_is_in_the_audit_trail_with_its_filters(app) {
        let both = app.two_grantees().await;
        let analyst = app.analyst();
        let ok = app.download("/export/grants.csv?status=ACTIVE&activeFrom=2024-01-01", Some(&analyst)).await;
        assert_eq!(ok.status, 200);
        let demo = app.grantee(both.demo.grantee);
        let link = app.create_export_link(&demo, json!({
            "format": "ACTIVITIES_CSV", "filter": { "kind": "POLICY_DIALOGUE" },
        })).await.unwrap();
        assert_eq!(app.download(&link.path, None).await.status, 200);
        // A refused export is no export.
        assert_eq!(app.download("/export/grants.csv?status=OPEN", Some(&analyst)).await.status, 400);

        let events = exports_audited(&app, &app.manager()).await;
        assert_eq!(events.len(), 2, "{events:#?}");
        let by_link = &events[0];
        assert_eq!((by_link.action.as_str(), by_link.role.as_str()), ("EXPORT", "GRANTEE"));
        assert_eq!(by_link.actor, format!("integration@{}", both.demo.grantee));
        assert_eq!(by_link.after["format"], "ACTIVITIES_CSV");
        assert_eq!(by_link.after["filter"], json!({ "kind": "POLICY_DIALOGUE" }));
        assert_eq!(by_link.after["via"], "link");
        let by_header = &events[1];
        assert_eq!((by_header.action.as_str(), by_header.actor.as_str()), ("EXPORT", "analyst@dfat"));
        assert_eq!(by_header.after["format"], "GRANTS_CSV");
        assert_eq!(by_header.after["filter"], json!({ "status": "ACTIVE", "activeFrom": "2024-01-01" }));
        assert_eq!(by_header.after["via"], "header");
        assert!(by_header.request_id.is_some());
        // Making the link is in the trail too, under the same id as the export it led to.
        let made = app.audit_events(&app.manager(), json!({ "action": "createExportLink" })).await.events;
        assert_eq!(made.len(), 1);
        assert_eq!(made[0].entity_id, by_link.entity_id);
        assert!(!made[0].after.to_string().contains(link.path.trim_start_matches("/export/activities.csv?link=")), "the secret is in the trail");
        // A grantee reads its own exports in the trail, and nobody else's.
        let own = exports_audited(&app, &demo).await;
        assert_eq!(own.len(), 1);
        assert!(exports_audited(&app, &app.grantee(both.other.org)).await.is_empty());
    }

    async fn a_bad_filter_is_refused_naming_the_parameter(app) {
        let analyst = app.analyst();
        for (query, field) in [
            ("/export/grants.csv?status=OPEN", "status"),
            ("/export/grants.csv?activeFrom=2024-13-01", "activeFrom"),
            ("/export/grants.csv?activeFrom=2025-01-01&activeTo=2024-01-01", "activeTo"),
            ("/export/grants.csv?schemeId=not-a-uuid", "schemeId"),
            ("/export/grants.csv?colour=blue", "colour"),
            ("/export/grants.csv?status=ACTIVE&status=CLOSED", "status"),
            ("/export/reports.csv?dueBefore=tomorrow", "dueBefore"),
            ("/export/activities.csv?kind=PARTY", "kind"),
            ("/export/participation.csv?from=2025-01-01&to=2024-01-01", "to"),
            ("/export/portfolio.xlsx?grantStatus=OPEN", "grantStatus"),
        ] {
            let refused: Download = app.download(query, Some(&analyst)).await;
            assert_eq!(refused.status, 400, "{query}: {}", refused.text());
            assert_eq!(refused.header("content-type"), Some("application/json"));
            assert_eq!(refused.error(), ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())), "{query}");
        }
        assert_eq!(app.download("/export/budgets.csv", Some(&analyst)).await.status, 404);
        let refused = app.create_export_link(&analyst, json!({
            "format": "REPORTS_CSV", "filter": { "status": "LOST" },
        })).await.unwrap_err();
        assert_eq!((refused.code.as_str(), refused.field.as_deref()), ("BAD_USER_INPUT", Some("filter.status")));
        let refused = app.create_export_link(&analyst, json!({
            "format": "REPORTS_CSV", "filter": { "status": 3 },
        })).await.unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("filter.status"));
    }

    async fn a_grant_named_by_id_that_the_caller_may_not_see_is_not_found_in_every_export(app) {
        let both = app.two_grantees().await;
        let demo = app.grantee(both.demo.grantee);
        let hidden = both.other.grant;
        for (path, name) in [
            ("/export/reports.csv", "grantId"),
            ("/export/activities.csv", "grantId"),
            ("/export/participation.csv", "grantId"),
            ("/export/outcomes.csv", "grantId"),
            ("/iati/activities.xml", "grant"),
        ] {
            let refused = app.download(&format!("{path}?{name}={hidden}"), Some(&demo)).await;
            assert_eq!(refused.status, 404, "{path}: {}", refused.text());
            assert_eq!(refused.error(), ("NOT_FOUND".to_owned(), Some(name.to_owned())), "{path}");
            // Its own grant is found; the scheme manager sees both.
            let own = app.download(&format!("{path}?{name}={}", both.demo.grant), Some(&demo)).await;
            assert_eq!(own.status, 200, "{path}: {}", own.text());
            let managed = app.download(&format!("{path}?{name}={hidden}"), Some(&app.manager())).await;
            assert_eq!(managed.status, 200, "{path}: {}", managed.text());
        }
        // A refused export is no export: only the ten allowed are in the trail.
        assert_eq!(exports_audited(&app, &app.manager()).await.len(), 10);
        // A link to it is refused when made.
        let refused = app.create_export_link(&demo, json!({
            "format": "REPORTS_CSV", "filter": { "grantId": hidden.to_string() },
        })).await.unwrap_err();
        assert_eq!((refused.code.as_str(), refused.field.as_deref()), ("NOT_FOUND", Some("filter.grantId")));
    }

    async fn a_csv_export_streams_every_row_past_one_page(app) {
        let portfolio = app.one_grant().await;
        let manager = app.manager();
        // One page is 500 grants: 520 takes two.
        for n in 0..519 {
            app.new_grant(portfolio.scheme, portfolio.grantee, &format!("R-{n:04}"), "10.00", "2024-01-01", "2024-12-31").await;
        }
        let download = app.download("/export/grants.csv", Some(&manager)).await;
        assert!(download.header("content-length").is_none(), "the export was sized in advance");
        let csv = download.csv();
        assert_eq!(csv.rows.len(), 520);
        let mut ids = csv.column("id");
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 520, "a row twice");
    }

    async fn the_workbook_has_a_typed_sheet_per_list_and_the_dashboard_totals(app) {
        app.seed_demo().await;
        let manager = app.manager();
        let download = app.download("/export/portfolio.xlsx", Some(&manager)).await;
        assert_eq!(download.status, 200, "{:?}", download.headers);
        assert_eq!(
            download.header("content-type"),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        let mut book = download.workbook();
        assert_eq!(book.sheet_names(), ["Grants", "Reports", "Activities", "Participation", "Outcomes"]);

        let grants = book.worksheet_range("Grants").unwrap();
        let header: Vec<String> = grants.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(header, [
            "id", "reference", "title", "status", "schemeId", "schemeName", "granteeId",
            "granteeName", "totalFunding", "currency", "startDate", "endDate",
        ]);
        let row: Vec<Data> = grants.rows().nth(1).unwrap().to_vec();
        assert_eq!(row[1], Data::String("CAAS-API-2024".into()));
        assert_eq!(row[8], Data::Float(90000.0), "money is a number");
        assert_eq!(row[9], Data::String("AUD".into()), "its currency beside it");
        match &row[10] {
            Data::DateTime(day) => {
                assert!(day.is_datetime());
                // Excel's day number of 2024-08-05.
                assert_eq!(day.as_f64(), 45509.0);
            }
            other => panic!("startDate is not a date: {other:?}"),
        }

        let participation = book.worksheet_range("Participation").unwrap();
        let header: Vec<String> = participation.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (total, female, flag) = (col("total"), col("female"), col("countedInTotals"));
        let (mut sum, mut women, mut rows) = (0.0, 0.0, 0);
        for row in participation.rows().skip(1) {
            rows += 1;
            assert!(matches!(row[flag], Data::Bool(_)), "countedInTotals is a boolean");
            if row[flag] == Data::Bool(true) {
                sum += row[total].as_f64().unwrap();
                women += row[female].as_f64().unwrap_or(0.0);
            }
        }
        assert_eq!(rows, 5);
        let summary = summary(&app, &manager).await;
        assert_eq!(sum as i64, summary["participation"]["total"].as_i64().unwrap());
        assert_eq!((sum as i64, women as i64), (673, 268));
        assert_eq!(book.worksheet_range("Outcomes").unwrap().rows().count(), 11);

        // Every sheet's header row stays in view.
        for n in 1..=5 {
            let sheet = download.xlsx_part(&format!("xl/worksheets/sheet{n}.xml"));
            assert!(sheet.contains("state=\"frozen\"") && sheet.contains("ySplit=\"1\""), "sheet {n} has no frozen header");
        }
    }

    async fn a_grantee_workbook_holds_only_its_own_rows(app) {
        let both = app.two_grantees().await;
        let demo = app.grantee(both.demo.grantee);
        let download = app.download("/export/portfolio.xlsx", Some(&demo)).await;
        let mut book = download.workbook();
        for sheet in ["Grants", "Reports", "Activities", "Participation", "Outcomes"] {
            let range = book.worksheet_range(sheet).unwrap();
            for row in range.rows() {
                for cell in row {
                    let text = cell.to_string();
                    assert!(
                        !text.contains("CAAS-OTHER-2025") && !text.contains(&both.other.org.to_string()),
                        "{sheet} shows the other grantee: {text}"
                    );
                }
            }
        }
        assert_eq!(book.worksheet_range("Grants").unwrap().rows().count(), 2);
        // By link too.
        let link = app.create_export_link(&demo, json!({ "format": "PORTFOLIO_XLSX" })).await.unwrap();
        let by_link = app.download(&link.path, None).await;
        let mut book = by_link.workbook();
        assert_eq!(book.worksheet_range("Grants").unwrap().rows().count(), 2);
    }
}
