//! Corrections: what had to be inferred or corrected for a report's data to be stored at all
//! (a date printed with the wrong year, a reference the source never gives), recorded beside the
//! data so an API user sees the inference instead of mistaking it for what the source says.

use chrono::Utc;
use entity::correction;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::editable_report;
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_write;
use crate::domain::portfolio::grant_of;
use crate::domain::scope::scoped;
use crate::domain::values::{caps, limits, optional_text, required_text};
use crate::domain::write::{Change, Owner, Tx, Write};
use crate::error::{Problems, Result};

/// `addCorrection`: one inferred or corrected value of a report, after those already recorded.
/// Whoever may edit the report may add one: its grantee while it is DRAFT or RETURNED, the
/// scheme manager until it is ACCEPTED.
#[derive(Clone, Debug)]
pub struct AddCorrection {
    pub report_id: Uuid,
    /// Where the value is stored, e.g. `report.periodStart`.
    pub field: String,
    /// As the source prints it; `None` when the source says nothing.
    pub as_reported: Option<String>,
    pub recorded_as: String,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct NewCorrection {
    pub report_id: Uuid,
    pub field: String,
    pub as_reported: Option<String>,
    pub recorded_as: String,
    pub reason: String,
}

impl Write for AddCorrection {
    const ACTION: &'static str = "addCorrection";
    type Checked = NewCorrection;
    type Output = correction::Model;

    fn check(&self) -> Result<NewCorrection> {
        let mut p = Problems::new();
        let field = p.take(required_text("field", &self.field, limits::PERSON));
        let as_reported = p.take(optional_text(
            "asReported",
            self.as_reported.as_deref(),
            limits::STATEMENT,
        ));
        let recorded_as = p.take(required_text(
            "recordedAs",
            &self.recorded_as,
            limits::STATEMENT,
        ));
        let reason = p.take(required_text("reason", &self.reason, limits::REASON));
        p.into_result()?;
        Ok(NewCorrection {
            report_id: self.report_id,
            field: Problems::checked(field)?,
            as_reported: Problems::checked(as_reported)?,
            recorded_as: Problems::checked(recorded_as)?,
            reason: Problems::checked(reason)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(new: &NewCorrection, tx: &Tx<'_>) -> Result<correction::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let report = editable_report(db, actor, "reportId", new.report_id).await?;
        let grant = grant_of(db, actor, report.grant_id).await?;
        tx.ensure_room::<correction::Entity>(
            correction::Column::ReportId,
            report.id,
            caps::CORRECTIONS_PER_REPORT,
            "reportId",
            "corrections",
        )
        .await?;
        let position = scoped::<correction::Entity>(actor)
            .filter(correction::Column::ReportId.eq(report.id))
            .count(db)
            .await?;
        let model = correction::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            field: Set(new.field.clone()),
            as_reported: Set(new.as_reported.clone()),
            recorded_as: Set(new.recorded_as.clone()),
            reason: Set(new.reason.clone()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
        tx.audit(Change::created(
            Self::ACTION,
            "Correction",
            model.id,
            Owner::grant(&grant),
            &model,
        )?)
        .await?;
        Ok(model)
    }
}
