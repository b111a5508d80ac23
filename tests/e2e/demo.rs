//! The demo grant, checked against what the completion report states.

use portfolio_tests::on_both_databases;
use serde_json::{Value, json};

const GRANT: &str = r#"
query($id: UUID!) {
  grant(id: $id) {
    reference title status startDate endDate
    totalFunding { amount currency }
    fundingPeriods { label startDate endDate amount { amount currency } }
    scheme { name currency funder { name acronym kind } manager { name kind } }
    grantee { name acronym kind address phone website country description }
    objectives { number statement indicators { unit baseline target } }
    participation { total female male inPerson online unspecified femaleRecordedOf maleRecordedOf withDisabilityRecordedOf excludedAsJoint }
    reports {
      kind status periodStart periodEnd dueDate submittedAt version
      preparedBy { name role }
      corrections { field asReported recordedAs reason }
      warnings { code field relatedIds }
      participation { total female male inPerson online unspecified femaleRecordedOf maleRecordedOf withDisabilityRecordedOf excludedAsJoint }
      indicatorResults { id actual narrative indicator { unit target } activities { id title } }
      activities {
        kind title startDate endDate venue location
        objective { number }
        organisers { name }
        participation { mode total female male withDisability }
        totals { total female inPerson online excludedAsJoint }
        jointWith { title }
        outcomes { kind actor institution statement }
      }
      lessons { kind text activity { title } }
      caseStudies { title narrative activity { title } }
    }
  }
}"#;

fn activity<'a>(report: &'a Value, title_start: &str) -> &'a Value {
    report["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with(title_start))
        .unwrap_or_else(|| panic!("no activity titled {title_start:?}"))
}

on_both_databases! {
    async fn the_demo_grant_comes_back_exactly_as_the_report_states_it(app) {
        let id = app.seed_demo().await;
        let data = app.data(GRANT, json!({ "id": id }), &app.analyst()).await;
        let g = &data["grant"];

        assert_eq!(g["totalFunding"], json!({ "amount": "90000.00", "currency": "AUD" }));
        assert_eq!((g["startDate"].as_str(), g["endDate"].as_str()), (Some("2024-08-05"), Some("2025-01-31")));
        assert_eq!(g["fundingPeriods"][0]["amount"]["amount"], "90000.00");
        assert_eq!(g["scheme"]["name"], "Cambodia Aid Advisory Services Grants Scheme");
        assert_eq!(g["scheme"]["currency"], "AUD");
        assert_eq!(g["scheme"]["funder"]["name"], "Department of Foreign Affairs and Trade");
        assert_eq!(g["scheme"]["manager"]["name"], "Tetra Tech International Development");
        assert_eq!(g["grantee"]["name"], "Advocacy and Policy Institute");
        assert_eq!(g["grantee"]["acronym"], "API");
        assert_eq!(g["grantee"]["phone"], "+855 23 213 486/ +855 99 288 800");
        assert_eq!(g["grantee"]["website"], "https://www.apiinstitute.org");
        assert!(g["grantee"]["address"].as_str().unwrap().contains("Street 388"));

        assert_eq!(g["objectives"][0]["number"], 2);
        assert!(g["objectives"][0]["statement"].as_str().unwrap().to_lowercase()
            .contains("public policies and laws is inclusive and democratic"));
        // The report states neither a baseline nor a target for its indicator.
        assert_eq!(g["objectives"][0]["indicators"][0], json!({ "unit": "policy dialogues", "baseline": null, "target": null }));

        let report = &g["reports"][0];
        assert_eq!(report["kind"], "COMPLETION");
        assert_eq!(report["status"], "SUBMITTED");
        // The report prints "5th August 2025 to 31 January 2025"; the evident intent is 2024.
        assert_eq!((report["periodStart"].as_str(), report["periodEnd"].as_str()), (Some("2024-08-05"), Some("2025-01-31")));
        assert!(report["submittedAt"].as_str().unwrap().starts_with("2025-01-31"));
        // Every value the report does not state as stored is a correction on the report.
        let corrections: Vec<(&str, Option<&str>, &str)> = report["corrections"].as_array().unwrap().iter()
            .map(|c| (c["field"].as_str().unwrap(), c["asReported"].as_str(), c["recordedAs"].as_str().unwrap()))
            .collect();
        assert_eq!(corrections, [
            ("report.periodStart", Some("5th August 2025 to 31 January 2025"), "2024-08-05"),
            ("grant.reference", None, "CAAS-API-2024"),
            ("grant.title", None, "Advocacy and Policy Institute: inclusive and democratic public policy (Objective 2)"),
            ("grant.status", None, "CLOSED"),
            ("grant.fundingPeriods", None, "Full grant, 2024-08-05 to 2025-01-31, AUD 90000.00"),
            ("report.dueDate", None, "2025-01-31"),
            ("report.submittedAt", Some("January 31, 2025"), "2025-01-31T00:00:00Z"),
            ("organisation.name", Some("the Smart Village Lab at the University"), "Smart Village Lab, University of Melbourne"),
            // What IATI needs that the report does not state: public record, or inferred.
            ("organisation.identifier", None, "AU-5"),
            ("organisation.iatiType", Some("Department of Foreign Affairs and Trade"), "10 (Government)"),
            ("organisation.iatiType", Some("a Cambodian non-governmental organisation"), "24 (Partner Country based NGO)"),
            ("grant.recipientCountry", Some("Cambodia Aid Advisory Services Grants Scheme"), "KH"),
            ("grant.sectors", Some("The development, implementation, and monitoring of public policies and laws is inclusive and democratic"), "15150 Democratic participation and civil society, 100%"),
        ]);
        assert!(report["corrections"].as_array().unwrap().iter().all(|c| !c["reason"].as_str().unwrap().is_empty()));
        assert_eq!(report["preparedBy"]["name"], "Chheng Samuth");
        assert_eq!(report["preparedBy"]["role"], "Research and MEAL Specialist, Advocacy and Policy Institute (API)");
        assert_eq!(report["indicatorResults"][0]["actual"], "3");
        assert!(report["indicatorResults"][0]["narrative"].as_str().unwrap().starts_with("Three (3) policy dialogues"));
        // The result's sentence lists four events as its evidence, though it says three.
        let evidence: Vec<&str> = report["indicatorResults"][0]["activities"].as_array().unwrap().iter()
            .map(|a| a["title"].as_str().unwrap()).collect();
        // ... which the report carries as its one warning: 3 reported, 4 linked.
        let result = &report["indicatorResults"][0];
        let mut related = vec![result["id"].clone()];
        related.extend(result["activities"].as_array().unwrap().iter().map(|a| a["id"].clone()));
        assert_eq!(report["warnings"], json!([
            { "code": "INDICATOR_EVIDENCE_MISMATCH", "field": "activityIds", "relatedIds": related },
        ]));
        assert_eq!(evidence, [
            "Phnom Penh Internet Forum 2024",
            "Celebrate International Day on Right to Information",
            "A policy dialogue on citizen scorecard analysis, subnational budget analysis reports, digital tools, and OWSO reports on Citizens' feedback",
            "A National Dialogue for Smart Village Lab and Model",
        ]);

        assert_eq!(report["activities"].as_array().unwrap().len(), 4);
        // No activity's location is printed in the report.
        assert!(report["activities"].as_array().unwrap().iter().all(|a| a["location"].is_null()));
        let a2i = activity(report, "Celebrate International Day");
        assert_eq!(a2i["startDate"], "2024-09-27");
        assert_eq!(a2i["venue"], "Sunway Hotel");
        assert_eq!(a2i["participation"], json!([
            { "mode": "IN_PERSON", "total": 229, "female": 104, "male": null, "withDisability": null },
            { "mode": "ONLINE", "total": 69, "female": 35, "male": null, "withDisability": null },
        ]));
        assert_eq!(a2i["totals"], json!({ "total": 298, "female": 139, "inPerson": 229, "online": 69, "excludedAsJoint": 0 }));
        assert_eq!(a2i["organisers"], json!([{ "name": "A2I Working Group" }]));

        let ppif = activity(report, "Phnom Penh Internet Forum");
        assert_eq!(ppif["kind"], "FORUM");
        assert_eq!((ppif["startDate"].as_str(), ppif["endDate"].as_str()), (Some("2024-10-17"), Some("2024-10-18")));
        assert_eq!(ppif["participation"], json!([{ "mode": "UNSPECIFIED", "total": 174, "female": 74, "male": null, "withDisability": null }]));
        assert_eq!(ppif["organisers"], json!([{ "name": "Digital Rights Working Group" }]));

        let dialogue = activity(report, "A policy dialogue on citizen scorecard");
        assert_eq!(dialogue["kind"], "POLICY_DIALOGUE");
        assert_eq!(dialogue["startDate"], "2024-12-06");
        assert_eq!(dialogue["venue"], "Cambodiana Hotel");
        assert_eq!(dialogue["participation"], json!([{ "mode": "UNSPECIFIED", "total": 201, "female": 55, "male": null, "withDisability": null }]));
        let health = dialogue["outcomes"].as_array().unwrap().iter()
            .find(|o| o["institution"] == "Ministry of Health").unwrap();
        assert_eq!(health["kind"], "POLICY_COMMITMENT");
        assert!(health["actor"].as_str().unwrap().contains("Khiev Hok"));

        let village = activity(report, "A National Dialogue for Smart Village");
        assert_eq!(village["participation"], json!([{ "mode": "UNSPECIFIED", "total": 160, "female": 85, "male": null, "withDisability": null }]));
        // "A joint event with policy dialogue": one event, whose figures are the policy dialogue's.
        assert_eq!(village["jointWith"], json!([{ "title": dialogue["title"] }]));
        assert_eq!(dialogue["jointWith"], json!([{ "title": village["title"] }]));
        assert_eq!((village["totals"]["excludedAsJoint"].as_i64(), dialogue["totals"]["excludedAsJoint"].as_i64()), (Some(160), Some(0)));

        let outcomes: usize = report["activities"].as_array().unwrap().iter()
            .map(|a| a["outcomes"].as_array().unwrap().len()).sum();
        assert_eq!(outcomes, 10);

        let kinds: Vec<&str> = report["lessons"].as_array().unwrap().iter().map(|l| l["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["CHALLENGE", "CHALLENGE", "LESSON_LEARNED", "LESSON_LEARNED", "LESSON_LEARNED"]);
        assert_eq!(report["caseStudies"].as_array().unwrap().len(), 4);

        // 229 + 69 + 174 + 201 participants, 104 + 35 + 74 + 55 women: the Smart Village Lab's
        // national dialogue (160, 85 women) is the same 6 December event as the policy dialogue,
        // counted once. The report never counts men, so none are recorded.
        assert_eq!(g["participation"], json!({ "total": 673, "female": 268, "male": 0, "inPerson": 229, "online": 69,
            "unspecified": 375, "femaleRecordedOf": 673, "maleRecordedOf": 0, "withDisabilityRecordedOf": 0,
            "excludedAsJoint": 160 }));
        assert_eq!(report["participation"], g["participation"]);
    }

    async fn the_portfolio_summary_agrees_with_the_rows_it_summarises(app) {
        app.seed_demo().await;
        let data = app.data(r#"{
            portfolioSummary {
              grantCount granteeCount activityCount funding { amount currency }
              participation { total female inPerson online femaleShare excludedAsJoint }
              byActivityKind { kind activityCount participation { total female } }
              byGrantee { grantee { name } grantCount activityCount funding { amount } participation { total } warnings { code count } }
              warnings { code count }
              reportsByStatus { status count }
              overdueReports { id }
            }
            activities(first: 100) { totalCount edges { node { kind participation { total female } totals { excludedAsJoint } } } }
        }"#, json!({}), &app.manager()).await;
        let s = &data["portfolioSummary"];
        assert_eq!(s["grantCount"], 1);
        assert_eq!(s["granteeCount"], 1);
        assert_eq!(s["funding"], json!([{ "amount": "90000.00", "currency": "AUD" }]));
        assert_eq!(s["activityCount"], data["activities"]["totalCount"]);
        // The rows of every activity but the one its joint group leaves out.
        let (mut total, mut female, mut excluded) = (0, 0, 0);
        for edge in data["activities"]["edges"].as_array().unwrap() {
            let left_out = edge["node"]["totals"]["excludedAsJoint"].as_i64().unwrap();
            excluded += left_out;
            if left_out > 0 {
                continue;
            }
            for row in edge["node"]["participation"].as_array().unwrap() {
                total += row["total"].as_i64().unwrap();
                female += row["female"].as_i64().unwrap();
            }
        }
        assert_eq!((total, female, excluded), (673, 268, 160));
        assert_eq!(s["participation"]["excludedAsJoint"], 160);
        assert_eq!(s["participation"]["total"], total);
        assert_eq!(s["participation"]["female"], female);
        assert_eq!(s["participation"]["inPerson"], 229);
        assert_eq!(s["participation"]["online"], 69);
        let by_kind_total: i64 = s["byActivityKind"].as_array().unwrap().iter()
            .map(|k| k["participation"]["total"].as_i64().unwrap()).sum();
        assert_eq!(by_kind_total, total);
        assert_eq!(s["byActivityKind"], json!([
            { "kind": "FORUM", "activityCount": 1, "participation": { "total": 174, "female": 74 } },
            { "kind": "POLICY_DIALOGUE", "activityCount": 2, "participation": { "total": 201, "female": 55 } },
            { "kind": "WORKSHOP", "activityCount": 1, "participation": { "total": 298, "female": 139 } },
        ]));
        assert_eq!(s["byGrantee"][0]["grantee"]["name"], "Advocacy and Policy Institute");
        assert_eq!(s["warnings"], json!([{ "code": "INDICATOR_EVIDENCE_MISMATCH", "count": 1 }]));
        assert_eq!(s["byGrantee"][0]["warnings"], s["warnings"]);
        assert_eq!(s["byGrantee"][0]["participation"]["total"], 673);
        assert_eq!(s["reportsByStatus"], json!([{ "status": "SUBMITTED", "count": 1 }]));
        assert_eq!(s["overdueReports"], json!([]));
    }

    async fn loading_the_demo_twice_keeps_one_grant(app) {
        let first = app.seed_demo().await;
        let second = app.seed_demo().await;
        assert_eq!(first, second);
        assert_eq!(app.count("grants").await, 1);
        assert_eq!(app.count("activities").await, 4);
    }
}

on_both_databases! {
    async fn the_demo_is_filed_through_the_api_s_own_writes_with_an_audit_event_for_each_object(app) {
        app.seed_demo().await;
        let trail = app.audit_events(&app.manager(), json!({ "actor": "system:seed" })).await;
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for action in trail.actions() {
            *counts.entry(action).or_default() += 1;
        }
        let expected: std::collections::BTreeMap<&str, usize> = [
            ("createOrganisation", 7), ("createScheme", 1), ("createGrant", 1),
            ("addFundingPeriod", 1), ("addObjective", 1), ("addIndicator", 1),
            ("createReport", 1), ("addCorrection", 13), ("recordIndicatorResult", 1), ("createActivity", 4), ("linkJointActivities", 2),
            ("recordOutcome", 10), ("addLesson", 5), ("addCaseStudy", 4),
            ("submitReport", 1), ("recordHistoricSubmission", 1),
        ].into_iter().collect();
        assert_eq!(counts, expected);
        assert_eq!(trail.total_count, 54);
        assert!(trail.events.iter().all(|e| e.role == "SCHEME_MANAGER"));

        // The submission date the report states is set after the fact, as a change of its own,
        // and the report's last two events say so: submitted today, then dated 31 January 2025.
        assert_eq!(&trail.actions()[..2], ["recordHistoricSubmission", "submitReport"]);
        let historic = &trail.events[0];
        assert_eq!(historic.entity, "Report");
        assert!(historic.after["submitted_at"].as_str().unwrap().starts_with("2025-01-31"));
        assert!(!historic.before["submitted_at"].as_str().unwrap().starts_with("2025-01-31"));

        // Loading it again writes nothing.
        app.seed_demo().await;
        let again = app.audit_events(&app.manager(), json!({ "actor": "system:seed" })).await;
        assert_eq!(again.total_count, 54);
    }
}
