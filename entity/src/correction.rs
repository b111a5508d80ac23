use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A value of a report that had to be inferred or corrected to be stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "report_corrections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub grant_id: Uuid,
    pub report_id: Uuid,
    /// Where the value is stored, e.g. `report.periodStart` or `activity.location`.
    pub field: String,
    /// As the source prints it; `None` when the source states nothing.
    pub as_reported: Option<String>,
    pub recorded_as: String,
    pub reason: String,
    pub position: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
