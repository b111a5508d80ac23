//! Lessons: the challenges met and lessons learned that a report states, in its order.

use chrono::Utc;
use entity::enums::LessonKind;
use entity::lesson;
use sea_orm::ActiveValue::{NotSet, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{check_activity_in_report, content_for_edit, placement, replayed};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_write;
use crate::domain::values::{limits, required_text};
use crate::domain::write::{Owner, Tx, Write};
use crate::error::{Problems, Result};

/// `addLesson`: a challenge or a lesson learned, after those already in the report.
#[derive(Clone, Debug)]
pub struct AddLesson {
    pub report_id: Uuid,
    pub kind: LessonKind,
    pub text: String,
    /// The activity it is about, if any (of the same report).
    pub activity_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewLesson {
    pub report_id: Uuid,
    pub kind: LessonKind,
    pub text: String,
    pub activity_id: Option<Uuid>,
}

impl Write for AddLesson {
    const ACTION: &'static str = "addLesson";
    type Checked = NewLesson;
    type Output = lesson::Model;

    fn check(&self) -> Result<NewLesson> {
        let mut p = Problems::new();
        let text = p.take(required_text("text", &self.text, limits::NARRATIVE));
        p.into_result()?;
        Ok(NewLesson {
            report_id: self.report_id,
            kind: self.kind,
            text: Problems::checked(text)?,
            activity_id: self.activity_id,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn canonical(new: &NewLesson) -> Option<Value> {
        Some(json!({
            "reportId": new.report_id,
            "kind": new.kind.as_str(),
            "text": new.text,
            "activityId": new.activity_id,
        }))
    }

    async fn replay(tx: &Tx<'_>, id: Uuid) -> Result<lesson::Model> {
        replayed::<lesson::Entity>(tx, id).await
    }

    fn created_id(lesson: &lesson::Model) -> Option<Uuid> {
        Some(lesson.id)
    }

    async fn apply(new: &NewLesson, tx: &Tx<'_>) -> Result<lesson::Model> {
        let _db = tx.db();
        let (report, grant, position) =
            placement::<lesson::Entity>(tx, new.report_id, new.activity_id).await?;
        let now = Utc::now();
        let row = lesson::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            activity_id: Set(new.activity_id),
            kind: Set(new.kind),
            text: Set(new.text.clone()),
            position: Set(position),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let model = tx.insert(Self::ACTION, Owner::grant(&grant), row).await?;
        Ok(model)
    }
}

/// `updateLesson`: its kind, text, or the activity it is about.
#[derive(Clone, Debug, Default)]
pub struct UpdateLesson {
    pub id: Uuid,
    pub version: i32,
    pub kind: Option<LessonKind>,
    pub text: Option<String>,
    pub activity_id: Option<Option<Uuid>>,
}

impl Write for UpdateLesson {
    const ACTION: &'static str = "updateLesson";
    type Checked = UpdateLesson;
    type Output = lesson::Model;

    fn check(&self) -> Result<UpdateLesson> {
        let mut p = Problems::new();
        let text = match &self.text {
            Some(t) => p
                .take(required_text("text", t, limits::NARRATIVE))
                .map(Some),
            None => Some(None),
        };
        p.into_result()?;
        Ok(UpdateLesson {
            text: Problems::checked(text)?,
            ..self.clone()
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(changes: &UpdateLesson, tx: &Tx<'_>) -> Result<lesson::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let (before, report, grant) =
            content_for_edit::<lesson::Entity>(tx, changes.id, changes.version).await?;
        if let Some(activity) = changes.activity_id {
            check_activity_in_report(db, actor, &report, activity).await?;
        }
        tx.bump_version::<lesson::Entity>(before.id, changes.version)
            .await?;
        let mut model: lesson::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(kind) = changes.kind {
            model.kind = Set(kind);
        }
        if let Some(text) = &changes.text {
            model.text = Set(text.clone());
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
