//! Activities and who took part in them: reading, recording, changing and deleting them.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::{activity, participation};
use uuid::Uuid;

use super::common::{ActivityKind, AttendanceMode, ContextExt, GqlResult, SortDirection};
use super::cost;
use super::grant::{Grant, Objective};
use super::input::{DeleteInput, change, run};
use super::loaders::{
    ActivityById, GrantById, JointWithActivity, ObjectiveById, OrganisersOfActivity,
    OutcomesOfActivity, ParticipationOfActivity, ReportById, TotalsOfActivity,
};
use super::node::node_id;
use super::organisation::Organisation;
use super::outcome::Outcome;
use super::report::Report;
use super::scalars::Date;
use crate::domain::content::activity::{CreateActivity, DeleteActivity, UpdateActivity};
use crate::domain::content::joint::{LinkJointActivities, UnlinkJointActivity};
use crate::domain::content::participation::ParticipantRow;
use crate::domain::content::{self, ActivityFilter, ActivitySortField, activity_sort};
use crate::domain::summary::ParticipationTotals;
use crate::error::{Error, Problems, Result};

pub struct Activity(pub activity::Model);

super::common::connection!(ActivityConnection, ActivityEdge, Activity);

#[Object]
impl Activity {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
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
    #[graphql(complexity = "cost::list(cost::ORGANISERS, child_complexity)")]
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
    #[graphql(complexity = "cost::list(cost::MODES, child_complexity)")]
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
    /// The participation rows added up: this activity's own figures. When another activity of
    /// its joint group counts for the event, `excludedAsJoint` equals `total`: every larger
    /// total (report, grant, portfolio) leaves these participants out.
    async fn totals(&self, ctx: &Context<'_>) -> GqlResult<ParticipationSummary> {
        let totals = ctx.loader()?.load_one(TotalsOfActivity(self.0.id)).await?;
        Ok(totals.unwrap_or_default().into())
    }
    /// The other activities recorded as the same real event (its joint group; see
    /// `linkJointActivities`), by start date. Empty when the activity is an event of its own.
    /// A grantee sees only its own activities here.
    #[graphql(complexity = "cost::list(cost::JOINT_GROUP, child_complexity)")]
    async fn joint_with(&self, ctx: &Context<'_>) -> GqlResult<Vec<Activity>> {
        let others = ctx.loader()?.load_one(JointWithActivity(self.0.id)).await?;
        Ok(others
            .unwrap_or_default()
            .into_iter()
            .map(Activity)
            .collect())
    }
    #[graphql(complexity = "cost::list(cost::OUTCOMES, child_complexity)")]
    async fn outcomes(&self, ctx: &Context<'_>) -> GqlResult<Vec<Outcome>> {
        let rows = ctx
            .loader()?
            .load_one(OutcomesOfActivity(self.0.id))
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Outcome).collect())
    }
}

/// How many attended one way. A breakdown that is null was not recorded; 0 means none.
#[derive(SimpleObject)]
pub struct ParticipantCount {
    pub mode: AttendanceMode,
    pub total: i32,
    pub female: Option<i32>,
    pub male: Option<i32>,
    pub with_disability: Option<i32>,
}

impl From<participation::Model> for ParticipantCount {
    fn from(row: participation::Model) -> Self {
        Self {
            mode: row.mode.into(),
            total: row.total,
            female: row.female,
            male: row.male,
            with_disability: row.with_disability,
        }
    }
}

/// Participation added up. `inPerson` and `online` count only rows reported with that mode;
/// `unspecified` is the rest. `female`, `male` and `withDisability` add up the rows that recorded
/// them, and each `...RecordedOf` is how many participants those rows counted, so a share is
/// only ever taken over participants whose breakdown is known.
#[derive(SimpleObject, Clone, Copy)]
pub struct ParticipationSummary {
    pub total: i64,
    pub female: i64,
    pub male: i64,
    pub with_disability: i64,
    pub in_person: i64,
    pub online: i64,
    pub unspecified: i64,
    /// Participants in rows that recorded how many were women.
    pub female_recorded_of: i64,
    /// Participants in rows that recorded how many were men.
    pub male_recorded_of: i64,
    /// Participants in rows that recorded how many had a disability.
    pub with_disability_recorded_of: i64,
    /// Participants left out of these figures because they were counted under another activity
    /// of the same joint group: one real event recorded more than once is counted once.
    pub excluded_as_joint: i64,
    /// female / femaleRecordedOf, or null when no row recorded it.
    pub female_share: Option<f64>,
}

impl From<ParticipationTotals> for ParticipationSummary {
    fn from(p: ParticipationTotals) -> Self {
        // Exact sums, never clamped: a row counts at most a million participants, and a
        // total is sent as the exact integer even in the (unreached) case that it passes 2^31.
        Self {
            total: p.total,
            female: p.female,
            male: p.male,
            with_disability: p.with_disability,
            in_person: p.in_person,
            online: p.online,
            unspecified: p.total - p.in_person - p.online,
            female_recorded_of: p.female_recorded_of,
            male_recorded_of: p.male_recorded_of,
            with_disability_recorded_of: p.with_disability_recorded_of,
            excluded_as_joint: p.excluded_as_joint,
            female_share: (p.female_recorded_of > 0)
                .then(|| p.female as f64 / p.female_recorded_of as f64),
        }
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
    let rows = content::activities(ctx.db()?, ctx.actor()?, &filter, sort, &page).await?;
    Ok(ActivityConnection::from_page(rows, Activity))
}

#[derive(Default)]
pub struct ActivityQuery;

#[Object]
impl ActivityQuery {
    /// One activity, or null if there is none the caller may see.
    #[graphql(complexity = "cost::LOOKUP + child_complexity")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity's id.")] id: Uuid,
    ) -> GqlResult<Option<Activity>> {
        activity_opt(ctx, Some(id)).await
    }

    /// Activities the caller may see, by start date unless ordered otherwise.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
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

/// The activity a lesson or case study is about, if any.
pub async fn activity_opt(ctx: &Context<'_>, id: Option<Uuid>) -> GqlResult<Option<Activity>> {
    match id {
        Some(id) => Ok(ctx
            .loader()?
            .load_one(ActivityById(id))
            .await?
            .map(Activity)),
        None => Ok(None),
    }
}

/// How many attended one way.
#[derive(InputObject)]
pub struct ParticipantCountInput {
    pub mode: AttendanceMode,
    pub total: i32,
    /// Null when not recorded, 0 when none.
    pub female: Option<i32>,
    /// Null when not recorded, 0 when none.
    pub male: Option<i32>,
    /// Null when not recorded, 0 when none.
    pub with_disability: Option<i32>,
}

#[derive(InputObject)]
pub struct CreateActivityInput {
    pub report_id: Uuid,
    pub objective_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub title: String,
    pub start_date: Date,
    /// The last day; the same as `startDate` for a one-day event.
    pub end_date: Date,
    pub venue: Option<String>,
    pub location: Option<String>,
    pub narrative: Option<String>,
    /// One row per attendance mode.
    pub participation: Vec<ParticipantCountInput>,
    /// Co-organising organisations, in order.
    #[graphql(default)]
    pub organiser_ids: Vec<Uuid>,
    /// Repeat a create with the same key to retry it safely.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateActivityInput {
    pub id: Uuid,
    pub version: i32,
    pub objective_id: MaybeUndefined<Uuid>,
    pub kind: Option<ActivityKind>,
    pub title: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub venue: MaybeUndefined<String>,
    pub location: MaybeUndefined<String>,
    pub narrative: MaybeUndefined<String>,
    /// Replaces all participation rows when given.
    pub participation: Option<Vec<ParticipantCountInput>>,
    /// Replaces the co-organisers when given.
    pub organiser_ids: Option<Vec<Uuid>>,
}

impl From<ParticipantCountInput> for ParticipantRow {
    fn from(row: ParticipantCountInput) -> Self {
        Self {
            mode: row.mode.into(),
            total: row.total,
            female: row.female,
            male: row.male,
            with_disability: row.with_disability,
        }
    }
}

fn rows(input: Vec<ParticipantCountInput>) -> Vec<ParticipantRow> {
    input.into_iter().map(Into::into).collect()
}

impl From<CreateActivityInput> for CreateActivity {
    fn from(input: CreateActivityInput) -> Self {
        Self {
            report_id: input.report_id,
            objective_id: input.objective_id,
            kind: input.kind.into(),
            title: input.title,
            start_date: input.start_date.into_text(),
            end_date: input.end_date.into_text(),
            venue: input.venue,
            location: input.location,
            narrative: input.narrative,
            participation: rows(input.participation),
            organiser_ids: input.organiser_ids,
            idempotency_key: input.idempotency_key,
        }
    }
}

impl From<UpdateActivityInput> for UpdateActivity {
    fn from(input: UpdateActivityInput) -> Self {
        Self {
            id: input.id,
            version: input.version,
            objective_id: change(input.objective_id, |id| id),
            kind: input.kind.map(Into::into),
            title: input.title,
            start_date: input.start_date.map(Date::into_text),
            end_date: input.end_date.map(Date::into_text),
            venue: change(input.venue, |v| v),
            location: change(input.location, |v| v),
            narrative: change(input.narrative, |v| v),
            participation: input.participation.map(rows),
            organiser_ids: input.organiser_ids,
        }
    }
}

#[derive(Default)]
pub struct ActivityMutation;

#[Object]
impl ActivityMutation {
    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        input: CreateActivityInput,
    ) -> GqlResult<Activity> {
        Ok(Activity(run(ctx, CreateActivity::from(input)).await?))
    }

    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        input: UpdateActivityInput,
    ) -> GqlResult<Activity> {
        Ok(Activity(run(ctx, UpdateActivity::from(input)).await?))
    }

    /// Deletes an activity with its participation and outcomes; returns it as it was.
    async fn delete_activity(&self, ctx: &Context<'_>, input: DeleteInput) -> GqlResult<Activity> {
        let delete = DeleteActivity {
            id: input.id,
            version: input.version,
        };
        Ok(Activity(run(ctx, delete).await?))
    }

    /// Records that the activities are one real event (filed twice, or by two grantees that ran
    /// it together), so every total counts it once: the figures of the activity named as
    /// `countingActivityId` stand for the event, else those of the one with the largest total.
    /// Groups the activities already belong to are merged. A grantee links its own activities
    /// while their reports can be edited; a scheme manager links any. Returns the group's
    /// activities that the caller may see.
    async fn link_joint_activities(
        &self,
        ctx: &Context<'_>,
        input: LinkJointActivitiesInput,
    ) -> GqlResult<Vec<Activity>> {
        let link = LinkJointActivities {
            activity_ids: input.activity_ids,
            counting_activity_id: input.counting_activity_id,
        };
        Ok(run(ctx, link).await?.into_iter().map(Activity).collect())
    }

    /// Takes an activity out of its joint group: it counts as an event of its own again. A group
    /// left with one activity is dissolved.
    async fn unlink_joint_activity(
        &self,
        ctx: &Context<'_>,
        input: UnlinkJointActivityInput,
    ) -> GqlResult<Activity> {
        let unlink = UnlinkJointActivity {
            activity_id: input.activity_id,
        };
        Ok(Activity(run(ctx, unlink).await?))
    }
}

/// Activities that record one real event.
#[derive(InputObject)]
pub struct LinkJointActivitiesInput {
    /// Two or more activities (at most 20 in a group), each named once.
    pub activity_ids: Vec<Uuid>,
    /// The activity whose figures stand for the event; one of `activityIds`. Without it, the
    /// activity with the largest total counts.
    pub counting_activity_id: Option<Uuid>,
}

#[derive(InputObject)]
pub struct UnlinkJointActivityInput {
    /// The activity to take out of its joint group.
    pub activity_id: Uuid,
}
