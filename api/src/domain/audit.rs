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

/// The audit trail's action for a download of portfolio data (an IATI file, a CSV or Excel
/// export): who took what, with which filters.
pub const EXPORT: &str = "EXPORT";

/// Records one export in the audit trail, before any of its data is sent. Every role may
/// export what it may read; the event is owned by the grantee whose token exported (so it
/// reads its own exports in `auditEvents`) and names the export's own id as `entityId`.
#[derive(Clone, Debug)]
pub struct RecordExport {
    /// What was exported, e.g. `iati-activities`.
    pub format: &'static str,
    /// The request path, e.g. `/iati/activities.xml`.
    pub path: &'static str,
    /// The filters as the export applies them (parameter name to value).
    pub filters: serde_json::Map<String, serde_json::Value>,
    /// The one grant the export is narrowed to, if any.
    pub grant_id: Option<Uuid>,
}

impl super::write::Write for RecordExport {
    const ACTION: &'static str = EXPORT;
    type Checked = RecordExport;
    /// The export's id.
    type Output = Uuid;

    fn check(&self) -> Result<RecordExport> {
        Ok(self.clone())
    }

    fn authorize(actor: &Actor) -> Result<()> {
        super::policy::ensure_can_export(actor)
    }

    async fn apply(export: &RecordExport, tx: &super::write::Tx<'_>) -> Result<Uuid> {
        let id = Uuid::now_v7();
        tx.audit(super::write::Change {
            action: EXPORT,
            entity: "Export",
            entity_id: id,
            owner: super::write::Owner {
                org_id: tx.actor().grantee_org(),
                grant_id: export.grant_id,
            },
            before: None,
            after: Some(serde_json::json!({
                "format": export.format,
                "path": export.path,
                "filters": export.filters,
            })),
        })
        .await?;
        Ok(id)
    }
}
