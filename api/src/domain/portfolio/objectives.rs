//! A grant's objectives and the indicators that measure them: scheme managers only.

use chrono::Utc;
use entity::{indicator, objective};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::{grant_for_write, not_found_at};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_manage_portfolio;
use crate::domain::scope::scoped;
use crate::domain::values::{caps, limits, objective_number, quantity, required_text};
use crate::domain::write::{Owner, Tx, Write};
use crate::error::{Problems, Result};

/// `addObjective`: "Objective 2" of a grant.
#[derive(Clone, Debug)]
pub struct AddObjective {
    pub grant_id: Uuid,
    /// The number the grant gives it, from 1, unique within the grant.
    pub number: i32,
    pub statement: String,
}

impl Write for AddObjective {
    const ACTION: &'static str = "addObjective";
    type Checked = AddObjective;
    type Output = objective::Model;

    fn check(&self) -> Result<AddObjective> {
        let mut p = Problems::new();
        let number = p.take(objective_number("number", self.number));
        let statement = p.take(required_text(
            "statement",
            &self.statement,
            limits::STATEMENT,
        ));
        p.into_result()?;
        Ok(AddObjective {
            grant_id: self.grant_id,
            number: Problems::checked(number)?,
            statement: Problems::checked(statement)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(new: &AddObjective, tx: &Tx<'_>) -> Result<objective::Model> {
        let grant = grant_for_write(tx.db(), tx.actor(), "grantId", new.grant_id).await?;
        tx.ensure_room::<objective::Entity>(
            objective::Column::GrantId,
            grant.id,
            caps::OBJECTIVES_PER_GRANT,
            "grantId",
            "objectives",
        )
        .await?;
        let row = objective::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            number: Set(new.number),
            statement: Set(new.statement.clone()),
            created_at: Set(Utc::now()),
        };
        let model = tx
            .insert_unique(
                Self::ACTION,
                Owner::grant(&grant),
                row,
                "number",
                "the grant already has an objective with this number",
            )
            .await?;
        Ok(model)
    }
}

/// `addIndicator`: how an objective is measured ("policy dialogues conducted", target 3).
/// Baseline and target are exact decimals, absent when not stated.
#[derive(Clone, Debug)]
pub struct AddIndicator {
    pub objective_id: Uuid,
    pub statement: String,
    /// What is counted, e.g. "policy dialogues".
    pub unit: String,
    pub baseline: Option<String>,
    pub target: Option<String>,
}

impl Write for AddIndicator {
    const ACTION: &'static str = "addIndicator";
    type Checked = AddIndicator;
    type Output = indicator::Model;

    fn check(&self) -> Result<AddIndicator> {
        let mut p = Problems::new();
        let statement = p.take(required_text(
            "statement",
            &self.statement,
            limits::STATEMENT,
        ));
        let unit = p.take(required_text("unit", &self.unit, limits::SHORT));
        let optional = |p: &mut Problems, field: &str, value: &Option<String>| match value {
            Some(v) => p.take(quantity(field, v)).map(Some),
            None => Some(None),
        };
        let baseline = optional(&mut p, "baseline", &self.baseline);
        let target = optional(&mut p, "target", &self.target);
        p.into_result()?;
        Ok(AddIndicator {
            objective_id: self.objective_id,
            statement: Problems::checked(statement)?,
            unit: Problems::checked(unit)?,
            baseline: Problems::checked(baseline)?,
            target: Problems::checked(target)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_manage_portfolio(actor)
    }

    async fn apply(new: &AddIndicator, tx: &Tx<'_>) -> Result<indicator::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let objective = scoped::<objective::Entity>(actor)
            .filter(objective::Column::Id.eq(new.objective_id))
            .one(db)
            .await?
            .ok_or_else(|| not_found_at("objectiveId", "objective", new.objective_id))?;
        let grant = grant_for_write(db, actor, "objectiveId", objective.grant_id).await?;
        tx.ensure_room::<indicator::Entity>(
            indicator::Column::ObjectiveId,
            objective.id,
            caps::INDICATORS_PER_OBJECTIVE,
            "objectiveId",
            "indicators",
        )
        .await?;
        let row = indicator::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            objective_id: Set(objective.id),
            statement: Set(new.statement.clone()),
            unit: Set(new.unit.clone()),
            baseline: Set(new.baseline.clone()),
            target: Set(new.target.clone()),
            created_at: Set(Utc::now()),
        };
        let model = tx.insert(Self::ACTION, Owner::grant(&grant), row).await?;
        Ok(model)
    }
}
