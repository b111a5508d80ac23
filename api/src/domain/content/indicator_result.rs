//! Indicator results: what a report records against each of its grant's indicators.

use chrono::Utc;
use entity::{activity, indicator, indicator_result, indicator_result_activity};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{content_for_edit, replayed};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_write;
use crate::domain::portfolio::grant_of;
use crate::domain::report::editable_report;
use crate::domain::scope::scoped;
use crate::domain::values::{caps, limits, optional_text, quantity};
use crate::domain::write::{Change, Owner, Tx, Write, unique_as};
use crate::error::{Error, Problems, Result};

/// `recordIndicatorResult`: the actual value of one indicator in a report.
#[derive(Clone, Debug)]
pub struct RecordIndicatorResult {
    pub report_id: Uuid,
    pub indicator_id: Uuid,
    /// An exact decimal, e.g. "3".
    pub actual: String,
    pub narrative: Option<String>,
    /// The activities the result counts (of the same report), in order.
    pub activity_ids: Vec<Uuid>,
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewIndicatorResult {
    pub report_id: Uuid,
    pub indicator_id: Uuid,
    pub actual: String,
    pub narrative: Option<String>,
    pub activity_ids: Vec<Uuid>,
}

/// A result as the audit trail records it: its row and the activities it counts.
#[derive(Serialize)]
struct WithEvidence<'a> {
    #[serde(flatten)]
    result: &'a indicator_result::Model,
    activity_ids: &'a [Uuid],
}

/// Each activity named once.
fn check_activity_ids(p: &mut Problems, ids: &[Uuid]) {
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            p.push(format!("activityIds[{i}]"), format!("{id} is named twice"));
        }
    }
}

/// The activities a result counts, in order.
pub(crate) async fn evidence_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    result_id: Uuid,
) -> Result<Vec<Uuid>> {
    Ok(scoped::<indicator_result_activity::Entity>(actor)
        .filter(indicator_result_activity::Column::IndicatorResultId.eq(result_id))
        .order_by_asc(indicator_result_activity::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.activity_id)
        .collect())
}

/// Replaces the activities a result counts; each must be an activity of the result's report.
async fn write_evidence<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    result: &indicator_result::Model,
    ids: &[Uuid],
) -> Result<()> {
    let found: Vec<Uuid> = scoped::<activity::Entity>(actor)
        .filter(activity::Column::Id.is_in(ids.to_vec()))
        .filter(activity::Column::ReportId.eq(result.report_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let mut p = Problems::new();
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            p.push(
                format!("activityIds[{i}]"),
                format!("the report has no activity with the id {id}"),
            );
        }
    }
    p.into_result()?;
    indicator_result_activity::Entity::delete_many()
        .filter(indicator_result_activity::Column::IndicatorResultId.eq(result.id))
        .exec(db)
        .await?;
    for (position, id) in ids.iter().enumerate() {
        indicator_result_activity::ActiveModel {
            indicator_result_id: Set(result.id),
            activity_id: Set(*id),
            grant_id: Set(result.grant_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        }
        .insert(db)
        .await?;
    }
    Ok(())
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
        check_activity_ids(&mut p, &self.activity_ids);
        if self.activity_ids.len() > caps::EVIDENCE_PER_RESULT {
            p.push(
                "activityIds",
                format!(
                    "names {} activities; a result counts at most {}",
                    self.activity_ids.len(),
                    caps::EVIDENCE_PER_RESULT
                ),
            );
        }
        p.into_result()?;
        Ok(NewIndicatorResult {
            report_id: self.report_id,
            indicator_id: self.indicator_id,
            actual: Problems::checked(actual)?,
            narrative: Problems::checked(narrative)?,
            activity_ids: self.activity_ids.clone(),
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn canonical(new: &NewIndicatorResult) -> Option<Value> {
        let mut canonical = json!({
            "reportId": new.report_id,
            "indicatorId": new.indicator_id,
            "actual": new.actual,
            "narrative": new.narrative,
        });
        // Added only when given, so a retry's fingerprint from before evidence existed matches.
        if let (false, Some(fields)) = (new.activity_ids.is_empty(), canonical.as_object_mut()) {
            fields.insert("activityIds".into(), json!(new.activity_ids));
        }
        Some(canonical)
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
        let model = row.insert(db).await.map_err(|e| {
            unique_as(
                e,
                "indicatorId",
                "the report already records a result for this indicator; update it instead",
            )
        })?;
        write_evidence(db, actor, &model, &new.activity_ids).await?;
        tx.audit(Change::created(
            Self::ACTION,
            "IndicatorResult",
            model.id,
            Owner::grant(&grant),
            &WithEvidence {
                result: &model,
                activity_ids: &new.activity_ids,
            },
        )?)
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
    /// Replaces the activities the result counts when given.
    pub activity_ids: Option<Vec<Uuid>>,
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
        if let Some(ids) = &self.activity_ids {
            check_activity_ids(&mut p, ids);
            if ids.len() > caps::EVIDENCE_PER_RESULT {
                p.push(
                    "activityIds",
                    format!(
                        "names {} activities; a result counts at most {}",
                        ids.len(),
                        caps::EVIDENCE_PER_RESULT
                    ),
                );
            }
        }
        p.into_result()?;
        Ok(UpdateIndicatorResult {
            id: self.id,
            version: self.version,
            actual: Problems::checked(actual)?,
            narrative: Problems::checked(narrative)?,
            activity_ids: self.activity_ids.clone(),
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
        let after = model.update(tx.db()).await?;
        let evidence_before = evidence_of(tx.db(), tx.actor(), before.id).await?;
        if let Some(ids) = &changes.activity_ids {
            write_evidence(tx.db(), tx.actor(), &after, ids).await?;
        }
        let evidence_after = changes.activity_ids.as_ref().unwrap_or(&evidence_before);
        tx.audit(Change::updated(
            Self::ACTION,
            "IndicatorResult",
            after.id,
            Owner::grant(&grant),
            &WithEvidence {
                result: &before,
                activity_ids: &evidence_before,
            },
            &WithEvidence {
                result: &after,
                activity_ids: evidence_after,
            },
        )?)
        .await?;
        Ok(after)
    }
}
