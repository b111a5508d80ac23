//! The rows of each exported list, read a page at a time in key order (by id, so a page costs
//! the same however deep it is and nothing is skipped or repeated), each page in a fixed number
//! of statements: the page's rows, then one statement per thing they name (grants, schemes,
//! organisations, objectives, co-organisers, joint groups). Every read starts from
//! `domain::scope`, so a grantee's rows are its own organisation's and nothing else.
//!
//! A row is a list of typed [`Cell`]s: CSV writes them as text, the workbook as typed cells.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    activity, activity_organiser, grant, joint_membership, objective, organisation, outcome,
    participation, report, scheme,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::domain::actor::Actor;
use crate::domain::content::joint;
use crate::domain::scope::{self, scoped};
use crate::domain::summary::PortfolioFilter;
use crate::domain::values::minor_digits_of;
use crate::error::{Error, Result};

/// How many rows of the list a page reads: large enough that statements are few, small enough
/// that a page of the longest rows is a few megabytes at most.
pub const PAGE_ROWS: u64 = 500;

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Nothing recorded (null).
    Empty,
    Text(String),
    Int(i64),
    /// An exact amount in minor units, with the currency's number of decimals.
    Money {
        minor: i64,
        digits: u32,
    },
    Date(NaiveDate),
    Time(DateTime<Utc>),
    Bool(bool),
}

impl Cell {
    fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    fn opt_text(value: Option<impl Into<String>>) -> Self {
        value.map_or(Self::Empty, |v| Self::Text(v.into()))
    }

    fn id(value: Uuid) -> Self {
        Self::Text(value.to_string())
    }

    fn opt_id(value: Option<Uuid>) -> Self {
        value.map_or(Self::Empty, Self::id)
    }

    fn opt_int(value: Option<impl Into<i64>>) -> Self {
        value.map_or(Self::Empty, |v| Self::Int(v.into()))
    }
}

pub type Row = Vec<Cell>;

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Grants,
    Reports,
    Activities,
    Participation,
    Outcomes,
}

impl List {
    pub const ALL: [Self; 5] = [
        Self::Grants,
        Self::Reports,
        Self::Activities,
        Self::Participation,
        Self::Outcomes,
    ];

    /// The column names, in order: stable, documented in the README.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Self::Grants => &[
                "id",
                "reference",
                "title",
                "status",
                "schemeId",
                "schemeName",
                "granteeId",
                "granteeName",
                "totalFunding",
                "currency",
                "startDate",
                "endDate",
            ],
            Self::Reports => &[
                "id",
                "grantId",
                "grantReference",
                "granteeId",
                "granteeName",
                "kind",
                "status",
                "version",
                "periodStart",
                "periodEnd",
                "dueDate",
                "submittedAt",
                "preparedByName",
                "preparedByRole",
                "returnReason",
            ],
            Self::Activities => &[
                "id",
                "grantId",
                "grantReference",
                "granteeId",
                "granteeName",
                "reportId",
                "objectiveId",
                "objectiveNumber",
                "kind",
                "title",
                "startDate",
                "endDate",
                "venue",
                "location",
                "organisers",
                "narrative",
                "jointGroupId",
                "countedInTotals",
            ],
            Self::Participation => &[
                "activityId",
                "grantId",
                "grantReference",
                "granteeId",
                "granteeName",
                "activityKind",
                "activityTitle",
                "startDate",
                "endDate",
                "mode",
                "total",
                "female",
                "male",
                "withDisability",
                "jointGroupId",
                "countedInTotals",
            ],
            Self::Outcomes => &[
                "id",
                "activityId",
                "activityTitle",
                "grantId",
                "grantReference",
                "granteeId",
                "granteeName",
                "reportId",
                "kind",
                "statement",
                "actor",
                "institution",
                "evidence",
                "date",
            ],
        }
    }

    /// The workbook's sheet name.
    pub fn sheet_name(self) -> &'static str {
        match self {
            Self::Grants => "Grants",
            Self::Reports => "Reports",
            Self::Activities => "Activities",
            Self::Participation => "Participation",
            Self::Outcomes => "Outcomes",
        }
    }
}

/// One list as one caller may read it, narrowed by a filter: the rows of an export.
#[derive(Clone, Debug)]
pub struct Source {
    list: List,
    actor: Actor,
    /// On the list's own table: grants, reports, or (for activities, participation and
    /// outcomes) activities.
    condition: Condition,
}

/// One page of rows, and where the next one starts (`None` when this was the last).
pub struct Page {
    pub rows: Vec<Row>,
    pub next: Option<Uuid>,
}

impl Source {
    pub fn grants(actor: Actor, condition: Condition) -> Self {
        Self {
            list: List::Grants,
            actor,
            condition,
        }
    }

    pub fn reports(actor: Actor, condition: Condition) -> Self {
        Self {
            list: List::Reports,
            actor,
            condition,
        }
    }

    /// Activities, their participation rows or their outcomes, by a condition on activities.
    pub fn of_activities(list: List, actor: Actor, condition: Condition) -> Self {
        Self {
            list,
            actor,
            condition,
        }
    }

    /// Each list of the workbook, narrowed as `portfolioSummary` narrows: grants by scheme,
    /// grantee, status and funding period overlapping [from, to]; reports of those grants;
    /// activities of those grants overlapping [from, to] and of `activityKind`, with their
    /// participation and outcomes.
    pub fn portfolio(actor: &Actor, filter: &PortfolioFilter) -> Vec<Self> {
        let grants = crate::domain::portfolio::GrantFilter {
            scheme_id: filter.scheme_id,
            grantee_id: filter.grantee_id,
            status: filter.grant_status,
            active_from: filter.from,
            active_to: filter.to,
        }
        .condition();
        let grant_ids = scope::grant_ids_where(actor, grants.clone());
        let reports = Condition::all().add(report::Column::GrantId.in_subquery(grant_ids.clone()));
        let mut activities = Condition::all().add(activity::Column::GrantId.in_subquery(grant_ids));
        if let Some(kind) = filter.activity_kind {
            activities = activities.add(activity::Column::Kind.eq(kind));
        }
        if let Some(from) = filter.from {
            activities = activities.add(activity::Column::EndDate.gte(from));
        }
        if let Some(to) = filter.to {
            activities = activities.add(activity::Column::StartDate.lte(to));
        }
        List::ALL
            .into_iter()
            .map(|list| {
                let condition = match list {
                    List::Grants => grants.clone(),
                    List::Reports => reports.clone(),
                    _ => activities.clone(),
                };
                Self {
                    list,
                    actor: actor.clone(),
                    condition,
                }
            })
            .collect()
    }

    pub fn list(&self) -> List {
        self.list
    }

    /// The page of rows after `after` (the last key of the previous page).
    pub async fn page(&self, db: &DatabaseConnection, after: Option<Uuid>) -> Result<Page> {
        let (rows, last, read) = match self.list {
            List::Grants => self.grants_page(db, after).await?,
            List::Reports => self.reports_page(db, after).await?,
            List::Activities | List::Participation => self.activities_page(db, after).await?,
            List::Outcomes => self.outcomes_page(db, after).await?,
        };
        let next = if read as u64 == PAGE_ROWS { last } else { None };
        Ok(Page { rows, next })
    }

    async fn grants_page(
        &self,
        db: &DatabaseConnection,
        after: Option<Uuid>,
    ) -> Result<(Vec<Row>, Option<Uuid>, usize)> {
        let actor = &self.actor;
        let grants = page_after(
            db,
            scoped::<grant::Entity>(actor).filter(self.condition.clone()),
            grant::Column::Id,
            after,
        )
        .await?;
        let schemes = scheme_names(db, actor, grants.iter().map(|g| g.scheme_id)).await?;
        let orgs = organisation_names(db, actor, grants.iter().map(|g| g.grantee_id)).await?;
        let rows = grants
            .iter()
            .map(|g| {
                vec![
                    Cell::id(g.id),
                    Cell::text(&g.reference),
                    Cell::text(&g.title),
                    Cell::text(g.status.as_str()),
                    Cell::id(g.scheme_id),
                    Cell::opt_text(schemes.get(&g.scheme_id)),
                    Cell::id(g.grantee_id),
                    Cell::opt_text(orgs.get(&g.grantee_id)),
                    Cell::Money {
                        minor: g.total_funding_minor,
                        digits: minor_digits_of(&g.currency),
                    },
                    Cell::text(&g.currency),
                    Cell::Date(g.start_date),
                    Cell::Date(g.end_date),
                ]
            })
            .collect();
        Ok((rows, grants.last().map(|g| g.id), grants.len()))
    }

    async fn reports_page(
        &self,
        db: &DatabaseConnection,
        after: Option<Uuid>,
    ) -> Result<(Vec<Row>, Option<Uuid>, usize)> {
        let actor = &self.actor;
        let reports = page_after(
            db,
            scoped::<report::Entity>(actor).filter(self.condition.clone()),
            report::Column::Id,
            after,
        )
        .await?;
        let grants = grants_by_id(db, actor, reports.iter().map(|r| r.grant_id)).await?;
        let orgs = organisation_names(db, actor, grants.values().map(|g| g.grantee_id)).await?;
        let rows = reports
            .iter()
            .map(|r| {
                let grant = grants.get(&r.grant_id);
                let mut row = vec![Cell::id(r.id), Cell::id(r.grant_id)];
                row.extend(grant_cells(grant, &orgs));
                row.extend([
                    Cell::text(r.kind.as_str()),
                    Cell::text(r.status.as_str()),
                    Cell::Int(r.version.into()),
                    Cell::Date(r.period_start),
                    Cell::Date(r.period_end),
                    Cell::Date(r.due_date),
                    r.submitted_at.map_or(Cell::Empty, Cell::Time),
                    Cell::text(&r.prepared_by_name),
                    Cell::opt_text(r.prepared_by_role.as_deref()),
                    Cell::opt_text(r.return_reason.as_deref()),
                ]);
                row
            })
            .collect();
        Ok((rows, reports.last().map(|r| r.id), reports.len()))
    }

    /// Activities, or (for the participation list) each activity's participation rows, one per
    /// attendance mode.
    async fn activities_page(
        &self,
        db: &DatabaseConnection,
        after: Option<Uuid>,
    ) -> Result<(Vec<Row>, Option<Uuid>, usize)> {
        let actor = &self.actor;
        let activities = page_after(
            db,
            scoped::<activity::Entity>(actor).filter(self.condition.clone()),
            activity::Column::Id,
            after,
        )
        .await?;
        let ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
        let grants = grants_by_id(db, actor, activities.iter().map(|a| a.grant_id)).await?;
        let orgs = organisation_names(db, actor, grants.values().map(|g| g.grantee_id)).await?;
        let joint = Joint::of(db, actor, &ids).await?;
        let rows = if self.list == List::Participation {
            let mut counts: BTreeMap<Uuid, Vec<participation::Model>> = BTreeMap::new();
            for row in scope::participation(actor)
                .filter(participation::Column::ActivityId.is_in(ids.clone()))
                .all(db)
                .await?
            {
                counts.entry(row.activity_id).or_default().push(row);
            }
            let mut rows = Vec::new();
            for a in &activities {
                let Some(mut modes) = counts.remove(&a.id) else {
                    continue;
                };
                modes.sort_by_key(|p| p.mode.as_str());
                for p in modes {
                    let mut row = vec![Cell::id(a.id), Cell::id(a.grant_id)];
                    row.extend(grant_cells(grants.get(&a.grant_id), &orgs));
                    row.extend([
                        Cell::text(a.kind.as_str()),
                        Cell::text(&a.title),
                        Cell::Date(a.start_date),
                        Cell::Date(a.end_date),
                        Cell::text(p.mode.as_str()),
                        Cell::Int(p.total.into()),
                        Cell::opt_int(p.female),
                        Cell::opt_int(p.male),
                        Cell::opt_int(p.with_disability),
                    ]);
                    row.extend(joint.cells(a.id));
                    rows.push(row);
                }
            }
            rows
        } else {
            let objectives: HashMap<Uuid, i32> = scoped::<objective::Entity>(actor)
                .filter(
                    objective::Column::Id.is_in(
                        activities
                            .iter()
                            .filter_map(|a| a.objective_id)
                            .collect::<Vec<_>>(),
                    ),
                )
                .all(db)
                .await?
                .into_iter()
                .map(|o| (o.id, o.number))
                .collect();
            let links = scope::activity_organisers(actor)
                .filter(activity_organiser::Column::ActivityId.is_in(ids.clone()))
                .order_by_asc(activity_organiser::Column::Position)
                .all(db)
                .await?;
            let names =
                organisation_names(db, actor, links.iter().map(|l| l.organisation_id)).await?;
            let mut organisers: HashMap<Uuid, Vec<&str>> = HashMap::new();
            for link in &links {
                if let Some(name) = names.get(&link.organisation_id) {
                    organisers
                        .entry(link.activity_id)
                        .or_default()
                        .push(name.as_str());
                }
            }
            activities
                .iter()
                .map(|a| {
                    let mut row = vec![Cell::id(a.id), Cell::id(a.grant_id)];
                    row.extend(grant_cells(grants.get(&a.grant_id), &orgs));
                    row.extend([
                        Cell::id(a.report_id),
                        Cell::opt_id(a.objective_id),
                        Cell::opt_int(a.objective_id.and_then(|id| objectives.get(&id).copied())),
                        Cell::text(a.kind.as_str()),
                        Cell::text(&a.title),
                        Cell::Date(a.start_date),
                        Cell::Date(a.end_date),
                        Cell::opt_text(a.venue.as_deref()),
                        Cell::opt_text(a.location.as_deref()),
                        organisers
                            .get(&a.id)
                            .map_or(Cell::Empty, |names| Cell::text(names.join("; "))),
                        Cell::opt_text(a.narrative.as_deref()),
                    ]);
                    row.extend(joint.cells(a.id));
                    row
                })
                .collect()
        };
        Ok((rows, activities.last().map(|a| a.id), activities.len()))
    }

    async fn outcomes_page(
        &self,
        db: &DatabaseConnection,
        after: Option<Uuid>,
    ) -> Result<(Vec<Row>, Option<Uuid>, usize)> {
        let actor = &self.actor;
        let of_activities = scoped::<activity::Entity>(actor)
            .filter(self.condition.clone())
            .select_only()
            .column(activity::Column::Id)
            .into_query();
        let outcomes = page_after(
            db,
            scoped::<outcome::Entity>(actor)
                .filter(outcome::Column::ActivityId.in_subquery(of_activities)),
            outcome::Column::Id,
            after,
        )
        .await?;
        let activities: HashMap<Uuid, activity::Model> = scoped::<activity::Entity>(actor)
            .filter(
                activity::Column::Id
                    .is_in(outcomes.iter().map(|o| o.activity_id).collect::<Vec<_>>()),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let grants = grants_by_id(db, actor, outcomes.iter().map(|o| o.grant_id)).await?;
        let orgs = organisation_names(db, actor, grants.values().map(|g| g.grantee_id)).await?;
        let rows = outcomes
            .iter()
            .map(|o| {
                let mut row = vec![
                    Cell::id(o.id),
                    Cell::id(o.activity_id),
                    Cell::opt_text(activities.get(&o.activity_id).map(|a| a.title.as_str())),
                    Cell::id(o.grant_id),
                ];
                row.extend(grant_cells(grants.get(&o.grant_id), &orgs));
                row.extend([
                    Cell::id(o.report_id),
                    Cell::text(o.kind.as_str()),
                    Cell::text(&o.statement),
                    Cell::opt_text(o.actor.as_deref()),
                    Cell::opt_text(o.institution.as_deref()),
                    Cell::opt_text(o.evidence.as_deref()),
                    o.date.map_or(Cell::Empty, Cell::Date),
                ]);
                row
            })
            .collect();
        Ok((rows, outcomes.last().map(|o| o.id), outcomes.len()))
    }
}

/// `grantReference`, `granteeId`, `granteeName` of a row's grant.
fn grant_cells(grant: Option<&grant::Model>, orgs: &HashMap<Uuid, String>) -> [Cell; 3] {
    match grant {
        Some(g) => [
            Cell::text(&g.reference),
            Cell::id(g.grantee_id),
            Cell::opt_text(orgs.get(&g.grantee_id)),
        ],
        None => [Cell::Empty, Cell::Empty, Cell::Empty],
    }
}

fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let set: HashSet<Uuid> = ids.collect();
    set.into_iter().collect()
}

async fn grants_by_id(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, grant::Model>> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(scoped::<grant::Entity>(actor)
        .filter(grant::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect())
}

async fn organisation_names(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(scope::organisations(actor)
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

async fn scheme_names(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(scope::schemes(actor)
        .filter(scheme::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// The joint groups of a page of activities, and which of them a group leaves out of every
/// total (`content::joint::excluded_activities`, the rule `portfolioSummary` counts by, over
/// what the caller may see).
struct Joint {
    groups: HashMap<Uuid, Uuid>,
    excluded: HashSet<Uuid>,
}

impl Joint {
    async fn of(db: &DatabaseConnection, actor: &Actor, ids: &[Uuid]) -> Result<Self> {
        let groups: HashMap<Uuid, Uuid> = scoped::<joint_membership::Entity>(actor)
            .filter(joint_membership::Column::ActivityId.is_in(ids.to_vec()))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.activity_id, m.group_id))
            .collect();
        let mut excluded = HashSet::new();
        if !groups.is_empty() {
            let x = Alias::new("x");
            let id = Alias::new("activity_id");
            let select = Query::select()
                .column((x.clone(), id.clone()))
                .from_subquery(joint::excluded_activities(actor), x.clone())
                .and_where(Expr::col((x, id)).is_in(groups.keys().copied().collect::<Vec<_>>()))
                .to_owned();
            for row in db.query_all(&select).await? {
                excluded.insert(
                    row.try_get::<Uuid>("", "activity_id")
                        .map_err(Error::internal)?,
                );
            }
        }
        Ok(Self { groups, excluded })
    }

    /// `jointGroupId` and `countedInTotals`.
    fn cells(&self, activity: Uuid) -> [Cell; 2] {
        [
            Cell::opt_id(self.groups.get(&activity).copied()),
            Cell::Bool(!self.excluded.contains(&activity)),
        ]
    }
}

/// One page of `select`'s rows, in id order, after the id `after`: each list is read this way
/// (keyset paging), so an export never holds more than a page.
async fn page_after<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    id: E::Column,
    after: Option<Uuid>,
) -> Result<Vec<E::Model>> {
    let select = match after {
        Some(after) => select.filter(id.gt(after)),
        None => select,
    };
    Ok(select.order_by_asc(id).limit(PAGE_ROWS).all(db).await?)
}
