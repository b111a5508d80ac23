//! Indexes the read paths' plans ask for: the default order of the grants list (by reference,
//! then id) and its date orders, the activities list ordered by date and filtered by kind and
//! dates, and the summary's overdue reports (not yet submitted, by due date).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
    Reference,
    StartDate,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    Kind,
    StartDate,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Status,
    DueDate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let indexes = [
            Index::create()
                .name("ix_grants_reference")
                .table(Grants::Table)
                .col(Grants::Reference)
                .col(Grants::Id)
                .to_owned(),
            Index::create()
                .name("ix_grants_start")
                .table(Grants::Table)
                .col(Grants::StartDate)
                .col(Grants::Id)
                .to_owned(),
            Index::create()
                .name("ix_activities_start")
                .table(Activities::Table)
                .col(Activities::StartDate)
                .col(Activities::Id)
                .to_owned(),
            Index::create()
                .name("ix_activities_kind_start")
                .table(Activities::Table)
                .col(Activities::Kind)
                .col(Activities::StartDate)
                .col(Activities::Id)
                .to_owned(),
            Index::create()
                .name("ix_reports_status_due")
                .table(Reports::Table)
                .col(Reports::Status)
                .col(Reports::DueDate)
                .to_owned(),
        ];
        for index in indexes {
            m.create_index(index).await?;
        }
        Ok(())
    }
}
