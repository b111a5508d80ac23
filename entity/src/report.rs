use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::{ReportKind, ReportStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub grant_id: Uuid,
    pub kind: ReportKind,
    pub period_start: Date,
    pub period_end: Date,
    pub due_date: Date,
    pub prepared_by_name: String,
    pub prepared_by_role: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub status: ReportStatus,
    pub return_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
