//! Reading the audit trail. Events are written by the write frame (`write::Tx::audit`), one or
//! more per successful write, inside its transaction; the table is append-only.

use chrono::Utc;
use entity::audit_event;
use uuid::Uuid;

use super::actor::Actor;
use super::values::{limits, search_text};
use crate::error::{Error, Result};

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    /// The mutation that made the change, e.g. "linkJointActivities".
    pub action: Option<String>,
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
    let mut problems = crate::error::Problems::new();
    let entity = filter
        .entity
        .as_deref()
        .and_then(|e| problems.take(search_text("filter.entity", e, limits::SHORT)));
    let sub = filter
        .actor
        .as_deref()
        .and_then(|a| problems.take(search_text("filter.actor", a, limits::NAME)));
    let action = filter
        .action
        .as_deref()
        .and_then(|a| problems.take(search_text("filter.action", a, limits::SHORT)));
    problems.into_result()?;
    let mut select = super::scope::audit_events(actor);
    if let Some(action) = action {
        select = select.filter(audit_event::Column::Action.eq(action));
    }
    if let Some(entity) = entity {
        select = select.filter(audit_event::Column::Entity.eq(entity));
    }
    if let Some(id) = filter.entity_id {
        select = select.filter(audit_event::Column::EntityId.eq(id));
    }
    if let Some(sub) = sub {
        select = select.filter(audit_event::Column::Actor.eq(sub));
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
