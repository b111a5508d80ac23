use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::{IatiOrganisationType, OrganisationKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    pub description: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub country: Option<String>,
    /// IATI organisation identifier, e.g. `AU-5`; unique where given.
    pub identifier: Option<String>,
    /// IATI `OrganisationType` code.
    pub iati_type: Option<IatiOrganisationType>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
