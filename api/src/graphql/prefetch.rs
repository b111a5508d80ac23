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
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, DbBackend, QueryFilter, Select};
use uuid::Uuid;

use super::common::ContextExt;
use super::loaders::{
    ActivitiesOfReport, CaseStudiesOfReport, Db, FundingPeriodsOfGrant, GrantById, IndicatorById,
    IndicatorResultsOfReport, IndicatorsOfObjective, LessonsOfReport, Loaders, ObjectivesOfGrant,
    OrganisationById, OutcomesOfActivity, ParticipationOfActivity, ReportsOfGrant, SchemeById,
};
use crate::domain::actor::Actor;
use crate::domain::bundle::{Bundle, among, among_query};
use crate::domain::portfolio;
use crate::domain::scope::{self, GrantOwned, scoped};
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

/// Which grants to read ahead under.
enum Under<'a> {
    /// Grants already read (a page of them).
    Loaded(&'a [&'a grant::Model]),
    /// One grant by id, read in the same statement as what is under it.
    Id(Uuid),
}

/// Reads ahead under a list of grants, given the selection of one `Grant` (for a connection,
/// `edges.node`).
pub async fn under_grants(
    ctx: &Context<'_>,
    selection: &Lookahead<'_>,
    grants: &[&grant::Model],
) -> Result<(), Error> {
    if grants.is_empty() {
        return Ok(());
    }
    read_ahead(ctx, selection, Under::Loaded(grants)).await?;
    Ok(())
}

/// One grant the caller may see, or `None`, read in one statement with everything the selection
/// names under it.
pub async fn grant(
    ctx: &Context<'_>,
    selection: &Lookahead<'_>,
    id: Uuid,
) -> Result<Option<grant::Model>, Error> {
    if !GrantPlan::of(selection).any() {
        return portfolio::grant(ctx.db()?, ctx.actor()?, id).await;
    }
    read_ahead(ctx, selection, Under::Id(id)).await
}

/// Reads what `selection` names under the grants, and the grant itself when it is asked for by
/// id (returned; `None` when the caller may not see it, and then nothing is handed on).
async fn read_ahead(
    ctx: &Context<'_>,
    selection: &Lookahead<'_>,
    under: Under<'_>,
) -> Result<Option<grant::Model>, Error> {
    let plan = GrantPlan::of(selection);
    if !plan.any() {
        return Ok(None);
    }
    let actor = ctx.actor()?;
    let loader = ctx.loader()?;
    let backend = ctx.db()?.get_database_backend();
    let grant_ids: Vec<Uuid> = match &under {
        Under::Loaded(grants) => grants.iter().map(|g| g.id).collect(),
        Under::Id(id) => vec![*id],
    };
    // The grants' grantees or schemes: by their ids when the grants are read, else by a
    // subquery on the grant asked for.
    let of_grants =
        |column: grant::Column, known: fn(&grant::Model) -> Uuid, target: Expr| match &under {
            Under::Loaded(grants) => {
                among(backend, target, &distinct(grants.iter().map(|g| known(g))))
            }
            Under::Id(id) => among_query(
                backend,
                target,
                Query::select()
                    .column(column)
                    .from(grant::Entity)
                    .and_where(grant::Column::Id.eq(*id))
                    .to_owned(),
            ),
        };
    let mut bundle = Bundle::default();

    let itself = match &under {
        Under::Id(id) => Some(bundle.add(
            scoped::<grant::Entity>(actor).filter(grant::Column::Id.eq(*id)),
            &[grant::Column::Id],
        )),
        Under::Loaded(_) => None,
    };
    let organisations = plan.grantee.then(|| {
        bundle.add(
            scope::organisations(actor).filter(of_grants(
                grant::Column::GranteeId,
                |g| g.grantee_id,
                Expr::col((organisation::Entity, organisation::Column::Id)),
            )),
            &[organisation::Column::Id],
        )
    });
    let schemes = plan.scheme.then(|| {
        bundle.add(
            scope::schemes(actor).filter(of_grants(
                grant::Column::SchemeId,
                |g| g.scheme_id,
                Expr::col((scheme::Entity, scheme::Column::Id)),
            )),
            &[scheme::Column::Id],
        )
    });
    let funding_periods = plan.funding_periods.then(|| {
        bundle.add(
            under_grant_ids::<funding_period::Entity>(actor, backend, &grant_ids),
            &[
                funding_period::Column::StartDate,
                funding_period::Column::Id,
            ],
        )
    });
    let objectives = plan.objectives.then(|| {
        bundle.add(
            under_grant_ids::<objective::Entity>(actor, backend, &grant_ids),
            &[objective::Column::Number],
        )
    });
    let indicators = plan.indicators.then(|| {
        bundle.add(
            under_grant_ids::<indicator::Entity>(actor, backend, &grant_ids),
            &[indicator::Column::CreatedAt, indicator::Column::Id],
        )
    });
    let reports = plan.reports.then(|| {
        bundle.add(
            under_grant_ids::<report::Entity>(actor, backend, &grant_ids),
            &[
                report::Column::PeriodStart,
                report::Column::DueDate,
                report::Column::Id,
            ],
        )
    });
    let activities = plan.any_activities.then(|| {
        bundle.add(
            under_grant_ids::<activity::Entity>(actor, backend, &grant_ids),
            &[activity::Column::StartDate, activity::Column::Id],
        )
    });
    let participation = (plan.any_activities && plan.activities.participation).then(|| {
        bundle.add(
            scope::participation(actor).filter(among_query(
                backend,
                Expr::col((participation::Entity, participation::Column::ActivityId)),
                Query::select()
                    .column(activity::Column::Id)
                    .from(activity::Entity)
                    .and_where(among(
                        backend,
                        Expr::col((activity::Entity, activity::Column::GrantId)),
                        &grant_ids,
                    ))
                    .to_owned(),
            )),
            &[participation::Column::Mode],
        )
    });
    let outcomes = (plan.any_activities && plan.activities.outcomes).then(|| {
        bundle.add(
            under_grant_ids::<outcome::Entity>(actor, backend, &grant_ids),
            &[outcome::Column::CreatedAt, outcome::Column::Id],
        )
    });
    let results = plan.indicator_results.then(|| {
        bundle.add(
            under_grant_ids::<indicator_result::Entity>(actor, backend, &grant_ids),
            &[
                indicator_result::Column::CreatedAt,
                indicator_result::Column::Id,
            ],
        )
    });
    let lessons = plan.lessons.then(|| {
        bundle.add(
            under_grant_ids::<lesson::Entity>(actor, backend, &grant_ids),
            &[
                lesson::Column::Kind,
                lesson::Column::Position,
                lesson::Column::Id,
            ],
        )
    });
    let case_studies = plan.case_studies.then(|| {
        bundle.add(
            under_grant_ids::<case_study::Entity>(actor, backend, &grant_ids),
            &[case_study::Column::Position, case_study::Column::Id],
        )
    });

    let mut read = bundle.run(ctx.db()?).await?;

    let found = match itself {
        Some(part) => match read.take(part)?.into_iter().next() {
            Some(grant) => Some(grant),
            // Not one the caller may see: nothing under it was read either (each part is
            // scoped), and nothing is handed on.
            None => return Ok(None),
        },
        None => None,
    };
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
    Ok(found)
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
    let backend = ctx.db()?.get_database_backend();
    let activity_ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
    let grant_ids = distinct(activities.iter().map(|a| a.grant_id));
    let mut bundle = Bundle::default();
    let grants = plan.grant.then(|| {
        bundle.add(
            scoped::<grant::Entity>(actor).filter(among(
                backend,
                Expr::col((grant::Entity, grant::Column::Id)),
                &grant_ids,
            )),
            &[grant::Column::Id],
        )
    });
    let grantees = plan.grantee.then(|| {
        bundle.add(
            scope::organisations(actor).filter(among_query(
                backend,
                Expr::col((organisation::Entity, organisation::Column::Id)),
                Query::select()
                    .column(grant::Column::GranteeId)
                    .from(grant::Entity)
                    .and_where(among(
                        backend,
                        Expr::col((grant::Entity, grant::Column::Id)),
                        &grant_ids,
                    ))
                    .to_owned(),
            )),
            &[organisation::Column::Id],
        )
    });
    let participation = plan.participation.then(|| {
        bundle.add(
            scope::participation(actor).filter(among(
                backend,
                Expr::col((participation::Entity, participation::Column::ActivityId)),
                &activity_ids,
            )),
            &[participation::Column::Mode],
        )
    });
    let outcomes = plan.outcomes.then(|| {
        bundle.add(
            scoped::<outcome::Entity>(actor).filter(among(
                backend,
                Expr::col((outcome::Entity, outcome::Column::ActivityId)),
                &activity_ids,
            )),
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

/// The rows of a grant-owned table under `grant_ids`, as the actor may see them.
fn under_grant_ids<E: GrantOwned>(
    actor: &Actor,
    backend: DbBackend,
    grant_ids: &[Uuid],
) -> Select<E> {
    scoped::<E>(actor).filter(among(
        backend,
        Expr::col((E::default(), E::grant_column())),
        grant_ids,
    ))
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
