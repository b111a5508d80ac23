//! Indicator results: what a report records against its grant's indicators.

use async_graphql::{Context, InputObject, MaybeUndefined, Object};
use entity::indicator_result;
use uuid::Uuid;

use super::common::{ContextExt, GqlResult};
use super::grant::Indicator;
use super::input::{DeleteInput, change, run};
use super::loaders::IndicatorById;
use super::scalars::Decimal;
use crate::domain::content::Delete;
use crate::domain::content::indicator_result::{RecordIndicatorResult, UpdateIndicatorResult};
use crate::error::Error;

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

impl From<RecordIndicatorResultInput> for RecordIndicatorResult {
    fn from(input: RecordIndicatorResultInput) -> Self {
        Self {
            report_id: input.report_id,
            indicator_id: input.indicator_id,
            actual: input.actual.into_text(),
            narrative: input.narrative,
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
