//! Shared fixtures: the inputs tests send most, and the portfolios they start from, built
//! through the mutation helpers as the scheme manager (the demo grant through the seed).

use std::collections::HashMap;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestApp;

/// The seed's demo data: the grant the completion report describes, its activities,
/// outcomes, lessons and case studies.
pub fn demo_json() -> Value {
    serde_json::from_str(include_str!("../../api/src/seed/demo.json")).unwrap()
}

/// A grant in AUD titled "Grant <reference>".
pub fn grant_input(
    scheme: Uuid,
    grantee: Uuid,
    reference: &str,
    amount: &str,
    start: &str,
    end: &str,
) -> Value {
    json!({
        "schemeId": scheme, "granteeId": grantee, "reference": reference,
        "title": format!("Grant {reference}"),
        "totalFunding": { "amount": amount, "currency": "AUD" },
        "startDate": start, "endDate": end,
    })
}

/// A report of `kind` ("PROGRESS" or "COMPLETION") on `grant`, due the day its period ends.
pub fn report_input(grant: Uuid, kind: &str, start: &str, end: &str) -> Value {
    json!({
        "grantId": grant, "kind": kind, "periodStart": start, "periodEnd": end, "dueDate": end,
        "preparedBy": { "name": "Chheng Samuth", "role": "Research and MEAL Specialist" },
    })
}

/// A workshop titled "A workshop" with the given participation rows.
pub fn activity_input(
    report: Uuid,
    objective: Option<Uuid>,
    start: &str,
    end: &str,
    participation: Value,
) -> Value {
    json!({
        "reportId": report, "objectiveId": objective, "kind": "WORKSHOP", "title": "A workshop",
        "startDate": start, "endDate": end, "participation": participation,
    })
}

/// Builders, as the scheme manager.
impl TestApp {
    pub async fn new_organisation(&self, name: &str, kind: &str) -> Uuid {
        self.create_organisation(&self.manager(), json!({ "name": name, "kind": kind }))
            .await
            .unwrap()
            .id
    }

    /// A scheme in AUD, with a funder and a manager of its own.
    pub async fn new_scheme(&self, name: &str) -> Uuid {
        let funder = self
            .new_organisation(&format!("{name} funder"), "FUNDER")
            .await;
        let manager = self
            .new_organisation(&format!("{name} manager"), "SCHEME_MANAGER")
            .await;
        let input =
            json!({ "name": name, "funderId": funder, "managerId": manager, "currency": "AUD" });
        self.create_scheme(&self.manager(), input).await.unwrap().id
    }

    /// A grant made with `grant_input`.
    pub async fn new_grant(
        &self,
        scheme: Uuid,
        grantee: Uuid,
        reference: &str,
        amount: &str,
        start: &str,
        end: &str,
    ) -> Uuid {
        let input = grant_input(scheme, grantee, reference, amount, start, end);
        self.create_grant(&self.manager(), input).await.unwrap().id
    }
}

/// One scheme ("Scheme"), one grantee ("Grantee") and its grant G-1: 90,000.00 AUD from
/// 2024-08-05 to 2025-01-31, the demo grant's money and dates.
pub struct OneGrant {
    pub scheme: Uuid,
    pub grantee: Uuid,
    pub grant: Uuid,
}

/// The demo grant as the seed loads it, with its scheme and grantee (Advocacy and Policy
/// Institute).
pub struct Demo {
    pub scheme: Uuid,
    pub grantee: Uuid,
    pub grant: Uuid,
}

/// A second grantee in a scheme: "Other Rights NGO", its grant CAAS-OTHER-2025 (45,000.00 AUD,
/// 2024-01-01 to 2025-12-31) with objective 1 ("Secret objective") and an indicator, and a
/// DRAFT progress report the grantee opened for 2024-08-05 to 2025-01-31.
pub struct OtherGrantee {
    pub org: Uuid,
    pub grant: Uuid,
    pub objective: Uuid,
    pub indicator: Uuid,
    pub report: Uuid,
}

/// The demo grantee and another grantee in the same scheme: who may see what.
pub struct TwoGrantees {
    pub demo: Demo,
    pub other: OtherGrantee,
}

/// Two schemes (A and B), two grantees (Grantee One and Two) and four grants with distinct
/// dates and amounts: A-1 (1,000.00, first half of 2024), A-2 (2,500.50, June to December
/// 2024), B-1 (300.00, 2025) and B-2 (99,999.99, 2023). Grantee One holds A-1 and B-1.
pub struct Portfolio {
    pub scheme_a: Uuid,
    pub scheme_b: Uuid,
    pub grantee_1: Uuid,
    pub grantee_2: Uuid,
}

/// The scheme manager's side of the demo grant, built through the API from the seed's data
/// instead of the seed: the scheme, the grantee, the grant CAAS-API-2024, its objective and
/// indicator, and the partner organisations by their key in the data ("api" is the grantee).
/// What a grantee needs before it files its report.
pub struct GrantToReport {
    pub scheme: Uuid,
    pub grantee: Uuid,
    pub grant: Uuid,
    pub objective: Uuid,
    pub indicator: Uuid,
    pub partners: HashMap<String, Uuid>,
}

impl TestApp {
    pub async fn one_grant(&self) -> OneGrant {
        let scheme = self.new_scheme("Scheme").await;
        let grantee = self.new_organisation("Grantee", "GRANTEE").await;
        let grant = self
            .new_grant(
                scheme,
                grantee,
                "G-1",
                "90000.00",
                "2024-08-05",
                "2025-01-31",
            )
            .await;
        OneGrant {
            scheme,
            grantee,
            grant,
        }
    }

    pub async fn demo(&self) -> Demo {
        let grant = self.seed_demo().await;
        let data = self
            .data(
                "query($id: UUID!) { grant(id: $id) { scheme { id } grantee { id } } }",
                json!({ "id": grant }),
                &self.manager(),
            )
            .await;
        let id = |v: &Value| v.as_str().unwrap().parse().unwrap();
        Demo {
            scheme: id(&data["grant"]["scheme"]["id"]),
            grantee: id(&data["grant"]["grantee"]["id"]),
            grant,
        }
    }

    pub async fn other_grantee(&self, scheme: Uuid) -> OtherGrantee {
        let manager = self.manager();
        let org = self.new_organisation("Other Rights NGO", "GRANTEE").await;
        let grant = self
            .new_grant(
                scheme,
                org,
                "CAAS-OTHER-2025",
                "45000.00",
                "2024-01-01",
                "2025-12-31",
            )
            .await;
        let objective = self
            .add_objective(
                &manager,
                json!({ "grantId": grant, "number": 1, "statement": "Secret objective" }),
            )
            .await
            .unwrap()
            .id;
        let indicator = self
            .add_indicator(
                &manager,
                json!({ "objectiveId": objective, "statement": "Secret indicator", "unit": "things" }),
            )
            .await
            .unwrap()
            .id;
        let report = self
            .create_report(
                &self.grantee(org),
                report_input(grant, "PROGRESS", "2024-08-05", "2025-01-31"),
            )
            .await
            .unwrap()
            .id;
        OtherGrantee {
            org,
            grant,
            objective,
            indicator,
            report,
        }
    }

    pub async fn two_grantees(&self) -> TwoGrantees {
        let demo = self.demo().await;
        let other = self.other_grantee(demo.scheme).await;
        TwoGrantees { demo, other }
    }

    pub async fn portfolio(&self) -> Portfolio {
        let scheme_a = self.new_scheme("Scheme A").await;
        let scheme_b = self.new_scheme("Scheme B").await;
        let grantee_1 = self.new_organisation("Grantee One", "GRANTEE").await;
        let grantee_2 = self.new_organisation("Grantee Two", "GRANTEE").await;
        for (scheme, grantee, reference, amount, start, end) in [
            (
                scheme_a,
                grantee_1,
                "A-1",
                "1000.00",
                "2024-01-01",
                "2024-06-30",
            ),
            (
                scheme_a,
                grantee_2,
                "A-2",
                "2500.50",
                "2024-06-01",
                "2024-12-31",
            ),
            (
                scheme_b,
                grantee_1,
                "B-1",
                "300.00",
                "2025-01-01",
                "2025-12-31",
            ),
            (
                scheme_b,
                grantee_2,
                "B-2",
                "99999.99",
                "2023-01-01",
                "2023-12-31",
            ),
        ] {
            self.new_grant(scheme, grantee, reference, amount, start, end)
                .await;
        }
        Portfolio {
            scheme_a,
            scheme_b,
            grantee_1,
            grantee_2,
        }
    }

    pub async fn grant_to_report(&self) -> GrantToReport {
        let demo = demo_json();
        let manager = self.manager();
        let scheme = self
            .new_scheme("Cambodia Aid Advisory Services Grants Scheme")
            .await;
        let grantee = self
            .new_organisation("Advocacy and Policy Institute", "GRANTEE")
            .await;
        let g = &demo["grant"];
        let grant = self
            .new_grant(
                scheme,
                grantee,
                "CAAS-API-2024",
                g["totalFunding"].as_str().unwrap(),
                g["startDate"].as_str().unwrap(),
                g["endDate"].as_str().unwrap(),
            )
            .await;
        let o = &demo["objectives"][0];
        let objective = self
            .add_objective(
                &manager,
                json!({ "grantId": grant, "number": o["number"], "statement": o["statement"] }),
            )
            .await
            .unwrap()
            .id;
        let i = &o["indicators"][0];
        let indicator = self
            .add_indicator(
                &manager,
                json!({
                    "objectiveId": objective, "statement": i["statement"], "unit": i["unit"],
                    "baseline": i["baseline"], "target": i["target"],
                }),
            )
            .await
            .unwrap()
            .id;
        let mut partners = HashMap::new();
        partners.insert("api".to_owned(), grantee);
        for org in demo["organisations"].as_array().unwrap() {
            if org["kind"] == "PARTNER" {
                let created = self
                    .new_organisation(org["name"].as_str().unwrap(), "PARTNER")
                    .await;
                partners.insert(org["key"].as_str().unwrap().to_owned(), created);
            }
        }
        GrantToReport {
            scheme,
            grantee,
            grant,
            objective,
            indicator,
            partners,
        }
    }
}
