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

/// Narrows the dashboard: every condition given must hold. A grantee's dashboard covers only
/// its own grants, whatever the filter names.
#[derive(InputObject, Default)]
#[graphql(name = "PortfolioFilter")]
pub struct PortfolioFilterInput {
    /// Only grants of this scheme.
    pub scheme_id: Option<Uuid>,
    /// Only grants to this grantee organisation.
    pub grantee_id: Option<Uuid>,
    /// Only grants with this status.
    pub grant_status: Option<GrantStatus>,
    /// Grants and activities overlapping [from, to]: here, grants whose funding period and
    /// activities whose dates end on or after this day. Reports are those of the grants.
    pub from: Option<Date>,
    /// Only grants and activities that start on or before this day. Not before `from`
    /// (`BAD_USER_INPUT` on `filter.to`).
    pub to: Option<Date>,
    /// Only activities of this kind count in `activityCount`, `participation` and the
    /// breakdowns; grants, funding, reports and warnings are not narrowed by it.
    pub activity_kind: Option<ActivityKind>,
}

/// The activities of one kind in the summary.
#[derive(SimpleObject)]
pub struct ActivityKindBreakdown {
    /// Which kind of activity these figures count.
    pub kind: ActivityKind,
    /// How many activities of this kind: records, so each activity of a joint group counts.
    pub activity_count: i32,
    /// Who took part in them, each joint event counted once.
    pub participation: ParticipationSummary,
}

/// How many warnings of one code.
#[derive(SimpleObject)]
pub struct WarningCount {
    /// Which warning this counts.
    pub code: DataWarningCode,
    /// How many the reports carry, 1 or more.
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

/// One grantee organisation's part of the summary.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct GranteeBreakdown {
    #[graphql(skip)]
    grantee_id: Uuid,
    #[graphql(skip)]
    filter: PortfolioFilter,
    /// How many of its grants are in the summary.
    pub grant_count: i32,
    /// Their total funding, one amount per currency, by currency code.
    pub funding: Vec<Money>,
    /// How many activities of those grants are in the summary (records).
    pub activity_count: i32,
    /// Who took part in those activities, each joint event counted once.
    pub participation: ParticipationSummary,
}

#[ComplexObject]
impl GranteeBreakdown {
    /// The grantee organisation these figures are for.
    async fn grantee(&self, ctx: &Context<'_>) -> GqlResult<Organisation> {
        organisation_by_id(ctx, self.grantee_id).await
    }
    /// The warnings of this grantee's reports, by code. Costs 1,000 towards the request's cost
    /// limit.
    #[graphql(complexity = "cost::SUMMARY + child_complexity")]
    async fn warnings(&self, ctx: &Context<'_>) -> GqlResult<Vec<WarningCount>> {
        let filter = PortfolioFilter {
            grantee_id: Some(self.grantee_id),
            ..self.filter.clone()
        };
        warning_counts(ctx, &filter).await
    }
}

/// How many reports are in one status.
#[derive(SimpleObject)]
pub struct ReportStatusCount {
    /// The status these reports are in.
    pub status: ReportStatus,
    /// How many reports of the summary's grants are in it, 1 or more.
    pub count: i32,
}

/// A dashboard in one request, computed by the database over what the caller may see.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PortfolioSummary {
    #[graphql(skip)]
    filter: PortfolioFilter,
    /// How many grants match the filter.
    pub grant_count: i32,
    /// How many grantee organisations hold those grants.
    pub grantee_count: i32,
    /// Total funding, one amount per currency.
    pub funding: Vec<Money>,
    /// How many activities of those grants match the dates and kind: records, so it agrees
    /// with `activities(filter:).totalCount` even where a joint event is filed twice.
    pub activity_count: i32,
    /// Everyone who took part in those activities, each joint event counted once.
    pub participation: ParticipationSummary,
    /// The activities and their participation by kind, for each kind that has activities, in
    /// alphabetical order of kind.
    pub by_activity_kind: Vec<ActivityKindBreakdown>,
    /// The figures of each grantee organisation with a grant in the summary, in the order of
    /// their ids.
    pub by_grantee: Vec<GranteeBreakdown>,
    /// How many reports of those grants are in each status, in the order DRAFT, SUBMITTED,
    /// RETURNED, ACCEPTED; a status no report is in is left out.
    pub reports_by_status: Vec<ReportStatusCount>,
    /// Due before today and not yet SUBMITTED or ACCEPTED, oldest first: the reports of the
    /// summary's grants that are DRAFT or RETURNED with a `dueDate` before the server's date
    /// (UTC).
    pub overdue_reports: Vec<Report>,
}

#[ComplexObject]
impl PortfolioSummary {
    /// The warnings of every report in the summary, by code. Costs 1,000 towards the request's
    /// cost limit.
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
    /// A dashboard in one request: grants, funding, activities, participation, reports by
    /// status, overdue reports and data warnings over everything the caller may see, narrowed
    /// by the filter and computed by the database, so every total agrees with the lists it
    /// summarises. A grantee's covers only its own grants. Costs 1,000 towards the request's
    /// cost limit.
    #[graphql(complexity = "cost::SUMMARY + child_complexity")]
    async fn portfolio_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the summary by scheme, grantee, grant status, dates or\n\
                    activity kind; the whole portfolio the caller may see when omitted."
        )]
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
