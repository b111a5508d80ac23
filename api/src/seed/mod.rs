//! The demo portfolio: the grant of the real completion report in `shared/seed`, transcribed in
//! `demo.json` (see `NOTES.md` beside it for every judgement the transcription made). It is
//! loaded in one transaction, through the same validated value types as the API's input, so
//! the demo data obeys the rules a client's data does.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    ActivityKind, AttendanceMode, GrantStatus, LessonKind, OrganisationKind, OutcomeKind,
    ReportKind, ReportStatus,
};
use entity::{
    activity, activity_organiser, case_study, funding_period, grant, indicator, indicator_result,
    lesson, objective, organisation, outcome, participation, report, scheme,
};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, QueryFilter};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::actor::Actor;
use crate::domain::audit::{self, Change};
use crate::domain::scope;
use crate::domain::values::{
    Currency, DateRange, Money, ParticipantCount, Participation, parse_date, quantity,
};
use crate::error::{Error, Result};

const DEMO: &str = include_str!("demo.json");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Demo {
    organisations: Vec<Org>,
    scheme: SchemeSeed,
    grant: GrantSeed,
    funding_periods: Vec<Tranche>,
    objectives: Vec<ObjectiveSeed>,
    report: ReportSeed,
    indicator_results: Vec<ResultSeed>,
    activities: Vec<ActivitySeed>,
    lessons: Vec<LessonSeed>,
    case_studies: Vec<CaseStudySeed>,
}

#[derive(Deserialize)]
struct Org {
    key: String,
    name: String,
    acronym: Option<String>,
    kind: OrganisationKind,
    description: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    country: Option<String>,
}

#[derive(Deserialize)]
struct SchemeSeed {
    name: String,
    funder: String,
    manager: String,
    currency: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantSeed {
    grantee: String,
    reference: String,
    title: String,
    total_funding: String,
    start_date: String,
    end_date: String,
    status: GrantStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tranche {
    label: Option<String>,
    start_date: String,
    end_date: String,
    amount: String,
}

#[derive(Deserialize)]
struct ObjectiveSeed {
    key: String,
    number: i32,
    statement: String,
    indicators: Vec<IndicatorSeed>,
}

#[derive(Deserialize)]
struct IndicatorSeed {
    key: String,
    statement: String,
    unit: String,
    baseline: Option<String>,
    target: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportSeed {
    kind: ReportKind,
    period_start: String,
    period_end: String,
    due_date: String,
    prepared_by: PersonSeed,
    submitted_at: Option<DateTime<Utc>>,
    status: ReportStatus,
}

#[derive(Deserialize)]
struct PersonSeed {
    name: String,
    role: Option<String>,
}

#[derive(Deserialize)]
struct ResultSeed {
    indicator: String,
    actual: String,
    narrative: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActivitySeed {
    key: String,
    objective: Option<String>,
    kind: ActivityKind,
    title: String,
    start_date: String,
    end_date: String,
    venue: Option<String>,
    location: Option<String>,
    organisers: Vec<String>,
    narrative: Option<String>,
    participation: Vec<CountSeed>,
    outcomes: Vec<OutcomeSeed>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CountSeed {
    mode: AttendanceMode,
    total: i32,
    female: i32,
    with_disability: Option<i32>,
}

#[derive(Deserialize)]
struct OutcomeSeed {
    kind: OutcomeKind,
    statement: String,
    actor: Option<String>,
    institution: Option<String>,
    evidence: Option<String>,
    date: Option<String>,
}

#[derive(Deserialize)]
struct LessonSeed {
    kind: LessonKind,
    activity: Option<String>,
    text: String,
}

#[derive(Deserialize)]
struct CaseStudySeed {
    title: String,
    activity: Option<String>,
    narrative: String,
}

/// What `load_demo` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    Loaded { grant_id: Uuid },
    AlreadyPresent { grant_id: Uuid },
}

fn lookup(map: &HashMap<String, Uuid>, key: &str, what: &str) -> Result<Uuid> {
    map.get(key)
        .copied()
        .ok_or_else(|| Error::internal(format!("demo.json names an unknown {what} {key:?}")))
}

fn day(field: &str, text: &str) -> Result<NaiveDate> {
    parse_date(field, text)
}

/// Loads the demo grant unless its scheme's grant reference is already there.
pub async fn load_demo(db: &DatabaseConnection) -> Result<Seeded> {
    let demo: Demo = serde_json::from_str(DEMO).map_err(Error::internal)?;
    let actor = Actor::system();
    let txn = crate::domain::tx::begin(db).await?;

    if let Some(existing) = scope::scoped::<grant::Entity>(&actor)
        .filter(grant::Column::Reference.eq(demo.grant.reference.clone()))
        .one(&txn)
        .await?
    {
        return Ok(Seeded::AlreadyPresent {
            grant_id: existing.id,
        });
    }

    let now = Utc::now();
    let mut orgs: HashMap<String, Uuid> = HashMap::new();
    for o in &demo.organisations {
        let id = match scope::organisations(&actor)
            .filter(organisation::Column::Name.eq(o.name.clone()))
            .one(&txn)
            .await?
        {
            Some(found) => found.id,
            None => {
                organisation::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    name: Set(o.name.clone()),
                    acronym: Set(o.acronym.clone()),
                    kind: Set(o.kind),
                    description: Set(o.description.clone()),
                    address: Set(o.address.clone()),
                    phone: Set(o.phone.clone()),
                    website: Set(o.website.clone()),
                    country: Set(o.country.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        orgs.insert(o.key.clone(), id);
    }

    let currency = Currency::parse("scheme.currency", &demo.scheme.currency)?;
    let scheme = match scope::schemes(&actor)
        .filter(scheme::Column::Name.eq(demo.scheme.name.clone()))
        .one(&txn)
        .await?
    {
        Some(found) => found,
        None => {
            scheme::ActiveModel {
                id: Set(Uuid::now_v7()),
                name: Set(demo.scheme.name.clone()),
                funder_id: Set(lookup(&orgs, &demo.scheme.funder, "organisation")?),
                manager_id: Set(lookup(&orgs, &demo.scheme.manager, "organisation")?),
                currency: Set(currency.code().to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(&txn)
            .await?
        }
    };

    let g = &demo.grant;
    let grant_period = DateRange::new(
        day("grant.startDate", &g.start_date)?,
        day("grant.endDate", &g.end_date)?,
        "grant.endDate",
    )?;
    let total = Money::parse("grant.totalFunding", &g.total_funding, currency)?;
    let grantee_id = lookup(&orgs, &g.grantee, "organisation")?;
    let grant = grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        scheme_id: Set(scheme.id),
        grantee_id: Set(grantee_id),
        reference: Set(g.reference.clone()),
        title: Set(g.title.clone()),
        total_funding_minor: Set(total.minor()),
        currency: Set(currency.code().to_owned()),
        start_date: Set(grant_period.start()),
        end_date: Set(grant_period.end()),
        status: Set(g.status),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;

    let mut committed = 0;
    for t in &demo.funding_periods {
        let period = DateRange::new(
            day("fundingPeriods.startDate", &t.start_date)?,
            day("fundingPeriods.endDate", &t.end_date)?,
            "fundingPeriods.endDate",
        )?;
        let amount = Money::parse("fundingPeriods.amount", &t.amount, currency)?;
        committed += amount.minor();
        if !grant_period.contains(period) || committed > total.minor() {
            return Err(Error::internal(
                "demo.json: a tranche lies outside the grant or exceeds its total",
            ));
        }
        funding_period::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            label: Set(t.label.clone()),
            start_date: Set(period.start()),
            end_date: Set(period.end()),
            amount_minor: Set(amount.minor()),
            currency: Set(currency.code().to_owned()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }

    let mut objectives: HashMap<String, Uuid> = HashMap::new();
    let mut indicators: HashMap<String, Uuid> = HashMap::new();
    for o in &demo.objectives {
        let id = objective::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            number: Set(o.number),
            statement: Set(o.statement.clone()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?
        .id;
        objectives.insert(o.key.clone(), id);
        for i in &o.indicators {
            let ind = indicator::ActiveModel {
                id: Set(Uuid::now_v7()),
                grant_id: Set(grant.id),
                objective_id: Set(id),
                statement: Set(i.statement.clone()),
                unit: Set(i.unit.clone()),
                baseline: Set(i
                    .baseline
                    .as_deref()
                    .map(|b| quantity("baseline", b))
                    .transpose()?),
                target: Set(i
                    .target
                    .as_deref()
                    .map(|t| quantity("target", t))
                    .transpose()?),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
            indicators.insert(i.key.clone(), ind.id);
        }
    }

    let r = &demo.report;
    let period = DateRange::new(
        day("report.periodStart", &r.period_start)?,
        day("report.periodEnd", &r.period_end)?,
        "report.periodEnd",
    )?;
    let report = report::ActiveModel {
        id: Set(Uuid::now_v7()),
        grant_id: Set(grant.id),
        kind: Set(r.kind),
        period_start: Set(period.start()),
        period_end: Set(period.end()),
        due_date: Set(day("report.dueDate", &r.due_date)?),
        prepared_by_name: Set(r.prepared_by.name.clone()),
        prepared_by_role: Set(r.prepared_by.role.clone()),
        submitted_at: Set(r.submitted_at),
        status: Set(r.status),
        return_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;

    for res in &demo.indicator_results {
        indicator_result::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            indicator_id: Set(lookup(&indicators, &res.indicator, "indicator")?),
            actual: Set(quantity("actual", &res.actual)?),
            narrative: Set(res.narrative.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
    }

    let mut activities: HashMap<String, Uuid> = HashMap::new();
    for a in &demo.activities {
        let dates = DateRange::new(
            day("startDate", &a.start_date)?,
            day("endDate", &a.end_date)?,
            "endDate",
        )?;
        if !grant_period.contains(dates) {
            return Err(Error::internal(format!(
                "demo.json: activity {:?} lies outside the grant",
                a.key
            )));
        }
        let rows = Participation::new(
            "participation",
            a.participation
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    ParticipantCount::new(
                        &format!("participation[{i}]"),
                        c.mode,
                        c.total,
                        c.female,
                        c.with_disability,
                    )
                })
                .collect(),
        )?;
        let act = activity::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            objective_id: Set(a
                .objective
                .as_deref()
                .map(|k| lookup(&objectives, k, "objective"))
                .transpose()?),
            kind: Set(a.kind),
            title: Set(a.title.clone()),
            start_date: Set(dates.start()),
            end_date: Set(dates.end()),
            venue: Set(a.venue.clone()),
            location: Set(a.location.clone()),
            narrative: Set(a.narrative.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        activities.insert(a.key.clone(), act.id);
        for row in rows.rows() {
            participation::ActiveModel {
                activity_id: Set(act.id),
                mode: Set(row.mode),
                total: Set(row.total),
                female: Set(row.female),
                with_disability: Set(row.with_disability),
            }
            .insert(&txn)
            .await?;
        }
        for (position, key) in a.organisers.iter().enumerate() {
            activity_organiser::ActiveModel {
                activity_id: Set(act.id),
                organisation_id: Set(lookup(&orgs, key, "organisation")?),
                position: Set(position as i32),
            }
            .insert(&txn)
            .await?;
        }
        for o in &a.outcomes {
            outcome::ActiveModel {
                id: Set(Uuid::now_v7()),
                grant_id: Set(grant.id),
                report_id: Set(report.id),
                activity_id: Set(act.id),
                kind: Set(o.kind),
                statement: Set(o.statement.clone()),
                actor: Set(o.actor.clone()),
                institution: Set(o.institution.clone()),
                evidence: Set(o.evidence.clone()),
                date: Set(o
                    .date
                    .as_deref()
                    .map(|d| day("outcome.date", d))
                    .transpose()?),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(&txn)
            .await?;
        }
    }

    for (position, l) in demo.lessons.iter().enumerate() {
        lesson::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            activity_id: Set(l
                .activity
                .as_deref()
                .map(|k| lookup(&activities, k, "activity"))
                .transpose()?),
            kind: Set(l.kind),
            text: Set(l.text.clone()),
            position: Set(position as i32),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
    }
    for (position, c) in demo.case_studies.iter().enumerate() {
        case_study::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            activity_id: Set(c
                .activity
                .as_deref()
                .map(|k| lookup(&activities, k, "activity"))
                .transpose()?),
            title: Set(c.title.clone()),
            narrative: Set(c.narrative.clone()),
            position: Set(position as i32),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
    }

    audit::record(
        &txn,
        &actor,
        Change {
            action: "seedDemo",
            entity: "Grant",
            entity_id: grant.id,
            owner_org_id: Some(grantee_id),
            grant_id: Some(grant.id),
            before: None,
            after: Some(serde_json::json!({
                "reference": grant.reference,
                "report": report.id,
                "activities": activities.len(),
            })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Seeded::Loaded { grant_id: grant.id })
}
