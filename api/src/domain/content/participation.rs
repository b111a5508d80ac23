//! An activity's parts beside its own row: who took part (one participation row per attendance
//! mode) and who co-organised it. Checking them and storing them, always whole.

use entity::enums::{AttendanceMode, OrganisationKind};
use entity::{activity_organiser, grant, organisation, participation};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::actor::Actor;
use crate::domain::scope;
use crate::domain::totals;
use crate::domain::values::{Breakdowns, ParticipantCount, ParticipationRows, caps};
use crate::error::{Problems, Result};

/// One participation row as a client sends it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantRow {
    pub mode: AttendanceMode,
    pub total: i32,
    /// `None`: not recorded; `Some(0)`: none.
    #[serde(default)]
    pub female: Option<i32>,
    #[serde(default)]
    pub male: Option<i32>,
    #[serde(default)]
    pub with_disability: Option<i32>,
}

/// Participation rows, checked: counts possible, one row per mode.
pub(crate) fn participation(
    p: &mut Problems,
    field: &str,
    rows: &[ParticipantRow],
) -> Option<ParticipationRows> {
    p.take(ParticipationRows::new(
        field,
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                ParticipantCount::new(
                    &format!("{field}[{i}]"),
                    r.mode,
                    r.total,
                    Breakdowns {
                        female: r.female,
                        male: r.male,
                        with_disability: r.with_disability,
                    },
                )
            })
            .collect(),
    ))
}

/// Co-organisers are organisations the actor can see, and never another grantee: naming one
/// would write its id into this grantee's activity (and audit trail).
pub(crate) async fn check_organisers<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    grant: &grant::Model,
    ids: &[Uuid],
) -> Result<()> {
    let mut problems = Problems::new();
    if ids.len() > caps::ORGANISERS_PER_ACTIVITY {
        problems.push(
            "organiserIds",
            format!(
                "names {} organisations; an activity has at most {}",
                ids.len(),
                caps::ORGANISERS_PER_ACTIVITY
            ),
        );
        return problems.into_result();
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            problems.push(format!("organiserIds[{i}]"), format!("{id} is named twice"));
        }
    }
    let found: Vec<Uuid> = scope::organisations(actor)
        .filter(organisation::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .filter(|o| o.kind != OrganisationKind::Grantee || o.id == grant.grantee_id)
        .map(|o| o.id)
        .collect();
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            problems.push(
                format!("organiserIds[{i}]"),
                format!("no organisation has the id {id}"),
            );
        }
    }
    problems.into_result()
}

pub(crate) async fn write_participation<C: ConnectionTrait>(
    db: &C,
    activity_id: Uuid,
    rows: &ParticipationRows,
) -> Result<()> {
    participation::Entity::delete_many()
        .filter(participation::Column::ActivityId.eq(activity_id))
        .exec(db)
        .await?;
    for row in rows.rows() {
        participation::ActiveModel {
            activity_id: Set(activity_id),
            mode: Set(row.mode),
            total: Set(row.total),
            female: Set(row.female),
            male: Set(row.male),
            with_disability: Set(row.with_disability),
        }
        .insert(db)
        .await?;
    }
    // The activity's maintained totals move with its rows, in the same transaction.
    totals::refresh(db, &[activity_id]).await
}

pub(crate) async fn write_organisers<C: ConnectionTrait>(
    db: &C,
    activity_id: Uuid,
    organisers: &[Uuid],
) -> Result<()> {
    activity_organiser::Entity::delete_many()
        .filter(activity_organiser::Column::ActivityId.eq(activity_id))
        .exec(db)
        .await?;
    for (position, id) in organisers.iter().enumerate() {
        activity_organiser::ActiveModel {
            activity_id: Set(activity_id),
            organisation_id: Set(*id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
