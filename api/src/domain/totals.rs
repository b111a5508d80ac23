//! Participation totals kept as the data are written (`activity_totals`): each activity's rows
//! added up by the one rule (`summary::SUMS`), and whether a joint group leaves the activity out
//! of portfolio-wide totals. Every write that moves them refreshes them in its own transaction:
//! creating or changing an activity's participation, deleting an activity, linking or unlinking
//! joint activities. So the portfolio summary adds up one row per activity and never reads
//! participation rows.
//!
//! Above them, totals per grantee (`summary::KIND_TOTALS`, `summary::FUNDING_TOTALS`): each
//! grantee's activities by scheme and kind, and its grants by scheme and currency, recomputed
//! for the grantees a write touched in the write's transaction (`refresh_grantees`), so the
//! summary over the whole portfolio adds up a row per grantee and kind.
//!
//! `rebuild` recomputes everything (`portfolio-api rebuild-totals`, and at start-up when rows
//! are missing); `verify` compares what is stored with a recomputation.

use std::collections::BTreeMap;

use entity::{activity, activity_total, grant, joint_membership, organisation, participation};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, InsertStatement, JoinType, LockType, Order, Query, SelectStatement,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryResult};
use uuid::Uuid;

use super::actor::Actor;
use super::content::joint;
use super::summary::{
    self, FUNDING_TOTAL_COLUMNS, FUNDING_TOTALS, KIND_TOTAL_COLUMNS, KIND_TOTALS, SUMS, summed,
};
use crate::error::{Error, Result};

/// The columns of `activity_totals` that `SUMS` fills, in its order.
const COLUMNS: [activity_total::Column; 9] = [
    activity_total::Column::Total,
    activity_total::Column::Female,
    activity_total::Column::FemaleRecordedOf,
    activity_total::Column::Male,
    activity_total::Column::MaleRecordedOf,
    activity_total::Column::WithDisability,
    activity_total::Column::WithDisabilityRecordedOf,
    activity_total::Column::InPerson,
    activity_total::Column::Online,
];

/// Each activity (of `ids`, or every one) with its rows added up.
fn sums(ids: Option<&[Uuid]>) -> SelectStatement {
    let (a, p) = (Alias::new("a"), Alias::new("p"));
    let mut select = Query::select();
    select
        .expr_as(
            Expr::col((a.clone(), activity::Column::Id)),
            Alias::new("activity_id"),
        )
        .expr_as(
            Expr::col((a.clone(), activity::Column::GrantId)),
            Alias::new("grant_id"),
        );
    for (alias, expr) in SUMS {
        select.expr_as(summed(expr), Alias::new(alias));
    }
    select
        .from_as(activity::Entity, a.clone())
        .join_as(
            JoinType::LeftJoin,
            participation::Entity,
            p.clone(),
            Expr::col((p, participation::Column::ActivityId))
                .equals((a.clone(), activity::Column::Id)),
        )
        .group_by_col((a.clone(), activity::Column::Id))
        .group_by_col((a.clone(), activity::Column::GrantId));
    if let Some(ids) = ids {
        select.and_where(Expr::col((a, activity::Column::Id)).is_in(ids.to_vec()));
    }
    select
}

fn insert(ids: Option<&[Uuid]>) -> Result<InsertStatement> {
    let mut columns = vec![
        activity_total::Column::ActivityId,
        activity_total::Column::GrantId,
    ];
    columns.extend(COLUMNS);
    Query::insert()
        .into_table(activity_total::Entity)
        .columns(columns)
        .select_from(sums(ids))
        .map(|insert| insert.to_owned())
        .map_err(Error::internal)
}

/// Recomputes the totals of `activity_ids` (those that still exist) and settles the joint
/// groups they belong to. Call inside the write's transaction, after its rows are written.
pub(crate) async fn refresh<C: ConnectionTrait>(db: &C, activity_ids: &[Uuid]) -> Result<()> {
    if activity_ids.is_empty() {
        return Ok(());
    }
    activity_total::Entity::delete_many()
        .filter(activity_total::Column::ActivityId.is_in(activity_ids.to_vec()))
        .exec(db)
        .await?;
    db.execute(&insert(Some(activity_ids))?).await?;
    refresh_joint(db, activity_ids).await
}

/// Settles which activities joint groups leave out of portfolio-wide totals, for `touched` and
/// every member of the groups they are in (a member's new total, a link or an unlink can change
/// which one counts). An activity no longer in any group counts again.
pub(crate) async fn refresh_joint<C: ConnectionTrait>(db: &C, touched: &[Uuid]) -> Result<()> {
    if touched.is_empty() {
        return Ok(());
    }
    let excluded = joint::excluded_activities(&Actor::system());
    let update = Query::update()
        .table(activity_total::Entity)
        .value(
            activity_total::Column::JointExcluded,
            Expr::case(
                Expr::col(activity_total::Column::ActivityId).in_subquery(excluded),
                true,
            )
            .finally(false),
        )
        .and_where(
            Expr::col(activity_total::Column::ActivityId)
                .is_in(touched.to_vec())
                .or(Expr::col(activity_total::Column::ActivityId).in_subquery(members_of(touched))),
        )
        .to_owned();
    db.execute(&update).await?;
    // The grantees of every activity whose totals or place in a group may have moved.
    let grantees = Query::select()
        .distinct()
        .column((grant::Entity, grant::Column::GranteeId))
        .from(activity::Entity)
        .inner_join(
            grant::Entity,
            Expr::col((grant::Entity, grant::Column::Id))
                .equals((activity::Entity, activity::Column::GrantId)),
        )
        .and_where(
            Expr::col((activity::Entity, activity::Column::Id))
                .is_in(touched.to_vec())
                .or(Expr::col((activity::Entity, activity::Column::Id))
                    .in_subquery(members_of(touched))),
        )
        .to_owned();
    let grantees = db
        .query_all(&grantees)
        .await?
        .iter()
        .map(|row| {
            row.try_get::<Uuid>("", "grantee_id")
                .map_err(Error::internal)
        })
        .collect::<Result<Vec<_>>>()?;
    refresh_grantees(db, &grantees).await
}

/// Every member of the joint groups `activities` are in.
fn members_of(activities: &[Uuid]) -> SelectStatement {
    let groups = Query::select()
        .column(joint_membership::Column::GroupId)
        .from(joint_membership::Entity)
        .and_where(Expr::col(joint_membership::Column::ActivityId).is_in(activities.to_vec()))
        .to_owned();
    Query::select()
        .column(joint_membership::Column::ActivityId)
        .from(joint_membership::Entity)
        .and_where(Expr::col(joint_membership::Column::GroupId).in_subquery(groups))
        .to_owned()
}

/// Recomputes the totals kept per grantee for `grantees`. Call inside the write's transaction,
/// after everything it changes under them is written. On PostgreSQL, two writes refreshing
/// the same grantee take turns on the grantee's row (locked in id order, so no two writes wait
/// for each other): the second recomputes once the first has committed, and so sees its rows.
/// The lock is `FOR NO KEY UPDATE`, which rows referring to the grantee do not wait for and
/// do not block: with `FOR UPDATE`, two writes that had each inserted a grant of the grantee
/// (and so held the key share its foreign key takes) waited for each other.
pub(crate) async fn refresh_grantees<C: ConnectionTrait>(db: &C, grantees: &[Uuid]) -> Result<()> {
    if grantees.is_empty() {
        return Ok(());
    }
    let mut grantees = grantees.to_vec();
    grantees.sort_unstable();
    grantees.dedup();
    if db.get_database_backend() == DbBackend::Postgres {
        db.query_all(
            Query::select()
                .column(organisation::Column::Id)
                .from(organisation::Entity)
                .and_where(Expr::col(organisation::Column::Id).is_in(grantees.clone()))
                .order_by(organisation::Column::Id, Order::Asc)
                .lock(LockType::NoKeyUpdate),
        )
        .await?;
    }
    replace_kept(db, Some(&grantees)).await
}

/// Replaces the kept totals of `grantees` (or of every grantee) with a recomputation.
async fn replace_kept<C: ConnectionTrait>(db: &C, grantees: Option<&[Uuid]>) -> Result<()> {
    let kept = [
        (
            KIND_TOTALS,
            ["grantee_id", "scheme_id", "kind"],
            KIND_TOTAL_COLUMNS.as_slice(),
            summary::kind_totals(grantees),
        ),
        (
            FUNDING_TOTALS,
            ["grantee_id", "scheme_id", "currency"],
            FUNDING_TOTAL_COLUMNS.as_slice(),
            summary::funding_totals(grantees),
        ),
    ];
    for (table, key, columns, select) in kept {
        let mut delete = Query::delete();
        delete.from_table(Alias::new(table));
        if let Some(ids) = grantees {
            delete.and_where(Expr::col(Alias::new("grantee_id")).is_in(ids.iter().copied()));
        }
        db.execute(&delete).await?;
        let insert = Query::insert()
            .into_table(Alias::new(table))
            .columns(key.iter().chain(columns).map(|c| Alias::new(*c)))
            .select_from(select)
            .map_err(Error::internal)?
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The activities in the same joint group as `activity_id` (itself excluded): whose totals a
/// deletion of it may change.
pub(crate) async fn group_partners<C: ConnectionTrait>(
    db: &C,
    activity_id: Uuid,
) -> Result<Vec<Uuid>> {
    let groups = Query::select()
        .column(joint_membership::Column::GroupId)
        .from(joint_membership::Entity)
        .and_where(Expr::col(joint_membership::Column::ActivityId).eq(activity_id))
        .to_owned();
    let rows = db
        .query_all(
            Query::select()
                .column(joint_membership::Column::ActivityId)
                .from(joint_membership::Entity)
                .and_where(Expr::col(joint_membership::Column::GroupId).in_subquery(groups))
                .and_where(Expr::col(joint_membership::Column::ActivityId).ne(activity_id)),
        )
        .await?;
    rows.iter()
        .map(|row| {
            row.try_get::<Uuid>("", "activity_id")
                .map_err(Error::internal)
        })
        .collect()
}

/// Recomputes every activity's totals and every joint group. Returns how many activities.
pub async fn rebuild<C: ConnectionTrait>(db: &C) -> Result<u64> {
    activity_total::Entity::delete_many().exec(db).await?;
    db.execute(&insert(None)?).await?;
    let linked = Query::select()
        .column(joint_membership::Column::ActivityId)
        .from(joint_membership::Entity)
        .to_owned();
    let update = Query::update()
        .table(activity_total::Entity)
        .value(
            activity_total::Column::JointExcluded,
            Expr::case(
                Expr::col(activity_total::Column::ActivityId)
                    .in_subquery(joint::excluded_activities(&Actor::system())),
                true,
            )
            .finally(false),
        )
        .and_where(Expr::col(activity_total::Column::ActivityId).in_subquery(linked))
        .to_owned();
    db.execute(&update).await?;
    replace_kept(db, None).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        // Every row is new: the planner's statistics of the tables are not.
        db.execute_unprepared(&format!(
            "ANALYZE activity_totals, {KIND_TOTALS}, {FUNDING_TOTALS}"
        ))
        .await?;
    }
    count(db, activity_total::Entity).await
}

/// Rebuilds the totals when some activity has none (after the migration that introduced them,
/// or rows loaded straight into the tables). Returns whether it did.
pub async fn ensure_complete<C: ConnectionTrait>(db: &C) -> Result<bool> {
    let activities = count(db, activity::Entity).await?;
    if count(db, activity_total::Entity).await? == activities
        && kept_count(db, KIND_TOTALS, "activity_count").await? == activities
        && kept_count(db, FUNDING_TOTALS, "grant_count").await? == count(db, grant::Entity).await?
    {
        return Ok(false);
    }
    rebuild(db).await?;
    Ok(true)
}

/// How many activities or grants the kept totals count.
async fn kept_count<C: ConnectionTrait>(db: &C, table: &str, column: &str) -> Result<u64> {
    let row = db
        .query_one(
            Query::select()
                .expr_as(summed(column), Alias::new("n"))
                .from(Alias::new(table)),
        )
        .await?
        .ok_or_else(|| Error::internal("SUM returned no row"))?;
    let n: i64 = row.try_get("", "n").map_err(Error::internal)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn count<C: ConnectionTrait>(
    db: &C,
    table: impl sea_orm::sea_query::IntoTableRef,
) -> Result<u64> {
    let row = db
        .query_one(
            Query::select()
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                .from(table),
        )
        .await?
        .ok_or_else(|| Error::internal("COUNT(*) returned no row"))?;
    let n: i64 = row.try_get("", "n").map_err(Error::internal)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// What is stored that a recomputation would not give, one line per difference; empty when
/// the totals are exactly what the rows and joint groups say.
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<Vec<String>> {
    let read = |row: &QueryResult| -> Result<(Uuid, Vec<i64>)> {
        let id: Uuid = row.try_get("", "activity_id").map_err(Error::internal)?;
        let values = SUMS
            .iter()
            .map(|(alias, _)| row.try_get::<i64>("", alias).map_err(Error::internal))
            .collect::<Result<Vec<_>>>()?;
        Ok((id, values))
    };
    let expected: BTreeMap<Uuid, Vec<i64>> = db
        .query_all(&sums(None))
        .await?
        .iter()
        .map(read)
        .collect::<Result<_>>()?;
    let excluded: Vec<Uuid> = db
        .query_all(&joint::excluded_activities(&Actor::system()))
        .await?
        .iter()
        .map(|row| {
            row.try_get::<Uuid>("", "activity_id")
                .map_err(Error::internal)
        })
        .collect::<Result<_>>()?;
    let stored = stored(db).await?;
    let mut differences = Vec::new();
    for (id, values) in &expected {
        match stored.get(id) {
            None => differences.push(format!("{id}: no totals stored")),
            Some((row, joint_excluded)) => {
                if row != values {
                    differences.push(format!("{id}: stored {row:?}, rows add up to {values:?}"));
                }
                if *joint_excluded != excluded.contains(id) {
                    differences.push(format!(
                        "{id}: stored joint_excluded = {joint_excluded}, the groups say {}",
                        excluded.contains(id)
                    ));
                }
            }
        }
    }
    for id in stored.keys().filter(|id| !expected.contains_key(id)) {
        differences.push(format!("{id}: totals stored for no activity"));
    }
    let kept = [
        (
            KIND_TOTALS,
            "kind",
            KIND_TOTAL_COLUMNS.as_slice(),
            summary::kind_totals(None),
        ),
        (
            FUNDING_TOTALS,
            "currency",
            FUNDING_TOTAL_COLUMNS.as_slice(),
            summary::funding_totals(None),
        ),
    ];
    for (table, last_key, columns, recomputed) in kept {
        let mut stored = Query::select();
        stored.from(Alias::new(table)).columns(
            ["grantee_id", "scheme_id", last_key]
                .iter()
                .chain(columns)
                .map(|c| Alias::new(*c)),
        );
        let expected = keyed(db, &recomputed, last_key, columns).await?;
        let stored = keyed(db, &stored, last_key, columns).await?;
        for (key, values) in &expected {
            match stored.get(key) {
                Some(row) if row == values => {}
                Some(row) => differences.push(format!(
                    "{table} {key:?}: stored {row:?}, the rows add up to {values:?}"
                )),
                None => differences.push(format!("{table} {key:?}: nothing stored")),
            }
        }
        for key in stored.keys().filter(|key| !expected.contains_key(*key)) {
            differences.push(format!("{table} {key:?}: stored for nothing"));
        }
    }
    Ok(differences)
}

type KeptKey = (Uuid, Uuid, String);

/// Rows of kept totals (stored or recomputed) by grantee, scheme and `last_key`.
async fn keyed<C: ConnectionTrait>(
    db: &C,
    select: &SelectStatement,
    last_key: &str,
    columns: &[&str],
) -> Result<BTreeMap<KeptKey, Vec<i64>>> {
    let rows = db.query_all(select).await?;
    rows.iter()
        .map(|row| {
            let key = (
                row.try_get::<Uuid>("", "grantee_id")
                    .map_err(Error::internal)?,
                row.try_get::<Uuid>("", "scheme_id")
                    .map_err(Error::internal)?,
                row.try_get::<String>("", last_key)
                    .map_err(Error::internal)?,
            );
            let values = columns
                .iter()
                .map(|c| row.try_get::<i64>("", c).map_err(Error::internal))
                .collect::<Result<Vec<_>>>()?;
            Ok((key, values))
        })
        .collect()
}

async fn stored<C: ConnectionTrait>(db: &C) -> Result<BTreeMap<Uuid, (Vec<i64>, bool)>> {
    let mut select = Query::select();
    select.column(activity_total::Column::ActivityId);
    for (column, (alias, _)) in COLUMNS.iter().zip(SUMS) {
        select.expr_as(Expr::col(*column), Alias::new(alias));
    }
    select
        .column(activity_total::Column::JointExcluded)
        .from(activity_total::Entity);
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| {
            let id: Uuid = row.try_get("", "activity_id").map_err(Error::internal)?;
            let values = SUMS
                .iter()
                .map(|(alias, _)| row.try_get::<i64>("", alias).map_err(Error::internal))
                .collect::<Result<Vec<_>>>()?;
            let joint: bool = row.try_get("", "joint_excluded").map_err(Error::internal)?;
            Ok((id, (values, joint)))
        })
        .collect()
}
