use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::ActivityKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub grant_id: Uuid,
    pub report_id: Uuid,
    pub objective_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub title: String,
    pub start_date: Date,
    pub end_date: Date,
    pub venue: Option<String>,
    pub location: Option<String>,
    pub narrative: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
