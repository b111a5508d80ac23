//! Indexes the relations a grant's read-ahead (`api/src/graphql/prefetch.rs`) reads by grant:
//! one grant with everything under it reads each relation by `grant_id`, and without these the
//! indicators, indicator results, outcomes, lessons and case studies were each a scan of the
//! whole table (15,000 indicator results at 5,000 grants).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BY_GRANT: [(&str, &str); 5] = [
    ("ix_indicators_grant", "indicators"),
    ("ix_indicator_results_grant", "indicator_results"),
    ("ix_outcomes_grant", "outcomes"),
    ("ix_lessons_grant", "lessons"),
    ("ix_case_studies_grant", "case_studies"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in BY_GRANT {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Alias::new(table))
                    .col(Alias::new("grant_id"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
