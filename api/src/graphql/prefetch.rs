//! Reads ahead what a query will ask for under a list of grants or activities.
//!
//! Resolved one level at a time, a grant with everything under it costs a statement per relation,
//! in as many dependent round trips as the query nests. The root fields that return grants or
//! activities instead look at the query's selection, read every relation it names below them in
//! one statement (`domain::bundle`), keyed by grant, and hand the rows to the request's data
//! loaders. The resolvers then find their rows already loaded; anything not read ahead is loaded
//! as before. Every part is read through `domain::scope` with the request's actor, exactly as the
//! loaders read it.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead};
use entity::{
    activity, case_study, funding_period, grant, indicator, indicator_result, lesson, objective,
    organisation, outcome, participation, report, scheme,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::common::ContextExt;
use super::loaders::{
    ActivitiesOfReport, CaseStudiesOfReport, Db, FundingPeriodsOfGrant, GrantById, IndicatorById,
    IndicatorResultsOfReport, IndicatorsOfObjective, LessonsOfReport, Loaders, ObjectivesOfGrant,
    OrganisationById, OutcomesOfActivity, ParticipationOfActivity, ReportsOfGrant, SchemeById,
};
use crate::domain::bundle::Bundle;
use crate::domain::scope::{self, scoped};
use crate::error::Error;

/// What a selection of `Grant` fields asks for below the grants.
#[derive(Default, Clone, Copy)]
struct GrantPlan {
    grantee: bool,
    scheme: bool,
    funding_periods: bool,
    objectives: bool,
    indicators: bool,
    reports: bool,
    activities: ActivityPlan,
    any_activities: bool,
    indicator_results: bool,
    lessons: bool,
    case_studies: bool,
}

/// What a selection of `Activity` fields asks for below the activities.
#[derive(Default, Clone, Copy)]
struct ActivityPlan {
    grant: bool,
    grantee: bool,
    participation: bool,
    outcomes: bool,
}

impl ActivityPlan {
    fn of(activity: &Lookahead<'_>) -> Self {
        let grant = activity.field("grant");
        Self {
            grant: grant.exists(),
            grantee: grant.field("grantee").exists(),
            participation: activity.field("participation").exists(),
            outcomes: activity.field("outcomes").exists(),
        }
    }
}

impl GrantPlan {
    fn of(grant: &Lookahead<'_>) -> Self {
        let objectives = grant.field("objectives");
        let reports = grant.field("reports");
        let activities = reports.field("activities");
        let results = reports.field("indicatorResults");
        Self {
            grantee: grant.field("grantee").exists(),
            scheme: grant.field("scheme").exists(),
            funding_periods: grant.field("fundingPeriods").exists(),
            objectives: objectives.exists(),
            indicators: objectives.field("indicators").exists()
                || results.field("indicator").exists(),
            reports: reports.exists(),
            activities: ActivityPlan::of(&activities),
            any_activities: activities.exists(),
            indicator_results: results.exists(),
            lessons: reports.field("lessons").exists(),
            case_studies: reports.field("caseStudies").exists(),
        }
    }

    /// Whether anything below the grants would be loaded, so reading ahead saves a round trip.
    fn any(&self) -> bool {
        self.grantee || self.scheme || self.funding_periods || self.objectives || self.reports
    }
}

/// Children grouped by parent, with an empty list for every parent that has none, so that the
/// loaders find every parent answered.
fn grouped<K, M>(
    parents: impl IntoIterator<Item = Uuid>,
    rows: Vec<M>,
    parent_of: impl Fn(&M) -> Uuid,
    key: impl Fn(Uuid) -> K,
) -> Vec<(K, Vec<M>)>
where
    K: Eq + Hash,
{
    let mut groups: HashMap<Uuid, Vec<M>> = parents.into_iter().map(|p| (p, Vec::new())).collect();
    for row in rows {
        if let Some(group) = groups.get_mut(&parent_of(&row)) {
            group.push(row);
        }
    }
    groups.into_iter().map(|(p, rows)| (key(p), rows)).collect()
}

fn distinct(ids: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

/// Reads ahead under a list of grants, given the selection of one `Grant` (for a connection,
/// `edges.node`).
pub async fn under_grants(
    ctx: &Context<'_>,
    selection: &Lookahead<'_>,
    grants: &[&grant::Model],
) -> Result<(), Error> {
    let plan = GrantPlan::of(selection);
    if grants.is_empty() || !plan.any() {
        return Ok(());
    }
    let actor = ctx.actor()?;
    let loader = ctx.loader()?;
    let grant_ids: Vec<Uuid> = grants.iter().map(|g| g.id).collect();
    let mut bundle = Bundle::default();

    let organisations = plan.grantee.then(|| {
        bundle.add(
            scope::organisations(actor).filter(
                organisation::Column::Id.is_in(distinct(grants.iter().map(|g| g.grantee_id))),
            ),
            &[organisation::Column::Id],
        )
    });
    let schemes = plan.scheme.then(|| {
        bundle.add(
            scope::schemes(actor)
                .filter(scheme::Column::Id.is_in(distinct(grants.iter().map(|g| g.scheme_id)))),
            &[scheme::Column::Id],
        )
    });
    let funding_periods = plan.funding_periods.then(|| {
        bundle.add(
            scoped::<funding_period::Entity>(actor)
                .filter(funding_period::Column::GrantId.is_in(grant_ids.clone())),
            &[
                funding_period::Column::StartDate,
                funding_period::Column::Id,
            ],
        )
    });
    let objectives = plan.objectives.then(|| {
        bundle.add(
            scoped::<objective::Entity>(actor)
                .filter(objective::Column::GrantId.is_in(grant_ids.clone())),
            &[objective::Column::Number],
        )
    });
    let indicators = plan.indicators.then(|| {
        bundle.add(
            scoped::<indicator::Entity>(actor)
                .filter(indicator::Column::GrantId.is_in(grant_ids.clone())),
            &[indicator::Column::CreatedAt, indicator::Column::Id],
        )
    });
    let reports = plan.reports.then(|| {
        bundle.add(
            scoped::<report::Entity>(actor)
                .filter(report::Column::GrantId.is_in(grant_ids.clone())),
            &[
                report::Column::PeriodStart,
                report::Column::DueDate,
                report::Column::Id,
            ],
        )
    });
    let activities = plan.any_activities.then(|| {
        bundle.add(
            scoped::<activity::Entity>(actor)
                .filter(activity::Column::GrantId.is_in(grant_ids.clone())),
            &[activity::Column::StartDate, activity::Column::Id],
        )
    });
    let participation = (plan.any_activities && plan.activities.participation).then(|| {
        bundle.add(
            scope::participation(actor).filter(
                participation::Column::ActivityId.in_subquery(
                    Query::select()
                        .column(activity::Column::Id)
                        .from(activity::Entity)
                        .and_where(activity::Column::GrantId.is_in(grant_ids.clone()))
                        .to_owned(),
                ),
            ),
            &[participation::Column::Mode],
        )
    });
    let outcomes = (plan.any_activities && plan.activities.outcomes).then(|| {
        bundle.add(
            scoped::<outcome::Entity>(actor)
                .filter(outcome::Column::GrantId.is_in(grant_ids.clone())),
            &[outcome::Column::CreatedAt, outcome::Column::Id],
        )
    });
    let results = plan.indicator_results.then(|| {
        bundle.add(
            scoped::<indicator_result::Entity>(actor)
                .filter(indicator_result::Column::GrantId.is_in(grant_ids.clone())),
            &[
                indicator_result::Column::CreatedAt,
                indicator_result::Column::Id,
            ],
        )
    });
    let lessons = plan.lessons.then(|| {
        bundle.add(
            scoped::<lesson::Entity>(actor)
                .filter(lesson::Column::GrantId.is_in(grant_ids.clone())),
            &[
                lesson::Column::Kind,
                lesson::Column::Position,
                lesson::Column::Id,
            ],
        )
    });
    let case_studies = plan.case_studies.then(|| {
        bundle.add(
            scoped::<case_study::Entity>(actor)
                .filter(case_study::Column::GrantId.is_in(grant_ids.clone())),
            &[case_study::Column::Position, case_study::Column::Id],
        )
    });

    let mut read = bundle.run(ctx.db()?).await?;

    if let Some(part) = organisations {
        let rows = read.take(part)?;
        feed(
            loader,
            rows.into_iter().map(|o| (OrganisationById(o.id), o)),
        )
        .await;
    }
    if let Some(part) = schemes {
        let rows = read.take(part)?;
        feed(loader, rows.into_iter().map(|s| (SchemeById(s.id), s))).await;
    }
    if let Some(part) = funding_periods {
        let rows = read.take(part)?;
        let groups = grouped(
            grant_ids.clone(),
            rows,
            |r| r.grant_id,
            FundingPeriodsOfGrant,
        );
        feed(loader, groups).await;
    }
    let mut objective_ids = None;
    if let Some(part) = objectives {
        let rows = read.take(part)?;
        objective_ids = Some(rows.iter().map(|o| o.id).collect::<Vec<_>>());
        feed(
            loader,
            grouped(grant_ids.clone(), rows, |r| r.grant_id, ObjectivesOfGrant),
        )
        .await;
    }
    if let Some(part) = indicators {
        let rows = read.take(part)?;
        feed(
            loader,
            rows.iter().map(|i| (IndicatorById(i.id), i.clone())),
        )
        .await;
        if let Some(objective_ids) = objective_ids {
            let groups = grouped(
                objective_ids,
                rows,
                |r| r.objective_id,
                IndicatorsOfObjective,
            );
            feed(loader, groups).await;
        }
    }
    let mut report_ids = Vec::new();
    if let Some(part) = reports {
        let rows = read.take(part)?;
        report_ids = rows.iter().map(|r| r.id).collect();
        feed(
            loader,
            grouped(grant_ids.clone(), rows, |r| r.grant_id, ReportsOfGrant),
        )
        .await;
    }
    let mut activity_ids = Vec::new();
    if let Some(part) = activities {
        let rows = read.take(part)?;
        activity_ids = rows.iter().map(|a| a.id).collect();
        feed(
            loader,
            grouped(
                report_ids.clone(),
                rows,
                |r| r.report_id,
                ActivitiesOfReport,
            ),
        )
        .await;
    }
    if let Some(part) = participation {
        let rows = read.take(part)?;
        let groups = grouped(
            activity_ids.clone(),
            rows,
            |r| r.activity_id,
            ParticipationOfActivity,
        );
        feed(loader, groups).await;
    }
    if let Some(part) = outcomes {
        let rows = read.take(part)?;
        feed(
            loader,
            grouped(activity_ids, rows, |r| r.activity_id, OutcomesOfActivity),
        )
        .await;
    }
    if let Some(part) = results {
        let rows = read.take(part)?;
        let groups = grouped(
            report_ids.clone(),
            rows,
            |r| r.report_id,
            IndicatorResultsOfReport,
        );
        feed(loader, groups).await;
    }
    if let Some(part) = lessons {
        let rows = read.take(part)?;
        feed(
            loader,
            grouped(report_ids.clone(), rows, |r| r.report_id, LessonsOfReport),
        )
        .await;
    }
    if let Some(part) = case_studies {
        let rows = read.take(part)?;
        feed(
            loader,
            grouped(report_ids, rows, |r| r.report_id, CaseStudiesOfReport),
        )
        .await;
    }
    Ok(())
}

/// Reads ahead under a page of activities, given the selection of one `Activity`: their grants
/// and grantees, participation and outcomes.
pub async fn under_activities(
    ctx: &Context<'_>,
    selection: &Lookahead<'_>,
    activities: &[&activity::Model],
) -> Result<(), Error> {
    let plan = ActivityPlan::of(selection);
    if activities.is_empty() || !(plan.grant || plan.participation || plan.outcomes) {
        return Ok(());
    }
    let actor = ctx.actor()?;
    let loader = ctx.loader()?;
    let activity_ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
    let grant_ids = distinct(activities.iter().map(|a| a.grant_id));
    let mut bundle = Bundle::default();
    let grants = plan.grant.then(|| {
        bundle.add(
            scoped::<grant::Entity>(actor).filter(grant::Column::Id.is_in(grant_ids.clone())),
            &[grant::Column::Id],
        )
    });
    let grantees = plan.grantee.then(|| {
        bundle.add(
            scope::organisations(actor).filter(
                organisation::Column::Id.in_subquery(
                    Query::select()
                        .column(grant::Column::GranteeId)
                        .from(grant::Entity)
                        .and_where(grant::Column::Id.is_in(grant_ids.clone()))
                        .to_owned(),
                ),
            ),
            &[organisation::Column::Id],
        )
    });
    let participation = plan.participation.then(|| {
        bundle.add(
            scope::participation(actor)
                .filter(participation::Column::ActivityId.is_in(activity_ids.clone())),
            &[participation::Column::Mode],
        )
    });
    let outcomes = plan.outcomes.then(|| {
        bundle.add(
            scoped::<outcome::Entity>(actor)
                .filter(outcome::Column::ActivityId.is_in(activity_ids.clone())),
            &[outcome::Column::CreatedAt, outcome::Column::Id],
        )
    });
    let mut read = bundle.run(ctx.db()?).await?;
    if let Some(part) = grants {
        let rows = read.take(part)?;
        feed(loader, rows.into_iter().map(|g| (GrantById(g.id), g))).await;
    }
    if let Some(part) = grantees {
        let rows = read.take(part)?;
        feed(
            loader,
            rows.into_iter().map(|o| (OrganisationById(o.id), o)),
        )
        .await;
    }
    if let Some(part) = participation {
        let rows = read.take(part)?;
        let groups = grouped(
            activity_ids.clone(),
            rows,
            |r| r.activity_id,
            ParticipationOfActivity,
        );
        feed(loader, groups).await;
    }
    if let Some(part) = outcomes {
        let rows = read.take(part)?;
        feed(
            loader,
            grouped(activity_ids, rows, |r| r.activity_id, OutcomesOfActivity),
        )
        .await;
    }
    Ok(())
}

/// Hands rows to the request's loaders, as if they had loaded them.
async fn feed<K, I>(loader: &Loaders, values: I)
where
    I: IntoIterator<Item = (K, <Db as Loader<K>>::Value)>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Db: Loader<K>,
{
    loader.feed_many(values).await;
}
