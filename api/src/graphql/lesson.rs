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

#[Object]
impl Lesson {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
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
    async fn add_lesson(&self, ctx: &Context<'_>, input: AddLessonInput) -> GqlResult<Lesson> {
        Ok(Lesson(run(ctx, AddLesson::from(input)).await?))
    }

    async fn update_lesson(
        &self,
        ctx: &Context<'_>,
        input: UpdateLessonInput,
    ) -> GqlResult<Lesson> {
        Ok(Lesson(run(ctx, UpdateLesson::from(input)).await?))
    }

    async fn delete_lesson(&self, ctx: &Context<'_>, input: DeleteInput) -> GqlResult<Lesson> {
        let delete = Delete::<lesson::Entity>::new(input.id, input.version);
        Ok(Lesson(run(ctx, delete).await?))
    }
}
