//! The write API of reporting: the report workflow and everything a report contains. Inputs are
//! checked here, field by field, into the domain's validated types; the domain does the rest.

use async_graphql::{Context, InputObject, MaybeUndefined, Object};
use uuid::Uuid;

use super::activity::{Activity, Outcome};
use super::common::{
    ActivityKind, AttendanceMode, ContextExt, GqlResult, LessonKind, OutcomeKind, ReportKind,
};
use super::grant::date_range;
use super::report::{CaseStudy, IndicatorResult, Lesson, PersonInput, Report};
use super::scalars::{Date, Decimal};
use crate::domain::filing::{
    self, ActivityChanges, CaseStudyChanges, IndicatorResultChanges, LessonChanges, NewActivity,
    NewCaseStudy, NewIndicatorResult, NewLesson, NewOutcome, OutcomeChanges, OutcomeFields,
    Removable, Removed, ReportChanges, Review,
};
use crate::domain::idempotency::Idempotency;
use crate::domain::values::{
    ParticipantCount, Participation, limits, optional_text, quantity, required_text,
};
use crate::error::{Error, Problems, Result};

/// `MaybeUndefined` as "leave" (`None`), "clear" (`Some(None)`) or "set" (`Some(Some(v))`).
fn change<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// An optional text field that may be left, cleared or set.
fn text_change(
    p: &mut Problems,
    field: &str,
    value: MaybeUndefined<String>,
    max: usize,
) -> Option<Option<String>> {
    match change(value) {
        None => None,
        Some(None) => Some(None),
        Some(Some(v)) => p.take(optional_text(field, Some(&v), max)),
    }
}

fn date_change(p: &mut Problems, field: &str, value: Option<Date>) -> Option<chrono::NaiveDate> {
    value.and_then(|d| p.take(d.day(field)))
}

/// How many attended one way.
#[derive(InputObject)]
pub struct ParticipantCountInput {
    pub mode: AttendanceMode,
    pub total: i32,
    pub female: i32,
    pub with_disability: Option<i32>,
}

fn participation(field: &str, rows: Vec<ParticipantCountInput>) -> Result<Participation> {
    Participation::new(
        field,
        rows.into_iter()
            .enumerate()
            .map(|(i, r)| {
                ParticipantCount::new(
                    &format!("{field}[{i}]"),
                    r.mode.into(),
                    r.total,
                    r.female,
                    r.with_disability,
                )
            })
            .collect(),
    )
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

/// Deletes one object at the version the caller saw.
#[derive(InputObject)]
pub struct DeleteInput {
    pub id: Uuid,
    pub version: i32,
}

#[derive(InputObject)]
pub struct RecordOutcomeInput {
    pub activity_id: Uuid,
    pub kind: OutcomeKind,
    pub statement: String,
    /// Who, e.g. "H.E. Khiev Hok, Head of Department".
    pub actor: Option<String>,
    pub institution: Option<String>,
    pub evidence: Option<String>,
    pub date: Option<Date>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateOutcomeInput {
    pub id: Uuid,
    pub version: i32,
    /// Moves the outcome to another activity of the same report.
    pub activity_id: Option<Uuid>,
    pub kind: Option<OutcomeKind>,
    pub statement: Option<String>,
    pub actor: MaybeUndefined<String>,
    pub institution: MaybeUndefined<String>,
    pub evidence: MaybeUndefined<String>,
    pub date: MaybeUndefined<Date>,
}

#[derive(InputObject)]
pub struct RecordIndicatorResultInput {
    pub report_id: Uuid,
    pub indicator_id: Uuid,
    pub actual: Decimal,
    pub narrative: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateIndicatorResultInput {
    pub id: Uuid,
    pub version: i32,
    pub actual: Option<Decimal>,
    pub narrative: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct AddLessonInput {
    pub report_id: Uuid,
    pub kind: LessonKind,
    pub text: String,
    /// The activity it is about, if any (of the same report).
    pub activity_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateLessonInput {
    pub id: Uuid,
    pub version: i32,
    pub kind: Option<LessonKind>,
    pub text: Option<String>,
    pub activity_id: MaybeUndefined<Uuid>,
}

#[derive(InputObject)]
pub struct AddCaseStudyInput {
    pub report_id: Uuid,
    pub title: String,
    pub narrative: String,
    pub activity_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateCaseStudyInput {
    pub id: Uuid,
    pub version: i32,
    pub title: Option<String>,
    pub narrative: Option<String>,
    pub activity_id: MaybeUndefined<Uuid>,
}

impl CreateActivityInput {
    fn into_domain(self) -> Result<(NewActivity, Option<String>)> {
        let mut p = Problems::new();
        let title = p.take(required_text("title", &self.title, limits::TITLE));
        let dates = date_range(
            &mut p,
            &self.start_date,
            "startDate",
            &self.end_date,
            "endDate",
        );
        let venue = p.take(optional_text("venue", self.venue.as_deref(), limits::NAME));
        let location = p.take(optional_text(
            "location",
            self.location.as_deref(),
            limits::NAME,
        ));
        let narrative = p.take(optional_text(
            "narrative",
            self.narrative.as_deref(),
            limits::NARRATIVE,
        ));
        let rows = p.take(participation("participation", self.participation));
        p.into_result()?;
        Ok((
            NewActivity {
                report_id: self.report_id,
                objective_id: self.objective_id,
                kind: self.kind.into(),
                title: Problems::checked(title)?,
                dates: Problems::checked(dates)?,
                venue: Problems::checked(venue)?,
                location: Problems::checked(location)?,
                narrative: Problems::checked(narrative)?,
                participation: Problems::checked(rows)?,
                organiser_ids: self.organiser_ids,
            },
            self.idempotency_key,
        ))
    }
}

impl UpdateActivityInput {
    fn into_domain(self) -> Result<ActivityChanges> {
        let mut p = Problems::new();
        let title = self
            .title
            .and_then(|t| p.take(required_text("title", &t, limits::TITLE)));
        let start_date = date_change(&mut p, "startDate", self.start_date);
        let end_date = date_change(&mut p, "endDate", self.end_date);
        let venue = text_change(&mut p, "venue", self.venue, limits::NAME);
        let location = text_change(&mut p, "location", self.location, limits::NAME);
        let narrative = text_change(&mut p, "narrative", self.narrative, limits::NARRATIVE);
        let rows = self
            .participation
            .and_then(|rows| p.take(participation("participation", rows)));
        p.into_result()?;
        Ok(ActivityChanges {
            id: self.id,
            version: self.version,
            objective_id: change(self.objective_id),
            kind: self.kind.map(Into::into),
            title,
            start_date,
            end_date,
            venue,
            location,
            narrative,
            participation: rows,
            organiser_ids: self.organiser_ids,
        })
    }
}

fn key(
    value: Option<String>,
    operation: &'static str,
    input: &impl std::fmt::Debug,
) -> Result<Option<Idempotency>> {
    Idempotency::new(value.as_deref(), operation, input)
}

#[derive(Default)]
pub struct FilingMutation;

#[Object]
impl FilingMutation {
    /// Changes a report's period, kind, due date or author while it may be edited.
    async fn update_report(
        &self,
        ctx: &Context<'_>,
        input: UpdateReportInput,
    ) -> GqlResult<Report> {
        let mut p = Problems::new();
        let period_start = date_change(&mut p, "periodStart", input.period_start);
        let period_end = date_change(&mut p, "periodEnd", input.period_end);
        let due_date = date_change(&mut p, "dueDate", input.due_date);
        let (name, role) = match input.prepared_by {
            Some(person) => (
                p.take(required_text(
                    "preparedBy.name",
                    &person.name,
                    limits::PERSON,
                )),
                p.take(optional_text(
                    "preparedBy.role",
                    person.role.as_deref(),
                    limits::NAME,
                )),
            ),
            None => (None, None),
        };
        p.into_result()?;
        let changes = ReportChanges {
            id: input.id,
            version: input.version,
            kind: input.kind.map(Into::into),
            period_start,
            period_end,
            due_date,
            prepared_by_name: name,
            prepared_by_role: role,
        };
        Ok(Report(
            filing::update_report(ctx.db()?, ctx.actor()?, &changes).await?,
        ))
    }

    /// Submits a DRAFT or RETURNED report after checking all of it; every problem is listed.
    async fn submit_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitReportInput,
    ) -> GqlResult<Report> {
        Ok(Report(
            filing::submit_report(ctx.db()?, ctx.actor()?, input.id, input.version).await?,
        ))
    }

    /// Accepts a SUBMITTED report (scheme managers). Final.
    async fn accept_report(
        &self,
        ctx: &Context<'_>,
        input: AcceptReportInput,
    ) -> GqlResult<Report> {
        let report = filing::review_report(
            ctx.db()?,
            ctx.actor()?,
            input.id,
            input.version,
            Review::Accept,
            None,
        )
        .await?;
        Ok(Report(report))
    }

    /// Returns a SUBMITTED report to its grantee with the reason (scheme managers).
    async fn return_report(
        &self,
        ctx: &Context<'_>,
        input: ReturnReportInput,
    ) -> GqlResult<Report> {
        let reason = required_text("reason", &input.reason, limits::REASON)?;
        let report = filing::review_report(
            ctx.db()?,
            ctx.actor()?,
            input.id,
            input.version,
            Review::Return,
            Some(&reason),
        )
        .await?;
        Ok(Report(report))
    }

    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        input: CreateActivityInput,
    ) -> GqlResult<Activity> {
        let (new, key_text) = input.into_domain()?;
        let key = key(key_text, "createActivity", &new)?;
        Ok(Activity(
            filing::create_activity(ctx.db()?, ctx.actor()?, &new, key.as_ref()).await?,
        ))
    }

    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        input: UpdateActivityInput,
    ) -> GqlResult<Activity> {
        let changes = input.into_domain()?;
        Ok(Activity(
            filing::update_activity(ctx.db()?, ctx.actor()?, &changes).await?,
        ))
    }

    /// Deletes an activity with its participation and outcomes; returns it as it was.
    async fn delete_activity(&self, ctx: &Context<'_>, input: DeleteInput) -> GqlResult<Activity> {
        Ok(Activity(
            filing::delete_activity(ctx.db()?, ctx.actor()?, input.id, input.version).await?,
        ))
    }

    async fn record_outcome(
        &self,
        ctx: &Context<'_>,
        input: RecordOutcomeInput,
    ) -> GqlResult<Outcome> {
        let mut p = Problems::new();
        let statement = p.take(required_text(
            "statement",
            &input.statement,
            limits::STATEMENT,
        ));
        let actor = p.take(optional_text("actor", input.actor.as_deref(), limits::NAME));
        let institution = p.take(optional_text(
            "institution",
            input.institution.as_deref(),
            limits::NAME,
        ));
        let evidence = p.take(optional_text(
            "evidence",
            input.evidence.as_deref(),
            limits::STATEMENT,
        ));
        let date = date_change(&mut p, "date", input.date);
        p.into_result()?;
        let new = NewOutcome {
            activity_id: input.activity_id,
            fields: OutcomeFields {
                kind: input.kind.into(),
                statement: Problems::checked(statement)?,
                actor: Problems::checked(actor)?,
                institution: Problems::checked(institution)?,
                evidence: Problems::checked(evidence)?,
                date,
            },
        };
        let key = key(input.idempotency_key, "recordOutcome", &new)?;
        Ok(Outcome(
            filing::record_outcome(ctx.db()?, ctx.actor()?, &new, key.as_ref()).await?,
        ))
    }

    async fn update_outcome(
        &self,
        ctx: &Context<'_>,
        input: UpdateOutcomeInput,
    ) -> GqlResult<Outcome> {
        let mut p = Problems::new();
        let statement = input
            .statement
            .and_then(|s| p.take(required_text("statement", &s, limits::STATEMENT)));
        let actor = text_change(&mut p, "actor", input.actor, limits::NAME);
        let institution = text_change(&mut p, "institution", input.institution, limits::NAME);
        let evidence = text_change(&mut p, "evidence", input.evidence, limits::STATEMENT);
        let date = match change(input.date) {
            None => None,
            Some(None) => Some(None),
            Some(Some(d)) => p.take(d.day("date")).map(Some),
        };
        p.into_result()?;
        let changes = OutcomeChanges {
            id: input.id,
            version: input.version,
            activity_id: input.activity_id,
            kind: input.kind.map(Into::into),
            statement,
            actor,
            institution,
            evidence,
            date,
        };
        Ok(Outcome(
            filing::update_outcome(ctx.db()?, ctx.actor()?, &changes).await?,
        ))
    }

    async fn delete_outcome(&self, ctx: &Context<'_>, input: DeleteInput) -> GqlResult<Outcome> {
        match filing::remove(
            ctx.db()?,
            ctx.actor()?,
            Removable::Outcome,
            input.id,
            input.version,
        )
        .await?
        {
            Removed::Outcome(m) => Ok(Outcome(m)),
            _ => Err(Error::internal("deleteOutcome removed something else").into()),
        }
    }

    async fn record_indicator_result(
        &self,
        ctx: &Context<'_>,
        input: RecordIndicatorResultInput,
    ) -> GqlResult<IndicatorResult> {
        let mut p = Problems::new();
        let actual = p.take(quantity("actual", input.actual.as_str()));
        let narrative = p.take(optional_text(
            "narrative",
            input.narrative.as_deref(),
            limits::NARRATIVE,
        ));
        p.into_result()?;
        let new = NewIndicatorResult {
            report_id: input.report_id,
            indicator_id: input.indicator_id,
            actual: Problems::checked(actual)?,
            narrative: Problems::checked(narrative)?,
        };
        let key = key(input.idempotency_key, "recordIndicatorResult", &new)?;
        Ok(IndicatorResult(
            filing::record_indicator_result(ctx.db()?, ctx.actor()?, &new, key.as_ref()).await?,
        ))
    }

    async fn update_indicator_result(
        &self,
        ctx: &Context<'_>,
        input: UpdateIndicatorResultInput,
    ) -> GqlResult<IndicatorResult> {
        let mut p = Problems::new();
        let actual = input
            .actual
            .and_then(|a| p.take(quantity("actual", a.as_str())));
        let narrative = text_change(&mut p, "narrative", input.narrative, limits::NARRATIVE);
        p.into_result()?;
        let changes = IndicatorResultChanges {
            id: input.id,
            version: input.version,
            actual,
            narrative,
        };
        Ok(IndicatorResult(
            filing::update_indicator_result(ctx.db()?, ctx.actor()?, &changes).await?,
        ))
    }

    async fn delete_indicator_result(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> GqlResult<IndicatorResult> {
        match filing::remove(
            ctx.db()?,
            ctx.actor()?,
            Removable::IndicatorResult,
            input.id,
            input.version,
        )
        .await?
        {
            Removed::IndicatorResult(m) => Ok(IndicatorResult(m)),
            _ => Err(Error::internal("deleteIndicatorResult removed something else").into()),
        }
    }

    async fn add_lesson(&self, ctx: &Context<'_>, input: AddLessonInput) -> GqlResult<Lesson> {
        let text = required_text("text", &input.text, limits::NARRATIVE)?;
        let new = NewLesson {
            report_id: input.report_id,
            kind: input.kind.into(),
            text,
            activity_id: input.activity_id,
        };
        let key = key(input.idempotency_key, "addLesson", &new)?;
        Ok(Lesson(
            filing::add_lesson(ctx.db()?, ctx.actor()?, &new, key.as_ref()).await?,
        ))
    }

    async fn update_lesson(
        &self,
        ctx: &Context<'_>,
        input: UpdateLessonInput,
    ) -> GqlResult<Lesson> {
        let text = input
            .text
            .map(|t| required_text("text", &t, limits::NARRATIVE))
            .transpose()?;
        let changes = LessonChanges {
            id: input.id,
            version: input.version,
            kind: input.kind.map(Into::into),
            text,
            activity_id: change(input.activity_id),
        };
        Ok(Lesson(
            filing::update_lesson(ctx.db()?, ctx.actor()?, &changes).await?,
        ))
    }

    async fn delete_lesson(&self, ctx: &Context<'_>, input: DeleteInput) -> GqlResult<Lesson> {
        match filing::remove(
            ctx.db()?,
            ctx.actor()?,
            Removable::Lesson,
            input.id,
            input.version,
        )
        .await?
        {
            Removed::Lesson(m) => Ok(Lesson(m)),
            _ => Err(Error::internal("deleteLesson removed something else").into()),
        }
    }

    async fn add_case_study(
        &self,
        ctx: &Context<'_>,
        input: AddCaseStudyInput,
    ) -> GqlResult<CaseStudy> {
        let mut p = Problems::new();
        let title = p.take(required_text("title", &input.title, limits::TITLE));
        let narrative = p.take(required_text(
            "narrative",
            &input.narrative,
            limits::NARRATIVE,
        ));
        p.into_result()?;
        let new = NewCaseStudy {
            report_id: input.report_id,
            title: Problems::checked(title)?,
            narrative: Problems::checked(narrative)?,
            activity_id: input.activity_id,
        };
        let key = key(input.idempotency_key, "addCaseStudy", &new)?;
        Ok(CaseStudy(
            filing::add_case_study(ctx.db()?, ctx.actor()?, &new, key.as_ref()).await?,
        ))
    }

    async fn update_case_study(
        &self,
        ctx: &Context<'_>,
        input: UpdateCaseStudyInput,
    ) -> GqlResult<CaseStudy> {
        let mut p = Problems::new();
        let title = input
            .title
            .and_then(|t| p.take(required_text("title", &t, limits::TITLE)));
        let narrative = input
            .narrative
            .and_then(|n| p.take(required_text("narrative", &n, limits::NARRATIVE)));
        p.into_result()?;
        let changes = CaseStudyChanges {
            id: input.id,
            version: input.version,
            title,
            narrative,
            activity_id: change(input.activity_id),
        };
        Ok(CaseStudy(
            filing::update_case_study(ctx.db()?, ctx.actor()?, &changes).await?,
        ))
    }

    async fn delete_case_study(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> GqlResult<CaseStudy> {
        match filing::remove(
            ctx.db()?,
            ctx.actor()?,
            Removable::CaseStudy,
            input.id,
            input.version,
        )
        .await?
        {
            Removed::CaseStudy(m) => Ok(CaseStudy(m)),
            _ => Err(Error::internal("deleteCaseStudy removed something else").into()),
        }
    }
}
