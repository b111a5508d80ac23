//! Reports: reading them, opening and editing them, and their workflow.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::report;
use uuid::Uuid;

use super::activity::{Activity, ParticipationSummary};
use super::case_study::CaseStudy;
use super::common::{ContextExt, GqlResult, ReportKind, ReportStatus};
use super::correction::Correction;
use super::cost;
use super::grant::Grant;
use super::indicator_result::IndicatorResult;
use super::input::run;
use super::lesson::Lesson;
use super::loaders::{
    ActivitiesOfReport, CaseStudiesOfReport, CorrectionsOfReport, GrantById,
    IndicatorResultsOfReport, LessonsOfReport, ParticipationOfReport,
};
use super::node::node_id;
use super::scalars::Date;
use crate::domain::report::edit::{CreateReport, PersonText, UpdateReport};
use crate::domain::report::warnings::{self, WarningCode};
use crate::domain::report::workflow::{AcceptReport, ReturnReport, SubmitReport};
use crate::domain::report::{self as reports, ReportFilter};
use crate::error::{Error, Result};

pub struct Report(pub report::Model);

super::common::connection!(ReportConnection, ReportEdge, Report);

/// Who prepared a report.
#[derive(SimpleObject)]
pub struct Person {
    /// Full name, e.g. "Chheng Samuth".
    pub name: String,
    /// Their role or position, e.g. "Research and MEAL Specialist"; null when not given.
    pub role: Option<String>,
}

/// What a data warning is about.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataWarningCode {
    /// An activity in the same scheme, not linked to it, on overlapping dates at the same venue
    /// or with the same title.
    PossibleDuplicateActivity,
    /// A row without a mode beside rows in person or online on one activity.
    OverlappingModes,
    /// Another report of the same kind on the grant covers part of the same period.
    OverlappingReportPeriod,
    /// A result's actual differs from the number of activities it names as evidence.
    IndicatorEvidenceMismatch,
    /// The sex of more than half of the report's participants is not recorded.
    SexNotRecorded,
    /// An activity lies outside the reporting period.
    ActivityOutsidePeriod,
}

impl From<WarningCode> for DataWarningCode {
    fn from(code: WarningCode) -> Self {
        match code {
            WarningCode::PossibleDuplicateActivity => Self::PossibleDuplicateActivity,
            WarningCode::OverlappingModes => Self::OverlappingModes,
            WarningCode::OverlappingReportPeriod => Self::OverlappingReportPeriod,
            WarningCode::IndicatorEvidenceMismatch => Self::IndicatorEvidenceMismatch,
            WarningCode::SexNotRecorded => Self::SexNotRecorded,
            WarningCode::ActivityOutsidePeriod => Self::ActivityOutsidePeriod,
        }
    }
}

/// A doubt about a report's data; it never blocks a write.
#[derive(SimpleObject)]
pub struct DataWarning {
    /// What kind of doubt it is; count them with `portfolioSummary.warnings`.
    pub code: DataWarningCode,
    /// The doubt in words, naming the objects and figures involved, for a person to read.
    pub message: String,
    /// The input field it is about, e.g. `participation`, `startDate`, `activityIds` or
    /// `periodStart`; null when it is about no one field.
    pub field: Option<String>,
    /// The objects involved: activities, reports or indicator results.
    pub related_ids: Vec<Uuid>,
}

impl From<warnings::DataWarning> for DataWarning {
    fn from(w: warnings::DataWarning) -> Self {
        Self {
            code: w.code.into(),
            message: w.message,
            field: w.field,
            related_ids: w.related_ids,
        }
    }
}

/// A report a grantee files on its grant for a reporting period: the activities it ran, who
/// took part, its results against the grant's indicators, lessons and case studies. The
/// scheme manager reviews it (`status`).
#[Object]
impl Report {
    /// Stable identifier (UUID) of the report: pass it to `report(id:)`, as `reportId` when
    /// adding content to it, and as `id` to the workflow mutations.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The grant the report is filed on.
    async fn grant(&self, ctx: &Context<'_>) -> GqlResult<Grant> {
        ctx.loader()?
            .load_one(GrantById(self.0.grant_id))
            .await?
            .map(Grant)
            .ok_or_else(|| Error::NotFound("grant").into())
    }
    /// Progress or completion report.
    async fn kind(&self) -> ReportKind {
        self.0.kind.into()
    }
    /// Where the report is in its review, which decides who may still change it.
    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }
    /// Increases with every change; send it back with an update so no change is lost.
    /// Changes to the report itself (its fields and status) move it; adding or editing its
    /// activities and other content does not.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// First day of the reporting period, within the grant's funding period.
    async fn period_start(&self) -> Date {
        self.0.period_start.into()
    }
    /// Last day of the reporting period: on or after `periodStart`, within the grant's
    /// funding period.
    async fn period_end(&self) -> Date {
        self.0.period_end.into()
    }
    /// The day the report is due. A report due before today that is still DRAFT or RETURNED
    /// is listed in `portfolioSummary.overdueReports`.
    async fn due_date(&self) -> Date {
        self.0.due_date.into()
    }
    /// Set by the service when the report is submitted: the server's clock at its latest
    /// submission. Null until it is first submitted.
    async fn submitted_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.submitted_at
    }
    /// Who prepared the report, as the report names them.
    async fn prepared_by(&self) -> Person {
        Person {
            name: self.0.prepared_by_name.clone(),
            role: self.0.prepared_by_role.clone(),
        }
    }
    /// Why the scheme manager returned the report, as it said when it last returned it. Kept
    /// while the report is edited and submitted again, cleared when it is accepted; null when
    /// it was never returned.
    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }
    /// Activities, by start date. At most 500.
    #[graphql(complexity = "cost::list(cost::ACTIVITIES, child_complexity)")]
    async fn activities(&self, ctx: &Context<'_>) -> GqlResult<Vec<Activity>> {
        let rows = ctx
            .loader()?
            .load_one(ActivitiesOfReport(self.0.id))
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Activity).collect())
    }
    /// The participation of the report's activities added up, each joint event counted once.
    async fn participation(&self, ctx: &Context<'_>) -> GqlResult<ParticipationSummary> {
        let totals = ctx
            .loader()?
            .load_one(ParticipationOfReport(self.0.id))
            .await?;
        Ok(totals.unwrap_or_default().into())
    }
    /// Doubts about the report's data, computed now over what the caller may see; never blocking.
    /// Costs 1,000 towards the request's cost limit.
    #[graphql(complexity = "cost::SUMMARY + child_complexity")]
    async fn warnings(&self, ctx: &Context<'_>) -> GqlResult<Vec<DataWarning>> {
        let found = warnings::of_report(ctx.db()?, ctx.actor()?, &self.0).await?;
        Ok(found.into_iter().map(DataWarning::from).collect())
    }
    /// The values that had to be inferred or corrected to be stored, in the order recorded.
    /// At most 200.
    #[graphql(complexity = "cost::list(cost::CORRECTIONS, child_complexity)")]
    async fn corrections(&self, ctx: &Context<'_>) -> GqlResult<Vec<Correction>> {
        let rows = ctx
            .loader()?
            .load_one(CorrectionsOfReport(self.0.id))
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Correction)
            .collect())
    }
    /// Challenges first, then lessons learned, each in the order given. At most 200.
    #[graphql(complexity = "cost::list(cost::LESSONS, child_complexity)")]
    async fn lessons(&self, ctx: &Context<'_>) -> GqlResult<Vec<Lesson>> {
        let rows = ctx.loader()?.load_one(LessonsOfReport(self.0.id)).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Lesson).collect())
    }
    /// The report's case studies, in the order given. At most 100.
    #[graphql(complexity = "cost::list(cost::CASE_STUDIES, child_complexity)")]
    async fn case_studies(&self, ctx: &Context<'_>) -> GqlResult<Vec<CaseStudy>> {
        let rows = ctx
            .loader()?
            .load_one(CaseStudiesOfReport(self.0.id))
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(CaseStudy)
            .collect())
    }
    /// The values the report records against the grant's indicators, at most one per
    /// indicator, in the order recorded.
    #[graphql(complexity = "cost::list(cost::INDICATOR_RESULTS, child_complexity)")]
    async fn indicator_results(&self, ctx: &Context<'_>) -> GqlResult<Vec<IndicatorResult>> {
        let rows = ctx
            .loader()?
            .load_one(IndicatorResultsOfReport(self.0.id))
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(IndicatorResult)
            .collect())
    }
}

/// Narrows a list of reports: every condition given must hold. A grantee's list stays its own
/// whatever the filter names.
#[derive(InputObject, Default)]
#[graphql(name = "ReportFilter")]
pub struct ReportFilterInput {
    /// Only reports on this grant.
    pub grant_id: Option<Uuid>,
    /// Only reports on the grants of this grantee organisation.
    pub grantee_id: Option<Uuid>,
    /// Only reports in this status, e.g. SUBMITTED for the reports awaiting review.
    pub status: Option<ReportStatus>,
    /// Only reports of this kind.
    pub kind: Option<ReportKind>,
    /// Reports due strictly before this day.
    pub due_before: Option<Date>,
}

impl ReportFilterInput {
    fn into_domain(self) -> Result<ReportFilter> {
        Ok(ReportFilter {
            grant_id: self.grant_id,
            grantee_id: self.grantee_id,
            status: self.status.map(Into::into),
            kind: self.kind.map(Into::into),
            due_before: self
                .due_before
                .map(|d| d.day("filter.dueBefore"))
                .transpose()?,
        })
    }
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Reports the caller may see, by due date. A grantee sees only its own, whatever the
    /// filter says.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list by grant, grantee, status, kind or due date; every\n\
                    report the caller may see when omitted."
        )]
        filter: Option<ReportFilterInput>,
        #[graphql(desc = "Page size: how many reports to return, 0 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor of the last item already read (`pageInfo.endCursor`); the page\n\
                    starts after it. Omit for the first page."
        )]
        after: Option<String>,
    ) -> GqlResult<ReportConnection> {
        let filter = filter
            .map(ReportFilterInput::into_domain)
            .transpose()?
            .unwrap_or_default();
        let page = ctx.page(first, after)?;
        let rows = reports::reports(ctx.db()?, ctx.actor()?, &filter, &page).await?;
        Ok(ReportConnection::from_page(rows, Report))
    }

    /// One report, or null if there is none the caller may see (another grantee's report
    /// reads as null too). Costs 100 towards the request's cost limit.
    #[graphql(complexity = "cost::LOOKUP + child_complexity")]
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id (UUID) of the report, as `Report.id` gives it.")] id: Uuid,
    ) -> GqlResult<Option<Report>> {
        Ok(reports::report(ctx.db()?, ctx.actor()?, id)
            .await?
            .map(Report))
    }
}

/// Who prepared a report.
#[derive(InputObject)]
pub struct PersonInput {
    /// Full name, 1 to 200 characters.
    pub name: String,
    /// Their role or position, at most 300 characters.
    pub role: Option<String>,
}

/// A report to open on a grant.
#[derive(InputObject)]
pub struct CreateReportInput {
    /// The grant the report is on. A grantee opens reports only on its own grants (another
    /// grantee's is `NOT_FOUND`).
    pub grant_id: Uuid,
    /// Progress or completion report.
    pub kind: ReportKind,
    /// First day of the reporting period, on or after the grant's `startDate`
    /// (`BAD_USER_INPUT` on `periodStart` otherwise).
    pub period_start: Date,
    /// Last day of the reporting period: on or after `periodStart` and on or before the
    /// grant's `endDate` (`BAD_USER_INPUT` on `periodEnd` otherwise, as for a period printed
    /// "5th August 2025 to 31 January 2025").
    pub period_end: Date,
    /// The day the report is due.
    pub due_date: Date,
    /// Who prepared the report.
    pub prepared_by: PersonInput,
    /// Makes the create safe to retry: sent again with the same key and input, it returns
    /// what the first request created and writes nothing; the same key with another input is
    /// `CONFLICT`. 1 to 200 characters of your choosing; keys belong to the token's `sub` and
    /// are remembered for 30 days by default.
    pub idempotency_key: Option<String>,
}

/// Changes a report's kind, period, due date or author. Fields omitted or null stay as they
/// are.
#[derive(InputObject)]
pub struct UpdateReportInput {
    /// Id of the report to change.
    pub id: Uuid,
    /// The version the change is based on: `Report.version` as last read. A stale version is
    /// `CONFLICT` and changes nothing.
    pub version: i32,
    /// New kind; unchanged when omitted or null.
    pub kind: Option<ReportKind>,
    /// New first day of the reporting period; the period must still end on or after it and
    /// lie within the grant's funding period.
    pub period_start: Option<Date>,
    /// New last day of the reporting period, on or after the (new or kept) `periodStart` and
    /// on or before the grant's `endDate`.
    pub period_end: Option<Date>,
    /// New due date; unchanged when omitted or null.
    pub due_date: Option<Date>,
    /// Who prepared the report, replacing both name and role; unchanged when omitted or
    /// null.
    pub prepared_by: Option<PersonInput>,
}

/// Submits a report at the version the caller read.
#[derive(InputObject)]
pub struct SubmitReportInput {
    /// Id of the report to submit.
    pub id: Uuid,
    /// `Report.version` as last read; a stale version is `CONFLICT`.
    pub version: i32,
}

/// Accepts a SUBMITTED report at the version the caller read.
#[derive(InputObject)]
pub struct AcceptReportInput {
    /// Id of the report to accept.
    pub id: Uuid,
    /// `Report.version` as last read; a stale version is `CONFLICT`.
    pub version: i32,
}

/// Returns a SUBMITTED report to its grantee at the version the caller read.
#[derive(InputObject)]
pub struct ReturnReportInput {
    /// Id of the report to return.
    pub id: Uuid,
    /// `Report.version` as last read; a stale version is `CONFLICT`.
    pub version: i32,
    /// What the grantee must change, 1 to 5,000 characters; shown to it with the report as
    /// `Report.returnReason`.
    pub reason: String,
}

impl From<PersonInput> for PersonText {
    fn from(person: PersonInput) -> Self {
        Self {
            name: person.name,
            role: person.role,
        }
    }
}

impl From<CreateReportInput> for CreateReport {
    fn from(input: CreateReportInput) -> Self {
        Self {
            grant_id: input.grant_id,
            kind: input.kind.into(),
            period_start: input.period_start.into_text(),
            period_end: input.period_end.into_text(),
            due_date: input.due_date.into_text(),
            prepared_by: input.prepared_by.into(),
            idempotency_key: input.idempotency_key,
        }
    }
}

impl From<UpdateReportInput> for UpdateReport {
    fn from(input: UpdateReportInput) -> Self {
        Self {
            id: input.id,
            version: input.version,
            kind: input.kind.map(Into::into),
            period_start: input.period_start.map(Date::into_text),
            period_end: input.period_end.map(Date::into_text),
            due_date: input.due_date.map(Date::into_text),
            prepared_by: input.prepared_by.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct ReportMutation;

#[Object]
impl ReportMutation {
    /// Opens a DRAFT report on a grant (its grantee, or a scheme manager). The reporting period
    /// lies within the grant's funding period; at most 100 reports per grant
    /// (`BAD_USER_INPUT` on `grantId` beyond). Safe to retry with `idempotencyKey`. Returns
    /// the new report at version 1.
    async fn create_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report to open.")] input: CreateReportInput,
    ) -> GqlResult<Report> {
        Ok(Report(run(ctx, CreateReport::from(input)).await?))
    }

    /// Changes a report's period, kind, due date or author while it may be edited: by its
    /// grantee while DRAFT or RETURNED, by a scheme manager until ACCEPTED (`CONFLICT`
    /// otherwise, naming the state). Based on the `version` last read: a stale one is
    /// `CONFLICT`. Returns the report at its new version.
    async fn update_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, the version read, and what to change.")]
        input: UpdateReportInput,
    ) -> GqlResult<Report> {
        Ok(Report(run(ctx, UpdateReport::from(input)).await?))
    }

    /// Submits a DRAFT or RETURNED report after checking all of it; every problem is listed.
    /// Its grantee or a scheme manager may submit. The checks: at least one activity,
    /// participation rows on every activity but RESEARCH, every activity inside the grant's
    /// funding period, and on a COMPLETION report a result for every indicator. A failed check
    /// is `BAD_USER_INPUT` with every problem in `extensions.problems` (fields such as
    /// `activities[2].participation` or `indicatorResults`); another state or a stale
    /// `version` is `CONFLICT`. Sets `submittedAt` and returns the SUBMITTED report.
    async fn submit_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report and the version read.")] input: SubmitReportInput,
    ) -> GqlResult<Report> {
        let submit = SubmitReport {
            id: input.id,
            version: input.version,
        };
        Ok(Report(run(ctx, submit).await?))
    }

    /// Accepts a SUBMITTED report (scheme managers). Final. Grantees are `FORBIDDEN`; a report
    /// in another state, or a stale `version`, is `CONFLICT`. Clears `returnReason` and
    /// returns the ACCEPTED report, which nobody may change again.
    async fn accept_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report and the version read.")] input: AcceptReportInput,
    ) -> GqlResult<Report> {
        let accept = AcceptReport {
            id: input.id,
            version: input.version,
        };
        Ok(Report(run(ctx, accept).await?))
    }

    /// Returns a SUBMITTED report to its grantee with the reason (scheme managers). Grantees
    /// are `FORBIDDEN`; a report in another state, or a stale `version`, is `CONFLICT`. The
    /// grantee reads the reason as `Report.returnReason`, edits the RETURNED report and
    /// submits it again.
    async fn return_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, the version read, and the reason.")] input: ReturnReportInput,
    ) -> GqlResult<Report> {
        let back = ReturnReport {
            id: input.id,
            version: input.version,
            reason: input.reason,
        };
        Ok(Report(run(ctx, back).await?))
    }
}
