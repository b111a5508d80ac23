//! Outcomes: what an activity led to.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::outcome;
use uuid::Uuid;

use super::activity::Activity;
use super::common::{ContextExt, GqlResult, OutcomeKind};
use super::input::{DeleteInput, change, run};
use super::loaders::ActivityById;
use super::node::node_id;
use super::scalars::Date;
use crate::domain::content::Delete;
use crate::domain::content::outcome::{RecordOutcome, UpdateOutcome};
use crate::error::Error;

pub struct Outcome(pub outcome::Model);

#[Object]
impl Outcome {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    async fn kind(&self) -> OutcomeKind {
        self.0.kind.into()
    }
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// Who, e.g. "H.E. Khiev Hok, Head of Department".
    async fn actor(&self) -> Option<&str> {
        self.0.actor.as_deref()
    }
    async fn institution(&self) -> Option<&str> {
        self.0.institution.as_deref()
    }
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
    async fn date(&self) -> Option<Date> {
        self.0.date.map(Into::into)
    }
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Activity> {
        ctx.loader()?
            .load_one(ActivityById(self.0.activity_id))
            .await?
            .map(Activity)
            .ok_or_else(|| Error::NotFound("activity").into())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
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

impl From<RecordOutcomeInput> for RecordOutcome {
    fn from(input: RecordOutcomeInput) -> Self {
        Self {
            activity_id: input.activity_id,
            kind: input.kind.into(),
            statement: input.statement,
            actor: input.actor,
            institution: input.institution,
            evidence: input.evidence,
            date: input.date.map(Date::into_text),
            idempotency_key: input.idempotency_key,
        }
    }
}

impl From<UpdateOutcomeInput> for UpdateOutcome {
    fn from(input: UpdateOutcomeInput) -> Self {
        Self {
            id: input.id,
            version: input.version,
            activity_id: input.activity_id,
            kind: input.kind.map(Into::into),
            statement: input.statement,
            actor: change(input.actor, |v| v),
            institution: change(input.institution, |v| v),
            evidence: change(input.evidence, |v| v),
            date: change(input.date, Date::into_text),
        }
    }
}

#[derive(Default)]
pub struct OutcomeMutation;

#[Object]
impl OutcomeMutation {
    async fn record_outcome(
        &self,
        ctx: &Context<'_>,
        input: RecordOutcomeInput,
    ) -> GqlResult<Outcome> {
        Ok(Outcome(run(ctx, RecordOutcome::from(input)).await?))
    }

    async fn update_outcome(
        &self,
        ctx: &Context<'_>,
        input: UpdateOutcomeInput,
    ) -> GqlResult<Outcome> {
        Ok(Outcome(run(ctx, UpdateOutcome::from(input)).await?))
    }

    async fn delete_outcome(&self, ctx: &Context<'_>, input: DeleteInput) -> GqlResult<Outcome> {
        let delete = Delete::<outcome::Entity>::new(input.id, input.version);
        Ok(Outcome(run(ctx, delete).await?))
    }
}
