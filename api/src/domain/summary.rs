//! The portfolio dashboard in one request, computed by the database with GROUP BY over exactly
//! the rows the caller may see, so every total agrees with the lists it summarises.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::enums::{ActivityKind, GrantStatus, ReportStatus};
use entity::{activity, activity_total, grant, organisation, participation, report};
use sea_orm::sea_query::Order;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    QueryFilter, QueryOrder, QueryResult, QuerySelect,
};
use uuid::Uuid;

use super::actor::Actor;
use super::bundle::among;
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
/// `SUM(expr)` as a 64-bit integer, 0 over no rows: the same type on SQLite and PostgreSQL.
pub(crate) fn summed(expr: &str) -> Expr {
    Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"))
}

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
                select.expr_as(summed(&expr), Alias::new(alias));
            }
            select.expr_as(
                summed("CASE WHEN t.joint_excluded THEN t.total ELSE 0 END"),
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
            select.expr_as(summed(&expr), Alias::new(alias));
        }
        select.expr_as(
            summed("CASE WHEN x.activity_id IS NULL THEN 0 ELSE p.total END"),
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

/// Funding: how many grants, and their total in each currency (minor units), by currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Funding {
    pub grant_count: i64,
    pub amounts: Vec<(String, i128)>,
}

/// Activities: how many, and their participation, each joint event counted once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Activities {
    pub activity_count: i64,
    pub participation: ParticipationTotals,
}

/// Money is summed as `SUM(x / SPLIT) * SPLIT + SUM(x % SPLIT)`: with amounts of at most
/// 10^14 minor units (`values::MAX_MAJOR_UNITS`), neither part's 64-bit sum can overflow for fewer
/// than nine billion grants, and the whole is exact in 128 bits. PostgreSQL would sum bigints as
/// NUMERIC, but SQLite's SUM overflows at 2^63, and one answer must hold on both.
const SPLIT: i64 = 1_000_000_000;

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T> {
    row.try_get::<T>("", column).map_err(Error::internal)
}

impl PortfolioFilter {
    fn grants(&self) -> GrantFilter {
        GrantFilter {
            scheme_id: self.scheme_id,
            grantee_id: self.grantee_id,
            status: self.grant_status,
            active_from: self.from,
            active_to: self.to,
        }
    }

    /// The grants the summary covers, as a subquery; `None` when that is every grant.
    fn grant_ids(&self, actor: &Actor) -> Option<SelectStatement> {
        scope::narrowing_grant_ids(actor, self.grants().condition())
    }

    pub fn check(&self) -> Result<()> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            DateRange::new(from, to, "filter.to")?;
        }
        Ok(())
    }
}

/// The totals kept per grantee (`totals`, migration `m20261130_000011`): the summary reads them
/// instead of the rows they add up whenever its filter names nothing finer than a scheme, a
/// grantee and an activity kind, for a caller who sees the whole portfolio.
pub(crate) const KIND_TOTALS: &str = "grantee_kind_totals";
pub(crate) const FUNDING_TOTALS: &str = "grantee_funding_totals";

/// The columns of `KIND_TOTALS` after its key, in the order `kind_totals` selects them.
pub(crate) const KIND_TOTAL_COLUMNS: [&str; 11] = [
    "activity_count",
    "total",
    "female",
    "female_recorded_of",
    "male",
    "male_recorded_of",
    "with_disability",
    "with_disability_recorded_of",
    "in_person",
    "online",
    "excluded_as_joint",
];

/// The columns of `FUNDING_TOTALS` after its key, in the order `funding_totals` selects them.
pub(crate) const FUNDING_TOTAL_COLUMNS: [&str; 3] = ["grant_count", "amount_high", "amount_low"];

/// Adds a grant's grantee and scheme (grants aliased `g`), the key every kept row starts with,
/// to a select grouped by them, narrowed to `grantees` when given.
fn by_grantee_and_scheme(select: &mut SelectStatement, grantees: Option<&[Uuid]>) {
    grouped_by(select, "g", "grantee_id");
    grouped_by(select, "g", "scheme_id");
    if let Some(ids) = grantees {
        select.and_where(
            Expr::col((Alias::new("g"), grant::Column::GranteeId)).is_in(ids.iter().copied()),
        );
    }
}

/// Selects `table.column` under the column's own name, and groups by it.
fn grouped_by(select: &mut SelectStatement, table: &str, column: &str) {
    let source = (Alias::new(table), Alias::new(column));
    select
        .expr_as(Expr::col(source.clone()), Alias::new(column))
        .group_by_col(source);
}

/// How many grants (aliased `g`) and their funding, summed in two parts that cannot overflow
/// 64 bits (`amount_high`, `amount_low`), joined in 128 bits when read.
fn funding_sums(select: &mut SelectStatement) {
    select
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("grant_count"))
        .expr_as(
            summed(&format!("g.total_funding_minor / {SPLIT}")),
            Alias::new("amount_high"),
        )
        .expr_as(
            summed(&format!("g.total_funding_minor % {SPLIT}")),
            Alias::new("amount_low"),
        );
}

/// What `KIND_TOTALS` holds for `grantees` (or every grantee): activities by grantee, scheme
/// and kind, added up by the rule every portfolio-wide total follows (`sum_into`).
pub(crate) fn kind_totals(grantees: Option<&[Uuid]>) -> SelectStatement {
    let (g, a) = (Alias::new("g"), Alias::new("a"));
    let mut select = Query::select();
    by_grantee_and_scheme(&mut select, grantees);
    select
        .expr_as(
            Expr::col((a.clone(), activity::Column::Kind)),
            Alias::new("kind"),
        )
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("activity_count"))
        .from_as(activity::Entity, a.clone())
        .join_as(
            JoinType::InnerJoin,
            grant::Entity,
            g.clone(),
            Expr::col((g, grant::Column::Id)).equals((a.clone(), activity::Column::GrantId)),
        )
        .group_by_col((a, activity::Column::Kind));
    ParticipationTotals::sum_into(&mut select, &Actor::system(), Joint::CountOnce);
    select
}

/// What `FUNDING_TOTALS` holds for `grantees` (or every grantee): grants by grantee, scheme and
/// currency, with their funding.
pub(crate) fn funding_totals(grantees: Option<&[Uuid]>) -> SelectStatement {
    let g = Alias::new("g");
    let mut select = Query::select();
    by_grantee_and_scheme(&mut select, grantees);
    select
        .expr_as(
            Expr::col((g.clone(), grant::Column::Currency)),
            Alias::new("currency"),
        )
        .group_by_col((g.clone(), grant::Column::Currency));
    funding_sums(&mut select);
    select.from_as(grant::Entity, g);
    select
}

impl PortfolioFilter {
    /// Whether the summary can be added up from the totals kept per grantee: the caller sees
    /// every grant, and the filter names nothing those totals do not keep apart (a grant's
    /// status and the dates are not).
    fn kept(&self, actor: &Actor) -> bool {
        actor.grantee_org().is_none()
            && self.grant_status.is_none()
            && self.from.is_none()
            && self.to.is_none()
    }

    /// Narrows a select of kept totals (aliased `k`) to the filter's scheme and grantee.
    fn narrow_kept(&self, select: &mut SelectStatement) {
        let k = Alias::new("k");
        if let Some(scheme) = self.scheme_id {
            select.and_where(Expr::col((k.clone(), Alias::new("scheme_id"))).eq(scheme));
        }
        if let Some(grantee) = self.grantee_id {
            select.and_where(Expr::col((k, Alias::new("grantee_id"))).eq(grantee));
        }
    }
}

/// The part of the summary each of its fields needs, computed only when asked for: each is one
/// statement (the grantee page two), grouped by the database over the rows the caller may see.
///
/// Grants and funding by currency; with `grantees`, one entry per grantee of the list instead.
async fn funding_rows(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
    grantees: Option<&[Uuid]>,
) -> Result<Vec<(Option<Uuid>, Funding)>> {
    let select = if filter.kept(actor) {
        kept_funding(db.get_database_backend(), filter, grantees)
    } else {
        counted_funding(actor, filter, grantees)
    };
    let mut parts: BTreeMap<Option<Uuid>, Funding> = BTreeMap::new();
    for row in db.query_all(&select).await? {
        let grantee = match grantees {
            Some(_) => Some(get::<Uuid>(&row, "grantee_id")?),
            None => None,
        };
        let amount = i128::from(get::<i64>(&row, "amount_high")?) * i128::from(SPLIT)
            + i128::from(get::<i64>(&row, "amount_low")?);
        let part = parts.entry(grantee).or_default();
        part.grant_count += get::<i64>(&row, "grant_count")?;
        part.amounts.push((get(&row, "currency")?, amount));
    }
    for part in parts.values_mut() {
        part.amounts.sort();
    }
    Ok(parts.into_iter().collect())
}

/// Funding by currency (and grantee) from the totals kept per grantee.
fn kept_funding(
    backend: DbBackend,
    filter: &PortfolioFilter,
    grantees: Option<&[Uuid]>,
) -> SelectStatement {
    let k = Alias::new("k");
    let mut select = Query::select();
    if grantees.is_some() {
        grouped_by(&mut select, "k", "grantee_id");
    }
    grouped_by(&mut select, "k", "currency");
    for column in FUNDING_TOTAL_COLUMNS {
        select.expr_as(summed(&format!("k.{column}")), Alias::new(column));
    }
    select.from_as(Alias::new(FUNDING_TOTALS), k.clone());
    filter.narrow_kept(&mut select);
    if let Some(ids) = grantees {
        select.and_where(among(
            backend,
            Expr::col((k.clone(), Alias::new("grantee_id"))),
            ids,
        ));
    }
    select
}

/// Funding by currency (and grantee) counted from the grants.
fn counted_funding(
    actor: &Actor,
    filter: &PortfolioFilter,
    grantees: Option<&[Uuid]>,
) -> SelectStatement {
    let g = Alias::new("g");
    let mut select = Query::select();
    if grantees.is_some() {
        grouped_by(&mut select, "g", "grantee_id");
    }
    grouped_by(&mut select, "g", "currency");
    funding_sums(&mut select);
    select
        .from_as(grant::Entity, g.clone())
        .and_where_option(
            filter
                .grant_ids(actor)
                .map(|ids| Expr::col((g.clone(), grant::Column::Id)).in_subquery(ids)),
        )
        .and_where_option(
            grantees.map(|ids| Expr::col((g, grant::Column::GranteeId)).is_in(ids.to_vec())),
        );
    select
}

/// `grantCount` and `funding`.
pub async fn funding(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
) -> Result<Funding> {
    Ok(funding_rows(db, actor, filter, None)
        .await?
        .into_iter()
        .next()
        .map(|(_, f)| f)
        .unwrap_or_default())
}

/// How many grantees hold a grant of the summary.
pub async fn grantee_count(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
) -> Result<i64> {
    let select = if filter.kept(actor) {
        // One row per grantee and scheme and currency: grouped (from the key's index), then
        // counted, which PostgreSQL does faster than COUNT(DISTINCT), always a sort.
        let k = Alias::new("k");
        let mut grantees = Query::select();
        grantees
            .column((k.clone(), Alias::new("grantee_id")))
            .from_as(Alias::new(FUNDING_TOTALS), k.clone())
            .group_by_col((k, Alias::new("grantee_id")));
        filter.narrow_kept(&mut grantees);
        Query::select()
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from_subquery(grantees, Alias::new("grantees"))
            .to_owned()
    } else {
        let g = Alias::new("g");
        Query::select()
            .expr_as(Expr::cust("COUNT(DISTINCT g.grantee_id)"), Alias::new("n"))
            .from_as(grant::Entity, g.clone())
            .and_where_option(
                filter
                    .grant_ids(actor)
                    .map(|ids| Expr::col((g, grant::Column::Id)).in_subquery(ids)),
            )
            .to_owned()
    };
    let row = db.query_one(&select).await?;
    row.map_or(Ok(0), |row| get(&row, "n"))
}

/// How activities are grouped.
#[derive(Clone, Copy)]
enum ActivityGroups<'a> {
    Kind,
    Grantees(&'a [Uuid]),
}

/// Activities and participation, by kind or for each grantee of a list.
async fn activity_rows(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
    groups: ActivityGroups<'_>,
) -> Result<Vec<(QueryResult, Activities)>> {
    let select = if filter.kept(actor) {
        kept_activities(db.get_database_backend(), filter, groups)
    } else {
        counted_activities(actor, filter, groups)
    };
    db.query_all(&select)
        .await?
        .into_iter()
        .map(|row| {
            let part = Activities {
                activity_count: get(&row, "activity_count")?,
                participation: ParticipationTotals::read(&row)?,
            };
            Ok((row, part))
        })
        .collect()
}

/// Activities and participation by kind or grantee, from the totals kept per grantee.
fn kept_activities(
    backend: DbBackend,
    filter: &PortfolioFilter,
    groups: ActivityGroups<'_>,
) -> SelectStatement {
    let k = Alias::new("k");
    let mut select = Query::select();
    let group = match groups {
        ActivityGroups::Kind => "kind",
        ActivityGroups::Grantees(ids) => {
            select.and_where(among(
                backend,
                Expr::col((k.clone(), Alias::new("grantee_id"))),
                ids,
            ));
            "grantee_id"
        }
    };
    grouped_by(&mut select, "k", group);
    for column in KIND_TOTAL_COLUMNS {
        select.expr_as(summed(&format!("k.{column}")), Alias::new(column));
    }
    select.from_as(Alias::new(KIND_TOTALS), k.clone());
    filter.narrow_kept(&mut select);
    if let Some(kind) = filter.activity_kind {
        select.and_where(Expr::col((k, Alias::new("kind"))).eq(kind.to_value()));
    }
    select
}

/// Activities and participation by kind or grantee, added up over the activities.
fn counted_activities(
    actor: &Actor,
    filter: &PortfolioFilter,
    groups: ActivityGroups<'_>,
) -> SelectStatement {
    let (g, a) = (Alias::new("g"), Alias::new("a"));
    let mut select = Query::select();
    match groups {
        ActivityGroups::Kind => grouped_by(&mut select, "a", "kind"),
        ActivityGroups::Grantees(ids) => {
            grouped_by(&mut select, "g", "grantee_id");
            select.and_where(Expr::col((g.clone(), grant::Column::GranteeId)).is_in(ids.to_vec()));
        }
    }
    select
        .expr_as(
            Expr::cust(ParticipationTotals::count_activities(actor)),
            Alias::new("activity_count"),
        )
        .from_as(activity::Entity, a.clone())
        .join_as(
            JoinType::InnerJoin,
            grant::Entity,
            g.clone(),
            Expr::col((g, grant::Column::Id)).equals((a.clone(), activity::Column::GrantId)),
        );
    ParticipationTotals::sum_into(&mut select, actor, Joint::CountOnce);
    select.and_where_option(
        filter
            .grant_ids(actor)
            .map(|ids| Expr::col((a.clone(), activity::Column::GrantId)).in_subquery(ids)),
    );
    if let Some(kind) = filter.activity_kind {
        select.and_where(Expr::col((a.clone(), activity::Column::Kind)).eq(kind.to_value()));
    }
    if let Some(from) = filter.from {
        select.and_where(Expr::col((a.clone(), activity::Column::EndDate)).gte(from));
    }
    if let Some(to) = filter.to {
        select.and_where(Expr::col((a, activity::Column::StartDate)).lte(to));
    }
    select
}

/// `activityCount`, `participation` and `byActivityKind` (by kind name).
pub async fn activities_by_kind(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
) -> Result<(Activities, Vec<KindBreakdown>)> {
    let mut total = Activities::default();
    let mut by_kind = Vec::new();
    for (row, part) in activity_rows(db, actor, filter, ActivityGroups::Kind).await? {
        let kind_text: String = get(&row, "kind")?;
        let kind = ActivityKind::try_from_value(&kind_text).map_err(Error::internal)?;
        total.activity_count += part.activity_count;
        total.participation.add(part.participation);
        by_kind.push(KindBreakdown {
            kind,
            activity_count: part.activity_count,
            participation: part.participation,
        });
    }
    by_kind.sort_by_key(|k| k.kind.as_str());
    Ok((total, by_kind))
}

/// One grantee's part of the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GranteePart {
    pub funding: Funding,
    pub activities: Activities,
}

/// `byGrantee`: a page of the grantees holding a grant of the summary, by name then id, after
/// the grantee `after`, with their figures.
pub async fn grantee_page(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
    first: u64,
    after: Option<Uuid>,
) -> Result<Vec<(Uuid, GranteePart)>> {
    let (g, o) = (Alias::new("g"), Alias::new("o"));
    let mut select = Query::select();
    select
        .expr_as(
            Expr::col((g.clone(), grant::Column::GranteeId)),
            Alias::new("grantee_id"),
        )
        .from_as(grant::Entity, g.clone())
        .join_as(
            JoinType::InnerJoin,
            organisation::Entity,
            o.clone(),
            Expr::col((o.clone(), organisation::Column::Id))
                .equals((g.clone(), grant::Column::GranteeId)),
        )
        .and_where_option(
            filter
                .grant_ids(actor)
                .map(|ids| Expr::col((g.clone(), grant::Column::Id)).in_subquery(ids)),
        )
        .group_by_col((g.clone(), grant::Column::GranteeId))
        .group_by_col((o.clone(), organisation::Column::Name))
        .order_by((o.clone(), organisation::Column::Name), Order::Asc)
        .order_by((g.clone(), grant::Column::GranteeId), Order::Asc)
        .limit(first);
    if let Some(after) = after {
        let name = scope::organisations(actor)
            .filter(organisation::Column::Id.eq(after))
            .one(db)
            .await?
            .ok_or_else(|| Error::bad_input("after", format!("no grantee with the id {after}")))?
            .name;
        select.and_where(
            Expr::col((o.clone(), organisation::Column::Name))
                .gt(name.clone())
                .or(Expr::col((o, organisation::Column::Name))
                    .eq(name)
                    .and(Expr::col((g, grant::Column::GranteeId)).gt(after))),
        );
    }
    let ids: Vec<Uuid> = db
        .query_all(&select)
        .await?
        .iter()
        .map(|row| get(row, "grantee_id"))
        .collect::<Result<_>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut parts: BTreeMap<Uuid, GranteePart> =
        ids.iter().map(|id| (*id, GranteePart::default())).collect();
    for (grantee, funding) in funding_rows(db, actor, filter, Some(&ids)).await? {
        if let Some(part) = grantee.and_then(|id| parts.get_mut(&id)) {
            part.funding = funding;
        }
    }
    for (row, activities) in
        activity_rows(db, actor, filter, ActivityGroups::Grantees(&ids)).await?
    {
        let grantee: Uuid = get(&row, "grantee_id")?;
        if let Some(part) = parts.get_mut(&grantee) {
            part.activities = activities;
        }
    }
    Ok(ids
        .into_iter()
        .map(|id| {
            let part = parts.remove(&id).unwrap_or_default();
            (id, part)
        })
        .collect())
}

/// `reportsByStatus`, in workflow order.
pub async fn reports_by_status(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
) -> Result<Vec<(ReportStatus, i64)>> {
    let select = Query::select()
        .expr_as(Expr::col(report::Column::Status), Alias::new("status"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("count"))
        .from(report::Entity)
        .and_where_option(
            filter
                .grant_ids(actor)
                .map(|ids| Expr::col(report::Column::GrantId).in_subquery(ids)),
        )
        .group_by_col(report::Column::Status)
        .to_owned();
    let mut counts = Vec::new();
    for row in db.query_all(&select).await? {
        let status_text: String = get(&row, "status")?;
        let status = ReportStatus::try_from_value(&status_text).map_err(Error::internal)?;
        counts.push((status, get::<i64>(&row, "count")?));
    }
    counts.sort_by_key(|(s, _)| status_order(*s));
    Ok(counts)
}

/// `overdueReports`: reports of the summary's grants due before today and still DRAFT or
/// RETURNED, oldest first, a page after the report `after`.
pub async fn overdue_reports(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
    first: u64,
    after: Option<Uuid>,
) -> Result<Vec<report::Model>> {
    let today = Utc::now().date_naive();
    let mut condition = Condition::all()
        .add_option(
            filter
                .grant_ids(actor)
                .map(|ids| report::Column::GrantId.in_subquery(ids)),
        )
        .add(report::Column::DueDate.lt(today))
        .add(report::Column::Status.is_in([ReportStatus::Draft, ReportStatus::Returned]));
    if let Some(after) = after {
        let due = scoped::<report::Entity>(actor)
            .filter(report::Column::Id.eq(after))
            .one(db)
            .await?
            .ok_or_else(|| Error::bad_input("after", format!("no report with the id {after}")))?
            .due_date;
        condition = condition.add(
            Condition::any().add(report::Column::DueDate.gt(due)).add(
                Condition::all()
                    .add(report::Column::DueDate.eq(due))
                    .add(report::Column::Id.gt(after)),
            ),
        );
    }
    Ok(scoped::<report::Entity>(actor)
        .filter(condition)
        .order_by_asc(report::Column::DueDate)
        .order_by_asc(report::Column::Id)
        .limit(first)
        .all(db)
        .await?)
}

/// How many warnings of each code the reports of the grants in `filter` carry (over what the
/// caller may see), in code order. Warnings are computed when read, report by report.
pub async fn warning_counts(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &PortfolioFilter,
) -> Result<Vec<(WarningCode, i64)>> {
    let reports = scoped::<report::Entity>(actor)
        .filter(
            report::Column::GrantId
                .in_subquery(scope::grant_ids_where(actor, filter.grants().condition())),
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
