//! Reports and what a grantee reports in them: activities with their participation and
//! co-organisers, outcomes, indicator results, lessons and case studies.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::enums::{ActivityKind, ReportKind, ReportStatus};
use entity::{activity, report};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, QueryFilter};
use uuid::Uuid;

use super::actor::Actor;
use super::audit::{self, Change, snapshot};
use super::idempotency::{self, Idempotency};
use super::page::{self, Page, PageRequest, Sort, SortKey};
use super::policy::ensure_can_create_report;
use super::portfolio::grant_for_write;
use super::scope::{self, scoped};
use super::tx::retrying;
use super::values::DateRange;
use crate::error::{Error, Result};

// ---------------------------------------------------------------- reading reports

#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub grant_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub status: Option<ReportStatus>,
    pub kind: Option<ReportKind>,
    pub due_before: Option<NaiveDate>,
}

impl ReportFilter {
    fn condition(&self, actor: &Actor) -> Condition {
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

// ---------------------------------------------------------------- reading activities

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
            c = c.add(activity::Column::GrantId.eq(id));
        }
        if let Some(id) = self.grantee_id {
            let of_grantee = scope::grant_ids_where(
                actor,
                Condition::all().add(entity::grant::Column::GranteeId.eq(id)),
            );
            c = c.add(activity::Column::GrantId.in_subquery(of_grantee));
        }
        if let Some(id) = self.objective_id {
            c = c.add(activity::Column::ObjectiveId.eq(id));
        }
        if let Some(id) = self.report_id {
            c = c.add(activity::Column::ReportId.eq(id));
        }
        if let Some(kind) = self.kind {
            c = c.add(activity::Column::Kind.eq(kind));
        }
        // Overlap: the activity ends on or after `from` and starts on or before `to`.
        if let Some(from) = self.from {
            c = c.add(activity::Column::EndDate.gte(from));
        }
        if let Some(to) = self.to {
            c = c.add(activity::Column::StartDate.lte(to));
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

pub fn activity_sort(field: ActivitySortField, descending: bool) -> Sort<activity::Entity> {
    let (name, column, key): (_, _, fn(&activity::Model) -> SortKey) = match field {
        ActivitySortField::StartDate => ("startDate", activity::Column::StartDate, |a| {
            SortKey::Date(a.start_date)
        }),
        ActivitySortField::EndDate => ("endDate", activity::Column::EndDate, |a| {
            SortKey::Date(a.end_date)
        }),
        ActivitySortField::Title => ("title", activity::Column::Title, |a| {
            SortKey::Text(a.title.clone())
        }),
    };
    Sort {
        name,
        column,
        id: activity::Column::Id,
        descending,
        key,
        id_of: |a| a.id,
    }
}

pub async fn activities(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &ActivityFilter,
    sort: Sort<activity::Entity>,
    page: &PageRequest,
) -> Result<Page<activity::Model>> {
    filter.check("filter")?;
    let select = scoped::<activity::Entity>(actor).filter(filter.condition(actor));
    page::fetch(db, select, sort, page).await
}

/// A page of activities for each of many grants, in a fixed number of statements.
pub async fn activities_per_grant(
    db: &DatabaseConnection,
    actor: &Actor,
    grants: &[Uuid],
    filter: &ActivityFilter,
    sort: Sort<activity::Entity>,
    page: &PageRequest,
) -> Result<HashMap<Uuid, Page<activity::Model>>> {
    filter.check("filter")?;
    let select = scoped::<activity::Entity>(actor).filter(filter.condition(actor));
    page::fetch_per_parent(
        db,
        select,
        activity::Column::GrantId,
        |a| a.grant_id,
        grants,
        sort,
        page,
    )
    .await
}

// ---------------------------------------------------------------- creating reports

#[derive(Clone, Debug)]
pub struct NewReport {
    pub grant_id: Uuid,
    pub kind: ReportKind,
    pub period: DateRange,
    pub due_date: NaiveDate,
    pub prepared_by_name: String,
    pub prepared_by_role: Option<String>,
}

pub async fn create_report(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewReport,
    key: Option<&Idempotency>,
) -> Result<report::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_create_report(actor)?;
        if let Some(id) = idempotency::replay(&txn, actor, key).await? {
            return scope::find_visible::<report::Entity, _>(&txn, actor, report::Column::Id, id)
                .await?
                .ok_or_else(|| {
                    Error::conflict(
                        "what this idempotency key created has since been deleted; send a new key to create it again",
                    )
                });
        }
        let grant = grant_for_write(&txn, actor, "grantId", new.grant_id).await?;
        super::filing::check_period_in_grant(&grant, new.period)?;
        let now = Utc::now();
        let model = report::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            kind: Set(new.kind),
            period_start: Set(new.period.start()),
            period_end: Set(new.period.end()),
            due_date: Set(new.due_date),
            prepared_by_name: Set(new.prepared_by_name.clone()),
            prepared_by_role: Set(new.prepared_by_role.clone()),
            submitted_at: Set(None),
            status: Set(ReportStatus::Draft),
            return_reason: Set(None),
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
            Change {
                action: "createReport",
                entity: "Report",
                entity_id: model.id,
                owner_org_id: Some(grant.grantee_id),
                grant_id: Some(grant.id),
                before: None,
                after: Some(snapshot(&model)?),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(model)
    })
    .await
}
