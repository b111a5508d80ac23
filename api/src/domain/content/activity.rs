//! Activities: the events a report describes, with one participation row per attendance mode
//! and their co-organising organisations.

use chrono::{NaiveDate, Utc};
use entity::enums::ActivityKind;
use entity::{
    activity, activity_organiser, case_study, grant, lesson, objective, outcome, participation,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::participation::{
    ParticipantRow, check_organisers, participation, write_organisers, write_participation,
};
use super::{Content, content_for_edit, replayed, untie_from_activity};
use crate::domain::actor::Actor;
use crate::domain::policy::ensure_can_write;
use crate::domain::portfolio::{grant_of, grant_period};
use crate::domain::report::editable_report;
use crate::domain::scope::{self, scoped};
use crate::domain::totals;
use crate::domain::values::{
    DateRange, ParticipationRows, caps, date_range, limits, optional_date, optional_text,
    required_text, text_change,
};
use crate::domain::write::{Change, Owner, Tx, Write, snapshot};
use crate::error::{Error, Problems, Result};

/// `createActivity`: an activity in a report, under one of its grant's objectives.
#[derive(Clone, Debug)]
pub struct CreateActivity {
    pub report_id: Uuid,
    pub objective_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub title: String,
    pub start_date: String,
    pub end_date: String,
    pub venue: Option<String>,
    pub location: Option<String>,
    pub narrative: Option<String>,
    pub participation: Vec<ParticipantRow>,
    pub organiser_ids: Vec<Uuid>,
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewActivity {
    pub report_id: Uuid,
    pub objective_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub title: String,
    pub dates: DateRange,
    pub venue: Option<String>,
    pub location: Option<String>,
    pub narrative: Option<String>,
    pub participation: ParticipationRows,
    pub organiser_ids: Vec<Uuid>,
}

impl Write for CreateActivity {
    const ACTION: &'static str = "createActivity";
    type Checked = NewActivity;
    type Output = activity::Model;

    fn check(&self) -> Result<NewActivity> {
        let mut p = Problems::new();
        let title = p.take(required_text("title", &self.title, limits::TITLE));
        let dates = date_range(
            &mut p,
            "startDate",
            &self.start_date,
            "endDate",
            &self.end_date,
        );
        let venue = p.take(optional_text("venue", self.venue.as_deref(), limits::NAME));
        let location = p.take(optional_text(
            "location",
            self.location.as_deref(),
            limits::NAME,
        ));
        let narrative = p.take(optional_text(
            "narrative",
            self.narrative.as_deref(),
            limits::NARRATIVE,
        ));
        let rows = participation(&mut p, "participation", &self.participation);
        p.into_result()?;
        Ok(NewActivity {
            report_id: self.report_id,
            objective_id: self.objective_id,
            kind: self.kind,
            title: Problems::checked(title)?,
            dates: Problems::checked(dates)?,
            venue: Problems::checked(venue)?,
            location: Problems::checked(location)?,
            narrative: Problems::checked(narrative)?,
            participation: Problems::checked(rows)?,
            organiser_ids: self.organiser_ids.clone(),
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn canonical(new: &NewActivity) -> Option<Value> {
        let rows: Vec<Value> = new
            .participation
            .rows()
            .iter()
            .map(|r| {
                let mut row = json!({
                    "mode": r.mode.as_str(),
                    "total": r.total,
                    "female": r.female,
                    "withDisability": r.with_disability,
                });
                // Added only when given, so a retry's fingerprint from before `male` existed
                // still matches.
                if let (Some(male), Some(fields)) = (r.male, row.as_object_mut()) {
                    fields.insert("male".into(), json!(male));
                }
                row
            })
            .collect();
        Some(json!({
            "reportId": new.report_id,
            "objectiveId": new.objective_id,
            "kind": new.kind.as_str(),
            "title": new.title,
            "startDate": new.dates.start(),
            "endDate": new.dates.end(),
            "venue": new.venue,
            "location": new.location,
            "narrative": new.narrative,
            "participation": rows,
            "organiserIds": new.organiser_ids,
        }))
    }

    async fn replay(tx: &Tx<'_>, id: Uuid) -> Result<activity::Model> {
        replayed::<activity::Entity>(tx, id).await
    }

    fn created_id(activity: &activity::Model) -> Option<Uuid> {
        Some(activity.id)
    }

    async fn apply(new: &NewActivity, tx: &Tx<'_>) -> Result<activity::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let report = editable_report(db, actor, "reportId", new.report_id).await?;
        tx.ensure_room::<activity::Entity>(
            activity::Column::ReportId,
            report.id,
            caps::ACTIVITIES_PER_REPORT,
            "reportId",
            "activities",
        )
        .await?;
        let grant = grant_of(db, actor, report.grant_id).await?;
        new.dates
            .ensure_within(grant_period(&grant)?, "grant", "startDate", "endDate")?;
        check_objective(db, actor, &grant, new.objective_id).await?;
        check_organisers(db, actor, &grant, &new.organiser_ids).await?;
        let now = Utc::now();
        let model = activity::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            report_id: Set(report.id),
            objective_id: Set(new.objective_id),
            kind: Set(new.kind),
            title: Set(new.title.clone()),
            start_date: Set(new.dates.start()),
            end_date: Set(new.dates.end()),
            venue: Set(new.venue.clone()),
            location: Set(new.location.clone()),
            narrative: Set(new.narrative.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(db)
        .await?;
        write_participation(db, model.id, &new.participation).await?;
        write_organisers(db, model.id, &new.organiser_ids).await?;
        let after = image(db, actor, &model).await?;
        tx.audit(Change {
            action: Self::ACTION,
            entity: "Activity",
            entity_id: model.id,
            owner: Owner::grant(&grant),
            before: None,
            after: Some(after),
        })
        .await?;
        Ok(model)
    }
}

/// `updateActivity`: the fields given change; participation rows and co-organisers, when given,
/// replace the old ones.
#[derive(Clone, Debug, Default)]
pub struct UpdateActivity {
    pub id: Uuid,
    pub version: i32,
    pub objective_id: Option<Option<Uuid>>,
    pub kind: Option<ActivityKind>,
    pub title: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub venue: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub narrative: Option<Option<String>>,
    pub participation: Option<Vec<ParticipantRow>>,
    pub organiser_ids: Option<Vec<Uuid>>,
}

#[derive(Clone, Debug)]
pub struct ActivityChanges {
    pub id: Uuid,
    pub version: i32,
    pub objective_id: Option<Option<Uuid>>,
    pub kind: Option<ActivityKind>,
    pub title: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub venue: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub narrative: Option<Option<String>>,
    pub participation: Option<ParticipationRows>,
    pub organiser_ids: Option<Vec<Uuid>>,
}

impl Write for UpdateActivity {
    const ACTION: &'static str = "updateActivity";
    type Checked = ActivityChanges;
    type Output = activity::Model;

    fn check(&self) -> Result<ActivityChanges> {
        let mut p = Problems::new();
        let title = match &self.title {
            Some(t) => p.take(required_text("title", t, limits::TITLE)).map(Some),
            None => Some(None),
        };
        let start_date = optional_date(&mut p, "startDate", self.start_date.as_deref());
        let end_date = optional_date(&mut p, "endDate", self.end_date.as_deref());
        let venue = text_change(&mut p, "venue", &self.venue, limits::NAME);
        let location = text_change(&mut p, "location", &self.location, limits::NAME);
        let narrative = text_change(&mut p, "narrative", &self.narrative, limits::NARRATIVE);
        let rows = match &self.participation {
            Some(rows) => participation(&mut p, "participation", rows).map(Some),
            None => Some(None),
        };
        p.into_result()?;
        Ok(ActivityChanges {
            id: self.id,
            version: self.version,
            objective_id: self.objective_id,
            kind: self.kind,
            title: Problems::checked(title)?,
            start_date: Problems::checked(start_date)?,
            end_date: Problems::checked(end_date)?,
            venue: Problems::checked(venue)?,
            location: Problems::checked(location)?,
            narrative: Problems::checked(narrative)?,
            participation: Problems::checked(rows)?,
            organiser_ids: self.organiser_ids.clone(),
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(changes: &ActivityChanges, tx: &Tx<'_>) -> Result<activity::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let (before, _report, grant) =
            content_for_edit::<activity::Entity>(tx, changes.id, changes.version).await?;
        let before_image = image(db, actor, &before).await?;
        let dates = DateRange::new(
            changes.start_date.unwrap_or(before.start_date),
            changes.end_date.unwrap_or(before.end_date),
            if changes.end_date.is_some() {
                "endDate"
            } else {
                "startDate"
            },
        )?;
        dates.ensure_within(grant_period(&grant)?, "grant", "startDate", "endDate")?;
        if let Some(objective) = changes.objective_id {
            check_objective(db, actor, &grant, objective).await?;
        }
        if let Some(ids) = &changes.organiser_ids {
            check_organisers(db, actor, &grant, ids).await?;
        }
        tx.bump_version::<activity::Entity>(before.id, changes.version)
            .await?;
        let mut model: activity::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(objective) = changes.objective_id {
            model.objective_id = Set(objective);
        }
        if let Some(kind) = changes.kind {
            model.kind = Set(kind);
        }
        if let Some(title) = &changes.title {
            model.title = Set(title.clone());
        }
        model.start_date = Set(dates.start());
        model.end_date = Set(dates.end());
        if let Some(venue) = &changes.venue {
            model.venue = Set(venue.clone());
        }
        if let Some(location) = &changes.location {
            model.location = Set(location.clone());
        }
        if let Some(narrative) = &changes.narrative {
            model.narrative = Set(narrative.clone());
        }
        model.updated_at = Set(Utc::now());
        let after = model.update(db).await?;
        if after.kind != before.kind {
            // The grantee's totals by kind move with it.
            totals::refresh_grantees(db, &[grant.grantee_id]).await?;
        }
        if let Some(rows) = &changes.participation {
            write_participation(db, after.id, rows).await?;
        }
        if let Some(ids) = &changes.organiser_ids {
            write_organisers(db, after.id, ids).await?;
        }
        let after_image = image(db, actor, &after).await?;
        tx.audit(Change {
            action: Self::ACTION,
            entity: "Activity",
            entity_id: after.id,
            owner: Owner::grant(&grant),
            before: Some(before_image),
            after: Some(after_image),
        })
        .await?;
        Ok(after)
    }
}

/// `deleteActivity`: the activity with its participation, organisers and outcomes. Lessons and
/// case studies that referred to it stay in the report, no longer tied to an activity, each as
/// a change of its own (a new version and an audit event). Returns the activity as it was.
#[derive(Clone, Debug)]
pub struct DeleteActivity {
    pub id: Uuid,
    pub version: i32,
}

impl Write for DeleteActivity {
    const ACTION: &'static str = activity::Entity::DELETE_ACTION;
    type Checked = DeleteActivity;
    type Output = activity::Model;

    fn check(&self) -> Result<DeleteActivity> {
        Ok(self.clone())
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(target: &DeleteActivity, tx: &Tx<'_>) -> Result<activity::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let (before, _report, grant) =
            content_for_edit::<activity::Entity>(tx, target.id, target.version).await?;
        let owner = Owner::grant(&grant);
        let mut before_image = image(db, actor, &before).await?;
        let outcomes = scoped::<outcome::Entity>(actor)
            .filter(outcome::Column::ActivityId.eq(before.id))
            .all(db)
            .await?;
        if let Value::Object(map) = &mut before_image {
            map.insert("outcomes".into(), snapshot(&outcomes)?);
        }
        untie_from_activity::<lesson::Entity>(tx, Self::ACTION, before.id, owner).await?;
        untie_from_activity::<case_study::Entity>(tx, Self::ACTION, before.id, owner).await?;
        // Its joint group may count another activity for the event once it is gone.
        let partners = totals::group_partners(db, before.id).await?;
        tx.delete_at_version::<activity::Entity>(before.id, target.version)
            .await?;
        totals::refresh_joint(db, &partners).await?;
        totals::refresh_grantees(db, &[grant.grantee_id]).await?;
        tx.audit(Change {
            action: Self::ACTION,
            entity: "Activity",
            entity_id: before.id,
            owner,
            before: Some(before_image),
            after: None,
        })
        .await?;
        Ok(before)
    }
}

/// An activity with its participation rows and organisers, as audit events record it.
#[derive(Serialize)]
struct Image {
    #[serde(flatten)]
    activity: activity::Model,
    participation: Vec<participation::Model>,
    organiser_ids: Vec<Uuid>,
}

async fn image<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    activity: &activity::Model,
) -> Result<Value> {
    let participation = scope::participation(actor)
        .filter(participation::Column::ActivityId.eq(activity.id))
        .order_by_asc(participation::Column::Mode)
        .all(db)
        .await?;
    let organiser_ids = scope::activity_organisers(actor)
        .filter(activity_organiser::Column::ActivityId.eq(activity.id))
        .order_by_asc(activity_organiser::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.organisation_id)
        .collect();
    snapshot(&Image {
        activity: activity.clone(),
        participation,
        organiser_ids,
    })
}

/// The objective must be one of this grant's. Another grant's (or an invisible one) reads the same.
async fn check_objective<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    grant: &grant::Model,
    id: Option<Uuid>,
) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    let found = scoped::<objective::Entity>(actor)
        .filter(objective::Column::Id.eq(id))
        .filter(objective::Column::GrantId.eq(grant.id))
        .count(db)
        .await?;
    if found == 0 {
        return Err(Error::bad_input(
            "objectiveId",
            format!("the report's grant has no objective with the id {id}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use entity::enums::AttendanceMode;

    use super::*;
    use crate::domain::idempotency::fingerprint;

    /// A retried create after a deploy must still match what the first attempt stored: if this
    /// fingerprint changes, every stored key of `createActivity` would answer CONFLICT. The value
    /// is SHA-256 of "createActivity\n" and the checked input as compact JSON with sorted keys
    /// (title trimmed, dates as YYYY-MM-DD, absent values null), computed outside this code.
    #[test]
    fn the_fingerprint_of_a_known_activity_is_stable_across_releases() {
        let id = |n: u128| Uuid::from_u128(n);
        let create = CreateActivity {
            report_id: id(1),
            objective_id: Some(id(2)),
            kind: ActivityKind::Forum,
            title: " Phnom Penh Internet Forum ".into(),
            start_date: "2024-10-17".into(),
            end_date: "2024-10-18".into(),
            venue: None,
            location: Some("Phnom Penh".into()),
            narrative: None,
            participation: vec![ParticipantRow {
                mode: AttendanceMode::Unspecified,
                total: 174,
                female: Some(74),
                male: None,
                with_disability: None,
            }],
            organiser_ids: vec![id(3)],
            idempotency_key: Some("k".into()),
        };
        let checked = create.check().unwrap_or_else(|e| panic!("{e}"));
        let canonical = CreateActivity::canonical(&checked).unwrap_or_default();
        assert_eq!(
            fingerprint(CreateActivity::ACTION, &canonical),
            "e5f2cb6dcf6cf8821a729944bd523cd50cf6df113dcc2311e6676aa0036bc5f6"
        );
    }
}
