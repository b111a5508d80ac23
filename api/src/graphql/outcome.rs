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

/// A result an activity led to, e.g. a ministry official's commitment, with who made it and
/// the evidence for it.
#[Object]
impl Outcome {
    /// Stable identifier (UUID) of the outcome: pass it as `id` to `updateOutcome` and
    /// `deleteOutcome`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// What kind of result it is.
    async fn kind(&self) -> OutcomeKind {
        self.0.kind.into()
    }
    /// The result in the report's words.
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// Who, e.g. "H.E. Khiev Hok, Head of Department"; null when not stated.
    async fn actor(&self) -> Option<&str> {
        self.0.actor.as_deref()
    }
    /// The institution the actor speaks for or the result concerns, e.g. a ministry; null when
    /// not stated.
    async fn institution(&self) -> Option<&str> {
        self.0.institution.as_deref()
    }
    /// What shows the result happened, e.g. minutes, a letter or a news report; null when not
    /// stated.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
    /// The day the result happened; null when not stated.
    async fn date(&self) -> Option<Date> {
        self.0.date.map(Into::into)
    }
    /// The activity that led to the result.
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Activity> {
        ctx.loader()?
            .load_one(ActivityById(self.0.activity_id))
            .await?
            .map(Activity)
            .ok_or_else(|| Error::NotFound("activity").into())
    }
    /// Increases with every change; send it back as `version` to `updateOutcome` or
    /// `deleteOutcome` so no change is lost.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A result to record against an activity.
#[derive(InputObject)]
pub struct RecordOutcomeInput {
    /// The activity that led to it, in a report the caller may edit. At most 100 outcomes per
    /// activity (`BAD_USER_INPUT` on `activityId` beyond).
    pub activity_id: Uuid,
    /// What kind of result it is.
    pub kind: OutcomeKind,
    /// The result in the report's words, 1 to 5,000 characters.
    pub statement: String,
    /// Who, e.g. "H.E. Khiev Hok, Head of Department", at most 300 characters.
    pub actor: Option<String>,
    /// The institution the actor speaks for or the result concerns, at most 300 characters.
    pub institution: Option<String>,
    /// What shows the result happened, at most 5,000 characters.
    pub evidence: Option<String>,
    /// The day it happened; omit it when not stated.
    pub date: Option<Date>,
    /// Makes the create safe to retry: sent again with the same key and input, it returns
    /// what the first request created and writes nothing; the same key with another input is
    /// `CONFLICT`. 1 to 200 characters of your choosing; keys belong to the token's `sub` and
    /// are remembered for 30 days by default.
    pub idempotency_key: Option<String>,
}

/// Changes an outcome. A field left out stays as it is; null clears `actor`, `institution`,
/// `evidence` or `date`.
#[derive(InputObject)]
pub struct UpdateOutcomeInput {
    /// Id of the outcome to change.
    pub id: Uuid,
    /// `Outcome.version` as last read; a stale version is `CONFLICT` and changes nothing.
    pub version: i32,
    /// Moves the outcome to another activity of the same report (`BAD_USER_INPUT` on
    /// `activityId` for any other); unchanged when omitted or null.
    pub activity_id: Option<Uuid>,
    /// New kind; unchanged when omitted or null.
    pub kind: Option<OutcomeKind>,
    /// New statement, 1 to 5,000 characters; unchanged when omitted or null.
    pub statement: Option<String>,
    /// New actor, at most 300 characters; null clears it.
    pub actor: MaybeUndefined<String>,
    /// New institution, at most 300 characters; null clears it.
    pub institution: MaybeUndefined<String>,
    /// New evidence, at most 5,000 characters; null clears it.
    pub evidence: MaybeUndefined<String>,
    /// New date; null clears it.
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
    /// Records a result an activity led to, while the caller may edit the activity's report:
    /// its grantee while DRAFT or RETURNED, a scheme manager until ACCEPTED (`CONFLICT`
    /// otherwise). Safe to retry with `idempotencyKey`. Returns the new outcome at version 1.
    async fn record_outcome(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The result to record.")] input: RecordOutcomeInput,
    ) -> GqlResult<Outcome> {
        Ok(Outcome(run(ctx, RecordOutcome::from(input)).await?))
    }

    /// Changes an outcome, or moves it to another activity of the same report, while the
    /// caller may edit the report. Based on the `version` last read: a stale one is
    /// `CONFLICT`. Returns the outcome at its new version.
    async fn update_outcome(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The outcome, the version read, and what to change.")]
        input: UpdateOutcomeInput,
    ) -> GqlResult<Outcome> {
        Ok(Outcome(run(ctx, UpdateOutcome::from(input)).await?))
    }

    /// Deletes an outcome at the `version` last read, while the caller may edit the report
    /// (`CONFLICT` otherwise). Returns it as it was.
    async fn delete_outcome(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The outcome and the version read.")] input: DeleteInput,
    ) -> GqlResult<Outcome> {
        let delete = Delete::<outcome::Entity>::new(input.id, input.version);
        Ok(Outcome(run(ctx, delete).await?))
    }
}
