//! A grant's reports: reading them, and (beside this file) opening and editing them (`edit`) and
//! their workflow DRAFT → SUBMITTED → ACCEPTED, or SUBMITTED → RETURNED → SUBMITTED
//! (`workflow`).

pub mod correction;
pub mod edit;
pub mod warnings;
pub mod workflow;

use chrono::NaiveDate;
use entity::enums::{ReportKind, ReportStatus};
use entity::report;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::actor::Actor;
use super::page::{self, Page, PageRequest, Sort, SortKey};
use super::policy::ensure_can_edit_report;
use super::portfolio::not_found_at;
use super::scope::{self, scoped};
use crate::error::Result;

#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub grant_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub status: Option<ReportStatus>,
    pub kind: Option<ReportKind>,
    pub due_before: Option<NaiveDate>,
}

impl ReportFilter {
    pub fn condition(&self, actor: &Actor) -> Condition {
        let mut c = Condition::all();
        if let Some(id) = self.grant_id {
            c = c.add(report::Column::GrantId.eq(id));
        }
        if let Some(id) = self.grantee_id {
            let of_grantee = scope::grant_ids_where(
                actor,
                Condition::all().add(entity::grant::Column::GranteeId.eq(id)),
            );
            c = c.add(report::Column::GrantId.in_subquery(of_grantee));
        }
        if let Some(status) = self.status {
            c = c.add(report::Column::Status.eq(status));
        }
        if let Some(kind) = self.kind {
            c = c.add(report::Column::Kind.eq(kind));
        }
        if let Some(day) = self.due_before {
            c = c.add(report::Column::DueDate.lt(day));
        }
        c
    }
}

fn report_sort() -> Sort<report::Entity> {
    Sort {
        name: "dueDate",
        column: report::Column::DueDate,
        id: report::Column::Id,
        descending: false,
        key: |r| SortKey::Date(r.due_date),
        id_of: |r| r.id,
    }
}

pub async fn reports(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &ReportFilter,
    page: &PageRequest,
) -> Result<Page<report::Model>> {
    let select = scoped::<report::Entity>(actor).filter(filter.condition(actor));
    page::fetch(db, select, report_sort(), page).await
}

pub async fn report(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<report::Model>> {
    Ok(scope::find_visible::<report::Entity, _>(db, actor, report::Column::Id, id).await?)
}

/// Reads a report the actor may see inside a write, locked against a concurrent change of its
/// state (PostgreSQL: FOR SHARE for content edits, FOR UPDATE for changes of the report itself).
pub(crate) async fn report_in<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    field: &str,
    id: Uuid,
    lock: Lock,
) -> Result<report::Model> {
    let select = scoped::<report::Entity>(actor).filter(report::Column::Id.eq(id));
    let select = match lock {
        Lock::Exclusive => select.lock_exclusive(),
        Lock::Shared => select.lock_shared(),
    };
    select
        .one(db)
        .await?
        .ok_or_else(|| not_found_at(field, "report", id))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lock {
    /// The report itself changes.
    Exclusive,
    /// Something in the report changes; its state must hold until the write commits.
    Shared,
}

/// The report a change of its content goes into, checked editable by the actor.
pub(crate) async fn editable_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    field: &str,
    id: Uuid,
) -> Result<report::Model> {
    let report = report_in(db, actor, field, id, Lock::Shared).await?;
    ensure_can_edit_report(actor, &report)?;
    Ok(report)
}
