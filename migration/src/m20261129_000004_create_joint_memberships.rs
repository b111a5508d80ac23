//! Joint groups: activities that are records of one real event (the same forum filed as a policy
//! dialogue and as a national dialogue, or by two grantees), so every total counts it once.
//! A row puts one activity in one group; a group is the rows sharing a `group_id`, and at most one
//! of them is named as the activity whose figures stand for the group (`counting`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JointMemberships {
    Table,
    ActivityId,
    GroupId,
    GrantId,
    Counting,
    LinkedAt,
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
                .table(JointMemberships::Table)
                .col(uuid(JointMemberships::ActivityId).primary_key())
                .col(uuid(JointMemberships::GroupId))
                .col(uuid(JointMemberships::GrantId))
                .col(boolean(JointMemberships::Counting))
                .col(timestamp_with_time_zone(JointMemberships::LinkedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_joint_memberships_activity")
                        .from(JointMemberships::Table, JointMemberships::ActivityId)
                        .to(Activities::Table, Activities::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .on_update(ForeignKeyAction::NoAction),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_joint_memberships_group")
                .table(JointMemberships::Table)
                .col(JointMemberships::GroupId)
                .to_owned(),
        )
        .await
    }
}
