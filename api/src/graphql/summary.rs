//! The portfolio dashboard.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject};
use uuid::Uuid;

use super::activity::ParticipationSummary;
use super::common::{ActivityKind, ContextExt, GqlResult, GrantStatus, Money, ReportStatus};
use super::cost;
use super::organisation::{Organisation, organisation_by_id};
use super::report::{DataWarningCode, Report};
use super::scalars::Date;
use crate::domain::summary::{self, PortfolioFilter};
use crate::error::Problems;

#[derive(InputObject, Default)]
#[graphql(name = "PortfolioFilter")]
pub struct PortfolioFilterInput {
    pub scheme_id: Option<Uuid>,
    pub grantee_id: Option<Uuid>,
    pub grant_status: Option<GrantStatus>,
    /// Grants and activities overlapping [from, to].
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub activity_kind: Option<ActivityKind>,
}

#[derive(SimpleObject)]
pub struct ActivityKindBreakdown {
    pub kind: ActivityKind,
    pub activity_count: i32,
    pub participation: ParticipationSummary,
}

/// How many warnings of one code.
#[derive(SimpleObject)]
pub struct WarningCount {
    pub code: DataWarningCode,
    pub count: i32,
}

async fn warning_counts(
    ctx: &Context<'_>,
    filter: &PortfolioFilter,
) -> GqlResult<Vec<WarningCount>> {
    let counts = summary::warning_counts(ctx.db()?, ctx.actor()?, filter).await?;
    Ok(counts
        .into_iter()
        .map(|(code, count)| WarningCount {
            code: code.into(),
            count: int(count),
        })
        .collect())
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct GranteeBreakdown {
    #[graphql(skip)]
    grantee_id: Uuid,
    #[graphql(skip)]
    filter: PortfolioFilter,
    pub grant_count: i32,
    pub funding: Vec<Money>,
    pub activity_count: i32,
    pub participation: ParticipationSummary,
}

#[ComplexObject]
impl GranteeBreakdown {
    async fn grantee(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        organisation_by_id(ctx, self.grantee_id).await
    }
    /// The warnings of this grantee's reports, by code.
    #[graphql(complexity = "cost::SUMMARY + child_complexity")]
    async fn warnings(&self, ctx: &Context<'_>) -> GqlResult<Vec<WarningCount>> {
        let filter = PortfolioFilter {
            grantee_id: Some(self.grantee_id),
            ..self.filter.clone()
        };
        warning_counts(ctx, &filter).await
    }
}

#[derive(SimpleObject)]
pub struct ReportStatusCount {
    pub status: ReportStatus,
    pub count: i32,
}

/// A dashboard in one request, computed by the database over what the caller may see.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PortfolioSummary {
    #[graphql(skip)]
    filter: PortfolioFilter,
    pub grant_count: i32,
    pub grantee_count: i32,
    /// Total funding, one amount per currency.
    pub funding: Vec<Money>,
    pub activity_count: i32,
    pub participation: ParticipationSummary,
    pub by_activity_kind: Vec<ActivityKindBreakdown>,
    pub by_grantee: Vec<GranteeBreakdown>,
    pub reports_by_status: Vec<ReportStatusCount>,
    /// Due before today and not yet SUBMITTED or ACCEPTED, oldest first.
    pub overdue_reports: Vec<Report>,
}

#[ComplexObject]
impl PortfolioSummary {
    /// The warnings of every report in the summary, by code.
    #[graphql(complexity = "cost::SUMMARY + child_complexity")]
    async fn warnings(&self, ctx: &Context<'_>) -> GqlResult<Vec<WarningCount>> {
        warning_counts(ctx, &self.filter).await
    }
}

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct SummaryQuery;

#[Object]
impl SummaryQuery {
    #[graphql(complexity = "cost::SUMMARY + child_complexity")]
    async fn portfolio_summary(
        &self,
        ctx: &Context<'_>,
        filter: Option<PortfolioFilterInput>,
    ) -> GqlResult<PortfolioSummary> {
        let input = filter.unwrap_or_default();
        let mut p = Problems::new();
        let from = input.from.and_then(|d| p.take(d.day("filter.from")));
        let to = input.to.and_then(|d| p.take(d.day("filter.to")));
        p.into_result()?;
        let filter = PortfolioFilter {
            scheme_id: input.scheme_id,
            grantee_id: input.grantee_id,
            grant_status: input.grant_status.map(Into::into),
            from,
            to,
            activity_kind: input.activity_kind.map(Into::into),
        };
        let s = summary::portfolio(ctx.db()?, ctx.actor()?, &filter).await?;
        Ok(PortfolioSummary {
            filter: filter.clone(),
            grant_count: int(s.grant_count),
            grantee_count: int(s.grantee_count),
            funding: s.funding.iter().map(|(c, m)| Money::new(*m, c)).collect(),
            activity_count: int(s.activity_count),
            participation: s.participation.into(),
            by_activity_kind: s
                .by_activity_kind
                .into_iter()
                .map(|k| ActivityKindBreakdown {
                    kind: k.kind.into(),
                    activity_count: int(k.activity_count),
                    participation: k.participation.into(),
                })
                .collect(),
            by_grantee: s
                .by_grantee
                .into_iter()
                .map(|g| GranteeBreakdown {
                    grantee_id: g.grantee_id,
                    filter: filter.clone(),
                    grant_count: int(g.grant_count),
                    funding: g.funding.iter().map(|(c, m)| Money::new(*m, c)).collect(),
                    activity_count: int(g.activity_count),
                    participation: g.participation.into(),
                })
                .collect(),
            reports_by_status: s
                .reports_by_status
                .into_iter()
                .map(|(status, count)| ReportStatusCount {
                    status: status.into(),
                    count: int(count),
                })
                .collect(),
            overdue_reports: s.overdue_reports.into_iter().map(Report).collect(),
        })
    }
}
