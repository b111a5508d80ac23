//! The portfolio dashboard.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::activity::ParticipationSummary;
use super::common::{ActivityKind, ContextExt, GqlResult, GrantStatus, Money, ReportStatus};
use super::cost;
use super::organisation::{Organisation, organisation_by_id};
use super::report::{DataWarningCode, Report};
use super::scalars::Date;
use crate::domain::summary::{self, PortfolioFilter};
use crate::error::{Error, Problems, Result};

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

/// The dashboard's parts, each computed when a request first selects it.
pub struct PortfolioSummary {
    filter: PortfolioFilter,
    funding: OnceCell<summary::Funding>,
    activities: OnceCell<(summary::Activities, Vec<summary::KindBreakdown>)>,
}

impl PortfolioSummary {
    async fn funding_part(&self, ctx: &Context<'_>) -> GqlResult<&summary::Funding> {
        Ok(self
            .funding
            .get_or_try_init(|| async {
                summary::funding(ctx.db()?, ctx.actor()?, &self.filter).await
            })
            .await?)
    }

    async fn activities_part(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<&(summary::Activities, Vec<summary::KindBreakdown>)> {
        Ok(self
            .activities
            .get_or_try_init(|| async {
                summary::activities_by_kind(ctx.db()?, ctx.actor()?, &self.filter).await
            })
            .await?)
    }
}

/// The most a page of `byGrantee` or `overdueReports` may hold, and its size when not given.
const MAX_PAGE: i32 = 1_000;
const DEFAULT_PAGE: i32 = 100;

fn page_size(first: Option<i32>) -> Result<u64> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(Error::bad_input(
            "first",
            format!("must be between 0 and {MAX_PAGE}; got {first}"),
        ));
    }
    Ok(u64::try_from(first).unwrap_or(0))
}

/// A dashboard in one request, computed by the database over what the caller may see. Each
/// part is computed only when the request selects it (grants and funding in one statement,
/// activities and participation by kind in another, and so on), and lists that grow with the
/// portfolio (`byGrantee`, `overdueReports`) come a page at a time.
#[Object]
impl PortfolioSummary {
    /// How many grants match the filter.
    async fn grant_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        Ok(int(self.funding_part(ctx).await?.grant_count))
    }
    /// How many grantee organisations hold those grants.
    async fn grantee_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        Ok(int(summary::grantee_count(
            ctx.db()?,
            ctx.actor()?,
            &self.filter,
        )
        .await?))
    }
    /// Total funding, one amount per currency.
    async fn funding(&self, ctx: &Context<'_>) -> GqlResult<Vec<Money>> {
        Ok(money(&self.funding_part(ctx).await?.amounts))
    }
    /// How many activities of those grants match the dates and kind: records, so it agrees
    /// with `activities(filter:).totalCount` even where a joint event is filed twice.
    async fn activity_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        Ok(int(self.activities_part(ctx).await?.0.activity_count))
    }
    /// Everyone who took part in those activities, each joint event counted once.
    async fn participation(&self, ctx: &Context<'_>) -> GqlResult<ParticipationSummary> {
        Ok(self.activities_part(ctx).await?.0.participation.into())
    }
    /// The activities and their participation by kind, for each kind that has activities, in
    /// alphabetical order of kind.
    async fn by_activity_kind(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActivityKindBreakdown>> {
        Ok(self
            .activities_part(ctx)
            .await?
            .1
            .iter()
            .map(|k| ActivityKindBreakdown {
                kind: k.kind.into(),
                activity_count: int(k.activity_count),
                participation: k.participation.into(),
            })
            .collect())
    }
    /// The figures of each grantee organisation with a grant in the summary, a page at a time,
    /// by name (then id). For the next page, pass the last grantee's id as `after`.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn by_grantee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many grantees, at most 1,000; 100 when omitted.")] first: Option<i32>,
        #[graphql(
            desc = "The id of the last grantee of the previous page; the first page when omitted."
        )]
        after: Option<Uuid>,
    ) -> GqlResult<Vec<GranteeBreakdown>> {
        let first = page_size(first)?;
        let page =
            summary::grantee_page(ctx.db()?, ctx.actor()?, &self.filter, first, after).await?;
        Ok(page
            .into_iter()
            .map(|(grantee_id, part)| GranteeBreakdown {
                grantee_id,
                filter: self.filter.clone(),
                grant_count: int(part.funding.grant_count),
                funding: money(&part.funding.amounts),
                activity_count: int(part.activities.activity_count),
                participation: part.activities.participation.into(),
            })
            .collect())
    }
    /// How many reports of those grants are in each status, in the order DRAFT, SUBMITTED,
    /// RETURNED, ACCEPTED; a status no report is in is left out.
    async fn reports_by_status(&self, ctx: &Context<'_>) -> GqlResult<Vec<ReportStatusCount>> {
        Ok(
            summary::reports_by_status(ctx.db()?, ctx.actor()?, &self.filter)
                .await?
                .into_iter()
                .map(|(status, count)| ReportStatusCount {
                    status: status.into(),
                    count: int(count),
                })
                .collect(),
        )
    }
    /// Due before today and not yet SUBMITTED or ACCEPTED, oldest first: the reports of the
    /// summary's grants that are DRAFT or RETURNED with a `dueDate` before the server's date
    /// (UTC), a page at a time. For the next page, pass the last report's id as `after`.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn overdue_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many reports, at most 1,000; 100 when omitted.")] first: Option<i32>,
        #[graphql(
            desc = "The id of the last report of the previous page; the first page when omitted."
        )]
        after: Option<Uuid>,
    ) -> GqlResult<Vec<Report>> {
        let first = page_size(first)?;
        Ok(
            summary::overdue_reports(ctx.db()?, ctx.actor()?, &self.filter, first, after)
                .await?
                .into_iter()
                .map(Report)
                .collect(),
        )
    }
    /// The warnings of every report in the summary, by code. Costs 1,000 towards the request's
    /// cost limit.
    #[graphql(complexity = "cost::SUMMARY + child_complexity")]
    async fn warnings(&self, ctx: &Context<'_>) -> GqlResult<Vec<WarningCount>> {
        warning_counts(ctx, &self.filter).await
    }
}

fn money(amounts: &[(String, i128)]) -> Vec<Money> {
    amounts.iter().map(|(c, m)| Money::new(*m, c)).collect()
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
        _ctx: &Context<'_>,
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
        filter.check()?;
        Ok(PortfolioSummary {
            filter,
            funding: OnceCell::new(),
            activities: OnceCell::new(),
        })
    }
}
