use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An activity's participation rows added up, kept as they are written; and whether a joint
/// group leaves the activity out of portfolio-wide totals.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "activity_totals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: Uuid,
    pub grant_id: Uuid,
    pub total: i64,
    pub female: i64,
    pub female_recorded_of: i64,
    pub male: i64,
    pub male_recorded_of: i64,
    pub with_disability: i64,
    pub with_disability_recorded_of: i64,
    pub in_person: i64,
    pub online: i64,
    pub joint_excluded: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
