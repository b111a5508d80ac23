//! What a grantee reports in a report: activities with their participation and co-organisers
//! (`activity`), the outcomes they led to (`outcome`), indicator results (`indicator_result`),
//! lessons (`lesson`) and case studies (`case_study`). This module reads activities and holds
//! what every change of report content shares: the row, its report (editable by the actor)
//! and its grant, read and locked inside the write; and deleting at a version.

pub mod activity;
pub mod case_study;
pub mod indicator_result;
pub mod joint;
pub mod lesson;
pub mod outcome;
pub mod participation;

use std::collections::HashMap;
use std::marker::PhantomData;

use chrono::{NaiveDate, Utc};
use entity::enums::ActivityKind;
use entity::{activity as activities, grant, report};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::actor::Actor;
use super::idempotency::created_object_gone;
use super::page::{self, Page, PageRequest, Sort, SortKey};
use super::policy::ensure_can_write;
use super::portfolio::{grant_of, not_found_at};
use super::report::editable_report;
use super::scope::{self, GrantOwned, scoped};
use super::values::{DateRange, caps};
use super::write::{Audited, Change, Owner, Tx, Versioned, Write, ensure_current_version};
use crate::error::{Error, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActivityFilter {
    pub grant_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub objective_id: Option<Uuid>,
    pub report_id: Option<Uuid>,
    pub kind: Option<ActivityKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl ActivityFilter {
    pub fn check(&self, field: &str) -> Result<()> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            DateRange::new(from, to, &format!("{field}.to"))?;
        }
        Ok(())
    }

    pub fn condition(&self, actor: &Actor) -> Condition {
        let mut c = Condition::all();
        if let Some(id) = self.grant_id {
            c = c.add(activities::Column::GrantId.eq(id));
        }
        if let Some(id) = self.grantee_id {
            let of_grantee = scope::grant_ids_where(
                actor,
                Condition::all().add(entity::grant::Column::GranteeId.eq(id)),
            );
            c = c.add(activities::Column::GrantId.in_subquery(of_grantee));
        }
        if let Some(id) = self.objective_id {
            c = c.add(activities::Column::ObjectiveId.eq(id));
        }
        if let Some(id) = self.report_id {
            c = c.add(activities::Column::ReportId.eq(id));
        }
        if let Some(kind) = self.kind {
            c = c.add(activities::Column::Kind.eq(kind));
        }
        // Overlap: the activity ends on or after `from` and starts on or before `to`.
        if let Some(from) = self.from {
            c = c.add(activities::Column::EndDate.gte(from));
        }
        if let Some(to) = self.to {
            c = c.add(activities::Column::StartDate.lte(to));
        }
        c
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ActivitySortField {
    #[default]
    StartDate,
    EndDate,
    Title,
}

pub fn activity_sort(field: ActivitySortField, descending: bool) -> Sort<activities::Entity> {
    let (name, column, key): (_, _, fn(&activities::Model) -> SortKey) = match field {
        ActivitySortField::StartDate => ("startDate", activities::Column::StartDate, |a| {
            SortKey::Date(a.start_date)
        }),
        ActivitySortField::EndDate => ("endDate", activities::Column::EndDate, |a| {
            SortKey::Date(a.end_date)
        }),
        ActivitySortField::Title => ("title", activities::Column::Title, |a| {
            SortKey::Text(a.title.clone())
        }),
    };
    Sort {
        name,
        column,
        id: activities::Column::Id,
        descending,
        key,
        id_of: |a| a.id,
    }
}

pub async fn activities(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &ActivityFilter,
    sort: Sort<activities::Entity>,
    page: &PageRequest,
    ahead: impl AsyncFnOnce(&[activities::Model]) -> Result<()>,
) -> Result<Page<activities::Model>> {
    filter.check("filter")?;
    let select = scoped::<activities::Entity>(actor).filter(filter.condition(actor));
    page::fetch_reading_ahead(db, select, sort, page, ahead).await
}

/// A page of activities for each of many grants, in a fixed number of statements.
pub async fn activities_per_grant(
    db: &DatabaseConnection,
    actor: &Actor,
    grants: &[Uuid],
    filter: &ActivityFilter,
    sort: Sort<activities::Entity>,
    page: &PageRequest,
) -> Result<HashMap<Uuid, Page<activities::Model>>> {
    filter.check("filter")?;
    let select = scoped::<activities::Entity>(actor).filter(filter.condition(actor));
    page::fetch_per_parent(
        db,
        select,
        activities::Column::GrantId,
        |a| a.grant_id,
        grants,
        sort,
        page,
    )
    .await
}

/// A table of report content: each row belongs to one report of one grant and carries a version.
pub trait Content: GrantOwned + Versioned + Audited
where
    Self::Model: Serialize + Send + Sync,
{
    const DELETE_ACTION: &'static str;
    fn report_id(model: &Self::Model) -> Uuid;
    fn grant_id(model: &Self::Model) -> Uuid;
    fn version(model: &Self::Model) -> i32;
}

macro_rules! content {
    ($($module:ident => $delete:literal);+ $(;)?) => {
        $(impl Content for entity::$module::Entity {
            const DELETE_ACTION: &'static str = $delete;
            fn report_id(model: &Self::Model) -> Uuid {
                model.report_id
            }
            fn grant_id(model: &Self::Model) -> Uuid {
                model.grant_id
            }
            fn version(model: &Self::Model) -> i32 {
                model.version
            }
        })+
    };
}

content!(
    activity => "deleteActivity";
    outcome => "deleteOutcome";
    indicator_result => "deleteIndicatorResult";
    lesson => "deleteLesson";
    case_study => "deleteCaseStudy";
);

/// A row of report content the actor may change: visible (and locked until the write commits),
/// in a report the actor may edit, at the version the caller based its change on. Returns it
/// with its report and grant.
pub(crate) async fn content_for_edit<E>(
    tx: &Tx<'_>,
    id: Uuid,
    version: i32,
) -> Result<(E::Model, report::Model, grant::Model)>
where
    E: Content,
    E::Model: Serialize + Send + Sync,
{
    let (db, actor) = (tx.db(), tx.actor());
    let row = locked::<E, _>(db, actor, "id", id).await?;
    let report = editable_report(db, actor, "id", E::report_id(&row)).await?;
    ensure_current_version(E::WHAT, E::version(&row), version)?;
    let grant = grant_of(db, actor, E::grant_id(&row)).await?;
    Ok((row, report, grant))
}

/// A grant-owned row by id that the actor may see, locked until the write commits
/// (PostgreSQL), or `NOT_FOUND` naming `field`.
pub(crate) async fn locked<E, C>(db: &C, actor: &Actor, field: &str, id: Uuid) -> Result<E::Model>
where
    E: GrantOwned + Versioned,
    C: ConnectionTrait,
{
    scoped::<E>(actor)
        .filter(E::id_column().eq(id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| not_found_at(field, E::WHAT, id))
}

/// What an earlier request with the same idempotency key created.
pub(crate) async fn replayed<E>(tx: &Tx<'_>, id: Uuid) -> Result<E::Model>
where
    E: GrantOwned + Versioned,
{
    scoped::<E>(tx.actor())
        .filter(E::id_column().eq(id))
        .one(tx.db())
        .await?
        .ok_or_else(created_object_gone)
}

/// The activity a lesson or case study is about must be in the same report.
pub(crate) async fn check_activity_in_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    report: &report::Model,
    id: Option<Uuid>,
) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    // Shared lock: a concurrent deleteActivity waits for this write, or this one sees it gone.
    let found = scoped::<activities::Entity>(actor)
        .filter(activities::Column::Id.eq(id))
        .filter(activities::Column::ReportId.eq(report.id))
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

/// Report content that may be about one of the report's activities: lessons, case studies.
pub trait AboutActivity: Content
where
    Self::Model: Serialize + Send + Sync,
{
    /// How many a report may hold, and what they are called.
    const CAP: u64;
    const PLURAL: &'static str;
    fn activity_column() -> Self::Column;
    fn report_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
}

macro_rules! about_activity {
    ($($module:ident => $cap:expr, $plural:literal);+ $(;)?) => {
        $(impl AboutActivity for entity::$module::Entity {
            const CAP: u64 = $cap;
            const PLURAL: &'static str = $plural;
            fn activity_column() -> Self::Column {
                entity::$module::Column::ActivityId
            }
            fn report_column() -> Self::Column {
                entity::$module::Column::ReportId
            }
            fn updated_at_column() -> Self::Column {
                entity::$module::Column::UpdatedAt
            }
        })+
    };
}

about_activity!(
    lesson => caps::LESSONS_PER_REPORT, "lessons";
    case_study => caps::CASE_STUDIES_PER_REPORT, "case studies";
);

/// Where a new lesson or case study goes: into a report the actor may edit, about one of that
/// report's activities if any, after those already there. Returns the report, its grant and
/// the position.
pub(crate) async fn placement<E>(
    tx: &Tx<'_>,
    report_id: Uuid,
    activity_id: Option<Uuid>,
) -> Result<(report::Model, grant::Model, i32)>
where
    E: AboutActivity,
    E::Model: Serialize + Send + Sync,
{
    let (db, actor) = (tx.db(), tx.actor());
    let report = editable_report(db, actor, "reportId", report_id).await?;
    let grant = grant_of(db, actor, report.grant_id).await?;
    check_activity_in_report(db, actor, &report, activity_id).await?;
    let count = scoped::<E>(actor)
        .filter(E::report_column().eq(report.id))
        .count(db)
        .await?;
    if count >= E::CAP {
        return Err(Error::bad_input(
            "reportId",
            format!(
                "the report already holds {count} {}, the most it may hold ({})",
                E::PLURAL,
                E::CAP
            ),
        ));
    }
    Ok((report, grant, i32::try_from(count).unwrap_or(i32::MAX)))
}

/// Unties every lesson or case study about an activity that is being deleted. They stay in the
/// report; each untying is a change of its own, with a new version and an audit event.
pub(crate) async fn untie_from_activity<E>(
    tx: &Tx<'_>,
    action: &'static str,
    activity_id: Uuid,
    owner: Owner,
) -> Result<()>
where
    E: AboutActivity,
    E::Model: Serialize + Send + Sync,
{
    let (db, actor) = (tx.db(), tx.actor());
    let rows = scoped::<E>(actor)
        .filter(E::activity_column().eq(activity_id))
        .lock_exclusive()
        .all(db)
        .await?;
    for old in rows {
        let id = E::id(&old);
        tx.bump_version::<E>(id, E::version(&old)).await?;
        E::update_many()
            .col_expr(E::activity_column(), Expr::value(Option::<Uuid>::None))
            .col_expr(E::updated_at_column(), Expr::value(Utc::now()))
            .filter(E::id_column().eq(id))
            .exec(db)
            .await?;
        let new = locked::<E, _>(db, actor, "activityId", id).await?;
        tx.audit(Change::updated(action, E::NAME, id, owner, &old, &new)?)
            .await?;
    }
    Ok(())
}

/// `deleteOutcome`, `deleteIndicatorResult`, `deleteLesson`, `deleteCaseStudy`: one row of report
/// content, at the version the caller saw. Returns it as it was.
#[derive(Clone, Debug)]
pub struct Delete<E> {
    pub id: Uuid,
    pub version: i32,
    entity: PhantomData<fn() -> E>,
}

impl<E> Delete<E> {
    pub fn new(id: Uuid, version: i32) -> Self {
        Self {
            id,
            version,
            entity: PhantomData,
        }
    }
}

impl<E> Write for Delete<E>
where
    E: Content,
    E::Model: Serialize + Send + Sync,
{
    const ACTION: &'static str = E::DELETE_ACTION;
    type Checked = (Uuid, i32);
    type Output = E::Model;

    fn check(&self) -> Result<(Uuid, i32)> {
        Ok((self.id, self.version))
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(&(id, version): &(Uuid, i32), tx: &Tx<'_>) -> Result<E::Model> {
        let (row, _report, grant) = content_for_edit::<E>(tx, id, version).await?;
        tx.delete_at_version::<E>(id, version).await?;
        tx.audit(Change::deleted(
            Self::ACTION,
            E::NAME,
            id,
            Owner::grant(&grant),
            &row,
        )?)
        .await?;
        Ok(row)
    }
}
