use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::GrantStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scheme_id: Uuid,
    pub grantee_id: Uuid,
    pub reference: String,
    pub title: String,
    /// Integer minor units of `currency` (cents for AUD).
    pub total_funding_minor: i64,
    pub currency: String,
    pub start_date: Date,
    pub end_date: Date,
    pub status: GrantStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
