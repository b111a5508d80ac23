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
    pub name: String,
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
    pub code: DataWarningCode,
    pub message: String,
    /// The input field it is about, if one.
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

#[Object]
impl Report {
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
    async fn kind(&self) -> ReportKind {
        self.0.kind.into()
    }
    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }
    /// Increases with every change; send it back with an update so no change is lost.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn period_start(&self) -> Date {
        self.0.period_start.into()
    }
    async fn period_end(&self) -> Date {
        self.0.period_end.into()
    }
    async fn due_date(&self) -> Date {
        self.0.due_date.into()
    }
    /// Set by the service when the report is submitted.
    async fn submitted_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.submitted_at
    }
    async fn prepared_by(&self) -> Person {
        Person {
            name: self.0.prepared_by_name.clone(),
            role: self.0.prepared_by_role.clone(),
        }
    }
    /// Why the scheme manager returned the report, while it is RETURNED.
    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }
    /// Activities, by start date.
    #[graphql(complexity = "cost::list(cost::ACTIVITIES, child_complexity)")]
    async fn activities(&self, ctx: &Context<'_>) -> GqlResult<Vec<Activity>> {
        let rows = ctx
            .loader()?
            .load_one(ActivitiesOfReport(self.0.id))
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Activity).collect())
    }
    /// The participation of the report's activities added up.
    async fn participation(&self, ctx: &Context<'_>) -> GqlResult<ParticipationSummary> {
        let totals = ctx
            .loader()?
            .load_one(ParticipationOfReport(self.0.id))
            .await?;
        Ok(totals.unwrap_or_default().into())
    }
    /// Doubts about the report's data, computed now over what the caller may see; never blocking.
    #[graphql(complexity = "cost::SUMMARY + child_complexity")]
    async fn warnings(&self, ctx: &Context<'_>) -> GqlResult<Vec<DataWarning>> {
        let found = warnings::of_report(ctx.db()?, ctx.actor()?, &self.0).await?;
        Ok(found.into_iter().map(DataWarning::from).collect())
    }
    /// The values that had to be inferred or corrected to be stored, in the order recorded.
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
    /// Challenges first, then lessons learned, each in the order given.
    #[graphql(complexity = "cost::list(cost::LESSONS, child_complexity)")]
    async fn lessons(&self, ctx: &Context<'_>) -> GqlResult<Vec<Lesson>> {
        let rows = ctx.loader()?.load_one(LessonsOfReport(self.0.id)).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Lesson).collect())
    }
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

#[derive(InputObject, Default)]
#[graphql(name = "ReportFilter")]
pub struct ReportFilterInput {
    pub grant_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub status: Option<ReportStatus>,
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
    /// Reports the caller may see, by due date.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportFilterInput>,
        first: Option<i32>,
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

    /// One report, or null if there is none the caller may see.
    #[graphql(complexity = "cost::LOOKUP + child_complexity")]
    async fn report(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Report>> {
        Ok(reports::report(ctx.db()?, ctx.actor()?, id)
            .await?
            .map(Report))
    }
}

#[derive(InputObject)]
pub struct PersonInput {
    pub name: String,
    pub role: Option<String>,
}

#[derive(InputObject)]
pub struct CreateReportInput {
    pub grant_id: Uuid,
    pub kind: ReportKind,
    pub period_start: Date,
    pub period_end: Date,
    pub due_date: Date,
    pub prepared_by: PersonInput,
    /// Repeat a create with the same key to retry it safely.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateReportInput {
    pub id: Uuid,
    /// The version the change is based on.
    pub version: i32,
    pub kind: Option<ReportKind>,
    pub period_start: Option<Date>,
    pub period_end: Option<Date>,
    pub due_date: Option<Date>,
    pub prepared_by: Option<PersonInput>,
}

#[derive(InputObject)]
pub struct SubmitReportInput {
    pub id: Uuid,
    pub version: i32,
}

#[derive(InputObject)]
pub struct AcceptReportInput {
    pub id: Uuid,
    pub version: i32,
}

#[derive(InputObject)]
pub struct ReturnReportInput {
    pub id: Uuid,
    pub version: i32,
    /// What the grantee must change; shown to it with the report.
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
    /// Opens a DRAFT report on a grant (its grantee, or a scheme manager).
    async fn create_report(
        &self,
        ctx: &Context<'_>,
        input: CreateReportInput,
    ) -> GqlResult<Report> {
        Ok(Report(run(ctx, CreateReport::from(input)).await?))
    }

    /// Changes a report's period, kind, due date or author while it may be edited.
    async fn update_report(
        &self,
        ctx: &Context<'_>,
        input: UpdateReportInput,
    ) -> GqlResult<Report> {
        Ok(Report(run(ctx, UpdateReport::from(input)).await?))
    }

    /// Submits a DRAFT or RETURNED report after checking all of it; every problem is listed.
    async fn submit_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitReportInput,
    ) -> GqlResult<Report> {
        let submit = SubmitReport {
            id: input.id,
            version: input.version,
        };
        Ok(Report(run(ctx, submit).await?))
    }

    /// Accepts a SUBMITTED report (scheme managers). Final.
    async fn accept_report(
        &self,
        ctx: &Context<'_>,
        input: AcceptReportInput,
    ) -> GqlResult<Report> {
        let accept = AcceptReport {
            id: input.id,
            version: input.version,
        };
        Ok(Report(run(ctx, accept).await?))
    }

    /// Returns a SUBMITTED report to its grantee with the reason (scheme managers).
    async fn return_report(
        &self,
        ctx: &Context<'_>,
        input: ReturnReportInput,
    ) -> GqlResult<Report> {
        let back = ReturnReport {
            id: input.id,
            version: input.version,
            reason: input.reason,
        };
        Ok(Report(run(ctx, back).await?))
    }
}
