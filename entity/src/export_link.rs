use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::Role;

/// A single-use address for one export. Only the SHA-256 of its secret is kept.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "export_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Hex SHA-256 of the secret the link carries; never sent back.
    #[serde(skip)]
    pub token_hash: String,
    /// What it exports, e.g. `GRANTS_CSV`.
    pub format: String,
    /// The export's filter: its query parameters, by name.
    pub filter: Json,
    /// The `sub` of the token that made the link: the export runs as that caller.
    pub actor: String,
    pub role: Role,
    pub actor_org_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
