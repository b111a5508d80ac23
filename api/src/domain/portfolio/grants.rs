//! Awarding grants, renaming or closing them, and their funding tranches: scheme managers only.

use chrono::Utc;
use entity::enums::{GrantStatus, OrganisationKind};
use entity::{funding_period, grant, scheme};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::{expect_organisation, grant_for_write, grant_period};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_manage_portfolio;
use crate::domain::scope::{self, scoped};
use crate::domain::values::{
    DateRange, Money, MoneyText, caps, date_range, format_minor, limits, optional_text,
    required_text,
};
use crate::domain::write::{Owner, Tx, Write, ensure_current_version};
use crate::error::{Error, Problems, Result};

/// `createGrant`: a grant in a scheme, to one grantee.
#[derive(Clone, Debug)]
pub struct CreateGrant {
    pub scheme_id: Uuid,
    pub grantee_id: Uuid,
    pub reference: String,
    pub title: String,
    pub total_funding: MoneyText,
    pub start_date: String,
    pub end_date: String,
    /// `ACTIVE` unless given.
    pub status: Option<GrantStatus>,
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

impl Write for CreateGrant {
    const ACTION: &'static str = "createGrant";
    type Checked = NewGrant;
    type Output = grant::Model;

    fn check(&self) -> Result<NewGrant> {
        let mut p = Problems::new();
        let reference = p.take(required_text("reference", &self.reference, limits::SHORT));
        let title = p.take(required_text("title", &self.title, limits::TITLE));
        let total_funding = p.take(self.total_funding.check("totalFunding"));
        let period = date_range(
            &mut p,
            "startDate",
            &self.start_date,
            "endDate",
            &self.end_date,
        );
        p.into_result()?;
        Ok(NewGrant {
            scheme_id: self.scheme_id,
            grantee_id: self.grantee_id,
            reference: Problems::checked(reference)?,
            title: Problems::checked(title)?,
            total_funding: Problems::checked(total_funding)?,
            period: Problems::checked(period)?,
            status: self.status.unwrap_or(GrantStatus::Active),
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(new: &NewGrant, tx: &Tx<'_>) -> Result<grant::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        scope::schemes(actor)
            .filter(scheme::Column::Id.eq(new.scheme_id))
            .one(db)
            .await?
            .ok_or_else(|| {
                Error::bad_input(
                    "schemeId",
                    format!("no scheme has the id {}", new.scheme_id),
                )
            })?;
        expect_organisation(
            db,
            actor,
            "granteeId",
            new.grantee_id,
            OrganisationKind::Grantee,
        )
        .await?;
        let now = Utc::now();
        let id = Uuid::now_v7();
        let owner = Owner {
            org_id: Some(new.grantee_id),
            grant_id: Some(id),
        };
        let row = grant::ActiveModel {
            id: Set(id),
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
        };
        let model = tx
            .insert_unique(
                Self::ACTION,
                owner,
                row,
                "reference",
                "the scheme already has a grant with this reference",
            )
            .await?;
        Ok(model)
    }
}

/// `updateGrant`: what a scheme manager may change on a grant once awarded, its title and
/// status (closing it). Its money and dates are fixed by the tranches and reports under them.
#[derive(Clone, Debug)]
pub struct UpdateGrant {
    pub id: Uuid,
    pub version: i32,
    pub title: Option<String>,
    pub status: Option<GrantStatus>,
}

impl Write for UpdateGrant {
    const ACTION: &'static str = "updateGrant";
    type Checked = UpdateGrant;
    type Output = grant::Model;

    fn check(&self) -> Result<UpdateGrant> {
        let mut p = Problems::new();
        let title = match &self.title {
            Some(t) => p.take(required_text("title", t, limits::TITLE)).map(Some),
            None => Some(None),
        };
        p.into_result()?;
        Ok(UpdateGrant {
            title: Problems::checked(title)?,
            ..self.clone()
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(changes: &UpdateGrant, tx: &Tx<'_>) -> Result<grant::Model> {
        let before = grant_for_write(tx.db(), tx.actor(), "id", changes.id).await?;
        ensure_current_version("grant", before.version, changes.version)?;
        tx.bump_version::<grant::Entity>(before.id, changes.version)
            .await?;
        let mut model: grant::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(title) = &changes.title {
            model.title = Set(title.clone());
        }
        if let Some(status) = changes.status {
            model.status = Set(status);
        }
        model.updated_at = Set(Utc::now());
        let after = tx
            .update(Self::ACTION, Owner::grant(&before), &before, model)
            .await?;
        Ok(after)
    }
}

/// `addFundingPeriod`: a tranche, inside the grant's dates, in its currency, and never taking
/// the tranches beyond the grant's total.
#[derive(Clone, Debug)]
pub struct AddFundingPeriod {
    pub grant_id: Uuid,
    pub label: Option<String>,
    pub start_date: String,
    pub end_date: String,
    pub amount: MoneyText,
}

#[derive(Clone, Debug)]
pub struct NewFundingPeriod {
    pub grant_id: Uuid,
    pub label: Option<String>,
    pub period: DateRange,
    pub amount: Money,
}

impl Write for AddFundingPeriod {
    const ACTION: &'static str = "addFundingPeriod";
    type Checked = NewFundingPeriod;
    type Output = funding_period::Model;

    fn check(&self) -> Result<NewFundingPeriod> {
        let mut p = Problems::new();
        let label = p.take(optional_text(
            "label",
            self.label.as_deref(),
            limits::PERSON,
        ));
        let amount = p.take(self.amount.check("amount"));
        let period = date_range(
            &mut p,
            "startDate",
            &self.start_date,
            "endDate",
            &self.end_date,
        );
        p.into_result()?;
        Ok(NewFundingPeriod {
            grant_id: self.grant_id,
            label: Problems::checked(label)?,
            period: Problems::checked(period)?,
            amount: Problems::checked(amount)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(new: &NewFundingPeriod, tx: &Tx<'_>) -> Result<funding_period::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let grant = grant_for_write(db, actor, "grantId", new.grant_id).await?;
        new.period
            .ensure_within(grant_period(&grant)?, "grant", "startDate", "endDate")?;
        if new.amount.currency().code() != grant.currency {
            return Err(Error::bad_input(
                "amount.currency",
                format!(
                    "is {}; the grant is in {}",
                    new.amount.currency().code(),
                    grant.currency
                ),
            ));
        }
        tx.ensure_room::<funding_period::Entity>(
            funding_period::Column::GrantId,
            grant.id,
            caps::TRANCHES_PER_GRANT,
            "grantId",
            "tranches",
        )
        .await?;
        let existing = scoped::<funding_period::Entity>(actor)
            .filter(funding_period::Column::GrantId.eq(grant.id))
            .all(db)
            .await?;
        let committed: i64 = existing.iter().map(|p| p.amount_minor).sum();
        let digits = new.amount.currency().minor_digits();
        let after = committed.checked_add(new.amount.minor());
        if after.is_none_or(|total| total > grant.total_funding_minor) {
            return Err(Error::bad_input(
                "amount.amount",
                format!(
                    "would bring the tranches to {} {}, more than the grant's total of {} {} ({} already in tranches)",
                    after.map_or_else(
                        || "more than can be counted".to_owned(),
                        |t| format_minor(t, digits)
                    ),
                    grant.currency,
                    format_minor(grant.total_funding_minor, digits),
                    grant.currency,
                    format_minor(committed, digits),
                ),
            ));
        }
        let row = funding_period::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            label: Set(new.label.clone()),
            start_date: Set(new.period.start()),
            end_date: Set(new.period.end()),
            amount_minor: Set(new.amount.minor()),
            currency: Set(grant.currency.clone()),
            created_at: Set(Utc::now()),
        };
        let model = tx.insert(Self::ACTION, Owner::grant(&grant), row).await?;
        Ok(model)
    }
}
