//! Awarding grants, renaming or closing them, and their funding tranches: scheme managers only.

use chrono::Utc;
use entity::enums::{GrantStatus, OrganisationKind};
use entity::{funding_period, grant, organisation, scheme};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::{expect_organisation, grant_for_write, grant_period};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_manage_portfolio;
use crate::domain::scope::{self, scoped};
use crate::domain::totals;
use crate::domain::values::iati::{
    self, PolicyMarker, PolicyMarkerCode, SectorShare, SectorText, identifier_belongs_to,
};
use crate::domain::values::{
    DateRange, Money, MoneyText, caps, date_range, format_minor, limits, optional_text,
    required_text,
};
use crate::domain::write::{Owner, Tx, Write, ensure_current_version, snapshot};
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
    /// What IATI needs of it, each part optional.
    pub iati: GrantIatiText,
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
    pub iati: GrantIati,
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
        let iati = self.iati.check(&mut p);
        p.into_result()?;
        Ok(NewGrant {
            scheme_id: self.scheme_id,
            grantee_id: self.grantee_id,
            reference: Problems::checked(reference)?,
            title: Problems::checked(title)?,
            total_funding: Problems::checked(total_funding)?,
            period: Problems::checked(period)?,
            status: self.status.unwrap_or(GrantStatus::Active),
            iati: Problems::checked(iati)?,
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
        let mut row = grant::ActiveModel {
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
            iati_identifier: Set(None),
            description: Set(None),
            recipient_country: Set(None),
            reporting_org_id: Set(None),
            sectors: Set(None),
            policy_markers: Set(None),
        };
        new.iati.apply(tx, &mut row, new.scheme_id, None).await?;
        let model = tx
            .insert_unique(
                Self::ACTION,
                owner,
                row,
                "reference",
                "the scheme already has a grant with this reference",
            )
            .await?;
        // The grantee's grant count and funding, kept for the summary, move with it.
        totals::refresh_grantees(tx.db(), &[new.grantee_id]).await?;
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
    /// What IATI needs of it: each part left (`None`), cleared (`Some(None)`) or set.
    pub iati: GrantIatiText,
}

/// A checked `updateGrant`.
#[derive(Clone, Debug)]
pub struct GrantChanges {
    pub id: Uuid,
    pub version: i32,
    pub title: Option<String>,
    pub status: Option<GrantStatus>,
    pub iati: GrantIati,
}

impl Write for UpdateGrant {
    const ACTION: &'static str = "updateGrant";
    type Checked = GrantChanges;
    type Output = grant::Model;

    fn check(&self) -> Result<GrantChanges> {
        let mut p = Problems::new();
        let title = match &self.title {
            Some(t) => p.take(required_text("title", t, limits::TITLE)).map(Some),
            None => Some(None),
        };
        let iati = self.iati.check(&mut p);
        p.into_result()?;
        Ok(GrantChanges {
            id: self.id,
            version: self.version,
            title: Problems::checked(title)?,
            status: self.status,
            iati: Problems::checked(iati)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(changes: &GrantChanges, tx: &Tx<'_>) -> Result<grant::Model> {
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
        changes
            .iati
            .apply(tx, &mut model, before.scheme_id, Some(&before))
            .await?;
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

/// What IATI needs of a grant, as a client sends it. On `createGrant` a part that is `None` (or
/// `Some(None)`) is not given; on `updateGrant` `None` leaves it as it is, `Some(None)` clears
/// it, and `Some(Some(..))` sets it. Lists are replaced whole; an empty list is none.
#[derive(Clone, Debug, Default)]
pub struct GrantIatiText {
    pub iati_identifier: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub recipient_country: Option<Option<String>>,
    pub reporting_org_id: Option<Option<Uuid>>,
    pub sectors: Option<Option<Vec<SectorText>>>,
    pub policy_markers: Option<Option<Vec<(PolicyMarkerCode, i32)>>>,
}

/// [`GrantIatiText`] checked, in the same leave / clear / set shape.
#[derive(Clone, Debug, Default)]
pub struct GrantIati {
    pub iati_identifier: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub recipient_country: Option<Option<String>>,
    pub reporting_org_id: Option<Option<Uuid>>,
    pub sectors: Option<Option<Vec<SectorShare>>>,
    pub policy_markers: Option<Option<Vec<PolicyMarker>>>,
}

/// Checks one leave / clear / set part with `check`, recording its problems; `None` only when
/// the new value is bad.
fn part<T, U>(
    p: &mut Problems,
    value: &Option<Option<T>>,
    check: impl FnOnce(&T) -> Result<Option<U>>,
) -> Option<Option<Option<U>>> {
    match value {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(v)) => p.take(check(v)).map(Some),
    }
}

/// An empty list is none.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

impl GrantIatiText {
    /// Checks every part, recording each problem under its input field.
    pub fn check(&self, p: &mut Problems) -> Option<GrantIati> {
        let iati_identifier = part(p, &self.iati_identifier, |v| {
            iati::activity_identifier("iatiIdentifier", Some(v.as_str()))
        });
        let description = part(p, &self.description, |v| {
            optional_text("description", Some(v.as_str()), limits::NARRATIVE)
        });
        let recipient_country = part(p, &self.recipient_country, |v| {
            iati::recipient_country("recipientCountry", Some(v.as_str()))
        });
        let sectors = part(p, &self.sectors, |v| {
            iati::sectors("sectors", v).map(non_empty)
        });
        let policy_markers = part(p, &self.policy_markers, |v| {
            iati::policy_markers("policyMarkers", v).map(non_empty)
        });
        Some(GrantIati {
            iati_identifier: iati_identifier?,
            description: description?,
            recipient_country: recipient_country?,
            reporting_org_id: self.reporting_org_id,
            sectors: sectors?,
            policy_markers: policy_markers?,
        })
    }
}

impl GrantIati {
    /// Sets the parts given on `row`, after checking them against the rest of the portfolio:
    /// the reporting organisation exists and funds or runs schemes (a funder or a scheme
    /// manager); an IATI identifier set by hand is not another grant's, and starts with the
    /// reporting organisation's identifier when that is known. `before` is the grant as it
    /// was, for an update.
    async fn apply(
        &self,
        tx: &Tx<'_>,
        row: &mut grant::ActiveModel,
        scheme_id: Uuid,
        before: Option<&grant::Model>,
    ) -> Result<()> {
        let (db, actor) = (tx.db(), tx.actor());
        let identifier = self
            .iati_identifier
            .clone()
            .unwrap_or_else(|| before.and_then(|g| g.iati_identifier.clone()));
        let reporting_org_id = self
            .reporting_org_id
            .unwrap_or_else(|| before.and_then(|g| g.reporting_org_id));
        if let Some(Some(id)) = self.reporting_org_id {
            let org = scope::organisations(actor)
                .filter(organisation::Column::Id.eq(id))
                .one(db)
                .await?
                .ok_or_else(|| {
                    Error::bad_input(
                        "reportingOrganisationId",
                        format!("no organisation has the id {id}"),
                    )
                })?;
            if !crate::iati::codelists::may_report(org.kind) {
                return Err(Error::bad_input(
                    "reportingOrganisationId",
                    format!(
                        "{} is a {}; a grant is reported by a FUNDER or a SCHEME_MANAGER",
                        org.name,
                        org.kind.as_str()
                    ),
                ));
            }
        }
        if let Some(identifier) = &identifier {
            let mut others = scoped::<grant::Entity>(actor)
                .filter(grant::Column::IatiIdentifier.eq(identifier.clone()));
            if let Some(grant) = before {
                others = others.filter(grant::Column::Id.ne(grant.id));
            }
            let taken = others.count(db).await?;
            if taken > 0 {
                return Err(Error::bad_input(
                    "iatiIdentifier",
                    format!("{identifier} is already another grant's IATI identifier"),
                ));
            }
            let reporter = reporting_organisation(tx, reporting_org_id, scheme_id).await?;
            if let Some(prefix) = reporter.identifier.as_deref()
                && !identifier_belongs_to(identifier, prefix)
            {
                return Err(Error::bad_input(
                    "iatiIdentifier",
                    format!(
                        "{identifier} does not start with \"{prefix}-\", the IATI identifier of \
                         {}, which reports the grant",
                        reporter.name
                    ),
                ));
            }
        }
        if let Some(v) = &self.iati_identifier {
            row.iati_identifier = Set(v.clone());
        }
        if let Some(v) = &self.description {
            row.description = Set(v.clone());
        }
        if let Some(v) = &self.recipient_country {
            row.recipient_country = Set(v.clone());
        }
        if let Some(v) = self.reporting_org_id {
            row.reporting_org_id = Set(v);
        }
        if let Some(v) = &self.sectors {
            row.sectors = Set(v.as_ref().map(snapshot).transpose()?);
        }
        if let Some(v) = &self.policy_markers {
            row.policy_markers = Set(v.as_ref().map(snapshot).transpose()?);
        }
        Ok(())
    }
}

/// The organisation that reports a grant to IATI: the one named, else the scheme's funder.
async fn reporting_organisation(
    tx: &Tx<'_>,
    reporting_org_id: Option<Uuid>,
    scheme_id: Uuid,
) -> Result<organisation::Model> {
    let (db, actor) = (tx.db(), tx.actor());
    let id = match reporting_org_id {
        Some(id) => id,
        None => {
            scope::schemes(actor)
                .filter(scheme::Column::Id.eq(scheme_id))
                .one(db)
                .await?
                .ok_or(Error::NotFound("scheme"))?
                .funder_id
        }
    };
    scope::organisations(actor)
        .filter(organisation::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("organisation"))
}

/// A grant's sectors as stored (none when not recorded).
pub fn sectors_of(grant: &grant::Model) -> Result<Vec<SectorShare>> {
    stored_list(grant.sectors.as_ref())
}

/// A grant's policy markers as stored (none when not recorded).
pub fn policy_markers_of(grant: &grant::Model) -> Result<Vec<PolicyMarker>> {
    stored_list(grant.policy_markers.as_ref())
}

fn stored_list<T: serde::de::DeserializeOwned>(
    value: Option<&serde_json::Value>,
) -> Result<Vec<T>> {
    match value {
        None => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v.clone()).map_err(Error::internal),
    }
}
