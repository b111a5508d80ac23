//! Case studies: the stories a report tells.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::case_study;
use uuid::Uuid;

use super::activity::{Activity, activity_opt};
use super::common::GqlResult;
use super::input::{DeleteInput, change, run};
use super::node::node_id;
use crate::domain::content::Delete;
use crate::domain::content::case_study::{AddCaseStudy, UpdateCaseStudy};

pub struct CaseStudy(pub case_study::Model);

#[Object]
impl CaseStudy {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
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

impl From<AddCaseStudyInput> for AddCaseStudy {
    fn from(input: AddCaseStudyInput) -> Self {
        Self {
            report_id: input.report_id,
            title: input.title,
            narrative: input.narrative,
            activity_id: input.activity_id,
            idempotency_key: input.idempotency_key,
        }
    }
}

impl From<UpdateCaseStudyInput> for UpdateCaseStudy {
    fn from(input: UpdateCaseStudyInput) -> Self {
        Self {
            id: input.id,
            version: input.version,
            title: input.title,
            narrative: input.narrative,
            activity_id: change(input.activity_id, |id| id),
        }
    }
}

#[derive(Default)]
pub struct CaseStudyMutation;

#[Object]
impl CaseStudyMutation {
    async fn add_case_study(
        &self,
        ctx: &Context<'_>,
        input: AddCaseStudyInput,
    ) -> GqlResult<CaseStudy> {
        Ok(CaseStudy(run(ctx, AddCaseStudy::from(input)).await?))
    }

    async fn update_case_study(
        &self,
        ctx: &Context<'_>,
        input: UpdateCaseStudyInput,
    ) -> GqlResult<CaseStudy> {
        Ok(CaseStudy(run(ctx, UpdateCaseStudy::from(input)).await?))
    }

    async fn delete_case_study(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> GqlResult<CaseStudy> {
        let delete = Delete::<case_study::Entity>::new(input.id, input.version);
        Ok(CaseStudy(run(ctx, delete).await?))
    }
}
