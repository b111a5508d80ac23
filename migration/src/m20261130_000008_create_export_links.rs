//! Export links: a single-use address for one export, for a person in GraphiQL who cannot put a
//! token in a link's headers. The link's secret is never stored, only its SHA-256 (`token_hash`);
//! the row remembers who made it (the token's `sub`, role and grantee organisation), what it
//! exports (`format`) with which filter, when it expires and when it was used.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExportLinks {
    Table,
    Id,
    TokenHash,
    Format,
    Filter,
    Actor,
    Role,
    ActorOrgId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RequestId,
}

const ROLES: [&str; 3] = ["SCHEME_MANAGER", "GRANTEE", "ANALYST"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ExportLinks::Table)
                .col(pk_uuid(ExportLinks::Id))
                .col(string_len_uniq(ExportLinks::TokenHash, 64))
                .col(string_len(ExportLinks::Format, 32))
                .col(json(ExportLinks::Filter))
                .col(string_len(ExportLinks::Actor, 300))
                .col(string_len(ExportLinks::Role, 16))
                .col(uuid_null(ExportLinks::ActorOrgId))
                .col(timestamp_with_time_zone(ExportLinks::CreatedAt))
                .col(timestamp_with_time_zone(ExportLinks::ExpiresAt))
                .col(timestamp_with_time_zone_null(ExportLinks::UsedAt))
                .col(string_len_null(ExportLinks::RequestId, 100))
                .check(Expr::col(ExportLinks::Role).is_in(ROLES))
                .check(Expr::col(ExportLinks::ExpiresAt).gt(Expr::col(ExportLinks::CreatedAt)))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_export_links_expires_at")
                .table(ExportLinks::Table)
                .col(ExportLinks::ExpiresAt)
                .to_owned(),
        )
        .await
    }
}
