//! The evidence of an indicator result: the activities it counts, so a result of "3 policy
//! dialogues" names the three it means and a reader can check the claim against them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IndicatorResultActivities {
    Table,
    IndicatorResultId,
    ActivityId,
    GrantId,
    Position,
}

#[derive(DeriveIden)]
enum IndicatorResults {
    Table,
    Id,
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
                .table(IndicatorResultActivities::Table)
                .col(uuid(IndicatorResultActivities::IndicatorResultId))
                .col(uuid(IndicatorResultActivities::ActivityId))
                .col(uuid(IndicatorResultActivities::GrantId))
                .col(integer(IndicatorResultActivities::Position))
                .primary_key(
                    Index::create()
                        .col(IndicatorResultActivities::IndicatorResultId)
                        .col(IndicatorResultActivities::ActivityId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_result_activities_result")
                        .from(
                            IndicatorResultActivities::Table,
                            IndicatorResultActivities::IndicatorResultId,
                        )
                        .to(IndicatorResults::Table, IndicatorResults::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .on_update(ForeignKeyAction::NoAction),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_result_activities_activity")
                        .from(
                            IndicatorResultActivities::Table,
                            IndicatorResultActivities::ActivityId,
                        )
                        .to(Activities::Table, Activities::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .on_update(ForeignKeyAction::NoAction),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_result_activities_activity")
                .table(IndicatorResultActivities::Table)
                .col(IndicatorResultActivities::ActivityId)
                .to_owned(),
        )
        .await
    }
}
