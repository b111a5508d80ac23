//! Lessons: the challenges met and lessons learned that a report states.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::lesson;
use uuid::Uuid;

use super::activity::{Activity, activity_opt};
use super::common::{GqlResult, LessonKind};
use super::input::{DeleteInput, change, run};
use super::node::node_id;
use crate::domain::content::Delete;
use crate::domain::content::lesson::{AddLesson, UpdateLesson};

pub struct Lesson(pub lesson::Model);

/// A challenge the grantee met or a lesson it learned, as its report states it.
#[Object]
impl Lesson {
    /// Stable identifier (UUID) of the lesson: pass it as `id` to `updateLesson` and
    /// `deleteLesson`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// Challenge or lesson learned.
    async fn kind(&self) -> LessonKind {
        self.0.kind.into()
    }
    /// The challenge or lesson in the report's words.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// The activity it is about, if any; null when it is about none (or that activity was
    /// deleted).
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Option<Activity>> {
        activity_opt(ctx, self.0.activity_id).await
    }
    /// Increases with every change; send it back as `version` to `updateLesson` or
    /// `deleteLesson` so no change is lost.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A challenge or lesson learned to add to a report, after those already there.
#[derive(InputObject)]
pub struct AddLessonInput {
    /// The report it belongs to: one the caller may edit. At most 200 lessons per report
    /// (`BAD_USER_INPUT` on `reportId` beyond).
    pub report_id: Uuid,
    /// Challenge or lesson learned.
    pub kind: LessonKind,
    /// The challenge or lesson in the report's words, 1 to 50,000 characters.
    pub text: String,
    /// The activity it is about, if any (of the same report; `BAD_USER_INPUT` on `activityId`
    /// for any other).
    pub activity_id: Option<Uuid>,
    /// Makes the create safe to retry: sent again with the same key and input, it returns
    /// what the first request created and writes nothing; the same key with another input is
    /// `CONFLICT`. 1 to 200 characters of your choosing; keys belong to the token's `sub` and
    /// are remembered for 30 days by default.
    pub idempotency_key: Option<String>,
}

/// Changes a lesson. A field left out stays as it is; null for `activityId` ties it to no
/// activity.
#[derive(InputObject)]
pub struct UpdateLessonInput {
    /// Id of the lesson to change.
    pub id: Uuid,
    /// `Lesson.version` as last read; a stale version is `CONFLICT` and changes nothing.
    pub version: i32,
    /// New kind; unchanged when omitted or null.
    pub kind: Option<LessonKind>,
    /// New text, 1 to 50,000 characters; unchanged when omitted or null.
    pub text: Option<String>,
    /// Another activity of the same report; null ties the lesson to none.
    pub activity_id: MaybeUndefined<Uuid>,
}

impl From<AddLessonInput> for AddLesson {
    fn from(input: AddLessonInput) -> Self {
        Self {
            report_id: input.report_id,
            kind: input.kind.into(),
            text: input.text,
            activity_id: input.activity_id,
            idempotency_key: input.idempotency_key,
        }
    }
}

impl From<UpdateLessonInput> for UpdateLesson {
    fn from(input: UpdateLessonInput) -> Self {
        Self {
            id: input.id,
            version: input.version,
            kind: input.kind.map(Into::into),
            text: input.text,
            activity_id: change(input.activity_id, |id| id),
        }
    }
}

#[derive(Default)]
pub struct LessonMutation;

#[Object]
impl LessonMutation {
    /// Adds a challenge or lesson learned to a report, after those of its kind already there,
    /// while the caller may edit the report: its grantee while DRAFT or RETURNED, a scheme
    /// manager until ACCEPTED (`CONFLICT` otherwise). Safe to retry with `idempotencyKey`.
    /// Returns the new lesson at version 1.
    async fn add_lesson(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson to add.")] input: AddLessonInput,
    ) -> GqlResult<Lesson> {
        Ok(Lesson(run(ctx, AddLesson::from(input)).await?))
    }

    /// Changes a lesson while the caller may edit its report. Based on the `version` last
    /// read: a stale one is `CONFLICT`. Returns the lesson at its new version.
    async fn update_lesson(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson, the version read, and what to change.")]
        input: UpdateLessonInput,
    ) -> GqlResult<Lesson> {
        Ok(Lesson(run(ctx, UpdateLesson::from(input)).await?))
    }

    /// Deletes a lesson at the `version` last read, while the caller may edit the report
    /// (`CONFLICT` otherwise). Returns it as it was.
    async fn delete_lesson(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson and the version read.")] input: DeleteInput,
    ) -> GqlResult<Lesson> {
        let delete = Delete::<lesson::Entity>::new(input.id, input.version);
        Ok(Lesson(run(ctx, delete).await?))
    }
}
