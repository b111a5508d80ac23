//! Lessons and case studies are looked up by the activity they are about (when an activity is
//! deleted, and by its foreign-key checks), so index that reference.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Lessons {
    Table,
    ActivityId,
    GrantId,
}

#[derive(DeriveIden)]
enum CaseStudies {
    Table,
    ActivityId,
    GrantId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_lessons_activity")
                .table(Lessons::Table)
                .col(Lessons::ActivityId)
                .col(Lessons::GrantId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_case_studies_activity")
                .table(CaseStudies::Table)
                .col(CaseStudies::ActivityId)
                .col(CaseStudies::GrantId)
                .to_owned(),
        )
        .await
    }
}
