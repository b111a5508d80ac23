//! Registering organisations and opening schemes: scheme managers only.

use chrono::Utc;
use entity::enums::OrganisationKind;
use entity::{organisation, scheme};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::expect_organisation;
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_manage_portfolio;
use crate::domain::scope;
use crate::domain::values::{
    Currency, caps, country_code, limits, optional_text, required_text, website,
};
use crate::domain::write::{Owner, Tx, Write};
use crate::error::{Error, Problems, Result};

/// Whether `id` names a grantee organisation: what a grantee token must name to be accepted.
/// Asked while authenticating, before the token's bearer is trusted, so it reads as the service.
pub async fn is_grantee<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<bool, DbErr> {
    let count = scope::organisations(&Actor::system())
        .filter(organisation::Column::Id.eq(id))
        .filter(organisation::Column::Kind.eq(OrganisationKind::Grantee))
        .count(db)
        .await?;
    Ok(count > 0)
}

/// `createOrganisation`: a funder, scheme manager, grantee or partner.
#[derive(Clone, Debug)]
pub struct CreateOrganisation {
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    pub description: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
}

/// A checked organisation.
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

impl Write for CreateOrganisation {
    const ACTION: &'static str = "createOrganisation";
    type Checked = NewOrganisation;
    type Output = organisation::Model;

    fn check(&self) -> Result<NewOrganisation> {
        let mut p = Problems::new();
        let name = p.take(required_text("name", &self.name, limits::NAME));
        let acronym = p.take(optional_text("acronym", self.acronym.as_deref(), 40));
        let description = p.take(optional_text(
            "description",
            self.description.as_deref(),
            limits::NARRATIVE,
        ));
        let address = p.take(optional_text(
            "address",
            self.address.as_deref(),
            limits::STATEMENT,
        ));
        let phone = p.take(optional_text("phone", self.phone.as_deref(), limits::SHORT));
        let website = p.take(website("website", self.website.as_deref()));
        let country = p.take(country_code("country", self.country.as_deref()));
        p.into_result()?;
        Ok(NewOrganisation {
            name: Problems::checked(name)?,
            acronym: Problems::checked(acronym)?,
            kind: self.kind,
            description: Problems::checked(description)?,
            address: Problems::checked(address)?,
            phone: Problems::checked(phone)?,
            website: Problems::checked(website)?,
            country: Problems::checked(country)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(new: &NewOrganisation, tx: &Tx<'_>) -> Result<organisation::Model> {
        let count = scope::organisations(tx.actor()).count(tx.db()).await?;
        if count >= caps::ORGANISATIONS {
            return Err(Error::bad_input(
                "name",
                format!(
                    "the register already holds {count} organisations, the most it may hold ({})",
                    caps::ORGANISATIONS
                ),
            ));
        }
        let now = Utc::now();
        let id = Uuid::now_v7();
        let row = organisation::ActiveModel {
            id: Set(id),
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
        };
        // A grantee's own record is part of what it may read in the audit trail.
        let owner = Owner {
            org_id: (new.kind == OrganisationKind::Grantee).then_some(id),
            grant_id: None,
        };
        let model = tx
            .insert_unique(
                Self::ACTION,
                owner,
                row,
                "name",
                "an organisation with this name already exists",
            )
            .await?;
        Ok(model)
    }
}

/// `createScheme`: a grants scheme, its funder and manager, and its default currency.
#[derive(Clone, Debug)]
pub struct CreateScheme {
    pub name: String,
    pub funder_id: Uuid,
    pub manager_id: Uuid,
    /// ISO 4217.
    pub currency: String,
}

#[derive(Clone, Debug)]
pub struct NewScheme {
    pub name: String,
    pub funder_id: Uuid,
    pub manager_id: Uuid,
    pub currency: Currency,
}

impl Write for CreateScheme {
    const ACTION: &'static str = "createScheme";
    type Checked = NewScheme;
    type Output = scheme::Model;

    fn check(&self) -> Result<NewScheme> {
        let mut p = Problems::new();
        let name = p.take(required_text("name", &self.name, limits::NAME));
        let currency = p.take(Currency::parse("currency", &self.currency));
        p.into_result()?;
        Ok(NewScheme {
            name: Problems::checked(name)?,
            funder_id: self.funder_id,
            manager_id: self.manager_id,
            currency: Problems::checked(currency)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(new: &NewScheme, tx: &Tx<'_>) -> Result<scheme::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let count = scope::schemes(actor).count(db).await?;
        if count >= caps::SCHEMES {
            return Err(Error::bad_input(
                "name",
                format!(
                    "the portfolio already holds {count} schemes, the most it may hold ({})",
                    caps::SCHEMES
                ),
            ));
        }
        expect_organisation(
            db,
            actor,
            "funderId",
            new.funder_id,
            OrganisationKind::Funder,
        )
        .await?;
        expect_organisation(
            db,
            actor,
            "managerId",
            new.manager_id,
            OrganisationKind::SchemeManager,
        )
        .await?;
        let now = Utc::now();
        let row = scheme::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name.clone()),
            funder_id: Set(new.funder_id),
            manager_id: Set(new.manager_id),
            currency: Set(new.currency.code().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let model = tx
            .insert_unique(
                Self::ACTION,
                Owner::portfolio(),
                row,
                "name",
                "a scheme with this name already exists",
            )
            .await?;
        Ok(model)
    }
}
