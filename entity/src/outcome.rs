use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::OutcomeKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "outcomes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub grant_id: Uuid,
    pub report_id: Uuid,
    pub activity_id: Uuid,
    pub kind: OutcomeKind,
    pub statement: String,
    pub actor: Option<String>,
    pub institution: Option<String>,
    pub evidence: Option<String>,
    pub date: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
