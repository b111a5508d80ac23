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

#[Object]
impl AuditEvent {
    pub(crate) async fn id(&self) -> ID {
        node_id(self.0.id)
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The token `sub` of whoever made the change.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The organisation a grantee actor acted for.
    async fn actor_organisation_id(&self) -> Option<Uuid> {
        self.0.actor_org_id
    }
    /// The mutation, e.g. "submitReport".
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The changed object's type, e.g. "Report".
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    async fn entity_id(&self) -> Uuid {
        self.0.entity_id
    }
    async fn grant_id(&self) -> Option<Uuid> {
        self.0.grant_id
    }
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// The HTTP request that made the change.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}

#[derive(InputObject, Default)]
#[graphql(name = "AuditFilter")]
pub struct AuditFilterInput {
    /// e.g. "Report", "Activity".
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    /// The mutation that made the change, e.g. "submitReport", "linkJointActivities".
    pub action: Option<String>,
    /// A token `sub`.
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Audit events the caller may see, newest first.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilterInput>,
        first: Option<i32>,
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
