//! Grants, their funding tranches, objectives and indicators.

use async_graphql::{Context, ID, InputObject, Object};
use entity::{funding_period, grant, indicator, objective};
use uuid::Uuid;

use super::activity::{Activity, ActivityConnection, ActivityFilterInput, ParticipationSummary};
use super::common::{ContextExt, GqlResult, GrantStatus, Money, SortDirection};
use super::cost;
use super::input::run;
use super::loaders::{
    ActivitiesOfGrant, ActivityArgs, FundingPeriodsOfGrant, GrantArgs, GrantsOf,
    IndicatorsOfObjective, ObjectivesOfGrant, ParticipationOfGrant, ReportsOfGrant, SchemeById,
};
use super::node::node_id;
use super::organisation::{Organisation, Scheme, organisation_by_id};
use super::report::Report;
use super::scalars::{Date, Decimal};
use crate::domain::content::ActivitySortField;
use crate::domain::portfolio::grants::{AddFundingPeriod, CreateGrant, UpdateGrant};
use crate::domain::portfolio::objectives::{AddIndicator, AddObjective};
use crate::domain::portfolio::{self, GrantFilter, GrantParent, GrantSortField, grant_sort};
use crate::domain::values::MoneyText;
use crate::error::{Error, Problems, Result};

pub struct Grant(pub grant::Model);

super::common::connection!(GrantConnection, GrantEdge, Grant);

#[Object]
impl Grant {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The scheme's reference for the grant, unique within its scheme.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn status(&self) -> GrantStatus {
        self.0.status.into()
    }
    async fn scheme(&self, ctx: &Context<'_>) -> GqlResult<Scheme> {
        ctx.loader()?
            .load_one(SchemeById(self.0.scheme_id))
            .await?
            .map(Scheme)
            .ok_or_else(|| Error::NotFound("scheme").into())
    }
    async fn grantee(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        organisation_by_id(ctx, self.0.grantee_id).await
    }
    async fn total_funding(&self) -> Money {
        Money::new(self.0.total_funding_minor, &self.0.currency)
    }
    /// First day of the funding period.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    /// Last day of the funding period.
    async fn end_date(&self) -> Date {
        self.0.end_date.into()
    }
    /// Tranches, by start date.
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
    /// Objectives, by number.
    #[graphql(complexity = "cost::list(cost::OBJECTIVES, child_complexity)")]
    async fn objectives(&self, ctx: &Context<'_>) -> GqlResult<Vec<Objective>> {
        let rows = ctx.loader()?.load_one(ObjectivesOfGrant(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Objective)
            .collect())
    }
    /// Reports, by reporting period.
    #[graphql(complexity = "cost::list(cost::REPORTS, child_complexity)")]
    async fn reports(&self, ctx: &Context<'_>) -> GqlResult<Vec<Report>> {
        let rows = ctx.loader()?.load_one(ReportsOfGrant(self.0.id)).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Report).collect())
    }
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActivityFilterInput>,
        first: Option<i32>,
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
    /// Everyone who took part in the grant's activities, summed over all its reports.
    async fn participation(&self, ctx: &Context<'_>) -> GqlResult<ParticipationSummary> {
        let totals = ctx
            .loader()?
            .load_one(ParticipationOfGrant(self.0.id))
            .await?;
        Ok(totals.unwrap_or_default().into())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

pub struct FundingPeriod(pub funding_period::Model);

#[Object]
impl FundingPeriod {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    async fn end_date(&self) -> Date {
        self.0.end_date.into()
    }
    async fn amount(&self) -> Money {
        Money::new(self.0.amount_minor, &self.0.currency)
    }
}

pub struct Objective(pub objective::Model);

#[Object]
impl Objective {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The number the grant gives it ("Objective 2").
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn statement(&self) -> &str {
        &self.0.statement
    }
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

#[Object]
impl Indicator {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    async fn objective_id(&self) -> Uuid {
        self.0.objective_id
    }
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    async fn baseline(&self) -> Option<Decimal> {
        self.0.baseline.clone().map(Decimal::from_text)
    }
    async fn target(&self) -> Option<Decimal> {
        self.0.target.clone().map(Decimal::from_text)
    }
}

#[derive(InputObject, Default)]
#[graphql(name = "GrantFilter")]
pub struct GrantFilterInput {
    pub scheme_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub status: Option<GrantStatus>,
    /// Grants whose funding period overlaps [activeFrom, activeTo].
    pub active_from: Option<Date>,
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

#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GrantOrderField {
    #[default]
    Reference,
    Title,
    StartDate,
    EndDate,
    TotalFunding,
}

#[derive(InputObject, Default)]
pub struct GrantOrder {
    #[graphql(default)]
    pub field: GrantOrderField,
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
    let rows = portfolio::grants(
        ctx.db()?,
        ctx.actor()?,
        &filter,
        grant_sort(field, descending),
        &page,
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
    /// Grants the caller may see. A grantee sees only its own, whatever the filter says.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        filter: Option<GrantFilterInput>,
        order_by: Option<GrantOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<GrantConnection> {
        let filter = filter
            .map(GrantFilterInput::into_domain)
            .transpose()?
            .unwrap_or_default();
        grants_connection(ctx, filter, order_by, first, after).await
    }

    /// One grant, or null if there is none the caller may see.
    #[graphql(complexity = "cost::LOOKUP + child_complexity")]
    async fn grant(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Grant>> {
        Ok(portfolio::grant(ctx.db()?, ctx.actor()?, id)
            .await?
            .map(Grant))
    }
}

#[derive(InputObject)]
pub struct MoneyInput {
    /// Exact decimal string, e.g. "90000.00"; no more decimals than the currency has.
    pub amount: Decimal,
    /// ISO 4217, e.g. "AUD".
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

#[derive(InputObject)]
pub struct CreateGrantInput {
    pub scheme_id: Uuid,
    pub grantee_id: Uuid,
    pub reference: String,
    pub title: String,
    pub total_funding: MoneyInput,
    pub start_date: Date,
    pub end_date: Date,
    /// ACTIVE unless given.
    pub status: Option<GrantStatus>,
}

/// Renames or closes a grant. Its money and dates stay as awarded.
#[derive(InputObject)]
pub struct UpdateGrantInput {
    pub id: Uuid,
    /// The version the change is based on.
    pub version: i32,
    pub title: Option<String>,
    pub status: Option<GrantStatus>,
}

#[derive(InputObject)]
pub struct AddFundingPeriodInput {
    pub grant_id: Uuid,
    pub label: Option<String>,
    pub start_date: Date,
    pub end_date: Date,
    pub amount: MoneyInput,
}

#[derive(InputObject)]
pub struct AddObjectiveInput {
    pub grant_id: Uuid,
    /// The number the grant gives it ("Objective 2"), unique within the grant.
    pub number: i32,
    pub statement: String,
}

#[derive(InputObject)]
pub struct AddIndicatorInput {
    pub objective_id: Uuid,
    pub statement: String,
    /// What is counted, e.g. "policy dialogues".
    pub unit: String,
    pub baseline: Option<Decimal>,
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
    /// Awards a grant in a scheme to a grantee (scheme managers).
    async fn create_grant(&self, ctx: &Context<'_>, input: CreateGrantInput) -> GqlResult<Grant> {
        Ok(Grant(run(ctx, CreateGrant::from(input)).await?))
    }

    /// Renames or closes a grant (scheme managers).
    async fn update_grant(&self, ctx: &Context<'_>, input: UpdateGrantInput) -> GqlResult<Grant> {
        Ok(Grant(run(ctx, UpdateGrant::from(input)).await?))
    }

    /// Adds a tranche: inside the grant's dates, in its currency, never beyond its total.
    async fn add_funding_period(
        &self,
        ctx: &Context<'_>,
        input: AddFundingPeriodInput,
    ) -> GqlResult<FundingPeriod> {
        Ok(FundingPeriod(
            run(ctx, AddFundingPeriod::from(input)).await?,
        ))
    }

    async fn add_objective(
        &self,
        ctx: &Context<'_>,
        input: AddObjectiveInput,
    ) -> GqlResult<Objective> {
        Ok(Objective(run(ctx, AddObjective::from(input)).await?))
    }

    async fn add_indicator(
        &self,
        ctx: &Context<'_>,
        input: AddIndicatorInput,
    ) -> GqlResult<Indicator> {
        Ok(Indicator(run(ctx, AddIndicator::from(input)).await?))
    }
}
