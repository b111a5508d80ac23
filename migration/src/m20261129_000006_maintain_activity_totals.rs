//! Participation totals kept as the data are written: one row per activity with its rows added
//! up, and whether a joint group leaves it out of portfolio-wide totals (another activity of the
//! group counts for the event). Written in the same transaction as every change that moves them,
//! so the portfolio summary adds up one row per activity and never reads participation rows.
//! The service fills it for the activities already stored when it starts (it adds rows up by its
//! own rule, `summary::SUMS`, written once), and `portfolio-api rebuild-totals` refills it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ActivityTotals {
    Table,
    ActivityId,
    GrantId,
    Total,
    Female,
    FemaleRecordedOf,
    Male,
    MaleRecordedOf,
    WithDisability,
    WithDisabilityRecordedOf,
    InPerson,
    Online,
    JointExcluded,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ActivityTotals::Table)
                .col(uuid(ActivityTotals::ActivityId).primary_key())
                .col(uuid(ActivityTotals::GrantId))
                .col(big_integer(ActivityTotals::Total).default(0))
                .col(big_integer(ActivityTotals::Female).default(0))
                .col(big_integer(ActivityTotals::FemaleRecordedOf).default(0))
                .col(big_integer(ActivityTotals::Male).default(0))
                .col(big_integer(ActivityTotals::MaleRecordedOf).default(0))
                .col(big_integer(ActivityTotals::WithDisability).default(0))
                .col(big_integer(ActivityTotals::WithDisabilityRecordedOf).default(0))
                .col(big_integer(ActivityTotals::InPerson).default(0))
                .col(big_integer(ActivityTotals::Online).default(0))
                .col(boolean(ActivityTotals::JointExcluded).default(false))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_activity_totals_activity")
                        .from(ActivityTotals::Table, ActivityTotals::ActivityId)
                        .to(Activities::Table, Activities::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .on_update(ForeignKeyAction::NoAction),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_activity_totals_grant")
                .table(ActivityTotals::Table)
                .col(ActivityTotals::GrantId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
