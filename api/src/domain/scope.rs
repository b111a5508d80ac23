//! Visibility, decided in one place. Every read of the portfolio starts here: a grantee's
//! queries are narrowed to its own organisation's grants and what lies under them, whatever
//! filter the client sends; portfolio-wide roles see everything. The workspace's clippy
//! configuration forbids `EntityTrait::find` outside this module, so a new query cannot bypass it.

#![allow(clippy::disallowed_methods)]

use entity::enums::OrganisationKind;
use entity::{
    activity, activity_organiser, audit_event, case_study, correction, funding_period, grant,
    indicator, indicator_result, indicator_result_activity, joint_membership, lesson, objective,
    organisation, outcome, report, scheme,
};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};
use uuid::Uuid;

use super::actor::Actor;

/// A table whose rows each belong to one grant (through a `grant_id` column, or, for grants,
/// their own id).
pub trait GrantOwned: EntityTrait {
    fn grant_column() -> Self::Column;
}

macro_rules! grant_owned {
    ($($module:ident => $column:ident),+ $(,)?) => {
        $(impl GrantOwned for $module::Entity {
            fn grant_column() -> Self::Column {
                $module::Column::$column
            }
        })+
    };
}

grant_owned!(
    grant => Id,
    funding_period => GrantId,
    objective => GrantId,
    indicator => GrantId,
    report => GrantId,
    indicator_result => GrantId,
    activity => GrantId,
    outcome => GrantId,
    lesson => GrantId,
    case_study => GrantId,
    correction => GrantId,
    indicator_result_activity => GrantId,
    joint_membership => GrantId,
);

/// The ids of the grants an actor may see, as a subquery; `None` means every grant.
pub fn visible_grant_ids(actor: &Actor) -> Option<SelectStatement> {
    actor.grantee_org().map(|org| {
        Query::select()
            .column(grant::Column::Id)
            .from(grant::Entity)
            .and_where(grant::Column::GranteeId.eq(org))
            .to_owned()
    })
}

/// Rows of a grant-owned table that the actor may see.
pub fn scoped<E: GrantOwned>(actor: &Actor) -> Select<E> {
    let select = E::find();
    match visible_grant_ids(actor) {
        Some(ids) => select.filter(E::grant_column().in_subquery(ids)),
        None => select,
    }
}

/// Ids of the grants the actor may see that satisfy `condition`, or `None` when that is every
/// grant (a portfolio-wide role with no filter): the caller then adds no subquery at all, rather
/// than one that selects every grant.
pub fn narrowing_grant_ids(actor: &Actor, condition: Condition) -> Option<SelectStatement> {
    if actor.grantee_org().is_none() && condition.is_empty() {
        return None;
    }
    Some(grant_ids_where(actor, condition))
}

/// Ids of the grants the actor may see that also satisfy `condition` (filters narrow, never widen).
pub fn grant_ids_where(actor: &Actor, condition: Condition) -> SelectStatement {
    scoped::<grant::Entity>(actor)
        .filter(condition)
        .select_only()
        .column(grant::Column::Id)
        .into_query()
}

/// Organisations an actor may see. A grantee sees itself and every organisation that is not a
/// grantee: funders, scheme managers and the portfolio's register of partners (which it names
/// as co-organisers of its activities). It never sees another grantee.
pub fn organisations(actor: &Actor) -> Select<organisation::Entity> {
    let select = organisation::Entity::find();
    let Some(org) = actor.grantee_org() else {
        return select;
    };
    select.filter(
        Condition::any()
            .add(organisation::Column::Id.eq(org))
            .add(organisation::Column::Kind.ne(OrganisationKind::Grantee)),
    )
}

/// Schemes an actor may see: a grantee sees the schemes that fund it.
pub fn schemes(actor: &Actor) -> Select<scheme::Entity> {
    let select = scheme::Entity::find();
    match actor.grantee_org() {
        Some(org) => select.filter(
            scheme::Column::Id.in_subquery(
                Query::select()
                    .column(grant::Column::SchemeId)
                    .from(grant::Entity)
                    .and_where(grant::Column::GranteeId.eq(org))
                    .to_owned(),
            ),
        ),
        None => select,
    }
}

/// Audit events an actor may see: a grantee sees the events about its own organisation's
/// objects, whoever made them.
pub fn audit_events(actor: &Actor) -> Select<audit_event::Entity> {
    let select = audit_event::Entity::find();
    match actor.grantee_org() {
        Some(org) => select.filter(audit_event::Column::OwnerOrgId.eq(org)),
        None => select,
    }
}

/// One grant-owned row by id, if the actor may see it.
pub async fn find_visible<E, C>(
    db: &C,
    actor: &Actor,
    id_column: E::Column,
    id: Uuid,
) -> Result<Option<E::Model>, sea_orm::DbErr>
where
    E: GrantOwned,
    C: sea_orm::ConnectionTrait,
{
    scoped::<E>(actor).filter(id_column.eq(id)).one(db).await
}

fn visible_activity_ids(actor: &Actor) -> Option<SelectStatement> {
    actor.grantee_org().map(|_| {
        scoped::<activity::Entity>(actor)
            .select_only()
            .column(activity::Column::Id)
            .into_query()
    })
}

/// Participation rows of the activities the actor may see.
pub fn participation(actor: &Actor) -> Select<entity::participation::Entity> {
    let select = entity::participation::Entity::find();
    match visible_activity_ids(actor) {
        Some(ids) => select.filter(entity::participation::Column::ActivityId.in_subquery(ids)),
        None => select,
    }
}

/// Organiser links of the activities the actor may see.
pub fn activity_organisers(actor: &Actor) -> Select<activity_organiser::Entity> {
    let select = activity_organiser::Entity::find();
    match visible_activity_ids(actor) {
        Some(ids) => select.filter(activity_organiser::Column::ActivityId.in_subquery(ids)),
        None => select,
    }
}

/// The caller's own idempotency keys.
pub fn idempotency_keys(actor: &Actor) -> Select<entity::idempotency_key::Entity> {
    entity::idempotency_key::Entity::find()
        .filter(entity::idempotency_key::Column::Actor.eq(actor.idempotency_owner()))
}

/// Every member of the joint groups `group_ids`, whoever may see them: for the writes that move
/// whole groups (linking merges groups a grantee may share with another grantee through a scheme
/// manager's link). Never returned to a caller: reads use `scoped::<joint_membership::Entity>`.
pub fn whole_joint_groups(group_ids: Vec<Uuid>) -> Select<joint_membership::Entity> {
    joint_membership::Entity::find().filter(joint_membership::Column::GroupId.is_in(group_ids))
}

/// An export link by the SHA-256 of its secret. Whoever holds the secret may use the link once,
/// as the caller who made it; the export it runs is scoped to that caller like any other read.
pub fn export_link_by_hash(token_hash: &str) -> Select<entity::export_link::Entity> {
    entity::export_link::Entity::find()
        .filter(entity::export_link::Column::TokenHash.eq(token_hash.to_owned()))
}

/// Grants by id whoever may see them, to name the owner of an audit event about an activity in
/// a joint group with the caller's; never returned to a caller.
pub fn grants_for_audit(ids: Vec<Uuid>) -> Select<grant::Entity> {
    grant::Entity::find().filter(grant::Column::Id.is_in(ids))
}

/// What kind of object each of `ids` is, among the objects the actor may see: one statement
/// over every table whose rows are Relay nodes. An id the actor may not see is absent, exactly
/// like one that does not exist.
pub fn node_kinds(actor: &Actor, ids: &[Uuid]) -> SelectStatement {
    fn probe<E: EntityTrait>(
        select: Select<E>,
        kind: &str,
        id: E::Column,
        ids: &[Uuid],
    ) -> SelectStatement {
        select
            .select_only()
            .column_as(sea_orm::sea_query::Expr::val(kind), "kind")
            .column_as(id, "id")
            .filter(id.is_in(ids.to_vec()))
            .into_query()
    }
    let mut union = probe(
        organisations(actor),
        "Organisation",
        organisation::Column::Id,
        ids,
    );
    let others = [
        probe(schemes(actor), "Scheme", scheme::Column::Id, ids),
        probe(
            scoped::<grant::Entity>(actor),
            "Grant",
            grant::Column::Id,
            ids,
        ),
        probe(
            scoped::<funding_period::Entity>(actor),
            "FundingPeriod",
            funding_period::Column::Id,
            ids,
        ),
        probe(
            scoped::<objective::Entity>(actor),
            "Objective",
            objective::Column::Id,
            ids,
        ),
        probe(
            scoped::<indicator::Entity>(actor),
            "Indicator",
            indicator::Column::Id,
            ids,
        ),
        probe(
            scoped::<report::Entity>(actor),
            "Report",
            report::Column::Id,
            ids,
        ),
        probe(
            scoped::<activity::Entity>(actor),
            "Activity",
            activity::Column::Id,
            ids,
        ),
        probe(
            scoped::<outcome::Entity>(actor),
            "Outcome",
            outcome::Column::Id,
            ids,
        ),
        probe(
            scoped::<indicator_result::Entity>(actor),
            "IndicatorResult",
            indicator_result::Column::Id,
            ids,
        ),
        probe(
            scoped::<lesson::Entity>(actor),
            "Lesson",
            lesson::Column::Id,
            ids,
        ),
        probe(
            scoped::<case_study::Entity>(actor),
            "CaseStudy",
            case_study::Column::Id,
            ids,
        ),
        probe(
            scoped::<correction::Entity>(actor),
            "Correction",
            correction::Column::Id,
            ids,
        ),
        probe(
            audit_events(actor),
            "AuditEvent",
            audit_event::Column::Id,
            ids,
        ),
    ];
    for other in others {
        union.union(sea_orm::sea_query::UnionType::All, other);
    }
    union
}
