//! Registering organisations and opening schemes: scheme managers only.

use chrono::Utc;
use entity::enums::{IatiOrganisationType, OrganisationKind};
use entity::{organisation, scheme};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::expect_organisation;
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_manage_portfolio;
use crate::domain::scope;
use crate::domain::values::iati::organisation_identifier;
use crate::domain::values::{
    Currency, caps, country_code, limits, optional_text, required_text, website,
};
use crate::domain::write::{Owner, Tx, Write, ensure_current_version};
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
    /// IATI organisation identifier, e.g. `AU-5`.
    pub identifier: Option<String>,
    pub iati_type: Option<IatiOrganisationType>,
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
    pub identifier: Option<String>,
    pub iati_type: Option<IatiOrganisationType>,
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
        let identifier = p.take(organisation_identifier(
            "identifier",
            self.identifier.as_deref(),
        ));
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
            identifier: Problems::checked(identifier)?,
            iati_type: self.iati_type,
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
            identifier: Set(new.identifier.clone()),
            iati_type: Set(new.iati_type),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        if let Some(identifier) = &new.identifier {
            ensure_identifier_free(tx, identifier, None).await?;
        }
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

/// An IATI organisation identifier belongs to one organisation.
async fn ensure_identifier_free(tx: &Tx<'_>, identifier: &str, except: Option<Uuid>) -> Result<()> {
    let mut select = scope::organisations(tx.actor())
        .filter(organisation::Column::Identifier.eq(identifier.to_owned()));
    if let Some(id) = except {
        select = select.filter(organisation::Column::Id.ne(id));
    }
    if select.count(tx.db()).await? > 0 {
        return Err(Error::bad_input(
            "identifier",
            format!("{identifier} is already another organisation's IATI identifier"),
        ));
    }
    Ok(())
}

/// `updateOrganisation`: what IATI needs of an organisation, its identifier and type, set or
/// cleared (`Some(None)`) or left (`None`). Scheme managers only.
#[derive(Clone, Debug)]
pub struct UpdateOrganisation {
    pub id: Uuid,
    pub version: i32,
    pub identifier: Option<Option<String>>,
    pub iati_type: Option<Option<IatiOrganisationType>>,
}

impl Write for UpdateOrganisation {
    const ACTION: &'static str = "updateOrganisation";
    type Checked = UpdateOrganisation;
    type Output = organisation::Model;

    fn check(&self) -> Result<UpdateOrganisation> {
        let identifier = match &self.identifier {
            Some(Some(text)) => Some(organisation_identifier("identifier", Some(text.as_str()))?),
            other => other.clone(),
        };
        Ok(UpdateOrganisation {
            identifier,
            ..self.clone()
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(changes: &UpdateOrganisation, tx: &Tx<'_>) -> Result<organisation::Model> {
        let before = scope::organisations(tx.actor())
            .filter(organisation::Column::Id.eq(changes.id))
            .one(tx.db())
            .await?
            .ok_or_else(|| super::not_found_at("id", "organisation", changes.id))?;
        ensure_current_version("organisation", before.version, changes.version)?;
        if let Some(Some(identifier)) = &changes.identifier {
            ensure_identifier_free(tx, identifier, Some(before.id)).await?;
        }
        tx.bump_version::<organisation::Entity>(before.id, changes.version)
            .await?;
        let mut model: organisation::ActiveModel = before.clone().into();
        model.version = sea_orm::ActiveValue::NotSet;
        if let Some(identifier) = &changes.identifier {
            model.identifier = Set(identifier.clone());
        }
        if let Some(iati_type) = changes.iati_type {
            model.iati_type = Set(iati_type);
        }
        model.updated_at = Set(Utc::now());
        let owner = Owner {
            org_id: (before.kind == OrganisationKind::Grantee).then_some(before.id),
            grant_id: None,
        };
        tx.update(Self::ACTION, owner, &before, model).await
    }
}
