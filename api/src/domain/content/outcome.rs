//! Outcomes: what an activity led to (a government commitment, a policy change …).

use chrono::{NaiveDate, Utc};
use entity::enums::OutcomeKind;
use entity::{activity, outcome};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{content_for_edit, locked, replayed};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_write;
use crate::domain::portfolio::grant_of;
use crate::domain::report::editable_report;
use crate::domain::scope::scoped;
use crate::domain::values::{
    caps, limits, optional_date, optional_text, parse_date, required_text, text_change,
};
use crate::domain::write::{Owner, Tx, Write};
use crate::error::{Error, Problems, Result};

/// `recordOutcome`: a result an activity led to.
#[derive(Clone, Debug)]
pub struct RecordOutcome {
    pub activity_id: Uuid,
    pub kind: OutcomeKind,
    pub statement: String,
    /// Who, e.g. "H.E. Khiev Hok, Head of Department".
    pub actor: Option<String>,
    pub institution: Option<String>,
    pub evidence: Option<String>,
    pub date: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewOutcome {
    pub activity_id: Uuid,
    pub kind: OutcomeKind,
    pub statement: String,
    pub actor: Option<String>,
    pub institution: Option<String>,
    pub evidence: Option<String>,
    pub date: Option<NaiveDate>,
}

impl Write for RecordOutcome {
    const ACTION: &'static str = "recordOutcome";
    type Checked = NewOutcome;
    type Output = outcome::Model;

    fn check(&self) -> Result<NewOutcome> {
        let mut p = Problems::new();
        let statement = p.take(required_text(
            "statement",
            &self.statement,
            limits::STATEMENT,
        ));
        let actor = p.take(optional_text("actor", self.actor.as_deref(), limits::NAME));
        let institution = p.take(optional_text(
            "institution",
            self.institution.as_deref(),
            limits::NAME,
        ));
        let evidence = p.take(optional_text(
            "evidence",
            self.evidence.as_deref(),
            limits::STATEMENT,
        ));
        let date = optional_date(&mut p, "date", self.date.as_deref());
        p.into_result()?;
        Ok(NewOutcome {
            activity_id: self.activity_id,
            kind: self.kind,
            statement: Problems::checked(statement)?,
            actor: Problems::checked(actor)?,
            institution: Problems::checked(institution)?,
            evidence: Problems::checked(evidence)?,
            date: Problems::checked(date)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn canonical(new: &NewOutcome) -> Option<Value> {
        Some(json!({
            "activityId": new.activity_id,
            "kind": new.kind.as_str(),
            "statement": new.statement,
            "actor": new.actor,
            "institution": new.institution,
            "evidence": new.evidence,
            "date": new.date,
        }))
    }

    async fn replay(tx: &Tx<'_>, id: Uuid) -> Result<outcome::Model> {
        replayed::<outcome::Entity>(tx, id).await
    }

    fn created_id(outcome: &outcome::Model) -> Option<Uuid> {
        Some(outcome.id)
    }

    async fn apply(new: &NewOutcome, tx: &Tx<'_>) -> Result<outcome::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let activity =
            locked::<activity::Entity, _>(db, actor, "activityId", new.activity_id).await?;
        let report = editable_report(db, actor, "activityId", activity.report_id).await?;
        tx.ensure_room::<outcome::Entity>(
            outcome::Column::ActivityId,
            activity.id,
            caps::OUTCOMES_PER_ACTIVITY,
            "activityId",
            "outcomes",
        )
        .await?;
        let grant = grant_of(db, actor, activity.grant_id).await?;
        let now = Utc::now();
        let row = outcome::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            activity_id: Set(activity.id),
            kind: Set(new.kind),
            statement: Set(new.statement.clone()),
            actor: Set(new.actor.clone()),
            institution: Set(new.institution.clone()),
            evidence: Set(new.evidence.clone()),
            date: Set(new.date),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let model = tx.insert(Self::ACTION, Owner::grant(&grant), row).await?;
        Ok(model)
    }
}

/// `updateOutcome`: the fields given change; `activityId` moves it to another activity of the
/// same report (the one it really came from).
#[derive(Clone, Debug, Default)]
pub struct UpdateOutcome {
    pub id: Uuid,
    pub version: i32,
    pub activity_id: Option<Uuid>,
    pub kind: Option<OutcomeKind>,
    pub statement: Option<String>,
    pub actor: Option<Option<String>>,
    pub institution: Option<Option<String>>,
    pub evidence: Option<Option<String>>,
    pub date: Option<Option<String>>,
}

#[derive(Clone, Debug)]
pub struct OutcomeChanges {
    pub id: Uuid,
    pub version: i32,
    pub activity_id: Option<Uuid>,
    pub kind: Option<OutcomeKind>,
    pub statement: Option<String>,
    pub actor: Option<Option<String>>,
    pub institution: Option<Option<String>>,
    pub evidence: Option<Option<String>>,
    pub date: Option<Option<NaiveDate>>,
}

impl Write for UpdateOutcome {
    const ACTION: &'static str = "updateOutcome";
    type Checked = OutcomeChanges;
    type Output = outcome::Model;

    fn check(&self) -> Result<OutcomeChanges> {
        let mut p = Problems::new();
        let statement = match &self.statement {
            Some(s) => p
                .take(required_text("statement", s, limits::STATEMENT))
                .map(Some),
            None => Some(None),
        };
        let actor = text_change(&mut p, "actor", &self.actor, limits::NAME);
        let institution = text_change(&mut p, "institution", &self.institution, limits::NAME);
        let evidence = text_change(&mut p, "evidence", &self.evidence, limits::STATEMENT);
        let date = match &self.date {
            None => Some(None),
            Some(None) => Some(Some(None)),
            Some(Some(d)) => p.take(parse_date("date", d)).map(|d| Some(Some(d))),
        };
        p.into_result()?;
        Ok(OutcomeChanges {
            id: self.id,
            version: self.version,
            activity_id: self.activity_id,
            kind: self.kind,
            statement: Problems::checked(statement)?,
            actor: Problems::checked(actor)?,
            institution: Problems::checked(institution)?,
            evidence: Problems::checked(evidence)?,
            date: Problems::checked(date)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(changes: &OutcomeChanges, tx: &Tx<'_>) -> Result<outcome::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let (before, report, grant) =
            content_for_edit::<outcome::Entity>(tx, changes.id, changes.version).await?;
        let mut model: outcome::ActiveModel = before.clone().into();
        if let Some(activity_id) = changes.activity_id {
            let target = scoped::<activity::Entity>(actor)
                .filter(activity::Column::Id.eq(activity_id))
                .filter(activity::Column::GrantId.eq(grant.id))
                .filter(activity::Column::ReportId.eq(report.id))
                .lock_shared()
                .one(db)
                .await?
                .ok_or_else(|| {
                    Error::bad_input(
                        "activityId",
                        format!("the outcome's report has no activity with the id {activity_id}"),
                    )
                })?;
            model.activity_id = Set(target.id);
        }
        tx.bump_version::<outcome::Entity>(before.id, changes.version)
            .await?;
        model.version = NotSet;
        if let Some(kind) = changes.kind {
            model.kind = Set(kind);
        }
        if let Some(statement) = &changes.statement {
            model.statement = Set(statement.clone());
        }
        if let Some(v) = &changes.actor {
            model.actor = Set(v.clone());
        }
        if let Some(v) = &changes.institution {
            model.institution = Set(v.clone());
        }
        if let Some(v) = &changes.evidence {
            model.evidence = Set(v.clone());
        }
        if let Some(v) = changes.date {
            model.date = Set(v);
        }
        model.updated_at = Set(Utc::now());
        let after = tx
            .update(Self::ACTION, Owner::grant(&grant), &before, model)
            .await?;
        Ok(after)
    }
}
