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
use super::prefetch;
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

/// An event a grantee ran and reports in a report (a policy dialogue, forum, workshop …),
/// with who took part and what it led to.
#[Object]
impl Activity {
    /// Stable identifier (UUID) of the activity: pass it as `activityId` to record outcomes,
    /// lessons and case studies about it, in `activityIds` to name it as evidence or to link
    /// joint events, and as `id` to `updateActivity` and `deleteActivity`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The grant that funded the activity: its report's grant.
    async fn grant(&self, ctx: &Context<'_>) -> GqlResult<Grant> {
        ctx.loader()?
            .load_one(GrantById(self.0.grant_id))
            .await?
            .map(Grant)
            .ok_or_else(|| Error::NotFound("grant").into())
    }
    /// The report the activity is filed in.
    async fn report(&self, ctx: &Context<'_>) -> GqlResult<Report> {
        ctx.loader()?
            .load_one(ReportById(self.0.report_id))
            .await?
            .map(Report)
            .ok_or_else(|| Error::NotFound("report").into())
    }
    /// The grant objective the activity served; null when the report files it under none.
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
    /// What kind of event it was.
    async fn kind(&self) -> ActivityKind {
        self.0.kind.into()
    }
    /// Increases with every change; send it back as `version` to `updateActivity` or
    /// `deleteActivity` so no change is lost.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The activity's title as the report gives it, e.g. "Celebrate International Day on
    /// Right to Information".
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// First day of the event, within the grant's funding period.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    /// The last day; the same as `startDate` for a one-day event.
    async fn end_date(&self) -> Date {
        self.0.end_date.into()
    }
    /// Where it took place, e.g. "Sunway Hotel"; null when the report does not say.
    async fn venue(&self) -> Option<&str> {
        self.0.venue.as_deref()
    }
    /// The town, province or country it took place in; null when the report does not say.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// What happened, in the report's words; null when not given.
    async fn narrative(&self) -> Option<&str> {
        self.0.narrative.as_deref()
    }
    /// Co-organising organisations, in the order the report names them. At most 50.
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
    /// One row per attendance mode, as reported, in the order IN_PERSON, ONLINE, UNSPECIFIED.
    /// Empty when no participation was recorded.
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
    /// What the activity led to, in the order recorded. At most 100.
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
    /// How these participants attended.
    pub mode: AttendanceMode,
    /// How many took part this way, 0 to 1,000,000.
    pub total: i32,
    /// How many of them were women; null when not recorded, 0 when none.
    pub female: Option<i32>,
    /// How many of them were men; null when not recorded, 0 when none. Women and men together
    /// never outnumber `total`: the rest are people whose sex was not recorded.
    pub male: Option<i32>,
    /// How many of them had a disability; null when not recorded, 0 when none.
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
    /// Everyone who took part, in every mode.
    pub total: i64,
    /// Women, added up over the rows that recorded them (`femaleRecordedOf` participants).
    pub female: i64,
    /// Men, added up over the rows that recorded them (`maleRecordedOf` participants).
    pub male: i64,
    /// People with a disability, added up over the rows that recorded them
    /// (`withDisabilityRecordedOf` participants).
    pub with_disability: i64,
    /// Participants in rows reported IN_PERSON.
    pub in_person: i64,
    /// Participants in rows reported ONLINE.
    pub online: i64,
    /// Participants in rows reported without a mode (UNSPECIFIED): `total` minus `inPerson`
    /// and `online`.
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
    /// female / femaleRecordedOf, or null when no row recorded it. A fraction from 0 to 1
    /// (0.5 is half), the one value here that is a float.
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

/// Narrows a list of activities: every condition given must hold. A grantee's list stays its
/// own whatever the filter names.
#[derive(InputObject, Default)]
#[graphql(name = "ActivityFilter")]
pub struct ActivityFilterInput {
    /// Only activities of this grant.
    pub grant_id: Option<Uuid>,
    /// Only activities of this grantee organisation's grants.
    pub grantee_id: Option<Uuid>,
    /// Only activities filed under this objective.
    pub objective_id: Option<Uuid>,
    /// Only activities filed in this report.
    pub report_id: Option<Uuid>,
    /// Only activities of this kind, e.g. POLICY_DIALOGUE.
    pub kind: Option<ActivityKind>,
    /// Activities overlapping [from, to]: here, those that end on or after this day.
    pub from: Option<Date>,
    /// Only activities that start on or before this day. Not before `from`
    /// (`BAD_USER_INPUT` on `filter.to`).
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

/// What a list of activities can be ordered by; activities that tie are ordered by id.
#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ActivityOrderField {
    /// First day of the event (the default).
    #[default]
    StartDate,
    /// Last day of the event.
    EndDate,
    /// The activity's title.
    Title,
}

/// How to order a list of activities: by start date, ascending, unless told otherwise.
#[derive(InputObject, Default)]
pub struct ActivityOrder {
    /// What to order by; START_DATE when omitted.
    #[graphql(default)]
    pub field: ActivityOrderField,
    /// Which way; ASC when omitted.
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
    let selection = ctx.look_ahead().field("edges").field("node");
    let ahead = async |rows: &[activity::Model]| {
        prefetch::under_activities(ctx, &selection, &rows.iter().collect::<Vec<_>>()).await
    };
    let rows = content::activities(ctx.db()?, ctx.actor()?, &filter, sort, &page, ahead).await?;
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
        #[graphql(desc = "The activity's id (UUID), as `Activity.id` gives it.")] id: Uuid,
    ) -> GqlResult<Option<Activity>> {
        activity_opt(ctx, Some(id)).await
    }

    /// Activities the caller may see, by start date unless ordered otherwise. A grantee sees
    /// only its own, whatever the filter says.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list by grant, grantee, objective, report, kind or dates;\n\
                    every activity the caller may see when omitted."
        )]
        filter: Option<ActivityFilterInput>,
        #[graphql(desc = "How to order the list; by start date, ascending, when omitted.")]
        order_by: Option<ActivityOrder>,
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
    /// How they attended; each mode at most once per activity (`BAD_USER_INPUT` on
    /// `participation[i].mode` otherwise). UNSPECIFIED when the report does not say.
    pub mode: AttendanceMode,
    /// How many took part this way, 0 to 1,000,000.
    pub total: i32,
    /// How many of them were women, at most `total`. Null when not recorded, 0 when none.
    pub female: Option<i32>,
    /// How many of them were men, at most `total` less `female`. Null when not recorded, 0
    /// when none.
    pub male: Option<i32>,
    /// How many of them had a disability, at most `total`. Null when not recorded, 0 when
    /// none.
    pub with_disability: Option<i32>,
}

/// An activity to add to a report.
#[derive(InputObject)]
pub struct CreateActivityInput {
    /// The report the activity is filed in: one the caller may edit (a grantee's own report
    /// while DRAFT or RETURNED; for a scheme manager any report not yet ACCEPTED).
    pub report_id: Uuid,
    /// The grant objective it served: an objective of the report's grant (`BAD_USER_INPUT` on
    /// `objectiveId` otherwise). Omit it when the report files the activity under none.
    pub objective_id: Option<Uuid>,
    /// What kind of event it was.
    pub kind: ActivityKind,
    /// Its title, 1 to 500 characters.
    pub title: String,
    /// First day, within the grant's funding period (`BAD_USER_INPUT` on `startDate`
    /// otherwise). A day outside the report's own period is allowed and shows as the
    /// ACTIVITY_OUTSIDE_PERIOD warning.
    pub start_date: Date,
    /// The last day; the same as `startDate` for a one-day event.
    pub end_date: Date,
    /// Where it took place, e.g. "Sunway Hotel", at most 300 characters; omit it when not
    /// stated.
    pub venue: Option<String>,
    /// The town, province or country, at most 300 characters; omit it when not stated.
    pub location: Option<String>,
    /// What happened, at most 50,000 characters.
    pub narrative: Option<String>,
    /// One row per attendance mode. Give one UNSPECIFIED row when the report gives a number
    /// without saying how people attended; an empty list records no participation, which only
    /// a RESEARCH activity may be submitted with.
    pub participation: Vec<ParticipantCountInput>,
    /// Co-organising organisations, in order. At most 50, each named once; each must be an
    /// organisation the caller may see and not another grantee (`BAD_USER_INPUT` on
    /// `organiserIds[i]` otherwise).
    #[graphql(default)]
    pub organiser_ids: Vec<Uuid>,
    /// Makes the create safe to retry: sent again with the same key and input, it returns
    /// what the first request created and writes nothing; the same key with another input is
    /// `CONFLICT`. 1 to 200 characters of your choosing; keys belong to the token's `sub` and
    /// are remembered for 30 days by default.
    pub idempotency_key: Option<String>,
}

/// Changes an activity. A field left out stays as it is; null clears `objectiveId`, `venue`,
/// `location` or `narrative`; `participation` and `organiserIds`, when given, replace the old
/// lists whole.
#[derive(InputObject)]
pub struct UpdateActivityInput {
    /// Id of the activity to change.
    pub id: Uuid,
    /// `Activity.version` as last read; a stale version is `CONFLICT` and changes nothing.
    pub version: i32,
    /// Another objective of the same grant; null files the activity under none.
    pub objective_id: MaybeUndefined<Uuid>,
    /// New kind; unchanged when omitted or null.
    pub kind: Option<ActivityKind>,
    /// New title, 1 to 500 characters; unchanged when omitted or null.
    pub title: Option<String>,
    /// New first day; the dates must stay within the grant's funding period.
    pub start_date: Option<Date>,
    /// New last day, on or after the (new or kept) `startDate`.
    pub end_date: Option<Date>,
    /// New venue, at most 300 characters; null clears it.
    pub venue: MaybeUndefined<String>,
    /// New location, at most 300 characters; null clears it.
    pub location: MaybeUndefined<String>,
    /// New narrative, at most 50,000 characters; null clears it.
    pub narrative: MaybeUndefined<String>,
    /// Replaces all participation rows when given (an empty list removes them).
    pub participation: Option<Vec<ParticipantCountInput>>,
    /// Replaces the co-organisers when given, under the rules of
    /// `CreateActivityInput.organiserIds` (an empty list removes them).
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
    /// Adds an activity to a report, with its participation rows and co-organisers, while the
    /// caller may edit the report: its grantee while DRAFT or RETURNED, a scheme manager until
    /// ACCEPTED (`CONFLICT` otherwise, naming the state). At most 500 per report
    /// (`BAD_USER_INPUT` on `reportId` beyond). Safe to retry with `idempotencyKey`. Returns
    /// the new activity at version 1.
    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity to add.")] input: CreateActivityInput,
    ) -> GqlResult<Activity> {
        Ok(Activity(run(ctx, CreateActivity::from(input)).await?))
    }

    /// Changes an activity while the caller may edit its report (as for `createActivity`).
    /// Based on the `version` last read: a stale one is `CONFLICT`. Returns the activity at
    /// its new version.
    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity, the version read, and what to change.")]
        input: UpdateActivityInput,
    ) -> GqlResult<Activity> {
        Ok(Activity(run(ctx, UpdateActivity::from(input)).await?))
    }

    /// Deletes an activity with its participation and outcomes; returns it as it was.
    /// Lessons and case studies about it stay in the report, tied to no activity (each at a
    /// new version); the rest of its joint group stays linked. Allowed while the caller may
    /// edit the report, at the `version` last read (`CONFLICT` otherwise).
    async fn delete_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity and the version read.")] input: DeleteInput,
    ) -> GqlResult<Activity> {
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
    /// activities that the caller may see. Name two to 20 activities, each once
    /// (`BAD_USER_INPUT` on `activityIds`); one the caller may not see is `NOT_FOUND` on
    /// `activityIds[i]`.
    async fn link_joint_activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activities that are one event, and which one counts.")]
        input: LinkJointActivitiesInput,
    ) -> GqlResult<Vec<Activity>> {
        let link = LinkJointActivities {
            activity_ids: input.activity_ids,
            counting_activity_id: input.counting_activity_id,
        };
        Ok(run(ctx, link).await?.into_iter().map(Activity).collect())
    }

    /// Takes an activity out of its joint group: it counts as an event of its own again. A group
    /// left with one activity is dissolved. Same permissions as `linkJointActivities`; an
    /// activity in no group is `BAD_USER_INPUT` on `activityId`. Returns the activity.
    async fn unlink_joint_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity to take out of its group.")] input: UnlinkJointActivityInput,
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

/// An activity to count as an event of its own again.
#[derive(InputObject)]
pub struct UnlinkJointActivityInput {
    /// The activity to take out of its joint group.
    pub activity_id: Uuid,
}
