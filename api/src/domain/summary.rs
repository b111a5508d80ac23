//! The portfolio dashboard in one request, computed by the database with GROUP BY over exactly
//! the rows the caller may see, so every total agrees with the lists it summarises.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::enums::{ActivityKind, GrantStatus, ReportStatus};
use entity::{activity, activity_total, grant, participation, report};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, QueryFilter,
    QueryOrder, QueryResult,
};
use uuid::Uuid;

use super::actor::Actor;
use super::content::joint;
use super::portfolio::GrantFilter;
use super::report::warnings::{self, WarningCode};
use super::scope::{self, scoped};
use super::values::DateRange;
use crate::error::{Error, Result};

#[derive(Clone, Debug, Default)]
pub struct PortfolioFilter {
    pub scheme_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub grant_status: Option<GrantStatus>,
    /// Grants and activities overlapping [from, to].
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub activity_kind: Option<ActivityKind>,
}

/// Participation added up: everyone, those counted in person and online (the rest were
/// reported without a mode), and each breakdown (women, men, people with a disability) beside
/// the number of participants over which it was recorded: a row that left it unrecorded adds
/// to neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParticipationTotals {
    pub total: i64,
    pub female: i64,
    pub female_recorded_of: i64,
    pub male: i64,
    pub male_recorded_of: i64,
    pub with_disability: i64,
    pub with_disability_recorded_of: i64,
    pub in_person: i64,
    pub online: i64,
    /// Participants of activities left out because another activity of their joint group
    /// counts for the event (`content::joint`).
    pub excluded_as_joint: i64,
}

/// How a set of activities' joint groups are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joint {
    /// Each group once: a member another member stands for adds only to `excluded_as_joint`.
    /// Every total over several activities.
    CountOnce,
    /// Each activity's own figures, with `excluded_as_joint` saying how many of them the larger
    /// totals leave out. One activity's totals.
    OwnFigures,
}

/// The columns `sum_into` adds, each the SUM of an expression over the rows `p`.
pub(crate) const SUMS: [(&str, &str); 9] = [
    ("total", "p.total"),
    ("female", "p.female"),
    (
        "female_recorded_of",
        "CASE WHEN p.female IS NULL THEN 0 ELSE p.total END",
    ),
    ("male", "p.male"),
    (
        "male_recorded_of",
        "CASE WHEN p.male IS NULL THEN 0 ELSE p.total END",
    ),
    ("with_disability", "p.with_disability"),
    (
        "with_disability_recorded_of",
        "CASE WHEN p.with_disability IS NULL THEN 0 ELSE p.total END",
    ),
    (
        "in_person",
        "CASE WHEN p.mode = 'IN_PERSON' THEN p.total ELSE 0 END",
    ),
    (
        "online",
        "CASE WHEN p.mode = 'ONLINE' THEN p.total ELSE 0 END",
    ),
];

impl ParticipationTotals {
    /// The one SQL fragment that adds up the participation of activities (aliased `a`), used by
    /// the summary and by every per-grant, per-report and per-activity total, so they can never
    /// disagree. For portfolio-wide roles it adds up the totals kept as the data are written
    /// (`totals`, one row per activity, aliased `t`); for a grantee, whose joint groups are
    /// counted over what it may see, it adds up the participation rows (`p`), leaving out the
    /// activities that joint groups leave out (`x`).
    fn sum_into(select: &mut SelectStatement, actor: &Actor, joint: Joint) {
        let a = Alias::new("a");
        if actor.grantee_org().is_none() {
            let t = Alias::new("t");
            select.join_as(
                JoinType::LeftJoin,
                activity_total::Entity,
                t.clone(),
                Expr::col((t, activity_total::Column::ActivityId))
                    .equals((a, activity::Column::Id)),
            );
            for (alias, _) in SUMS {
                let expr = match joint {
                    Joint::CountOnce => {
                        format!("CASE WHEN t.joint_excluded THEN 0 ELSE t.{alias} END")
                    }
                    Joint::OwnFigures => format!("t.{alias}"),
                };
                select.expr_as(
                    Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")),
                    Alias::new(alias),
                );
            }
            select.expr_as(
                Expr::cust(
                    "CAST(COALESCE(SUM(CASE WHEN t.joint_excluded THEN t.total ELSE 0 END), 0) AS BIGINT)",
                ),
                Alias::new("excluded_as_joint"),
            );
            return;
        }
        let (p, x) = (Alias::new("p"), Alias::new("x"));
        select
            .join_as(
                JoinType::LeftJoin,
                participation::Entity,
                p.clone(),
                Expr::col((p, participation::Column::ActivityId))
                    .equals((a.clone(), activity::Column::Id)),
            )
            .join_subquery(
                JoinType::LeftJoin,
                joint::excluded_activities(actor),
                x.clone(),
                Expr::col((x, Alias::new("activity_id"))).equals((a, activity::Column::Id)),
            );
        for (alias, expr) in SUMS {
            let expr = match joint {
                Joint::CountOnce => format!("CASE WHEN x.activity_id IS NULL THEN {expr} END"),
                Joint::OwnFigures => expr.to_owned(),
            };
            select.expr_as(
                Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")),
                Alias::new(alias),
            );
        }
        select.expr_as(
            Expr::cust(
                "CAST(COALESCE(SUM(CASE WHEN x.activity_id IS NULL THEN 0 ELSE p.total END), 0) AS BIGINT)",
            ),
            Alias::new("excluded_as_joint"),
        );
    }

    /// How many distinct activities `sum_into`'s rows cover: one row per activity from the kept
    /// totals, several (one per participation row) from the rows.
    fn count_activities(actor: &Actor) -> &'static str {
        if actor.grantee_org().is_none() {
            "COUNT(*)"
        } else {
            "COUNT(DISTINCT a.id)"
        }
    }

    /// Reads the columns `sum_into` added.
    fn read(row: &QueryResult) -> Result<Self> {
        Ok(Self {
            total: get(row, "total")?,
            female: get(row, "female")?,
            female_recorded_of: get(row, "female_recorded_of")?,
            male: get(row, "male")?,
            male_recorded_of: get(row, "male_recorded_of")?,
            with_disability: get(row, "with_disability")?,
            with_disability_recorded_of: get(row, "with_disability_recorded_of")?,
            in_person: get(row, "in_person")?,
            online: get(row, "online")?,
            excluded_as_joint: get(row, "excluded_as_joint")?,
        })
    }

    fn add(&mut self, other: ParticipationTotals) {
        self.total += other.total;
        self.female += other.female;
        self.female_recorded_of += other.female_recorded_of;
        self.male += other.male;
        self.male_recorded_of += other.male_recorded_of;
        self.with_disability += other.with_disability;
        self.with_disability_recorded_of += other.with_disability_recorded_of;
        self.in_person += other.in_person;
        self.online += other.online;
        self.excluded_as_joint += other.excluded_as_joint;
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindBreakdown {
    pub kind: ActivityKind,
    pub activity_count: i64,
    pub participation: ParticipationTotals,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GranteeBreakdown {
    pub grantee_id: Uuid,
    pub grant_count: i64,
    /// (currency, minor units), by currency.
    pub funding: Vec<(String, i128)>,
    pub activity_count: i64,
    pub participation: ParticipationTotals,
}

#[derive(Clone, Debug)]
pub struct Summary {
    pub grant_count: i64,
    pub grantee_count: i64,
    pub funding: Vec<(String, i128)>,
    pub activity_count: i64,
    pub participation: ParticipationTotals,
    pub by_activity_kind: Vec<KindBreakdown>,
    pub by_grantee: Vec<GranteeBreakdown>,
    pub reports_by_status: Vec<(ReportStatus, i64)>,
    pub overdue_reports: Vec<report::Model>,
}

/// Money is summed as `SUM(x / SPLIT) * SPLIT + SUM(x % SPLIT)`: with amounts of at most
/// 10^14 minor units (`values::MAX_MAJOR_UNITS`), neither part's 64-bit sum can overflow for fewer
/// than nine billion grants, and the whole is exact in 128 bits. PostgreSQL would sum bigints as
/// NUMERIC, but SQLite's SUM overflows at 2^63, and one answer must hold on both.
const SPLIT: i64 = 1_000_000_000;

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T> {
    row.try_get::<T>("", column).map_err(Error::internal)
}

pub async fn portfolio(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
) -> Result<Summary> {
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        DateRange::new(from, to, "filter.to")?;
    }
    let grant_filter = GrantFilter {
        scheme_id: filter.scheme_id,
        grantee_id: filter.grantee_id,
        status: filter.grant_status,
        active_from: filter.from,
        active_to: filter.to,
    };
    let grant_ids = || scope::narrowing_grant_ids(actor, grant_filter.condition());

    // Grants: count and funding by grantee and currency.
    let (g, a) = (Alias::new("g"), Alias::new("a"));
    let funding_rows = db
        .query_all(
            Query::select()
                .expr_as(
                    Expr::col((g.clone(), grant::Column::GranteeId)),
                    Alias::new("grantee_id"),
                )
                .expr_as(
                    Expr::col((g.clone(), grant::Column::Currency)),
                    Alias::new("currency"),
                )
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("grant_count"))
                // Funding summed in two parts that cannot overflow 64 bits, joined in 128 bits.
                .expr_as(
                    Expr::cust(format!(
                        "CAST(COALESCE(SUM(g.total_funding_minor / {SPLIT}), 0) AS BIGINT)"
                    )),
                    Alias::new("amount_high"),
                )
                .expr_as(
                    Expr::cust(format!(
                        "CAST(COALESCE(SUM(g.total_funding_minor % {SPLIT}), 0) AS BIGINT)"
                    )),
                    Alias::new("amount_low"),
                )
                .from_as(grant::Entity, g.clone())
                .and_where_option(
                    grant_ids()
                        .map(|ids| Expr::col((g.clone(), grant::Column::Id)).in_subquery(ids)),
                )
                .group_by_col((g.clone(), grant::Column::GranteeId))
                .group_by_col((g.clone(), grant::Column::Currency)),
        )
        .await?;

    // Activities and participation: by grantee and kind, one row per group.
    let mut activities = Query::select();
    activities
        .expr_as(
            Expr::col((g.clone(), grant::Column::GranteeId)),
            Alias::new("grantee_id"),
        )
        .expr_as(
            Expr::col((a.clone(), activity::Column::Kind)),
            Alias::new("kind"),
        )
        .expr_as(
            Expr::cust(ParticipationTotals::count_activities(actor)),
            Alias::new("activity_count"),
        );
    activities.from_as(activity::Entity, a.clone()).join_as(
        JoinType::InnerJoin,
        grant::Entity,
        g.clone(),
        Expr::col((g.clone(), grant::Column::Id)).equals((a.clone(), activity::Column::GrantId)),
    );
    ParticipationTotals::sum_into(&mut activities, actor, Joint::CountOnce);
    activities
        .and_where_option(
            grant_ids()
                .map(|ids| Expr::col((a.clone(), activity::Column::GrantId)).in_subquery(ids)),
        )
        .group_by_col((g.clone(), grant::Column::GranteeId))
        .group_by_col((a.clone(), activity::Column::Kind));
    if let Some(kind) = filter.activity_kind {
        activities.and_where(Expr::col((a.clone(), activity::Column::Kind)).eq(kind.to_value()));
    }
    if let Some(from) = filter.from {
        activities.and_where(Expr::col((a.clone(), activity::Column::EndDate)).gte(from));
    }
    if let Some(to) = filter.to {
        activities.and_where(Expr::col((a.clone(), activity::Column::StartDate)).lte(to));
    }
    let activity_rows = db.query_all(&activities).await?;

    let status_rows = db.query_all(&reports_by_status(grant_ids())).await?;

    let today = Utc::now().date_naive();
    let overdue_reports = scoped::<report::Entity>(actor)
        .filter(
            Condition::all()
                .add_option(grant_ids().map(|ids| report::Column::GrantId.in_subquery(ids)))
                .add(report::Column::DueDate.lt(today))
                .add(report::Column::Status.is_in([ReportStatus::Draft, ReportStatus::Returned])),
        )
        .order_by_asc(report::Column::DueDate)
        .order_by_asc(report::Column::Id)
        .all(db)
        .await?;

    // Fold the groups (a handful of rows, never the underlying data) into the summary.
    let mut funding: BTreeMap<String, i128> = BTreeMap::new();
    let mut grantees: BTreeMap<Uuid, GranteeBreakdown> = BTreeMap::new();
    let mut grant_count = 0;
    for row in &funding_rows {
        let grantee_id: Uuid = get(row, "grantee_id")?;
        let currency: String = get(row, "currency")?;
        let count: i64 = get(row, "grant_count")?;
        let amount = i128::from(get::<i64>(row, "amount_high")?) * i128::from(SPLIT)
            + i128::from(get::<i64>(row, "amount_low")?);
        grant_count += count;
        *funding.entry(currency.clone()).or_default() += amount;
        let entry = grantees
            .entry(grantee_id)
            .or_insert_with(|| GranteeBreakdown {
                grantee_id,
                grant_count: 0,
                funding: Vec::new(),
                activity_count: 0,
                participation: ParticipationTotals::default(),
            });
        entry.grant_count += count;
        entry.funding.push((currency, amount));
    }
    let mut by_kind: BTreeMap<&'static str, KindBreakdown> = BTreeMap::new();
    let mut total = ParticipationTotals::default();
    let mut activity_count = 0;
    for row in &activity_rows {
        let grantee_id: Uuid = get(row, "grantee_id")?;
        let kind_text: String = get(row, "kind")?;
        let kind = ActivityKind::try_from_value(&kind_text).map_err(Error::internal)?;
        let count: i64 = get(row, "activity_count")?;
        let part = ParticipationTotals::read(row)?;
        activity_count += count;
        total.add(part);
        let k = by_kind.entry(kind.as_str()).or_insert(KindBreakdown {
            kind,
            activity_count: 0,
            participation: ParticipationTotals::default(),
        });
        k.activity_count += count;
        k.participation.add(part);
        if let Some(g) = grantees.get_mut(&grantee_id) {
            g.activity_count += count;
            g.participation.add(part);
        }
    }
    for g in grantees.values_mut() {
        g.funding.sort();
    }
    let mut reports_by_status = Vec::new();
    for row in &status_rows {
        let status_text: String = get(row, "status")?;
        let status = ReportStatus::try_from_value(&status_text).map_err(Error::internal)?;
        reports_by_status.push((status, get::<i64>(row, "count")?));
    }
    reports_by_status.sort_by_key(|(s, _)| status_order(*s));

    Ok(Summary {
        grant_count,
        grantee_count: grantees.len() as i64,
        funding: funding.into_iter().collect(),
        activity_count,
        participation: total,
        by_activity_kind: by_kind.into_values().collect(),
        by_grantee: grantees.into_values().collect(),
        reports_by_status,
        overdue_reports,
    })
}

/// How many warnings of each code the reports of the grants in `filter` carry (over what the
/// caller may see), in code order. Warnings are computed when read, report by report.
pub async fn warning_counts(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
) -> Result<Vec<(WarningCode, i64)>> {
    let grant_filter = GrantFilter {
        scheme_id: filter.scheme_id,
        grantee_id: filter.grantee_id,
        status: filter.grant_status,
        active_from: filter.from,
        active_to: filter.to,
    };
    let reports = scoped::<report::Entity>(actor)
        .filter(
            report::Column::GrantId
                .in_subquery(scope::grant_ids_where(actor, grant_filter.condition())),
        )
        .order_by_asc(report::Column::Id)
        .all(db)
        .await?;
    let mut counts: BTreeMap<WarningCode, i64> = BTreeMap::new();
    for r in &reports {
        for w in warnings::of_report(db, actor, r).await? {
            *counts.entry(w.code).or_default() += 1;
        }
    }
    Ok(counts.into_iter().collect())
}

fn reports_by_status(grant_ids: Option<SelectStatement>) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col(report::Column::Status), Alias::new("status"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("count"))
        .from(report::Entity)
        .and_where_option(grant_ids.map(|ids| Expr::col(report::Column::GrantId).in_subquery(ids)))
        .group_by_col(report::Column::Status)
        .to_owned()
}

fn status_order(status: ReportStatus) -> u8 {
    match status {
        ReportStatus::Draft => 0,
        ReportStatus::Submitted => 1,
        ReportStatus::Returned => 2,
        ReportStatus::Accepted => 3,
    }
}

/// Participation totals of each of `grant_ids` the actor may see, in one GROUP BY.
pub async fn participation_by_grant(
    db: &DatabaseConnection,
    actor: &Actor,
    grant_ids: &[Uuid],
) -> Result<Vec<(Uuid, ParticipationTotals)>> {
    participation_by(
        db,
        actor,
        activity::Column::GrantId,
        grant_ids,
        Joint::CountOnce,
    )
    .await
}

/// Participation totals of each of `report_ids` the actor may see, in one GROUP BY.
pub async fn participation_by_report(
    db: &DatabaseConnection,
    actor: &Actor,
    report_ids: &[Uuid],
) -> Result<Vec<(Uuid, ParticipationTotals)>> {
    participation_by(
        db,
        actor,
        activity::Column::ReportId,
        report_ids,
        Joint::CountOnce,
    )
    .await
}

/// Participation totals of each of `activity_ids` the actor may see, in one GROUP BY.
pub async fn participation_by_activity(
    db: &DatabaseConnection,
    actor: &Actor,
    activity_ids: &[Uuid],
) -> Result<Vec<(Uuid, ParticipationTotals)>> {
    participation_by(
        db,
        actor,
        activity::Column::Id,
        activity_ids,
        Joint::OwnFigures,
    )
    .await
}

/// Totals grouped by an activity column (its grant, its report, or the activity itself).
async fn participation_by(
    db: &DatabaseConnection,
    actor: &Actor,
    group: activity::Column,
    ids: &[Uuid],
    joint: Joint,
) -> Result<Vec<(Uuid, ParticipationTotals)>> {
    let a = Alias::new("a");
    let mut select = Query::select();
    select
        .expr_as(Expr::col((a.clone(), group)), Alias::new("key"))
        .from_as(activity::Entity, a.clone());
    ParticipationTotals::sum_into(&mut select, actor, joint);
    select
        .and_where(Expr::col((a.clone(), group)).is_in(ids.to_vec()))
        .group_by_col((a.clone(), group));
    if let Some(visible) = scope::visible_grant_ids(actor) {
        select.and_where(Expr::col((a.clone(), activity::Column::GrantId)).in_subquery(visible));
    }
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| Ok((get(row, "key")?, ParticipationTotals::read(row)?)))
        .collect()
}
