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
