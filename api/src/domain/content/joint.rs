//! Joint groups: activities that are records of one real event, such as a forum filed both as a
//! policy dialogue and as a national dialogue, or by two grantees that ran it together. Every
//! total counts a group once: the figures of one member stand for the event, with every
//! breakdown taken from that same member, and the others are reported as `excludedAsJoint`.
//!
//! Which member counts: the one named as counting, else the one with the largest total (ties go
//! to the smaller id, so the choice is stable). It is chosen among the members the caller may
//! see: a grantee's totals never depend on an activity it cannot see.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use entity::{activity, joint_membership};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::locked;
use crate::domain::actor::Actor;
use crate::domain::policy::{ensure_can_link_joint, ensure_can_write};
use crate::domain::report::{Lock, report_in};
use crate::domain::scope::{self, scoped};
use crate::domain::totals;
use crate::domain::values::caps;
use crate::domain::write::{Change, Owner, Tx, Write};
use crate::error::{Error, Problems, Result};

/// The activities (as `activity_id`) that a joint group's counting member stands for, over the
/// members `actor` may see: the one subquery every participation total joins, so no total can
/// count a group differently from another.
pub(crate) fn excluded_activities(actor: &Actor) -> SelectStatement {
    let (ma, mb) = (Alias::new("ma"), Alias::new("mb"));
    let total = |m: &str| {
        format!(
            "(SELECT COALESCE(SUM(pt.total), 0) FROM activity_participation pt WHERE pt.activity_id = {m}.activity_id)"
        )
    };
    let (ta, tb) = (total("ma"), total("mb"));
    // `mb` outranks `ma`: named as counting where `ma` is not, else a larger total, else (on a
    // tie) the smaller id.
    let outranks = format!(
        "(mb.counting AND NOT ma.counting) OR (mb.counting = ma.counting AND ({tb} > {ta} OR ({tb} = {ta} AND mb.activity_id < ma.activity_id)))"
    );
    let mut rival = Query::select();
    rival
        .expr(Expr::val(1))
        .from_as(joint_membership::Entity, mb.clone())
        .and_where(
            Expr::col((mb.clone(), joint_membership::Column::GroupId))
                .equals((ma.clone(), joint_membership::Column::GroupId)),
        )
        .and_where(
            Expr::col((mb.clone(), joint_membership::Column::ActivityId)).ne(Expr::col((
                ma.clone(),
                joint_membership::Column::ActivityId,
            ))),
        )
        .and_where(Expr::cust(outranks));
    let mut excluded = Query::select();
    excluded
        .expr_as(
            Expr::col((ma.clone(), joint_membership::Column::ActivityId)),
            Alias::new("activity_id"),
        )
        .from_as(joint_membership::Entity, ma.clone());
    if let Some(visible) = scope::visible_grant_ids(actor) {
        rival.and_where(
            Expr::col((mb, joint_membership::Column::GrantId)).in_subquery(visible.clone()),
        );
        excluded.and_where(Expr::col((ma, joint_membership::Column::GrantId)).in_subquery(visible));
    }
    excluded.and_where(Expr::exists(rival));
    excluded
}

/// The other activities of `activity_id`'s joint group that the actor may see, by start date.
pub async fn joint_with<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    activity_ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Vec<activity::Model>>> {
    let mine = scoped::<joint_membership::Entity>(actor)
        .filter(joint_membership::Column::ActivityId.is_in(activity_ids.to_vec()))
        .all(db)
        .await?;
    let groups: BTreeSet<Uuid> = mine.iter().map(|m| m.group_id).collect();
    let members = scoped::<joint_membership::Entity>(actor)
        .filter(joint_membership::Column::GroupId.is_in(groups))
        .all(db)
        .await?;
    let activities = scoped::<activity::Entity>(actor)
        .filter(activity::Column::Id.is_in(members.iter().map(|m| m.activity_id)))
        .order_by_asc(activity::Column::StartDate)
        .order_by_asc(activity::Column::Id)
        .all(db)
        .await?;
    let group_of: BTreeMap<Uuid, Uuid> = members
        .iter()
        .map(|m| (m.activity_id, m.group_id))
        .collect();
    let mut answer = BTreeMap::new();
    for m in &mine {
        let others = activities
            .iter()
            .filter(|a| a.id != m.activity_id && group_of.get(&a.id) == Some(&m.group_id))
            .cloned()
            .collect();
        answer.insert(m.activity_id, others);
    }
    Ok(answer)
}

/// `linkJointActivities`: the activities are records of one event. Groups any of them already
/// belong to are merged into one.
#[derive(Clone, Debug)]
pub struct LinkJointActivities {
    pub activity_ids: Vec<Uuid>,
    pub counting_activity_id: Option<Uuid>,
}

/// `unlinkJointActivity`: the activity is an event of its own again.
#[derive(Clone, Debug)]
pub struct UnlinkJointActivity {
    pub activity_id: Uuid,
}

/// How the audit trail records an activity's place in a joint group. Only the group's id: the
/// other members may belong to another grantee, who reads the same event.
fn membership_image(m: Option<&joint_membership::Model>) -> Value {
    match m {
        Some(m) => json!({ "jointGroupId": m.group_id, "counting": m.counting }),
        None => json!({ "jointGroupId": null, "counting": false }),
    }
}

/// Records the change of each activity's membership, owned by the activity's grantee.
async fn audit_memberships(
    tx: &Tx<'_>,
    action: &'static str,
    changes: &[(
        Uuid,
        Uuid,
        Option<joint_membership::Model>,
        Option<joint_membership::Model>,
    )],
) -> Result<()> {
    let grant_ids: Vec<Uuid> = changes.iter().map(|c| c.1).collect();
    let grantee_of: BTreeMap<Uuid, Uuid> = scope::grants_for_audit(grant_ids)
        .all(tx.db())
        .await?
        .into_iter()
        .map(|g| (g.id, g.grantee_id))
        .collect();
    for (activity_id, grant_id, before, after) in changes {
        if before == after {
            continue;
        }
        let owner = Owner {
            org_id: grantee_of.get(grant_id).copied(),
            grant_id: Some(*grant_id),
        };
        tx.audit(Change {
            action,
            entity: "Activity",
            entity_id: *activity_id,
            owner,
            before: Some(membership_image(before.as_ref())),
            after: Some(membership_image(after.as_ref())),
        })
        .await?;
    }
    Ok(())
}

/// An activity the actor may see and link: `NOT_FOUND` on `field` otherwise, as for an id that
/// does not exist.
async fn linkable(tx: &Tx<'_>, field: &str, id: Uuid) -> Result<activity::Model> {
    let (db, actor) = (tx.db(), tx.actor());
    let row = locked::<activity::Entity, _>(db, actor, field, id).await?;
    let report = report_in(db, actor, field, row.report_id, Lock::Shared).await?;
    ensure_can_link_joint(actor, &report)?;
    Ok(row)
}

impl Write for LinkJointActivities {
    const ACTION: &'static str = "linkJointActivities";
    type Checked = LinkJointActivities;
    type Output = Vec<activity::Model>;

    fn check(&self) -> Result<LinkJointActivities> {
        let mut p = Problems::new();
        let ids = &self.activity_ids;
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                p.push(format!("activityIds[{i}]"), format!("{id} is named twice"));
            }
        }
        if ids.len() < 2 {
            p.push(
                "activityIds",
                "name at least two activities: a joint group is several records of one event",
            );
        }
        if ids.len() > caps::ACTIVITIES_PER_JOINT_GROUP {
            p.push(
                "activityIds",
                format!(
                    "names {} activities; a joint group holds at most {}",
                    ids.len(),
                    caps::ACTIVITIES_PER_JOINT_GROUP
                ),
            );
        }
        if let Some(counting) = self.counting_activity_id
            && !ids.contains(&counting)
        {
            p.push(
                "countingActivityId",
                "must be one of activityIds: the activity whose figures stand for the event",
            );
        }
        p.into_result()?;
        Ok(self.clone())
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(link: &LinkJointActivities, tx: &Tx<'_>) -> Result<Vec<activity::Model>> {
        let db = tx.db();
        let mut grant_of: BTreeMap<Uuid, Uuid> = BTreeMap::new();
        for (i, id) in link.activity_ids.iter().enumerate() {
            let row = linkable(tx, &format!("activityIds[{i}]"), *id).await?;
            grant_of.insert(row.id, row.grant_id);
        }
        // The groups the activities are in already, whole: they merge into one.
        let named = scoped::<joint_membership::Entity>(tx.actor())
            .filter(joint_membership::Column::ActivityId.is_in(link.activity_ids.clone()))
            .all(db)
            .await?;
        let first_group = link
            .activity_ids
            .iter()
            .find_map(|id| named.iter().find(|m| m.activity_id == *id))
            .map(|m| m.group_id);
        let groups: Vec<Uuid> = named.iter().map(|m| m.group_id).collect();
        let before: BTreeMap<Uuid, joint_membership::Model> = scope::whole_joint_groups(groups)
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.activity_id, m))
            .collect();
        let merged: BTreeSet<&Uuid> = before.keys().chain(&link.activity_ids).collect();
        if merged.len() > caps::ACTIVITIES_PER_JOINT_GROUP {
            return Err(Error::bad_input(
                "activityIds",
                format!(
                    "with the groups they are already in, these activities would make a joint group of more than {}",
                    caps::ACTIVITIES_PER_JOINT_GROUP
                ),
            ));
        }
        for (id, m) in &before {
            grant_of.entry(*id).or_insert(m.grant_id);
        }
        let group_id = first_group.unwrap_or_else(Uuid::now_v7);
        // The counting member: the one named now; else the one named before, if the merged
        // groups named exactly one; else none (the largest total counts).
        let counting = link.counting_activity_id.or_else(|| {
            let named: Vec<Uuid> = before
                .values()
                .filter(|m| m.counting)
                .map(|m| m.activity_id)
                .collect();
            (named.len() == 1).then(|| named[0])
        });
        let now = Utc::now();
        let mut changes = Vec::new();
        for (&activity_id, &grant_id) in &grant_of {
            let old = before.get(&activity_id).cloned();
            let new = joint_membership::Model {
                activity_id,
                group_id,
                grant_id,
                counting: counting == Some(activity_id),
                linked_at: old.as_ref().map_or(now, |m| m.linked_at),
            };
            if old.as_ref().is_some_and(|m| m.group_id == group_id) {
                if old.as_ref().map(|m| m.counting) != Some(new.counting) {
                    joint_membership::Entity::update_many()
                        .col_expr(
                            joint_membership::Column::Counting,
                            Expr::value(new.counting),
                        )
                        .filter(joint_membership::Column::ActivityId.eq(activity_id))
                        .exec(db)
                        .await?;
                }
            } else {
                joint_membership::Entity::delete_many()
                    .filter(joint_membership::Column::ActivityId.eq(activity_id))
                    .exec(db)
                    .await?;
                joint_membership::ActiveModel {
                    activity_id: Set(activity_id),
                    group_id: Set(group_id),
                    grant_id: Set(grant_id),
                    counting: Set(new.counting),
                    linked_at: Set(new.linked_at),
                }
                .insert(db)
                .await?;
            }
            let old = old.map(|m| joint_membership::Model {
                linked_at: new.linked_at,
                ..m
            });
            changes.push((activity_id, grant_id, old, Some(new)));
        }
        // A link that changes nothing still leaves its mark, so the frame's audit rule holds and
        // the trail shows who confirmed the group.
        if changes.iter().all(|(_, _, old, new)| old == new) {
            let (activity_id, grant_id, _, new) = &changes[0];
            let owner = scope::grants_for_audit(vec![*grant_id])
                .one(db)
                .await?
                .map_or(Owner::portfolio(), |g| Owner::grant(&g));
            tx.audit(Change {
                action: Self::ACTION,
                entity: "Activity",
                entity_id: *activity_id,
                owner,
                before: Some(membership_image(new.as_ref())),
                after: Some(membership_image(new.as_ref())),
            })
            .await?;
        } else {
            audit_memberships(tx, Self::ACTION, &changes).await?;
        }
        let touched: Vec<Uuid> = grant_of.keys().copied().collect();
        totals::refresh_joint(db, &touched).await?;
        members_visible(tx, group_id).await
    }
}

/// The members of a group that the actor may see, by start date.
async fn members_visible(tx: &Tx<'_>, group_id: Uuid) -> Result<Vec<activity::Model>> {
    let (db, actor) = (tx.db(), tx.actor());
    let ids: Vec<Uuid> = scoped::<joint_membership::Entity>(actor)
        .filter(joint_membership::Column::GroupId.eq(group_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.activity_id)
        .collect();
    Ok(scoped::<activity::Entity>(actor)
        .filter(activity::Column::Id.is_in(ids))
        .order_by_asc(activity::Column::StartDate)
        .order_by_asc(activity::Column::Id)
        .all(db)
        .await?)
}

impl Write for UnlinkJointActivity {
    const ACTION: &'static str = "unlinkJointActivity";
    type Checked = UnlinkJointActivity;
    type Output = activity::Model;

    fn check(&self) -> Result<UnlinkJointActivity> {
        Ok(self.clone())
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(unlink: &UnlinkJointActivity, tx: &Tx<'_>) -> Result<activity::Model> {
        let db = tx.db();
        let row = linkable(tx, "activityId", unlink.activity_id).await?;
        let not_linked = || {
            Error::bad_input(
                "activityId",
                "the activity is not linked to another activity",
            )
        };
        let mine = scoped::<joint_membership::Entity>(tx.actor())
            .filter(joint_membership::Column::ActivityId.eq(row.id))
            .one(db)
            .await?
            .ok_or_else(not_linked)?;
        let group = scope::whole_joint_groups(vec![mine.group_id])
            .all(db)
            .await?;
        if group.len() < 2 {
            return Err(not_linked());
        }
        let touched: Vec<Uuid> = group.iter().map(|m| m.activity_id).collect();
        // The activity leaves; a group left with one member is no group.
        let mut leaving = vec![mine.clone()];
        if group.len() == 2 {
            leaving.extend(group.into_iter().filter(|m| m.activity_id != row.id));
        }
        let mut changes = Vec::new();
        for m in leaving {
            joint_membership::Entity::delete_many()
                .filter(joint_membership::Column::ActivityId.eq(m.activity_id))
                .exec(db)
                .await?;
            changes.push((m.activity_id, m.grant_id, Some(m), None));
        }
        audit_memberships(tx, Self::ACTION, &changes).await?;
        totals::refresh_joint(db, &touched).await?;
        Ok(row)
    }
}
