use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One activity's place in a joint group: activities that record one real event, counted once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "joint_memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: Uuid,
    pub group_id: Uuid,
    pub grant_id: Uuid,
    /// Named as the activity whose figures stand for the group.
    pub counting: bool,
    pub linked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
