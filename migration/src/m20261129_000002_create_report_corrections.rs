//! Corrections: what had to be inferred or corrected to store a report's data at all, kept beside
//! the data as `field`, `as_reported` (null when the source states nothing), `recorded_as` and
//! `reason`, so no inference is ever served as if the source had stated it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReportCorrections {
    Table,
    Id,
    GrantId,
    ReportId,
    Field,
    AsReported,
    RecordedAs,
    Reason,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    GrantId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReportCorrections::Table)
                .col(pk_uuid(ReportCorrections::Id))
                .col(uuid(ReportCorrections::GrantId))
                .col(uuid(ReportCorrections::ReportId))
                .col(string_len(ReportCorrections::Field, 200))
                .col(text_null(ReportCorrections::AsReported))
                .col(text(ReportCorrections::RecordedAs))
                .col(text(ReportCorrections::Reason))
                .col(integer(ReportCorrections::Position))
                .col(timestamp_with_time_zone(ReportCorrections::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_report_corrections_report")
                        .from(
                            ReportCorrections::Table,
                            (ReportCorrections::ReportId, ReportCorrections::GrantId),
                        )
                        .to(Reports::Table, (Reports::Id, Reports::GrantId))
                        .on_delete(ForeignKeyAction::Restrict)
                        .on_update(ForeignKeyAction::NoAction),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_report_corrections_report")
                .table(ReportCorrections::Table)
                .col(ReportCorrections::ReportId)
                .col(ReportCorrections::Position)
                .to_owned(),
        )
        .await
    }
}
