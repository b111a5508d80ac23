//! Reports and the narrative parts of them: indicator results, lessons, case studies.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use entity::{case_study, indicator_result, lesson, report};
use uuid::Uuid;

use super::activity::Activity;
use super::common::{ContextExt, GqlResult, LessonKind, ReportKind, ReportStatus};
use super::grant::{Grant, Indicator, date_range};
use super::loaders::{
    ActivitiesOfReport, ActivityById, CaseStudiesOfReport, GrantById, IndicatorById,
    IndicatorResultsOfReport, LessonsOfReport,
};
use super::scalars::{Date, Decimal};
use crate::domain::idempotency::Idempotency;
use crate::domain::reporting::{self, NewReport, ReportFilter};
use crate::domain::values::{limits, optional_text, required_text};
use crate::error::{Error, Problems, Result};

pub struct Report(pub report::Model);

super::common::connection!(ReportConnection, ReportEdge, Report);

/// Who prepared a report.
#[derive(SimpleObject)]
pub struct Person {
    pub name: String,
    pub role: Option<String>,
}

#[Object]
impl Report {
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
    async fn activities(&self, ctx: &Context<'_>) -> GqlResult<Vec<Activity>> {
        let rows = ctx
            .loader()?
            .load_one(ActivitiesOfReport(self.0.id))
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Activity).collect())
    }
    /// Challenges first, then lessons learned, each in the order given.
    async fn lessons(&self, ctx: &Context<'_>) -> GqlResult<Vec<Lesson>> {
        let rows = ctx.loader()?.load_one(LessonsOfReport(self.0.id)).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Lesson).collect())
    }
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

pub struct IndicatorResult(pub indicator_result::Model);

#[Object]
impl IndicatorResult {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn indicator(&self, ctx: &Context<'_>) -> GqlResult<Indicator> {
        ctx.loader()?
            .load_one(IndicatorById(self.0.indicator_id))
            .await?
            .map(Indicator)
            .ok_or_else(|| Error::NotFound("indicator").into())
    }
    async fn actual(&self) -> Decimal {
        Decimal::from_text(self.0.actual.clone())
    }
    async fn narrative(&self) -> Option<&str> {
        self.0.narrative.as_deref()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

pub struct Lesson(pub lesson::Model);

#[Object]
impl Lesson {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn kind(&self) -> LessonKind {
        self.0.kind.into()
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// The activity it is about, if any.
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Option<Activity>> {
        activity_opt(ctx, self.0.activity_id).await
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

pub struct CaseStudy(pub case_study::Model);

#[Object]
impl CaseStudy {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn narrative(&self) -> &str {
        &self.0.narrative
    }
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Option<Activity>> {
        activity_opt(ctx, self.0.activity_id).await
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

async fn activity_opt(ctx: &Context<'_>, id: Option<Uuid>) -> GqlResult<Option<Activity>> {
    match id {
        Some(id) => Ok(ctx
            .loader()?
            .load_one(ActivityById(id))
            .await?
            .map(Activity)),
        None => Ok(None),
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
        let rows = reporting::reports(ctx.db()?, ctx.actor()?, &filter, &page).await?;
        Ok(ReportConnection::from_page(rows, Report))
    }

    /// One report, or null if there is none the caller may see.
    async fn report(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Report>> {
        Ok(reporting::report(ctx.db()?, ctx.actor()?, id)
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

impl CreateReportInput {
    fn into_domain(self) -> Result<NewReport> {
        let mut p = Problems::new();
        let period = date_range(
            &mut p,
            &self.period_start,
            "periodStart",
            &self.period_end,
            "periodEnd",
        );
        let due_date = p.take(self.due_date.day("dueDate"));
        let name = p.take(required_text(
            "preparedBy.name",
            &self.prepared_by.name,
            limits::PERSON,
        ));
        let role = p.take(optional_text(
            "preparedBy.role",
            self.prepared_by.role.as_deref(),
            limits::NAME,
        ));
        p.into_result()?;
        let (period, due_date) = (Problems::checked(period)?, Problems::checked(due_date)?);
        let (name, role) = (Problems::checked(name)?, Problems::checked(role)?);
        Ok(NewReport {
            grant_id: self.grant_id,
            kind: self.kind.into(),
            period,
            due_date,
            prepared_by_name: name,
            prepared_by_role: role,
        })
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
        let key_text = input.idempotency_key.clone();
        let new = input.into_domain()?;
        let key = Idempotency::new(key_text.as_deref(), "createReport", &new)?;
        let report = reporting::create_report(ctx.db()?, ctx.actor()?, &new, key.as_ref()).await?;
        Ok(Report(report))
    }
}
