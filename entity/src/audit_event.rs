use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::Role;

/// Append-only record of one successful write.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// The token's `sub`.
    pub actor: String,
    pub role: Role,
    pub actor_org_id: Option<Uuid>,
    pub action: String,
    pub entity: String,
    pub entity_id: Uuid,
    /// The grantee organisation that owns the changed object; NULL for portfolio-level objects.
    pub owner_org_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
    pub before: Option<Json>,
    pub after: Option<Json>,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
