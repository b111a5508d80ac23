//! Forward-only schema migrations. A migration, once released, is never edited: a change to the
//! schema is a new file named `mYYYYMMDD_NNNNNN_verb_noun.rs`.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_portfolio_tables;
mod m20261128_000002_protect_audit_events;
mod m20261128_000003_index_activity_references;
mod m20261129_000001_allow_unrecorded_sex;
mod m20261129_000002_create_report_corrections;
mod m20261129_000003_create_indicator_result_activities;
mod m20261129_000004_create_joint_memberships;
mod m20261129_000005_index_read_paths;
mod m20261129_000006_maintain_activity_totals;
mod m20261130_000007_add_iati_details;
mod m20261130_000008_create_export_links;
mod m20261130_000009_index_children_by_grant;
mod m20261130_000010_index_activity_periods;
mod m20261130_000011_maintain_grantee_totals;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_portfolio_tables::Migration),
            Box::new(m20261128_000002_protect_audit_events::Migration),
            Box::new(m20261128_000003_index_activity_references::Migration),
            Box::new(m20261129_000001_allow_unrecorded_sex::Migration),
            Box::new(m20261129_000002_create_report_corrections::Migration),
            Box::new(m20261129_000003_create_indicator_result_activities::Migration),
            Box::new(m20261129_000004_create_joint_memberships::Migration),
            Box::new(m20261129_000005_index_read_paths::Migration),
            Box::new(m20261129_000006_maintain_activity_totals::Migration),
            Box::new(m20261130_000007_add_iati_details::Migration),
            Box::new(m20261130_000008_create_export_links::Migration),
            Box::new(m20261130_000009_index_children_by_grant::Migration),
            Box::new(m20261130_000010_index_activity_periods::Migration),
            Box::new(m20261130_000011_maintain_grantee_totals::Migration),
        ]
    }
}
