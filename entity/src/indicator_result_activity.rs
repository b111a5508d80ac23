use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An activity an indicator result counts as its evidence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "indicator_result_activities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub indicator_result_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: Uuid,
    pub grant_id: Uuid,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
