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
    /// The IATI activity identifier as set; null means derived from the reporting
    /// organisation's identifier and `reference`.
    pub iati_identifier: Option<String>,
    pub description: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub recipient_country: Option<String>,
    /// The organisation that reports the activity to IATI; null means the scheme's funder.
    pub reporting_org_id: Option<Uuid>,
    /// `[{"code": "15150", "percentage": "100"}]`: DAC 5-digit purpose codes, percentages
    /// summing to 100; null when none is recorded.
    pub sectors: Option<Json>,
    /// `[{"code": "1", "significance": 1}]`: IATI `PolicyMarker` codes and `PolicySignificance`.
    pub policy_markers: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
