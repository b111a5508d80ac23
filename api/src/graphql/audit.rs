//! The audit trail, read-only.

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit_event;
use uuid::Uuid;

use super::common::{ContextExt, GqlResult, Role};
use super::cost;
use super::node::node_id;
use crate::domain::audit::{self, AuditFilter};

pub struct AuditEvent(pub audit_event::Model);

super::common::connection!(AuditEventConnection, AuditEventEdge, AuditEvent);

/// One change to the portfolio: who made it, when, with which mutation, and the object before
/// and after. Every write makes at least one and the trail is never edited. A grantee sees the
/// events about its own organisation's objects, whoever made them.
#[Object]
impl AuditEvent {
    /// Stable identifier (UUID) of the event.
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    /// When the change was made, in UTC.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The token `sub` of whoever made the change; `system:seed` for the demo data the service
    /// loads itself.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The role of the token that made the change.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The organisation a grantee actor acted for; null for scheme managers.
    async fn actor_organisation_id(&self) -> Option<Uuid> {
        self.0.actor_org_id
    }
    /// The mutation, e.g. "submitReport" (or "recordHistoricSubmission", a submission date
    /// the service set itself, or "EXPORT", a file downloaded from `/export/…` or
    /// `/iati/activities.xml`, with its format, filter and `via` in `after`).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The changed object's type, e.g. "Report": one of Organisation, Scheme, Grant,
    /// FundingPeriod, Objective, Indicator, Report, Activity, Outcome, IndicatorResult,
    /// Lesson, CaseStudy, Correction; or Export (a download) and ExportLink (a link made for
    /// one).
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// Id of the changed object; it may since have been deleted.
    async fn entity_id(&self) -> Uuid {
        self.0.entity_id
    }
    /// The grant the changed object belongs to; null for organisations, schemes and exports.
    async fn grant_id(&self) -> Option<Uuid> {
        self.0.grant_id
    }
    /// The object as stored before the change: a JSON object with its stored field names
    /// (snake_case, e.g. `period_start`; money in minor units, e.g. `total_funding_minor`).
    /// Null when the change created it.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The object as stored after the change, in the same form as `before`. Null when the
    /// change deleted it.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// The HTTP request that made the change: its `x-request-id`, which the service's log
    /// lines carry too. Null for changes made outside a request, such as the demo seed.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}

/// Narrows the audit trail: every condition given must hold. Text conditions match exactly.
#[derive(InputObject, Default)]
#[graphql(name = "AuditFilter")]
pub struct AuditFilterInput {
    /// Only events about objects of this type, e.g. "Report", "Activity" (see
    /// `AuditEvent.entity`); at most 100 characters.
    pub entity: Option<String>,
    /// Only events about this object: give a report's id to read its history.
    pub entity_id: Option<Uuid>,
    /// Only changes made by this mutation, e.g. "submitReport", "linkJointActivities"; at most
    /// 100 characters.
    pub action: Option<String>,
    /// Only changes made by this token `sub`; at most 300 characters.
    pub actor: Option<String>,
    /// Only events at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only events at or before this instant. Not before `from` (`BAD_USER_INPUT` on
    /// `filter.to`).
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Audit events the caller may see, newest first. A grantee sees the events about its own
    /// organisation's objects, whoever made them.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the trail by object, mutation, actor or time; every event the\n\
                    caller may see when omitted."
        )]
        filter: Option<AuditFilterInput>,
        #[graphql(desc = "Page size: how many events to return, 0 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor of the last item already read (`pageInfo.endCursor`); the page\n\
                    starts after it. Omit for the first page."
        )]
        after: Option<String>,
    ) -> GqlResult<AuditEventConnection> {
        let f = filter.unwrap_or_default();
        let filter = AuditFilter {
            entity: f.entity,
            entity_id: f.entity_id,
            action: f.action,
            actor: f.actor,
            from: f.from,
            to: f.to,
        };
        let page = ctx.page(first, after)?;
        let rows = audit::events(ctx.db()?, ctx.actor()?, &filter, &page).await?;
        Ok(AuditEventConnection::from_page(rows, AuditEvent))
    }
}
