//! The four queries in three dialects (this service's GraphQL, PostGraphile's GraphQL, and one
//! hand-written SQL statement), and how each answer is brought into one shape so the three
//! can be compared field by field. The SQL statements return that shape directly.

use serde_json::{Map, Value, json};
use uuid::Uuid;

pub struct Query {
    pub key: &'static str,
    pub name: &'static str,
    pub ours: &'static str,
    pub postgraphile: &'static str,
    /// One SQL statement returning the normalised answer as one JSON value.
    pub sql: &'static str,
    pub normalise_ours: fn(&Value) -> Value,
    pub normalise_postgraphile: fn(&Value) -> Value,
}

impl Query {
    /// The variables both GraphQL documents take.
    pub fn variables(&self, sample_grant: Uuid) -> Value {
        if self.key == "grant" {
            json!({ "id": sample_grant })
        } else {
            json!({})
        }
    }

    /// The SQL statement, ready to run.
    pub fn sql(&self, sample_grant: Uuid) -> String {
        self.sql.replace(":grant_id", &format!("'{sample_grant}'"))
    }
}

pub const QUERIES: [Query; 4] = [
    Query {
        key: "dashboard",
        name: "(a) dashboard page of 100 grants",
        ours: "query Dashboard { grants(first: 100) { totalCount edges { node {
            reference title status totalFunding { amount currency } startDate endDate
            grantee { name }
            reports { kind status periodStart periodEnd
              activities { title kind startDate endDate
                participation { mode total female } } } } } } }",
        postgraphile: "query Dashboard {
          allGrants(first: 100, orderBy: [REFERENCE_ASC, ID_ASC]) { totalCount nodes {
            reference title status totalFundingMinor currency startDate endDate
            organisationByGranteeId { name }
            reportsByGrantIdList(orderBy: [PERIOD_START_ASC, DUE_DATE_ASC, ID_ASC]) {
              kind status periodStart periodEnd
              activitiesByReportIdAndGrantIdList(orderBy: [START_DATE_ASC, ID_ASC]) {
                title kind startDate endDate
                activityParticipationsByActivityIdList(orderBy: MODE_ASC) {
                  mode total female } } } } } }",
        sql: include_str!("../../sql/dashboard.sql"),
        normalise_ours: dashboard_ours,
        normalise_postgraphile: dashboard_postgraphile,
    },
    Query {
        key: "summary",
        name: "(b) portfolio summary",
        ours: "query Summary { portfolioSummary {
            grantCount granteeCount activityCount
            participation { total female femaleRecordedOf male inPerson online }
            byActivityKind { kind activityCount
              participation { total female femaleRecordedOf male inPerson online } }
            byGrantee(first: 100) { grantee { name } grantCount funding { amount currency } activityCount
              participation { total female femaleRecordedOf male inPerson online } } } }",
        postgraphile: "query Summary {
          portfolioTotalsList { grantCount granteeCount }
          portfolioByActivityKindList {
            kind activityCount total female femaleRecordedOf male inPerson online }
          portfolioByGranteeList(first: 100) {
            granteeName grantCount funding activityCount
            total female femaleRecordedOf male inPerson online } }",
        sql: include_str!("../../sql/summary.sql"),
        normalise_ours: summary_ours,
        normalise_postgraphile: summary_postgraphile,
    },
    Query {
        key: "grant",
        name: "(c) one grant with everything under it",
        ours: "query Grant($id: UUID!) { grant(id: $id) {
            reference title status totalFunding { amount currency } startDate endDate
            grantee { name } scheme { name }
            fundingPeriods { label startDate endDate amount { amount currency } }
            objectives { number statement indicators { statement unit baseline target } }
            reports { kind status periodStart periodEnd dueDate preparedBy { name role }
              activities { title kind startDate endDate venue location narrative
                participation { mode total female male withDisability }
                outcomes { kind statement actor institution date } }
              indicatorResults { indicator { statement } actual narrative }
              lessons { kind text }
              caseStudies { title narrative } } } }",
        postgraphile: "query Grant($id: UUID!) { grantById(id: $id) {
            reference title status totalFundingMinor currency startDate endDate
            organisationByGranteeId { name } schemeBySchemeId { name }
            fundingPeriodsByGrantIdList(orderBy: [START_DATE_ASC, ID_ASC]) {
              label startDate endDate amountMinor currency }
            objectivesByGrantIdList(orderBy: NUMBER_ASC) { number statement
              indicatorsByObjectiveIdAndGrantIdList(orderBy: [CREATED_AT_ASC, ID_ASC]) {
                statement unit baseline target } }
            reportsByGrantIdList(orderBy: [PERIOD_START_ASC, DUE_DATE_ASC, ID_ASC]) {
              kind status periodStart periodEnd dueDate preparedByName preparedByRole
              activitiesByReportIdAndGrantIdList(orderBy: [START_DATE_ASC, ID_ASC]) {
                title kind startDate endDate venue location narrative
                activityParticipationsByActivityIdList(orderBy: MODE_ASC) {
                  mode total female male withDisability }
                outcomesByActivityIdAndGrantIdList(orderBy: [CREATED_AT_ASC, ID_ASC]) {
                  kind statement actor institution date } }
              indicatorResultsByReportIdAndGrantIdList(orderBy: [CREATED_AT_ASC, ID_ASC]) {
                indicatorByIndicatorIdAndGrantId { statement } actual narrative }
              lessonsByReportIdAndGrantIdList(orderBy: [KIND_ASC, POSITION_ASC, ID_ASC]) {
                kind text }
              caseStudiesByReportIdAndGrantIdList(orderBy: [POSITION_ASC, ID_ASC]) {
                title narrative } } } }",
        sql: include_str!("../../sql/grant.sql"),
        normalise_ours: grant_ours,
        normalise_postgraphile: grant_postgraphile,
    },
    Query {
        key: "activities",
        name: "(d) page of 100 activities by kind and dates",
        ours: "query Activities { activities(first: 100,
            filter: { kind: WORKSHOP, from: \"2024-03-01\", to: \"2024-08-31\" }) {
            totalCount edges { node { title kind startDate endDate
              grant { reference grantee { name } }
              participation { mode total female male withDisability } } } } }",
        postgraphile: "query Activities { allActivities(first: 100,
            orderBy: [START_DATE_ASC, ID_ASC], condition: { kind: \"WORKSHOP\" },
            filter: { endDate: { greaterThanOrEqualTo: \"2024-03-01\" },
                      startDate: { lessThanOrEqualTo: \"2024-08-31\" } }) {
            totalCount nodes { title kind startDate endDate
              reportByReportIdAndGrantId { grantByGrantId {
                reference organisationByGranteeId { name } } }
              activityParticipationsByActivityIdList(orderBy: MODE_ASC) {
                mode total female male withDisability } } } }",
        sql: include_str!("../../sql/activities.sql"),
        normalise_ours: activities_ours,
        normalise_postgraphile: activities_postgraphile,
    },
];

/// Each element of a list, mapped; a missing or non-list value fails loudly.
fn list(value: &Value, f: impl Fn(&Value) -> Value) -> Value {
    match value.as_array() {
        Some(items) => Value::Array(items.iter().map(f).collect()),
        None => panic!("expected a list, found {value}"),
    }
}

/// Picks fields by name, under new names: `pick(v, &[("to", "from")])`.
fn pick(value: &Value, fields: &[(&str, &str)]) -> Map<String, Value> {
    fields
        .iter()
        .map(|(to, from)| {
            let v = value
                .get(*from)
                .unwrap_or_else(|| panic!("no field {from} in {value}"));
            ((*to).to_owned(), v.clone())
        })
        .collect()
}

fn same(value: &Value, fields: &[&str]) -> Map<String, Value> {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|f| (*f, *f)).collect();
    pick(value, &pairs)
}

fn object(mut map: Map<String, Value>, extra: Vec<(&str, Value)>) -> Value {
    for (k, v) in extra {
        map.insert(k.to_owned(), v);
    }
    Value::Object(map)
}

/// The number of minor units of a currency in one unit.
fn minor_digits(currency: &str) -> usize {
    match currency {
        "JPY" | "KRW" | "VND" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// `{ amount: "90000.00", currency }` as `{ currency, minor: 9000000 }`.
fn money_ours(value: &Value) -> Value {
    let currency = value["currency"].as_str().expect("a currency");
    let amount = value["amount"].as_str().expect("an amount");
    let digits = minor_digits(currency);
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    assert!(fraction.len() <= digits, "{amount} has too many decimals");
    let minor: i64 = format!("{whole}{fraction:0<digits$}")
        .parse()
        .unwrap_or_else(|_| panic!("{amount} is not a decimal"));
    json!({ "currency": currency, "minor": minor })
}

/// A BigInt, which PostGraphile sends as a string.
fn big(value: &Value) -> Value {
    let text = value.as_str().expect("a BigInt string");
    json!(text.parse::<i64>().expect("a BigInt"))
}

fn money_postgraphile(node: &Value, amount_field: &str) -> Value {
    json!({ "currency": node["currency"], "minor": big(&node[amount_field]) })
}

const PARTICIPATION: [&str; 5] = ["mode", "total", "female", "male", "withDisability"];

fn participation_rows(value: &Value) -> Value {
    list(value, |p| Value::Object(same(p, &PARTICIPATION)))
}

/// The dashboard asks for less of each row: the whole row would take the page of 100 grants
/// past the service's cost limit (62,901 against 50,000).
fn dashboard_rows(value: &Value) -> Value {
    list(value, |p| {
        Value::Object(same(p, &["mode", "total", "female"]))
    })
}

fn dashboard_ours(data: &Value) -> Value {
    let grants = &data["grants"];
    json!({
        "totalCount": grants["totalCount"],
        "grants": list(&grants["edges"], |edge| {
            let g = &edge["node"];
            object(same(g, &["reference", "title", "status", "startDate", "endDate"]), vec![
                ("totalFunding", money_ours(&g["totalFunding"])),
                ("grantee", g["grantee"]["name"].clone()),
                ("reports", list(&g["reports"], |r| object(
                    same(r, &["kind", "status", "periodStart", "periodEnd"]),
                    vec![("activities", list(&r["activities"], |a| object(
                        same(a, &["title", "kind", "startDate", "endDate"]),
                        vec![("participation", dashboard_rows(&a["participation"]))],
                    )))],
                ))),
            ])
        }),
    })
}

fn dashboard_postgraphile(data: &Value) -> Value {
    let grants = &data["allGrants"];
    json!({
        "totalCount": grants["totalCount"],
        "grants": list(&grants["nodes"], |g| {
            object(same(g, &["reference", "title", "status", "startDate", "endDate"]), vec![
                ("totalFunding", money_postgraphile(g, "totalFundingMinor")),
                ("grantee", g["organisationByGranteeId"]["name"].clone()),
                ("reports", list(&g["reportsByGrantIdList"], |r| object(
                    same(r, &["kind", "status", "periodStart", "periodEnd"]),
                    vec![("activities", list(&r["activitiesByReportIdAndGrantIdList"], |a| object(
                        same(a, &["title", "kind", "startDate", "endDate"]),
                        vec![("participation", dashboard_rows(
                            &a["activityParticipationsByActivityIdList"],
                        ))],
                    )))],
                ))),
            ])
        }),
    })
}

const TOTALS: [&str; 6] = [
    "total",
    "female",
    "femaleRecordedOf",
    "male",
    "inPerson",
    "online",
];

fn summary_ours(data: &Value) -> Value {
    let s = &data["portfolioSummary"];
    object(
        same(s, &["grantCount", "granteeCount", "activityCount"]),
        vec![
            (
                "participation",
                Value::Object(same(&s["participation"], &TOTALS)),
            ),
            (
                "byActivityKind",
                list(&s["byActivityKind"], |k| {
                    object(
                        same(k, &["kind", "activityCount"]),
                        vec![(
                            "participation",
                            Value::Object(same(&k["participation"], &TOTALS)),
                        )],
                    )
                }),
            ),
            (
                "byGrantee",
                list(&s["byGrantee"], |g| {
                    object(
                        same(g, &["grantCount", "activityCount"]),
                        vec![
                            ("grantee", g["grantee"]["name"].clone()),
                            ("funding", list(&g["funding"], money_ours)),
                            (
                                "participation",
                                Value::Object(same(&g["participation"], &TOTALS)),
                            ),
                        ],
                    )
                }),
            ),
        ],
    )
}

/// PostGraphile's three lists; the portfolio's participation totals are the sums of the kind
/// rows, added here (a dashboard adds up seven rows).
fn summary_postgraphile(data: &Value) -> Value {
    let kinds = data["portfolioByActivityKindList"]
        .as_array()
        .expect("a list of kinds");
    let grantees = data["portfolioByGranteeList"]
        .as_array()
        .expect("a list of grantees");
    let sum = |rows: &[Value], field: &str| -> i64 {
        rows.iter()
            .map(|r| r[field].as_i64().expect("an integer"))
            .sum()
    };
    let totals_of = |row: &Value| Value::Object(same(row, &TOTALS));
    let mut participation = Map::new();
    for field in TOTALS {
        participation.insert(field.to_owned(), json!(sum(kinds, field)));
    }
    let totals = &data["portfolioTotalsList"][0];
    json!({
        "grantCount": totals["grantCount"],
        "granteeCount": totals["granteeCount"],
        "activityCount": sum(kinds, "activityCount"),
        "participation": participation,
        "byActivityKind": kinds.iter().map(|k| object(
            same(k, &["kind", "activityCount"]),
            vec![("participation", totals_of(k))],
        )).collect::<Vec<_>>(),
        "byGrantee": grantees.iter().map(|g| object(
            same(g, &["grantCount", "activityCount", "funding"]),
            vec![("grantee", g["granteeName"].clone()), ("participation", totals_of(g))],
        )).collect::<Vec<_>>(),
    })
}

const GRANT: [&str; 5] = ["reference", "title", "status", "startDate", "endDate"];
const REPORT: [&str; 5] = ["kind", "status", "periodStart", "periodEnd", "dueDate"];
const ACTIVITY: [&str; 7] = [
    "title",
    "kind",
    "startDate",
    "endDate",
    "venue",
    "location",
    "narrative",
];
const OUTCOME: [&str; 5] = ["kind", "statement", "actor", "institution", "date"];

fn grant_ours(data: &Value) -> Value {
    let g = &data["grant"];
    assert!(g.is_object(), "the grant was not found: {data}");
    object(
        same(g, &GRANT),
        vec![
            ("totalFunding", money_ours(&g["totalFunding"])),
            ("grantee", g["grantee"]["name"].clone()),
            ("scheme", g["scheme"]["name"].clone()),
            (
                "fundingPeriods",
                list(&g["fundingPeriods"], |f| {
                    object(
                        same(f, &["label", "startDate", "endDate"]),
                        vec![("amount", money_ours(&f["amount"]))],
                    )
                }),
            ),
            (
                "objectives",
                list(&g["objectives"], |o| {
                    object(
                        same(o, &["number", "statement"]),
                        vec![(
                            "indicators",
                            list(&o["indicators"], |i| {
                                Value::Object(same(i, &["statement", "unit", "baseline", "target"]))
                            }),
                        )],
                    )
                }),
            ),
            (
                "reports",
                list(&g["reports"], |r| {
                    object(
                        same(r, &REPORT),
                        vec![
                            (
                                "preparedBy",
                                Value::Object(same(&r["preparedBy"], &["name", "role"])),
                            ),
                            (
                                "activities",
                                list(&r["activities"], |a| {
                                    object(
                                        same(a, &ACTIVITY),
                                        vec![
                                            (
                                                "participation",
                                                participation_rows(&a["participation"]),
                                            ),
                                            (
                                                "outcomes",
                                                list(&a["outcomes"], |o| {
                                                    Value::Object(same(o, &OUTCOME))
                                                }),
                                            ),
                                        ],
                                    )
                                }),
                            ),
                            (
                                "indicatorResults",
                                list(&r["indicatorResults"], |ir| {
                                    object(
                                        same(ir, &["actual", "narrative"]),
                                        vec![("indicator", ir["indicator"]["statement"].clone())],
                                    )
                                }),
                            ),
                            (
                                "lessons",
                                list(&r["lessons"], |l| Value::Object(same(l, &["kind", "text"]))),
                            ),
                            (
                                "caseStudies",
                                list(&r["caseStudies"], |c| {
                                    Value::Object(same(c, &["title", "narrative"]))
                                }),
                            ),
                        ],
                    )
                }),
            ),
        ],
    )
}

fn grant_postgraphile(data: &Value) -> Value {
    let g = &data["grantById"];
    assert!(g.is_object(), "the grant was not found: {data}");
    object(
        same(g, &GRANT),
        vec![
            ("totalFunding", money_postgraphile(g, "totalFundingMinor")),
            ("grantee", g["organisationByGranteeId"]["name"].clone()),
            ("scheme", g["schemeBySchemeId"]["name"].clone()),
            (
                "fundingPeriods",
                list(&g["fundingPeriodsByGrantIdList"], |f| {
                    object(
                        same(f, &["label", "startDate", "endDate"]),
                        vec![("amount", money_postgraphile(f, "amountMinor"))],
                    )
                }),
            ),
            (
                "objectives",
                list(&g["objectivesByGrantIdList"], |o| {
                    object(
                        same(o, &["number", "statement"]),
                        vec![(
                            "indicators",
                            list(&o["indicatorsByObjectiveIdAndGrantIdList"], |i| {
                                Value::Object(same(i, &["statement", "unit", "baseline", "target"]))
                            }),
                        )],
                    )
                }),
            ),
            (
                "reports",
                list(&g["reportsByGrantIdList"], |r| {
                    object(
                        same(r, &REPORT),
                        vec![
                            (
                                "preparedBy",
                                Value::Object(pick(
                                    r,
                                    &[("name", "preparedByName"), ("role", "preparedByRole")],
                                )),
                            ),
                            (
                                "activities",
                                list(&r["activitiesByReportIdAndGrantIdList"], |a| {
                                    object(
                                        same(a, &ACTIVITY),
                                        vec![
                                            (
                                                "participation",
                                                participation_rows(
                                                    &a["activityParticipationsByActivityIdList"],
                                                ),
                                            ),
                                            (
                                                "outcomes",
                                                list(
                                                    &a["outcomesByActivityIdAndGrantIdList"],
                                                    |o| Value::Object(same(o, &OUTCOME)),
                                                ),
                                            ),
                                        ],
                                    )
                                }),
                            ),
                            (
                                "indicatorResults",
                                list(&r["indicatorResultsByReportIdAndGrantIdList"], |ir| {
                                    object(
                                        same(ir, &["actual", "narrative"]),
                                        vec![(
                                            "indicator",
                                            ir["indicatorByIndicatorIdAndGrantId"]["statement"]
                                                .clone(),
                                        )],
                                    )
                                }),
                            ),
                            (
                                "lessons",
                                list(&r["lessonsByReportIdAndGrantIdList"], |l| {
                                    Value::Object(same(l, &["kind", "text"]))
                                }),
                            ),
                            (
                                "caseStudies",
                                list(&r["caseStudiesByReportIdAndGrantIdList"], |c| {
                                    Value::Object(same(c, &["title", "narrative"]))
                                }),
                            ),
                        ],
                    )
                }),
            ),
        ],
    )
}

fn activities_ours(data: &Value) -> Value {
    let page = &data["activities"];
    json!({
        "totalCount": page["totalCount"],
        "activities": list(&page["edges"], |edge| {
            let a = &edge["node"];
            object(same(a, &["title", "kind", "startDate", "endDate"]), vec![
                ("grant", a["grant"]["reference"].clone()),
                ("grantee", a["grant"]["grantee"]["name"].clone()),
                ("participation", participation_rows(&a["participation"])),
            ])
        }),
    })
}

fn activities_postgraphile(data: &Value) -> Value {
    let page = &data["allActivities"];
    json!({
        "totalCount": page["totalCount"],
        "activities": list(&page["nodes"], |a| {
            object(same(a, &["title", "kind", "startDate", "endDate"]), vec![
                ("grant", a["reportByReportIdAndGrantId"]["grantByGrantId"]["reference"].clone()),
                ("grantee", a["reportByReportIdAndGrantId"]["grantByGrantId"]["organisationByGranteeId"]["name"].clone()),
                ("participation", participation_rows(&a["activityParticipationsByActivityIdList"])),
            ])
        }),
    })
}

/// Where two normalised answers first differ, as a path and both values; `None` when equal.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (va, vb) = (
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                );
                if x.contains_key(key) != y.contains_key(key) {
                    return Some(format!("{path}.{key}: present on one side only"));
                }
                if let Some(d) = first_difference(va, vb, &format!("{path}.{key}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(va, vb, &format!("{path}[{i}]")) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{path}: {} items against {}", x.len(), y.len()))
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ if a == b => None,
        _ => Some(format!("{path}: {a} against {b}")),
    }
}
