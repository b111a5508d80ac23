//! What an IATI 2.03 activity file needs that the portfolio did not hold yet, every column
//! nullable (the source may not know it):
//!
//! - an organisation's IATI organisation identifier (`AU-5`), unique where given, and its IATI
//!   organisation type (the `OrganisationType` code, e.g. `10` for a government);
//! - a grant's own IATI activity identifier (unique where given; otherwise the service derives
//!   it), its description, recipient country (ISO 3166-1 alpha-2), the organisation that reports
//!   it (a foreign key; null means the scheme's funder), and its sectors (DAC 5-digit codes with
//!   percentages) and policy markers (code and significance), each a JSON list the service
//!   checks as a whole and writes in one statement.
//!
//! Added column by column, which both databases do in place (SQLite takes one column per
//! `ALTER TABLE`), in one transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Identifier,
    IatiType,
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    IatiIdentifier,
    Description,
    RecipientCountry,
    ReportingOrgId,
    Sectors,
    PolicyMarkers,
}

/// The IATI `OrganisationType` codelist (2.03).
const ORGANISATION_TYPES: [&str; 16] = [
    "10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71", "72", "73", "80", "90",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let organisation_columns = [
            string_len_null(Organisations::Identifier, 100),
            string_len_null(Organisations::IatiType, 2)
                .check(
                    Expr::col(Organisations::IatiType)
                        .is_null()
                        .or(Expr::col(Organisations::IatiType)
                            .is_in(ORGANISATION_TYPES.iter().map(|v| String::from(*v)))),
                )
                .take(),
        ];
        for column in organisation_columns {
            m.alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(column)
                    .take(),
            )
            .await?;
        }
        let grant_columns = [
            string_len_null(Grants::IatiIdentifier, 200),
            text_null(Grants::Description),
            char_len_null(Grants::RecipientCountry, 2),
            // A column-level reference: SQLite adds a foreign key no other way in place.
            uuid_null(Grants::ReportingOrgId)
                .extra("REFERENCES organisations (id)")
                .take(),
            json_null(Grants::Sectors),
            json_null(Grants::PolicyMarkers),
        ];
        for column in grant_columns {
            m.alter_table(
                Table::alter()
                    .table(Grants::Table)
                    .add_column(column)
                    .take(),
            )
            .await?;
        }
        // Unique where given: both databases let any number of rows hold NULL.
        m.create_index(
            Index::create()
                .name("ux_organisations_identifier")
                .table(Organisations::Table)
                .col(Organisations::Identifier)
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_grants_iati_identifier")
                .table(Grants::Table)
                .col(Grants::IatiIdentifier)
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_grants_reporting_org")
                .table(Grants::Table)
                .col(Grants::ReportingOrgId)
                .take(),
        )
        .await
    }
}
