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

#[Object]
impl IndicatorResult {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
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
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(InputObject)]
pub struct RecordIndicatorResultInput {
    pub report_id: Uuid,
    pub indicator_id: Uuid,
    pub actual: Decimal,
    pub narrative: Option<String>,
    /// The activities the result counts (of the same report), in order.
    #[graphql(default)]
    pub activity_ids: Vec<Uuid>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateIndicatorResultInput {
    pub id: Uuid,
    pub version: i32,
    pub actual: Option<Decimal>,
    pub narrative: MaybeUndefined<String>,
    /// Replaces the activities the result counts when given.
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
    async fn record_indicator_result(
        &self,
        ctx: &Context<'_>,
        input: RecordIndicatorResultInput,
    ) -> GqlResult<IndicatorResult> {
        let record = RecordIndicatorResult::from(input);
        Ok(IndicatorResult(run(ctx, record).await?))
    }

    async fn update_indicator_result(
        &self,
        ctx: &Context<'_>,
        input: UpdateIndicatorResultInput,
    ) -> GqlResult<IndicatorResult> {
        let update = UpdateIndicatorResult::from(input);
        Ok(IndicatorResult(run(ctx, update).await?))
    }

    async fn delete_indicator_result(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> GqlResult<IndicatorResult> {
        let delete = Delete::<indicator_result::Entity>::new(input.id, input.version);
        Ok(IndicatorResult(run(ctx, delete).await?))
    }
}
