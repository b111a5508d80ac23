//! `createExportLink`: a single-use link to an export, for a person in GraphiQL who cannot put
//! a token in a link's headers.

use async_graphql::{Context, Enum, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::common::GqlResult;
use super::input::run;
use crate::export::link::CreateExportLink;
use crate::export::{ExportKind, RequestOrigin};

/// What an export produces. Each is served at its own path, with the filter as query
/// parameters (see the README for each one's parameters and columns).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// `/export/grants.csv`, filtered by `schemeId`, `granteeId`, `status`, `activeFrom`,
    /// `activeTo` (as `GrantFilter`).
    GrantsCsv,
    /// `/export/reports.csv`, filtered by `grantId`, `granteeId`, `status`, `kind`,
    /// `dueBefore` (as `ReportFilter`).
    ReportsCsv,
    /// `/export/activities.csv`, filtered by `grantId`, `granteeId`, `objectiveId`,
    /// `reportId`, `kind`, `from`, `to` (as `ActivityFilter`).
    ActivitiesCsv,
    /// `/export/participation.csv`: one row per activity and attendance mode, with the joint
    /// grouping; filtered as `ActivityFilter`.
    ParticipationCsv,
    /// `/export/outcomes.csv`: the outcomes of the activities `ActivityFilter` selects.
    OutcomesCsv,
    /// `/export/portfolio.xlsx`: every list above, a sheet each; filtered by `schemeId`,
    /// `granteeId`, `grantStatus`, `from`, `to`, `activityKind` (as `PortfolioFilter`).
    PortfolioXlsx,
    /// `/iati/activities.xml`: the IATI 2.03 activity file, one `iati-activity` per grant;
    /// filtered by `scheme`, `grantee`, `grant`, `from`, `to` (ids and `YYYY-MM-DD` days).
    IatiXml,
}

impl From<ExportFormat> for ExportKind {
    fn from(format: ExportFormat) -> Self {
        match format {
            ExportFormat::GrantsCsv => Self::GrantsCsv,
            ExportFormat::ReportsCsv => Self::ReportsCsv,
            ExportFormat::ActivitiesCsv => Self::ActivitiesCsv,
            ExportFormat::ParticipationCsv => Self::ParticipationCsv,
            ExportFormat::OutcomesCsv => Self::OutcomesCsv,
            ExportFormat::PortfolioXlsx => Self::PortfolioXlsx,
            ExportFormat::IatiXml => Self::IatiXml,
        }
    }
}

impl From<ExportKind> for ExportFormat {
    fn from(kind: ExportKind) -> Self {
        match kind {
            ExportKind::GrantsCsv => Self::GrantsCsv,
            ExportKind::ReportsCsv => Self::ReportsCsv,
            ExportKind::ActivitiesCsv => Self::ActivitiesCsv,
            ExportKind::ParticipationCsv => Self::ParticipationCsv,
            ExportKind::OutcomesCsv => Self::OutcomesCsv,
            ExportKind::PortfolioXlsx => Self::PortfolioXlsx,
            ExportKind::IatiXml => Self::IatiXml,
        }
    }
}

/// The export to make a link for.
#[derive(InputObject)]
pub struct CreateExportLinkInput {
    /// Which export.
    pub format: ExportFormat,
    /// The export's filter: a JSON object whose keys are its query parameters and whose values
    /// are strings, e.g. `{"status": "ACTIVE", "activeFrom": "2024-07-01"}`. Omit it for no
    /// filter. An unknown or malformed parameter is `BAD_USER_INPUT` on `filter.<name>`; a
    /// grant named by id (`grantId`, or the IATI file's `grant`) that the caller may not see
    /// is `NOT_FOUND` on `filter.<name>`.
    pub filter: Option<Json<serde_json::Value>>,
}

/// A single-use link to one export. It carries no token: whoever opens it first, within
/// `expiresAt`, downloads the export as the caller who made it (scoped to what that caller
/// may see, and recorded in the audit trail as that caller's export). A second use is refused
/// (HTTP 410), as is a use after it expires.
#[derive(SimpleObject)]
pub struct ExportLink {
    /// The absolute URL to open, e.g. `https://…/export/grants.csv?link=…`.
    pub url: String,
    /// The same, relative to the service.
    pub path: String,
    /// Which export it downloads.
    pub format: ExportFormat,
    /// After this moment the link is refused: five minutes after it was made.
    pub expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct ExportMutation;

#[Object]
impl ExportMutation {
    /// Makes a single-use link to an export, valid for five minutes, for opening in a browser
    /// where no `Authorization` header can be set (an export's own URL needs one). Every role
    /// may export, analysts included: the file holds what the caller may read, nothing more.
    /// Recorded in the audit trail (`createExportLink`), as is the export itself (`EXPORT`).
    async fn create_export_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The export and its filter.")] input: CreateExportLinkInput,
    ) -> GqlResult<ExportLink> {
        let made = run(
            ctx,
            CreateExportLink {
                kind: input.format.into(),
                filter: input.filter.map(|json| json.0),
            },
        )
        .await?;
        let path = made.path();
        let origin = ctx
            .data_opt::<RequestOrigin>()
            .map(|origin| origin.0.as_str())
            .unwrap_or_default();
        Ok(ExportLink {
            url: format!("{origin}{path}"),
            path,
            format: made.kind.into(),
            expires_at: made.expires_at,
        })
    }
}
