//! One batched query per relation and request: every relation field of a page of N parents
//! costs one SQL statement, not N. Each loader reads through `domain::scope`, with the actor of
//! the request, so a relation can never reach past what the caller may see.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    activity, activity_organiser, audit_event, case_study, correction, funding_period, grant,
    indicator, indicator_result, indicator_result_activity, lesson, objective, organisation,
    outcome, participation, report, scheme,
};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::domain::actor::Actor;
use crate::domain::content::{self, ActivityFilter, ActivitySortField};
use crate::domain::page::{Page, PageRequest};
use crate::domain::portfolio::{self, GrantFilter, GrantParent, GrantSortField};
use crate::domain::scope::{self, scoped};
use crate::domain::summary::{self, ParticipationTotals};
use crate::error::Error;

use super::common::SharedError;

/// The request's data loaders. Within a query each key is loaded once and kept for the
/// request (read-ahead rows are handed to them, see `prefetch`); a mutation's loaders keep
/// nothing, so a field read after a write sees the write.
pub type Loaders = DataLoader<Db, HashMapCache>;

/// The request's view of the database: its connection and who is asking.
pub struct Db {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

type LoadResult<K, V> = Result<HashMap<K, V>, SharedError>;

fn fail(err: sea_orm::DbErr) -> SharedError {
    SharedError(Arc::new(Error::from(err)))
}

macro_rules! key {
    ($($name:ident),+ $(,)?) => {
        $(
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub struct $name(pub Uuid);
        )+
    };
}

key!(
    OrganisationById,
    SchemeById,
    GrantById,
    ReportById,
    ActivityById,
    ObjectiveById,
    IndicatorById,
    FundingPeriodsOfGrant,
    ObjectivesOfGrant,
    ReportsOfGrant,
    IndicatorsOfObjective,
    ActivitiesOfReport,
    IndicatorResultsOfReport,
    LessonsOfReport,
    CaseStudiesOfReport,
    CorrectionsOfReport,
    EvidenceOfResult,
    ParticipationOfActivity,
    OrganisersOfActivity,
    OutcomesOfActivity,
);

/// Loads rows by their own id.
macro_rules! by_id {
    ($key:ident => $module:ident, $select:expr) => {
        impl Loader<$key> for Db {
            type Value = $module::Model;
            type Error = SharedError;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = ($select)(&self.actor)
                    .filter($module::Column::Id.is_in(ids))
                    .all(&self.db)
                    .await
                    .map_err(fail)?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

/// Loads the children of each parent, in a stable order.
macro_rules! has_many {
    ($key:ident => $module:ident . $field:ident ($column:ident), $select:expr, order $($order:ident),+) => {
        impl Loader<$key> for Db {
            type Value = Vec<$module::Model>;
            type Error = SharedError;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = ($select)(&self.actor)
                    .filter($module::Column::$column.is_in(ids))
                    $(.order_by_asc($module::Column::$order))+
                    .all(&self.db)
                    .await
                    .map_err(fail)?;
                let mut map: HashMap<$key, Self::Value> = HashMap::new();
                for row in rows {
                    map.entry($key(row.$field)).or_default().push(row);
                }
                Ok(map)
            }
        }
    };
}

by_id!(OrganisationById => organisation, scope::organisations);
by_id!(SchemeById => scheme, scope::schemes);
by_id!(GrantById => grant, scoped::<grant::Entity>);
by_id!(ReportById => report, scoped::<report::Entity>);
by_id!(ActivityById => activity, scoped::<activity::Entity>);
by_id!(ObjectiveById => objective, scoped::<objective::Entity>);
by_id!(IndicatorById => indicator, scoped::<indicator::Entity>);

has_many!(FundingPeriodsOfGrant => funding_period.grant_id(GrantId),
    scoped::<funding_period::Entity>, order StartDate, Id);
has_many!(ObjectivesOfGrant => objective.grant_id(GrantId),
    scoped::<objective::Entity>, order Number);
has_many!(ReportsOfGrant => report.grant_id(GrantId),
    scoped::<report::Entity>, order PeriodStart, DueDate, Id);
has_many!(IndicatorsOfObjective => indicator.objective_id(ObjectiveId),
    scoped::<indicator::Entity>, order CreatedAt, Id);
has_many!(ActivitiesOfReport => activity.report_id(ReportId),
    scoped::<activity::Entity>, order StartDate, Id);
has_many!(IndicatorResultsOfReport => indicator_result.report_id(ReportId),
    scoped::<indicator_result::Entity>, order CreatedAt, Id);
has_many!(LessonsOfReport => lesson.report_id(ReportId),
    scoped::<lesson::Entity>, order Kind, Position, Id);
has_many!(CaseStudiesOfReport => case_study.report_id(ReportId),
    scoped::<case_study::Entity>, order Position, Id);
has_many!(CorrectionsOfReport => correction.report_id(ReportId),
    scoped::<correction::Entity>, order Position, Id);
has_many!(EvidenceOfResult => indicator_result_activity.indicator_result_id(IndicatorResultId),
    scoped::<indicator_result_activity::Entity>, order Position);
has_many!(ParticipationOfActivity => participation.activity_id(ActivityId),
    scope::participation, order Mode);
has_many!(OutcomesOfActivity => outcome.activity_id(ActivityId),
    scoped::<outcome::Entity>, order CreatedAt, Id);

/// The co-organising organisations of each activity, in the order they were named.
impl Loader<OrganisersOfActivity> for Db {
    type Value = Vec<organisation::Model>;
    type Error = SharedError;

    async fn load(
        &self,
        keys: &[OrganisersOfActivity],
    ) -> LoadResult<OrganisersOfActivity, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let links = scope::activity_organisers(&self.actor)
            .filter(activity_organiser::Column::ActivityId.is_in(ids))
            .order_by_asc(activity_organiser::Column::Position)
            .all(&self.db)
            .await
            .map_err(fail)?;
        let org_ids: Vec<Uuid> = links.iter().map(|l| l.organisation_id).collect();
        let orgs: HashMap<Uuid, organisation::Model> = scope::organisations(&self.actor)
            .filter(organisation::Column::Id.is_in(org_ids))
            .all(&self.db)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        let mut map: HashMap<OrganisersOfActivity, Self::Value> = HashMap::new();
        for link in links {
            if let Some(org) = orgs.get(&link.organisation_id) {
                map.entry(OrganisersOfActivity(link.activity_id))
                    .or_default()
                    .push(org.clone());
            }
        }
        Ok(map)
    }
}

/// Declares a loader of participation totals per key, summed by the database.
macro_rules! totals_of {
    ($key:ident, $domain_fn:ident, $what:literal) => {
        #[doc = concat!("Participation totals of each ", $what, ", summed by the database.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for Db {
            type Value = ParticipationTotals;
            type Error = SharedError;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let totals = summary::$domain_fn(&self.db, &self.actor, &ids)
                    .await
                    .map_err(|e| SharedError(Arc::new(e)))?;
                Ok(totals.into_iter().map(|(id, t)| ($key(id), t)).collect())
            }
        }
    };
}

totals_of!(ParticipationOfGrant, participation_by_grant, "grant");
totals_of!(ParticipationOfReport, participation_by_report, "report");
totals_of!(TotalsOfActivity, participation_by_activity, "activity");

/// The other activities of each activity's joint group, as the caller may see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JointWithActivity(pub Uuid);

impl Loader<JointWithActivity> for Db {
    type Value = Vec<activity::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[JointWithActivity]) -> LoadResult<JointWithActivity, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let groups = content::joint::joint_with(&self.db, &self.actor, &ids)
            .await
            .map_err(|e| SharedError(Arc::new(e)))?;
        Ok(groups
            .into_iter()
            .map(|(id, others)| (JointWithActivity(id), others))
            .collect())
    }
}

/// The arguments of a nested list of grants; parents asking with the same arguments share one batch.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct GrantArgs {
    pub filter: GrantFilter,
    pub field: GrantSortField,
    pub descending: bool,
    pub page: PageRequest,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GrantsOf {
    pub by: GrantParent,
    pub parent: Uuid,
    pub args: Arc<GrantArgs>,
}

impl Loader<GrantsOf> for Db {
    type Value = Page<grant::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[GrantsOf]) -> LoadResult<GrantsOf, Self::Value> {
        let mut groups: HashMap<(GrantParent, Arc<GrantArgs>), Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.by, key.args.clone()))
                .or_default()
                .push(key.parent);
        }
        let mut map = HashMap::new();
        for ((by, args), parents) in groups {
            let sort = portfolio::grant_sort(args.field, args.descending);
            let pages = portfolio::grants_per_parent(
                &self.db,
                &self.actor,
                by,
                &parents,
                &args.filter,
                sort,
                &args.page,
            )
            .await
            .map_err(|e| SharedError(Arc::new(e)))?;
            for (parent, page) in pages {
                map.insert(
                    GrantsOf {
                        by,
                        parent,
                        args: args.clone(),
                    },
                    page,
                );
            }
        }
        Ok(map)
    }
}

/// The arguments of a grant's nested list of activities.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ActivityArgs {
    pub filter: ActivityFilter,
    pub field: ActivitySortField,
    pub descending: bool,
    pub page: PageRequest,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActivitiesOfGrant {
    pub grant: Uuid,
    pub args: Arc<ActivityArgs>,
}

impl Loader<ActivitiesOfGrant> for Db {
    type Value = Page<activity::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[ActivitiesOfGrant]) -> LoadResult<ActivitiesOfGrant, Self::Value> {
        let mut groups: HashMap<Arc<ActivityArgs>, Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups.entry(key.args.clone()).or_default().push(key.grant);
        }
        let mut map = HashMap::new();
        for (args, grants) in groups {
            let sort = content::activity_sort(args.field, args.descending);
            let pages = content::activities_per_grant(
                &self.db,
                &self.actor,
                &grants,
                &args.filter,
                sort,
                &args.page,
            )
            .await
            .map_err(|e| SharedError(Arc::new(e)))?;
            for (grant, page) in pages {
                map.insert(
                    ActivitiesOfGrant {
                        grant,
                        args: args.clone(),
                    },
                    page,
                );
            }
        }
        Ok(map)
    }
}

key!(
    FundingPeriodById,
    OutcomeById,
    IndicatorResultById,
    LessonById,
    CaseStudyById,
    CorrectionById,
    AuditEventById,
);

by_id!(FundingPeriodById => funding_period, scoped::<funding_period::Entity>);
by_id!(OutcomeById => outcome, scoped::<outcome::Entity>);
by_id!(IndicatorResultById => indicator_result, scoped::<indicator_result::Entity>);
by_id!(LessonById => lesson, scoped::<lesson::Entity>);
by_id!(CaseStudyById => case_study, scoped::<case_study::Entity>);
by_id!(CorrectionById => correction, scoped::<correction::Entity>);
by_id!(AuditEventById => audit_event, scope::audit_events);
