//! Totals kept per grantee, so that the portfolio summary does not grow with the rows it
//! summarises: for each grantee, scheme and activity kind, how many activities and their
//! participation added up (each joint event counted once, from `activity_totals`); and for each
//! grantee, scheme and currency, how many grants and their funding. The summary over the whole
//! portfolio, a scheme, a grantee or a kind adds up these rows (some 70,000 and 10,000 at 50,000
//! grants) instead of every activity.
//!
//! Written in the same transaction as every change that moves them, by recomputing the rows of
//! the grantees the change touched; rebuilt with `activity_totals` at start-up when they do not
//! add up to the tables (rows loaded straight into the tables), and by `rebuild-totals`. They
//! are derived data, so they carry no foreign keys: `verify-totals` compares them with a
//! recomputation.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GranteeKindTotals {
    Table,
    GranteeId,
    SchemeId,
    Kind,
    ActivityCount,
    Total,
    Female,
    FemaleRecordedOf,
    Male,
    MaleRecordedOf,
    WithDisability,
    WithDisabilityRecordedOf,
    InPerson,
    Online,
    ExcludedAsJoint,
}

#[derive(DeriveIden)]
enum GranteeFundingTotals {
    Table,
    GranteeId,
    SchemeId,
    Currency,
    GrantCount,
    AmountHigh,
    AmountLow,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use GranteeKindTotals as K;
        let mut kinds = Table::create();
        kinds
            .table(K::Table)
            .col(uuid(K::GranteeId))
            .col(uuid(K::SchemeId))
            .col(string_len(K::Kind, 32));
        for column in [
            K::ActivityCount,
            K::Total,
            K::Female,
            K::FemaleRecordedOf,
            K::Male,
            K::MaleRecordedOf,
            K::WithDisability,
            K::WithDisabilityRecordedOf,
            K::InPerson,
            K::Online,
            K::ExcludedAsJoint,
        ] {
            kinds.col(big_integer(column).default(0));
        }
        kinds.primary_key(
            Index::create()
                .col(K::GranteeId)
                .col(K::SchemeId)
                .col(K::Kind),
        );
        m.create_table(kinds.take()).await?;
        use GranteeFundingTotals as F;
        m.create_table(
            Table::create()
                .table(F::Table)
                .col(uuid(F::GranteeId))
                .col(uuid(F::SchemeId))
                .col(string_len(F::Currency, 3))
                .col(big_integer(F::GrantCount).default(0))
                // Funding in minor units, as `SUM(x / 10^9)` and `SUM(x % 10^9)`: neither can
                // overflow 64 bits, and the summary joins them in 128.
                .col(big_integer(F::AmountHigh).default(0))
                .col(big_integer(F::AmountLow).default(0))
                .primary_key(
                    Index::create()
                        .col(F::GranteeId)
                        .col(F::SchemeId)
                        .col(F::Currency),
                )
                .take(),
        )
        .await?;
        Ok(())
    }
}
