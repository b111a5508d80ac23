//! Filing a report: its activities with participation and co-organisers, outcomes, indicator
//! results, lessons and case studies; and the workflow DRAFT → SUBMITTED → ACCEPTED, or
//! SUBMITTED → RETURNED → SUBMITTED.
//!
//! Every write runs in one transaction that first checks the caller's role, then reads the
//! report it changes (through `scope`, so another grantee's report is `NOT_FOUND`) and checks
//! its state, then writes, then records its audit event. Updates and deletes carry the
//! `version` they were based on and change nothing when it is stale.

use chrono::{NaiveDate, Utc};
use entity::enums::{
    ActivityKind, LessonKind, OrganisationKind, OutcomeKind, ReportKind, ReportStatus,
};
use entity::{
    activity, activity_organiser, case_study, grant, indicator, indicator_result, lesson,
    objective, organisation, outcome, participation, report,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::actor::Actor;
use super::audit::{self, Change, snapshot};
use super::idempotency::{self, Idempotency};
use super::policy::{
    ensure_can_edit_report, ensure_can_review_report, ensure_can_submit_report,
    ensure_current_version,
};
use super::portfolio::not_found_at;
use super::scope::{self, scoped};
use super::tx::retrying;
use super::values::{DateRange, Participation};
use crate::error::{Error, Problems, Result};

// ---------------------------------------------------------------- shared steps

/// Analysts write nothing; checked before anything is read.
fn ensure_can_write(actor: &Actor) -> Result<()> {
    match actor.access {
        super::actor::Access::Analyst => Err(Error::forbidden("analysts have read-only access")),
        _ => Ok(()),
    }
}

/// Reads a report the actor may see, locked against a concurrent change of its state
/// (PostgreSQL: FOR SHARE for content edits, FOR UPDATE for workflow steps).
async fn report_in<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    field: &str,
    id: Uuid,
    exclusive: bool,
) -> Result<report::Model> {
    let select = scoped::<report::Entity>(actor).filter(report::Column::Id.eq(id));
    let select = if exclusive {
        select.lock_exclusive()
    } else {
        select.lock_shared()
    };
    select
        .one(db)
        .await?
        .ok_or_else(|| not_found_at(field, "report", id))
}

/// The report a change goes into, checked editable by the actor.
async fn editable_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    field: &str,
    id: Uuid,
) -> Result<report::Model> {
    let report = report_in(db, actor, field, id, false).await?;
    ensure_can_edit_report(actor, &report)?;
    Ok(report)
}

async fn grant_of<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> Result<grant::Model> {
    scoped::<grant::Entity>(actor)
        .filter(grant::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("grant"))
}

/// A grant-owned row by id that the actor may see, or `NOT_FOUND` naming `field`.
async fn visible<E, C>(
    db: &C,
    actor: &Actor,
    field: &str,
    what: &str,
    column: E::Column,
    id: Uuid,
) -> Result<E::Model>
where
    E: scope::GrantOwned,
    C: ConnectionTrait,
{
    // The row a write changes or hangs from: locked until the write commits (PostgreSQL).
    scoped::<E>(actor)
        .filter(column.eq(id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| not_found_at(field, what, id))
}

/// What an earlier request with the same idempotency key created.
async fn replayed<E, C>(db: &C, actor: &Actor, column: E::Column, id: Uuid) -> Result<E::Model>
where
    E: scope::GrantOwned,
    C: ConnectionTrait,
{
    scoped::<E>(actor).filter(column.eq(id)).one(db).await?.ok_or_else(|| {
        Error::conflict(
            "what this idempotency key created has since been deleted; send a new key to create it again",
        )
    })
}

fn record_change(
    action: &'static str,
    entity: &'static str,
    id: Uuid,
    grant: &grant::Model,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Change {
    Change {
        action,
        entity,
        entity_id: id,
        owner_org_id: Some(grant.grantee_id),
        grant_id: Some(grant.id),
        before,
        after,
    }
}

/// Compare-and-set on `version`: exactly one of several writers based on one version wins.
async fn bump_version<E, C>(
    db: &C,
    id_column: E::Column,
    version_column: E::Column,
    id: Uuid,
    version: i32,
    entity: &str,
) -> Result<()>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let result = E::update_many()
        .col_expr(version_column, Expr::col(version_column).add(1))
        .filter(id_column.eq(id))
        .filter(version_column.eq(version))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(Error::conflict(format!(
            "the {entity} was changed by someone else since version {version}; reload and retry"
        )))
    }
}

// ---------------------------------------------------------------- reports

#[derive(Clone, Debug, Default)]
pub struct ReportChanges {
    pub id: Uuid,
    pub version: i32,
    pub kind: Option<ReportKind>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub prepared_by_name: Option<String>,
    pub prepared_by_role: Option<Option<String>>,
}

pub async fn update_report(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: &ReportChanges,
) -> Result<report::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let before = report_in(&txn, actor, "id", changes.id, true).await?;
        ensure_can_edit_report(actor, &before)?;
        ensure_current_version("report", before.version, changes.version)?;
        let grant = grant_of(&txn, actor, before.grant_id).await?;
        let period = DateRange::new(
            changes.period_start.unwrap_or(before.period_start),
            changes.period_end.unwrap_or(before.period_end),
            if changes.period_end.is_some() {
                "periodEnd"
            } else {
                "periodStart"
            },
        )?;
        check_period_in_grant(&grant, period)?;
        bump_version::<report::Entity, _>(
            &txn,
            report::Column::Id,
            report::Column::Version,
            before.id,
            changes.version,
            "report",
        )
        .await?;
        let mut model: report::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(kind) = changes.kind {
            model.kind = Set(kind);
        }
        model.period_start = Set(period.start());
        model.period_end = Set(period.end());
        if let Some(due) = changes.due_date {
            model.due_date = Set(due);
        }
        if let Some(name) = &changes.prepared_by_name {
            model.prepared_by_name = Set(name.clone());
        }
        if let Some(role) = &changes.prepared_by_role {
            model.prepared_by_role = Set(role.clone());
        }
        model.updated_at = Set(Utc::now());
        let after = model.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "updateReport",
                "Report",
                after.id,
                &grant,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    })
    .await
}

pub(crate) fn check_period_in_grant(grant: &grant::Model, period: DateRange) -> Result<()> {
    if period.start() < grant.start_date {
        return Err(Error::bad_input(
            "periodStart",
            format!(
                "{} is before the grant starts on {}",
                period.start(),
                grant.start_date
            ),
        ));
    }
    if period.end() > grant.end_date {
        return Err(Error::bad_input(
            "periodEnd",
            format!(
                "{} is after the grant ends on {}",
                period.end(),
                grant.end_date
            ),
        ));
    }
    Ok(())
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
    for (i, a) in activities.iter().enumerate() {
        if a.start_date < grant.start_date {
            problems.push(
                format!("activities[{i}].startDate"),
                format!(
                    "{:?} starts on {}, before the grant starts on {}",
                    a.title, a.start_date, grant.start_date
                ),
            );
        }
        if a.end_date > grant.end_date {
            problems.push(
                format!("activities[{i}].endDate"),
                format!(
                    "{:?} ends on {}, after the grant ends on {}",
                    a.title, a.end_date, grant.end_date
                ),
            );
        }
        if a.kind != ActivityKind::Research && !rows.iter().any(|r| r.activity_id == a.id) {
            problems.push(
                format!("activities[{i}].participation"),
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Review {
    Accept,
    Return,
}

/// Submits, accepts or returns a report, from exactly the version the caller saw.
pub async fn submit_report(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<report::Model> {
    transition(db, actor, id, version, None).await
}

pub async fn review_report(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    review: Review,
    reason: Option<&str>,
) -> Result<report::Model> {
    transition(db, actor, id, version, Some((review, reason))).await
}

async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    review: Option<(Review, Option<&str>)>,
) -> Result<report::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let before = report_in(&txn, actor, "id", id, true).await?;
        let grant = grant_of(&txn, actor, before.grant_id).await?;
        let (action, status) = match review {
            None => {
                ensure_can_submit_report(actor, &before)?;
                ("submitReport", ReportStatus::Submitted)
            }
            Some((Review::Accept, _)) => {
                ensure_can_review_report(actor, &before)?;
                ("acceptReport", ReportStatus::Accepted)
            }
            Some((Review::Return, _)) => {
                ensure_can_review_report(actor, &before)?;
                ("returnReport", ReportStatus::Returned)
            }
        };
        ensure_current_version("report", before.version, version)?;
        if review.is_none() {
            check_complete(&txn, actor, &before, &grant).await?;
        }
        bump_version::<report::Entity, _>(
            &txn,
            report::Column::Id,
            report::Column::Version,
            id,
            version,
            "report",
        )
        .await?;
        let mut model: report::ActiveModel = before.clone().into();
        model.version = NotSet;
        model.status = Set(status);
        model.updated_at = Set(Utc::now());
        match review {
            None => {
                model.submitted_at = Set(Some(Utc::now()));
            }
            Some((Review::Return, reason)) => model.return_reason = Set(reason.map(str::to_owned)),
            Some((Review::Accept, _)) => model.return_reason = Set(None),
        }
        let after = model.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                action,
                "Report",
                id,
                &grant,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    })
    .await
}

// ---------------------------------------------------------------- activities

#[derive(Clone, Debug)]
pub struct NewActivity {
    pub report_id: Uuid,
    pub objective_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub title: String,
    pub dates: DateRange,
    pub venue: Option<String>,
    pub location: Option<String>,
    pub narrative: Option<String>,
    pub participation: Participation,
    pub organiser_ids: Vec<Uuid>,
}

#[derive(Clone, Debug, Default)]
pub struct ActivityChanges {
    pub id: Uuid,
    pub version: i32,
    pub objective_id: Option<Option<Uuid>>,
    pub kind: Option<ActivityKind>,
    pub title: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub venue: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub narrative: Option<Option<String>>,
    pub participation: Option<Participation>,
    pub organiser_ids: Option<Vec<Uuid>>,
}

/// An activity with its participation rows and organisers, as audit events record it.
#[derive(Serialize)]
struct ActivityImage {
    #[serde(flatten)]
    activity: activity::Model,
    participation: Vec<participation::Model>,
    organiser_ids: Vec<Uuid>,
}

async fn activity_image<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    activity: &activity::Model,
) -> Result<serde_json::Value> {
    let participation = scope::participation(actor)
        .filter(participation::Column::ActivityId.eq(activity.id))
        .order_by_asc(participation::Column::Mode)
        .all(db)
        .await?;
    let organiser_ids = scope::activity_organisers(actor)
        .filter(activity_organiser::Column::ActivityId.eq(activity.id))
        .order_by_asc(activity_organiser::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.organisation_id)
        .collect();
    snapshot(&ActivityImage {
        activity: activity.clone(),
        participation,
        organiser_ids,
    })
}

fn check_dates_in_grant(grant: &grant::Model, dates: DateRange) -> Result<()> {
    if dates.start() < grant.start_date || dates.start() > grant.end_date {
        return Err(Error::bad_input(
            "startDate",
            format!(
                "{} is outside the grant's period {} to {}",
                dates.start(),
                grant.start_date,
                grant.end_date
            ),
        ));
    }
    if dates.end() > grant.end_date {
        return Err(Error::bad_input(
            "endDate",
            format!(
                "{} is after the grant ends on {}",
                dates.end(),
                grant.end_date
            ),
        ));
    }
    Ok(())
}

/// The objective must be one of this grant's. Another grant's (or an invisible one) reads the same.
async fn check_objective<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    grant: &grant::Model,
    id: Option<Uuid>,
) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    let found = scoped::<objective::Entity>(actor)
        .filter(objective::Column::Id.eq(id))
        .filter(objective::Column::GrantId.eq(grant.id))
        .count(db)
        .await?;
    if found == 0 {
        return Err(Error::bad_input(
            "objectiveId",
            format!("the report's grant has no objective with the id {id}"),
        ));
    }
    Ok(())
}

/// Co-organisers are organisations the actor can see, and never another grantee: naming one
/// would write its id into this grantee's activity (and audit trail).
async fn check_organisers<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    grant: &grant::Model,
    ids: &[Uuid],
) -> Result<()> {
    let mut problems = Problems::new();
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            problems.push(format!("organiserIds[{i}]"), format!("{id} is named twice"));
        }
    }
    let found: Vec<Uuid> = scope::organisations(actor)
        .filter(organisation::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .filter(|o| o.kind != OrganisationKind::Grantee || o.id == grant.grantee_id)
        .map(|o| o.id)
        .collect();
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            problems.push(
                format!("organiserIds[{i}]"),
                format!("no organisation has the id {id}"),
            );
        }
    }
    problems.into_result()
}

async fn write_participation<C: ConnectionTrait>(
    db: &C,
    activity_id: Uuid,
    rows: &Participation,
) -> Result<()> {
    participation::Entity::delete_many()
        .filter(participation::Column::ActivityId.eq(activity_id))
        .exec(db)
        .await?;
    for row in rows.rows() {
        participation::ActiveModel {
            activity_id: Set(activity_id),
            mode: Set(row.mode),
            total: Set(row.total),
            female: Set(row.female),
            with_disability: Set(row.with_disability),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn write_organisers<C: ConnectionTrait>(
    db: &C,
    activity_id: Uuid,
    organisers: &[Uuid],
) -> Result<()> {
    activity_organiser::Entity::delete_many()
        .filter(activity_organiser::Column::ActivityId.eq(activity_id))
        .exec(db)
        .await?;
    for (position, id) in organisers.iter().enumerate() {
        activity_organiser::ActiveModel {
            activity_id: Set(activity_id),
            organisation_id: Set(*id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn create_activity(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewActivity,
    key: Option<&Idempotency>,
) -> Result<activity::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        if let Some(id) = idempotency::replay(&txn, actor, key).await? {
            return replayed::<activity::Entity, _>(&txn, actor, activity::Column::Id, id).await;
        }
        let report = editable_report(&txn, actor, "reportId", new.report_id).await?;
        let grant = grant_of(&txn, actor, report.grant_id).await?;
        check_dates_in_grant(&grant, new.dates)?;
        check_objective(&txn, actor, &grant, new.objective_id).await?;
        check_organisers(&txn, actor, &grant, &new.organiser_ids).await?;
        let now = Utc::now();
        let model = activity::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            objective_id: Set(new.objective_id),
            kind: Set(new.kind),
            title: Set(new.title.clone()),
            start_date: Set(new.dates.start()),
            end_date: Set(new.dates.end()),
            venue: Set(new.venue.clone()),
            location: Set(new.location.clone()),
            narrative: Set(new.narrative.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        write_participation(&txn, model.id, &new.participation).await?;
        write_organisers(&txn, model.id, &new.organiser_ids).await?;
        idempotency::remember(&txn, actor, key, model.id).await?;
        let after = activity_image(&txn, actor, &model).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "createActivity",
                "Activity",
                model.id,
                &grant,
                None,
                Some(after),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(model)
    })
    .await
}

/// An activity the actor may change: visible, in an editable report, at the given version.
/// What lives in a report: which report and grant a row belongs to, and its version.
trait ReportContent {
    fn report_id(&self) -> Uuid;
    fn grant_id(&self) -> Uuid;
    fn version(&self) -> i32;
}

macro_rules! report_content {
    ($($module:ident),+) => {
        $(impl ReportContent for $module::Model {
            fn report_id(&self) -> Uuid {
                self.report_id
            }
            fn grant_id(&self) -> Uuid {
                self.grant_id
            }
            fn version(&self) -> i32 {
                self.version
            }
        })+
    };
}

report_content!(activity, outcome, indicator_result, lesson, case_study);

/// A row of report content the actor may change: visible (locked), in a report the actor may
/// edit, at the version the caller based its change on. Returns it with its report and grant.
async fn content_for_edit<E, C>(
    db: &C,
    actor: &Actor,
    what: &'static str,
    column: E::Column,
    id: Uuid,
    version: i32,
) -> Result<(E::Model, report::Model, grant::Model)>
where
    E: scope::GrantOwned,
    E::Model: ReportContent,
    C: ConnectionTrait,
{
    let row = visible::<E, _>(db, actor, "id", what, column, id).await?;
    let report = editable_report(db, actor, "id", row.report_id()).await?;
    ensure_current_version(what, row.version(), version)?;
    let grant = grant_of(db, actor, row.grant_id()).await?;
    Ok((row, report, grant))
}

pub async fn update_activity(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: &ActivityChanges,
) -> Result<activity::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let (before, _report, grant) = content_for_edit::<activity::Entity, _>(
            &txn,
            actor,
            "activity",
            activity::Column::Id,
            changes.id,
            changes.version,
        )
        .await?;
        let before_image = activity_image(&txn, actor, &before).await?;
        let dates = DateRange::new(
            changes.start_date.unwrap_or(before.start_date),
            changes.end_date.unwrap_or(before.end_date),
            if changes.end_date.is_some() {
                "endDate"
            } else {
                "startDate"
            },
        )?;
        check_dates_in_grant(&grant, dates)?;
        if let Some(objective) = changes.objective_id {
            check_objective(&txn, actor, &grant, objective).await?;
        }
        if let Some(ids) = &changes.organiser_ids {
            check_organisers(&txn, actor, &grant, ids).await?;
        }
        bump_version::<activity::Entity, _>(
            &txn,
            activity::Column::Id,
            activity::Column::Version,
            before.id,
            changes.version,
            "activity",
        )
        .await?;
        let mut model: activity::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(objective) = changes.objective_id {
            model.objective_id = Set(objective);
        }
        if let Some(kind) = changes.kind {
            model.kind = Set(kind);
        }
        if let Some(title) = &changes.title {
            model.title = Set(title.clone());
        }
        model.start_date = Set(dates.start());
        model.end_date = Set(dates.end());
        if let Some(venue) = &changes.venue {
            model.venue = Set(venue.clone());
        }
        if let Some(location) = &changes.location {
            model.location = Set(location.clone());
        }
        if let Some(narrative) = &changes.narrative {
            model.narrative = Set(narrative.clone());
        }
        model.updated_at = Set(Utc::now());
        let after = model.update(&txn).await?;
        if let Some(rows) = &changes.participation {
            write_participation(&txn, after.id, rows).await?;
        }
        if let Some(ids) = &changes.organiser_ids {
            write_organisers(&txn, after.id, ids).await?;
        }
        let after_image = activity_image(&txn, actor, &after).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "updateActivity",
                "Activity",
                after.id,
                &grant,
                Some(before_image),
                Some(after_image),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    })
    .await
}

/// Deletes an activity with its participation, organisers and outcomes; lessons and case
/// studies that referred to it stay, no longer tied to an activity. Returns it as it was.
pub async fn delete_activity(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<activity::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let (before, _report, grant) = content_for_edit::<activity::Entity, _>(
            &txn,
            actor,
            "activity",
            activity::Column::Id,
            id,
            version,
        )
        .await?;
        let mut image = activity_image(&txn, actor, &before).await?;
        let outcomes = scoped::<outcome::Entity>(actor)
            .filter(outcome::Column::ActivityId.eq(id))
            .all(&txn)
            .await?;
        if let serde_json::Value::Object(map) = &mut image {
            map.insert("outcomes".into(), snapshot(&outcomes)?);
        }
        // Lessons and case studies about it stay in the report, no longer tied to an activity:
        // each is a change of its own, with a new version and an audit event.
        let lessons = scoped::<lesson::Entity>(actor)
            .filter(lesson::Column::ActivityId.eq(id))
            .lock_exclusive()
            .all(&txn)
            .await?;
        for before in lessons {
            let mut model: lesson::ActiveModel = before.clone().into();
            model.activity_id = Set(None);
            model.version = Set(before.version + 1);
            model.updated_at = Set(Utc::now());
            let after = model.update(&txn).await?;
            let change = record_change(
                "deleteActivity",
                "Lesson",
                after.id,
                &grant,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            );
            audit::record(&txn, actor, change).await?;
        }
        let case_studies = scoped::<case_study::Entity>(actor)
            .filter(case_study::Column::ActivityId.eq(id))
            .lock_exclusive()
            .all(&txn)
            .await?;
        for before in case_studies {
            let mut model: case_study::ActiveModel = before.clone().into();
            model.activity_id = Set(None);
            model.version = Set(before.version + 1);
            model.updated_at = Set(Utc::now());
            let after = model.update(&txn).await?;
            let change = record_change(
                "deleteActivity",
                "CaseStudy",
                after.id,
                &grant,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            );
            audit::record(&txn, actor, change).await?;
        }
        let deleted = activity::Entity::delete_many()
            .filter(activity::Column::Id.eq(id))
            .filter(activity::Column::Version.eq(version))
            .exec(&txn)
            .await?;
        if deleted.rows_affected != 1 {
            return Err(Error::conflict(
                "the activity was changed by someone else; reload and retry",
            ));
        }
        audit::record(
            &txn,
            actor,
            record_change("deleteActivity", "Activity", id, &grant, Some(image), None),
        )
        .await?;
        txn.commit().await?;
        Ok(before)
    })
    .await
}

// ---------------------------------------------------------------- outcomes

#[derive(Clone, Debug)]
pub struct OutcomeFields {
    pub kind: OutcomeKind,
    pub statement: String,
    pub actor: Option<String>,
    pub institution: Option<String>,
    pub evidence: Option<String>,
    pub date: Option<NaiveDate>,
}

#[derive(Clone, Debug)]
pub struct NewOutcome {
    pub activity_id: Uuid,
    pub fields: OutcomeFields,
}

#[derive(Clone, Debug, Default)]
pub struct OutcomeChanges {
    pub id: Uuid,
    pub version: i32,
    pub activity_id: Option<Uuid>,
    pub kind: Option<OutcomeKind>,
    pub statement: Option<String>,
    pub actor: Option<Option<String>>,
    pub institution: Option<Option<String>>,
    pub evidence: Option<Option<String>>,
    pub date: Option<Option<NaiveDate>>,
}

pub async fn record_outcome(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewOutcome,
    key: Option<&Idempotency>,
) -> Result<outcome::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        if let Some(id) = idempotency::replay(&txn, actor, key).await? {
            return replayed::<outcome::Entity, _>(&txn, actor, outcome::Column::Id, id).await;
        }
        let activity = visible::<activity::Entity, _>(
            &txn,
            actor,
            "activityId",
            "activity",
            activity::Column::Id,
            new.activity_id,
        )
        .await?;
        let report = editable_report(&txn, actor, "activityId", activity.report_id).await?;
        let grant = grant_of(&txn, actor, activity.grant_id).await?;
        let now = Utc::now();
        let f = &new.fields;
        let model = outcome::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            activity_id: Set(activity.id),
            kind: Set(f.kind),
            statement: Set(f.statement.clone()),
            actor: Set(f.actor.clone()),
            institution: Set(f.institution.clone()),
            evidence: Set(f.evidence.clone()),
            date: Set(f.date),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        idempotency::remember(&txn, actor, key, model.id).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "recordOutcome",
                "Outcome",
                model.id,
                &grant,
                None,
                Some(snapshot(&model)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(model)
    })
    .await
}

pub async fn update_outcome(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: &OutcomeChanges,
) -> Result<outcome::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let (before, report, grant) = content_for_edit::<outcome::Entity, _>(
            &txn,
            actor,
            "outcome",
            outcome::Column::Id,
            changes.id,
            changes.version,
        )
        .await?;
        let mut model: outcome::ActiveModel = before.clone().into();
        if let Some(activity_id) = changes.activity_id {
            // Moving an outcome to the activity it really came from: same grant, same report.
            let target = scoped::<activity::Entity>(actor)
                .filter(activity::Column::Id.eq(activity_id))
                .filter(activity::Column::GrantId.eq(grant.id))
                .filter(activity::Column::ReportId.eq(report.id))
                .lock_shared()
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    Error::bad_input(
                        "activityId",
                        format!("the outcome's report has no activity with the id {activity_id}"),
                    )
                })?;
            model.activity_id = Set(target.id);
        }
        bump_version::<outcome::Entity, _>(
            &txn,
            outcome::Column::Id,
            outcome::Column::Version,
            before.id,
            changes.version,
            "outcome",
        )
        .await?;
        model.version = NotSet;
        if let Some(kind) = changes.kind {
            model.kind = Set(kind);
        }
        if let Some(statement) = &changes.statement {
            model.statement = Set(statement.clone());
        }
        if let Some(v) = &changes.actor {
            model.actor = Set(v.clone());
        }
        if let Some(v) = &changes.institution {
            model.institution = Set(v.clone());
        }
        if let Some(v) = &changes.evidence {
            model.evidence = Set(v.clone());
        }
        if let Some(v) = changes.date {
            model.date = Set(v);
        }
        model.updated_at = Set(Utc::now());
        let after = model.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "updateOutcome",
                "Outcome",
                after.id,
                &grant,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    })
    .await
}

// ---------------------------------------------------------------- indicator results

#[derive(Clone, Debug)]
pub struct NewIndicatorResult {
    pub report_id: Uuid,
    pub indicator_id: Uuid,
    pub actual: String,
    pub narrative: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct IndicatorResultChanges {
    pub id: Uuid,
    pub version: i32,
    pub actual: Option<String>,
    pub narrative: Option<Option<String>>,
}

pub async fn record_indicator_result(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewIndicatorResult,
    key: Option<&Idempotency>,
) -> Result<indicator_result::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        if let Some(id) = idempotency::replay(&txn, actor, key).await? {
            return replayed::<indicator_result::Entity, _>(
                &txn,
                actor,
                indicator_result::Column::Id,
                id,
            )
            .await;
        }
        let report = editable_report(&txn, actor, "reportId", new.report_id).await?;
        let grant = grant_of(&txn, actor, report.grant_id).await?;
        let indicator = scoped::<indicator::Entity>(actor)
            .filter(indicator::Column::Id.eq(new.indicator_id))
            .filter(indicator::Column::GrantId.eq(grant.id))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                Error::bad_input(
                    "indicatorId",
                    format!(
                        "the report's grant has no indicator with the id {}",
                        new.indicator_id
                    ),
                )
            })?;
        let now = Utc::now();
        let model = indicator_result::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            indicator_id: Set(indicator.id),
            actual: Set(new.actual.clone()),
            narrative: Set(new.narrative.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            super::portfolio::unique_as(
                e,
                "indicatorId",
                "the report already records a result for this indicator; update it instead",
            )
        })?;
        idempotency::remember(&txn, actor, key, model.id).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "recordIndicatorResult",
                "IndicatorResult",
                model.id,
                &grant,
                None,
                Some(snapshot(&model)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(model)
    })
    .await
}

pub async fn update_indicator_result(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: &IndicatorResultChanges,
) -> Result<indicator_result::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let (before, _report, grant) = content_for_edit::<indicator_result::Entity, _>(
            &txn,
            actor,
            "indicator result",
            indicator_result::Column::Id,
            changes.id,
            changes.version,
        )
        .await?;
        bump_version::<indicator_result::Entity, _>(
            &txn,
            indicator_result::Column::Id,
            indicator_result::Column::Version,
            before.id,
            changes.version,
            "indicator result",
        )
        .await?;
        let mut model: indicator_result::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(actual) = &changes.actual {
            model.actual = Set(actual.clone());
        }
        if let Some(narrative) = &changes.narrative {
            model.narrative = Set(narrative.clone());
        }
        model.updated_at = Set(Utc::now());
        let after = model.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "updateIndicatorResult",
                "IndicatorResult",
                after.id,
                &grant,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    })
    .await
}

// ---------------------------------------------------------------- lessons and case studies

#[derive(Clone, Debug)]
pub struct NewLesson {
    pub report_id: Uuid,
    pub kind: LessonKind,
    pub text: String,
    pub activity_id: Option<Uuid>,
}

#[derive(Clone, Debug, Default)]
pub struct LessonChanges {
    pub id: Uuid,
    pub version: i32,
    pub kind: Option<LessonKind>,
    pub text: Option<String>,
    pub activity_id: Option<Option<Uuid>>,
}

#[derive(Clone, Debug)]
pub struct NewCaseStudy {
    pub report_id: Uuid,
    pub title: String,
    pub narrative: String,
    pub activity_id: Option<Uuid>,
}

#[derive(Clone, Debug, Default)]
pub struct CaseStudyChanges {
    pub id: Uuid,
    pub version: i32,
    pub title: Option<String>,
    pub narrative: Option<String>,
    pub activity_id: Option<Option<Uuid>>,
}

/// The activity a lesson or case study is about must be in the same report.
async fn check_activity_in_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    report: &report::Model,
    id: Option<Uuid>,
) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    // Shared lock: a concurrent deleteActivity waits for this write, or this one sees it gone.
    let found = scoped::<activity::Entity>(actor)
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::ReportId.eq(report.id))
        .lock_shared()
        .one(db)
        .await?;
    if found.is_none() {
        return Err(Error::bad_input(
            "activityId",
            format!("the report has no activity with the id {id}"),
        ));
    }
    Ok(())
}

async fn next_position<E, C>(
    db: &C,
    actor: &Actor,
    report_column: E::Column,
    report_id: Uuid,
) -> Result<i32>
where
    E: scope::GrantOwned,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let count = scoped::<E>(actor)
        .filter(report_column.eq(report_id))
        .count(db)
        .await?;
    Ok(i32::try_from(count).unwrap_or(i32::MAX))
}

pub async fn add_lesson(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewLesson,
    key: Option<&Idempotency>,
) -> Result<lesson::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        if let Some(id) = idempotency::replay(&txn, actor, key).await? {
            return replayed::<lesson::Entity, _>(&txn, actor, lesson::Column::Id, id).await;
        }
        let report = editable_report(&txn, actor, "reportId", new.report_id).await?;
        let grant = grant_of(&txn, actor, report.grant_id).await?;
        check_activity_in_report(&txn, actor, &report, new.activity_id).await?;
        let now = Utc::now();
        let model = lesson::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            activity_id: Set(new.activity_id),
            kind: Set(new.kind),
            text: Set(new.text.clone()),
            position: Set(next_position::<lesson::Entity, _>(
                &txn,
                actor,
                lesson::Column::ReportId,
                report.id,
            )
            .await?),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        idempotency::remember(&txn, actor, key, model.id).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "addLesson",
                "Lesson",
                model.id,
                &grant,
                None,
                Some(snapshot(&model)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(model)
    })
    .await
}

pub async fn update_lesson(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: &LessonChanges,
) -> Result<lesson::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let (before, report, grant) = content_for_edit::<lesson::Entity, _>(
            &txn,
            actor,
            "lesson",
            lesson::Column::Id,
            changes.id,
            changes.version,
        )
        .await?;
        if let Some(activity) = changes.activity_id {
            check_activity_in_report(&txn, actor, &report, activity).await?;
        }
        bump_version::<lesson::Entity, _>(
            &txn,
            lesson::Column::Id,
            lesson::Column::Version,
            before.id,
            changes.version,
            "lesson",
        )
        .await?;
        let mut model: lesson::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(kind) = changes.kind {
            model.kind = Set(kind);
        }
        if let Some(text) = &changes.text {
            model.text = Set(text.clone());
        }
        if let Some(activity) = changes.activity_id {
            model.activity_id = Set(activity);
        }
        model.updated_at = Set(Utc::now());
        let after = model.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "updateLesson",
                "Lesson",
                after.id,
                &grant,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    })
    .await
}

pub async fn add_case_study(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewCaseStudy,
    key: Option<&Idempotency>,
) -> Result<case_study::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        if let Some(id) = idempotency::replay(&txn, actor, key).await? {
            return replayed::<case_study::Entity, _>(&txn, actor, case_study::Column::Id, id)
                .await;
        }
        let report = editable_report(&txn, actor, "reportId", new.report_id).await?;
        let grant = grant_of(&txn, actor, report.grant_id).await?;
        check_activity_in_report(&txn, actor, &report, new.activity_id).await?;
        let now = Utc::now();
        let model = case_study::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            activity_id: Set(new.activity_id),
            title: Set(new.title.clone()),
            narrative: Set(new.narrative.clone()),
            position: Set(next_position::<case_study::Entity, _>(
                &txn,
                actor,
                case_study::Column::ReportId,
                report.id,
            )
            .await?),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        idempotency::remember(&txn, actor, key, model.id).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "addCaseStudy",
                "CaseStudy",
                model.id,
                &grant,
                None,
                Some(snapshot(&model)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(model)
    })
    .await
}

pub async fn update_case_study(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: &CaseStudyChanges,
) -> Result<case_study::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let (before, report, grant) = content_for_edit::<case_study::Entity, _>(
            &txn,
            actor,
            "case study",
            case_study::Column::Id,
            changes.id,
            changes.version,
        )
        .await?;
        if let Some(activity) = changes.activity_id {
            check_activity_in_report(&txn, actor, &report, activity).await?;
        }
        bump_version::<case_study::Entity, _>(
            &txn,
            case_study::Column::Id,
            case_study::Column::Version,
            before.id,
            changes.version,
            "case study",
        )
        .await?;
        let mut model: case_study::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(title) = &changes.title {
            model.title = Set(title.clone());
        }
        if let Some(narrative) = &changes.narrative {
            model.narrative = Set(narrative.clone());
        }
        if let Some(activity) = changes.activity_id {
            model.activity_id = Set(activity);
        }
        model.updated_at = Set(Utc::now());
        let after = model.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            record_change(
                "updateCaseStudy",
                "CaseStudy",
                after.id,
                &grant,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    })
    .await
}

// ---------------------------------------------------------------- deleting report content

/// What can be removed from a report, besides activities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removable {
    Outcome,
    IndicatorResult,
    Lesson,
    CaseStudy,
}

/// A deleted row, as it was.
#[derive(Clone, Debug)]
pub enum Removed {
    Outcome(outcome::Model),
    IndicatorResult(indicator_result::Model),
    Lesson(lesson::Model),
    CaseStudy(case_study::Model),
}

/// Deletes one outcome, indicator result, lesson or case study at the version the caller saw.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &Actor,
    what: Removable,
    id: Uuid,
    version: i32,
) -> Result<Removed> {
    /// Checks, then deletes one row of report content at `version`.
    macro_rules! delete {
        ($module:ident, $what:literal, $entity:literal, $action:literal, $variant:ident, $txn:expr) => {{
            let (row, _report, grant) = content_for_edit::<$module::Entity, _>(
                $txn,
                actor,
                $what,
                $module::Column::Id,
                id,
                version,
            )
            .await?;
            let affected = $module::Entity::delete_many()
                .filter($module::Column::Id.eq(id))
                .filter($module::Column::Version.eq(version))
                .exec($txn)
                .await?
                .rows_affected;
            let change = record_change($action, $entity, id, &grant, Some(snapshot(&row)?), None);
            (Removed::$variant(row), affected, change)
        }};
    }
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_write(actor)?;
        let (removed, affected, change) = match what {
            Removable::Outcome => delete!(
                outcome,
                "outcome",
                "Outcome",
                "deleteOutcome",
                Outcome,
                &txn
            ),
            Removable::IndicatorResult => delete!(
                indicator_result,
                "indicator result",
                "IndicatorResult",
                "deleteIndicatorResult",
                IndicatorResult,
                &txn
            ),
            Removable::Lesson => delete!(lesson, "lesson", "Lesson", "deleteLesson", Lesson, &txn),
            Removable::CaseStudy => {
                delete!(
                    case_study,
                    "case study",
                    "CaseStudy",
                    "deleteCaseStudy",
                    CaseStudy,
                    &txn
                )
            }
        };
        if affected != 1 {
            return Err(Error::conflict(
                "it was changed by someone else; reload and retry",
            ));
        }
        audit::record(&txn, actor, change).await?;
        txn.commit().await?;
        Ok(removed)
    })
    .await
}
