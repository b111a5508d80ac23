//! Grants, their funding tranches, objectives and indicators.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::{funding_period, grant, indicator, objective};
use uuid::Uuid;

use super::activity::{Activity, ActivityConnection, ActivityFilterInput, ParticipationSummary};
use super::common::{ContextExt, GqlResult, GrantStatus, Money, PolicyMarkerCode, SortDirection};
use super::cost;
use super::input::{change, run};
use super::loaders::{
    ActivitiesOfGrant, ActivityArgs, FundingPeriodsOfGrant, GrantArgs, GrantsOf,
    IndicatorsOfObjective, ObjectivesOfGrant, ParticipationOfGrant, ReportsOfGrant, SchemeById,
};
use super::node::node_id;
use super::organisation::{Organisation, Scheme, organisation_by_id};
use super::prefetch;
use super::report::Report;
use super::scalars::{Date, Decimal};
use crate::domain::content::ActivitySortField;
use crate::domain::portfolio::grants::{
    AddFundingPeriod, CreateGrant, GrantIatiText, UpdateGrant, policy_markers_of, sectors_of,
};
use crate::domain::portfolio::objectives::{AddIndicator, AddObjective};
use crate::domain::portfolio::{self, GrantFilter, GrantParent, GrantSortField, grant_sort};
use crate::domain::values::MoneyText;
use crate::domain::values::iati::{SectorText, derived_activity_identifier};
use crate::error::{Error, Problems, Result};
use crate::iati::codelists::dac_sector_name;

pub struct Grant(pub grant::Model);

super::common::connection!(GrantConnection, GrantEdge, Grant);

/// A grant: money a scheme awards one grantee for a funding period, the objectives it
/// pursues and the reports the grantee files on it. A grantee sees only its own grants.
#[Object]
impl Grant {
    /// Stable identifier (UUID) of the grant: pass it to `grant(id:)`, as `grantId` to the
    /// filters, and to `createReport`, `addFundingPeriod` and `addObjective`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The scheme's reference for the grant, unique within its scheme.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// What the grant funds, as the scheme titles it.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Whether the grant is running (ACTIVE) or closed by the scheme manager (CLOSED).
    async fn status(&self) -> GrantStatus {
        self.0.status.into()
    }
    /// The scheme that awarded the grant.
    async fn scheme(&self, ctx: &Context<'_>) -> GqlResult<Scheme> {
        ctx.loader()?
            .load_one(SchemeById(self.0.scheme_id))
            .await?
            .map(Scheme)
            .ok_or_else(|| Error::NotFound("scheme").into())
    }
    /// The organisation (of kind GRANTEE) that receives the grant and files its reports.
    async fn grantee(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        organisation_by_id(ctx, self.0.grantee_id).await
    }
    /// The whole amount awarded, in the grant's currency, e.g. AUD "90000.00". The tranches
    /// (`fundingPeriods`) never add up to more.
    async fn total_funding(&self) -> Money {
        Money::new(self.0.total_funding_minor, &self.0.currency)
    }
    /// First day of the funding period. Tranches, reporting periods and activities lie
    /// within the funding period.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    /// Last day of the funding period, on or after `startDate`.
    async fn end_date(&self) -> Date {
        self.0.end_date.into()
    }
    /// Tranches, by start date: each inside the funding period and in the grant's currency,
    /// together never more than `totalFunding`. At most 100.
    #[graphql(complexity = "cost::list(cost::TRANCHES, child_complexity)")]
    async fn funding_periods(&self, ctx: &Context<'_>) -> GqlResult<Vec<FundingPeriod>> {
        let rows = ctx
            .loader()?
            .load_one(FundingPeriodsOfGrant(self.0.id))
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(FundingPeriod)
            .collect())
    }
    /// Objectives, by number. At most 50.
    #[graphql(complexity = "cost::list(cost::OBJECTIVES, child_complexity)")]
    async fn objectives(&self, ctx: &Context<'_>) -> GqlResult<Vec<Objective>> {
        let rows = ctx.loader()?.load_one(ObjectivesOfGrant(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Objective)
            .collect())
    }
    /// The reports filed on the grant, by reporting period (then due date). At most 100.
    #[graphql(complexity = "cost::list(cost::REPORTS, child_complexity)")]
    async fn reports(&self, ctx: &Context<'_>) -> GqlResult<Vec<Report>> {
        let rows = ctx.loader()?.load_one(ReportsOfGrant(self.0.id)).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Report).collect())
    }
    /// The grant's activities across all its reports, by start date.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the grant's activities by report, objective, kind or dates;\n\
                    all of them when omitted."
        )]
        filter: Option<ActivityFilterInput>,
        #[graphql(desc = "Page size: how many activities to return, 0 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor of the last item already read (`pageInfo.endCursor`); the page\n\
                    starts after it. Omit for the first page."
        )]
        after: Option<String>,
    ) -> GqlResult<ActivityConnection> {
        let filter = filter
            .map(ActivityFilterInput::into_domain)
            .transpose()?
            .unwrap_or_default();
        let page = ctx.page(first, after)?;
        let args = std::sync::Arc::new(ActivityArgs {
            filter,
            field: ActivitySortField::StartDate,
            descending: false,
            page,
        });
        let key = ActivitiesOfGrant {
            grant: self.0.id,
            args,
        };
        let rows = ctx.loader()?.load_one(key).await?;
        let rows = rows.ok_or(Error::NotFound("activities"))?;
        Ok(ActivityConnection::from_page(rows, Activity))
    }
    /// Everyone who took part in the grant's activities, summed over all its reports, each
    /// joint event counted once.
    async fn participation(&self, ctx: &Context<'_>) -> GqlResult<ParticipationSummary> {
        let totals = ctx
            .loader()?
            .load_one(ParticipationOfGrant(self.0.id))
            .await?;
        Ok(totals.unwrap_or_default().into())
    }
    /// Increases with every change to the grant; send it back as `version` to `updateGrant`
    /// so no change is lost.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The grant's IATI activity identifier: as set with `createGrant` or `updateGrant`, else
    /// derived as the reporting organisation's `identifier`, a hyphen and the grant's
    /// `reference` (characters IATI does not allow in identifiers written as hyphens), e.g.
    /// "AU-5-CAAS-API-2024". Null when neither is known.
    async fn iati_identifier(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        if let Some(id) = &self.0.iati_identifier {
            return Ok(Some(id.clone()));
        }
        let reporter = reporting_organisation_of(ctx, &self.0).await?;
        Ok(reporter
            .0
            .identifier
            .as_deref()
            .map(|org| derived_activity_identifier(org, &self.0.reference)))
    }
    /// Whether `iatiIdentifier` was set by hand (true) or is derived (false).
    async fn iati_identifier_is_set(&self) -> bool {
        self.0.iati_identifier.is_some()
    }
    /// What the grant does, in a paragraph or more; null when not given.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The country the grant's aid goes to, as an upper-case ISO 3166-1 alpha-2 code, e.g.
    /// "KH"; null when not given.
    async fn recipient_country(&self) -> Option<&str> {
        self.0.recipient_country.as_deref()
    }
    /// The organisation that reports the grant to IATI (IATI's reporting-org): the one set
    /// with `reportingOrganisationId`, else the scheme's funder.
    async fn reporting_organisation(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        reporting_organisation_of(ctx, &self.0).await
    }
    /// The OECD DAC sectors the grant's money goes to, with their shares adding up to 100;
    /// empty when none is recorded.
    async fn sectors(&self) -> GqlResult<Vec<Sector>> {
        Ok(sectors_of(&self.0)?
            .into_iter()
            .map(|s| Sector {
                name: dac_sector_name(&s.code).unwrap_or_default().to_owned(),
                code: s.code,
                percentage: Decimal::from_text(s.percentage.to_string()),
            })
            .collect())
    }
    /// How far the grant targets each policy objective IATI asks about (gender equality,
    /// disability …); empty when none is recorded, and a marker absent from the list is not
    /// known (never the same as significance 0, "not targeted").
    async fn policy_markers(&self) -> GqlResult<Vec<PolicyMarker>> {
        Ok(policy_markers_of(&self.0)?
            .into_iter()
            .map(|m| PolicyMarker {
                marker: m.code.into(),
                significance: i32::from(m.significance),
            })
            .collect())
    }
}

/// The organisation that reports a grant to IATI: the one set, else the scheme's funder.
async fn reporting_organisation_of(
    ctx: &Context<'_>,
    grant: &grant::Model,
) -> GqlResult<Organisation> {
    let id = match grant.reporting_org_id {
        Some(id) => id,
        None => {
            ctx.loader()?
                .load_one(SchemeById(grant.scheme_id))
                .await?
                .ok_or(Error::NotFound("scheme"))?
                .funder_id
        }
    };
    organisation_by_id(ctx, id).await
}

/// A share of a grant in one OECD DAC sector.
#[derive(SimpleObject)]
pub struct Sector {
    /// The OECD DAC 5-digit purpose code, e.g. "15150".
    pub code: String,
    /// The purpose code's name in the IATI `Sector` codelist, e.g. "Democratic participation
    /// and civil society".
    pub name: String,
    /// The grant's share in this sector, in percent, e.g. "100" or "33.33".
    pub percentage: Decimal,
}

/// How far a grant targets one policy objective.
#[derive(SimpleObject)]
pub struct PolicyMarker {
    /// The policy objective.
    pub marker: PolicyMarkerCode,
    /// IATI `PolicySignificance`: 0 not targeted, 1 significant objective, 2 principal
    /// objective, 3 principal objective and in support of an action programme
    /// (desertification only), 4 explicit primary objective (RMNCH only).
    pub significance: i32,
}

/// A share of a grant in one OECD DAC sector, as sent.
#[derive(InputObject)]
pub struct SectorInput {
    /// An active OECD DAC 5-digit purpose code of the IATI `Sector` codelist, e.g. "15150";
    /// anything else is `BAD_USER_INPUT` on `sectors[i].code`.
    pub code: String,
    /// The share in percent, above 0 and at most 100 with at most two decimals, e.g. "100".
    /// A grant's shares add up to exactly 100 (`BAD_USER_INPUT` on `sectors` otherwise).
    pub percentage: Decimal,
}

/// How far a grant targets one policy objective, as sent.
#[derive(InputObject)]
pub struct PolicyMarkerInput {
    /// The policy objective; each at most once per grant.
    pub marker: PolicyMarkerCode,
    /// IATI `PolicySignificance`, 0 to 2 for most markers, up to 3 for DESERTIFICATION and up
    /// to 4 for RMNCH; anything else is `BAD_USER_INPUT` on `policyMarkers[i].significance`.
    pub significance: i32,
}

fn sector_texts(items: Vec<SectorInput>) -> Vec<SectorText> {
    items
        .into_iter()
        .map(|s| SectorText {
            code: s.code,
            percentage: s.percentage.into_text(),
        })
        .collect()
}

fn marker_pairs(
    items: Vec<PolicyMarkerInput>,
) -> Vec<(crate::domain::values::iati::PolicyMarkerCode, i32)> {
    items
        .into_iter()
        .map(|m| (m.marker.into(), m.significance))
        .collect()
}

pub struct FundingPeriod(pub funding_period::Model);

/// A tranche of a grant: part of its money, for part of its funding period.
#[Object]
impl FundingPeriod {
    /// Stable identifier (UUID) of the tranche.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The tranche's name, e.g. "Tranche 1"; null when it has none.
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
    /// First day of the tranche, within the grant's funding period.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    /// Last day of the tranche, on or after `startDate` and within the grant's funding period.
    async fn end_date(&self) -> Date {
        self.0.end_date.into()
    }
    /// The tranche's money, in the grant's currency.
    async fn amount(&self) -> Money {
        Money::new(self.0.amount_minor, &self.0.currency)
    }
}

pub struct Objective(pub objective::Model);

/// What a grant sets out to achieve, e.g. "Objective 2: The development, implementation, and
/// monitoring of public policies and laws is inclusive and democratic".
#[Object]
impl Objective {
    /// Stable identifier (UUID) of the objective: pass it as `objectiveId` to file activities
    /// under it, to filter activities, and to `addIndicator`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The number the grant gives it ("Objective 2"): from 1, unique within the grant.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// The objective as the grant words it.
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// How the objective is measured, in the order the indicators were added. At most 50.
    #[graphql(complexity = "cost::list(cost::INDICATORS, child_complexity)")]
    async fn indicators(&self, ctx: &Context<'_>) -> GqlResult<Vec<Indicator>> {
        let rows = ctx
            .loader()?
            .load_one(IndicatorsOfObjective(self.0.id))
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Indicator)
            .collect())
    }
}

pub struct Indicator(pub indicator::Model);

/// How an objective is measured, e.g. "policy dialogues conducted with relevant government
/// ministries", counted in "policy dialogues". A report records its value as an
/// `IndicatorResult`.
#[Object]
impl Indicator {
    /// Stable identifier (UUID) of the indicator: pass it as `indicatorId` to
    /// `recordIndicatorResult`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// Id of the objective the indicator measures.
    async fn objective_id(&self) -> Uuid {
        self.0.objective_id
    }
    /// What is measured, as the grant words it.
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// What is counted, e.g. "policy dialogues".
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// The value before the grant began, as an exact decimal; null when the grant states none
    /// (never 0 for "not stated").
    async fn baseline(&self) -> Option<Decimal> {
        self.0.baseline.clone().map(Decimal::from_text)
    }
    /// The value the grant aims for, as an exact decimal, e.g. "3"; null when the grant states
    /// none.
    async fn target(&self) -> Option<Decimal> {
        self.0.target.clone().map(Decimal::from_text)
    }
}

/// Narrows a list of grants: every condition given must hold. A grantee's list stays its own
/// whatever the filter names.
#[derive(InputObject, Default)]
#[graphql(name = "GrantFilter")]
pub struct GrantFilterInput {
    /// Only grants of this scheme.
    pub scheme_id: Option<Uuid>,
    /// Only grants to this grantee organisation. For a grantee token another grantee's id
    /// matches nothing.
    pub grantee_id: Option<Uuid>,
    /// Only grants with this status.
    pub status: Option<GrantStatus>,
    /// Grants whose funding period overlaps [activeFrom, activeTo]: here, those that end on
    /// or after this day.
    pub active_from: Option<Date>,
    /// Only grants that start on or before this day. Not before `activeFrom`
    /// (`BAD_USER_INPUT` on `filter.activeTo`).
    pub active_to: Option<Date>,
}

impl GrantFilterInput {
    pub fn into_domain(self) -> Result<GrantFilter> {
        let mut p = Problems::new();
        let active_from = self
            .active_from
            .and_then(|d| p.take(d.day("filter.activeFrom")));
        let active_to = self
            .active_to
            .and_then(|d| p.take(d.day("filter.activeTo")));
        p.into_result()?;
        let filter = GrantFilter {
            scheme_id: self.scheme_id,
            grantee_id: self.grantee_id,
            status: self.status.map(Into::into),
            active_from,
            active_to,
        };
        filter.check("filter")?;
        Ok(filter)
    }
}

/// What a list of grants can be ordered by; grants that tie are ordered by id.
#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GrantOrderField {
    /// The scheme's reference for the grant (the default).
    #[default]
    Reference,
    /// The grant's title.
    Title,
    /// First day of the funding period.
    StartDate,
    /// Last day of the funding period.
    EndDate,
    /// The amount awarded, compared in the currency's minor units (cents) without
    /// conversion: amounts in different currencies are not made comparable.
    TotalFunding,
}

/// How to order a list of grants: by reference, ascending, unless told otherwise.
#[derive(InputObject, Default)]
pub struct GrantOrder {
    /// What to order by; REFERENCE when omitted.
    #[graphql(default)]
    pub field: GrantOrderField,
    /// Which way; ASC when omitted.
    #[graphql(default)]
    pub direction: SortDirection,
}

fn grant_sort_of(order: Option<GrantOrder>) -> (GrantSortField, bool) {
    let order = order.unwrap_or_default();
    let field = match order.field {
        GrantOrderField::Reference => GrantSortField::Reference,
        GrantOrderField::Title => GrantSortField::Title,
        GrantOrderField::StartDate => GrantSortField::StartDate,
        GrantOrderField::EndDate => GrantSortField::EndDate,
        GrantOrderField::TotalFunding => GrantSortField::TotalFunding,
    };
    (field, order.direction == SortDirection::Desc)
}

pub async fn grants_connection(
    ctx: &Context<'_>,
    filter: GrantFilter,
    order: Option<GrantOrder>,
    first: Option<i32>,
    after: Option<String>,
) -> GqlResult<GrantConnection> {
    let page = ctx.page(first, after)?;
    let (field, descending) = grant_sort_of(order);
    let selection = ctx.look_ahead().field("edges").field("node");
    let ahead = async |rows: &[grant::Model]| {
        prefetch::under_grants(ctx, &selection, &rows.iter().collect::<Vec<_>>()).await
    };
    let rows = portfolio::grants(
        ctx.db()?,
        ctx.actor()?,
        &filter,
        grant_sort(field, descending),
        &page,
        ahead,
    )
    .await?;
    Ok(GrantConnection::from_page(rows, Grant))
}

/// The grants of one scheme or grantee, batched with its siblings' through a data loader.
pub async fn nested_grants(
    ctx: &Context<'_>,
    by: GrantParent,
    parent: Uuid,
    filter: GrantFilter,
    first: Option<i32>,
    after: Option<String>,
) -> GqlResult<GrantConnection> {
    let page = ctx.page(first, after)?;
    let (field, descending) = grant_sort_of(None);
    let args = std::sync::Arc::new(GrantArgs {
        filter,
        field,
        descending,
        page,
    });
    let rows = ctx
        .loader()?
        .load_one(GrantsOf { by, parent, args })
        .await?;
    Ok(GrantConnection::from_page(
        rows.ok_or(Error::NotFound("grants"))?,
        Grant,
    ))
}

#[derive(Default)]
pub struct GrantQuery;

#[Object]
impl GrantQuery {
    /// Grants the caller may see, by reference unless ordered otherwise. A grantee sees only
    /// its own, whatever the filter says.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list by scheme, grantee, status or funding dates; every\n\
                    grant the caller may see when omitted."
        )]
        filter: Option<GrantFilterInput>,
        #[graphql(desc = "How to order the list; by reference, ascending, when omitted.")]
        order_by: Option<GrantOrder>,
        #[graphql(desc = "Page size: how many grants to return, 0 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor of the last item already read (`pageInfo.endCursor`); the page\n\
                    starts after it. Omit for the first page."
        )]
        after: Option<String>,
    ) -> GqlResult<GrantConnection> {
        let filter = filter
            .map(GrantFilterInput::into_domain)
            .transpose()?
            .unwrap_or_default();
        grants_connection(ctx, filter, order_by, first, after).await
    }

    /// One grant, or null if there is none the caller may see (another grantee's grant reads
    /// as null too). Costs 100 towards the request's cost limit.
    #[graphql(complexity = "cost::LOOKUP + child_complexity")]
    async fn grant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id (UUID) of the grant, as `Grant.id` gives it.")] id: Uuid,
    ) -> GqlResult<Option<Grant>> {
        Ok(prefetch::grant(ctx, &ctx.look_ahead(), id)
            .await?
            .map(Grant))
    }
}

/// An amount of money as a client sends it: an exact decimal string and its currency.
#[derive(InputObject)]
pub struct MoneyInput {
    /// Exact decimal string, e.g. "90000.00"; no more decimals than the currency has.
    /// Never negative, at most 1,000,000,000,000; a JSON number is refused.
    pub amount: Decimal,
    /// ISO 4217 code, any letter case, one of AUD, CAD, CHF, CNY, EUR, GBP, IDR, INR, JPY,
    /// KHR, KRW, LAK, MMK, MYR, NZD, PGK, PHP, SBD, SGD, THB, TLS, TOP, USD, VND, VUV, WST.
    /// JPY, KRW, VND and VUV have no decimals; the others have two.
    pub currency: String,
}

impl From<MoneyInput> for MoneyText {
    fn from(money: MoneyInput) -> Self {
        Self {
            amount: money.amount.into_text(),
            currency: money.currency,
        }
    }
}

/// A grant to award.
#[derive(InputObject)]
pub struct CreateGrantInput {
    /// The scheme that awards the grant; an id that names no scheme is `BAD_USER_INPUT` on
    /// `schemeId`.
    pub scheme_id: Uuid,
    /// The organisation that receives it; it must be of kind GRANTEE (`BAD_USER_INPUT` on
    /// `granteeId` otherwise).
    pub grantee_id: Uuid,
    /// The scheme's reference for the grant, 1 to 100 characters, unique within the scheme
    /// (`BAD_USER_INPUT` on `reference` when taken).
    pub reference: String,
    /// What the grant funds, 1 to 500 characters.
    pub title: String,
    /// The whole amount awarded. Its currency becomes the grant's, which every tranche uses.
    pub total_funding: MoneyInput,
    /// First day of the funding period.
    pub start_date: Date,
    /// Last day of the funding period, on or after `startDate` (`BAD_USER_INPUT` on `endDate`
    /// otherwise).
    pub end_date: Date,
    /// ACTIVE unless given.
    pub status: Option<GrantStatus>,
    /// The grant's IATI activity identifier, when it is not to be derived from the reporting
    /// organisation's identifier and `reference`: at most 200 letters, digits and `- . _ :`,
    /// starting with the reporting organisation's identifier and a hyphen when that is known,
    /// and unique (`BAD_USER_INPUT` on `iatiIdentifier` otherwise).
    pub iati_identifier: Option<String>,
    /// What the grant does, at most 50,000 characters.
    pub description: Option<String>,
    /// The country the aid goes to: an ISO 3166-1 alpha-2 code of the IATI `Country`
    /// codelist, e.g. "KH" (`BAD_USER_INPUT` on `recipientCountry` otherwise).
    pub recipient_country: Option<String>,
    /// The organisation that reports the grant to IATI, a FUNDER or SCHEME_MANAGER
    /// (`BAD_USER_INPUT` on `reportingOrganisationId` otherwise); the scheme's funder when
    /// omitted.
    pub reporting_organisation_id: Option<Uuid>,
    /// The OECD DAC sectors of the grant, at most 20, each code once, with percentages adding
    /// up to exactly 100.
    pub sectors: Option<Vec<SectorInput>>,
    /// The grant's policy markers, each marker once.
    pub policy_markers: Option<Vec<PolicyMarkerInput>>,
}

/// Changes a grant: its title and status, and what IATI needs of it. Its money and dates stay
/// as awarded.
#[derive(InputObject)]
pub struct UpdateGrantInput {
    /// Id of the grant to change.
    pub id: Uuid,
    /// The version the change is based on: `Grant.version` as last read. A stale version is
    /// `CONFLICT` and changes nothing.
    pub version: i32,
    /// New title, 1 to 500 characters; unchanged when omitted or null.
    pub title: Option<String>,
    /// New status, e.g. CLOSED; unchanged when omitted or null.
    pub status: Option<GrantStatus>,
    /// New IATI activity identifier (see `CreateGrantInput.iatiIdentifier`); null clears it,
    /// so that it is derived again; omitted leaves it.
    pub iati_identifier: MaybeUndefined<String>,
    /// New description; null clears it, omitted leaves it.
    pub description: MaybeUndefined<String>,
    /// New recipient country; null clears it, omitted leaves it.
    pub recipient_country: MaybeUndefined<String>,
    /// New reporting organisation; null makes it the scheme's funder again, omitted leaves it.
    pub reporting_organisation_id: MaybeUndefined<Uuid>,
    /// The grant's sectors, replacing all of them (rules as on `createGrant`); null or an
    /// empty list clears them, omitted leaves them.
    pub sectors: MaybeUndefined<Vec<SectorInput>>,
    /// The grant's policy markers, replacing all of them; null or an empty list clears them,
    /// omitted leaves them.
    pub policy_markers: MaybeUndefined<Vec<PolicyMarkerInput>>,
}

/// A tranche to add to a grant.
#[derive(InputObject)]
pub struct AddFundingPeriodInput {
    /// The grant the tranche belongs to.
    pub grant_id: Uuid,
    /// The tranche's name, e.g. "Tranche 1", at most 200 characters.
    pub label: Option<String>,
    /// First day of the tranche, on or after the grant's `startDate` (`BAD_USER_INPUT` on
    /// `startDate` otherwise).
    pub start_date: Date,
    /// Last day of the tranche, on or after `startDate` and on or before the grant's
    /// `endDate`.
    pub end_date: Date,
    /// The tranche's money, in the grant's currency (`BAD_USER_INPUT` on `amount.currency`
    /// otherwise). With the tranches already added it may not exceed the grant's
    /// `totalFunding` (`BAD_USER_INPUT` on `amount.amount`).
    pub amount: MoneyInput,
}

/// An objective to add to a grant.
#[derive(InputObject)]
pub struct AddObjectiveInput {
    /// The grant the objective belongs to.
    pub grant_id: Uuid,
    /// The number the grant gives it ("Objective 2"): from 1, unique within the grant.
    pub number: i32,
    /// The objective as the grant words it, 1 to 5,000 characters.
    pub statement: String,
}

/// An indicator to add to an objective.
#[derive(InputObject)]
pub struct AddIndicatorInput {
    /// The objective the indicator measures.
    pub objective_id: Uuid,
    /// What is measured, 1 to 5,000 characters.
    pub statement: String,
    /// What is counted, e.g. "policy dialogues", 1 to 100 characters.
    pub unit: String,
    /// The value before the grant began, as an exact decimal string, e.g. "0". Omit it when
    /// the grant states none: 0 would claim a baseline the source does not give.
    pub baseline: Option<Decimal>,
    /// The value the grant aims for, as an exact decimal string, e.g. "3"; omit it when the
    /// grant states none.
    pub target: Option<Decimal>,
}

impl From<CreateGrantInput> for CreateGrant {
    fn from(input: CreateGrantInput) -> Self {
        Self {
            scheme_id: input.scheme_id,
            grantee_id: input.grantee_id,
            reference: input.reference,
            title: input.title,
            total_funding: input.total_funding.into(),
            start_date: input.start_date.into_text(),
            end_date: input.end_date.into_text(),
            status: input.status.map(Into::into),
            iati: GrantIatiText {
                iati_identifier: Some(input.iati_identifier),
                description: Some(input.description),
                recipient_country: Some(input.recipient_country),
                reporting_org_id: input.reporting_organisation_id.map(Some),
                sectors: Some(input.sectors.map(sector_texts)),
                policy_markers: Some(input.policy_markers.map(marker_pairs)),
            },
        }
    }
}

impl From<UpdateGrantInput> for UpdateGrant {
    fn from(input: UpdateGrantInput) -> Self {
        Self {
            id: input.id,
            version: input.version,
            title: input.title,
            status: input.status.map(Into::into),
            iati: GrantIatiText {
                iati_identifier: change(input.iati_identifier, |v| v),
                description: change(input.description, |v| v),
                recipient_country: change(input.recipient_country, |v| v),
                reporting_org_id: change(input.reporting_organisation_id, |v| v),
                sectors: change(input.sectors, sector_texts),
                policy_markers: change(input.policy_markers, marker_pairs),
            },
        }
    }
}

impl From<AddFundingPeriodInput> for AddFundingPeriod {
    fn from(input: AddFundingPeriodInput) -> Self {
        Self {
            grant_id: input.grant_id,
            label: input.label,
            start_date: input.start_date.into_text(),
            end_date: input.end_date.into_text(),
            amount: input.amount.into(),
        }
    }
}

impl From<AddObjectiveInput> for AddObjective {
    fn from(input: AddObjectiveInput) -> Self {
        Self {
            grant_id: input.grant_id,
            number: input.number,
            statement: input.statement,
        }
    }
}

impl From<AddIndicatorInput> for AddIndicator {
    fn from(input: AddIndicatorInput) -> Self {
        Self {
            objective_id: input.objective_id,
            statement: input.statement,
            unit: input.unit,
            baseline: input.baseline.map(Decimal::into_text),
            target: input.target.map(Decimal::into_text),
        }
    }
}

#[derive(Default)]
pub struct GrantMutation;

#[Object]
impl GrantMutation {
    /// Awards a grant in a scheme to a grantee organisation, with its total funding and
    /// funding period. Scheme managers only (`FORBIDDEN` for others). Returns the new grant at
    /// version 1.
    async fn create_grant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grant to award.")] input: CreateGrantInput,
    ) -> GqlResult<Grant> {
        Ok(Grant(run(ctx, CreateGrant::from(input)).await?))
    }

    /// Renames or closes a grant, or changes what IATI needs of it (identifier, description,
    /// recipient country, reporting organisation, sectors, policy markers). Scheme managers
    /// only (`FORBIDDEN` for others). Based on the `version` last read: a stale one is
    /// `CONFLICT`. Every part is checked before anything is written. Returns the grant at its
    /// new version.
    async fn update_grant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grant, the version read, and what to change.")]
        input: UpdateGrantInput,
    ) -> GqlResult<Grant> {
        Ok(Grant(run(ctx, UpdateGrant::from(input)).await?))
    }

    /// Adds a tranche: inside the grant's dates, in its currency, never beyond its total.
    /// Scheme managers only (`FORBIDDEN` for others); at most 100 tranches per grant
    /// (`BAD_USER_INPUT` on `grantId` beyond). Returns the new tranche.
    async fn add_funding_period(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche to add.")] input: AddFundingPeriodInput,
    ) -> GqlResult<FundingPeriod> {
        Ok(FundingPeriod(
            run(ctx, AddFundingPeriod::from(input)).await?,
        ))
    }

    /// Adds a numbered objective to a grant. Scheme managers only (`FORBIDDEN` for others); at
    /// most 50 per grant (`BAD_USER_INPUT` on `grantId` beyond); a number below 1 or already
    /// taken is `BAD_USER_INPUT` on `number`. Returns the new objective.
    async fn add_objective(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The objective to add.")] input: AddObjectiveInput,
    ) -> GqlResult<Objective> {
        Ok(Objective(run(ctx, AddObjective::from(input)).await?))
    }

    /// Adds an indicator to an objective, with its unit, and its baseline and target when the
    /// grant states them. Scheme managers only (`FORBIDDEN` for others); at most 50 per
    /// objective (`BAD_USER_INPUT` on `objectiveId` beyond). Returns the new indicator.
    async fn add_indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The indicator to add.")] input: AddIndicatorInput,
    ) -> GqlResult<Indicator> {
        Ok(Indicator(run(ctx, AddIndicator::from(input)).await?))
    }
}
