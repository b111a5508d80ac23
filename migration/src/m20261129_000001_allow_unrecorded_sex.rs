//! A participation row may leave its sex split unrecorded: `female` becomes nullable (null = not
//! recorded, 0 = none) and `male` is added beside it, both bounded by the row's total and
//! together never more than it.
//!
//! Neither database can loosen a NOT NULL the same way (SQLite cannot alter a column at all), so
//! the table is rebuilt under a new name, its rows copied, the old table dropped and the new one
//! renamed, in one transaction. Nothing references the table, so nothing else moves.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ActivityParticipation {
    Table,
    ActivityId,
    Mode,
    Total,
    Female,
    Male,
    WithDisability,
}

#[derive(DeriveIden)]
enum ActivityParticipationNext {
    Table,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
}

const ATTENDANCE_MODES: [&str; 3] = ["IN_PERSON", "ONLINE", "UNSPECIFIED"];

/// Null, or a count between 0 and the row's total.
fn within_total(column: ActivityParticipation) -> SimpleExpr {
    Expr::col(column)
        .is_null()
        .or(Expr::col(column).between(Expr::val(0), Expr::col(ActivityParticipation::Total)))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on every backend: the copy is all or nothing, and every step runs on the
    /// same connection, so none sees the schema as it was before the previous step.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ActivityParticipationNext::Table)
                .col(uuid(ActivityParticipation::ActivityId))
                .col(string_len(ActivityParticipation::Mode, 16))
                .col(integer(ActivityParticipation::Total))
                .col(integer_null(ActivityParticipation::Female))
                .col(integer_null(ActivityParticipation::Male))
                .col(integer_null(ActivityParticipation::WithDisability))
                .primary_key(
                    Index::create()
                        .col(ActivityParticipation::ActivityId)
                        .col(ActivityParticipation::Mode),
                )
                .check(
                    Expr::col(ActivityParticipation::Mode)
                        .is_in(ATTENDANCE_MODES.iter().map(|v| String::from(*v))),
                )
                .check(Expr::col(ActivityParticipation::Total).gte(0))
                .check(within_total(ActivityParticipation::Female))
                .check(within_total(ActivityParticipation::Male))
                .check(within_total(ActivityParticipation::WithDisability))
                .check(
                    Expr::col(ActivityParticipation::Female)
                        .is_null()
                        .or(Expr::col(ActivityParticipation::Male).is_null())
                        .or(Expr::col(ActivityParticipation::Female)
                            .add(Expr::col(ActivityParticipation::Male))
                            .lte(Expr::col(ActivityParticipation::Total))),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_participation_activity_v2")
                        .from(
                            ActivityParticipationNext::Table,
                            ActivityParticipation::ActivityId,
                        )
                        .to(Activities::Table, Activities::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .on_update(ForeignKeyAction::NoAction),
                )
                .take(),
        )
        .await?;
        let columns = [
            ActivityParticipation::ActivityId,
            ActivityParticipation::Mode,
            ActivityParticipation::Total,
            ActivityParticipation::Female,
            ActivityParticipation::WithDisability,
        ];
        m.exec_stmt(
            Query::insert()
                .into_table(ActivityParticipationNext::Table)
                .columns(columns)
                .select_from(
                    Query::select()
                        .columns(columns)
                        .from(ActivityParticipation::Table)
                        .take(),
                )
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .take(),
        )
        .await?;
        m.drop_table(Table::drop().table(ActivityParticipation::Table).take())
            .await?;
        m.rename_table(
            Table::rename()
                .table(
                    ActivityParticipationNext::Table,
                    ActivityParticipation::Table,
                )
                .take(),
        )
        .await
    }
}
