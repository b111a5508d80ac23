//! Indicator results: what a report records against each of its grant's indicators.

use chrono::Utc;
use entity::{indicator, indicator_result};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{content_for_edit, replayed};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_write;
use crate::domain::portfolio::grant_of;
use crate::domain::report::editable_report;
use crate::domain::scope::scoped;
use crate::domain::values::{limits, optional_text, quantity};
use crate::domain::write::{Owner, Tx, Write};
use crate::error::{Error, Problems, Result};

/// `recordIndicatorResult`: the actual value of one indicator in a report.
#[derive(Clone, Debug)]
pub struct RecordIndicatorResult {
    pub report_id: Uuid,
    pub indicator_id: Uuid,
    /// An exact decimal, e.g. "3".
    pub actual: String,
    pub narrative: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewIndicatorResult {
    pub report_id: Uuid,
    pub indicator_id: Uuid,
    pub actual: String,
    pub narrative: Option<String>,
}

impl Write for RecordIndicatorResult {
    const ACTION: &'static str = "recordIndicatorResult";
    type Checked = NewIndicatorResult;
    type Output = indicator_result::Model;

    fn check(&self) -> Result<NewIndicatorResult> {
        let mut p = Problems::new();
        let actual = p.take(quantity("actual", &self.actual));
        let narrative = p.take(optional_text(
            "narrative",
            self.narrative.as_deref(),
            limits::NARRATIVE,
        ));
        p.into_result()?;
        Ok(NewIndicatorResult {
            report_id: self.report_id,
            indicator_id: self.indicator_id,
            actual: Problems::checked(actual)?,
            narrative: Problems::checked(narrative)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn canonical(new: &NewIndicatorResult) -> Option<Value> {
        Some(json!({
            "reportId": new.report_id,
            "indicatorId": new.indicator_id,
            "actual": new.actual,
            "narrative": new.narrative,
        }))
    }

    async fn replay(tx: &Tx<'_>, id: Uuid) -> Result<indicator_result::Model> {
        replayed::<indicator_result::Entity>(tx, id).await
    }

    fn created_id(result: &indicator_result::Model) -> Option<Uuid> {
        Some(result.id)
    }

    async fn apply(new: &NewIndicatorResult, tx: &Tx<'_>) -> Result<indicator_result::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let report = editable_report(db, actor, "reportId", new.report_id).await?;
        let grant = grant_of(db, actor, report.grant_id).await?;
        let indicator = scoped::<indicator::Entity>(actor)
            .filter(indicator::Column::Id.eq(new.indicator_id))
            .filter(indicator::Column::GrantId.eq(grant.id))
            .one(db)
            .await?
            .ok_or_else(|| {
                Error::bad_input(
                    "indicatorId",
                    format!(
                        "the report's grant has no indicator with the id {}",
                        new.indicator_id
                    ),
                )
            })?;
        let now = Utc::now();
        let row = indicator_result::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            indicator_id: Set(indicator.id),
            actual: Set(new.actual.clone()),
            narrative: Set(new.narrative.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let model = tx
            .insert_unique(
                Self::ACTION,
                Owner::grant(&grant),
                row,
                "indicatorId",
                "the report already records a result for this indicator; update it instead",
            )
            .await?;
        Ok(model)
    }
}

/// `updateIndicatorResult`: a new actual value or narrative.
#[derive(Clone, Debug, Default)]
pub struct UpdateIndicatorResult {
    pub id: Uuid,
    pub version: i32,
    pub actual: Option<String>,
    pub narrative: Option<Option<String>>,
}

impl Write for UpdateIndicatorResult {
    const ACTION: &'static str = "updateIndicatorResult";
    type Checked = UpdateIndicatorResult;
    type Output = indicator_result::Model;

    fn check(&self) -> Result<UpdateIndicatorResult> {
        let mut p = Problems::new();
        let actual = match &self.actual {
            Some(a) => p.take(quantity("actual", a)).map(Some),
            None => Some(None),
        };
        let narrative = match &self.narrative {
            None => Some(None),
            Some(None) => Some(Some(None)),
            Some(Some(n)) => p
                .take(optional_text("narrative", Some(n), limits::NARRATIVE))
                .map(Some),
        };
        p.into_result()?;
        Ok(UpdateIndicatorResult {
            id: self.id,
            version: self.version,
            actual: Problems::checked(actual)?,
            narrative: Problems::checked(narrative)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(
        changes: &UpdateIndicatorResult,
        tx: &Tx<'_>,
    ) -> Result<indicator_result::Model> {
        let (before, _report, grant) =
            content_for_edit::<indicator_result::Entity>(tx, changes.id, changes.version).await?;
        tx.bump_version::<indicator_result::Entity>(before.id, changes.version)
            .await?;
        let mut model: indicator_result::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(actual) = &changes.actual {
            model.actual = Set(actual.clone());
        }
        if let Some(narrative) = &changes.narrative {
            model.narrative = Set(narrative.clone());
        }
        model.updated_at = Set(Utc::now());
        let after = tx
            .update(Self::ACTION, Owner::grant(&grant), &before, model)
            .await?;
        Ok(after)
    }
}
