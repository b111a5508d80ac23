//! The audit trail: one append-only event per successful write, inside the write's transaction,
//! so a write that fails leaves no event and an event never describes a write that did not happen.

use chrono::Utc;
use entity::audit_event;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::actor::Actor;
use crate::error::{Error, Result};

/// What a write changed.
pub struct Change {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: Uuid,
    /// The grantee organisation the object belongs to, if any: who else may read the event.
    pub owner_org_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The JSON image of an object for `before`/`after`.
pub fn snapshot<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(Error::internal)
}

pub async fn record<C: ConnectionTrait>(db: &C, actor: &Actor, change: Change) -> Result<()> {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        actor: Set(actor.sub.clone()),
        role: Set(actor.role()),
        actor_org_id: Set(actor.grantee_org()),
        action: Set(change.action.to_owned()),
        entity: Set(change.entity.to_owned()),
        entity_id: Set(change.entity_id),
        owner_org_id: Set(change.owner_org_id),
        grant_id: Set(change.grant_id),
        before: Set(change.before),
        after: Set(change.after),
        request_id: Set(actor.request_id.clone()),
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor: Option<String>,
    pub from: Option<chrono::DateTime<Utc>>,
    pub to: Option<chrono::DateTime<Utc>>,
}

/// Newest first.
pub async fn events(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    filter: &AuditFilter,
    page: &super::page::PageRequest,
) -> Result<super::page::Page<audit_event::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to < from
    {
        return Err(Error::bad_input(
            "filter.to",
            format!("{to} is before {from}"),
        ));
    }
    let mut select = super::scope::audit_events(actor);
    if let Some(entity) = &filter.entity {
        select = select.filter(audit_event::Column::Entity.eq(entity.clone()));
    }
    if let Some(id) = filter.entity_id {
        select = select.filter(audit_event::Column::EntityId.eq(id));
    }
    if let Some(sub) = &filter.actor {
        select = select.filter(audit_event::Column::Actor.eq(sub.clone()));
    }
    if let Some(from) = filter.from {
        select = select.filter(audit_event::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(audit_event::Column::At.lte(to));
    }
    let sort = super::page::Sort {
        name: "at",
        column: audit_event::Column::At,
        id: audit_event::Column::Id,
        descending: true,
        key: |e: &audit_event::Model| super::page::SortKey::Time(e.at),
        id_of: |e: &audit_event::Model| e.id,
    };
    super::page::fetch(db, select, sort, page).await
}
