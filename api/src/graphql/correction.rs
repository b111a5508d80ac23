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

/// A value of a report that had to be inferred or corrected to be stored, e.g. a reporting
/// period printed "5th August 2025 to 31 January 2025" recorded as 2024-08-05 to 2025-01-31.
/// It keeps what the source says beside what the service stores, so no inference passes for
/// fact.
#[Object]
impl Correction {
    /// Stable identifier (UUID) of the correction itself, not of the object it corrects.
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

/// A value of a report that had to be inferred or corrected to be stored.
#[derive(InputObject)]
pub struct AddCorrectionInput {
    /// The report the value belongs to (its grantee, while DRAFT or RETURNED, or a scheme manager).
    pub report_id: Uuid,
    /// Where the value is stored, e.g. `report.periodStart` or `activity.location`; 1 to 200
    /// characters.
    pub field: String,
    /// As the source prints it; null when the source states nothing. At most 5,000
    /// characters.
    pub as_reported: Option<String>,
    /// What the service stores instead, 1 to 5,000 characters.
    pub recorded_as: String,
    /// Why the value had to be inferred or corrected, 1 to 5,000 characters.
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
    /// Whoever may edit the report may add one: its grantee while DRAFT or RETURNED, a scheme
    /// manager until ACCEPTED (`CONFLICT` otherwise). At most 200 per report
    /// (`BAD_USER_INPUT` on `reportId` beyond). Returns the new correction, listed last in
    /// `Report.corrections`.
    async fn add_correction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, the value's place, and what was reported and recorded.")]
        input: AddCorrectionInput,
    ) -> GqlResult<Correction> {
        Ok(Correction(run(ctx, AddCorrection::from(input)).await?))
    }
}
