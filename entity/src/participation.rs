use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::AttendanceMode;

/// One row per attendance mode of an activity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "activity_participation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub mode: AttendanceMode,
    pub total: i32,
    pub female: Option<i32>,
    pub male: Option<i32>,
    pub with_disability: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
