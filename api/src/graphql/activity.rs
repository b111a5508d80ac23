//! Activities, who took part in them, and what they led to.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use entity::{activity, outcome, participation};
use uuid::Uuid;

use super::common::{
    ActivityKind, AttendanceMode, ContextExt, GqlResult, OutcomeKind, SortDirection,
};
use super::grant::{Grant, Objective};
use super::loaders::{
    ActivityById, GrantById, ObjectiveById, OrganisersOfActivity, OutcomesOfActivity,
    ParticipationOfActivity, ReportById,
};
use super::organisation::Organisation;
use super::report::Report;
use super::scalars::Date;
use crate::domain::reporting::{self, ActivityFilter, ActivitySortField, activity_sort};
use crate::domain::summary::Participation;
use crate::error::{Error, Problems, Result};

pub struct Activity(pub activity::Model);

super::common::connection!(ActivityConnection, ActivityEdge, Activity);

#[Object]
impl Activity {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn grant(&self, ctx: &Context<'_>) -> GqlResult<Grant> {
        ctx.loader()?
            .load_one(GrantById(self.0.grant_id))
            .await?
            .map(Grant)
            .ok_or_else(|| Error::NotFound("grant").into())
    }
    async fn report(&self, ctx: &Context<'_>) -> GqlResult<Report> {
        ctx.loader()?
            .load_one(ReportById(self.0.report_id))
            .await?
            .map(Report)
            .ok_or_else(|| Error::NotFound("report").into())
    }
    async fn objective(&self, ctx: &Context<'_>) -> GqlResult<Option<Objective>> {
        match self.0.objective_id {
            Some(id) => Ok(ctx
                .loader()?
                .load_one(ObjectiveById(id))
                .await?
                .map(Objective)),
            None => Ok(None),
        }
    }
    async fn kind(&self) -> ActivityKind {
        self.0.kind.into()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    /// The last day; the same as `startDate` for a one-day event.
    async fn end_date(&self) -> Date {
        self.0.end_date.into()
    }
    async fn venue(&self) -> Option<&str> {
        self.0.venue.as_deref()
    }
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    async fn narrative(&self) -> Option<&str> {
        self.0.narrative.as_deref()
    }
    /// Co-organising organisations, in the order the report names them.
    async fn organisers(&self, ctx: &Context<'_>) -> GqlResult<Vec<Organisation>> {
        let rows = ctx
            .loader()?
            .load_one(OrganisersOfActivity(self.0.id))
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Organisation)
            .collect())
    }
    /// One row per attendance mode, as reported.
    async fn participation(&self, ctx: &Context<'_>) -> GqlResult<Vec<ParticipantCount>> {
        let rows = ctx
            .loader()?
            .load_one(ParticipationOfActivity(self.0.id))
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(ParticipantCount::from)
            .collect())
    }
    /// The participation rows added up.
    async fn totals(&self, ctx: &Context<'_>) -> GqlResult<ParticipationSummary> {
        let rows = ctx
            .loader()?
            .load_one(ParticipationOfActivity(self.0.id))
            .await?;
        Ok(sum_rows(&rows.unwrap_or_default()).into())
    }
    async fn outcomes(&self, ctx: &Context<'_>) -> GqlResult<Vec<Outcome>> {
        let rows = ctx
            .loader()?
            .load_one(OutcomesOfActivity(self.0.id))
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Outcome).collect())
    }
}

fn sum_rows(rows: &[participation::Model]) -> Participation {
    let mut totals = Participation::default();
    for row in rows {
        let n = i64::from(row.total);
        totals.total += n;
        totals.female += i64::from(row.female);
        match row.mode {
            entity::enums::AttendanceMode::InPerson => totals.in_person += n,
            entity::enums::AttendanceMode::Online => totals.online += n,
            entity::enums::AttendanceMode::Unspecified => {}
        }
    }
    totals
}

/// How many attended one way.
#[derive(SimpleObject)]
pub struct ParticipantCount {
    pub mode: AttendanceMode,
    pub total: i32,
    pub female: i32,
    pub with_disability: Option<i32>,
}

impl From<participation::Model> for ParticipantCount {
    fn from(row: participation::Model) -> Self {
        Self {
            mode: row.mode.into(),
            total: row.total,
            female: row.female,
            with_disability: row.with_disability,
        }
    }
}

/// Participation added up. `inPerson` and `online` count only rows reported with that mode, so
/// `total` may exceed their sum (rows of UNSPECIFIED mode).
#[derive(SimpleObject, Clone, Copy)]
pub struct ParticipationSummary {
    pub total: i32,
    pub female: i32,
    pub in_person: i32,
    pub online: i32,
    pub unspecified: i32,
    /// female / total, or null when nobody took part.
    pub female_share: Option<f64>,
}

impl From<Participation> for ParticipationSummary {
    fn from(p: Participation) -> Self {
        let clamp = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        Self {
            total: clamp(p.total),
            female: clamp(p.female),
            in_person: clamp(p.in_person),
            online: clamp(p.online),
            unspecified: clamp(p.total - p.in_person - p.online),
            female_share: (p.total > 0).then(|| p.female as f64 / p.total as f64),
        }
    }
}

pub struct Outcome(pub outcome::Model);

#[Object]
impl Outcome {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn kind(&self) -> OutcomeKind {
        self.0.kind.into()
    }
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// Who, e.g. "H.E. Khiev Hok, Head of Department".
    async fn actor(&self) -> Option<&str> {
        self.0.actor.as_deref()
    }
    async fn institution(&self) -> Option<&str> {
        self.0.institution.as_deref()
    }
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
    async fn date(&self) -> Option<Date> {
        self.0.date.map(Into::into)
    }
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Activity> {
        ctx.loader()?
            .load_one(ActivityById(self.0.activity_id))
            .await?
            .map(Activity)
            .ok_or_else(|| Error::NotFound("activity").into())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(InputObject, Default)]
#[graphql(name = "ActivityFilter")]
pub struct ActivityFilterInput {
    pub grant_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub objective_id: Option<Uuid>,
    pub report_id: Option<Uuid>,
    pub kind: Option<ActivityKind>,
    /// Activities overlapping [from, to].
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl ActivityFilterInput {
    pub fn into_domain(self) -> Result<ActivityFilter> {
        let mut p = Problems::new();
        let from = self.from.and_then(|d| p.take(d.day("filter.from")));
        let to = self.to.and_then(|d| p.take(d.day("filter.to")));
        p.into_result()?;
        let filter = ActivityFilter {
            grant_id: self.grant_id,
            grantee_id: self.grantee_id,
            objective_id: self.objective_id,
            report_id: self.report_id,
            kind: self.kind.map(Into::into),
            from,
            to,
        };
        filter.check("filter")?;
        Ok(filter)
    }
}

#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ActivityOrderField {
    #[default]
    StartDate,
    EndDate,
    Title,
}

#[derive(InputObject, Default)]
pub struct ActivityOrder {
    #[graphql(default)]
    pub field: ActivityOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

pub async fn activities_connection(
    ctx: &Context<'_>,
    filter: ActivityFilter,
    order: Option<ActivityOrder>,
    first: Option<i32>,
    after: Option<String>,
) -> GqlResult<ActivityConnection> {
    let page = ctx.page(first, after)?;
    let order = order.unwrap_or_default();
    let field = match order.field {
        ActivityOrderField::StartDate => ActivitySortField::StartDate,
        ActivityOrderField::EndDate => ActivitySortField::EndDate,
        ActivityOrderField::Title => ActivitySortField::Title,
    };
    let sort = activity_sort(field, order.direction == SortDirection::Desc);
    let rows = reporting::activities(ctx.db()?, ctx.actor()?, &filter, sort, &page).await?;
    Ok(ActivityConnection::from_page(rows, Activity))
}

#[derive(Default)]
pub struct ActivityQuery;

#[Object]
impl ActivityQuery {
    /// Activities the caller may see, by start date unless ordered otherwise.
    async fn activities(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActivityFilterInput>,
        order_by: Option<ActivityOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ActivityConnection> {
        let filter = filter
            .map(ActivityFilterInput::into_domain)
            .transpose()?
            .unwrap_or_default();
        activities_connection(ctx, filter, order_by, first, after).await
    }
}
