//! Relay Global Object Identification: every object with an identity is a `Node`, and
//! `node(id:)`/`nodes(ids:)` find any of them by id, scoped exactly like every other read: an
//! object the caller may not see is `null`, as if the id did not exist.
//!
//! Ids are the objects' UUIDs, unchanged: a UUID is unique across the whole service, so the
//! `id` a client stored before `Node` existed is still the id of the same object, accepted by
//! `node(id:)` and by every lookup such as `grant(id:)`.

use async_graphql::{Context, ID, Interface, Object};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::activity::Activity;
use super::audit::AuditEvent;
use super::case_study::CaseStudy;
use super::common::{ContextExt, GqlResult};
use super::correction::Correction;
use super::cost;
use super::grant::{FundingPeriod, Grant, Indicator, Objective};
use super::indicator_result::IndicatorResult;
use super::lesson::Lesson;
use super::loaders::{
    ActivityById, AuditEventById, CaseStudyById, CorrectionById, FundingPeriodById, GrantById,
    IndicatorById, IndicatorResultById, LessonById, ObjectiveById, OrganisationById, OutcomeById,
    ReportById, SchemeById,
};
use super::organisation::{Organisation, Scheme};
use super::outcome::Outcome;
use super::report::Report;
use crate::domain::scope;
use crate::error::{Error, Result};

/// The most ids one `nodes` call may name.
pub const MAX_NODES: usize = 100;

/// An object with a global identity (Relay Global Object Identification): any of them is
/// fetched again with `node(id:)`, and many at once with `nodes(ids:)`.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global id: its UUID, unique across the service. Pass it to `node(id:)` to fetch the object again."
))]
pub enum Node {
    Organisation(Organisation),
    Scheme(Scheme),
    Grant(Grant),
    FundingPeriod(FundingPeriod),
    Objective(Objective),
    Indicator(Indicator),
    Report(Report),
    Activity(Activity),
    Outcome(Outcome),
    IndicatorResult(IndicatorResult),
    Lesson(Lesson),
    CaseStudy(CaseStudy),
    Correction(Correction),
    AuditEvent(AuditEvent),
}

/// The `id` every node answers: its UUID as the `ID` scalar.
pub fn node_id(id: Uuid) -> ID {
    ID(id.to_string())
}

/// Each of `ids` as the caller may see it, in order; `None` for an id that is not a UUID, does
/// not exist, or names an object the caller may not see.
async fn resolve(ctx: &Context<'_>, ids: &[ID]) -> GqlResult<Vec<Option<Node>>> {
    let uuids: Vec<Option<Uuid>> = ids.iter().map(|id| Uuid::parse_str(id).ok()).collect();
    let known: Vec<Uuid> = uuids.iter().flatten().copied().collect();
    if known.is_empty() {
        return Ok(ids.iter().map(|_| None).collect());
    }
    let (db, actor) = (ctx.db()?, ctx.actor()?);
    let rows = db
        .query_all(&scope::node_kinds(actor, &known))
        .await
        .map_err(Error::from)?;
    let kinds: std::collections::HashMap<Uuid, String> = rows
        .iter()
        .map(|row: &QueryResult| {
            Ok((
                row.try_get::<Uuid>("", "id").map_err(Error::internal)?,
                row.try_get::<String>("", "kind").map_err(Error::internal)?,
            ))
        })
        .collect::<Result<_>>()?;
    let loader = ctx.loader()?;
    // Every id at once: the loaders batch them into one statement per kind.
    let load = |id: Option<Uuid>| {
        let kind = id.and_then(|id| kinds.get(&id).cloned());
        async move {
            let Some(id) = id else {
                return GqlResult::Ok(None);
            };
            let node = match kind.as_deref() {
                Some("Organisation") => loader
                    .load_one(OrganisationById(id))
                    .await?
                    .map(|m| Node::Organisation(Organisation(m))),
                Some("Scheme") => loader
                    .load_one(SchemeById(id))
                    .await?
                    .map(|m| Node::Scheme(Scheme(m))),
                Some("Grant") => loader
                    .load_one(GrantById(id))
                    .await?
                    .map(|m| Node::Grant(Grant(m))),
                Some("FundingPeriod") => loader
                    .load_one(FundingPeriodById(id))
                    .await?
                    .map(|m| Node::FundingPeriod(FundingPeriod(m))),
                Some("Objective") => loader
                    .load_one(ObjectiveById(id))
                    .await?
                    .map(|m| Node::Objective(Objective(m))),
                Some("Indicator") => loader
                    .load_one(IndicatorById(id))
                    .await?
                    .map(|m| Node::Indicator(Indicator(m))),
                Some("Report") => loader
                    .load_one(ReportById(id))
                    .await?
                    .map(|m| Node::Report(Report(m))),
                Some("Activity") => loader
                    .load_one(ActivityById(id))
                    .await?
                    .map(|m| Node::Activity(Activity(m))),
                Some("Outcome") => loader
                    .load_one(OutcomeById(id))
                    .await?
                    .map(|m| Node::Outcome(Outcome(m))),
                Some("IndicatorResult") => loader
                    .load_one(IndicatorResultById(id))
                    .await?
                    .map(|m| Node::IndicatorResult(IndicatorResult(m))),
                Some("Lesson") => loader
                    .load_one(LessonById(id))
                    .await?
                    .map(|m| Node::Lesson(Lesson(m))),
                Some("CaseStudy") => loader
                    .load_one(CaseStudyById(id))
                    .await?
                    .map(|m| Node::CaseStudy(CaseStudy(m))),
                Some("Correction") => loader
                    .load_one(CorrectionById(id))
                    .await?
                    .map(|m| Node::Correction(Correction(m))),
                Some("AuditEvent") => loader
                    .load_one(AuditEventById(id))
                    .await?
                    .map(|m| Node::AuditEvent(AuditEvent(m))),
                _ => None,
            };
            Ok(node)
        }
    };
    futures_util::future::try_join_all(uuids.into_iter().map(load)).await
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id (Relay), or null when there is none the caller may see: an
    /// object of another grantee is null, exactly like an id that does not exist.
    #[graphql(complexity = "cost::LOOKUP + child_complexity")]
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as any object's `id` field gives it.")] id: ID,
    ) -> GqlResult<Option<Node>> {
        Ok(resolve(ctx, std::slice::from_ref(&id))
            .await?
            .pop()
            .flatten())
    }

    /// Objects by their global ids, in the order asked, each null when there is none the
    /// caller may see. At most 100 ids.
    #[graphql(complexity = "cost::LOOKUP + ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 global ids.")] ids: Vec<ID>,
    ) -> GqlResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(Error::bad_input(
                "ids",
                format!(
                    "names {} ids; at most {MAX_NODES} may be asked at once",
                    ids.len()
                ),
            )
            .into());
        }
        resolve(ctx, &ids).await
    }
}
