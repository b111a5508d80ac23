//! The demo portfolio: the grant of the real completion report in `shared/seed`, transcribed in
//! `demo.json` (see `NOTES.md` beside it for every judgement the transcription made). What the
//! report does not state stays null; what had to be inferred to be stored at all is filed as a
//! correction of the report, visible through the API. It is
//! filed through the domain's own writes, as the service's system actor, in one transaction:
//! every object gets its own audit event, and the seed cannot store what the API would refuse.
//! The report is then submitted, and the date it was really submitted recorded as an audited
//! change of its own.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::enums::{
    ActivityKind, GrantStatus, IatiOrganisationType, LessonKind, OrganisationKind, OutcomeKind,
    ReportKind, ReportStatus,
};
use entity::{grant, organisation, scheme};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::actor::Actor;
use crate::domain::content::activity::CreateActivity;
use crate::domain::content::case_study::AddCaseStudy;
use crate::domain::content::indicator_result::RecordIndicatorResult;
use crate::domain::content::joint::LinkJointActivities;
use crate::domain::content::lesson::AddLesson;
use crate::domain::content::outcome::RecordOutcome;
use crate::domain::content::participation::ParticipantRow;
use crate::domain::idempotency;
use crate::domain::portfolio::grants::{AddFundingPeriod, CreateGrant, GrantIatiText};
use crate::domain::portfolio::objectives::{AddIndicator, AddObjective};
use crate::domain::portfolio::organisations::{CreateOrganisation, CreateScheme};
use crate::domain::report::correction::AddCorrection;
use crate::domain::report::edit::{CreateReport, PersonText};
use crate::domain::report::workflow::{AcceptReport, RecordHistoricSubmission, SubmitReport};
use crate::domain::scope;
use crate::domain::values::MoneyText;
use crate::domain::values::iati::SectorText;
use crate::domain::write::{Tx, Writer};
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
    corrections: Vec<CorrectionSeed>,
    indicator_results: Vec<ResultSeed>,
    activities: Vec<ActivitySeed>,
    /// Activities the report describes twice, as one event.
    joint_groups: Vec<JointGroupSeed>,
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
    /// IATI organisation identifier, where public record gives one.
    identifier: Option<String>,
    #[serde(rename = "iatiType")]
    iati_type: Option<IatiOrganisationType>,
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
    recipient_country: Option<String>,
    #[serde(default)]
    sectors: Vec<SectorSeed>,
}

#[derive(Deserialize)]
struct SectorSeed {
    code: String,
    percentage: String,
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
    prepared_by: PersonText,
    submitted_at: Option<DateTime<Utc>>,
    status: ReportStatus,
}

/// A value the report does not state as stored, and why (see `NOTES.md`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CorrectionSeed {
    field: String,
    as_reported: Option<String>,
    recorded_as: String,
    reason: String,
}

#[derive(Deserialize)]
struct ResultSeed {
    indicator: String,
    actual: String,
    narrative: Option<String>,
    /// Keys of the activities the result counts.
    #[serde(default)]
    activities: Vec<String>,
}

/// Activity keys that are one real event, and the one whose figures count for it.
#[derive(Deserialize)]
struct JointGroupSeed {
    activities: Vec<String>,
    counting: String,
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
    participation: Vec<ParticipantRow>,
    outcomes: Vec<OutcomeSeed>,
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

fn lookup_opt(map: &HashMap<String, Uuid>, key: Option<&str>, what: &str) -> Result<Option<Uuid>> {
    key.map(|k| lookup(map, k, what)).transpose()
}

/// Loads the demo grant unless its grant reference is already there.
pub async fn load_demo(db: &DatabaseConnection) -> Result<Seeded> {
    let demo: Arc<Demo> = Arc::new(serde_json::from_str(DEMO).map_err(Error::internal)?);
    let actor = Actor::system();
    // The seed takes no idempotency keys; the retention is the default's.
    let writer = Writer::new(db.clone(), idempotency::DEFAULT_RETENTION);
    writer
        .transaction(&actor, move |tx| Box::pin(file_demo(tx, Arc::clone(&demo))))
        .await
}

async fn file_demo(tx: &Tx<'_>, demo: Arc<Demo>) -> Result<Seeded> {
    let (db, actor) = (tx.db(), tx.actor());
    if let Some(existing) = scope::scoped::<grant::Entity>(actor)
        .filter(grant::Column::Reference.eq(demo.grant.reference.clone()))
        .one(db)
        .await?
    {
        return Ok(Seeded::AlreadyPresent {
            grant_id: existing.id,
        });
    }

    // Organisations and the scheme may already be registered (by name); the rest is new.
    let mut orgs: HashMap<String, Uuid> = HashMap::new();
    for o in &demo.organisations {
        let found = scope::organisations(actor)
            .filter(organisation::Column::Name.eq(o.name.clone()))
            .one(db)
            .await?;
        let id = match found {
            Some(found) => found.id,
            None => {
                let create = CreateOrganisation {
                    name: o.name.clone(),
                    acronym: o.acronym.clone(),
                    kind: o.kind,
                    description: o.description.clone(),
                    address: o.address.clone(),
                    phone: o.phone.clone(),
                    website: o.website.clone(),
                    country: o.country.clone(),
                    identifier: o.identifier.clone(),
                    iati_type: o.iati_type,
                };
                tx.run(&create).await?.id
            }
        };
        orgs.insert(o.key.clone(), id);
    }

    let found = scope::schemes(actor)
        .filter(scheme::Column::Name.eq(demo.scheme.name.clone()))
        .one(db)
        .await?;
    let scheme_id = match found {
        Some(found) => found.id,
        None => {
            let create = CreateScheme {
                name: demo.scheme.name.clone(),
                funder_id: lookup(&orgs, &demo.scheme.funder, "organisation")?,
                manager_id: lookup(&orgs, &demo.scheme.manager, "organisation")?,
                currency: demo.scheme.currency.clone(),
            };
            tx.run(&create).await?.id
        }
    };

    let g = &demo.grant;
    let grant = tx
        .run(&CreateGrant {
            scheme_id,
            grantee_id: lookup(&orgs, &g.grantee, "organisation")?,
            reference: g.reference.clone(),
            title: g.title.clone(),
            total_funding: MoneyText {
                amount: g.total_funding.clone(),
                currency: demo.scheme.currency.clone(),
            },
            start_date: g.start_date.clone(),
            end_date: g.end_date.clone(),
            status: Some(g.status),
            iati: GrantIatiText {
                recipient_country: Some(g.recipient_country.clone()),
                sectors: Some(Some(
                    g.sectors
                        .iter()
                        .map(|s| SectorText {
                            code: s.code.clone(),
                            percentage: s.percentage.clone(),
                        })
                        .collect(),
                )),
                ..GrantIatiText::default()
            },
        })
        .await?;

    for t in &demo.funding_periods {
        tx.run(&AddFundingPeriod {
            grant_id: grant.id,
            label: t.label.clone(),
            start_date: t.start_date.clone(),
            end_date: t.end_date.clone(),
            amount: MoneyText {
                amount: t.amount.clone(),
                currency: demo.scheme.currency.clone(),
            },
        })
        .await?;
    }

    let mut objectives: HashMap<String, Uuid> = HashMap::new();
    let mut indicators: HashMap<String, Uuid> = HashMap::new();
    for o in &demo.objectives {
        let objective = tx
            .run(&AddObjective {
                grant_id: grant.id,
                number: o.number,
                statement: o.statement.clone(),
            })
            .await?;
        objectives.insert(o.key.clone(), objective.id);
        for i in &o.indicators {
            let indicator = tx
                .run(&AddIndicator {
                    objective_id: objective.id,
                    statement: i.statement.clone(),
                    unit: i.unit.clone(),
                    baseline: i.baseline.clone(),
                    target: i.target.clone(),
                })
                .await?;
            indicators.insert(i.key.clone(), indicator.id);
        }
    }

    let r = &demo.report;
    let report = tx
        .run(&CreateReport {
            grant_id: grant.id,
            kind: r.kind,
            period_start: r.period_start.clone(),
            period_end: r.period_end.clone(),
            due_date: r.due_date.clone(),
            prepared_by: r.prepared_by.clone(),
            idempotency_key: None,
        })
        .await?;

    // Every value that had to be inferred or corrected to be stored, on the report, where an
    // API user sees it beside the data.
    for c in &demo.corrections {
        tx.run(&AddCorrection {
            report_id: report.id,
            field: c.field.clone(),
            as_reported: c.as_reported.clone(),
            recorded_as: c.recorded_as.clone(),
            reason: c.reason.clone(),
        })
        .await?;
    }

    let mut activities: HashMap<String, Uuid> = HashMap::new();
    for a in &demo.activities {
        let organiser_ids = a
            .organisers
            .iter()
            .map(|key| lookup(&orgs, key, "organisation"))
            .collect::<Result<Vec<_>>>()?;
        let activity = tx
            .run(&CreateActivity {
                report_id: report.id,
                objective_id: lookup_opt(&objectives, a.objective.as_deref(), "objective")?,
                kind: a.kind,
                title: a.title.clone(),
                start_date: a.start_date.clone(),
                end_date: a.end_date.clone(),
                venue: a.venue.clone(),
                location: a.location.clone(),
                narrative: a.narrative.clone(),
                participation: a.participation.clone(),
                organiser_ids,
                idempotency_key: None,
            })
            .await?;
        activities.insert(a.key.clone(), activity.id);
        for o in &a.outcomes {
            tx.run(&RecordOutcome {
                activity_id: activity.id,
                kind: o.kind,
                statement: o.statement.clone(),
                actor: o.actor.clone(),
                institution: o.institution.clone(),
                evidence: o.evidence.clone(),
                date: o.date.clone(),
                idempotency_key: None,
            })
            .await?;
        }
    }

    // The report describes its 6 December 2024 event twice, as the policy dialogue and as the
    // Smart Village Lab's national dialogue ("a joint event with policy dialogue"): one event,
    // counted once, with the policy dialogue's figures (201 participants, 55 women).
    for g in &demo.joint_groups {
        tx.run(&LinkJointActivities {
            activity_ids: g
                .activities
                .iter()
                .map(|key| lookup(&activities, key, "activity"))
                .collect::<Result<Vec<_>>>()?,
            counting_activity_id: Some(lookup(&activities, &g.counting, "activity")?),
        })
        .await?;
    }

    // Results after the activities they name as their evidence.
    for res in &demo.indicator_results {
        tx.run(&RecordIndicatorResult {
            report_id: report.id,
            indicator_id: lookup(&indicators, &res.indicator, "indicator")?,
            actual: res.actual.clone(),
            narrative: res.narrative.clone(),
            activity_ids: res
                .activities
                .iter()
                .map(|key| lookup(&activities, key, "activity"))
                .collect::<Result<Vec<_>>>()?,
            idempotency_key: None,
        })
        .await?;
    }

    for l in &demo.lessons {
        tx.run(&AddLesson {
            report_id: report.id,
            kind: l.kind,
            text: l.text.clone(),
            activity_id: lookup_opt(&activities, l.activity.as_deref(), "activity")?,
            idempotency_key: None,
        })
        .await?;
    }
    for c in &demo.case_studies {
        tx.run(&AddCaseStudy {
            report_id: report.id,
            title: c.title.clone(),
            narrative: c.narrative.clone(),
            activity_id: lookup_opt(&activities, c.activity.as_deref(), "activity")?,
            idempotency_key: None,
        })
        .await?;
    }

    // The report as the grantee left it: submitted (and accepted, if it says so) on the day it
    // states, recorded after the fact as the service's own audited change.
    if matches!(r.status, ReportStatus::Submitted | ReportStatus::Accepted) {
        let submitted = tx
            .run(&SubmitReport {
                id: report.id,
                version: report.version,
            })
            .await?;
        let mut version = submitted.version;
        if let Some(submitted_at) = r.submitted_at {
            version = tx
                .run(&RecordHistoricSubmission {
                    report_id: report.id,
                    submitted_at,
                })
                .await?
                .version;
        }
        if r.status == ReportStatus::Accepted {
            tx.run(&AcceptReport {
                id: report.id,
                version,
            })
            .await?;
        }
    }
    Ok(Seeded::Loaded { grant_id: grant.id })
}
