//! The whole portfolio domain: organisations, schemes, grants and everything a grantee reports.
//!
//! The database enforces what it can on both PostgreSQL and SQLite: foreign keys, NOT NULLs,
//! uniqueness and CHECKs on counts, amounts, enums and date ranges. Every row that lives under a
//! grant carries `grant_id`, tied to its parent by a composite foreign key on `(parent_id,
//! grant_id)`, so a row can never sit under one grant while its parent sits under another.
//! Money is integer minor units (`*_minor`, BIGINT) beside an ISO 4217 currency code.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ORGANISATION_KINDS: [&str; 4] = ["FUNDER", "SCHEME_MANAGER", "GRANTEE", "PARTNER"];
const GRANT_STATUSES: [&str; 2] = ["ACTIVE", "CLOSED"];
const REPORT_KINDS: [&str; 2] = ["PROGRESS", "COMPLETION"];
const REPORT_STATUSES: [&str; 4] = ["DRAFT", "SUBMITTED", "RETURNED", "ACCEPTED"];
const ACTIVITY_KINDS: [&str; 7] = [
    "POLICY_DIALOGUE",
    "FORUM",
    "WORKSHOP",
    "TRAINING",
    "CAMPAIGN",
    "RESEARCH",
    "OTHER",
];
const ATTENDANCE_MODES: [&str; 3] = ["IN_PERSON", "ONLINE", "UNSPECIFIED"];
const OUTCOME_KINDS: [&str; 6] = [
    "POLICY_COMMITMENT",
    "POLICY_CHANGE",
    "PRACTICE_CHANGE",
    "CAPACITY",
    "PARTNERSHIP",
    "OTHER",
];
const LESSON_KINDS: [&str; 2] = ["CHALLENGE", "LESSON_LEARNED"];
const ROLES: [&str; 3] = ["SCHEME_MANAGER", "GRANTEE", "ANALYST"];

fn one_of<C: IntoIden + 'static>(column: C, values: &[&str]) -> SimpleExpr {
    Expr::col(column).is_in(values.iter().map(|v| String::from(*v)))
}

fn ends_after<C: IntoIden + 'static>(start: C, end: C) -> SimpleExpr {
    Expr::col(end).gte(Expr::col(start))
}

fn currency<C: IntoIden>(column: C) -> ColumnDef {
    char_len(column, 3)
}

fn created_at() -> ColumnDef {
    timestamp_with_time_zone(Common::CreatedAt)
}

fn updated_at() -> ColumnDef {
    timestamp_with_time_zone(Common::UpdatedAt)
}

fn version() -> ColumnDef {
    integer(Common::Version).default(1).take()
}

fn fk(
    name: &str,
    from: impl IntoTableRef,
    from_cols: impl IdenList,
    to: impl IntoTableRef,
    to_cols: impl IdenList,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from, from_cols)
        .to(to, to_cols)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::NoAction)
        .take()
}

fn index(name: &str, table: impl IntoIden, cols: &[DynIden]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col.clone());
    }
    index.take()
}

fn unique(name: &str, table: impl IntoIden, cols: &[DynIden]) -> IndexCreateStatement {
    index(name, table, cols).unique().take()
}

fn d<I: IntoIden>(iden: I) -> DynIden {
    iden.into_iden()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Organisations::Table)
                .col(pk_uuid(Organisations::Id))
                .col(string_len(Organisations::Name, 300))
                .col(string_len_null(Organisations::Acronym, 40))
                .col(string_len(Organisations::Kind, 32))
                .col(text_null(Organisations::Description))
                .col(text_null(Organisations::Address))
                .col(string_len_null(Organisations::Phone, 100))
                .col(string_len_null(Organisations::Website, 300))
                .col(char_len_null(Organisations::Country, 2))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(one_of(Organisations::Kind, &ORGANISATION_KINDS))
                .take(),
        )
        .await?;
        m.create_index(unique(
            "ux_organisations_name",
            Organisations::Table,
            &[d(Organisations::Name)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Schemes::Table)
                .col(pk_uuid(Schemes::Id))
                .col(string_len(Schemes::Name, 300))
                .col(uuid(Schemes::FunderId))
                .col(uuid(Schemes::ManagerId))
                .col(currency(Schemes::Currency))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk(
                    "fk_schemes_funder",
                    Schemes::Table,
                    Schemes::FunderId,
                    Organisations::Table,
                    Organisations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_schemes_manager",
                    Schemes::Table,
                    Schemes::ManagerId,
                    Organisations::Table,
                    Organisations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            "ux_schemes_name",
            Schemes::Table,
            &[d(Schemes::Name)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Grants::Table)
                .col(pk_uuid(Grants::Id))
                .col(uuid(Grants::SchemeId))
                .col(uuid(Grants::GranteeId))
                .col(string_len(Grants::Reference, 100))
                .col(string_len(Grants::Title, 500))
                .col(big_integer(Grants::TotalFundingMinor))
                .col(currency(Grants::Currency))
                .col(date(Grants::StartDate))
                .col(date(Grants::EndDate))
                .col(string_len(Grants::Status, 16))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(Expr::col(Grants::TotalFundingMinor).gte(0))
                .check(ends_after(Grants::StartDate, Grants::EndDate))
                .check(one_of(Grants::Status, &GRANT_STATUSES))
                .foreign_key(&mut fk(
                    "fk_grants_scheme",
                    Grants::Table,
                    Grants::SchemeId,
                    Schemes::Table,
                    Schemes::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_grants_grantee",
                    Grants::Table,
                    Grants::GranteeId,
                    Organisations::Table,
                    Organisations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            "ux_grants_scheme_reference",
            Grants::Table,
            &[d(Grants::SchemeId), d(Grants::Reference)],
        ))
        .await?;
        m.create_index(index(
            "ix_grants_grantee",
            Grants::Table,
            &[d(Grants::GranteeId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(FundingPeriods::Table)
                .col(pk_uuid(FundingPeriods::Id))
                .col(uuid(FundingPeriods::GrantId))
                .col(string_len_null(FundingPeriods::Label, 200))
                .col(date(FundingPeriods::StartDate))
                .col(date(FundingPeriods::EndDate))
                .col(big_integer(FundingPeriods::AmountMinor))
                .col(currency(FundingPeriods::Currency))
                .col(created_at())
                .check(Expr::col(FundingPeriods::AmountMinor).gte(0))
                .check(ends_after(
                    FundingPeriods::StartDate,
                    FundingPeriods::EndDate,
                ))
                .foreign_key(&mut fk(
                    "fk_funding_periods_grant",
                    FundingPeriods::Table,
                    FundingPeriods::GrantId,
                    Grants::Table,
                    Grants::Id,
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_funding_periods_grant",
            FundingPeriods::Table,
            &[d(FundingPeriods::GrantId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Objectives::Table)
                .col(pk_uuid(Objectives::Id))
                .col(uuid(Objectives::GrantId))
                .col(integer(Objectives::Number))
                .col(text(Objectives::Statement))
                .col(created_at())
                .check(Expr::col(Objectives::Number).gte(1))
                .foreign_key(&mut fk(
                    "fk_objectives_grant",
                    Objectives::Table,
                    Objectives::GrantId,
                    Grants::Table,
                    Grants::Id,
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            "ux_objectives_grant_number",
            Objectives::Table,
            &[d(Objectives::GrantId), d(Objectives::Number)],
        ))
        .await?;
        m.create_index(unique(
            "ux_objectives_id_grant",
            Objectives::Table,
            &[d(Objectives::Id), d(Objectives::GrantId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Indicators::Table)
                .col(pk_uuid(Indicators::Id))
                .col(uuid(Indicators::GrantId))
                .col(uuid(Indicators::ObjectiveId))
                .col(text(Indicators::Statement))
                .col(string_len(Indicators::Unit, 100))
                .col(string_len_null(Indicators::Baseline, 40))
                .col(string_len_null(Indicators::Target, 40))
                .col(created_at())
                .foreign_key(&mut fk(
                    "fk_indicators_objective",
                    Indicators::Table,
                    (Indicators::ObjectiveId, Indicators::GrantId),
                    Objectives::Table,
                    (Objectives::Id, Objectives::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_indicators_objective",
            Indicators::Table,
            &[d(Indicators::ObjectiveId)],
        ))
        .await?;
        m.create_index(unique(
            "ux_indicators_id_grant",
            Indicators::Table,
            &[d(Indicators::Id), d(Indicators::GrantId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Reports::Table)
                .col(pk_uuid(Reports::Id))
                .col(uuid(Reports::GrantId))
                .col(string_len(Reports::Kind, 16))
                .col(date(Reports::PeriodStart))
                .col(date(Reports::PeriodEnd))
                .col(date(Reports::DueDate))
                .col(string_len(Reports::PreparedByName, 200))
                .col(string_len_null(Reports::PreparedByRole, 300))
                .col(timestamp_with_time_zone_null(Reports::SubmittedAt))
                .col(string_len(Reports::Status, 16))
                .col(text_null(Reports::ReturnReason))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(one_of(Reports::Kind, &REPORT_KINDS))
                .check(one_of(Reports::Status, &REPORT_STATUSES))
                .check(ends_after(Reports::PeriodStart, Reports::PeriodEnd))
                .foreign_key(&mut fk(
                    "fk_reports_grant",
                    Reports::Table,
                    Reports::GrantId,
                    Grants::Table,
                    Grants::Id,
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_reports_grant",
            Reports::Table,
            &[d(Reports::GrantId)],
        ))
        .await?;
        m.create_index(unique(
            "ux_reports_id_grant",
            Reports::Table,
            &[d(Reports::Id), d(Reports::GrantId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(IndicatorResults::Table)
                .col(pk_uuid(IndicatorResults::Id))
                .col(uuid(IndicatorResults::GrantId))
                .col(uuid(IndicatorResults::ReportId))
                .col(uuid(IndicatorResults::IndicatorId))
                .col(string_len(IndicatorResults::Actual, 40))
                .col(text_null(IndicatorResults::Narrative))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk(
                    "fk_indicator_results_report",
                    IndicatorResults::Table,
                    (IndicatorResults::ReportId, IndicatorResults::GrantId),
                    Reports::Table,
                    (Reports::Id, Reports::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_indicator_results_indicator",
                    IndicatorResults::Table,
                    (IndicatorResults::IndicatorId, IndicatorResults::GrantId),
                    Indicators::Table,
                    (Indicators::Id, Indicators::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            "ux_indicator_results_report_indicator",
            IndicatorResults::Table,
            &[
                d(IndicatorResults::ReportId),
                d(IndicatorResults::IndicatorId),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Activities::Table)
                .col(pk_uuid(Activities::Id))
                .col(uuid(Activities::GrantId))
                .col(uuid(Activities::ReportId))
                .col(uuid_null(Activities::ObjectiveId))
                .col(string_len(Activities::Kind, 32))
                .col(string_len(Activities::Title, 500))
                .col(date(Activities::StartDate))
                .col(date(Activities::EndDate))
                .col(string_len_null(Activities::Venue, 300))
                .col(string_len_null(Activities::Location, 300))
                .col(text_null(Activities::Narrative))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(one_of(Activities::Kind, &ACTIVITY_KINDS))
                .check(ends_after(Activities::StartDate, Activities::EndDate))
                .foreign_key(&mut fk(
                    "fk_activities_report",
                    Activities::Table,
                    (Activities::ReportId, Activities::GrantId),
                    Reports::Table,
                    (Reports::Id, Reports::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_activities_objective",
                    Activities::Table,
                    (Activities::ObjectiveId, Activities::GrantId),
                    Objectives::Table,
                    (Objectives::Id, Objectives::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_activities_grant_start",
            Activities::Table,
            &[d(Activities::GrantId), d(Activities::StartDate)],
        ))
        .await?;
        m.create_index(index(
            "ix_activities_report",
            Activities::Table,
            &[d(Activities::ReportId)],
        ))
        .await?;
        m.create_index(unique(
            "ux_activities_id_grant",
            Activities::Table,
            &[d(Activities::Id), d(Activities::GrantId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ActivityParticipation::Table)
                .col(uuid(ActivityParticipation::ActivityId))
                .col(string_len(ActivityParticipation::Mode, 16))
                .col(integer(ActivityParticipation::Total))
                .col(integer(ActivityParticipation::Female))
                .col(integer_null(ActivityParticipation::WithDisability))
                .primary_key(
                    Index::create()
                        .col(ActivityParticipation::ActivityId)
                        .col(ActivityParticipation::Mode),
                )
                .check(one_of(ActivityParticipation::Mode, &ATTENDANCE_MODES))
                .check(Expr::col(ActivityParticipation::Total).gte(0))
                .check(Expr::col(ActivityParticipation::Female).gte(0))
                .check(
                    Expr::col(ActivityParticipation::Female)
                        .lte(Expr::col(ActivityParticipation::Total)),
                )
                .check(
                    Expr::col(ActivityParticipation::WithDisability)
                        .is_null()
                        .or(Expr::col(ActivityParticipation::WithDisability)
                            .between(Expr::val(0), Expr::col(ActivityParticipation::Total))),
                )
                .foreign_key(&mut fk(
                    "fk_participation_activity",
                    ActivityParticipation::Table,
                    ActivityParticipation::ActivityId,
                    Activities::Table,
                    Activities::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ActivityOrganisers::Table)
                .col(uuid(ActivityOrganisers::ActivityId))
                .col(uuid(ActivityOrganisers::OrganisationId))
                .col(integer(ActivityOrganisers::Position).default(0))
                .primary_key(
                    Index::create()
                        .col(ActivityOrganisers::ActivityId)
                        .col(ActivityOrganisers::OrganisationId),
                )
                .foreign_key(&mut fk(
                    "fk_activity_organisers_activity",
                    ActivityOrganisers::Table,
                    ActivityOrganisers::ActivityId,
                    Activities::Table,
                    Activities::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_activity_organisers_organisation",
                    ActivityOrganisers::Table,
                    ActivityOrganisers::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_activity_organisers_organisation",
            ActivityOrganisers::Table,
            &[d(ActivityOrganisers::OrganisationId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Outcomes::Table)
                .col(pk_uuid(Outcomes::Id))
                .col(uuid(Outcomes::GrantId))
                .col(uuid(Outcomes::ReportId))
                .col(uuid(Outcomes::ActivityId))
                .col(string_len(Outcomes::Kind, 32))
                .col(text(Outcomes::Statement))
                .col(string_len_null(Outcomes::Actor, 300))
                .col(string_len_null(Outcomes::Institution, 300))
                .col(text_null(Outcomes::Evidence))
                .col(date_null(Outcomes::Date))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(one_of(Outcomes::Kind, &OUTCOME_KINDS))
                .foreign_key(&mut fk(
                    "fk_outcomes_activity",
                    Outcomes::Table,
                    (Outcomes::ActivityId, Outcomes::GrantId),
                    Activities::Table,
                    (Activities::Id, Activities::GrantId),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_outcomes_report",
                    Outcomes::Table,
                    (Outcomes::ReportId, Outcomes::GrantId),
                    Reports::Table,
                    (Reports::Id, Reports::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_outcomes_activity",
            Outcomes::Table,
            &[d(Outcomes::ActivityId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Lessons::Table)
                .col(pk_uuid(Lessons::Id))
                .col(uuid(Lessons::GrantId))
                .col(uuid(Lessons::ReportId))
                .col(uuid_null(Lessons::ActivityId))
                .col(string_len(Lessons::Kind, 16))
                .col(text(Lessons::Text))
                .col(integer(Lessons::Position))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(one_of(Lessons::Kind, &LESSON_KINDS))
                .foreign_key(&mut fk(
                    "fk_lessons_report",
                    Lessons::Table,
                    (Lessons::ReportId, Lessons::GrantId),
                    Reports::Table,
                    (Reports::Id, Reports::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_lessons_activity",
                    Lessons::Table,
                    (Lessons::ActivityId, Lessons::GrantId),
                    Activities::Table,
                    (Activities::Id, Activities::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_lessons_report",
            Lessons::Table,
            &[d(Lessons::ReportId)],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(CaseStudies::Table)
                .col(pk_uuid(CaseStudies::Id))
                .col(uuid(CaseStudies::GrantId))
                .col(uuid(CaseStudies::ReportId))
                .col(uuid_null(CaseStudies::ActivityId))
                .col(string_len(CaseStudies::Title, 500))
                .col(text(CaseStudies::Narrative))
                .col(integer(CaseStudies::Position))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk(
                    "fk_case_studies_report",
                    CaseStudies::Table,
                    (CaseStudies::ReportId, CaseStudies::GrantId),
                    Reports::Table,
                    (Reports::Id, Reports::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_case_studies_activity",
                    CaseStudies::Table,
                    (CaseStudies::ActivityId, CaseStudies::GrantId),
                    Activities::Table,
                    (Activities::Id, Activities::GrantId),
                    ForeignKeyAction::Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_case_studies_report",
            CaseStudies::Table,
            &[d(CaseStudies::ReportId)],
        ))
        .await?;

        // Append-only. `owner_org_id` is the grantee organisation the changed object belongs to
        // (NULL for portfolio-level objects such as schemes), which is what visibility reads.
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(pk_uuid(AuditEvents::Id))
                .col(timestamp_with_time_zone(AuditEvents::At))
                .col(string_len(AuditEvents::Actor, 300))
                .col(string_len(AuditEvents::Role, 16))
                .col(uuid_null(AuditEvents::ActorOrgId))
                .col(string_len(AuditEvents::Action, 64))
                .col(string_len(AuditEvents::Entity, 64))
                .col(uuid(AuditEvents::EntityId))
                .col(uuid_null(AuditEvents::OwnerOrgId))
                .col(uuid_null(AuditEvents::GrantId))
                .col(json_null(AuditEvents::Before))
                .col(json_null(AuditEvents::After))
                .col(string_len_null(AuditEvents::RequestId, 100))
                .check(one_of(AuditEvents::Role, &ROLES))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_audit_events_entity",
            AuditEvents::Table,
            &[d(AuditEvents::EntityId), d(AuditEvents::At)],
        ))
        .await?;
        m.create_index(index(
            "ix_audit_events_at",
            AuditEvents::Table,
            &[d(AuditEvents::At), d(AuditEvents::Id)],
        ))
        .await?;
        m.create_index(index(
            "ix_audit_events_owner",
            AuditEvents::Table,
            &[d(AuditEvents::OwnerOrgId)],
        ))
        .await?;

        // Safe retries: a create repeated with the same key by the same caller returns the
        // first result instead of writing again.
        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(string_len(IdempotencyKeys::Actor, 300))
                .col(string_len(IdempotencyKeys::Key, 200))
                .col(string_len(IdempotencyKeys::Operation, 64))
                .col(string_len(IdempotencyKeys::RequestHash, 64))
                .col(uuid(IdempotencyKeys::EntityId))
                .col(created_at())
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::Actor)
                        .col(IdempotencyKeys::Key),
                )
                .take(),
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Common {
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Acronym,
    Kind,
    Description,
    Address,
    Phone,
    Website,
    Country,
}

#[derive(DeriveIden)]
enum Schemes {
    Table,
    Id,
    Name,
    FunderId,
    ManagerId,
    Currency,
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
    SchemeId,
    GranteeId,
    Reference,
    Title,
    TotalFundingMinor,
    Currency,
    StartDate,
    EndDate,
    Status,
}

#[derive(DeriveIden)]
enum FundingPeriods {
    Table,
    Id,
    GrantId,
    Label,
    StartDate,
    EndDate,
    AmountMinor,
    Currency,
}

#[derive(DeriveIden)]
enum Objectives {
    Table,
    Id,
    GrantId,
    Number,
    Statement,
}

#[derive(DeriveIden)]
enum Indicators {
    Table,
    Id,
    GrantId,
    ObjectiveId,
    Statement,
    Unit,
    Baseline,
    Target,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    GrantId,
    Kind,
    PeriodStart,
    PeriodEnd,
    DueDate,
    PreparedByName,
    PreparedByRole,
    SubmittedAt,
    Status,
    ReturnReason,
}

#[derive(DeriveIden)]
enum IndicatorResults {
    Table,
    Id,
    GrantId,
    ReportId,
    IndicatorId,
    Actual,
    Narrative,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    GrantId,
    ReportId,
    ObjectiveId,
    Kind,
    Title,
    StartDate,
    EndDate,
    Venue,
    Location,
    Narrative,
}

#[derive(DeriveIden)]
enum ActivityParticipation {
    Table,
    ActivityId,
    Mode,
    Total,
    Female,
    WithDisability,
}

#[derive(DeriveIden)]
enum ActivityOrganisers {
    Table,
    ActivityId,
    OrganisationId,
    Position,
}

#[derive(DeriveIden)]
enum Outcomes {
    Table,
    Id,
    GrantId,
    ReportId,
    ActivityId,
    Kind,
    Statement,
    Actor,
    Institution,
    Evidence,
    Date,
}

#[derive(DeriveIden)]
enum Lessons {
    Table,
    Id,
    GrantId,
    ReportId,
    ActivityId,
    Kind,
    Text,
    Position,
}

#[derive(DeriveIden)]
enum CaseStudies {
    Table,
    Id,
    GrantId,
    ReportId,
    ActivityId,
    Title,
    Narrative,
    Position,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Actor,
    Role,
    ActorOrgId,
    Action,
    Entity,
    EntityId,
    OwnerOrgId,
    GrantId,
    Before,
    After,
    RequestId,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Actor,
    Key,
    Operation,
    RequestHash,
    EntityId,
}
