//! Organisations, schemes, grants, funding tranches, objectives and indicators.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::enums::{GrantStatus, OrganisationKind};
use entity::{funding_period, grant, indicator, objective, organisation, scheme};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::actor::Actor;
use super::audit::{self, Change, snapshot};
use super::page::{self, Page, PageRequest, Sort, SortKey};
use super::policy::ensure_can_manage_portfolio;
use super::scope::{self, scoped};
use super::tx::retrying;
use super::values::{Currency, DateRange, Money, format_minor};
use crate::error::{Error, Result};

// ---------------------------------------------------------------- organisations and schemes

#[derive(Clone, Debug)]
pub struct NewOrganisation {
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    pub description: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub country: Option<String>,
}

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

pub async fn create_organisation(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewOrganisation,
) -> Result<organisation::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_manage_portfolio(actor)?;
        let now = Utc::now();
        let model = organisation::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name.clone()),
            acronym: Set(new.acronym.clone()),
            kind: Set(new.kind),
            description: Set(new.description.clone()),
            address: Set(new.address.clone()),
            phone: Set(new.phone.clone()),
            website: Set(new.website.clone()),
            country: Set(new.country.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await
        .map_err(|e| unique_as(e, "name", "an organisation with this name already exists"))?;
        let owner = (model.kind == OrganisationKind::Grantee).then_some(model.id);
        audit::record(
            &txn,
            actor,
            Change {
                action: "createOrganisation",
                entity: "Organisation",
                entity_id: model.id,
                owner_org_id: owner,
                grant_id: None,
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

/// Turns a unique-constraint violation into a `BAD_USER_INPUT` on the field that must be unique.
pub(crate) fn unique_as(err: sea_orm::DbErr, field: &str, message: &str) -> Error {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::bad_input(field, message),
        _ => err.into(),
    }
}

pub async fn schemes(db: &DatabaseConnection, actor: &Actor) -> Result<Vec<scheme::Model>> {
    Ok(scope::schemes(actor)
        .order_by_asc(scheme::Column::Name)
        .all(db)
        .await?)
}

#[derive(Clone, Debug)]
pub struct NewScheme {
    pub name: String,
    pub funder_id: Uuid,
    pub manager_id: Uuid,
    pub currency: Currency,
}

pub async fn create_scheme(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewScheme,
) -> Result<scheme::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_manage_portfolio(actor)?;
        expect_organisation(
            &txn,
            actor,
            "funderId",
            new.funder_id,
            OrganisationKind::Funder,
        )
        .await?;
        expect_organisation(
            &txn,
            actor,
            "managerId",
            new.manager_id,
            OrganisationKind::SchemeManager,
        )
        .await?;
        let now = Utc::now();
        let model = scheme::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name.clone()),
            funder_id: Set(new.funder_id),
            manager_id: Set(new.manager_id),
            currency: Set(new.currency.code().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await
        .map_err(|e| unique_as(e, "name", "a scheme with this name already exists"))?;
        audit::record(
            &txn,
            actor,
            Change {
                action: "createScheme",
                entity: "Scheme",
                entity_id: model.id,
                owner_org_id: None,
                grant_id: None,
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

async fn expect_organisation<C: ConnectionTrait>(
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

// ---------------------------------------------------------------- grants

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
) -> Result<Page<grant::Model>> {
    filter.check("filter")?;
    let select = scoped::<grant::Entity>(actor).filter(filter.condition());
    page::fetch(db, select, sort, page).await
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

#[derive(Clone, Debug)]
pub struct NewGrant {
    pub scheme_id: Uuid,
    pub grantee_id: Uuid,
    pub reference: String,
    pub title: String,
    pub total_funding: Money,
    pub period: DateRange,
    pub status: GrantStatus,
}

pub async fn create_grant(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewGrant,
) -> Result<grant::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_manage_portfolio(actor)?;
        scope::schemes(actor)
            .filter(scheme::Column::Id.eq(new.scheme_id))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                Error::bad_input(
                    "schemeId",
                    format!("no scheme has the id {}", new.scheme_id),
                )
            })?;
        expect_organisation(
            &txn,
            actor,
            "granteeId",
            new.grantee_id,
            OrganisationKind::Grantee,
        )
        .await?;
        let now = Utc::now();
        let model = grant::ActiveModel {
            id: Set(Uuid::now_v7()),
            scheme_id: Set(new.scheme_id),
            grantee_id: Set(new.grantee_id),
            reference: Set(new.reference.clone()),
            title: Set(new.title.clone()),
            total_funding_minor: Set(new.total_funding.minor()),
            currency: Set(new.total_funding.currency().code().to_owned()),
            start_date: Set(new.period.start()),
            end_date: Set(new.period.end()),
            status: Set(new.status),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            unique_as(
                e,
                "reference",
                "the scheme already has a grant with this reference",
            )
        })?;
        audit::record(
            &txn,
            actor,
            Change {
                action: "createGrant",
                entity: "Grant",
                entity_id: model.id,
                owner_org_id: Some(model.grantee_id),
                grant_id: Some(model.id),
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

/// What a scheme manager may change on a grant once awarded: its title and status (closing
/// it). Its money and dates are fixed by the tranches and reports that hang from them.
#[derive(Clone, Debug)]
pub struct GrantChanges {
    pub id: Uuid,
    pub version: i32,
    pub title: Option<String>,
    pub status: Option<GrantStatus>,
}

pub async fn update_grant(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: &GrantChanges,
) -> Result<grant::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_manage_portfolio(actor)?;
        let before = grant_for_write(&txn, actor, "id", changes.id).await?;
        super::policy::ensure_current_version("grant", before.version, changes.version)?;
        let mut model: grant::ActiveModel = before.clone().into();
        if let Some(title) = &changes.title {
            model.title = Set(title.clone());
        }
        if let Some(status) = changes.status {
            model.status = Set(status);
        }
        model.version = Set(before.version + 1);
        model.updated_at = Set(Utc::now());
        let after = model.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            Change {
                action: "updateGrant",
                entity: "Grant",
                entity_id: after.id,
                owner_org_id: Some(after.grantee_id),
                grant_id: Some(after.id),
                before: Some(snapshot(&before)?),
                after: Some(snapshot(&after)?),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    })
    .await
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

// ---------------------------------------------------------------- funding periods

#[derive(Clone, Debug)]
pub struct NewFundingPeriod {
    pub grant_id: Uuid,
    pub label: Option<String>,
    pub period: DateRange,
    pub amount: Money,
}

pub async fn add_funding_period(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewFundingPeriod,
) -> Result<funding_period::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_manage_portfolio(actor)?;
        let grant = grant_for_write(&txn, actor, "grantId", new.grant_id).await?;
        let grant_period = DateRange::new(grant.start_date, grant.end_date, "endDate")?;
        if new.period.start() < grant.start_date {
            return Err(Error::bad_input(
                "startDate",
                format!("{} is before the grant starts on {}", new.period.start(), grant.start_date),
            ));
        }
        if !grant_period.contains(new.period) {
            return Err(Error::bad_input(
                "endDate",
                format!("{} is after the grant ends on {}", new.period.end(), grant.end_date),
            ));
        }
        if new.amount.currency().code() != grant.currency {
            return Err(Error::bad_input(
                "amount.currency",
                format!("is {}; the grant is in {}", new.amount.currency().code(), grant.currency),
            ));
        }
        let existing = scoped::<funding_period::Entity>(actor)
            .filter(funding_period::Column::GrantId.eq(grant.id))
            .all(&txn)
            .await?;
        let committed: i64 = existing.iter().map(|p| p.amount_minor).sum();
        let digits = new.amount.currency().minor_digits();
        if committed + new.amount.minor() > grant.total_funding_minor {
            return Err(Error::bad_input(
                "amount.amount",
                format!(
                    "would bring the tranches to {} {}, more than the grant's total of {} {} ({} already in tranches)",
                    format_minor(committed + new.amount.minor(), digits),
                    grant.currency,
                    format_minor(grant.total_funding_minor, digits),
                    grant.currency,
                    format_minor(committed, digits),
                ),
            ));
        }
        let model = funding_period::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            label: Set(new.label.clone()),
            start_date: Set(new.period.start()),
            end_date: Set(new.period.end()),
            amount_minor: Set(new.amount.minor()),
            currency: Set(grant.currency.clone()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            actor,
            Change {
                action: "addFundingPeriod",
                entity: "FundingPeriod",
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

// ---------------------------------------------------------------- objectives and indicators

#[derive(Clone, Debug)]
pub struct NewObjective {
    pub grant_id: Uuid,
    pub number: i32,
    pub statement: String,
}

pub async fn add_objective(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewObjective,
) -> Result<objective::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_manage_portfolio(actor)?;
        let grant = grant_for_write(&txn, actor, "grantId", new.grant_id).await?;
        let model = objective::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            number: Set(new.number),
            statement: Set(new.statement.clone()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            unique_as(
                e,
                "number",
                "the grant already has an objective with this number",
            )
        })?;
        audit::record(
            &txn,
            actor,
            Change {
                action: "addObjective",
                entity: "Objective",
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

#[derive(Clone, Debug)]
pub struct NewIndicator {
    pub objective_id: Uuid,
    pub statement: String,
    pub unit: String,
    pub baseline: Option<String>,
    pub target: Option<String>,
}

pub async fn add_indicator(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewIndicator,
) -> Result<indicator::Model> {
    retrying(|| async move {
        let txn = super::tx::begin(db).await?;
        ensure_can_manage_portfolio(actor)?;
        let objective = scoped::<objective::Entity>(actor)
            .filter(objective::Column::Id.eq(new.objective_id))
            .one(&txn)
            .await?
            .ok_or_else(|| not_found_at("objectiveId", "objective", new.objective_id))?;
        let grant = grant_for_write(&txn, actor, "objectiveId", objective.grant_id).await?;
        let model = indicator::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            objective_id: Set(objective.id),
            statement: Set(new.statement.clone()),
            unit: Set(new.unit.clone()),
            baseline: Set(new.baseline.clone()),
            target: Set(new.target.clone()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            actor,
            Change {
                action: "addIndicator",
                entity: "Indicator",
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
