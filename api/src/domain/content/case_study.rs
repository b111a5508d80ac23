//! Case studies: the stories a report tells, in its order.

use chrono::Utc;
use entity::case_study;
use sea_orm::ActiveValue::{NotSet, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{check_activity_in_report, content_for_edit, placement, replayed};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_write;
use crate::domain::values::{limits, required_text};
use crate::domain::write::{Owner, Tx, Write};
use crate::error::{Problems, Result};

/// `addCaseStudy`: a titled story, after those already in the report.
#[derive(Clone, Debug)]
pub struct AddCaseStudy {
    pub report_id: Uuid,
    pub title: String,
    pub narrative: String,
    /// The activity it is about, if any (of the same report).
    pub activity_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewCaseStudy {
    pub report_id: Uuid,
    pub title: String,
    pub narrative: String,
    pub activity_id: Option<Uuid>,
}

impl Write for AddCaseStudy {
    const ACTION: &'static str = "addCaseStudy";
    type Checked = NewCaseStudy;
    type Output = case_study::Model;

    fn check(&self) -> Result<NewCaseStudy> {
        let mut p = Problems::new();
        let title = p.take(required_text("title", &self.title, limits::TITLE));
        let narrative = p.take(required_text(
            "narrative",
            &self.narrative,
            limits::NARRATIVE,
        ));
        p.into_result()?;
        Ok(NewCaseStudy {
            report_id: self.report_id,
            title: Problems::checked(title)?,
            narrative: Problems::checked(narrative)?,
            activity_id: self.activity_id,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn canonical(new: &NewCaseStudy) -> Option<Value> {
        Some(json!({
            "reportId": new.report_id,
            "title": new.title,
            "narrative": new.narrative,
            "activityId": new.activity_id,
        }))
    }

    async fn replay(tx: &Tx<'_>, id: Uuid) -> Result<case_study::Model> {
        replayed::<case_study::Entity>(tx, id).await
    }

    fn created_id(case_study: &case_study::Model) -> Option<Uuid> {
        Some(case_study.id)
    }

    async fn apply(new: &NewCaseStudy, tx: &Tx<'_>) -> Result<case_study::Model> {
        let _db = tx.db();
        let (report, grant, position) =
            placement::<case_study::Entity>(tx, new.report_id, new.activity_id).await?;
        let now = Utc::now();
        let row = case_study::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            activity_id: Set(new.activity_id),
            title: Set(new.title.clone()),
            narrative: Set(new.narrative.clone()),
            position: Set(position),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let model = tx.insert(Self::ACTION, Owner::grant(&grant), row).await?;
        Ok(model)
    }
}

/// `updateCaseStudy`: its title, narrative, or the activity it is about.
#[derive(Clone, Debug, Default)]
pub struct UpdateCaseStudy {
    pub id: Uuid,
    pub version: i32,
    pub title: Option<String>,
    pub narrative: Option<String>,
    pub activity_id: Option<Option<Uuid>>,
}

impl Write for UpdateCaseStudy {
    const ACTION: &'static str = "updateCaseStudy";
    type Checked = UpdateCaseStudy;
    type Output = case_study::Model;

    fn check(&self) -> Result<UpdateCaseStudy> {
        let mut p = Problems::new();
        let title = match &self.title {
            Some(t) => p.take(required_text("title", t, limits::TITLE)).map(Some),
            None => Some(None),
        };
        let narrative = match &self.narrative {
            Some(n) => p
                .take(required_text("narrative", n, limits::NARRATIVE))
                .map(Some),
            None => Some(None),
        };
        p.into_result()?;
        Ok(UpdateCaseStudy {
            title: Problems::checked(title)?,
            narrative: Problems::checked(narrative)?,
            ..self.clone()
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(changes: &UpdateCaseStudy, tx: &Tx<'_>) -> Result<case_study::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let (before, report, grant) =
            content_for_edit::<case_study::Entity>(tx, changes.id, changes.version).await?;
        if let Some(activity) = changes.activity_id {
            check_activity_in_report(db, actor, &report, activity).await?;
        }
        tx.bump_version::<case_study::Entity>(before.id, changes.version)
            .await?;
        let mut model: case_study::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(title) = &changes.title {
            model.title = Set(title.clone());
        }
        if let Some(narrative) = &changes.narrative {
            model.narrative = Set(narrative.clone());
        }
        if let Some(activity) = changes.activity_id {
            model.activity_id = Set(activity);
        }
        model.updated_at = Set(Utc::now());
        let after = tx
            .update(Self::ACTION, Owner::grant(&grant), &before, model)
            .await?;
        Ok(after)
    }
}
