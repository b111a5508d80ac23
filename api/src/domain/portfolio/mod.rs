//! The portfolio: organisations, schemes, grants with their funding tranches, objectives and
//! indicators. This module reads them; the writes live beside it, one file per part
//! (`organisations`, `grants`, `objectives`).

pub mod grants;
pub mod objectives;
pub mod organisations;

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::{GrantStatus, OrganisationKind};
use entity::{grant, organisation, scheme};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::actor::Actor;
use super::page::{self, Page, PageRequest, Sort, SortKey};
use super::scope::{self, scoped};
use super::values::DateRange;
use crate::error::{Error, Result};

pub async fn organisations(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: Option<OrganisationKind>,
) -> Result<Vec<organisation::Model>> {
    let mut select = scope::organisations(actor);
    if let Some(kind) = kind {
        select = select.filter(organisation::Column::Kind.eq(kind));
    }
    Ok(select
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?)
}

pub async fn schemes(db: &DatabaseConnection, actor: &Actor) -> Result<Vec<scheme::Model>> {
    Ok(scope::schemes(actor)
        .order_by_asc(scheme::Column::Name)
        .all(db)
        .await?)
}

pub(crate) async fn expect_organisation<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    field: &str,
    id: Uuid,
    kind: OrganisationKind,
) -> Result<organisation::Model> {
    let org = scope::organisations(actor)
        .filter(organisation::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| Error::bad_input(field, format!("no organisation has the id {id}")))?;
    if org.kind != kind {
        return Err(Error::bad_input(
            field,
            format!(
                "{} is a {}, not a {}",
                org.name,
                org.kind.as_str(),
                kind.as_str()
            ),
        ));
    }
    Ok(org)
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GrantFilter {
    pub scheme_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub status: Option<GrantStatus>,
    pub active_from: Option<NaiveDate>,
    pub active_to: Option<NaiveDate>,
}

impl GrantFilter {
    /// Checks the filter's own consistency; `field` is the argument's name, e.g. `filter`.
    pub fn check(&self, field: &str) -> Result<()> {
        if let (Some(from), Some(to)) = (self.active_from, self.active_to) {
            DateRange::new(from, to, &format!("{field}.activeTo"))?;
        }
        Ok(())
    }

    pub fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(id) = self.scheme_id {
            c = c.add(grant::Column::SchemeId.eq(id));
        }
        if let Some(id) = self.grantee_id {
            c = c.add(grant::Column::GranteeId.eq(id));
        }
        if let Some(status) = self.status {
            c = c.add(grant::Column::Status.eq(status));
        }
        // Overlap with [from, to]: the grant ends on or after `from` and starts on or before `to`.
        if let Some(from) = self.active_from {
            c = c.add(grant::Column::EndDate.gte(from));
        }
        if let Some(to) = self.active_to {
            c = c.add(grant::Column::StartDate.lte(to));
        }
        c
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GrantSortField {
    #[default]
    Reference,
    Title,
    StartDate,
    EndDate,
    TotalFunding,
}

pub fn grant_sort(field: GrantSortField, descending: bool) -> Sort<grant::Entity> {
    let (name, column, key): (_, _, fn(&grant::Model) -> SortKey) = match field {
        GrantSortField::Reference => ("reference", grant::Column::Reference, |g| {
            SortKey::Text(g.reference.clone())
        }),
        GrantSortField::Title => ("title", grant::Column::Title, |g| {
            SortKey::Text(g.title.clone())
        }),
        GrantSortField::StartDate => ("startDate", grant::Column::StartDate, |g| {
            SortKey::Date(g.start_date)
        }),
        GrantSortField::EndDate => ("endDate", grant::Column::EndDate, |g| {
            SortKey::Date(g.end_date)
        }),
        GrantSortField::TotalFunding => ("totalFunding", grant::Column::TotalFundingMinor, |g| {
            SortKey::Int(g.total_funding_minor)
        }),
    };
    Sort {
        name,
        column,
        id: grant::Column::Id,
        descending,
        key,
        id_of: |g| g.id,
    }
}

pub async fn grants(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &GrantFilter,
    sort: Sort<grant::Entity>,
    page: &PageRequest,
    ahead: impl AsyncFnOnce(&[grant::Model]) -> Result<()>,
) -> Result<Page<grant::Model>> {
    filter.check("filter")?;
    let select = scoped::<grant::Entity>(actor).filter(filter.condition());
    page::fetch_reading_ahead(db, select, sort, page, ahead).await
}

/// Which relation a nested list of grants hangs from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GrantParent {
    Scheme,
    Grantee,
}

/// A page of grants for each of many schemes or grantees, in a fixed number of statements.
pub async fn grants_per_parent(
    db: &DatabaseConnection,
    actor: &Actor,
    by: GrantParent,
    parents: &[Uuid],
    filter: &GrantFilter,
    sort: Sort<grant::Entity>,
    page: &PageRequest,
) -> Result<HashMap<Uuid, Page<grant::Model>>> {
    filter.check("filter")?;
    let select = scoped::<grant::Entity>(actor).filter(filter.condition());
    let (column, parent_of): (_, fn(&grant::Model) -> Uuid) = match by {
        GrantParent::Scheme => (grant::Column::SchemeId, |g| g.scheme_id),
        GrantParent::Grantee => (grant::Column::GranteeId, |g| g.grantee_id),
    };
    page::fetch_per_parent(db, select, column, parent_of, parents, sort, page).await
}

pub async fn grant(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<grant::Model>> {
    Ok(scope::find_visible::<grant::Entity, _>(db, actor, grant::Column::Id, id).await?)
}

/// Reads a grant the actor may see, inside a write's transaction, locking it against
/// concurrent changes of what is checked against it (PostgreSQL; SQLite serialises writers).
pub(crate) async fn grant_for_write<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    field: &str,
    id: Uuid,
) -> Result<grant::Model> {
    scoped::<grant::Entity>(actor)
        .filter(grant::Column::Id.eq(id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| not_found_at(field, "grant", id))
}

/// A referenced object the caller cannot see: `NOT_FOUND`, exactly as if it did not exist,
/// naming the input field that referred to it.
pub(crate) fn not_found_at(field: &str, what: &str, id: Uuid) -> Error {
    Error::NotFoundAt {
        field: field.to_owned(),
        message: format!("no {what} has the id {id}"),
    }
}

/// A grant's funding period, which every date under it must lie inside.
pub(crate) fn grant_period(grant: &grant::Model) -> Result<DateRange> {
    DateRange::new(grant.start_date, grant.end_date, "endDate")
}

/// The grant a visible row hangs from, read (unlocked) inside a write to check against it.
pub(crate) async fn grant_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<grant::Model> {
    scoped::<grant::Entity>(actor)
        .filter(grant::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("grant"))
}
