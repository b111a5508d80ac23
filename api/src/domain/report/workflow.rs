//! A report's workflow: DRAFT → SUBMITTED → ACCEPTED, or SUBMITTED → RETURNED → SUBMITTED.
//! Each step is taken from exactly the version the caller saw; submitting checks the whole
//! report first and lists every problem.

use chrono::{DateTime, Utc};
use entity::enums::{ActivityKind, ReportKind, ReportStatus};
use entity::{activity, grant, indicator, indicator_result, participation, report};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Lock, report_in};
use crate::domain::actor::{Access, Actor};
use crate::domain::policy::{ensure_can_review_report, ensure_can_submit_report, ensure_can_write};
use crate::domain::portfolio::{grant_of, grant_period};
use crate::domain::scope::{self, scoped};
use crate::domain::values::{DateRange, limits, required_text};
use crate::domain::write::{Owner, Tx, Write, ensure_current_version};
use crate::error::{Error, Problems, Result};

/// `submitReport`: from DRAFT or RETURNED, by its grantee or a scheme manager on its behalf.
#[derive(Clone, Debug)]
pub struct SubmitReport {
    pub id: Uuid,
    pub version: i32,
}

/// `acceptReport`: a SUBMITTED report, by a scheme manager. Final.
#[derive(Clone, Debug)]
pub struct AcceptReport {
    pub id: Uuid,
    pub version: i32,
}

/// `returnReport`: a SUBMITTED report goes back to its grantee with what to change.
#[derive(Clone, Debug)]
pub struct ReturnReport {
    pub id: Uuid,
    pub version: i32,
    pub reason: String,
}

/// One step of the workflow, once checked.
#[derive(Clone, Debug)]
pub struct Step {
    id: Uuid,
    version: i32,
    to: ReportStatus,
    reason: Option<String>,
}

impl Write for SubmitReport {
    const ACTION: &'static str = "submitReport";
    type Checked = Step;
    type Output = report::Model;

    fn check(&self) -> Result<Step> {
        Ok(Step {
            id: self.id,
            version: self.version,
            to: ReportStatus::Submitted,
            reason: None,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(step: &Step, tx: &Tx<'_>) -> Result<report::Model> {
        take_step(Self::ACTION, step, tx).await
    }
}

impl Write for AcceptReport {
    const ACTION: &'static str = "acceptReport";
    type Checked = Step;
    type Output = report::Model;

    fn check(&self) -> Result<Step> {
        Ok(Step {
            id: self.id,
            version: self.version,
            to: ReportStatus::Accepted,
            reason: None,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(step: &Step, tx: &Tx<'_>) -> Result<report::Model> {
        take_step(Self::ACTION, step, tx).await
    }
}

impl Write for ReturnReport {
    const ACTION: &'static str = "returnReport";
    type Checked = Step;
    type Output = report::Model;

    fn check(&self) -> Result<Step> {
        let mut p = Problems::new();
        let reason = p.take(required_text("reason", &self.reason, limits::REASON));
        p.into_result()?;
        Ok(Step {
            id: self.id,
            version: self.version,
            to: ReportStatus::Returned,
            reason: Some(Problems::checked(reason)?),
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(step: &Step, tx: &Tx<'_>) -> Result<report::Model> {
        take_step(Self::ACTION, step, tx).await
    }
}

async fn take_step(action: &'static str, step: &Step, tx: &Tx<'_>) -> Result<report::Model> {
    let (db, actor) = (tx.db(), tx.actor());
    let before = report_in(db, actor, "id", step.id, Lock::Exclusive).await?;
    let grant = grant_of(db, actor, before.grant_id).await?;
    match step.to {
        ReportStatus::Submitted => ensure_can_submit_report(actor, &before)?,
        _ => ensure_can_review_report(actor, &before)?,
    }
    ensure_current_version("report", before.version, step.version)?;
    if step.to == ReportStatus::Submitted {
        check_complete(db, actor, &before, &grant).await?;
    }
    tx.bump_version::<report::Entity>(before.id, step.version)
        .await?;
    let mut model: report::ActiveModel = before.clone().into();
    model.version = NotSet;
    model.status = Set(step.to);
    model.updated_at = Set(Utc::now());
    match step.to {
        ReportStatus::Submitted => model.submitted_at = Set(Some(Utc::now())),
        ReportStatus::Returned => model.return_reason = Set(step.reason.clone()),
        _ => model.return_reason = Set(None),
    }
    let after = tx
        .update(action, Owner::grant(&grant), &before, model)
        .await?;
    Ok(after)
}

/// The whole report's checks, run on submission. Every problem is listed, not only the first.
async fn check_complete<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    report: &report::Model,
    grant: &grant::Model,
) -> Result<()> {
    let mut problems = Problems::new();
    let activities = scoped::<activity::Entity>(actor)
        .filter(activity::Column::ReportId.eq(report.id))
        .order_by_asc(activity::Column::StartDate)
        .order_by_asc(activity::Column::Id)
        .all(db)
        .await?;
    if activities.is_empty() {
        problems.push(
            "activities",
            "a report needs at least one activity before it is submitted",
        );
    }
    let ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
    let rows = scope::participation(actor)
        .filter(participation::Column::ActivityId.is_in(ids))
        .all(db)
        .await?;
    let period = grant_period(grant)?;
    for (i, a) in activities.iter().enumerate() {
        let dates = DateRange::new(a.start_date, a.end_date, "endDate")?;
        let field = |name: &str| format!("activities[{i}].{name}");
        if let Err(Error::BadInput(found)) =
            dates.ensure_within(period, "grant", &field("startDate"), &field("endDate"))
        {
            for problem in found {
                problems.push(problem.field, format!("{:?}: {}", a.title, problem.message));
            }
        }
        if a.kind != ActivityKind::Research && !rows.iter().any(|r| r.activity_id == a.id) {
            problems.push(
                field("participation"),
                format!("{:?} has no participation rows; give at least one (UNSPECIFIED if the mode is not known)", a.title),
            );
        }
    }
    if report.kind == ReportKind::Completion {
        let indicators = scoped::<indicator::Entity>(actor)
            .filter(indicator::Column::GrantId.eq(grant.id))
            .order_by_asc(indicator::Column::CreatedAt)
            .all(db)
            .await?;
        let results = scoped::<indicator_result::Entity>(actor)
            .filter(indicator_result::Column::ReportId.eq(report.id))
            .all(db)
            .await?;
        for ind in indicators {
            if !results.iter().any(|r| r.indicator_id == ind.id) {
                problems.push(
                    "indicatorResults",
                    format!(
                        "a completion report records a result for every indicator; {:?} has none",
                        ind.statement
                    ),
                );
            }
        }
    }
    problems.into_result()
}

/// Records when a report was really submitted, for a report filed after the fact (the demo's
/// was submitted on paper on 31 January 2025). Only the service itself does this, as its own
/// audited change: an API client's submission time is always the server's clock.
#[derive(Clone, Debug)]
pub struct RecordHistoricSubmission {
    pub report_id: Uuid,
    pub submitted_at: DateTime<Utc>,
}

impl Write for RecordHistoricSubmission {
    const ACTION: &'static str = "recordHistoricSubmission";
    type Checked = RecordHistoricSubmission;
    type Output = report::Model;

    fn check(&self) -> Result<RecordHistoricSubmission> {
        Ok(self.clone())
    }

    fn authorize(actor: &Actor) -> Result<()> {
        match actor.access {
            Access::SchemeManager if actor.is_system() => Ok(()),
            _ => Err(Error::forbidden(
                "only the service records historic submission dates",
            )),
        }
    }

    async fn apply(change: &RecordHistoricSubmission, tx: &Tx<'_>) -> Result<report::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let before = report_in(db, actor, "reportId", change.report_id, Lock::Exclusive).await?;
        if before.status != ReportStatus::Submitted && before.status != ReportStatus::Accepted {
            return Err(Error::conflict(format!(
                "the report is {}; only a submitted report has a submission date",
                before.status.as_str()
            )));
        }
        let grant = grant_of(db, actor, before.grant_id).await?;
        tx.bump_version::<report::Entity>(before.id, before.version)
            .await?;
        let mut model: report::ActiveModel = before.clone().into();
        model.version = NotSet;
        model.submitted_at = Set(Some(change.submitted_at));
        let after = tx
            .update(Self::ACTION, Owner::grant(&grant), &before, model)
            .await?;
        Ok(after)
    }
}
