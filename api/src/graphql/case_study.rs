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

/// A story a report tells to show what its work changed, e.g. "Phnom Penh Internet Forum".
#[Object]
impl CaseStudy {
    /// Stable identifier (UUID) of the case study: pass it as `id` to `updateCaseStudy` and
    /// `deleteCaseStudy`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The story's title as the report gives it.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The story in the report's words.
    async fn narrative(&self) -> &str {
        &self.0.narrative
    }
    /// The activity the story is about; null when it is about none (or that activity was
    /// deleted).
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Option<Activity>> {
        activity_opt(ctx, self.0.activity_id).await
    }
    /// Increases with every change; send it back as `version` to `updateCaseStudy` or
    /// `deleteCaseStudy` so no change is lost.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A case study to add to a report, after those already there.
#[derive(InputObject)]
pub struct AddCaseStudyInput {
    /// The report it belongs to: one the caller may edit. At most 100 case studies per
    /// report (`BAD_USER_INPUT` on `reportId` beyond).
    pub report_id: Uuid,
    /// The story's title, 1 to 500 characters.
    pub title: String,
    /// The story, 1 to 50,000 characters.
    pub narrative: String,
    /// The activity it is about, if any (of the same report; `BAD_USER_INPUT` on `activityId`
    /// for any other).
    pub activity_id: Option<Uuid>,
    /// Makes the create safe to retry: sent again with the same key and input, it returns
    /// what the first request created and writes nothing; the same key with another input is
    /// `CONFLICT`. 1 to 200 characters of your choosing; keys belong to the token's `sub` and
    /// are remembered for 30 days by default.
    pub idempotency_key: Option<String>,
}

/// Changes a case study. A field left out stays as it is; null for `activityId` ties it to no
/// activity.
#[derive(InputObject)]
pub struct UpdateCaseStudyInput {
    /// Id of the case study to change.
    pub id: Uuid,
    /// `CaseStudy.version` as last read; a stale version is `CONFLICT` and changes nothing.
    pub version: i32,
    /// New title, 1 to 500 characters; unchanged when omitted or null.
    pub title: Option<String>,
    /// New narrative, 1 to 50,000 characters; unchanged when omitted or null.
    pub narrative: Option<String>,
    /// Another activity of the same report; null ties the case study to none.
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
    /// Adds a case study to a report, after those already there, while the caller may edit
    /// the report: its grantee while DRAFT or RETURNED, a scheme manager until ACCEPTED
    /// (`CONFLICT` otherwise). Safe to retry with `idempotencyKey`. Returns the new case study
    /// at version 1.
    async fn add_case_study(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case study to add.")] input: AddCaseStudyInput,
    ) -> GqlResult<CaseStudy> {
        Ok(CaseStudy(run(ctx, AddCaseStudy::from(input)).await?))
    }

    /// Changes a case study while the caller may edit its report. Based on the `version` last
    /// read: a stale one is `CONFLICT`. Returns the case study at its new version.
    async fn update_case_study(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case study, the version read, and what to change.")]
        input: UpdateCaseStudyInput,
    ) -> GqlResult<CaseStudy> {
        Ok(CaseStudy(run(ctx, UpdateCaseStudy::from(input)).await?))
    }

    /// Deletes a case study at the `version` last read, while the caller may edit the report
    /// (`CONFLICT` otherwise). Returns it as it was.
    async fn delete_case_study(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case study and the version read.")] input: DeleteInput,
    ) -> GqlResult<CaseStudy> {
        let delete = Delete::<case_study::Entity>::new(input.id, input.version);
        Ok(CaseStudy(run(ctx, delete).await?))
    }
}
