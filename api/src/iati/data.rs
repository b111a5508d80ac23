//! What one page of the IATI export reads: a page of the grants the caller may see, and
//! everything the activities of those grants need, in a fixed number of statements whatever
//! the page's size. Every read goes through `domain::scope`, so a grantee's page holds only its
//! own organisation's grants, and the organisations it may see.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::enums::ReportStatus;
use entity::{
    activity, activity_organiser, funding_period, grant, indicator, indicator_result, objective,
    organisation, outcome, report, scheme,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::domain::actor::Actor;
use crate::domain::portfolio::GrantFilter;
use crate::domain::scope::{self, scoped};
use crate::domain::summary::{ParticipationTotals, participation_by_report};
use crate::error::Result;

/// The export's filters, as its query parameters give them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportFilter {
    pub scheme: Option<Uuid>,
    pub grantee: Option<Uuid>,
    pub grant: Option<Uuid>,
    /// Grants whose funding period ends on or after this day.
    pub from: Option<NaiveDate>,
    /// Grants whose funding period starts on or before this day.
    pub to: Option<NaiveDate>,
}

impl ExportFilter {
    fn condition(&self) -> Condition {
        let mut condition = GrantFilter {
            scheme_id: self.scheme,
            grantee_id: self.grantee,
            status: None,
            active_from: self.from,
            active_to: self.to,
        }
        .condition();
        if let Some(id) = self.grant {
            condition = condition.add(grant::Column::Id.eq(id));
        }
        condition
    }
}

/// Reports whose content is published: a report still with its grantee (`DRAFT`, `RETURNED`)
/// may change and is left out.
const PUBLISHED: [ReportStatus; 2] = [ReportStatus::Submitted, ReportStatus::Accepted];

/// One page of grants with all that their activities show.
#[derive(Default)]
pub struct Page {
    pub grants: Vec<grant::Model>,
    pub schemes: HashMap<Uuid, scheme::Model>,
    pub organisations: HashMap<Uuid, organisation::Model>,
    pub tranches: HashMap<Uuid, Vec<funding_period::Model>>,
    pub objectives: HashMap<Uuid, Vec<objective::Model>>,
    pub indicators: HashMap<Uuid, Vec<indicator::Model>>,
    /// Published reports of each grant, by reporting period.
    pub reports: HashMap<Uuid, Vec<report::Model>>,
    /// Results of published reports, by indicator.
    pub results: HashMap<Uuid, Vec<indicator_result::Model>>,
    /// Outcomes of published reports, by grant.
    pub outcomes: HashMap<Uuid, Vec<outcome::Model>>,
    pub activities: HashMap<Uuid, activity::Model>,
    /// Co-organisers of each grant's published activities, in the order first named.
    pub organisers: HashMap<Uuid, Vec<Uuid>>,
    pub participation: HashMap<Uuid, ParticipationTotals>,
}

impl Page {
    /// The last grant of the page: where the next page starts.
    pub fn last_id(&self) -> Option<Uuid> {
        self.grants.last().map(|g| g.id)
    }
}

/// Up to `limit` grants after `after` (by id), with what their activities need.
pub async fn page(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &ExportFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page> {
    let mut select = scoped::<grant::Entity>(actor).filter(filter.condition());
    if let Some(after) = after {
        select = select.filter(grant::Column::Id.gt(after));
    }
    let grants = select
        .order_by_asc(grant::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    if grants.is_empty() {
        return Ok(Page::default());
    }
    let ids: Vec<Uuid> = grants.iter().map(|g| g.id).collect();

    let schemes: HashMap<Uuid, scheme::Model> = scope::schemes(actor)
        .filter(scheme::Column::Id.is_in(unique(grants.iter().map(|g| g.scheme_id))))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();

    let tranches = group(
        scoped::<funding_period::Entity>(actor)
            .filter(funding_period::Column::GrantId.is_in(ids.clone()))
            .order_by_asc(funding_period::Column::StartDate)
            .order_by_asc(funding_period::Column::Id)
            .all(db)
            .await?,
        |t| t.grant_id,
    );
    let objectives = group(
        scoped::<objective::Entity>(actor)
            .filter(objective::Column::GrantId.is_in(ids.clone()))
            .order_by_asc(objective::Column::Number)
            .all(db)
            .await?,
        |o| o.grant_id,
    );
    let indicators = group(
        scoped::<indicator::Entity>(actor)
            .filter(indicator::Column::GrantId.is_in(ids.clone()))
            .order_by_asc(indicator::Column::CreatedAt)
            .order_by_asc(indicator::Column::Id)
            .all(db)
            .await?,
        |i| i.objective_id,
    );
    let report_rows = scoped::<report::Entity>(actor)
        .filter(report::Column::GrantId.is_in(ids.clone()))
        .filter(report::Column::Status.is_in(PUBLISHED))
        .order_by_asc(report::Column::PeriodStart)
        .order_by_asc(report::Column::Id)
        .all(db)
        .await?;
    let report_ids: Vec<Uuid> = report_rows.iter().map(|r| r.id).collect();
    let published = || {
        scoped::<report::Entity>(actor)
            .filter(report::Column::GrantId.is_in(ids.clone()))
            .filter(report::Column::Status.is_in(PUBLISHED))
            .select_only()
            .column(report::Column::Id)
            .into_query()
    };
    let results = group(
        scoped::<indicator_result::Entity>(actor)
            .filter(indicator_result::Column::GrantId.is_in(ids.clone()))
            .filter(indicator_result::Column::ReportId.in_subquery(published()))
            .all(db)
            .await?,
        |r| r.indicator_id,
    );
    let outcomes = group(
        scoped::<outcome::Entity>(actor)
            .filter(outcome::Column::GrantId.is_in(ids.clone()))
            .filter(outcome::Column::ReportId.in_subquery(published()))
            .order_by_asc(outcome::Column::CreatedAt)
            .order_by_asc(outcome::Column::Id)
            .all(db)
            .await?,
        |o| o.grant_id,
    );
    let activity_rows = scoped::<activity::Entity>(actor)
        .filter(activity::Column::GrantId.is_in(ids.clone()))
        .filter(activity::Column::ReportId.in_subquery(published()))
        .order_by_asc(activity::Column::StartDate)
        .order_by_asc(activity::Column::Id)
        .all(db)
        .await?;
    let links = scope::activity_organisers(actor)
        .filter(
            activity_organiser::Column::ActivityId
                .is_in(activity_rows.iter().map(|a| a.id).collect::<Vec<_>>()),
        )
        .order_by_asc(activity_organiser::Column::Position)
        .all(db)
        .await?;
    let activities: HashMap<Uuid, activity::Model> =
        activity_rows.into_iter().map(|a| (a.id, a)).collect();
    let mut organisers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in &links {
        if let Some(a) = activities.get(&link.activity_id) {
            let list = organisers.entry(a.grant_id).or_default();
            if !list.contains(&link.organisation_id) {
                list.push(link.organisation_id);
            }
        }
    }

    let mut org_ids: Vec<Uuid> = Vec::new();
    for g in &grants {
        org_ids.push(g.grantee_id);
        org_ids.extend(g.reporting_org_id);
    }
    for s in schemes.values() {
        org_ids.extend([s.funder_id, s.manager_id]);
    }
    org_ids.extend(links.iter().map(|l| l.organisation_id));
    let organisations = scope::organisations(actor)
        .filter(organisation::Column::Id.is_in(unique(org_ids)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();

    let participation = participation_by_report(db, actor, &report_ids)
        .await?
        .into_iter()
        .collect();
    Ok(Page {
        grants,
        schemes,
        organisations,
        tranches,
        objectives,
        indicators,
        reports: group(report_rows, |r| r.grant_id),
        results,
        outcomes,
        activities,
        organisers,
        participation,
    })
}

fn unique(ids: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}
