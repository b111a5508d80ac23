//! Corrections: the values of a report that had to be inferred or corrected to be stored.

use async_graphql::{Context, ID, InputObject, Object};
use entity::correction;
use uuid::Uuid;

use super::common::GqlResult;
use super::input::run;
use super::node::node_id;
use crate::domain::report::correction::AddCorrection;

/// A value that had to be inferred or corrected to be stored: where it is (`field`), what the
/// source says (`asReported`, null when it says nothing), what is stored (`recordedAs`) and why.
pub struct Correction(pub correction::Model);

#[Object]
impl Correction {
    /// The correction's own id.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// Where the value is stored, e.g. `report.periodStart` or `activity.location`.
    async fn field(&self) -> &str {
        &self.0.field
    }
    /// As the source prints it; null when the source states nothing.
    async fn as_reported(&self) -> Option<&str> {
        self.0.as_reported.as_deref()
    }
    /// What the service stores instead.
    async fn recorded_as(&self) -> &str {
        &self.0.recorded_as
    }
    /// Why the value had to be inferred or corrected.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

#[derive(InputObject)]
pub struct AddCorrectionInput {
    /// The report the value belongs to (its grantee, while DRAFT or RETURNED, or a scheme manager).
    pub report_id: Uuid,
    /// Where the value is stored, e.g. `report.periodStart` or `activity.location`.
    pub field: String,
    /// As the source prints it; null when the source states nothing.
    pub as_reported: Option<String>,
    /// What the service stores instead.
    pub recorded_as: String,
    /// Why the value had to be inferred or corrected.
    pub reason: String,
}

impl From<AddCorrectionInput> for AddCorrection {
    fn from(input: AddCorrectionInput) -> Self {
        Self {
            report_id: input.report_id,
            field: input.field,
            as_reported: input.as_reported,
            recorded_as: input.recorded_as,
            reason: input.reason,
        }
    }
}

#[derive(Default)]
pub struct CorrectionMutation;

#[Object]
impl CorrectionMutation {
    /// Records a value of a report that had to be inferred or corrected; audited like every write.
    async fn add_correction(
        &self,
        ctx: &Context<'_>,
        input: AddCorrectionInput,
    ) -> GqlResult<Correction> {
        Ok(Correction(run(ctx, AddCorrection::from(input)).await?))
    }
}
