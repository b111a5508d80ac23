//! Indicator results: what a report records against its grant's indicators.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::indicator_result;
use uuid::Uuid;

use super::activity::Activity;
use super::common::{ContextExt, GqlResult};
use super::cost;
use super::grant::Indicator;
use super::input::{DeleteInput, change, run};
use super::loaders::{ActivityById, EvidenceOfResult, IndicatorById};
use super::node::node_id;
use super::scalars::Decimal;
use crate::domain::content::Delete;
use crate::domain::content::indicator_result::{RecordIndicatorResult, UpdateIndicatorResult};
use crate::error::Error;

pub struct IndicatorResult(pub indicator_result::Model);

/// The value a report records for one of its grant's indicators ("Three (3) policy dialogues
/// were conducted": actual 3), with the activities that count as its evidence.
#[Object]
impl IndicatorResult {
    /// Stable identifier (UUID) of the result: pass it as `id` to `updateIndicatorResult` and
    /// `deleteIndicatorResult`.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// The indicator the value is for, with its unit, baseline and target.
    async fn indicator(&self, ctx: &Context<'_>) -> GqlResult<Indicator> {
        ctx.loader()?
            .load_one(IndicatorById(self.0.indicator_id))
            .await?
            .map(Indicator)
            .ok_or_else(|| Error::NotFound("indicator").into())
    }
    /// The value achieved, as an exact decimal in the indicator's unit, e.g. "3".
    async fn actual(&self) -> Decimal {
        Decimal::from_text(self.0.actual.clone())
    }
    /// How the value was reached, in the report's words; null when not given.
    async fn narrative(&self) -> Option<&str> {
        self.0.narrative.as_deref()
    }
    /// The activities the result counts as its evidence, in the order given.
    #[graphql(complexity = "cost::list(cost::ACTIVITIES, child_complexity)")]
    async fn activities(&self, ctx: &Context<'_>) -> GqlResult<Vec<Activity>> {
        let loader = ctx.loader()?;
        let links = loader
            .load_one(EvidenceOfResult(self.0.id))
            .await?
            .unwrap_or_default();
        let keys: Vec<ActivityById> = links.iter().map(|l| ActivityById(l.activity_id)).collect();
        let mut found = loader.load_many(keys).await?;
        Ok(links
            .iter()
            .filter_map(|l| found.remove(&ActivityById(l.activity_id)))
            .map(Activity)
            .collect())
    }
    /// Increases with every change; send it back as `version` to `updateIndicatorResult` or
    /// `deleteIndicatorResult` so no change is lost.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A value to record for one indicator in a report.
#[derive(InputObject)]
pub struct RecordIndicatorResultInput {
    /// The report the value belongs to: one the caller may edit.
    pub report_id: Uuid,
    /// The indicator, one of the report's grant (`BAD_USER_INPUT` on `indicatorId` otherwise).
    /// A report records one result per indicator: a second is `BAD_USER_INPUT`; update the
    /// first instead.
    pub indicator_id: Uuid,
    /// The value achieved, as an exact decimal string, e.g. "3"; at most 40 characters, may be
    /// negative.
    pub actual: Decimal,
    /// How the value was reached, at most 50,000 characters.
    pub narrative: Option<String>,
    /// The activities the result counts (of the same report), in order. At most 500, each
    /// named once (`BAD_USER_INPUT` on `activityIds[i]` otherwise). When their number differs
    /// from `actual`, the report carries an INDICATOR_EVIDENCE_MISMATCH warning.
    #[graphql(default)]
    pub activity_ids: Vec<Uuid>,
    /// Makes the create safe to retry: sent again with the same key and input, it returns
    /// what the first request created and writes nothing; the same key with another input is
    /// `CONFLICT`. 1 to 200 characters of your choosing; keys belong to the token's `sub` and
    /// are remembered for 30 days by default.
    pub idempotency_key: Option<String>,
}

/// Changes an indicator result. A field left out stays as it is; null clears `narrative`.
#[derive(InputObject)]
pub struct UpdateIndicatorResultInput {
    /// Id of the result to change.
    pub id: Uuid,
    /// `IndicatorResult.version` as last read; a stale version is `CONFLICT` and changes
    /// nothing.
    pub version: i32,
    /// New value, as an exact decimal string; unchanged when omitted or null.
    pub actual: Option<Decimal>,
    /// New narrative, at most 50,000 characters; null clears it.
    pub narrative: MaybeUndefined<String>,
    /// Replaces the activities the result counts when given, under the rules of
    /// `RecordIndicatorResultInput.activityIds` (an empty list removes them).
    pub activity_ids: Option<Vec<Uuid>>,
}

impl From<RecordIndicatorResultInput> for RecordIndicatorResult {
    fn from(input: RecordIndicatorResultInput) -> Self {
        Self {
            report_id: input.report_id,
            indicator_id: input.indicator_id,
            actual: input.actual.into_text(),
            narrative: input.narrative,
            activity_ids: input.activity_ids,
            idempotency_key: input.idempotency_key,
        }
    }
}

impl From<UpdateIndicatorResultInput> for UpdateIndicatorResult {
    fn from(input: UpdateIndicatorResultInput) -> Self {
        Self {
            id: input.id,
            version: input.version,
            actual: input.actual.map(Decimal::into_text),
            narrative: change(input.narrative, |n| n),
            activity_ids: input.activity_ids,
        }
    }
}

#[derive(Default)]
pub struct IndicatorResultMutation;

#[Object]
impl IndicatorResultMutation {
    /// Records the value a report achieved for one indicator, with the activities that count
    /// as its evidence, while the caller may edit the report: its grantee while DRAFT or
    /// RETURNED, a scheme manager until ACCEPTED (`CONFLICT` otherwise). Safe to retry with
    /// `idempotencyKey`. Returns the new result at version 1.
    async fn record_indicator_result(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The value to record.")] input: RecordIndicatorResultInput,
    ) -> GqlResult<IndicatorResult> {
        let record = RecordIndicatorResult::from(input);
        Ok(IndicatorResult(run(ctx, record).await?))
    }

    /// Changes an indicator result's value, narrative or evidence while the caller may edit
    /// the report. Based on the `version` last read: a stale one is `CONFLICT`. Returns the
    /// result at its new version.
    async fn update_indicator_result(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The result, the version read, and what to change.")]
        input: UpdateIndicatorResultInput,
    ) -> GqlResult<IndicatorResult> {
        let update = UpdateIndicatorResult::from(input);
        Ok(IndicatorResult(run(ctx, update).await?))
    }

    /// Deletes an indicator result at the `version` last read, while the caller may edit the
    /// report (`CONFLICT` otherwise). Returns it as it was.
    async fn delete_indicator_result(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The result and the version read.")] input: DeleteInput,
    ) -> GqlResult<IndicatorResult> {
        let delete = Delete::<indicator_result::Entity>::new(input.id, input.version);
        Ok(IndicatorResult(run(ctx, delete).await?))
    }
}
